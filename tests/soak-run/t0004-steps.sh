# soak-run, point 3: multi-step iterations: retries with backoff, allow_failure,
# per-step timeout, per-step results and logs, and the failure message.
. "$(dirname "$0")/../lib.sh"

mkdir work
cat >steps.json <<'EOF'
{
  "schema": "1.0",
  "steps": [
    { "name": "lint", "command": ["sh", "-c", "echo linting; exit 1"], "allow_failure": true },
    { "name": "flaky test", "command": "n=$(cat count 2>/dev/null || echo 0); n=$((n + 1)); echo $n >count; echo attempt $n in $(pwd -P); [ $n -ge 3 ]",
      "retries": 2, "backoff": "100ms", "cwd": "work" },
    { "name": "env", "command": "echo step=$SOAK_STEP it=$SOAK_ITERATION level=$LOG_LEVEL", "env": { "LOG_LEVEL": "debug" } }
  ]
}
EOF
expect_exit 0 "$SOAK_RUN" -q -d s -n 1 --steps steps.json
M=s/metrics.jsonl
assert_lines "$M" 1
assert_json "$M" '.status == "pass" and .iteration == 1'
assert_jq_eq "$M" '.steps | map(.name) | @json' '["lint","flaky test","env"]'
assert_json "$M" '.steps[0] | .status == "fail" and .exit_code == 1 and .allow_failure == true and .attempts == 1'
assert_json "$M" '.steps[1] | .status == "pass" and .exit_code == 0 and .attempts == 3 and .allow_failure == false'
assert_json "$M" '.steps[2] | .status == "pass" and .attempts == 1'
assert_json "$M" '.steps | all(.signal == null and .timed_out == false and (.duration_ms | type == "number"))'
# the iteration's duration is its wall time: steps, retries and backoff (100 + 200 ms)
assert_json "$M" '.duration_ms >= (.steps | map(.duration_ms) | add) + 300'
assert_json "$M" '.steps | all(.log | test("^logs/iter-000001-[A-Za-z0-9._-]+[.]log$"))'
assert_jq_eq "$M" '.steps[0].log' logs/iter-000001-lint.log
assert_contains s/logs/iter-000001-lint.log linting
assert_contains "s/$(jqv "$M" '.steps[1].log')" "attempt 3 in $(cd work && pwd -P)"
assert_contains s/logs/iter-000001-env.log "step=env it=1 level=debug"
assert_eq "$(cat work/count)" 3 "attempts of the flaky step"
assert_json -s s/events.jsonl '[.[] | select(.event == "retry")] | length == 2'
assert_json s/run.json '.steps | length == 3'
assert_json s/run.json '.steps[1] | .name == "flaky test" and .retries == 2 and .backoff_ms == 100 and .allow_failure == false'
assert_json s/run.json '.steps[0].command == ["sh", "-c", "echo linting; exit 1"]'

# --- a failing step ends the iteration; the message has command, cwd, status, output tail ---
cat >fail.json <<'EOF'
{
  "schema": "1.0",
  "steps": [
    { "name": "build", "command": ["sh", "-c", "echo compiling widget.c; echo 'error: widget.c:3: boom' >&2; exit 7"] },
    { "name": "never", "command": ["touch", "never-ran"] }
  ]
}
EOF
expect_exit 1 "$SOAK_RUN" -q -d f -n 1 --steps fail.json
cat "$OUT" "$ERR" >all-output
assert_contains all-output "build"
assert_contains all-output "echo compiling widget.c"
assert_contains all-output "$TMP"
assert_match all-output '(exit|status|code)[^0-9]{0,20}7'
assert_contains all-output "error: widget.c:3: boom"
assert_no_file never-ran
assert_json f/metrics.jsonl '.status == "fail" and .steps[0].status == "fail" and .steps[0].exit_code == 7'
assert_json f/metrics.jsonl '[.steps[] | select(.name == "never" and .status != "skipped")] | length == 0'
assert_contains f/logs/iter-000001-build.log "error: widget.c:3: boom"
assert_json -s f/events.jsonl 'any(.event == "step_fail" and .iteration == 1)'

# --- a per-step timeout kills the step's tree; retries back off, doubling ---
cat >slow.json <<'EOF'
{
  "schema": "1.0",
  "steps": [
    { "name": "quick", "command": ["true"] },
    { "name": "slow", "command": ["sh", "-c", "sleep 300 & sleep 300"], "timeout": "500ms", "retries": 2, "backoff": "200ms" }
  ]
}
EOF
run_bg "$SOAK_RUN" -q -d t -n 1 --kill-after 1s --run-id t4-slow-$$ --steps slow.json
expect_bg_exit 1 30
# three attempts of 500 ms with 200 + 400 ms between them
assert_num "$BG_MS" '>=' 2000 "run time (ms) of 3 attempts of 500ms with 200ms+400ms backoff"
assert_num "$BG_MS" '<' 15000 "run time (ms) of the step timeouts"
no_process_with_env SOAK_RUN_ID t4-slow-$$
assert_json t/metrics.jsonl '.status == "timeout"'
assert_json t/metrics.jsonl '.steps[1] | .name == "slow" and .status == "timeout" and .timed_out == true and .attempts == 3'
assert_json t/metrics.jsonl '.steps[0].status == "pass"'
assert_json -s t/events.jsonl '[.[] | select(.event == "retry")] | length == 2'

# --- several iterations: the per-step logs of each ---
cat >two.json <<'EOF'
{ "schema": "1.0", "steps": [ { "name": "a", "command": "echo a$SOAK_ITERATION" }, { "name": "b", "command": "echo b$SOAK_ITERATION" } ] }
EOF
expect_exit 0 "$SOAK_RUN" -q -d two -n 2 --steps two.json
assert_contains two/logs/iter-000002-b.log b2
assert_contains two/logs/iter-000001-a.log a1
assert_json -s two/metrics.jsonl 'map(.steps | length) == [2, 2]'

finish
