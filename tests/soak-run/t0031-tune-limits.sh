# soak-run --tune: the guards that limit a change, each made to fire: bounds (a value
# clamped at max, then a no-op there), max_step (an absolute "=X" cut to one step),
# velocity (the total movement over a window: clamped, then blocked until the window
# has moved on), cooldown (the steps after a change are blocked).
. "$(dirname "$0")/../lib.sh"

SUT=$SOAK_HELPERS/tune_sut
ALWAYS='kpi.risk:avg@last>-100' # a condition that always holds

# tune FILE PARAM-JSON CHANGE-JSON [GUARDS-JSON]: a tune file with one always-true rule
tune()
{
	printf '{"window": 1, "parameters": [%s], "rules": [{"when": "%s", "change": %s}], "guards": %s}\n' \
		"$2" "$ALWAYS" "$3" "${4:-{\}}" >"$1"
}
steps() # steps DIR: [iteration, decision, guard, from, proposed, to] per line
{
	jq -c '[.iteration, .decision, .guard] + (.changes[0] | [.from, .proposed, .to])' "$1/tuning.jsonl" | tr '\n' ' '
}

# --- bounds: 9 -> 9.75 -> 10 (10.5 clamped at max) -> 10 (a no-op held by the bound) ---
tune b.json '{"name": "spread", "initial": 9, "min": 0.5, "max": 10}' '{"spread": "+0.75"}'
expect_exit 0 "$SOAK_RUN" -q -d b -n 4 --tune b.json -- "$SUT"
assert_eq "$(steps b)" '[1,"applied",null,9,9.75,9.75] [2,"clamped","bounds",9.75,10.5,10] [3,"noop","bounds",10,10.75,10] [4,"noop","bounds",10,10.75,10] ' "bounds steps"
assert_json b/summary.json '.tune.decisions == {"applied": 1, "clamped": 1, "noop": 2, "blocked": 0, "reverted": 0} and .tune.guards.bounds == 3 and .tune.values.spread == 10'
assert_json -s b/metrics.jsonl 'map(.kpi.spread_used) == [9, 9.75, 10, 10]'
# the lower bound, on an int parameter
tune bl.json '{"name": "batch", "type": "int", "initial": 20, "min": 8, "max": 512}' '{"batch": "-10"}'
expect_exit 0 "$SOAK_RUN" -q -d bl -n 2 --tune bl.json -- "$SUT"
assert_eq "$(steps bl)" '[1,"applied",null,20,10,10] [2,"clamped","bounds",10,0,8] ' "lower bound steps"
assert_eq "$(cat bl/overrides.json)" '{"batch":8}' "overrides.json of an int parameter"

# --- max_step: "=7" from 1 moves by at most 2.5 per step ---
tune st.json '{"name": "spread", "initial": 1, "min": 0, "max": 10, "max_step": 2.5}' '{"spread": "=7"}'
expect_exit 0 "$SOAK_RUN" -q -d st -n 4 --tune st.json -- "$SUT"
assert_eq "$(steps st)" '[1,"clamped","step",1,7,3.5] [2,"clamped","step",3.5,7,6] [3,"applied",null,6,7,7] [4,"noop",null,7,7,7] ' "max_step steps"
assert_json st/summary.json '.tune.guards.step == 2 and .tune.decisions.clamped == 2'

# --- velocity: at most 1.0 of movement per 4 iterations, +0.4 proposed at each step ---
tune v.json '{"name": "spread", "initial": 1, "min": 0, "max": 10, "velocity": {"max": 1.0, "window": 4}}' '{"spread": "+0.4"}'
expect_exit 0 "$SOAK_RUN" -q -d v -n 8 --tune v.json -- "$SUT"
# 1: +0.4, 2: +0.4 (0.8 used), 3: +0.2 left (clamped), 4: blocked (1.0 used over 1..4),
# 5: the move of 1 left the window: 0.4 allowed, 6: 0.4 of 2 left: +0.4 (0.2+0+0.4+0.4=1.0 over 3..6),
# 7: 3's 0.2 left: +0.2, 8: blocked (0+0.4+0.4+0.2 = 1.0 over 5..8)
assert_eq "$(jq -c '[.iteration, .decision, .guard, .values.spread]' v/tuning.jsonl | tr '\n' ' ')" \
	'[1,"applied",null,1.4] [2,"applied",null,1.8] [3,"clamped","velocity",2] [4,"blocked","velocity",2] [5,"applied",null,2.4] [6,"applied",null,2.8] [7,"clamped","velocity",3] [8,"blocked","velocity",3] ' "velocity steps"
assert_json v/summary.json '.tune.guards.velocity == 4 and .tune.decisions == {"applied": 4, "clamped": 2, "noop": 0, "blocked": 2, "reverted": 0}'
# the movement inside any 4 iterations never passes 1.0
assert_json -s v/tuning.jsonl '[range(0; length - 3) as $i | [.[$i:$i+4][] | .changes[0] | (.to - .from) | fabs] | add] | all(. <= 1.0 + 1e-9)'

# --- cooldown 2: the two steps after a change are blocked ---
tune cd.json '{"name": "batch", "type": "int", "initial": 64, "min": 8, "max": 512}' '{"batch": "+8"}' '{"cooldown": 2}'
expect_exit 0 "$SOAK_RUN" -q -d cd -n 7 --tune cd.json -- "$SUT"
assert_eq "$(jq -c '[.iteration, .decision, .guard, .values.batch]' cd/tuning.jsonl | tr '\n' ' ')" \
	'[1,"applied",null,72] [2,"blocked","cooldown",72] [3,"blocked","cooldown",72] [4,"applied",null,80] [5,"blocked","cooldown",80] [6,"blocked","cooldown",80] [7,"applied",null,88] ' "cooldown steps"
assert_json cd/summary.json '.tune.guards.cooldown == 4 and .tune.decisions.blocked == 4 and .tune.decisions.applied == 3'
# a blocked change names what it would have been
assert_json cd/tuning.jsonl 'select(.decision == "blocked") | .changes[0] | .proposed == .from + 8 and .to == .from'
# the command ran with the values: 64 64 72 72 72 80 80
assert_json -s cd/metrics.jsonl 'map(.kpi.batch_used) == [64, 72, 72, 72, 80, 80, 80]'

finish
