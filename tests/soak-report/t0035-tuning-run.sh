# soak-run --tune and soak-report read the same tuning: a real tuned run (the system
# under test of tests/helpers/tune_sut, with a panic revert and cooldown blocks) is
# reported with the counts of its tuning.jsonl and of soak-run's summary.json, the
# tune.* gates judge it, and soak-bundle release carries its final overrides.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-bundle/lib-bundle.sh"
. "$SOAK_SRC/tests/soak-report/lib-report.sh"

need jq git
SUT=$SOAK_HELPERS/tune_sut
cat >tune.json <<'JSON'
{
  "window": 2,
  "parameters": [
    { "name": "spread", "type": "float", "initial": 1.0, "min": 0.5, "max": 10.0,
      "max_step": 1.0, "applied_kpi": "spread_used" },
    { "name": "batch", "type": "int", "initial": 64, "min": 8, "max": 512,
      "applied_kpi": "batch_used" }
  ],
  "rules": [
    { "when": "kpi.risk:avg@last>0.45", "change": { "spread": "+0.5" } },
    { "when": "kpi.risk:avg@last<0.35", "change": { "spread": "-0.5" } }
  ],
  "guards": { "cooldown": 1, "late_run": { "iterations": 2 } }
}
JSON
N=24
expect_exit 0 "$SOAK_RUN" -q -d s -n $N --tune tune.json -- "$SUT" --seed 3
T=s/tuning.jsonl
assert_lines "$T" $N

expect_exit 0 "$REPORT" -q -d s -f all --gate 'tune.apply_ratio>=0.95' --gate 'tune.reverts==0' \
	--gate 'tune.applied>=3'
S=s/reports/POST_SOAK_SNAPSHOT.json
M=s/reports/POST_SOAK_AUDIT.md
# the report's counts are the file's and soak-run's
assert_jq_eq "$S" .tuning.steps $N
for d in applied clamped noop blocked reverted; do
	n=$(jq -s --arg d $d '[.[] | select(.decision == $d)] | length' $T)
	assert_jq_eq "$S" ".tuning.decisions.$d" "$n"
	assert_jq_eq s/summary.json ".tune.decisions.$d" "$n"
	assert_contains "$M" "| $d | $n |"
done
assert_json "$S" '.tuning.decisions.applied >= 3 and .tuning.decisions.blocked >= 1'
assert_jq_eq "$S" .tuning.guards.cooldown "$(jqv s/summary.json .tune.guards.cooldown)"
assert_jq_eq "$S" .tuning.apply.checked "$(jqv s/summary.json .tune.apply.checked)"
assert_jq_eq "$S" .tuning.apply.matched "$(jqv s/summary.json .tune.apply.matched)"
assert_jq_eq "$S" .tuning.apply.checked $((2 * N))
assert_jq_eq "$S" '.tuning.runs[0].overrides_sha256' "$(sha256sum s/overrides.json | cut -d' ' -f1)"
assert_jq_eq "$S" '.tuning.runs[0].parameters[0].final' "$(jqv s/summary.json .tune.values.spread)"
assert_jq_eq "$S" '.tuning.runs[0].parameters[0].initial' 1

# a gate the run cannot meet fails the report
expect_exit 1 "$REPORT" -q -d s -f none --gate 'tune.applied>=1000'

# the bundle carries the overrides soak-run wrote, byte for byte
make_repo repo
expect_exit 0 "$BUNDLE" release --src s --out rel --repo repo
cmp -s s/overrides.json rel/tuning/overrides.json && pass || fail "bundle's overrides.json differs from the run's"
assert_contains rel/tuning/TUNING.md "spread"
finish
