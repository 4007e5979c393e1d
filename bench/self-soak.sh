#!/usr/bin/env bash
# The toolkit soaks itself: an inner soak-run runs N zero-heartbeat iterations of
# `true` (default 100000) while an outer soak-run watches it (--watch-pid), sampling
# its RSS, open fds and threads every second into samples.jsonl; then soak-report
# judges both directories: the inner one (every iteration recorded, all passed) and
# the outer one, whose trend gates say whether soak-run's own RSS and fds stayed flat.
# Usage: bench/self-soak.sh [N]     (SOAK_BIN: the programs, default build/bin)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
bin=${SOAK_BIN:-build/bin}
work=$(mktemp -d)
trap 'kill "${inner:-}" "${outer:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

"$bin/soak-run" -q --dir "$work/inner" -n "$n" --min-free-disk 0 --sample-interval 0 -- true \
	>/dev/null &
inner=$!
# one sample a second of the inner soak-run; each outer iteration checks it is alive
"$bin/soak-run" -q --dir "$work/outer" --watch-pid "$inner" --sample-interval 1s \
	--heartbeat 1s --duration 72h --min-free-disk 0 -- kill -0 "$inner" >/dev/null &
outer=$!
start=$(date +%s)
rc=0
wait "$inner" || rc=$?
end=$(date +%s)
kill -INT "$outer"
wait "$outer" || true
[ "$rc" -eq 0 ] || { echo "inner soak-run exited $rc" >&2; exit 1; }

echo "== inner: $n iterations of true in $((end - start)) s =="
"$bin/soak-report" --dir "$work/inner" --format none \
	--gate "pass_rate>=1" --gate "iterations>=$n" | sed -n '1,/^$/p'
# the watched soak-run's own figures, from the outer soak's samples
jq -rs 'map(select(.scope == "watch")) |
	"watched soak-run: \(length) samples; RSS first \(.[0].rss_bytes / 1024 | floor) KiB, " +
	"last \(.[-1].rss_bytes / 1024 | floor) KiB, max \(map(.rss_bytes) | max / 1024 | floor) KiB; " +
	"fds first \(.[0].open_fds), last \(.[-1].open_fds), max \(map(.open_fds) | max)"' \
	"$work/outer/samples.jsonl"
echo "== outer: soak-run's own RSS and fds over the run =="
"$bin/soak-report" --dir "$work/outer" --format none --settle 10% \
	--gate 'service.rss:slope<1MB/h' --gate 'service.fds:slope<=0' | grep -E -i 'verdict|service|gate'
