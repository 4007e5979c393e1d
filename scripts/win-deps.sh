#!/usr/bin/env bash
# Cross-build soak-action's third-party libraries for Windows x86_64 with
# mingw-w64, as static libraries, from Debian's own source packages:
#   scripts/win-deps.sh PREFIX
# installs zlib, zstd, cJSON, libarchive and curl (Schannel) into PREFIX
# (include/, lib/, lib/pkgconfig/) for cmake/mingw-w64-x86_64.cmake:
#   cmake -S . -B build-win -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake -DSOAK_WIN_DEPS=PREFIX
# Idempotent: a library whose stamp (its pinned version and the hashes of this
# script, scripts/deps-lib.sh and the toolchain file) is current is reused, so
# a second run does nothing. It leaves the machine's apt configuration alone:
# the source packages come through a private sources list and private package
# lists under PREFIX/.win-deps.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
deps_tag=win-deps
deps_target=x86_64-w64-mingw32
# shellcheck source=scripts/deps-lib.sh
. "$here/deps-lib.sh"

if [ $# -ne 1 ] || [ -z "$1" ]; then
	die "usage: $0 PREFIX"
fi
toolchain=$here/../cmake/mingw-w64-x86_64.cmake
[ -f "$toolchain" ] || die "missing $toolchain"
deps_pins=("$(deps_pin zlib)" "$(deps_pin zstd)" "$(deps_pin cjson)" "$(deps_pin libarchive)" "$(deps_pin curl)")
deps_begin "$1" "$toolchain"
deps_todo || exit 0

# --- build tools, installed only when missing ---------------------------------
# mingw-w64: both thread flavours of gcc and the Windows headers and import
# libraries; dpkg-dev: dpkg-source to unpack and patch the source packages (and
# make, xz-utils, bzip2); ninja-build: CMake's configure checks, hundreds of
# small builds, run much faster with it than with make; pkg-config: the project
# finds the libraries with it.
deps_need mingw-w64 cmake dpkg-dev ninja-build pkg-config

# Every library: the project's toolchain file, -O2 (-O3 compiles slower for
# nothing these programs need), static only, and no emulator, so that configure
# checks never depend on whether Wine is installed.
cmake_common=(-G Ninja -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DSOAK_WIN_DEPS="$prefix"
	-DCMAKE_CROSSCOMPILING_EMULATOR= -DCMAKE_BUILD_TYPE=Release "-DCMAKE_C_FLAGS_RELEASE=-O2 -DNDEBUG"
	-DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib
	-DBUILD_SHARED_LIBS=OFF -DBUILD_TESTING=OFF)

build_zlib() {
	local s=$work/src/zlib b=$work/build/zlib
	run zlib cmake -S "$s" -B "$b" "${cmake_common[@]}"
	# zlib's CMake builds the DLL alongside and names the archive libzlibstatic.a
	# on Windows: build the static target alone and install it by hand as libz.a
	run zlib cmake --build "$b" -j "$jobs" --target zlibstatic
	install -D -m 644 "$b/libzlibstatic.a" "$prefix/lib/libz.a"
	install -m 644 "$s/zlib.h" "$b/zconf.h" "$prefix/include/"
	write_pc zlib.pc zlib "$(sed -n 's/^#define ZLIB_VERSION "\(.*\)"/\1/p' "$s/zlib.h")" \
		"zlib compression library" "" "-lz"
}

build_libarchive() {
	local s=$work/src/libarchive b=$work/build/libarchive
	# It looks for "Bcrypt.h" and links "Bcrypt": names that only a case-blind
	# file system finds; mingw-w64 ships bcrypt.h and libbcrypt.a. Without
	# this the CNG (bcrypt) code, zip encryption's, is silently left out.
	sed -i 's/"Bcrypt\.h"/"bcrypt.h"/; s/ADDITIONAL_LIBS "Bcrypt"/ADDITIONAL_LIBS "bcrypt"/' "$s/CMakeLists.txt"
	# The pax writer checks that an entry has a name by asking for it in the
	# ANSI code page, so on Windows a name outside it is refused ("Can't record
	# entry in tar file without pathname") although the writer itself takes the
	# wide name and stores it as UTF-8 (3.6.2). Ask for the wide name: this
	# build is for Windows only.
	sed -i 's/^\tif (archive_entry_pathname(entry_original) == NULL) {$/\tif (archive_entry_pathname_w(entry_original) == NULL) {/' \
		"$s/libarchive/archive_write_set_format_pax.c"
	grep -q '^.if (archive_entry_pathname_w(entry_original) == NULL) {$' \
		"$s/libarchive/archive_write_set_format_pax.c" ||
		die "libarchive: the pax writer's name check was not found (the Windows name fix was not applied)"
	# No crypto library but Windows' own; no iconv (Windows code pages), no xattrs.
	# ZLIB_WINAPI_EXITCODE: the answer to a configure check that would run a
	# program (no emulator here): this zlib is not the stdcall (ZLIB_WINAPI) one.
	run libarchive cmake -S "$s" -B "$b" "${cmake_common[@]}" "${libarchive_common[@]}" \
		-DENABLE_CNG=ON -DENABLE_OPENSSL=OFF -DENABLE_XATTR=OFF -DENABLE_ICONV=OFF \
		-DZLIB_WINAPI_EXITCODE=1
	grep -q '^HAVE_BCRYPT_H:INTERNAL=1' "$b/CMakeCache.txt" ||
		die "libarchive: bcrypt.h not found by its configure (CNG would be left out)"
	# the defines that turn off __declspec(dllimport) in the headers
	libarchive_install " -DLIBARCHIVE_STATIC" "-larchive -lzstd -lz -lbcrypt"
}

build_curl() {
	# TLS by Schannel (Windows' own), certificates from the Windows store
	curl_build " -DCURL_STATICLIB" "-lcurl -lbcrypt -ladvapi32 -lcrypt32 -lws2_32" \
		-DCURL_USE_SCHANNEL=ON -DCURL_USE_OPENSSL=OFF -DCURL_CA_BUNDLE=none -DCURL_CA_PATH=none \
		-DUSE_WIN32_IDN=OFF
}

deps_fetch_all
# libarchive needs zlib and zstd; cJSON and curl need nothing here.
deps_chains "zlib zstd libarchive" "cjson curl"
