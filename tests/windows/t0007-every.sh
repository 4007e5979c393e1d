# soak-run.exe under Wine: the periodic command (--every) runs through cmd /c
# in a Job Object of its own, sees %SOAK_DIR% and a readable %SOAK_SUMMARY_FILE%;
# one that hangs is ended at --every-timeout with its whole tree, one that
# fails is an event; neither changes the run's result.
. "$(dirname "$0")/lib.sh"

# --- it runs every period, with SOAK_DIR and the summary ---
wrun 0 soak-run -q -d "$WWD\\ok" -D 4s --heartbeat 100ms --every 1s \
	--every-command "echo dir=%SOAK_DIR%>>\"$WWD\\ticks.txt\" & type \"%SOAK_SUMMARY_FILE%\"" -- cmd /c exit 0
assert_file "$WD/ticks.txt"
assert_num "$(wc -l <"$WD/ticks.txt")" '>=' 2 "periodic runs in 4 s at --every 1s"
assert_num "$(grep -c -F "dir=$WWD\\ok " "$WD/ticks.txt")" '==' "$(wc -l <"$WD/ticks.txt")" \
	"runs that saw SOAK_DIR"
# type printed the summary into the log: a whole JSON document of this run, running
assert_contains "$WD/ok/logs/every.log" '"state":	"running"'
assert_match "$WD/ok/logs/every.log" 'every #1 exit code 0 after '
# (one still running when the run ended is ended and counted)
assert_json "$WD/ok/summary.json" '.state == "completed" and .exit_code == 0 and .every.runs >= 2 and .every.failures <= 1'

# --- a hanging one: ended at --every-timeout with its ping, the run unchanged ---
PING_RE='(^|[\\/])ping(\.exe)?"? +-n 4242 127\.0\.0\.1'
wrun 0 soak-run -q -d "$WWD\\hang" -D 3s --heartbeat 100ms --every 1s --every-timeout 500ms \
	--every-command "ping -n 4242 127.0.0.1 >NUL" -- cmd /c exit 0
assert_json "$WD/hang/summary.json" '.state == "completed" and .exit_code == 0 and .failures == 0'
assert_json -s "$WD/hang/events.jsonl" '[.[] | select(.event == "every" and .status == "timeout")] | length >= 1'
left=$(wine_pids "$PING_RE")
if [[ -z $left ]]; then
	pass
else
	fail "ping.exe processes of the periodic command left: $(echo $left)"
	kill -KILL $left 2>/dev/null
fi

# --- a failing one: an event with its exit code, the run unchanged ---
wrun 0 soak-run -q -d "$WWD\\fail" -D 2500ms --heartbeat 100ms --every 1s \
	--every-command "exit 5" -- cmd /c exit 0
assert_json -s "$WD/fail/events.jsonl" 'any(.event == "every" and .status == "fail" and .exit_code == 5)'
assert_json "$WD/fail/summary.json" '.state == "completed" and .exit_code == 0'

# --- a bad value: exit 2 ---
wrun 2 soak-run -q -d "$WWD\\bad" -n 1 --every 1s --every-timeout 5s --every-command "exit 0" -- cmd /c exit 0
assert_contains "$ERR" "for 'every-timeout': more than 0 and at most --every (1s)"

finish
