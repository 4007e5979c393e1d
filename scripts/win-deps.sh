#!/usr/bin/env bash
# Cross-build soak-action's third-party libraries for Windows x86_64 with
# mingw-w64, as static libraries, from Debian's own source packages:
#   scripts/win-deps.sh PREFIX
# installs zlib, zstd, cJSON, libarchive and curl (Schannel) into PREFIX
# (include/, lib/, lib/pkgconfig/) for cmake/mingw-w64-x86_64.cmake:
#   cmake -S . -B build-win -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake -DSOAK_WIN_DEPS=PREFIX
# Idempotent: a library whose stamp (its pinned version and this script's and the
# toolchain file's hashes) is current is reused, so a second run does nothing.
# It leaves the machine's apt configuration alone: the source packages come
# through a private sources list and private package lists under PREFIX/.win-deps.
set -euo pipefail

say() { echo "win-deps: $*" >&2; }
die() {
	say "$*"
	exit 1
}

if [ $# -ne 1 ] || [ -z "$1" ]; then
	die "usage: $0 PREFIX"
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
toolchain=$here/../cmake/mingw-w64-x86_64.cmake
[ -f "$toolchain" ] || die "missing $toolchain"
mkdir -p "$1"
prefix=$(cd "$1" && pwd -P)
work=$prefix/.win-deps
mkdir -p "$work/stamps" "$work/logs"

# One run at a time per prefix: a second one waits rather than building over the first.
exec 9>"$work/lock"
flock 9

# The pins: Debian source package, exact Debian version (bookworm, as served
# now), the .orig tarball and its SHA-256. A pin that apt no longer serves
# fails the run; update it here (the new hash comes from the downloaded file).
# libzstd and zlib stay on the bookworm point-release versions: the archive
# lists newer +deb12u1 builds in bookworm-security, but their files are not
# served (404); their fixes concern the zstd program and minizip, which are
# not built here.
#   name        source package  version               orig tarball                        sha256
pins=(
	"zlib       zlib            1:1.2.13.dfsg-1       zlib_1.2.13.dfsg.orig.tar.bz2       71feb7947e3c00ef125f83b79a4e529bde31171e5babe48b391f06758d1ab0a1"
	"zstd       libzstd         1.5.4+dfsg2-5         libzstd_1.5.4+dfsg2.orig.tar.xz     8cf4bbb65e77ec348d052c8d6230eba66d435bddf64c8b5be2fcb16880c19953"
	"cjson      cjson           1.7.15-1+deb12u4      cjson_1.7.15.orig.tar.gz            5308fd4bd90cef7aa060558514de6a1a4a0819974a26e6ed13973c5f624c24b2"
	"libarchive libarchive      3.6.2-1+deb12u5       libarchive_3.6.2.orig.tar.xz        9e2c1b80d5fbe59b61308fdfab6c79b5021d7ff4ff2489fb12daf0a96a83551d"
	"curl       curl            7.88.1-10+deb12u15    curl_7.88.1.orig.tar.gz             cdb38b72e36bc5d33d5b8810f8018ece1baa29a8f215b4495e495ded82bbf3c7"
)

# A change to this script or to the toolchain file rebuilds everything.
recipe=$(cat "${BASH_SOURCE[0]}" "$toolchain" | sha256sum | cut -c1-16)

# The file each library leaves behind: a stamp without it is stale.
product() {
	case $1 in
	zlib) echo lib/libz.a ;;
	zstd) echo lib/libzstd.a ;;
	cjson) echo lib/libcjson.a ;;
	libarchive) echo lib/libarchive.a ;;
	curl) echo lib/libcurl.a ;;
	esac
}

todo=()
for pin in "${pins[@]}"; do
	read -r name _ version _ _ <<<"$pin"
	if [ "$(cat "$work/stamps/$name" 2>/dev/null)" = "$version $recipe" ] &&
		[ -f "$prefix/$(product "$name")" ]; then
		say "$name $version: reused"
	else
		todo+=("$pin")
	fi
done
[ "${#todo[@]}" -eq 0 ] && exit 0

# --- build tools, installed only when missing ---------------------------------
# mingw-w64: both thread flavours of gcc and the Windows headers and import
# libraries; dpkg-dev: dpkg-source to unpack and patch the source packages (and
# make, xz-utils, bzip2); ninja-build: CMake's configure checks, hundreds of
# small builds, run much faster with it than with make; pkg-config: the project
# finds the libraries with it.
need=(mingw-w64 cmake dpkg-dev ninja-build pkg-config)
missing=()
for p in "${need[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
if [ "${#missing[@]}" -gt 0 ]; then
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# wait for another apt/dpkg run instead of failing on its lock
	"${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
	"${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
fi

# --- a private apt: deb-src lines for the machine's own Debian mirrors ---------
apt_dir=$work/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
machine_sources=/etc/apt/sources.list.d/debian.sources
[ -f "$machine_sources" ] || die "$machine_sources not found: cannot tell which Debian mirror to use"
# deb822 stanzas -> one-line deb-src entries, bookworm suites only, same keyring
awk '
function flush(  n, m, i, j, uri, suite) {
	if (f["URIs"] != "" && f["Types"] ~ /(^| )deb( |$)/) {
		n = split(f["URIs"], uri, " "); m = split(f["Suites"], suite, " ")
		for (i = 1; i <= n; i++) for (j = 1; j <= m; j++)
			if (suite[j] ~ /^bookworm(-updates|-security)?$/)
				printf "deb-src%s %s %s %s\n", (f["Signed-By"] != "" ? " [signed-by=" f["Signed-By"] "]" : ""), uri[i], suite[j], f["Components"]
	}
	delete f
}
/^[ \t]*#/ { next }
/^[ \t]*$/ { flush(); next }
/^[A-Za-z-]+:/ { key = $1; sub(/:$/, "", key); $1 = ""; sub(/^[ \t]+/, ""); f[key] = $0 }
END { flush() }' "$machine_sources" >"$apt_dir/sources.list.new"
for s in bookworm bookworm-updates bookworm-security; do
	grep -q " $s " "$apt_dir/sources.list.new" || die "no $s suite in $machine_sources"
done
mv "$apt_dir/sources.list.new" "$apt_dir/sources.list"
apt_opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o Dir::Etc::sourceparts=-
	-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
	# the files land in PREFIX, which apt's _apt download user may not reach
	-o APT::Sandbox::User=root)

# --- fetch, check and unpack one source package --------------------------------
updated=0
fetch() { # name srcpkg version orig sha256 -> unpacked tree at $work/src/name
	local name=$1 pkg=$2 version=$3 orig=$4 sum=$5 dl=$work/dl/$1 dsc
	dsc=${pkg}_${version#*:}.dsc
	mkdir -p "$dl"
	if ! { [ -f "$dl/$dsc" ] && [ -f "$dl/$orig" ] &&
		echo "$sum  $dl/$orig" | sha256sum -c --status; }; then
		if [ "$updated" = 0 ]; then
			apt-get "${apt_opts[@]}" update -qq >"$work/logs/apt-update.log" 2>&1 ||
				die "apt-get update of the private source lists failed: see $work/logs/apt-update.log"
			updated=1
		fi
		rm -rf "$dl" && mkdir -p "$dl"
		if ! (cd "$dl" && apt-get "${apt_opts[@]}" source --download-only -q "$pkg=$version") \
			>"$work/logs/$name-fetch.log" 2>&1; then
			tail -n 5 "$work/logs/$name-fetch.log" >&2
			die "cannot fetch $pkg=$version; versions served now: $(apt-cache "${apt_opts[@]}" showsrc --only-source "$pkg" 2>/dev/null |
				sed -n 's/^Version: //p' | sort -u | tr '\n' ' ')(update the pin in $0)"
		fi
	fi
	[ -f "$dl/$orig" ] || die "$pkg=$version: $orig was not downloaded (the pin names the wrong file?)"
	local got
	got=$(sha256sum "$dl/$orig" | cut -d' ' -f1)
	[ "$got" = "$sum" ] || die "$orig: SHA-256 is $got, the script expects $sum: refusing to build it"
	# dpkg-source checks every file against the .dsc (which apt checked against the
	# signed Sources index) and applies Debian's patches, security fixes included
	rm -rf "$work/src/$name"
	mkdir -p "$work/src"
	dpkg-source -q -x "$dl/$dsc" "$work/src/$name" >"$work/logs/$name-unpack.log" 2>&1 ||
		die "dpkg-source -x $dsc failed: see $work/logs/$name-unpack.log"
}

jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
# Every library: the project's toolchain file, -O2 (-O3 compiles slower for
# nothing these programs need), static only, and no emulator, so that configure
# checks never depend on whether Wine is installed.
cmake_common=(-G Ninja -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DSOAK_WIN_DEPS="$prefix"
	-DCMAKE_CROSSCOMPILING_EMULATOR= -DCMAKE_BUILD_TYPE=Release "-DCMAKE_C_FLAGS_RELEASE=-O2 -DNDEBUG"
	-DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib
	-DBUILD_SHARED_LIBS=OFF -DBUILD_TESTING=OFF)

run() { # log-name command...: quiet unless it fails
	local log=$work/logs/$1.log
	shift
	if ! "$@" >>"$log" 2>&1; then
		tail -n 30 "$log" >&2
		die "failed: $* (full log: $log)"
	fi
}

# The installed .pc files name exactly what a static link needs: the prefix
# holds no DLLs, so Libs carries what Libs.private would, and Cflags the
# defines that turn off __declspec(dllimport) in the headers (the project's
# pkg_check_modules asks without --static).
write_pc() { # file name version description cflags libs
	cat >"$prefix/lib/pkgconfig/$1" <<EOF
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: $2
Description: $4 (static, x86_64-w64-mingw32)
Version: $3
Cflags: -I\${includedir}$5
Libs: -L\${libdir} $6
EOF
}

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

build_zstd() {
	# the library alone; multithreaded (on Windows with its own Win32 threads)
	run zstd cmake -S "$work/src/zstd/build/cmake" -B "$work/build/zstd" "${cmake_common[@]}" \
		-DZSTD_BUILD_STATIC=ON -DZSTD_BUILD_SHARED=OFF -DZSTD_BUILD_PROGRAMS=OFF \
		-DZSTD_BUILD_TESTS=OFF -DZSTD_BUILD_CONTRIB=OFF -DZSTD_MULTITHREAD_SUPPORT=ON \
		-DZSTD_LEGACY_SUPPORT=OFF
	run zstd cmake --build "$work/build/zstd" -j "$jobs"
	run zstd cmake --install "$work/build/zstd"
	write_pc libzstd.pc zstd "$(sed -n 's/^Version: //p' "$work/build/zstd/lib/libzstd.pc")" \
		"fast lossless compression algorithm library" "" "-lzstd"
}

build_cjson() {
	# CJSON_HIDE_SYMBOLS: no __declspec(dllexport) on the functions, in the
	# library and in its users (else every program would export cJSON)
	run cjson cmake -S "$work/src/cjson" -B "$work/build/cjson" "${cmake_common[@]}" \
		-DENABLE_CJSON_TEST=OFF -DENABLE_CJSON_UTILS=OFF -DENABLE_TARGET_EXPORT=OFF \
		-DENABLE_PUBLIC_SYMBOLS=OFF -DENABLE_HIDDEN_SYMBOLS=ON -DENABLE_CUSTOM_COMPILER_FLAGS=OFF
	run cjson cmake --build "$work/build/cjson" -j "$jobs"
	run cjson cmake --install "$work/build/cjson"
	write_pc libcjson.pc libcjson "$(sed -n 's/^Version: //p' "$work/build/cjson/libcjson.pc")" \
		"Ultralightweight JSON parser in ANSI C" " -I\${includedir}/cjson -DCJSON_HIDE_SYMBOLS" "-lcjson"
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
	# Only zlib (gzip filter, zip deflate) and zstd (zstd filter) among the
	# compression libraries; no crypto library but Windows' own; no regex, no
	# iconv (Windows code pages), no bsdtar/bsdcpio/bsdcat.
	# ZLIB_WINAPI_EXITCODE: the answer to a configure check that would run a
	# program (no emulator here): this zlib is not the stdcall (ZLIB_WINAPI) one.
	run libarchive cmake -S "$s" -B "$b" "${cmake_common[@]}" \
		-DENABLE_ZLIB=ON -DENABLE_ZSTD=ON -DENABLE_CNG=ON \
		-DENABLE_OPENSSL=OFF -DENABLE_MBEDTLS=OFF -DENABLE_NETTLE=OFF -DENABLE_LIBB2=OFF \
		-DENABLE_LZ4=OFF -DENABLE_LZO=OFF -DENABLE_LZMA=OFF -DENABLE_BZip2=OFF \
		-DENABLE_LIBXML2=OFF -DENABLE_EXPAT=OFF -DENABLE_PCREPOSIX=OFF -DENABLE_LIBGCC=OFF \
		-DENABLE_TAR=OFF -DENABLE_CPIO=OFF -DENABLE_CAT=OFF -DENABLE_XATTR=OFF -DENABLE_ACL=OFF \
		-DENABLE_ICONV=OFF -DENABLE_TEST=OFF -DENABLE_WERROR=OFF -DENABLE_INSTALL=OFF \
		-DPOSIX_REGEX_LIB=NONE -DZLIB_WINAPI_EXITCODE=1
	grep -q '^HAVE_BCRYPT_H:INTERNAL=1' "$b/CMakeCache.txt" ||
		die "libarchive: bcrypt.h not found by its configure (CNG would be left out)"
	# libarchive always builds a DLL too: the static target alone, installed by hand
	run libarchive cmake --build "$b" -j "$jobs" --target archive_static
	install -D -m 644 "$b/libarchive/libarchive_static.a" "$prefix/lib/libarchive.a"
	install -m 644 "$s/libarchive/archive.h" "$s/libarchive/archive_entry.h" "$prefix/include/"
	write_pc libarchive.pc libarchive "$(sed -n 's/^Version: //p' "$b/build/pkgconfig/libarchive.pc")" \
		"library that can create and read several streaming archive formats" \
		" -DLIBARCHIVE_STATIC" "-larchive -lzstd -lz -lbcrypt"
}

build_curl() {
	# HTTP and HTTPS only, TLS by Schannel (Windows' own), certificates from
	# the Windows store; no OpenSSL, zlib, brotli, zstd, nghttp2, libssh2,
	# libpsl, IDN, LDAP; no curl program, manual or tests
	run curl cmake -S "$work/src/curl" -B "$work/build/curl" "${cmake_common[@]}" \
		-DBUILD_CURL_EXE=OFF -DENABLE_MANUAL=OFF -DPICKY_COMPILER=OFF -DCURL_ENABLE_EXPORT_TARGET=ON \
		-DHTTP_ONLY=ON -DCURL_DISABLE_LDAP=ON -DCURL_DISABLE_LDAPS=ON -DENABLE_UNIX_SOCKETS=OFF \
		-DCURL_USE_SCHANNEL=ON -DCURL_USE_OPENSSL=OFF -DCURL_USE_MBEDTLS=OFF -DCURL_USE_WOLFSSL=OFF \
		-DCURL_USE_BEARSSL=OFF -DCURL_USE_NSS=OFF -DCURL_CA_BUNDLE=none -DCURL_CA_PATH=none \
		-DCURL_ZLIB=OFF -DCURL_BROTLI=OFF -DCURL_ZSTD=OFF -DUSE_NGHTTP2=OFF \
		-DCURL_USE_LIBSSH2=OFF -DCURL_USE_LIBSSH=OFF -DCURL_USE_GSSAPI=OFF -DCURL_USE_LIBPSL=OFF \
		-DUSE_LIBIDN2=OFF -DUSE_WIN32_IDN=OFF -DENABLE_ARES=OFF
	run curl cmake --build "$work/build/curl" -j "$jobs"
	run curl cmake --install "$work/build/curl"
	write_pc libcurl.pc libcurl "$(sed -n 's/^Version: //p' "$work/build/curl/libcurl.pc")" \
		"Library to transfer files over HTTP and HTTPS" " -DCURL_STATICLIB" \
		"-lcurl -lbcrypt -ladvapi32 -lcrypt32 -lws2_32"
}

# Fetch everything first (apt is quick and runs one at a time), ...
for pin in "${todo[@]}"; do
	read -r name pkg version orig sum <<<"$pin"
	rm -f "$work/stamps/$name" "$work/logs/$name.log"
	fetch "$name" "$pkg" "$version" "$orig" "$sum"
done

build() { # name...: build those of them that are to do, in that order
	local name pin n version start
	for name in "$@"; do
		for pin in "${todo[@]}"; do
			read -r n _ version _ _ <<<"$pin"
			[ "$n" = "$name" ] || continue
			start=$SECONDS
			rm -rf "$work/build/$name"
			"build_$name"
			# sources and objects are not needed once installed
			rm -rf "$work/src/$name" "$work/build/$name"
			echo "$version $recipe" >"$work/stamps/$name"
			say "$name $version: built in $((SECONDS - start)) s"
		done
	done
}

# ... then build in two chains side by side: a CMake configure step is a long
# run of one-core checks, so one chain's checks overlap the other's compiling.
# libarchive needs zlib and zstd; cJSON and curl need nothing here.
mkdir -p "$prefix/include" "$prefix/lib/pkgconfig"
build zlib zstd libarchive &
chain1=$!
build cjson curl &
chain2=$!
failed=0
wait "$chain1" || failed=1
wait "$chain2" || failed=1
[ "$failed" = 0 ] || die "a library failed to build (see above); the others were kept"
