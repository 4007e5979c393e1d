# soak-run --tune: a parameter that flips direction is frozen (oscillation), and
# everything freezes once the system is stable (freeze_ready).
. "$(dirname "$0")/../lib.sh"

SUT=$SOAK_HELPERS/tune_sut

# --- oscillation: two rules that chase each other around 6 ---
# spread 5.5 -> 6.5 (+1) -> 5.5 (-1: flip 1) -> 6.5 (+1: flip 2 = flips, blocked) -> frozen
cat >o.json <<'JSON'
{
  "window": 1,
  "parameters": [{ "name": "spread", "initial": 5.5, "min": 0, "max": 10 }],
  "rules": [
    { "when": "kpi.spread_used:last@last<6", "change": { "spread": "+1" } },
    { "when": "kpi.spread_used:last@last>6", "change": { "spread": "-1" } }
  ],
  "guards": { "oscillation": { "window": 8, "flips": 2 } }
}
JSON
expect_exit 0 "$SOAK_RUN" -q -d o -n 6 --tune o.json -- "$SUT"
assert_eq "$(jq -c '[.iteration, .decision, .guard, .values.spread, .frozen]' o/tuning.jsonl | tr '\n' ' ')" \
	'[1,"applied",null,6.5,[]] [2,"applied",null,5.5,[]] [3,"blocked","oscillation",5.5,["spread"]] [4,"blocked","freeze",5.5,["spread"]] [5,"blocked","freeze",5.5,["spread"]] [6,"blocked","freeze",5.5,["spread"]] ' "oscillation steps"
assert_json o/summary.json '.tune.frozen == ["spread"] and .tune.guards.oscillation == 1 and .tune.guards.freeze == 3 and .tune.values.spread == 5.5'
# the blocked change is the flip it would have made
assert_json o/tuning.jsonl 'select(.iteration == 3) | .changes == [{"param": "spread", "from": 5.5, "proposed": 6.5, "to": 5.5, "decision": "blocked", "guard": "oscillation"}]'
# flips outside the window do not count: window 2 sees one move before each proposal
jq '.guards.oscillation.window = 2' o.json >o2.json
expect_exit 0 "$SOAK_RUN" -q -d o2 -n 6 --tune o2.json -- "$SUT"
assert_json o2/tuning.jsonl '.decision == "applied" and .frozen == []'
assert_json o2/summary.json '.tune.guards.oscillation == 0 and .tune.decisions.applied == 6'

# --- freeze_ready: 3 iterations without a change and the target met: nothing moves after ---
# batch rises by 16 while latency (0.5 * batch) is under 40, from 48: 56, 64, 72, 80 (latency 40)
cat >f.json <<'JSON'
{
  "window": 1,
  "parameters": [{ "name": "batch", "type": "int", "initial": 48, "min": 8, "max": 512, "max_step": 8 }],
  "rules": [
    { "when": "kpi.latency_ms:avg@last<39", "change": { "batch": "+16" } },
    { "when": "iterations>=12", "change": { "batch": "-8" } }
  ],
  "guards": { "freeze_ready": { "iterations": 3, "targets": ["kpi.latency_ms:avg@last>=39"] } }
}
JSON
expect_exit 0 "$SOAK_RUN" -q -d f -n 14 --tune f.json -- "$SUT"
# 1-4 clamped by max_step to +8 (56..80), 5-7 no rule holds, freeze-ready after 7;
# from 12 the second rule proposes -8: blocked by the freeze
assert_eq "$(jq -c '[.iteration, .decision, .guard, .values.batch, .freeze_ready]' f/tuning.jsonl | tr '\n' ' ')" \
	'[1,"clamped","step",56,false] [2,"clamped","step",64,false] [3,"clamped","step",72,false] [4,"clamped","step",80,false] [5,"noop",null,80,false] [6,"noop",null,80,false] [7,"noop",null,80,true] [8,"noop",null,80,true] [9,"noop",null,80,true] [10,"noop",null,80,true] [11,"noop",null,80,true] [12,"blocked","freeze",80,true] [13,"blocked","freeze",80,true] [14,"blocked","freeze",80,true] ' "freeze-ready steps"
assert_json f/summary.json '.tune.freeze_ready == true and .tune.guards.freeze == 3 and .tune.frozen == []'
# without a target met it never becomes ready: latency stays under 39 when batch is capped at 64
jq '.parameters[0].max = 64' f.json >f2.json
expect_exit 0 "$SOAK_RUN" -q -d f2 -n 10 --tune f2.json -- "$SUT"
assert_json f2/tuning.jsonl '.freeze_ready == false'
assert_json f2/summary.json '.tune.freeze_ready == false and .tune.values.batch == 64'

finish
