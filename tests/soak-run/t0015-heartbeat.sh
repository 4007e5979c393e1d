# soak-run, point 1: --heartbeat pauses between iterations, and a signal ends the
# pause at once (exit 130/143, summary cancelled).
. "$(dirname "$0")/../lib.sh"

# the gaps (ms) between the end of one iteration and the start of the next
GAPS='def ms: (.[0:19] + "Z" | fromdate) * 1000 + (.[20:23] | tonumber);
	[range(1; length) as $i | (.[$i].start | ms) - (.[$i - 1].end | ms)]'

# --- the pause is there ---
expect_exit 0 "$SOAK_RUN" -q -d hb -n 3 --heartbeat 400ms -- true
assert_lines hb/metrics.jsonl 3
assert_json -s hb/metrics.jsonl "$GAPS | length == 2 and all(. >= 350 and . < 5000)"
# and not there without it
expect_exit 0 "$SOAK_RUN" -q -d nohb -n 3 -- true
assert_json -s nohb/metrics.jsonl "$GAPS | all(. < 1000)"
# no pause after the last iteration
t0=$(now_ms)
expect_exit 0 "$SOAK_RUN" -q -d last -n 1 --heartbeat 10s -- true
assert_num $(($(now_ms) - t0)) '<' 5000 "run time (ms) of one iteration with --heartbeat 10s"

# --- a signal during the pause ends it at once ---
# hb_cancel NAME SIGNAL CODE
hb_cancel()
{
	run_bg "$SOAK_RUN" -q -d "$1" -n 5 --heartbeat 1h --run-id "t15-$1-$$" -- true
	wait_for "[ -s $1/metrics.jsonl ]" 10 "the first iteration of '$1'"
	sleep 0.2
	kill -"$2" "$BG_PID"
	expect_bg_exit "$3" 15
	assert_num "$BG_MS" '<' 2000 "time (ms) from SIG$2 to exit during the heartbeat"
	assert_json "$1/summary.json" ".state == \"cancelled\" and .iterations == 1 and .exit_code == $3"
	assert_lines "$1/metrics.jsonl" 1
	assert_jq_eq -s "$1/events.jsonl" '.[-1].event' end
	no_process_with_env SOAK_RUN_ID "t15-$1-$$"
}
hb_cancel term TERM 143
hb_cancel int INT 130

# --- with --duration the heartbeat does not run past the budget ---
t0=$(now_ms)
expect_exit 0 "$SOAK_RUN" -q -d dur -D 1s --heartbeat 300ms -- true
assert_num $(($(now_ms) - t0)) '<' 4000 "run time (ms) of --duration 1s with --heartbeat 300ms"
assert_num "$(jqv dur/summary.json .iterations)" '>=' 2 "iterations in 1s with a 300ms heartbeat"
assert_num "$(jqv dur/summary.json .iterations)" '<=' 5 "iterations in 1s with a 300ms heartbeat"

finish
