#!/usr/bin/env bash
# Build everything with warnings as errors and run the whole test suite, then the
# same suite again built with AddressSanitizer and UndefinedBehaviorSanitizer.
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
fi
