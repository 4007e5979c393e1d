# More of the action's inputs (duration-hours, debug, a bad existing-run) and
# its errors: a usage error of soak-run, a toolkit-path without the programs.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/action/lib-action.sh"

WS=$TMP/ws
common=(--input upload=false --input iteration-timeout=10s --input heartbeat=20ms --input bundle=false)

# --- a bad existing-run: the action refuses it before soak-run ---
run_action 1 "$SOAK_SRC" "${common[@]}" --input toolkit-path="$SOAK_BIN" \
	--input iterations=1 --input "command=true" --input existing-run=sometimes
assert_jq_eq "$RESULT" '[.steps[] | select(.id | endswith("-windows") | not) | .outcome] | join(" ")' \
	"success failure skipped skipped skipped skipped skipped"
assert_jq_eq "$RESULT" '.steps[] | select(.id == "run") | .exit_code' 2
assert_contains "$ERR" "soak-run: invalid value 'sometimes' for 'existing': replace, resume or fail"

# --- duration-hours: hours, fractions allowed ---
run_action 0 "$SOAK_SRC" "${common[@]}" --input toolkit-path="$SOAK_BIN" \
	--input duration-hours=0.0004 --input "command=sleep 0.1"
assert_json "$WS/artifacts/soak/run.json" '.config.duration == {"value": "0.0004h", "source": "env"}'
assert_json "$WS/artifacts/soak/summary.json" '.state == "completed" and .stop_reason == "duration" and .iterations >= 2'

# --- a usage error: soak-run refuses (exit 2) and records nothing; the report has nothing to read ---
run_action 1 "$SOAK_SRC" "${common[@]}" --input toolkit-path="$SOAK_BIN" --input "command=$LEAKY"
# soak-run stopped before the directory held a run (no soak-dir output): nothing to report or clean
assert_jq_eq "$RESULT" '[.steps[] | select(.id | endswith("-windows") | not) | "\(.id)=\(.outcome)"] | join(" ")' \
	"setup=success run=failure report=skipped clean=skipped bundle=skipped notify=skipped upload=skipped"
assert_jq_eq "$RESULT" '.steps[] | select(.id == "run") | .exit_code' 2
assert_contains "$ERR" "soak-run: set --iterations or --duration (or both): a soak needs an end"
assert_jq_eq "$RESULT" '.outputs | [.verdict, .iterations, ."report-dir"] | join(",")' ",,"

# --- a toolkit-path without the programs: the first step fails, nothing else runs ---
mkdir -p empty
run_action 1 "$SOAK_SRC" "${common[@]}" --input toolkit-path="$TMP/empty" --input "command=true" --input iterations=1
assert_jq_eq "$RESULT" '[.steps[] | .outcome] | join(" ")' "failure skipped skipped skipped skipped skipped skipped skipped skipped skipped skipped skipped skipped"
assert_jq_eq "$RESULT" '.annotations[0].message' \
	"toolkit-path '$TMP/empty' does not hold soak-run soak-report soak-clean soak-bundle soak-canary (nor its bin/)"

# --- debug: the action's steps are traced and the settings printed ---
run_action 0 "$SOAK_SRC" "${common[@]}" --input toolkit-path="$SOAK_BIN" \
	--input "command=$LEAKY --work-ms 10" --input iterations=1 --input debug=true
# the toolkit step is traced; the settings soak-run used are in run.json
assert_contains "$ERR" "+ bin=$SOAK_BIN"
assert_json "$WS/artifacts/soak/run.json" ".command == [\"sh\", \"-c\", \"$LEAKY --work-ms 10\"] and .config.command.source == \"env\""

finish
