#!/bin/bash
# Iterations killed at the timeout: the recommendation says the timeout was hit and
# by how many, and derives no new timeout from a p99 that is the timeout itself.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-report/lib-report.sh"

"$SOAK_BIN/soak-run" -q --dir soak --iterations 4 --timeout 300ms --heartbeat 0 -- \
	sh -c '[ "$SOAK_ITERATION" -le 2 ] || exec sleep 5' >/dev/null 2>&1
assert_jq_eq soak/summary.json .timed_out 2
expect_exit 0 "$REPORT" --dir soak -f json,recommendations -q
R=soak/reports/RECOMMENDATIONS.md
assert_contains $R '- **The timeout was hit.** 2 of 4 iterations ran into the 300ms timeout and were killed'
assert_contains $R 'replay with a longer `--timeout`, such as 600ms.'
assert_not_contains $R 'Timeout close to the duration'
assert_not_contains $R '2 × p99'
finish
