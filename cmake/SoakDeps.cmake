# Find the dependencies; a missing one fails configure naming the package to install.
# Each becomes one target: CURL::libcurl, soak::cjson, soak::archive, soak::zstd.
find_package(PkgConfig)

function(soak_missing what deb brew vcpkg)
  message(FATAL_ERROR
    "${what} was not found. Install it:\n"
    "  Debian/Ubuntu: sudo apt-get install ${deb}\n"
    "  macOS:         brew install ${brew}\n"
    "  Windows:       vcpkg install ${vcpkg}\n"
    "or run scripts/install-deps.sh")
endfunction()

# A release build (scripts/release-build.sh) and the Windows cross build link
# the static libraries of scripts/release-deps.sh (SOAK_STATIC_DEPS) or
# scripts/win-deps.sh (SOAK_WIN_DEPS), with the system libraries each one
# needs (curl's Schannel, libarchive's and the SHA-256's BCrypt on Windows).
set(SOAK_STATIC_DEPS "" CACHE PATH "Prefix built by scripts/release-deps.sh: link its static libraries")
set(_soak_static "")
if(WIN32 AND SOAK_WIN_DEPS)
  set(_soak_static "${SOAK_WIN_DEPS}")
  set(_soak_static_script "scripts/win-deps.sh ${SOAK_WIN_DEPS}")
elseif(SOAK_STATIC_DEPS)
  set(_soak_static "${SOAK_STATIC_DEPS}")
  set(_soak_static_script "scripts/release-deps.sh PLATFORM ${SOAK_STATIC_DEPS}")
endif()
if(_soak_static)
  function(soak_static_lib target file)
    if(NOT EXISTS "${_soak_static}/lib/${file}")
      message(FATAL_ERROR "${_soak_static}/lib/${file} is missing: run ${_soak_static_script}")
    endif()
    add_library(${target} STATIC IMPORTED GLOBAL)
    set_target_properties(${target} PROPERTIES IMPORTED_LOCATION "${_soak_static}/lib/${file}"
      INTERFACE_INCLUDE_DIRECTORIES "${_soak_static}/include")
  endfunction()
  soak_static_lib(soak::zstd libzstd.a)
  soak_static_lib(soak::cjson libcjson.a)
  soak_static_lib(soak::archive libarchive.a)
  if(APPLE)
    # macOS's own zlib, iconv and libcurl (with the system's TLS)
    add_library(soak::zlib INTERFACE IMPORTED GLOBAL)
    set_target_properties(soak::zlib PROPERTIES INTERFACE_LINK_LIBRARIES z)
    set(_soak_archive_libs "soak::zstd;soak::zlib;iconv")
  else()
    soak_static_lib(soak::zlib libz.a)
    set(_soak_archive_libs "soak::zstd;soak::zlib")
  endif()
  if(WIN32)
    set_target_properties(soak::archive PROPERTIES INTERFACE_COMPILE_DEFINITIONS LIBARCHIVE_STATIC
      INTERFACE_LINK_LIBRARIES "${_soak_archive_libs};bcrypt")
    soak_static_lib(CURL::libcurl libcurl.a)
    set_target_properties(CURL::libcurl PROPERTIES INTERFACE_COMPILE_DEFINITIONS CURL_STATICLIB
      INTERFACE_LINK_LIBRARIES "soak::zlib;ws2_32;crypt32;secur32;bcrypt;iphlpapi;advapi32")
    return()
  endif()
  set_target_properties(soak::archive PROPERTIES INTERFACE_LINK_LIBRARIES "${_soak_archive_libs}")
  # libcrypto for SHA-256 (common/platform)
  soak_static_lib(OpenSSL::Crypto libcrypto.a)
  if(APPLE)
    find_package(CURL REQUIRED)
  else()
    soak_static_lib(OpenSSL::SSL libssl.a)
    set_target_properties(OpenSSL::SSL PROPERTIES INTERFACE_LINK_LIBRARIES OpenSSL::Crypto)
    soak_static_lib(CURL::libcurl libcurl.a)
    set_target_properties(CURL::libcurl PROPERTIES INTERFACE_LINK_LIBRARIES OpenSSL::SSL)
  endif()
  return()
endif()

find_package(CURL QUIET)
if(NOT CURL_FOUND)
  soak_missing("libcurl" "libcurl4-openssl-dev" "curl" "curl")
endif()

if(PKG_CONFIG_FOUND)
  pkg_check_modules(CJSON QUIET IMPORTED_TARGET libcjson)
  pkg_check_modules(LIBARCHIVE QUIET IMPORTED_TARGET libarchive)
endif()
if(CJSON_FOUND)
  add_library(soak::cjson ALIAS PkgConfig::CJSON)
else()
  find_package(cJSON CONFIG QUIET)
  if(TARGET cjson)
    add_library(soak::cjson ALIAS cjson)
  else()
    soak_missing("cJSON" "libcjson-dev" "cjson" "cjson")
  endif()
endif()

# 3.6.0 at least: before it, the directory modes and times archive_write_disk
# sets when it closes followed a symbolic link put where a directory was
# (CVE-2021-31566), and the cache makes its links before that close.
set(SOAK_LIBARCHIVE_MIN 3.6.0)
if(LIBARCHIVE_FOUND)
  if(LIBARCHIVE_VERSION VERSION_LESS SOAK_LIBARCHIVE_MIN)
    message(FATAL_ERROR "libarchive ${LIBARCHIVE_VERSION} is too old: ${SOAK_LIBARCHIVE_MIN} or newer "
      "is needed (Debian 12, Ubuntu 22.04 and newer have it)")
  endif()
  add_library(soak::archive ALIAS PkgConfig::LIBARCHIVE)
else()
  find_package(LibArchive ${SOAK_LIBARCHIVE_MIN} QUIET)
  if(LibArchive_FOUND)
    add_library(soak::archive ALIAS LibArchive::LibArchive)
  else()
    soak_missing("libarchive ${SOAK_LIBARCHIVE_MIN} or newer" "libarchive-dev" "libarchive" "libarchive")
  endif()
endif()

# libzstd directly, for the cache (libarchive 3.6 cannot read actions/cache's
# --long=30 streams)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(ZSTD QUIET IMPORTED_TARGET libzstd)
endif()
if(NOT ZSTD_FOUND)
  soak_missing("libzstd" "libzstd-dev" "zstd" "zstd")
endif()
add_library(soak::zstd ALIAS PkgConfig::ZSTD)
