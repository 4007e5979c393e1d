# Cancellation as the runner does it: SIGINT to the step's process. soak-run is
# exec'd, so it is that process: it ends the iteration's tree, writes its files
# and exits 130; the report, the cleanup and the summary still run (always()),
# the bundle does not.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/action/lib-action.sh"

WS=$TMP/ws
# a long soak with a hanging iteration now and then, cancelled after 3 s
run_action 130 "$SOAK_SRC" --input upload=false --input toolkit-path="$SOAK_BIN" \
	--input "command=$LEAKY --work-ms 100" --input iterations=100000 --input iteration-timeout=1h \
	--cancel-after 3
assert_jq_eq "$RESULT" .status cancelled
assert_jq_eq "$RESULT" '[.steps[] | select(.id | endswith("-windows") | not) | "\(.id)=\(.outcome)"] | join(" ")' \
	"setup=success run=failure report=success clean=success bundle=skipped notify=skipped upload=skipped"
# SIGINT reached soak-run itself: exit 130 (not a bash killed by a later signal)
assert_jq_eq "$RESULT" '.steps[] | select(.id == "run") | [.exit_code, .signal] | tojson' '[130,null]'
assert_jq_eq "$RESULT" '.outputs.state' cancelled
assert_json "$WS/artifacts/soak/summary.json" '.state == "cancelled"'
n=$(jqv "$RESULT" .outputs.iterations)
assert_num "$n" '>=' 1 "iterations before the cancel"
assert_num "$n" '<' 100000 "iterations before the cancel"
assert_lines "$WS/artifacts/soak/metrics.jsonl" "$n"
assert_json "$WS/artifacts/soak/reports/POST_SOAK_SNAPSHOT.json" '.sources[0].state == "cancelled"'
no_process_with_env SOAK_RUN_ID "$(jqv "$RESULT" '.outputs."run-id"')"

# cancelled while an iteration hangs: the iteration's tree is ended too
run_action 130 "$SOAK_SRC" --input upload=false --input toolkit-path="$SOAK_BIN" \
	--input "command=$LEAKY --hang-rate 1 --work-ms 0" --input iterations=5 --input iteration-timeout=1h \
	--cancel-after 2
assert_jq_eq "$RESULT" '.steps[] | select(.id == "run") | .exit_code' 130
assert_jq_eq "$RESULT" '.outputs | [.state, .iterations] | join(" ")' "cancelled 0"
no_process_with_env SOAK_RUN_ID "$(jqv "$WS/artifacts/soak/run.json" .run_id)"

finish
