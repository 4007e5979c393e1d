# soak-run --tune-freeze: run with the tuned parameters fixed: the tune file's initial
# values, or with --replay the replayed run's final values (from its summary.json),
# the tune document taken from its run.json.
. "$(dirname "$0")/../lib.sh"

SUT=$SOAK_HELPERS/tune_sut
cat >tune.json <<'JSON'
{
  "window": 1,
  "parameters": [
    { "name": "spread", "initial": 1, "min": 0.5, "max": 10, "applied_kpi": "spread_used" },
    { "name": "batch", "type": "int", "initial": 64, "min": 8, "max": 512 }
  ],
  "rules": [
    { "when": "kpi.risk:avg@last>0.45", "change": { "spread": "+1" } },
    { "when": "kpi.risk:avg@last<0.35", "change": { "spread": "-1" } }
  ]
}
JSON
# a tuned run: spread 1 -> 6
expect_exit 0 "$SOAK_RUN" -q -d tuned -n 10 --tune tune.json -- "$SUT" --seed 5
assert_json tuned/summary.json '.tune.values == {"spread": 6, "batch": 64} and .tune.fixed == false'

# --- --tune-freeze: the initial values, whatever the rules say ---
expect_exit 0 "$SOAK_RUN" -q -d f -n 4 --tune tune.json --tune-freeze -- "$SUT" --seed 5
assert_json f/tuning.jsonl '.source == null and .decision == "noop" and .changes == [] and .values == {"spread": 1, "batch": 64} and .written == false'
assert_json -s f/metrics.jsonl 'map(.kpi.spread_used) == [1, 1, 1, 1]'
assert_json f/summary.json '.tune.fixed == true and .tune.values == .tune.initial and .tune.apply == {"checked": 4, "matched": 4}'
assert_eq "$(cat f/overrides.json)" '{"spread":1,"batch":64}' "overrides.json"

# --- --replay --tune-freeze: the replayed run's final values, its tune document ---
mv tune.json tune.json.gone
expect_exit 0 "$SOAK_RUN" -q -d r -n 3 --replay tuned/run.json --tune-freeze
assert_json r/tuning.jsonl '.decision == "noop" and .values == {"spread": 6, "batch": 64}'
assert_json -s r/metrics.jsonl 'map(.kpi.spread_used) == [6, 6, 6]'
assert_json r/summary.json '.tune.fixed == true and .tune.values == {"spread": 6, "batch": 64} and .tune.initial == {"spread": 1, "batch": 64}'
assert_json r/run.json '.config.tune.source == "replay" and .config["tune-freeze"].source == "flag" and (.tune.rules | length) == 2'
cmp -s r/overrides.json tuned/overrides.json && pass || fail "the replay's overrides differ from the tuned run's final ones"
# --replay without --tune-freeze tunes again from the initial values
expect_exit 0 "$SOAK_RUN" -q -d r2 -n 10 --replay tuned/run.json
assert_eq "$(jq -c '[.iteration, .decision, .values]' r2/tuning.jsonl)" "$(jq -c '[.iteration, .decision, .values]' tuned/tuning.jsonl)" "a replay tunes the same way"
# a replayed run that was not tuned has no values to freeze
mv tune.json.gone tune.json
expect_exit 0 "$SOAK_RUN" -q -d plain -n 1 -- true
expect_exit 3 "$SOAK_RUN" -q -d r3 -n 1 --replay plain/run.json --tune tune.json --tune-freeze
assert_contains "$ERR" "has no tune.values: the replayed run was not tuned"
# nor one without a summary.json
rm tuned/summary.json
expect_exit 3 "$SOAK_RUN" -q -d r4 -n 1 --replay tuned/run.json --tune-freeze
assert_contains "$ERR" "--tune-freeze with --replay takes the replayed run's final values from its summary.json"

finish
