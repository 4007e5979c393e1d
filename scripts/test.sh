#!/usr/bin/env bash
# Build everything with warnings as errors and run the whole test suite.
#   scripts/test.sh               the suite (build in build/)
#   SOAK_SANITIZE=1 scripts/test.sh   the same under ASan + UBSan (build in build-asan/)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

dir=build
flags=(-DSOAK_WERROR=ON -DSOAK_BUILD_TESTS=ON)
if [ "${SOAK_SANITIZE:-0}" = 1 ]; then
	dir=build-asan
	flags+=(-DSOAK_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
fi
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
cmake -S . -B "$dir" "${flags[@]}" >/dev/null
cmake --build "$dir" -j "$jobs"
ctest --test-dir "$dir" --output-on-failure -j "$jobs"
