# Live gates on the tuning (tune.*): soak-run judges them from its tuner's state as
# soak-report judges them from tuning.jsonl. A gate on the number of applied changes
# aborts the run once the tuner has applied more; a gate that holds lets it finish,
# and soak-report agrees with soak-run's judgement.
. "$(dirname "$0")/../lib.sh"

need jq
SUT=$SOAK_HELPERS/tune_sut
cat >tune.json <<'JSON'
{
  "window": 1,
  "parameters": [
    { "name": "spread", "type": "float", "initial": 1.0, "min": 0.5, "max": 10.0,
      "applied_kpi": "spread_used" }
  ],
  "rules": [ { "when": "kpi.risk:avg@last>0.45", "change": { "spread": "+0.5" } } ]
}
JSON
# no cooldown: one change per iteration until risk is in the band; the third applied
# change fails the gate, which aborts at once (sustain 1)
expect_exit 1 "$SOAK_RUN" -q -d a -n 20 --tune tune.json --gate 'tune.applied<3' -- "$SUT" --seed 1
assert_jq_eq a/summary.json .state aborted
assert_jq_eq a/summary.json .iterations 3
assert_lines a/tuning.jsonl 3
assert_json -s a/tuning.jsonl 'map(.decision) == ["applied","applied","applied"]'
assert_json -s a/events.jsonl 'map(select(.event == "gate")) | length == 1'
assert_json a/events.jsonl 'select(.event == "gate") | .gate == "tune.applied<3" and .value == 3 and .iteration == 3'

# gates that hold: the run ends, and soak-report judges them the same
expect_exit 0 "$SOAK_RUN" -q -d b -n 12 --tune tune.json --gate 'tune.reverts==0' \
	--gate 'tune.apply_ratio>=0.95' -- "$SUT" --seed 1
assert_jq_eq b/summary.json .state completed
expect_exit 0 "$SOAK_BIN/soak-report" -q -d b -f json --gate 'tune.reverts==0' --gate 'tune.apply_ratio>=0.95'
assert_json b/reports/POST_SOAK_SNAPSHOT.json '[.gates[] | .outcome] == ["pass","pass"]'
finish
