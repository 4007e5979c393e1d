# soak-run, issue 17 point 5: a periodic command (--every, --every-command,
# --every-timeout) runs during the run in a tree of its own, sees SOAK_DIR and a
# current summary.json, and whatever it does (fail, hang, leave children) never
# changes the run's result or leaves a process behind.
. "$(dirname "$0")/../lib.sh"

# marker: a word in the periodic command's own command line, found with pgrep -f
M=t19mark$$

# --- it runs every period, with SOAK_DIR and a readable, current summary ---
cat >probe.sh <<'EOF'
# one line per run: the summary's state and iterations, read while the run goes on
it=$(jq -r .iterations "$SOAK_SUMMARY_FILE")
st=$(jq -r .state "$SOAK_SUMMARY_FILE")
echo "dir=$SOAK_DIR state=$st iterations=$it health=$(test -r "$SOAK_HEALTH_FILE" && echo yes)" >>"$1"
echo "probe output"
EOF
expect_exit 0 "$SOAK_RUN" -q -d ok -D 3500ms --run-id t19-ok-$$ --every 1s \
	--every-command "sh '$TMP/probe.sh' '$TMP/runs.txt' # $M" -- sleep 0.2
no_process_with_env SOAK_RUN_ID t19-ok-$$
assert_file runs.txt
assert_num "$(wc -l <runs.txt)" '>=' 2 "periodic runs in 3.5 s at --every 1s"
assert_num "$(wc -l <runs.txt)" '<=' 4 "periodic runs in 3.5 s at --every 1s"
assert_num "$(grep -c "^dir=$TMP/ok state=running iterations=[0-9][0-9]* health=yes\$" runs.txt)" \
	'==' "$(wc -l <runs.txt)" "runs that saw SOAK_DIR, a running summary and health.json"
# the summary is current when the command starts: later runs see more iterations
assert_num "$(sed -n '$s/.*iterations=\([0-9]*\).*/\1/p' runs.txt)" '>' \
	"$(sed -n '1s/.*iterations=\([0-9]*\).*/\1/p' runs.txt)" \
	"iterations seen by the last run vs the first"
assert_contains ok/logs/every.log "probe output"
assert_match ok/logs/every.log '^[-0-9T:.]+Z every #1 started \(pid [0-9]+\)$'
assert_match ok/logs/every.log '^[-0-9T:.]+Z every #2 exit code 0 after '
# (a run still under way when the run ended is ended too: an event, counted as a failure)
assert_json ok/summary.json '.state == "completed" and .exit_code == 0 and .failures == 0 and .every.runs >= 2 and .every.failures <= 1'
assert_json -s ok/events.jsonl 'all(.event != "every" or (.status == "killed" and (.message | test("the run ended"))))'
assert_jq_eq ok/run.json '.config.every.value' 1s
assert_json ok/run.json '.config."every-timeout" == null and .config."every-command".source == "flag"'
# health.json carries the run's state and totals too (for notify --health)
assert_json ok/health.json '.state == "completed" and .iterations > 0 and .passed == .iterations and .failures == 0 and .last_status == "pass"'

# --- a failing periodic command: an event and a log line, the run is unchanged ---
expect_exit 0 "$SOAK_RUN" -q -d fail -D 2500ms --run-id t19-fail-$$ --every 1s \
	--every-command "echo failing; exit 7 # $M" -- sleep 0.2
no_process_with_env SOAK_RUN_ID t19-fail-$$
assert_json fail/summary.json '.state == "completed" and .exit_code == 0 and .failures == 0'
assert_json -s fail/events.jsonl '[.[] | select(.event == "every")] | length >= 1'
assert_json -s fail/events.jsonl 'all(select(.event == "every") | .status == "fail" and .exit_code == 7)'
assert_match fail/logs/every.log 'Z every #1 failed: exit code 7 after '
assert_json -s fail/events.jsonl 'any(.event == "every" and (.message | test("^periodic command #1 failed: exit code 7 after ")))'
assert_json fail/summary.json '.every.runs >= 1 and .every.failures == .every.runs'
assert_contains fail/logs/every.log failing

# --- a hanging periodic command: killed at --every-timeout, nothing left, run unchanged ---
expect_exit 0 "$SOAK_RUN" -q -d hang -D 3s --run-id t19-hang-$$ --every 1s --every-timeout 300ms \
	--every-command "sleep 1000 ; : $M-hang" -- sleep 0.2
no_process_with_env SOAK_RUN_ID t19-hang-$$
expect_exit 1 pgrep -f "$M-hang"
assert_json hang/summary.json '.state == "completed" and .exit_code == 0 and .failures == 0'
assert_json -s hang/events.jsonl '[.[] | select(.event == "every" and .status == "timeout")] | length >= 1'
assert_match hang/logs/every.log 'timed out after [0-9.]+ ?m?s \(--every-timeout 300ms\); killed [1-9][0-9]* process'

# --- its children (and a daemonized grandchild) go with it ---
expect_exit 0 "$SOAK_RUN" -q -d tree -D 2500ms --run-id t19-tree-$$ --every 1s --every-timeout 800ms \
	--every-command "sleep 1000 & \"$SOAK_HELPERS/daemonize\" '$TMP/d.pid'; sleep 1000; : $M-tree" \
	-- sleep 0.2
no_process_with_env SOAK_RUN_ID t19-tree-$$
expect_exit 1 pgrep -f "$M-tree"
assert_file d.pid
assert_pid_gone "$(cat d.pid)"
assert_json tree/summary.json '.state == "completed" and .exit_code == 0'

# --- a run with failing iterations keeps its own result (exit 1) ---
expect_exit 1 "$SOAK_RUN" -q -d it -n 3 --run-id t19-it-$$ --every 200ms \
	--every-command "true # $M" -- sh -c 'sleep 0.3; exit 1'
assert_json it/summary.json '.state == "completed" and .exit_code == 1 and .failures == 3'

# --- at the end of the run a running periodic command is killed ---
# (it starts at 1 s, the iteration ends at 1.5 s, its timeout would be at 2 s)
expect_exit 0 "$SOAK_RUN" -q -d end -n 1 --run-id t19-end-$$ --every 1s \
	--every-command "sleep 1000 ; : $M-end" -- sleep 1.5
no_process_with_env SOAK_RUN_ID t19-end-$$
expect_exit 1 pgrep -f "$M-end"
assert_json -s end/events.jsonl 'any(.event == "every" and .status == "killed" and (.message | test("the run ended")))'

# --- on cancel too ---
run_bg "$SOAK_RUN" -q -d cancel -n 100 --run-id t19-cancel-$$ --every 1s --every-timeout 1s \
	--every-command "sleep 1000 ; : $M-cancel" -- sleep 300
wait_for "grep -q 'every #1 started' cancel/logs/every.log" 10 "the periodic command running"
kill -TERM "$BG_PID"
expect_bg_exit 143 15
no_process_with_env SOAK_RUN_ID t19-cancel-$$
expect_exit 1 pgrep -f "$M-cancel"
assert_json cancel/summary.json '.state == "cancelled"'
assert_json -s cancel/events.jsonl 'any(.event == "every" and .status == "killed" and (.message | test("cancelled")))'

# --- with the environment and config file ---
SOAK_EVERY=200ms SOAK_EVERY_COMMAND="echo env >>'$TMP/env.txt'" \
	expect_exit 0 "$SOAK_RUN" -q -d envd -n 2 -- sleep 0.5
assert_num "$(wc -l <env.txt)" '>=' 2 "periodic runs from SOAK_EVERY"
assert_jq_eq envd/run.json '.config.every.source' env
echo '{"run": {"every": "200ms", "every-command": "echo cfg >>cfg.txt", "every-timeout": "100ms"}}' >cfg.json
expect_exit 0 "$SOAK_RUN" -q -d cfgd -n 2 --config cfg.json -- sleep 0.5
assert_num "$(wc -l <cfg.txt)" '>=' 2 "periodic runs from the config file"
assert_jq_eq cfgd/run.json '.config."every-timeout".value' 100ms

# --- bad values: exit 2, a clear message, nothing run ---
expect_exit 2 "$SOAK_RUN" -q -d bad -n 1 --every 1s -- true
assert_contains "$ERR" "soak-run: --every 1s needs --every-command CMD"
assert_contains "$ERR" "try 'soak-run --help'"
expect_exit 2 "$SOAK_RUN" -q -d bad -n 1 --every-command "echo x" -- true
assert_contains "$ERR" "--every-command needs --every DURATION"
expect_exit 2 "$SOAK_RUN" -q -d bad -n 1 --every 5x --every-command "echo x" -- true
assert_contains "$ERR" "'every'"
assert_contains "$ERR" "5x"
expect_exit 2 "$SOAK_RUN" -q -d bad -n 1 --every 1s --every-timeout 2s --every-command "echo x" -- true
assert_contains "$ERR" "invalid value '2s' for 'every-timeout': more than 0 and at most --every (1s)"
expect_exit 2 "$SOAK_RUN" -q -d bad -n 1 --every 1s --every-timeout 0 --every-command "echo x" -- true
assert_contains "$ERR" "for 'every-timeout'"
assert_no_file bad

finish
