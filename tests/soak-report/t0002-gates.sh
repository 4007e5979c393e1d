#!/bin/bash
# Gates: outcomes, verdicts and exit codes; bad expressions are usage errors at a column.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-report/lib-report.sh"

gen_metrics run 20 5,6,12
S=run/reports/POST_SOAK_SNAPSHOT.json

# p95 is 1905 ms: < 1910 passes, < 1900 fails (exit 1, FAIL)
expect_exit 0 "$REPORT" -d run -f json -q --gate 'duration_ms:p(95)<1910' --gate 'pass_rate>=0.85'
assert_jq_eq $S .verdict PASS
assert_jq_eq $S '.gates | map(.outcome) | join(",")' pass,pass
expect_exit 1 "$REPORT" -d run -f json -q --gate 'duration_ms:p(95)<1900'
assert_jq_eq $S .verdict FAIL
assert_jq_eq $S .gates[0].value 1905
assert_jq_eq $S .gates[0].threshold 1900
assert_jq_eq $S .gates[0].outcome fail
# units: 1.9s is 1900 ms
expect_exit 1 "$REPORT" -d run -f json -q --gate 'duration_ms:p(95)<1.9s'
assert_jq_eq $S .gates[0].threshold 1900
# a soft gate failing: WARN, exit 0 (1 with --strict)
expect_exit 0 "$REPORT" -d run -f json -q --warn-gate 'pass_rate>=99%' --gate 'failures<=3'
assert_jq_eq $S .verdict WARN
assert_jq_eq $S '.gates | map(.kind + ":" + .outcome) | join(",")' hard:pass,soft:fail
expect_exit 1 "$REPORT" -d run -f json -q --strict --warn-gate 'pass_rate>=99%'
# over the last 8 (13..20): all pass, avg duration 1650
expect_exit 0 "$REPORT" -d run -f json -q --gate 'pass_rate@last==1' --gate 'duration_ms:avg@last==1650'
assert_jq_eq $S '.gates | map(.outcome) | join(",")' pass,pass
# KPI gate; a KPI that does not exist has no data and fails
expect_exit 0 "$REPORT" -d run -f json -q --gate 'kpi.req_per_s:min>=1001'
expect_exit 1 "$REPORT" -d run -f json -q --gate 'kpi.nope:avg>1'
assert_jq_eq $S .gates[0].outcome nodata
# gates from the config file (section "report")
cat >soak.json <<'JSON'
{ "report": { "gate": ["duration_ms:max<=2s", "failure_streak<3"] } }
JSON
expect_exit 0 "$REPORT" -d run -f json -q --config soak.json
assert_jq_eq $S '.gates | length' 2
assert_jq_eq $S '.gates | map(.outcome) | join(",")' pass,pass
# the markdown shows every gate with value, threshold and outcome
expect_exit 1 "$REPORT" -d run -f md -q --gate 'duration_ms:p(95)<1900'
assert_contains run/reports/POST_SOAK_AUDIT.md '| `duration_ms:p(95)<1900` | hard | 1.91s | < 1.9s | ❌ fail |'

# bad expressions: exit 2, the column and a caret
expect_exit 2 "$REPORT" -d run --gate 'duration_ms:p(95)<<340'
assert_contains "$ERR" "bad gate 'duration_ms:p(95)<<340': column 19: expected a number"
assert_contains "$ERR" "  duration_ms:p(95)<<340"
assert_contains "$ERR" "                    ^"
assert_contains "$ERR" "try 'soak-report --help'"
expect_exit 2 "$REPORT" -d run --gate 'durr:avg<1'
assert_contains "$ERR" "column 1: unknown metric"
expect_exit 2 "$REPORT" -d run --gate 'duration_ms:p(95)<3parsecs'
assert_contains "$ERR" "column 20: expected a time unit"
expect_exit 2 "$REPORT" -d run --gate 'duration_ms<3'
assert_contains "$ERR" "column 12: expected ':' and an aggregation"
expect_exit 2 "$REPORT" -d run --gate 'pass_rate:avg>1'
assert_contains "$ERR" "this metric takes no aggregation"
expect_exit 2 "$REPORT" -d run --gate 'fds:slope@last<1/h'
assert_contains "$ERR" "over the whole run only"
expect_exit 2 "$REPORT" -d run --warn-gate 'rss:p(101)<1'
assert_contains "$ERR" "column 7: expected a percentile from 0 to 100"
finish
