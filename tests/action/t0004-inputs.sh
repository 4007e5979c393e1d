# Inputs of the action as the runner passes them: through env:, never as shell
# code; env, working-directory, a relative artifact-dir; the existing-run modes.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/action/lib-action.sh"

WS=$TMP/ws
common=(--input upload=false --input iteration-timeout=10s --input heartbeat=20ms --input bundle=false)

# --- no input is ever shell code: $(...), backquotes and quotes stay text ---
run_action 1 "$SOAK_SRC" "${common[@]}" --input toolkit-path="$SOAK_BIN" --input "command=true" \
	--input 'iterations=1$(touch pwned1)' --input 'artifact-dir=a"b`touch pwned2`$(touch pwned3)'
assert_jq_eq "$RESULT" '.steps[] | select(.id == "run") | .exit_code' 2
assert_contains "$ERR" "soak-run: invalid value '1\$(touch pwned1)' for 'iterations' (from SOAK_ITERATIONS)"
assert_eq "$(find "$TMP" -name 'pwned*' | wc -l)" 0 "files made by injected commands"
run_action 0 "$SOAK_SRC" "${common[@]}" --input toolkit-path="$SOAK_BIN" --input "command=true" \
	--input iterations=1 --input 'artifact-dir=a"b`touch pwned2`$(touch pwned3)'
assert_file "$WS/a\"b\`touch pwned2\`\$(touch pwned3)/run.json"
assert_jq_eq "$RESULT" '.steps[] | select(.id == "run") | .outputs."soak-dir"' "$WS/a\"b\`touch pwned2\`\$(touch pwned3)"
assert_eq "$(find "$TMP" -name 'pwned*' | wc -l)" 0 "files made by injected commands"
# a gate with shell syntax is a gate expression, refused as such
run_action 1 "$SOAK_SRC" "${common[@]}" --input toolkit-path="$SOAK_BIN" --input "command=true" \
	--input iterations=1 --input 'gates=pass_rate>=0.5; touch pwned4'
assert_jq_eq "$RESULT" '.steps[] | select(.id == "report") | .exit_code' 2
assert_contains "$ERR" "soak-report: bad gate 'pass_rate>=0.5; touch pwned4'"
assert_eq "$(find "$TMP" -name 'pwned*' | wc -l)" 0 "files made by injected commands"

# --- env (one KEY=VALUE per line), working-directory, a relative artifact-dir ---
mkdir -p "$WS/app"
KEEP_WS=1 run_action 0 "$SOAK_SRC" "${common[@]}" --input toolkit-path="$SOAK_BIN" \
	--input working-directory=app --input iterations=2 \
	--input 'env=GREETING=hello world
EMPTY=

QUOTE=it'"'"'s' \
	--input 'command=test "$GREETING" = "hello world" && test -z "$EMPTY" && test "$QUOTE" = "it'"'"'s" && test "$(basename "$PWD")" = app'
assert_jq_eq "$RESULT" '.outputs | [.iterations, .failures, ."report-dir"] | join(" ")' "2 0 $WS/app/artifacts/soak/reports"
# the env input's values are never stored (they may be secrets): run.json has the names
assert_json "$WS/app/artifacts/soak/run.json" '.config.env.value == ["GREETING", "EMPTY", "QUOTE"]'
assert_not_contains "$WS/app/artifacts/soak/run.json" "GREETING=hello"

# --- existing-run: replace (the default), fail, resume ---
KEEP_WS=1 run_action 0 "$SOAK_SRC" "${common[@]}" --input toolkit-path="$SOAK_BIN" \
	--input working-directory=app --input iterations=3 --input "command=true"
first=$(jqv "$RESULT" '.outputs."run-id"')
assert_jq_eq "$RESULT" '.outputs | [.iterations, .state] | join(" ")' "3 completed"
assert_json "$WS/app/artifacts/soak/run.json" '.config.existing == {"value": "replace", "source": "env"}'
KEEP_WS=1 run_action 1 "$SOAK_SRC" "${common[@]}" --input toolkit-path="$SOAK_BIN" \
	--input working-directory=app --input iterations=3 --input "command=true" --input existing-run=fail
assert_jq_eq "$RESULT" '.steps[] | select(.id == "run") | .exit_code' 2
assert_contains "$ERR" "--resume"
KEEP_WS=1 run_action 0 "$SOAK_SRC" "${common[@]}" --input toolkit-path="$SOAK_BIN" \
	--input working-directory=app --input iterations=5 --input "command=true" --input existing-run=resume
assert_jq_eq "$RESULT" '.outputs | [.iterations, ."run-id"] | join(" ")' "5 $first"
assert_lines "$WS/app/artifacts/soak/metrics.jsonl" 5
finish
