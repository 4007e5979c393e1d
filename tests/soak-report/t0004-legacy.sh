#!/bin/bash
# The legacy layout: one ITER_SUMMARY_<n>.json per iteration, KPIs under "summary".
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-report/lib-report.sh"

D="old layout"
mkdir "$D"
for i in 1 2 3 4 5 6 7 8 9 10 11; do
	st=passed
	[[ $i == 4 ]] && st=failed
	printf '{"iteration":%d,"status":"%s","duration_s":%d.5,"exit_code":%d,"summary":{"net_bps":%d,"label":"x"}}\n' \
		"$i" "$st" "$i" $([[ $st == failed ]] && echo 1 || echo 0) $((i * 100)) >"$D/ITER_SUMMARY_$i.json"
done
echo 'not json' >"$D/ITER_SUMMARY_12.json"
echo '{"ok":1}' >"$D/ITER_SUMMARY_notanumber.json"
expect_exit 0 "$REPORT" --dir "$D" -f json,md -q --max-bad-share 0.1 --gate 'kpi.net_bps:avg>=600' --gate 'duration_ms:max==11500'
S="$D/reports/POST_SOAK_SNAPSHOT.json"
assert_jq_eq "$S" .sources[0].layout legacy
assert_jq_eq "$S" .whole.iterations 11
assert_jq_eq "$S" .whole.counts.fail 1
assert_jq_eq "$S" .whole.first_failure.iteration 4
# net_bps 100..1100: mean 600; durations 1.5 s .. 11.5 s
assert_jq_eq "$S" .whole.kpi.net_bps.mean 600
assert_jq_eq "$S" '.whole.kpi | keys | join(",")' net_bps
assert_jq_eq "$S" .whole.metrics.duration_ms.min 1500
assert_jq_eq "$S" .sources[0].bad_records 1
assert_jq_eq "$S" '.sources[0].bad_iterations | join(",")' 12
assert_jq_eq "$S" '.gates | map(.outcome) | join(",")' pass,pass
assert_contains "$D/reports/POST_SOAK_AUDIT.md" '(legacy layout)'
# 1 bad of 12 is more than the default 5%
expect_exit 3 "$REPORT" --dir "$D" -q
finish
