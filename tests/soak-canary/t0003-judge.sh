#!/bin/bash
# soak-canary judge over two soak directories: the statistics against reference
# values from tests/soak-canary/mw-reference.py (case A: exact Mann-Whitney,
#   u=39 p=0.00815850815851 hl=1.45 k=5 lo=0.2 hi=2.4 achieved=0.986013986014
#   ratio=1.1302578019), classification by direction, critical metrics,
# must-have-data, NaN, group weights, thresholds, --strict, and the reports.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-canary/lib-canary.sh"

gen_metrics base duration_ms=10.1,11.3,9.8,10.5,10.9,10.0,11.1 kpi.req=1,2,3,4,5,6,7
gen_metrics can duration_ms=11.8,12.4,10.7,12.9,11.5,12.1,null kpi.req=1,2,3,4,5,6,7
J=(--baseline base --canary can)

# latency fails, throughput passes: equal weights give 50, FAIL
expect_exit 1 "$CANARY" judge "${J[@]}" -j duration_ms:increase,group=latency \
	-j kpi.req:either,group=throughput --report-dir rep
assert_contains "$OUT" "verdict: FAIL, score 50.00 (score 50.00 is under the marginal threshold 75)"
R=rep/judge.json
assert_jq_eq "$R" .verdict FAIL
assert_jq_eq "$R" .score 50
assert_jq_eq "$R" '.metrics[0].classification' high
assert_jq_eq "$R" '.metrics[0].mann_whitney.method' exact
assert_jq_eq "$R" '.metrics[0].mann_whitney.u' 39
assert_json "$R" '(.metrics[0].mann_whitney.p - 0.00815850815851 | fabs) < 1e-12'
assert_json "$R" '(.metrics[0].mann_whitney.shift - 1.45 | fabs) < 1e-12'
assert_json "$R" '(.metrics[0].mann_whitney.ci_low - 0.2 | fabs) < 1e-12'
assert_json "$R" '(.metrics[0].mann_whitney.ci_high - 2.4 | fabs) < 1e-12'
assert_json "$R" '(.metrics[0].mann_whitney.achieved_confidence - 0.986013986014 | fabs) < 1e-12'
assert_json "$R" '(.metrics[0].effect_size - 1.1302578019 | fabs) < 1e-9'
assert_jq_eq "$R" '.metrics[0].canary_nan' 1
assert_jq_eq "$R" '.metrics[0].canary_count' 6
assert_jq_eq "$R" '.metrics[1].classification' pass
assert_jq_eq "$R" '.metrics[1].reason' "the baseline and canary data are identical"
assert_jq_eq "$R" '[.groups[] | "\(.name)=\(.score)/\(.effective_weight)"] | join(",")' "latency=0/50,throughput=100/50"
assert_jq_eq "$R" '.confidence' 0.98
assert_json "$R" '.defaults | any(. == "confidence: 0.98 (default)")'
assert_json "$R" '.defaults | any(. == "marginal: 75 (default)")'
assert_json "$R" '.defaults | any(startswith("metric nan: remove"))'
assert_contains rep/judge.md "# Canary judgement: FAIL"
assert_contains rep/judge.md "| duration_ms | latency | increase | **high | 7/6 |"
assert_contains rep/judge.md "| 39 | 0.008159 | 1.45 | [0.2, 2.4] | exact |"
assert_contains rep/judge.md "- confidence: 0.98 (default)"

# weights: latency 20% -> 80, MARGINAL: exit 0, 1 with --strict, PASS from 75
expect_exit 0 "$CANARY" judge "${J[@]}" -j duration_ms:increase,group=latency \
	-j kpi.req:either,group=throughput -w latency=20 --report-dir rep
assert_contains "$OUT" "verdict: MARGINAL, score 80.00"
assert_jq_eq rep/judge.json '[.groups[] | .effective_weight] | join(",")' "20,80"
expect_exit 1 "$CANARY" judge "${J[@]}" -j duration_ms:increase,group=latency \
	-j kpi.req:either,group=throughput -w latency=20 --strict --report-dir rep
expect_exit 0 "$CANARY" judge "${J[@]}" -j duration_ms:increase,group=latency \
	-j kpi.req:either,group=throughput -w latency=20 --pass 80 --report-dir rep
assert_contains "$OUT" "verdict: PASS, score 80.00 (score 80.00 >= the pass threshold 80)"
assert_json rep/judge.json '.defaults | any(. == "pass: 80 (flag)")'

# direction: a decrease-only metric does not mind an increase
expect_exit 0 "$CANARY" judge "${J[@]}" -j duration_ms:decrease --report-dir rep
assert_contains "$OUT" "verdict: PASS, score 100.00"
# swapped sides with "either": low
expect_exit 1 "$CANARY" judge --baseline can --canary base -j duration_ms --report-dir rep
assert_jq_eq rep/judge.json '.metrics[0].classification' low
assert_json rep/judge.json '(.metrics[0].mann_whitney.shift + 1.45 | fabs) < 1e-12'
# allowed-increase 1.2: a 13% increase is allowed
expect_exit 0 "$CANARY" judge "${J[@]}" -j duration_ms:increase,allowed-increase=1.2 --report-dir rep
assert_jq_eq rep/judge.json '.metrics[0].classification' pass

# critical: one failing critical metric makes the score 0
expect_exit 1 "$CANARY" judge "${J[@]}" -j duration_ms:increase,critical -j kpi.req -w default=100 --report-dir rep
assert_contains "$OUT" "verdict: FAIL, score 0.00 (1 critical metric failed)"
assert_jq_eq rep/judge.json .critical_failed 1

# no data: left out, or a failure when required
expect_exit 0 "$CANARY" judge "${J[@]}" -j kpi.req -j kpi.absent --report-dir rep
assert_jq_eq rep/judge.json '.metrics[1].classification' nodata
assert_jq_eq rep/judge.json '.groups[0].nodata' 1
expect_exit 1 "$CANARY" judge "${J[@]}" -j kpi.req -j kpi.absent:must-have-data --report-dir rep
assert_jq_eq rep/judge.json '.metrics[1].classification' nodata-fail
assert_contains "$OUT" "kpi.absent: nodata-fail: no data for the baseline and the canary (must have data)"

# NaN replaced by 0 (mw-reference.py with the canary's null as 0: exact, u=39
# p=0.07284382284382285 hl=1.2 lo=-9.8 hi=2.3 ratio=0.9687924016282227): no longer significant
expect_exit 0 "$CANARY" judge "${J[@]}" -j duration_ms:increase,nan=replace --report-dir rep
assert_jq_eq rep/judge.json '.metrics[0].mann_whitney.method' exact
assert_jq_eq rep/judge.json '.metrics[0].canary_count' 7
assert_jq_eq rep/judge.json '.metrics[0].classification' pass
assert_json rep/judge.json '(.metrics[0].mann_whitney.p - 0.07284382284382285 | fabs) < 1e-12'
assert_json rep/judge.json '(.metrics[0].mann_whitney.shift - 1.2 | fabs) < 1e-12'
assert_json rep/judge.json '(.metrics[0].mann_whitney.ci_low + 9.8 | fabs) < 1e-12'
assert_json rep/judge.json '(.metrics[0].mann_whitney.ci_high - 2.3 | fabs) < 1e-12'
assert_json rep/judge.json '(.metrics[0].effect_size - 0.9687924016282227 | fabs) < 1e-12'

# the default metrics: duration_ms, resources (no data here) and every KPI
expect_exit 1 "$CANARY" judge "${J[@]}" --report-dir rep
assert_jq_eq rep/judge.json '[.metrics[] | .name] | join(",")' "duration_ms,rss,cpu_user_s,cpu_sys_s,fds,threads,kpi.req"
assert_jq_eq rep/judge.json '[.metrics[] | .classification] | join(",")' "high,nodata,nodata,nodata,nodata,nodata,pass"
assert_json rep/judge.json '.defaults | any(. == "judge-metric: 7 metrics (default)")'

# usage and input errors
expect_exit 2 "$CANARY" judge "${J[@]}" -j 'duration_ms:sideways'
assert_contains "$ERR" "bad metric 'duration_ms:sideways': unknown option"
expect_exit 2 "$CANARY" judge "${J[@]}" -j duration_ms -w nope=10 --report-dir rep
assert_contains "$ERR" "a group weight names a group no metric belongs to"
expect_exit 2 "$CANARY" judge "${J[@]}" --marginal 90 --pass 80
expect_exit 2 "$CANARY" judge --baseline base
assert_contains "$ERR" "both --baseline and --canary are needed"
expect_exit 3 "$CANARY" judge --baseline base --canary missing -j duration_ms --report-dir rep
assert_contains "$ERR" "missing/metrics.jsonl"
printf '{"schema":"1.0","iteration":1,"status":"pass","duration_ms":1}\nnot json\n' >bad.jsonl
mkdir badd && mv bad.jsonl badd/metrics.jsonl
expect_exit 3 "$CANARY" judge --baseline base --canary badd -j duration_ms --report-dir rep
assert_contains "$ERR" "line 2"

# the config file's "canary" section
cat >judge.json <<'JSON'
{ "canary": { "judge-metric": ["duration_ms:increase,group=latency", "kpi.req:group=throughput"],
              "group-weight": ["latency=20"], "marginal": 70 } }
JSON
expect_exit 0 "$CANARY" judge "${J[@]}" --config judge.json --report-dir rep
assert_contains "$OUT" "verdict: MARGINAL, score 80.00"
assert_json rep/judge.json '.defaults | any(. == "marginal: 70 (config)")'

finish
