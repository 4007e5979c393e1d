#!/usr/bin/env bash
# soak-run's overhead per iteration, against the tools a user would otherwise use,
# in the same run on the same machine:
#   soak-run     N iterations of `true`, zero heartbeat, sampling and all files on
#   bash loop    `timeout 10 true` N times (what a shell soak loop does)
#   floor        a bare C loop that only spawns `true` and waits
# Each is run REPS times; the median wall time is reported, with the ratios.
# Usage: bench/run-overhead.sh [N] [REPS]     (default 2000 3)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
reps=${2:-3}
bin=${SOAK_BIN:-build/bin}
[ -x "$bin/soak-run" ] || { echo "build first: cmake --build build" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/spawn-floor" bench/spawn-floor.c

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

t_run=() t_bash=() t_floor=()
for r in $(seq "$reps"); do
	s=$(now); "$bin/soak-run" -q --dir "$work/soak" --force -n "$n" --min-free-disk 0 -- true >/dev/null; e=$(now)
	t_run+=("$(echo "$e - $s" | bc -l)")
	s=$(now); for ((i = 0; i < n; i++)); do timeout 10 true; done; e=$(now)
	t_bash+=("$(echo "$e - $s" | bc -l)")
	s=$(now); "$work/spawn-floor" "$n" true; e=$(now)
	t_floor+=("$(echo "$e - $s" | bc -l)")
done
m_run=$(printf '%s\n' "${t_run[@]}" | median)
m_bash=$(printf '%s\n' "${t_bash[@]}" | median)
m_floor=$(printf '%s\n' "${t_floor[@]}" | median)
lines=$(wc -l <"$work/soak/metrics.jsonl")
[ "$lines" -eq "$n" ] || { echo "soak-run wrote $lines records, expected $n" >&2; exit 1; }
printf 'iterations: %d, repetitions: %d (median wall time)\n' "$n" "$reps"
printf '%-10s %8.3f s  %6.3f ms/iteration\n' soak-run "$m_run" "$(echo "$m_run * 1000 / $n" | bc -l)"
printf '%-10s %8.3f s  %6.3f ms/iteration\n' bash-loop "$m_bash" "$(echo "$m_bash * 1000 / $n" | bc -l)"
printf '%-10s %8.3f s  %6.3f ms/iteration\n' floor "$m_floor" "$(echo "$m_floor * 1000 / $n" | bc -l)"
printf 'soak-run / bash-loop = %.2f (target <= 0.5)\n' "$(echo "$m_run / $m_bash" | bc -l)"
printf 'soak-run / floor     = %.2f (target <= 1.5)\n' "$(echo "$m_run / $m_floor" | bc -l)"
