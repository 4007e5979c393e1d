# Fully static Linux programs: musl's C library (Debian's musl-tools, whose
# musl-gcc wraps the system gcc) and the static libraries that
# scripts/release-deps.sh built into SOAK_STATIC_DEPS:
#   scripts/release-deps.sh linux-x64 build-release/deps
#   cmake -S . -B build-release -DCMAKE_TOOLCHAIN_FILE=cmake/musl.cmake \
#         -DSOAK_STATIC_DEPS=$PWD/build-release/deps
# The programs need no shared library at all, so they run on any Linux kernel
# of the architecture whatever its C library. Not a cross build: the machine
# runs them, so configure checks that run a program work as usual.
find_program(CMAKE_C_COMPILER NAMES musl-gcc REQUIRED)

set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

set(SOAK_STATIC_DEPS "" CACHE PATH "Prefix built by scripts/release-deps.sh (include/, lib/, lib/pkgconfig)")
# try_compile projects run this file again without the cache: hand the value on
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES SOAK_STATIC_DEPS)

# Libraries, headers and packages only from that prefix: never the machine's
# glibc builds in /usr/lib (musl-gcc already keeps /usr/include out).
set(CMAKE_FIND_ROOT_PATH ${SOAK_STATIC_DEPS})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(ENV{PKG_CONFIG_LIBDIR} "${SOAK_STATIC_DEPS}/lib/pkgconfig")
unset(ENV{PKG_CONFIG_PATH})
