#!/usr/bin/env bash
# Build soak-action and run a one-minute soak of the bundled example workload:
# a client that leaks a little memory every iteration, fails now and then and
# sometimes hangs, which soak-run's timeout kills; then soak-report judges it.
set -euo pipefail
cd "$(dirname "$0")/.."
# only what the build needs (the test toolchain is scripts/install-deps.sh without --build)
scripts/install-deps.sh --build

jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
cmake -S . -B build >/dev/null
echo "quickstart: building in build/" >&2
cmake --build build -j "$jobs" --target soak-run soak-report soak-bundle soak-canary soak-clean \
	soak-example-leaky >/dev/null

dir=${SOAK_DIR:-artifacts/soak}
rc=0
build/bin/soak-run --dir "$dir" --force --duration 1m --timeout 5s --kill-after 1s \
	--heartbeat 250ms --sample-interval 250ms --max-failures 20 \
	-- build/bin/soak-example-leaky --leak-kb 256 --fail-rate 0.05 --hang-rate 0.02 --work-ms 300 ||
	rc=$?
echo
# the one-screen summary: statistics, leak trends and a verdict, with reports in $dir/reports
build/bin/soak-report --dir "$dir" || rc=$?
cat <<EOF

soak directory: $dir (run.json, metrics.jsonl, samples.jsonl, events.jsonl, logs/, reports/)
programs:       $PWD/build/bin (soak-run, soak-report, soak-bundle, soak-canary, soak-clean)
try next:
  open $dir/reports/report.html                  the charts and the gate table
  build/bin/soak-report --dir $dir --gate 'rss:slope<1MB/h' --gate 'pass_rate>=0.9'
  build/bin/soak-run --replay $dir/run.json --dir local-soak --iterations 10   the same soak, shorter
  build/bin/soak-run --help                                   every setting (docs/soak-run.md)
EOF
exit "$rc"
