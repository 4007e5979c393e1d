#!/usr/bin/env bash
# The cost of live gates: soak-run with the five gates of bench/five-gates.sh against
# soak-run with none, N iterations of `true` each, in ROUNDS alternating rounds (the
# side that goes first alternates). Measured per run: soak-run's own CPU time (its
# children's excluded, bench/self-cpu.c: the iterations' time is not the overhead) and
# the wall time. Reported: min and median of each, the ratios gates / none, the load
# average before and after; both sides must have done N iterations and completed.
# Usage: bench/run-gates.sh [N] [ROUNDS]     (default 5000 5)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/five-gates.sh
n=${1:-5000}
rounds=${2:-5}
bin=${SOAK_BIN:-build/bin}
[ -x "$bin/soak-run" ] || { echo "build first: cmake --build build" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/self-cpu" bench/self-cpu.c

stat_of() { sort -n | awk '{a[NR] = $1} END {printf "%s %s\n", a[1], a[int((NR + 1) / 2)]}'; }
state_of() { sed -n 's/.*"state":[[:space:]]*"\([a-z]*\)".*/\1/p' "$1/summary.json"; }

# one SIDE (none|gates): appends "cpu wall" to $work/SIDE.txt, checks the work done
one() {
	local side=$1 args=()
	[ "$side" = gates ] && args=("${FIVE_GATES[@]}")
	"$work/self-cpu" "$work/t" "$bin/soak-run" -q --dir "$work/$side" --force -n "$n" \
		--min-free-disk 0 "${args[@]}" -- true >/dev/null 2>&1 ||
		{ echo "soak-run ($side) failed" >&2; exit 1; }
	cat "$work/t" >>"$work/$side.txt"
	local lines state
	lines=$(wc -l <"$work/$side/metrics.jsonl")
	state=$(state_of "$work/$side")
	[ "$lines" -eq "$n" ] && [ "$state" = completed ] ||
		{ echo "soak-run ($side) did $lines iterations ($state), expected $n" >&2; exit 1; }
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $(seq "$rounds"); do
	if ((r % 2)); then one none; one gates; else one gates; one none; fi
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
read -r c_none_min c_none_med < <(cut -d' ' -f1 "$work/none.txt" | stat_of)
read -r c_gates_min c_gates_med < <(cut -d' ' -f1 "$work/gates.txt" | stat_of)
read -r w_none_min w_none_med < <(cut -d' ' -f2 "$work/none.txt" | stat_of)
read -r w_gates_min w_gates_med < <(cut -d' ' -f2 "$work/gates.txt" | stat_of)
per() { echo "$1 * 1000000 / $n" | bc -l; }
printf 'iterations: %d per run, both sides (checked); rounds: %d, alternating\n' "$n" "$rounds"
printf 'load average before: %s; after: %s\n' "$load_before" "$load_after"
printf '%-32s %10s %10s %8s\n' "min / median" "no gates" "5 gates" "ratio"
printf '%-32s %10.1f %10.1f %8.2f\n' "soak-run CPU, min (us/iter)" "$(per "$c_none_min")" "$(per "$c_gates_min")" "$(echo "$c_gates_min / $c_none_min" | bc -l)"
printf '%-32s %10.1f %10.1f %8.2f\n' "soak-run CPU, median (us/iter)" "$(per "$c_none_med")" "$(per "$c_gates_med")" "$(echo "$c_gates_med / $c_none_med" | bc -l)"
printf '%-32s %10.1f %10.1f %8.2f\n' "wall, min (us/iter)" "$(per "$w_none_min")" "$(per "$w_gates_min")" "$(echo "$w_gates_min / $w_none_min" | bc -l)"
printf '%-32s %10.1f %10.1f %8.2f\n' "wall, median (us/iter)" "$(per "$w_none_med")" "$(per "$w_gates_med")" "$(echo "$w_gates_med / $w_none_med" | bc -l)"
printf 'gate cost: %.1f us of soak-run CPU per iteration (medians)\n' "$(per "$(echo "$c_gates_med - $c_none_med" | bc -l)")"
