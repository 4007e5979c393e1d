# Find the three dependencies; a missing one fails configure naming the package to install.
find_package(PkgConfig)

function(soak_missing what deb brew vcpkg)
  message(FATAL_ERROR
    "${what} was not found. Install it:\n"
    "  Debian/Ubuntu: sudo apt-get install ${deb}\n"
    "  macOS:         brew install ${brew}\n"
    "  Windows:       vcpkg install ${vcpkg}\n"
    "or run scripts/install-deps.sh")
endfunction()

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
