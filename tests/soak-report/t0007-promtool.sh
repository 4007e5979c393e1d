#!/bin/bash
# metrics.prom against the real consumer: promtool (Debian prometheus) accepts it,
# KPI names that need escaping included, and rejects a broken copy (the check can fail).
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-report/lib-report.sh"
need promtool

gen_metrics run 20 5,6,12 50000 3
# a KPI name with a quote, a backslash and a slash; a shard with steps and a timeout
cat >>run/metrics.jsonl <<'JSON'
{"schema":"1.0","iteration":21,"status":"timeout","timed_out":true,"signal":9,"exit_code":null,"duration_ms":5000,"end":"2026-01-01T00:42:00.000Z","kpi":{"req/s \"p\\50\"":12.5},"steps":[{"name":"build","status":"pass","duration_ms":10},{"name":"test","status":"timeout","duration_ms":4990}]}
JSON
gen_metrics shard2 10 3
expect_exit 1 "$REPORT" --dir run --dir shard2 --out rep -f prom -q \
	--gate 'duration_ms:p(95)<1900' --gate 'rss:slope<1MB/h' --warn-gate 'kpi.req_per_s:avg>=1000'
assert_file rep/metrics.prom
# promtool reads standard input (expect_exit gives commands /dev/null)
promcheck() { promtool check metrics <"$1"; }
expect_exit 0 promcheck rep/metrics.prom
assert_eq "$(cat "$ERR")" "" "promtool's complaints"
assert_contains rep/metrics.prom 'soak_kpi{kpi="req/s \"p\\50\"",stat="mean"} 12.5'
assert_contains rep/metrics.prom 'soak_iterations{status="timeout"} 1'
assert_contains rep/metrics.prom 'soak_iteration_duration_seconds_count 31'
assert_contains rep/metrics.prom 'soak_gate_passed{gate="rss:slope<1MB/h",kind="hard"} 0'

# a damaged copy is refused: the check above can fail
{
	cat rep/metrics.prom
	echo 'soak_pass_rate{bound="x" 1'
} >broken.prom
expect_exit 1 promcheck broken.prom
assert_contains "$ERR" 'unexpected end of label value'
# as are lint problems (exit 3): a counter without _total
printf '# HELP soak_x x\n# TYPE soak_x counter\nsoak_x 1\n' >lint.prom
expect_exit 3 promcheck lint.prom
finish
