# Live gates of soak-run.exe under Wine: a `cmd /c` command that gets slow after
# iteration 3 is aborted by --gate (exit 1, state aborted, one gate event), a
# --warn-gate lets the same run go to the end, and soak-report.exe reads the abort
# back as FAIL naming the gate and the iteration where it first failed.
. "$(dirname "$0")/lib.sh"

# fast until iteration 3, then about 3 s an iteration (ping waits 1 s between echoes)
printf '@echo off\r\nif %%SOAK_ITERATION%% GTR 3 ping -n 4 127.0.0.1 >NUL\r\nexit 0\r\n' >"$WD/slow.cmd"

# --- a hard gate aborts the run: exit 1, state aborted, one gate event ---
wrun 1 soak-run -q -d "$WWD\\hard" -n 12 --sample-interval 0 --gate-window 2 --gate-sustain 2 \
	--gate 'duration_ms:max@last<2s' -- cmd /c "$WWD\\slow.cmd"
S=$WD/hard/summary.json
assert_json "$S" '.state == "aborted" and .stop_reason == "gate" and .exit_code == 1'
assert_json "$S" '.iterations >= 5 and .iterations <= 8 and .passed == .iterations'
assert_json "$S" '.reason | test("duration_ms:max@last<2s") and test("last 2 iterations")'
assert_json "$S" '.gates[0].outcome == "fail" and .gates[0].first_failed_iteration >= 4 and .gates[0].value >= 2000'
assert_json -s "$WD/hard/events.jsonl" '[.[] | select(.event == "gate")] | length == 1'
assert_json -s "$WD/hard/events.jsonl" '.[] | select(.event == "gate") | .level == "abort" and .threshold == 2000 and .window == 2 and .sustain == 2'
assert_contains "$ERR" "aborting the run"
FF=$(jq '.gates[0].first_failed_iteration' "$S")

# --- soak-report.exe: FAIL, naming the live gate and where it first failed ---
wrun 1 soak-report -d "$WWD\\hard" -f json
assert_contains "$OUT" "FAIL: live gate 'duration_ms:max@last<2s' first failed at iteration $FF"
assert_json "$WD/hard/reports/POST_SOAK_SNAPSHOT.json" ".verdict == \"FAIL\" and .gates[0].live.first_failed_iteration == $FF"

# --- the same as a warn gate: the run goes on to the end, exit 0, with a warning ---
wrun 0 soak-run -d "$WWD\\warn" -n 5 --sample-interval 0 --gate-window 2 \
	--warn-gate 'duration_ms:max@last<2s' -- cmd /c "$WWD\\slow.cmd"
assert_json "$WD/warn/summary.json" '.state == "completed" and .iterations == 5 and .exit_code == 0'
assert_json -s "$WD/warn/events.jsonl" '[.[] | select(.event == "gate" and .level == "warn")] | length == 1'
assert_contains "$ERR" "warn gate"
finish
