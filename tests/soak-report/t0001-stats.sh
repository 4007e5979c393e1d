#!/bin/bash
# Whole-run and last-N statistics against numbers computed independently
# (Python 3 statistics module and the Wilson formula; see the comments).
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-report/lib-report.sh"

# 20 iterations, durations 100..2000 ms, iterations 5, 6 and 12 fail (exit 2).
gen_metrics run 20 5,6,12
expect_exit 0 "$REPORT" --dir run --format json -q
S=run/reports/POST_SOAK_SNAPSHOT.json
assert_jq_eq $S .schema 1.0
# no gates, 3 failures: WARN, exit 0
assert_jq_eq $S .verdict WARN
assert_jq_eq $S .whole.iterations 20
assert_jq_eq $S .whole.counts.pass 17
assert_jq_eq $S .whole.counts.fail 3
assert_jq_eq $S .whole.pass_rate 0.85
# Wilson 95%, k=17 n=20: 0.6395811353 .. 0.9476312541
assert_json $S '(.whole.pass_rate_ci95[0] - 0.6395811353 | fabs) < 1e-9'
assert_json $S '(.whole.pass_rate_ci95[1] - 0.9476312541 | fabs) < 1e-9'
# type-7 percentiles of 100, 200, ..., 2000: h = q * 19
assert_jq_eq $S .whole.metrics.duration_ms.p50 1050
assert_jq_eq $S .whole.metrics.duration_ms.p90 1810
assert_jq_eq $S .whole.metrics.duration_ms.p95 1905
assert_json $S '(.whole.metrics.duration_ms.p99 - 1981 | fabs) < 1e-9'
assert_jq_eq $S .whole.metrics.duration_ms.mean 1050
# statistics.stdev(range(100, 2001, 100)) = 591.6079783099616
assert_json $S '(.whole.metrics.duration_ms.stddev - 591.6079783099616 | fabs) < 1e-9'
assert_jq_eq $S .whole.metrics.duration_ms.min 100
assert_jq_eq $S .whole.metrics.duration_ms.max 2000
assert_jq_eq $S .whole.first_failure.iteration 5
assert_jq_eq $S .whole.last_failure.iteration 12
assert_jq_eq $S .whole.longest_failure_streak 2
# gaps between failures: 6-5 = 1, 12-6 = 6 -> 3.5
assert_jq_eq $S .whole.mean_iterations_between_failures 3.5
assert_jq_eq $S '.whole.kpi.req_per_s.last' 1020
assert_jq_eq $S '.whole.kpi.req_per_s.mean' 1010.5
# last 8: iterations 13..20 all pass; Wilson 8/8 lower bound 0.6755924351
assert_jq_eq $S .last_n.iterations 8
assert_jq_eq $S .last_n.pass_rate 1
assert_json $S '(.last_n.pass_rate_ci95[0] - 0.6755924351 | fabs) < 1e-9'
assert_jq_eq $S .last_n.metrics.duration_ms.min 1300
assert_jq_eq $S .failure_groups[0].cause 'exit code 2'
assert_jq_eq $S .failure_groups[0].count 3

# --last-n 3 from the environment: iterations 18..20
SOAK_LAST_N=3 expect_exit 0 "$REPORT" --dir run --format json -q
assert_jq_eq $S .last_n.iterations 3
assert_jq_eq $S .last_n.metrics.duration_ms.mean 1900

# --strict turns the WARN into exit 1
expect_exit 1 "$REPORT" --dir run --format json -q --strict
assert_jq_eq $S .verdict WARN
assert_jq_eq $S .exit_code 1

# every iteration passing, no gates: PASS
gen_metrics good 10 ""
expect_exit 0 "$REPORT" --dir good --format json,md
assert_jq_eq good/reports/POST_SOAK_SNAPSHOT.json .verdict PASS
assert_contains "$OUT" "soak-report: PASS"
assert_contains good/reports/POST_SOAK_AUDIT.md "**Verdict: PASS**"
finish
