# Cross-compile for Windows x86_64 with Debian's mingw-w64 (package mingw-w64):
#   scripts/win-deps.sh build-win/deps
#   cmake -S . -B build-win -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake \
#         -DSOAK_WIN_DEPS=$PWD/build-win/deps
# The programs come out as .exe files that import only Windows' own DLLs.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(SOAK_MINGW_TRIPLE x86_64-w64-mingw32)

# The win32 thread-model compilers, not -posix: the -posix flavour's libgcc is
# built on winpthreads, so even a program that starts no thread imports
# libwinpthread-1.dll from it (its emulated TLS does), unless linked with -static.
# The win32 flavour's runtime needs no winpthreads at all. The pthread API the
# project uses still works with it: pthread.h and libwinpthread.a come from
# mingw-w64's own package, and -static below links that archive, not the DLL.
# (Both flavours were checked with objdump -p: only -static removes
# libwinpthread-1.dll from a program that calls pthread_create.)
find_program(CMAKE_C_COMPILER NAMES ${SOAK_MINGW_TRIPLE}-gcc-win32 ${SOAK_MINGW_TRIPLE}-gcc REQUIRED)
find_program(CMAKE_CXX_COMPILER NAMES ${SOAK_MINGW_TRIPLE}-g++-win32 ${SOAK_MINGW_TRIPLE}-g++)
find_program(CMAKE_RC_COMPILER NAMES ${SOAK_MINGW_TRIPLE}-windres)
find_program(CMAKE_AR NAMES ${SOAK_MINGW_TRIPLE}-ar)
find_program(CMAKE_RANLIB NAMES ${SOAK_MINGW_TRIPLE}-ranlib)

# -static: libgcc, libwinpthread and every library found below are linked in
# as archives, so nothing but Windows' own DLLs is needed next to the .exe.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static-libgcc")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-static-libgcc")

# Where scripts/win-deps.sh installed cJSON, zstd, zlib, libarchive and curl.
set(SOAK_WIN_DEPS "" CACHE PATH "Prefix built by scripts/win-deps.sh (include/, lib/, lib/pkgconfig)")
# try_compile projects run this file again without the cache: hand the value on
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES SOAK_WIN_DEPS)

# The compiler's own target directory (headers and libbcrypt.a, libws2_32.a, ...),
# asked of the compiler rather than written here.
execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libkernel32.a
  OUTPUT_VARIABLE _soak_k32 OUTPUT_STRIP_TRAILING_WHITESPACE)
get_filename_component(_soak_mingw_root "${_soak_k32}/../.." REALPATH)

set(CMAKE_FIND_ROOT_PATH ${SOAK_WIN_DEPS} ${_soak_mingw_root})
# host programs (pkg-config, wine, ...) from the build machine; libraries,
# headers and packages only from the Windows roots above
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config must read the Windows .pc files, never the host's (libcjson-dev's
# libcjson.pc would otherwise win, with Linux flags)
set(ENV{PKG_CONFIG_LIBDIR} "${_soak_mingw_root}/lib/pkgconfig")
if(SOAK_WIN_DEPS)
  set(ENV{PKG_CONFIG_LIBDIR} "${SOAK_WIN_DEPS}/lib/pkgconfig:$ENV{PKG_CONFIG_LIBDIR}")
endif()
unset(ENV{PKG_CONFIG_PATH})

# Run the tests' .exe files (and try_run checks) under Wine when it is installed
# (apt-get install wine64). -DCMAKE_CROSSCOMPILING_EMULATOR= turns that off:
# scripts/win-deps.sh does, so the libraries never depend on Wine being there.
if(NOT DEFINED CMAKE_CROSSCOMPILING_EMULATOR)
  find_program(SOAK_WINE NAMES wine wine64)
  if(SOAK_WINE)
    set(CMAKE_CROSSCOMPILING_EMULATOR ${SOAK_WINE})
  endif()
endif()
