#!/usr/bin/env bash
# Run the libFuzzer targets of fuzz/ (built with clang and -DSOAK_FUZZ=ON).
#   scripts/fuzz.sh [MINUTES]     build build-fuzz/, run every target MINUTES
#                                 minutes (default 1) from its seed corpus; new
#                                 inputs go to build-fuzz/fuzz/work/<target>/,
#                                 crashes to build-fuzz/fuzz/crashes/<target>/
#   scripts/fuzz.sh --target BIN --runs N --work DIR CORPUS
#                                 one target, N inputs past the corpus, or
#                                 SOAK_FUZZ_SECONDS (default 15) if sooner (CTest)
# A crash, leak or sanitizer report ends the script with exit 1, naming the
# reproducer; re-run it with: build-fuzz/fuzz/<target> <file>.
set -euo pipefail

# libFuzzer flags common to both modes: inputs of up to 8 KiB, a stuck input is
# a failure after 20 s, and a statistics line at the end ("executed_units").
common=(-max_len=8192 -timeout=20 -rss_limit_mb=2560 -print_final_stats=1)

one()
{
	local bin=$1 work=$2 corpus=$3 log=$4
	shift 4
	mkdir -p "$work"
	if "$bin" "${common[@]}" "$@" "$work" "$corpus" >"$log" 2>&1; then
		local n
		n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
		echo "$(basename "$bin"): ${n:-?} inputs, corpus $(find "$work" -type f | wc -l) new files, no crash"
		return 0
	fi
	echo "$(basename "$bin"): FAILED, see $log" >&2
	grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz: |.*runtime error:|artifact_prefix|Test unit written)' "$log" | head -n 20 >&2
	return 1
}

if [[ ${1:-} == --target ]]; then
	bin=$2 runs=$4 work=$6 corpus=$7
	[[ $3 == --runs && $5 == --work ]] || {
		echo "usage: fuzz.sh --target BIN --runs N --work DIR CORPUS" >&2
		exit 2
	}
	rm -rf "$work"
	mkdir -p "$work/new" "$work/crash"
	one "$bin" "$work/new" "$corpus" "$work/log" -runs="$runs" -max_total_time="${SOAK_FUZZ_SECONDS:-15}" \
		-artifact_prefix="$work/crash/"
	exit
fi

minutes=${1:-1}
[[ $minutes =~ ^[0-9]+$ ]] || {
	echo "usage: scripts/fuzz.sh [MINUTES]" >&2
	exit 2
}
cd "$(dirname "$0")/.."
command -v clang >/dev/null || {
	echo "fuzz.sh: clang is needed (scripts/install-deps.sh installs it)" >&2
	exit 4
}
CC=clang cmake -S . -B build-fuzz -DSOAK_FUZZ=ON -DSOAK_WERROR=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
targets=$(cd fuzz && find . -maxdepth 1 -name 'fuzz_*.c' ! -name fuzz_util.c | sed 's|^\./||; s|\.c$||' | sort)
# shellcheck disable=SC2086
cmake --build build-fuzz -j "$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)" --target $targets
failed=0
for t in $targets; do
	mkdir -p "build-fuzz/fuzz/crashes/$t"
	one "build-fuzz/fuzz/$t" "build-fuzz/fuzz/work/$t" "fuzz/corpus/$t" "build-fuzz/fuzz/$t.log" \
		-max_total_time=$((minutes * 60)) -artifact_prefix="build-fuzz/fuzz/crashes/$t/" ||
		failed=1
done
exit "$failed"
