# soak-run --tune: a panic condition reverts every parameter to its last good
# values (those of the last iteration no panic condition fired on), or to the
# initial ones; a revert passes every other guard.
. "$(dirname "$0")/../lib.sh"

SUT=$SOAK_HELPERS/tune_sut

# spread rises by 1 per step from 5; a spread above 7 is a danger (risk < 0.3)
cat >p.json <<'JSON'
{
  "window": 1,
  "parameters": [
    { "name": "spread", "initial": 5, "min": 0, "max": 10 },
    { "name": "batch", "type": "int", "initial": 64, "min": 8, "max": 512 }
  ],
  "rules": [{ "when": "kpi.risk:avg@last>-100", "change": { "spread": "+1", "batch": "+8" } }],
  "guards": { "panic": { "when": ["kpi.risk:last@last<0.25"], "revert_to": "last_good" } }
}
JSON
expect_exit 0 "$SOAK_RUN" -q -d p -n 6 --tune p.json -- "$SUT" --noise 0
# iteration 1 ran 5, 2 ran 6, 3 ran 7, 4 ran 8 (risk 0.2: panic): back to 7/88 (what 3 ran)
assert_eq "$(jq -c '[.iteration, .source, .decision, .guard, .values.spread, .values.batch]' p/tuning.jsonl | tr '\n' ' ')" \
	'[1,"rule","applied",null,6,72] [2,"rule","applied",null,7,80] [3,"rule","applied",null,8,88] [4,"panic","reverted","panic",7,80] [5,"rule","applied",null,8,88] [6,"panic","reverted","panic",7,80] ' "panic steps"
assert_json p/tuning.jsonl 'select(.iteration == 4) | .rule == "kpi.risk:last@last<0.25" and .changes == [{"param": "spread", "from": 8, "proposed": 7, "to": 7, "decision": "reverted", "guard": "panic"}, {"param": "batch", "from": 88, "proposed": 80, "to": 80, "decision": "reverted", "guard": "panic"}]'
assert_json p/summary.json '.tune.reverts == 2 and .tune.decisions.reverted == 2 and .tune.guards.panic == 4'
assert_json -s p/metrics.jsonl 'map(.kpi.spread_used) == [5, 6, 7, 8, 7, 8]'

# --- revert_to initial, through a cooldown: the revert is not blocked ---
jq '.guards.panic.revert_to = "initial" | .guards.cooldown = 5' p.json >pi.json
jq '.rules[0].change = {"spread": "+3"}' pi.json >pi2.json
expect_exit 0 "$SOAK_RUN" -q -d pi -n 4 --tune pi2.json -- "$SUT" --noise 0
# 1 ran 5: +3 -> 8; 2 ran 8 (panic): back to 5 despite the cooldown; 3, 4: cooldown
assert_eq "$(jq -c '[.iteration, .decision, .guard, .values.spread]' pi/tuning.jsonl | tr '\n' ' ')" \
	'[1,"applied",null,8] [2,"reverted","panic",5] [3,"blocked","cooldown",5] [4,"blocked","cooldown",5] ' "revert to initial"
assert_json pi/summary.json '.tune.values == .tune.initial and .tune.reverts == 1'

finish
