#!/usr/bin/env bash
# Build everything with warnings as errors and run the whole test suite, then the
# same suite again built with AddressSanitizer and UndefinedBehaviorSanitizer, the
# cache's tests under ThreadSanitizer, and the fuzz targets briefly.
#   scripts/test.sh            both (build/ and build-asan/)
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

suite build
if [ "${1:-}" != "--quick" ]; then
	echo "== the suite again under ASan + UBSan =="
	suite build-asan -DSOAK_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
	# the cache's save and restore run threads: its tests again under TSan
	echo "== the cache's tests under ThreadSanitizer =="
	cmake -S . -B build-tsan -DSOAK_WERROR=ON -DSOAK_TSAN=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build build-tsan -j "$jobs" --target soak-bundle soak-run
	# TSan needs the address layout it expects: kernels with more mmap randomness
	# (vm.mmap_rnd_bits=32) refuse its binaries unless ASLR is off for them
	tsan=()
	if ! build-tsan/bin/soak-bundle --version >/dev/null 2>&1; then
		tsan=(setarch "$(uname -m)" -R)
		echo "TSan binaries do not start with this kernel's address randomization: run without it"
	fi
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" "${tsan[@]}" \
		ctest --test-dir build-tsan --output-on-failure -j "$jobs" -R '^soak-bundle-cache/'
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
