#!/usr/bin/env bash
# soak-run's own memory over a long run: N iterations of `true` (default 100000),
# zero heartbeat; soak-run's RSS and peak (VmRSS, VmHWM) read from /proc at the 10%
# and 50% marks (printed as each is reached, so a run cut short still tells) and
# near the end (the last reading before it exits). There is no time limit: the
# script waits for the run to do all N iterations, however long the machine takes.
# With --gates, the run has the five live gates of bench/five-gates.sh.
# Targets: peak RSS (VmHWM) <= 10 MB, and RSS flat between the two marks.
# Usage: bench/run-memory.sh [--gates] [N]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/five-gates.sh
gates=()
if [ "${1:-}" = --gates ]; then
	gates=("${FIVE_GATES[@]}")
	shift
fi
n=${1:-100000}
bin=${SOAK_BIN:-build/bin}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin/soak-run" -q --dir "$work/soak" -n "$n" --min-free-disk 0 "${gates[@]}" -- true >/dev/null &
pid=$!
mark=$((n / 10)) half=$((n / 2))
rss_at() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
hwm_at() { awk '/^VmHWM/ {print $2}' "/proc/$pid/status"; }
count() { [ -f "$work/soak/metrics.jsonl" ] && wc -l <"$work/soak/metrics.jsonl" || echo 0; }
while [ "$(count)" -lt "$mark" ]; do sleep 0.2; done
rss1=$(rss_at)
printf 'at %d iterations: RSS %d KiB, peak (VmHWM) %d KiB\n' "$mark" "$rss1" "$(hwm_at)"
last_rss=$rss1 last_hwm=0 half_done=
while kill -0 "$pid" 2>/dev/null; do
	r=$(rss_at 2>/dev/null || true); h=$(hwm_at 2>/dev/null || true)
	[ -n "$r" ] && last_rss=$r
	[ -n "$h" ] && last_hwm=$h
	if [ -z "$half_done" ] && [ -n "$r" ] && [ "$(count)" -ge "$half" ]; then
		printf 'at %d iterations: RSS %d KiB, peak (VmHWM) %d KiB\n' "$half" "$r" "$h"
		half_done=1
	fi
	sleep 0.5
done
rc=0
wait "$pid" || rc=$?
done_n=$(count)
printf 'live gates: %d, exit code %d, state %s\n' "$((${#gates[@]} / 2))" "$rc" \
	"$(sed -n 's/.*"state":[[:space:]]*"\([a-z]*\)".*/\1/p' "$work/soak/summary.json")"
printf 'iterations: %d\n' "$done_n"
printf 'RSS at %d iterations: %d KiB; near the end: %d KiB; peak (VmHWM): %d KiB\n' "$mark" "$rss1" "$last_rss" "$last_hwm"
printf 'peak RSS target <= 10240 KiB: %s\n' "$([ "$last_hwm" -le 10240 ] && echo met || echo MISSED)"
[ "$rc" -eq 0 ] && [ "$done_n" -eq "$n" ] || { echo "the run did not do its $n iterations" >&2; exit 1; }
