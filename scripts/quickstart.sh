#!/usr/bin/env bash
# Build soak-action and run a one-minute soak of the bundled example workload:
# a client that leaks a little memory every iteration, fails now and then and
# sometimes hangs, which soak-run's timeout kills.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
cmake -S . -B build >/dev/null
cmake --build build -j "$jobs" --target soak-run soak-example-leaky >/dev/null

dir=${SOAK_DIR:-artifacts/soak}
rc=0
build/bin/soak-run --dir "$dir" --force --duration 1m --timeout 5s --kill-after 1s \
	--heartbeat 250ms --sample-interval 250ms --max-failures 20 \
	-- build/bin/soak-example-leaky --leak-kb 256 --fail-rate 0.05 --hang-rate 0.02 --work-ms 300 ||
	rc=$?
echo
echo "soak directory: $dir  (summary.json, metrics.jsonl, samples.jsonl, events.jsonl, logs/)"
jq -r '"iterations \(.iterations): \(.passed) passed, \(.failed) failed (\(.timed_out) timed out); pass rate \((.pass_rate // 0) * 100 | floor)%; peak RSS \(.peak_rss_bytes / 1048576 | floor) MiB; state \(.state)"' "$dir/summary.json" 2>/dev/null || true
exit "$rc"
