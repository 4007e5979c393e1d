#!/usr/bin/env bash
# Build everything with warnings as errors and run the whole test suite (on
# Linux x86_64, with the static release programs of scripts/release-build.sh
# through the run, report and cache tests as well); then the Windows programs,
# cross-built with mingw-w64, and their tests under Wine; then the suite again
# built with AddressSanitizer and UndefinedBehaviorSanitizer, the cache's tests
# under ThreadSanitizer, and the fuzz targets briefly.
#   scripts/test.sh            all of it (build/, build-win/, build-asan/, ...)
#   scripts/test.sh --quick    the plain build only
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
suite() {
	local dir=$1
	shift
	cmake -S . -B "$dir" -DSOAK_WERROR=ON -DSOAK_BUILD_TESTS=ON "$@" >/dev/null
	cmake --build "$dir" -j "$jobs"
	ctest --test-dir "$dir" --output-on-failure -j "$jobs"
}

if [ "${1:-}" = "--quick" ]; then
	suite build -DSOAK_RELEASE_BIN=
else
	# the Windows libraries build beside the release ones (both spend much of their
	# time in one-core configure steps); the Windows stage below waits for them
	mkdir -p build-win
	scripts/win-deps.sh build-win/deps >build-win/deps.log 2>&1 &
	windeps=$!
	trap 'kill "$windeps" 2>/dev/null || true' EXIT
	# the release programs (static, against musl) first, so that the suite runs
	# the soak-run, soak-report and cache tests against them too (release/...);
	# their libraries are built once and kept in build-release/deps-linux-x64
	release=()
	if [ "$(uname -sm)" = "Linux x86_64" ]; then
		echo "== the release programs: built, checked self-contained, tested with the suite =="
		scripts/release-build.sh linux-x64 build-release/linux-x64-out
		release=(-DSOAK_RELEASE_BIN="$PWD/build-release/linux-x64-out/bin")
	fi
	suite build "${release[@]}"
fi
if [ "${1:-}" != "--quick" ]; then
	echo "== Windows: cross-built with mingw-w64, tested under Wine =="
	# the libraries once, from Debian's source packages, kept in the build tree
	if ! wait "$windeps"; then
		cat build-win/deps.log
		echo "scripts/win-deps.sh build-win/deps failed (its output is above)" >&2
		exit 1
	fi
	cat build-win/deps.log
	# Wine's services inherit the descriptors of whatever starts them first: start
	# them detached, so that no test's pipe is held open by them
	export WINEDEBUG=-all
	if ! pgrep -x wineserver >/dev/null; then
		setsid wineserver -p </dev/null >/dev/null 2>&1 &
	fi
	setsid wineboot </dev/null >/dev/null 2>&1
	suite build-win -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake \
		-DSOAK_WIN_DEPS="$PWD/build-win/deps"
	# what the Windows tests could not check under Wine, and why
	grep -h '^skip' build-win/Testing/Temporary/LastTest.log | sort | uniq -c || true
	wineserver -k 2>/dev/null || true

	echo "== the suite again under ASan + UBSan =="
	suite build-asan -DSOAK_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
	# the cache's save and restore and soak-clean's walk run threads: their tests
	# again under TSan
	echo "== the cache's and soak-clean's tests under ThreadSanitizer =="
	cmake -S . -B build-tsan -DSOAK_WERROR=ON -DSOAK_TSAN=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build build-tsan -j "$jobs" --target soak-bundle soak-run soak-clean test_thread
	# TSan needs the address layout it expects: kernels with more mmap randomness
	# (vm.mmap_rnd_bits=32) refuse its binaries unless ASLR is off for them
	tsan=()
	if ! build-tsan/bin/soak-bundle --version >/dev/null 2>&1; then
		tsan=(setarch "$(uname -m)" -R)
		echo "TSan binaries do not start with this kernel's address randomization: run without it"
	fi
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" "${tsan[@]}" \
		ctest --test-dir build-tsan --output-on-failure -j "$jobs" \
		-R '^(soak-bundle-cache/|soak-clean/|unit/platform/test_thread$)'
	# the fuzz targets (fuzz/, libFuzzer: clang only), each briefly; a build of
	# their own, so that the suite's programs keep the instrumentation above
	if command -v clang >/dev/null 2>&1; then
		echo "== the fuzz targets, briefly =="
		cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DSOAK_FUZZ=ON -DSOAK_WERROR=ON \
			-DCMAKE_BUILD_TYPE=Debug >/dev/null
		# shellcheck disable=SC2046
		cmake --build build-fuzz -j "$jobs" --target $(cd fuzz && ls fuzz_*.c | sed -n 's/\.c$//p' | grep -vx fuzz_util)
		ctest --test-dir build-fuzz --output-on-failure -j "$jobs" -R '^fuzz/'
	fi
fi
