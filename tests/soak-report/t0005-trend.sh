#!/bin/bash
# Leak trends: a growing series is flagged, a flat noisy one is not.
# Expected values from Python 3 (pairwise Theil-Sen, Mann-Kendall with ties,
# math.erfc) over the same fixture: 300 iterations 2 minutes apart, x = end time
# in hours, the first 10% (30 points) skipped as the settle period.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-report/lib-report.sh"

# rss grows 20000 B per iteration (600000 B/h) with +-50 kB of noise
gen_metrics leaky 300 "" 20000 1000
expect_exit 1 "$REPORT" --dir leaky -f json,md,recommendations -q --gate 'rss:slope<500KB/h'
S=leaky/reports/POST_SOAK_SNAPSHOT.json
# Python: n 270, slope 600251.0460251046, S 35981, Var 2199075, Z 24.262812292550784
assert_jq_eq $S .trends.rss.points 270
assert_json $S '(.trends.rss.slope_per_hour - 600251.0460251046 | fabs) < 1e-3'
assert_jq_eq $S .trends.rss.s 35981
assert_jq_eq $S .trends.rss.var_s 2199075
assert_json $S '(.trends.rss.z - 24.262812292550784 | fabs) < 1e-9'
assert_json $S '.trends.rss.p < 0.01'
assert_jq_eq $S .trends.rss.significant true
assert_jq_eq $S .gates[0].outcome fail
assert_jq_eq $S .gates[0].threshold 500000
assert_jq_eq $S .trends.rss.text 'rss grows 586.2 KiB/h (p < 0.001)'
assert_contains leaky/reports/POST_SOAK_AUDIT.md '- rss grows 586.2 KiB/h (p < 0.001)'
assert_contains leaky/reports/RECOMMENDATIONS.md '**Leak suspect: rss.**'
# no gates: the trend alone makes a WARN
expect_exit 0 "$REPORT" --dir leaky -f json -q
assert_jq_eq $S .verdict WARN
assert_jq_eq $S .reason 'rss grows 586.2 KiB/h (no gates given)'
# per second and per minute thresholds: 600 kB/h = 10 kB/min
expect_exit 0 "$REPORT" --dir leaky -f json -q --gate 'rss:slope<11KB/min' --gate 'rss:trend_p<0.01'

# flat noise: Python: slope 251.0460251046025, S 448, Z 0.3014500659437034, p 0.7630713215918685
gen_metrics flat 300 "" 0 1000
expect_exit 0 "$REPORT" --dir flat -f json,recommendations -q --gate 'rss:slope<500KB/h'
S=flat/reports/POST_SOAK_SNAPSHOT.json
assert_json $S '(.trends.rss.slope_per_hour - 251.0460251046025 | fabs) < 1e-6'
assert_jq_eq $S .trends.rss.s 448
assert_json $S '(.trends.rss.p - 0.7630713215918685 | fabs) < 1e-9'
assert_jq_eq $S .trends.rss.significant false
assert_jq_eq $S .verdict PASS
# not significant: the slope gate sees 0
assert_jq_eq $S .gates[0].value 0
assert_not_contains flat/reports/RECOMMENDATIONS.md 'Leak suspect'
# the settle period is a setting: with none, 300 points are used
expect_exit 0 "$REPORT" --dir flat -f json -q --settle 0
assert_jq_eq $S .trends.rss.points 300
expect_exit 0 "$REPORT" --dir flat -f json -q --settle 100
assert_jq_eq $S .trends.rss.points 200
expect_exit 2 "$REPORT" --dir flat --settle 10x

# a step: fds 7, then 8 from iteration 201 on. Most pairs are ties, so the median
# slope is 0, yet Mann-Kendall finds a significant rise: one rule (significant),
# one wording, which says what it is rather than "no significant trend"
gen_metrics step 300 ""
awk 'NR > 200 { sub(/"open_fds":7/, "\"open_fds\":8") } 1' step/metrics.jsonl >step/m && mv step/m step/metrics.jsonl
expect_exit 0 "$REPORT" --dir step -f json,md,html -q
S=step/reports/POST_SOAK_SNAPSHOT.json
assert_jq_eq $S .trends.fds.significant true
assert_jq_eq $S .trends.fds.slope_per_hour 0
assert_jq_eq $S .trends.fds.text 'fds rises in steps (median slope 0/h, p < 0.001)'
assert_contains step/reports/POST_SOAK_AUDIT.md '- fds rises in steps (median slope 0/h, p < 0.001)'
assert_not_contains step/reports/POST_SOAK_AUDIT.md 'fds: no significant trend'
assert_contains step/reports/report.html 'fds rises in steps (median slope 0/h, p &lt; 0.001)'
finish
