# soak-run --gate-kill: a service gate that aborts the run during an iteration cuts
# that iteration after the given time (status error, no process left); without it the
# iteration finishes. Service gates are judged from the first iteration on.
. "$(dirname "$0")/../lib.sh"

# an iteration that would run for 5 minutes, with a child in its tree
cat >long.sh <<'SH'
#!/bin/sh
sleep 300 &
echo $! >"$PIDFILE"
wait
SH
chmod +x long.sh

# --- with --gate-kill 1s: iteration 1 is cut 1 s after the gate fires ---
# (--timeout is a safety net: had the cut not happened, the status would be timeout)
expect_exit 1 env PIDFILE="$TMP/child.pid" "$SOAK_RUN" -q -d kill -n 3 --run-id t19-kill-$$ \
	--timeout 120s --sample-interval 200ms --service "$LEAKY --service --leak-kb 4096" \
	--gate 'service.rss:slope<1GB/h' --gate-kill 1s -- ./long.sh
assert_json kill/summary.json '.state == "aborted" and .stop_reason == "gate" and .exit_code == 1 and .iterations == 1 and .errors == 1'
assert_json kill/summary.json '.gates[0] | .outcome == "fail" and .first_failed_iteration == 1'
assert_json -s kill/metrics.jsonl 'length == 1 and (.[0] | .iteration == 1 and .status == "error" and .timed_out == false and (.reason | test("cut at --gate-kill")))'
assert_json -s kill/events.jsonl '[.[] | select(.event == "gate")] | length == 1 and .[0].iteration == 1 and .[0].level == "abort"'
assert_json -s kill/events.jsonl '[.[] | select(.event == "timeout")] | length == 0'
# the cut comes no earlier than --gate-kill after the gate fired
GATE_T=$(jqv -s kill/events.jsonl '[.[] | select(.event == "gate")][0].t | sub("\\.[0-9]+Z$"; "Z") | fromdate')
GATE_MS=$(jqv -s kill/events.jsonl '[.[] | select(.event == "gate")][0].t | capture("\\.(?<ms>[0-9]+)Z$").ms')
KILL_T=$(jqv -s kill/events.jsonl '[.[] | select(.event == "kill")][0].t | sub("\\.[0-9]+Z$"; "Z") | fromdate')
KILL_MS=$(jqv -s kill/events.jsonl '[.[] | select(.event == "kill")][0].t | capture("\\.(?<ms>[0-9]+)Z$").ms')
assert_num $(((KILL_T * 1000 + 10#$KILL_MS) - (GATE_T * 1000 + 10#$GATE_MS))) '>=' 950 "ms from the gate to the cut"
assert_file child.pid
assert_pid_gone "$(cat child.pid)"
no_process_with_env SOAK_RUN_ID t19-kill-$$

# --- without --gate-kill the running iteration finishes (status pass), then the run stops ---
expect_exit 1 "$SOAK_RUN" -q -d finish -n 50 --run-id t19-finish-$$ --sample-interval 200ms \
	--service "$LEAKY --service --leak-kb 4096" --gate 'service.rss:slope<1GB/h' -- sleep 3
assert_json finish/summary.json '.state == "aborted" and .stop_reason == "gate" and .iterations < 50'
assert_json -s finish/metrics.jsonl 'all(.status == "pass")'
assert_json finish/summary.json "(.gates[0].first_failed_iteration) == (.iterations)"
no_process_with_env SOAK_RUN_ID t19-finish-$$

# --- --gate-delay 1 (iterations) keeps service gates quiet during iteration 1 ---
expect_exit 0 "$SOAK_RUN" -q -d delayed -n 1 --sample-interval 200ms --gate-delay 1 \
	--service "$LEAKY --service --leak-kb 4096" --gate 'service.rss:slope<1GB/h' \
	--gate-kill 1s -- sleep 4
assert_json delayed/summary.json '.state == "completed" and .iterations == 1 and .gates[0].outcome == "nodata"'
finish
