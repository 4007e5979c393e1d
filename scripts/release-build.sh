#!/usr/bin/env bash
# Build the five programs as self-contained release programs for a platform,
# with the example workload the action puts beside them (soak-example-leaky):
#   scripts/release-build.sh PLATFORM OUTDIR
# PLATFORM: linux-x64, linux-arm64, windows-x64, macos-arm64 or macos-x64.
# The programs land in OUTDIR/bin, built with CMake's Release configuration
# (-O3, no debug information), linked statically against the libraries of
# scripts/release-deps.sh, stripped, and then checked (a failed check fails the
# script and names the offending program):
#   Linux    ldd finds no shared library (or glibc's alone), and no symbol
#            needs a glibc version above 2.31 (objdump -T)
#   Windows  the programs import Windows' own DLLs only (objdump -p)
#   macOS    the programs load the system's libraries only (otool -L)
# and every program that this machine can run answers --version.
# The libraries are built once into build-release/deps-PLATFORM (Windows:
# build-win/deps, shared with scripts/test.sh); SOAK_RELEASE_DEPS=DIR uses an
# already built prefix instead, as it is. The build tree is
# build-release/PLATFORM.
set -euo pipefail

say() { echo "release-build: $*" >&2; }
die() {
	say "$*"
	exit 1
}

programs=(soak-run soak-report soak-bundle soak-canary soak-clean)
example=soak-example-leaky
platforms="linux-x64, linux-arm64, windows-x64, macos-arm64 or macos-x64"
[ $# -eq 2 ] && [ -n "$2" ] || die "usage: $0 PLATFORM OUTDIR (PLATFORM: $platforms)"
platform=$1
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
mkdir -p "$2/bin"
out=$(cd "$2" && pwd -P)
build=$src/build-release/$platform

exe=""
case $platform in
linux-x64 | linux-arm64 | macos-arm64 | macos-x64) deps=$src/build-release/deps-$platform ;;
windows-x64) deps=$src/build-win/deps exe=.exe ;;
*) die "unknown platform '$platform': $platforms" ;;
esac
if [ -n "${SOAK_RELEASE_DEPS:-}" ]; then
	deps=$SOAK_RELEASE_DEPS
	[ -d "$deps/lib" ] || die "SOAK_RELEASE_DEPS=$deps: no lib/ there (build it with scripts/release-deps.sh)"
else
	"$src/scripts/release-deps.sh" "$platform" "$deps"
fi

config=(-DCMAKE_BUILD_TYPE=Release -DSOAK_BUILD_TESTS=OFF -DSOAK_WERROR=ON)
command -v ninja >/dev/null && config+=(-G Ninja)
strip_cmd=(strip)
case $platform in
linux-*) config+=(-DCMAKE_TOOLCHAIN_FILE="$src/cmake/musl.cmake" -DSOAK_STATIC_DEPS="$deps") ;;
windows-x64)
	config+=(-DCMAKE_TOOLCHAIN_FILE="$src/cmake/mingw-w64-x86_64.cmake" -DSOAK_WIN_DEPS="$deps")
	strip_cmd=(x86_64-w64-mingw32-strip)
	;;
macos-*)
	config+=(-DSOAK_STATIC_DEPS="$deps" -DCMAKE_OSX_DEPLOYMENT_TARGET=11.0
		-DCMAKE_OSX_ARCHITECTURES="$([ "$platform" = macos-arm64 ] && echo arm64 || echo x86_64)")
	# the symbol table only: the programs keep what the dynamic loader needs
	strip_cmd=(strip -x)
	;;
esac
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null || echo 2)
cmake -S "$src" -B "$build" "${config[@]}" >"$build.configure.log" 2>&1 ||
	{ tail -n 30 "$build.configure.log" >&2; die "cmake configure failed (full log: $build.configure.log)"; }
cmake --build "$build" -j "$jobs" --target "${programs[@]}" "$example"

for p in "${programs[@]}" "$example"; do
	install -m 755 "$build/bin/$p$exe" "$out/bin/$p$exe.tmp"
	"${strip_cmd[@]}" "$out/bin/$p$exe.tmp"
	mv "$out/bin/$p$exe.tmp" "$out/bin/$p$exe"
done

# --- the checks ----------------------------------------------------------------
bad=0
fail() {
	say "CHECK FAILED: $*"
	bad=1
}
glibc_max=2.31
for p in "${programs[@]}" "$example"; do
	f=$out/bin/$p$exe
	case $platform in
	linux-*)
		# a static program: ldd says so (and exits 1); a dynamic one may need glibc alone
		libs=$(ldd "$f" 2>&1 || true)
		if ! grep -Eq 'not a dynamic executable|statically linked' <<<"$libs"; then
			others=$(awk '{print $1}' <<<"$libs" |
				grep -Ev '^(linux-vdso\.so\.1|/lib.*/ld-linux.*\.so\.[0-9]+|lib(c|m|pthread|dl|rt)\.so\.[0-9]+)$' || true)
			[ -z "$others" ] || fail "$p needs shared libraries beyond glibc: $(echo $others)"
		fi
		newest=$({ objdump -T "$f" 2>/dev/null || true; } | { grep -o 'GLIBC_[0-9][0-9.]*' || true; } |
			sed 's/GLIBC_//' | sort -uV | tail -n 1)
		if [ -n "$newest" ] && [ "$(printf '%s\n%s\n' "$newest" "$glibc_max" | sort -V | tail -n 1)" != "$glibc_max" ]; then
			fail "$p needs glibc $newest symbols; at most $glibc_max is allowed (ubuntu-20.04, Debian 11)"
		fi
		;;
	windows-x64)
		dlls=$(x86_64-w64-mingw32-objdump -p "$f" | sed -n 's/^[[:space:]]*DLL Name: //p')
		[ -n "$dlls" ] || fail "$p: objdump -p lists no imported DLL (not a Windows program?)"
		for dll in $dlls; do
			case $(tr '[:upper:]' '[:lower:]' <<<"$dll") in
			kernel32.dll | advapi32.dll | bcrypt.dll | crypt32.dll | ws2_32.dll | secur32.dll | iphlpapi.dll | \
				shell32.dll | psapi.dll | user32.dll | ole32.dll | ntdll.dll | msvcrt.dll | ucrtbase.dll | \
				normaliz.dll | wldap32.dll | api-ms-win-*.dll) ;;
			*) fail "$p imports $dll, which is not one of Windows' own DLLs" ;;
			esac
		done
		;;
	macos-*)
		others=$(otool -L "$f" | tail -n +2 | awk '{print $1}' | grep -Ev '^(/usr/lib/|/System/Library/)' || true)
		[ -z "$others" ] || fail "$p loads libraries outside the system's: $(echo $others)"
		;;
	esac
	# the programs this machine runs: each one starts and names its version
	native=0
	case $platform in
	linux-x64) [ "$(uname -sm)" = "Linux x86_64" ] && native=1 ;;
	linux-arm64) [ "$(uname -sm)" = "Linux aarch64" ] && native=1 ;;
	macos-arm64) [ "$(uname -sm)" = "Darwin arm64" ] && native=1 ;;
	macos-x64) [ "$(uname -sm)" = "Darwin x86_64" ] && native=1 ;;
	esac
	if [ "$native" = 1 ] && [ "$p" = "$example" ]; then
		"$f" --help >/dev/null 2>&1 || fail "$p --help exited $?"
	elif [ "$native" = 1 ]; then
		version=$("$f" --version 2>&1) || fail "$p --version exited $?: $version"
		grep -q "^$p " <<<"$version" || fail "$p --version printed '$version'"
	fi
done
[ "$bad" = 0 ] || die "the release programs in $out/bin failed the checks above"
say "$platform: ${programs[*]} $example in $out/bin, self-contained (checked)"
