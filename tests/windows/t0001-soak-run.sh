# soak-run.exe under Wine: a timeout kills the command's whole tree (cmd and its
# ping), pass and fail are recorded with the exit code, KPIs come through
# %SOAK_KPI_FILE%, --resume continues the same run; soak directories given as
# Windows paths (drive letter, backslashes, a space, non-ASCII names).
. "$(dirname "$0")/lib.sh"

# --- timeouts: 3 iterations of a 30 s ping, each killed after 2 s ---
# Wine processes are Linux processes; a Windows program's /proc cmdline is its
# Windows command line ("ping -n 30 127.0.0.1", or "...\ping.exe ..." when named so).
PING_RE='(^|[\\/])ping(\.exe)?"? +-n 30 127\.0\.0\.1'
mapfile -t ping_before < <(wine_pids "$PING_RE")
run_bg "$W" "$SOAK_BIN/soak-run.exe" -q -d "$WWD\\t" --iterations 3 --timeout 2s --heartbeat 0 \
	-- cmd /c "ping -n 30 127.0.0.1 >NUL"
# the ping runs (so the check below could see one left)
wait_for '[[ -n $(comm -13 <(printf "%s\n" "${ping_before[@]}" | sort) <(wine_pids "$PING_RE" | sort)) ]]' 15 \
	"a ping.exe started by the first iteration"
expect_bg_exit 1 40
strip_wine "$ERR"
assert_num "$BG_MS" '<' 20000 "run time (ms) of 3 iterations with --timeout 2s"
M=$WD/t/metrics.jsonl
assert_lines "$M" 3
assert_json -s "$M" 'map(.iteration) == [1, 2, 3]'
assert_json "$M" '.status == "timeout" and .timed_out == true and .exit_code == null'
assert_json "$M" '.duration_ms >= 1900 and .duration_ms < 6000'
assert_json "$M" '.reason | test("timed out after 2s")'
assert_json "$WD/t/summary.json" '.iterations == 3 and .timed_out == 3 and .failed == 0 and .failures == 3 and .passed == 0'
assert_json "$WD/t/summary.json" '.pass_rate == 0 and .consecutive_failures == 3 and .state == "completed" and .exit_code == 1'
assert_json -s "$WD/t/events.jsonl" '[.[] | select(.event == "timeout") | .iteration] == [1, 2, 3]'
mapfile -t ping_after < <(wine_pids "$PING_RE")
left=$(comm -13 <(printf '%s\n' "${ping_before[@]}" | sort) <(printf '%s\n' "${ping_after[@]}" | sort) | grep .)
if [[ -z $left ]]; then
	pass
else
	fail "ping.exe processes left after the timeouts: $(echo $left)"
	kill -KILL $left 2>/dev/null
fi
assert_contains "$ERR" "iteration 3 timeout"

# --- pass: exit 0, status pass ---
wrun 0 soak-run -q -d "$WWD\\pass" -n 2 -- cmd /c "echo ok"
M=$WD/pass/metrics.jsonl
assert_lines "$M" 2
assert_json "$M" '.status == "pass" and .exit_code == 0 and .timed_out == false'
assert_json "$WD/pass/summary.json" '.iterations == 2 and .passed == 2 and .failed == 0 and .pass_rate == 1 and .exit_code == 0'
assert_json "$M" '.log == "logs/iter-\(.iteration | tostring | ("000000" + .)[-6:]).log"'
assert_match "$WD/pass/logs/iter-000002.log" '^ok'

# --- fail: cmd /c exit 3 is a failure with exit_code 3; soak-run exits 1 ---
wrun 1 soak-run -q -d "$WWD\\fail" -n 1 -- cmd /c exit 3
M=$WD/fail/metrics.jsonl
assert_lines "$M" 1
assert_json "$M" '.status == "fail" and .exit_code == 3 and .timed_out == false'
assert_json "$WD/fail/summary.json" '.iterations == 1 and .failed == 1 and .passed == 0 and .exit_code == 1'
# within --max-failures it is exit 0
wrun 0 soak-run -q -d "$WWD\\budget" -n 2 --max-failures 2 -- cmd /c exit 3
assert_json "$WD/budget/metrics.jsonl" '.status == "fail" and .exit_code == 3'

# --- KPIs through %SOAK_KPI_FILE%, from a .cmd file (CRLF lines) ---
printf '@echo off\r\necho {"latency_ms": 12.5, "requests": 40}>"%%SOAK_KPI_FILE%%"\r\necho it=%%SOAK_ITERATION%%\r\n' >"$WD/kpi.cmd"
wrun 0 soak-run -q -d "$WWD\\kpi" -n 2 -- cmd /c "$WWD\\kpi.cmd"
M=$WD/kpi/metrics.jsonl
assert_lines "$M" 2
assert_json "$M" '.status == "pass" and .kpi == {"latency_ms": 12.5, "requests": 40}'
assert_json "$M" 'has("warnings") | not'
assert_match "$WD/kpi/logs/iter-000002.log" '^it=2'

# --- the bundled example workload, as soak-windows.yml runs it: every invocation
# counts itself in the state file, which replaces the last one (the C library's
# rename() refuses an existing target on Windows: every iteration after the first
# once failed with "File exists") ---
wrun 0 soak-run -q -d "$WWD\\leaky" -n 4 --command "\"$(winpath "$SOAK_BIN/soak-example-leaky.exe")\" --leak-kb 16 --work-ms 10"
M=$WD/leaky/metrics.jsonl
assert_lines "$M" 4
assert_json -s "$M" 'map(.status) == ["pass", "pass", "pass", "pass"]'
assert_json -s "$M" 'map(.kpi.heap_kb) == [16, 32, 48, 64]'
assert_eq "$(tr -d '\r\n' <"$WD/leaky/leaky.state")" 4 "leaky.state after 4 invocations"
assert_contains "$WD/leaky/logs/iter-000004.log" "leaky: invocation 4,"

# --- --resume: 2 iterations, then continued to 4, one run id ---
wrun 0 soak-run -q -d "$WWD\\res" --iterations 2 -- cmd /c "echo %SOAK_RUN_ID% %SOAK_ITERATION%"
M=$WD/res/metrics.jsonl
assert_lines "$M" 2
id=$(jqv "$WD/res/run.json" .run_id)
[[ $id =~ ^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}$ ]] && pass || fail "run id '$id'"
# without --resume the directory is refused
wrun 2 soak-run -q -d "$WWD\\res" --iterations 4 -- cmd /c "echo %SOAK_RUN_ID% %SOAK_ITERATION%"
assert_lines "$M" 2
wrun 0 soak-run -q -d "$WWD\\res" --resume --iterations 4 -- cmd /c "echo %SOAK_RUN_ID% %SOAK_ITERATION%"
assert_lines "$M" 4
assert_json -s "$M" 'map(.iteration) == [1, 2, 3, 4]'
assert_json -s "$M" "all(.run_id == \"$id\" and .status == \"pass\")"
assert_json "$WD/res/summary.json" ".run_id == \"$id\" and .iterations == 4 and .passed == 4"
assert_json "$WD/res/run.json" '.resumed | length == 1'
assert_match "$WD/res/logs/iter-000004.log" "^$id 4"

# --- a relative soak directory under a non-ASCII current directory ---
cd "$UD" || exit 1
wrun 0 soak-run -q -d 'rel\x' -n 1 -- cmd /c "echo ok"
cd "$TMP" || exit 1
assert_json "$UD/rel/x/metrics.jsonl" '.status == "pass"'
assert_jq_eq "$UD/rel/x/run.json" .cwd "$WUD"

# --- a non-ASCII soak directory given as an absolute path ---
# (main() once took the ANSI argv, code page 1252 under Wine: é became byte 0xE9 and
# 文件 '??', which the UTF-8 core refused: exit 4, "Invalid or incomplete multibyte
# or wide character".)
wrun 0 soak-run -q -d "$WUD\\abs" -n 1 -- cmd /c "echo ok"
assert_json "$UD/abs/metrics.jsonl" '.status == "pass"'
assert_jq_eq "$UD/abs/run.json" .config.dir.value "$WUD\\abs"

finish
