# soak-run --tune --resume: after a SIGKILL in the middle of tuning the run goes on
# with the tuner's state exactly as it was (values, cooldowns, velocity and
# oscillation windows, freezes, the conditions' window, last good values): its
# tuning.jsonl and final state equal those of a run that was never interrupted.
# Also the two points a kill can fall between: the state saved but its line not
# yet in tuning.jsonl, and the record in metrics.jsonl but the state not yet saved.
. "$(dirname "$0")/../lib.sh"

SUT=$SOAK_HELPERS/tune_sut
ID=t36-$$
N=40
cat >r.json <<'JSON'
{
  "window": 3,
  "parameters": [
    { "name": "spread", "initial": 1, "min": 0.5, "max": 10, "max_step": 1,
      "velocity": { "max": 1.2, "window": 5 }, "applied_kpi": "spread_used" },
    { "name": "batch", "type": "int", "initial": 100, "min": 8, "max": 512, "applied_kpi": "batch_used" }
  ],
  "rules": [
    { "when": "kpi.risk:avg@last>0.45", "change": { "spread": "+0.7" } },
    { "when": "kpi.risk:avg@last<0.35", "change": { "spread": "-0.4" } },
    { "when": "kpi.latency_ms:max@last>40", "change": { "batch": "-9" } }
  ],
  "guards": {
    "cooldown": 1,
    "oscillation": { "window": 10, "flips": 3 },
    "freeze_ready": { "iterations": 6, "targets": ["kpi.risk:avg@last<=0.45"] },
    "panic": { "when": ["kpi.risk:max@last>0.95"], "revert_to": "last_good" }
  }
}
JSON
# the system's noise is large enough to make spread wander: risk = 1 - spread/10 +- 0.06
CMD=(sh -c 'sleep 0.03; exec "$0" "$@"' "$SUT" --noise 0.06 --seed 3)
KEYS='[.iteration, .source, .rule, .decision, .guard, .changes, .values, .overrides_sha256, .written, .apply, .frozen, .freeze_ready]'

expect_exit 0 "$SOAK_RUN" -q -d ref -n $N --run-id "$ID" --tune r.json -- "${CMD[@]}"
assert_lines ref/tuning.jsonl $N
# the reference exercises the windows: changes, blocks by velocity and cooldown
assert_json ref/summary.json '.tune.decisions.applied >= 3 and .tune.guards.cooldown >= 1 and .tune.guards.velocity + .tune.guards.step >= 1'

# --- killed three times with SIGKILL while tuning, resumed each time ---
args=(-q -d k -n $N --run-id "$ID" --tune r.json)
for round in 1 2 3; do
	if ((round == 1)); then
		run_bg "$SOAK_RUN" "${args[@]}" -- "${CMD[@]}"
	else
		run_bg "$SOAK_RUN" "${args[@]}" --resume -- "${CMD[@]}"
	fi
	before=$(cat k/tuning.jsonl 2>/dev/null | wc -l)
	wait_for "[ \$(cat k/tuning.jsonl 2>/dev/null | wc -l) -ge $((before + 4 + RANDOM % 6)) ]" 30 "round $round: tuning steps"
	kill -KILL "$BG_PID"
	expect_bg_exit 137 5
	wait_for "[ -z \"\$(pids_with_env SOAK_RUN_ID $ID)\" ]" 10 "round $round: iteration processes gone"
done
expect_exit 0 "$SOAK_RUN" "${args[@]}" --resume -- "${CMD[@]}"
assert_eq "$(jq -c "$KEYS" k/tuning.jsonl)" "$(jq -c "$KEYS" ref/tuning.jsonl)" "tuning.jsonl after 3 SIGKILLs"
assert_eq "$(jq -c .state k/tune-state.json)" "$(jq -c .state ref/tune-state.json)" "the tuner's final state"
assert_eq "$(jq -c 'del(.tune.overrides_sha256) | .tune' k/summary.json)" "$(jq -c 'del(.tune.overrides_sha256) | .tune' ref/summary.json)" "summary.json's tune"
cmp -s k/overrides.json ref/overrides.json && pass || fail "overrides.json differs from the uninterrupted run's"
assert_eq "$(jq -c '[.iteration, .tune]' k/metrics.jsonl)" "$(jq -c '[.iteration, .tune]' ref/metrics.jsonl)" "records' tune members"

# --- the state saved, its line lost (killed between the two) ---
expect_exit 0 "$SOAK_RUN" -q -d l -n 15 --run-id "$ID" --tune r.json -- "${CMD[@]}"
head -n 14 l/tuning.jsonl >l/t && mv l/t l/tuning.jsonl
expect_exit 0 "$SOAK_RUN" -q -d l -n $N --run-id "$ID" --tune r.json --resume -- "${CMD[@]}"
assert_eq "$(jq -c "$KEYS" l/tuning.jsonl)" "$(jq -c "$KEYS" ref/tuning.jsonl)" "tuning.jsonl after a lost line"

# --- the record written, the state not (killed between the two): the step runs again ---
expect_exit 0 "$SOAK_RUN" -q -d m -n 20 --run-id "$ID" --tune r.json -- "${CMD[@]}"
cp m/tune-state.json state20
expect_exit 0 "$SOAK_RUN" -q -d m -n 21 --run-id "$ID" --tune r.json --resume -- "${CMD[@]}"
cp state20 m/tune-state.json
head -n 20 m/tuning.jsonl >m/t && mv m/t m/tuning.jsonl
expect_exit 0 "$SOAK_RUN" -q -d m -n $N --run-id "$ID" --tune r.json --resume -- "${CMD[@]}"
assert_eq "$(jq -c "$KEYS" m/tuning.jsonl)" "$(jq -c "$KEYS" ref/tuning.jsonl)" "tuning.jsonl after a step redone"
assert_eq "$(jq -c .state m/tune-state.json)" "$(jq -c .state ref/tune-state.json)" "the tuner's final state after a step redone"

# --- a state that does not fit the run is refused ---
expect_exit 0 "$SOAK_RUN" -q -d x -n 3 --run-id "$ID" --tune r.json -- "${CMD[@]}"
cp state20 x/tune-state.json
expect_exit 3 "$SOAK_RUN" -q -d x -n 5 --run-id "$ID" --tune r.json --resume -- "${CMD[@]}"
assert_contains "$ERR" "cannot resume the tuner"
assert_contains "$ERR" "metrics.jsonl ends at iteration 3"

# --- a run that was not tuned cannot be resumed with --tune ---
expect_exit 0 "$SOAK_RUN" -q -d u -n 2 -- true
expect_exit 2 "$SOAK_RUN" -q -d u -n 4 --resume --tune r.json -- true
assert_contains "$ERR" "its 2 iterations ran without tuning (resume it without --tune, or start a new run)"
assert_lines u/metrics.jsonl 2

finish
