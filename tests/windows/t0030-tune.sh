# soak-run.exe --tune under Wine: the rules move the test system's parameter into its
# band through %SOAK_OVERRIDES_FILE%, --overrides-out takes a Windows path (its
# directory made), --resume continues the tuner's state, and a tuner command (a .cmd
# file) reads the recent metrics on its stdin.
. "$(dirname "$0")/lib.sh"

SUT=$(winpath "$SOAK_HELPERS/tune_sut.exe")
cat >"$WD/tune.json" <<'JSON'
{
  "window": 1,
  "parameters": [
    { "name": "spread", "initial": 1, "min": 0.5, "max": 10, "max_step": 2, "applied_kpi": "spread_used" },
    { "name": "batch", "type": "int", "initial": 64, "min": 8, "max": 512, "applied_kpi": "batch_used" }
  ],
  "rules": [
    { "when": "kpi.risk:avg@last>0.45", "change": { "spread": "+1" } },
    { "when": "kpi.risk:avg@last<0.35", "change": { "spread": "-1" } }
  ],
  "guards": { "cooldown": 1 }
}
JSON
KEYS='[.iteration, .decision, .guard, .changes, .values, .overrides_sha256, .written, .apply]'

# --- converge: spread 1 -> 6 (risk 0.4), every other step blocked by the cooldown ---
wrun 0 soak-run -q -d "$WWD\\t" -n 12 --tune "$WWD\\tune.json" --overrides-out "$WWD\\svc\\overrides.json" -- "$SUT" --seed 5
T=$WD/t/tuning.jsonl
assert_lines "$T" 12
assert_json -s "$T" 'map(.decision) == ["applied", "blocked", "applied", "blocked", "applied", "blocked", "applied", "blocked", "applied", "noop", "noop", "noop"]'
assert_json "$WD/t/summary.json" '.tune.values == {"spread": 6, "batch": 64} and .tune.apply == {"checked": 24, "matched": 24} and .tune.guards.cooldown == 4'
assert_json -s "$WD/t/metrics.jsonl" '.[-3:] | all(.kpi.risk >= 0.35 and .kpi.risk <= 0.45 and .kpi.spread_used == 6)'
assert_eq "$(cat "$WD/t/overrides.json")" '{"spread":6,"batch":64}' "overrides.json"
cmp -s "$WD/t/overrides.json" "$WD/svc/overrides.json" && pass || fail "--overrides-out differs"
assert_jq_eq "$WD/t/summary.json" .tune.overrides_sha256 "$(sha256sum "$WD/t/overrides.json" | cut -d' ' -f1)"

# --- --resume: 5 iterations, then on to 12: the same steps as the run above ---
wrun 0 soak-run -q -d "$WWD\\r" -n 5 --tune "$WWD\\tune.json" -- "$SUT" --seed 5
wrun 0 soak-run -q -d "$WWD\\r" -n 12 --resume --tune "$WWD\\tune.json" -- "$SUT" --seed 5
assert_eq "$(jq -c "$KEYS" "$WD/r/tuning.jsonl")" "$(jq -c "$KEYS" "$T")" "tuning.jsonl of a resumed run"
assert_eq "$(jq -c .state "$WD/r/tune-state.json")" "$(jq -c .state "$WD/t/tune-state.json")" "the tuner's state"

# --- a tuner command: a .cmd file that keeps its stdin and proposes +1 ---
printf '@echo off\r\nmore > "%%~dp0tuner-in-%%1.json"\r\necho tuner: thinking 1>&2\r\necho {"changes": {"spread": "+1"}}\r\n' >"$WD/tuner.cmd"
cat >"$WD/tuner.json" <<JSON
{
  "parameters": [{ "name": "spread", "initial": 1, "min": 0.5, "max": 3 }],
  "tuner": { "command": ["cmd", "/c", "$(winpath "$WD/tuner.cmd" | sed 's/\\/\\\\/g')", "x"], "timeout": "30s" }
}
JSON
wrun 0 soak-run -q -d "$WWD\\u" -n 3 --tune "$WWD\\tuner.json" -- cmd /c "echo ok"
assert_json -s "$WD/u/tuning.jsonl" 'map([.source, .decision, .guard, .values.spread]) == [["tuner", "applied", null, 2], ["tuner", "applied", null, 3], ["tuner", "noop", "bounds", 3]]'
# the tuner read its input on stdin (more breaks long lines for the console: compare
# the start), the input soak-run left in the soak directory
assert_eq "$(head -c 40 "$WD/tuner-in-x.json")" "$(head -c 40 "$WD/u/tuner-input.json")" "the start of the tuner's stdin"
assert_match "$WD/tuner-in-x.json" '^[{]"run_id":"[0-9]{8}T'
assert_json "$WD/u/tuner-input.json" '.iteration == 3 and (.metrics | map(.iteration)) == [1, 2, 3] and .values == {"spread": 3}'

finish
