#!/usr/bin/env bash
# Build soak-action and run a one-minute soak of the bundled example workload:
# a client that leaks a little memory every iteration, fails now and then and
# sometimes hangs, which soak-run's timeout kills; then soak-report judges it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
cmake -S . -B build >/dev/null
cmake --build build -j "$jobs" --target soak-run soak-report soak-example-leaky >/dev/null

dir=${SOAK_DIR:-artifacts/soak}
rc=0
build/bin/soak-run --dir "$dir" --force --duration 1m --timeout 5s --kill-after 1s \
	--heartbeat 250ms --sample-interval 250ms --max-failures 20 \
	-- build/bin/soak-example-leaky --leak-kb 256 --fail-rate 0.05 --hang-rate 0.02 --work-ms 300 ||
	rc=$?
echo
# the one-screen summary: statistics, leak trends and a verdict, with reports in $dir/reports
build/bin/soak-report --dir "$dir" || rc=$?
echo "soak directory: $dir (run.json, metrics.jsonl, samples.jsonl, events.jsonl, logs/, reports/)"
exit "$rc"
