# soak-run, point 2: the timeout kills the whole process tree, daemonized
# descendants and SIGTERM-ignoring ones included; soak-run never hangs on a pipe a
# grandchild holds open, and after each run no process of it remains.
. "$(dirname "$0")/../lib.sh"

# --- a grandchild that daemonizes (new session, parent gone) and keeps stdout open ---
run_bg "$SOAK_RUN" -q -d a --run-id t3-daemon-$$ --timeout 1s --kill-after 1s -n 1 \
	-- sh -c 'setsid sh -c "sleep 300 & echo \$! >'"$TMP"'/a.pid"; echo started; sleep 300'
expect_bg_exit 1 20
assert_num "$BG_MS" '<' 8000 "soak-run run time (ms) with --timeout 1s"
assert_file a.pid
assert_pid_gone "$(cat a.pid)"
no_process_with_env SOAK_RUN_ID t3-daemon-$$
assert_json a/metrics.jsonl '.status == "timeout" and .timed_out == true and .exit_code == null and .signal == 15'
assert_json -s a/events.jsonl 'any(.event == "timeout" and .iteration == 1)'
assert_contains a/logs/iter-000001.log started
assert_json a/summary.json '.timed_out == 1 and .iterations == 1'

# --- the root exits at once, the daemonized grandchild holds stdout: no timeout needed ---
run_bg "$SOAK_RUN" -q -d b --run-id t3-orphan-$$ -n 2 \
	-- sh -c 'setsid sh -c "sleep 300 & echo \$! >'"$TMP"'/b.\$SOAK_ITERATION.pid"; echo root done'
expect_bg_exit 0 20
assert_num "$BG_MS" '<' 8000 "soak-run run time (ms) with a grandchild holding stdout"
for i in 1 2; do
	assert_file b.$i.pid
	assert_pid_gone "$(cat b.$i.pid)"
done
no_process_with_env SOAK_RUN_ID t3-orphan-$$
assert_json -s b/metrics.jsonl 'length == 2 and all(.status == "pass" and .exit_code == 0)'
assert_contains b/logs/iter-000002.log "root done"

# --- SIGTERM ignored by the root and by a daemonized grandchild: SIGKILL after --kill-after ---
run_bg "$SOAK_RUN" -q -d c --run-id t3-ignore-$$ --timeout 1s --kill-after 1s -n 1 \
	-- sh -c 'trap "" TERM; setsid sh -c "trap \"\" TERM; sleep 300 & echo \$! >'"$TMP"'/c.pid"; sleep 300'
expect_bg_exit 1 20
assert_num "$BG_MS" '>=' 1800 "run time (ms): --timeout 1s plus --kill-after 1s"
assert_num "$BG_MS" '<' 9000 "soak-run run time (ms) with SIGTERM ignored"
assert_file c.pid
assert_pid_gone "$(cat c.pid)"
no_process_with_env SOAK_RUN_ID t3-ignore-$$
assert_json c/metrics.jsonl '.status == "timeout" and .timed_out == true and .exit_code == null and .signal == 9'
assert_json -s c/events.jsonl 'any(.event == "timeout")'

# --- the test helpers: a classic double-fork daemon, and a root that ignores SIGTERM ---
run_bg "$SOAK_RUN" -q -d h --run-id t3-helpers-$$ --timeout 3s --kill-after 1s -n 1 \
	-- sh -c '"$0/daemonize" h.pid; while [ ! -s h.pid ]; do sleep 0.02; done; exec "$0/ignore_term"' "$SOAK_HELPERS"
expect_bg_exit 1 20
assert_num "$BG_MS" '<' 9000 "soak-run run time (ms) with a daemon and SIGTERM ignored"
assert_file h.pid
assert_pid_gone "$(cat h.pid)"
no_process_with_env SOAK_RUN_ID t3-helpers-$$
assert_json h/metrics.jsonl '.status == "timeout" and .signal == 9'
assert_contains h/logs/iter-000001.log ready

# --- a wide tree: every process of it goes, the next iteration still runs ---
run_bg "$SOAK_RUN" -q -d d --run-id t3-tree-$$ --timeout 3s --kill-after 1s --sample-interval 100ms -n 2 \
	-- "$SOAK_HELPERS/forkbomb_tree" 40
expect_bg_exit 1 30
no_process_with_env SOAK_RUN_ID t3-tree-$$
assert_json -s d/metrics.jsonl 'length == 2 and all(.status == "timeout")'
assert_json -s d/metrics.jsonl 'all(.procs >= 41)'
assert_json d/summary.json '.timed_out == 2 and .consecutive_failures == 2'
assert_contains d/logs/iter-000002.log ready

# --- the example workload hanging ---
run_bg "$SOAK_RUN" -q -d e --run-id t3-leaky-$$ --timeout 1s -n 1 -- "$LEAKY" --hang-rate 1
expect_bg_exit 1 20
no_process_with_env SOAK_RUN_ID t3-leaky-$$
assert_json e/metrics.jsonl '.status == "timeout" and .timed_out == true'
assert_contains e/logs/iter-000001.log "never come"

finish
