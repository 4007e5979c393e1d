#!/usr/bin/env bash
# Build soak-action's third-party libraries as static libraries for a release
# build (scripts/release-build.sh), with only the features the programs use:
#   scripts/release-deps.sh PLATFORM PREFIX
# PLATFORM is linux-x64, linux-arm64, windows-x64, macos-arm64 or macos-x64.
#   linux-*    on a Linux machine of that architecture: zlib, zstd, cJSON,
#              libarchive, OpenSSL (libcrypto for SHA-256, libssl for curl)
#              and curl (HTTP and HTTPS only), from Debian's source packages,
#              compiled against musl (Debian's musl-tools, installed when
#              missing) for cmake/musl.cmake: the programs are fully static.
#   windows-x64  scripts/win-deps.sh PREFIX (mingw-w64 cross build).
#   macos-*    on a Mac of that architecture, with Homebrew: zstd, cJSON,
#              libarchive and OpenSSL's libcrypto from the sources Homebrew's
#              formulas name (checked by Homebrew against the formula's hash);
#              curl, zlib and iconv are the system's own (/usr/lib), TLS by
#              the system's libcurl.
# Idempotent, as win-deps.sh is: a library whose stamp (its version and the
# hashes of this script, scripts/deps-lib.sh and cmake/musl.cmake) is current
# is reused, so a second run does nothing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
deps_tag=release-deps
# shellcheck source=scripts/deps-lib.sh
. "$here/deps-lib.sh"

if [ $# -ne 2 ] || [ -z "$2" ]; then
	die "usage: $0 PLATFORM PREFIX (PLATFORM: linux-x64, linux-arm64, windows-x64, macos-arm64, macos-x64)"
fi
platform=$1
case $platform in
windows-x64) exec "$here/win-deps.sh" "$2" ;;
linux-x64 | macos-x64) arch=x86_64 ;;
linux-arm64) arch=aarch64 ;;
macos-arm64) arch=arm64 ;;
*) die "unknown platform '$platform': linux-x64, linux-arm64, windows-x64, macos-arm64 or macos-x64" ;;
esac
os=${platform%-*}
case $os in
linux) want_os=Linux deps_target=$arch-linux-musl ;;
macos) want_os=Darwin deps_target=$arch-apple-darwin ;;
esac
# no cross compilers here: the libraries are built on a machine of the platform
[ "$(uname -s)" = "$want_os" ] && [ "$(uname -m)" = "$arch" ] ||
	die "$platform libraries are built on $want_os $arch; this machine is $(uname -s) $(uname -m)"

toolchain=$here/../cmake/musl.cmake
[ -f "$toolchain" ] || die "missing $toolchain"
deps_begin "$2" "$toolchain"

# Every library: -O2 (-O3 compiles slower for nothing these programs need),
# static only, position-dependent code is fine (the programs are not PIE).
cmake_common=(-G Ninja -DCMAKE_BUILD_TYPE=Release "-DCMAKE_C_FLAGS_RELEASE=-O2 -DNDEBUG"
	-DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib
	-DBUILD_SHARED_LIBS=OFF -DBUILD_TESTING=OFF)

# OpenSSL, libcrypto and libssl only (no openssl program, engines, modules or
# docs), without the ciphers and protocols that neither SHA-256 nor curl's
# HTTPS use. OPENSSLDIR /etc/ssl: Debian's and Ubuntu's, where the default
# certificate paths lie.
openssl_options=(no-shared no-module no-engine no-afalgeng no-async no-tests no-comp
	no-legacy no-ssl3 no-dtls no-srp no-srtp no-gost no-idea no-seed no-whirlpool no-rc5
	no-camellia no-aria no-sm2 no-sm3 no-sm4 no-ts no-cms --libdir=lib)

build_openssl() {
	local s=$work/src/openssl target
	case $platform in
	linux-x64) target=linux-x86_64 ;;
	linux-arm64) target=linux-aarch64 ;;
	macos-arm64) target=darwin64-arm64-cc ;;
	macos-x64) target=darwin64-x86_64-cc ;;
	esac
	(
		cd "$s"
		run openssl "${openssl_env[@]}" ./Configure "$target" --prefix="$prefix" --openssldir=/etc/ssl \
			"${openssl_options[@]}" "${openssl_flags[@]}"
		run openssl make -j "$jobs" build_libs
		run openssl make install_dev
	)
	rm -f "$prefix/lib/pkgconfig/openssl.pc"
}

build_zlib() {
	# zlib's own configure (Debian's source package leaves out win32/, which
	# its CMake file names on every platform): the static library alone
	(
		cd "$work/src/zlib"
		run zlib env CC=musl-gcc CFLAGS=-O2 ./configure --static --prefix="$prefix" --libdir="$prefix/lib"
		run zlib make -j "$jobs" libz.a
		run zlib make install
	)
	rm -f "$prefix/share/man/man3/zlib.3" "$prefix/lib/pkgconfig/zlib.pc"
	write_pc zlib.pc zlib "$(sed -n 's/^#define ZLIB_VERSION "\(.*\)"/\1/p' "$work/src/zlib/zlib.h")" \
		"zlib compression library" "" "-lz"
}

build_libarchive() {
	# no crypto library (the programs make no encrypted archives); iconv for
	# the names' character sets (musl's or the system's); xattrs as tar does
	run libarchive cmake -S "$work/src/libarchive" -B "$work/build/libarchive" "${cmake_common[@]}" \
		"${libarchive_common[@]}" -DENABLE_OPENSSL=OFF -DENABLE_CNG=OFF -DENABLE_XATTR=ON -DENABLE_ICONV=ON
	libarchive_install "" "-larchive -lzstd -lz $iconv_lib"
}

build_curl() {
	# TLS by OpenSSL; the certificates where Debian, Ubuntu and their
	# derivatives keep them (SSL_CERT_FILE / SSL_CERT_DIR do not apply)
	curl_build "" "-lcurl -lssl -lcrypto" \
		-DCURL_USE_OPENSSL=ON -DOPENSSL_ROOT_DIR="$prefix" -DOPENSSL_USE_STATIC_LIBS=ON \
		-DCURL_USE_SCHANNEL=OFF -DCURL_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt \
		-DCURL_CA_PATH=/etc/ssl/certs -DCURL_CA_FALLBACK=OFF
}

if [ "$os" = linux ]; then
	deps_pins=("$(deps_pin zlib)" "$(deps_pin zstd)" "$(deps_pin cjson)" "$(deps_pin libarchive)"
		"$(deps_pin openssl)" "$(deps_pin curl)")
	deps_todo || exit 0
	# musl-tools: musl-gcc and musl's static libc (around the system's gcc);
	# linux-libc-dev: the kernel's headers, which OpenSSL includes; perl:
	# OpenSSL's Configure
	deps_need build-essential musl-tools linux-libc-dev perl cmake dpkg-dev ninja-build pkg-config
	cmake_common+=(-DCMAKE_TOOLCHAIN_FILE="$toolchain" -DSOAK_STATIC_DEPS="$prefix")
	# musl's include directory has no linux/ nor asm/: the kernel's own headers
	# (libc-neutral) beside it, not the rest of /usr/include (glibc's)
	kernel=$work/kernel-include
	rm -rf "$kernel" && mkdir -p "$kernel"
	ln -s /usr/include/linux /usr/include/asm-generic "$kernel/"
	ln -s "/usr/include/$(gcc -print-multiarch)/asm" "$kernel/asm"
	openssl_env=(env CC=musl-gcc)
	openssl_flags=(-static -O2 "-I$kernel")
	iconv_lib=""
	deps_fetch_all
	deps_chains "zlib zstd cjson libarchive" "openssl curl"
	exit 0
fi

# --- macOS: Homebrew's verified sources, built here with the options above ----
command -v brew >/dev/null || die "Homebrew (brew) is needed on macOS"
deps_pins=()
for formula in zstd cjson libarchive openssl@3; do
	name=${formula%@3}
	version=$(brew info --json=v2 "$formula" | sed -n 's/.*"stable": *"\([^"]*\)".*/\1/p' | head -n 1)
	[ -n "$version" ] || die "brew info $formula: no stable version"
	deps_pins+=("$name $formula $version - -")
done
deps_todo || exit 0
command -v cmake >/dev/null && command -v ninja >/dev/null || brew install cmake ninja
rm -rf "$work/src" && mkdir -p "$work/src"
for pin in "${todo[@]}"; do
	read -r name formula _ _ _ <<<"$pin"
	rm -f "$work/stamps/$name" "$work/logs/$name.log"
	run "$name-fetch" brew fetch --build-from-source "$formula"
	mkdir -p "$work/src/$name"
	tar -xf "$(brew --cache --build-from-source "$formula")" -C "$work/src/$name" --strip-components=1
done
openssl_env=(env)
openssl_flags=(-O2 "-mmacosx-version-min=11.0")
cmake_common+=(-DCMAKE_OSX_DEPLOYMENT_TARGET=11.0)
iconv_lib=-liconv
# zlib: the system's; zstd and libarchive's configure find it there
deps_chains "zstd cjson libarchive" "openssl"
