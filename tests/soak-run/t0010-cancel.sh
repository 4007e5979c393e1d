# soak-run, point 9: cancellation the way GitHub does it. On SIGINT or SIGTERM
# soak-run kills the iteration's tree, writes summary.json (state cancelled) and
# exits 130/143 within 5 s, leaving no process of the run.
. "$(dirname "$0")/../lib.sh"

# cancel NAME SIGNAL CODE CMD...: start a long run, signal it during iteration 2
cancel()
{
	local name=$1 sig=$2 code=$3 id=t10-$1-$$
	shift 3
	run_bg "$SOAK_RUN" -q -d "$name" -n 100 --run-id "$id" "$@"
	wait_for "[ -s $name/metrics.jsonl ] && [ -n \"\$(pids_with_env SOAK_RUN_ID $id)\" ]" 10 \
		"iteration 2 of '$name' running"
	sleep 0.3
	kill -"$sig" "$BG_PID"
	expect_bg_exit "$code" 15
	assert_num "$BG_MS" '<' 5000 "time (ms) from SIG$sig to exit"
	no_process_with_env SOAK_RUN_ID "$id"
	assert_json "$name/summary.json" ".state == \"cancelled\" and .exit_code == $code and .iterations == 1 and (.ended | test(\"$ISO_RE\"))"
	assert_json -s "$name/events.jsonl" 'any(.event == "cancel")'
	assert_jq_eq -s "$name/events.jsonl" '.[-1].event' end
	assert_json -s "$name/metrics.jsonl" 'map(.iteration) == [1]'
}

# iteration 1 is quick, iteration 2 runs for a long time
LONG='[ "$SOAK_ITERATION" = 1 ] && exit 0; sleep 300 & sleep 300'

cancel int INT 130 -- sh -c "$LONG"
cancel term TERM 143 -- sh -c "$LONG"
# a tree with a daemonized grandchild
cancel daemon TERM 143 -- sh -c '[ "$SOAK_ITERATION" = 1 ] && exit 0; "$0/daemonize" d.pid; sleep 300' "$SOAK_HELPERS"
# a child that ignores SIGTERM, with the default --kill-after of 5s: still out within 5 s
cancel ignore INT 130 -- sh -c '[ "$SOAK_ITERATION" = 1 ] && exit 0; exec "$0/ignore_term"' "$SOAK_HELPERS"
# during steps
cat >steps.json <<'EOF'
{ "schema": "1.0", "steps": [ { "name": "quick", "command": ["true"] },
  { "name": "long", "command": "[ \"$SOAK_ITERATION\" = 1 ] && exit 0; sleep 300" } ] }
EOF
cancel steps TERM 143 --steps steps.json
# with a service running
cancel service INT 130 --service "$LEAKY --service" -- sh -c "$LONG"
assert_contains service/logs/service.log "leaky service: stopping after"

# --- GitHub's sequence: SIGINT, then SIGTERM soon after: still one clean exit ---
run_bg "$SOAK_RUN" -q -d seq -n 100 --run-id t10-seq-$$ -- sh -c "$LONG"
wait_for "[ -s seq/metrics.jsonl ]" 10
kill -INT "$BG_PID"
sleep 0.1
kill -TERM "$BG_PID" 2>/dev/null
expect_bg_exit 130 15
no_process_with_env SOAK_RUN_ID t10-seq-$$
assert_json seq/summary.json '.state == "cancelled"'

finish
