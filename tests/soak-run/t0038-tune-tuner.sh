# soak-run --tune with a "tuner": an external command, in a process tree of its own,
# reads the recent metrics on stdin and prints the changes it proposes; the guards
# judge them as they judge a rule's. Its failure, timeout or bad output is logged (an
# event, and a tuning line with source "tuner" and decision noop) and never stops the run.
. "$(dirname "$0")/../lib.sh"

SUT=$SOAK_HELPERS/tune_sut
# the tuner: raise spread by 1 while the last iteration's risk is above 0.45; it keeps
# a copy of its input and can be told to misbehave at one iteration
cat >tuner.sh <<'SH'
#!/bin/sh
in=$(cat)
printf '%s\n' "$in" >"input-$(printf '%s' "$in" | jq .iteration)"
it=$(printf '%s' "$in" | jq .iteration)
case "$MODE:$it" in
fail:3) echo "tuner: no luck" >&2; exit 3 ;;
garbage:3) echo "hello" ; exit 0 ;;
unknown:3) echo '{"changes": {"speed": "+1"}}' ; exit 0 ;;
slow:3) echo $$ >slow.pid; exec sleep 30 ;;
esac
echo "tuner: thinking" >&2
printf '%s' "$in" | jq -c 'if .metrics[-1].kpi.risk > 0.45 then {changes: {spread: "+1"}} else {changes: {}} end'
SH
chmod +x tuner.sh
tune()
{
	printf '{"window": 3, "parameters": [{"name": "spread", "initial": 1, "min": 0, "max": 10, "max_step": 2, "applied_kpi": "spread_used"}],
	  "tuner": {"command": ["%s"], "timeout": "%s"}, "guards": {"cooldown": 1}}\n' "$TMP/tuner.sh" "$2" >"$1"
}

tune t.json 60s
expect_exit 0 "$SOAK_RUN" -q -d t -n 12 --tune t.json --env MODE=ok -- "$SUT" --noise 0
# spread 1 -> 2 -> (cooldown) -> 3 ... until risk is at most 0.45 (spread 6 at 0.4)
assert_json t/tuning.jsonl '.source == "tuner" and .rule == null'
assert_json -s t/tuning.jsonl 'map(.decision) == ["applied", "blocked", "applied", "blocked", "applied", "blocked", "applied", "blocked", "applied", "noop", "noop", "noop"]'
assert_json t/summary.json '.tune.values.spread == 6 and .tune.guards.cooldown == 4'
# the input: the step's iteration, the parameters with their values and the last 3 records
assert_json input-1 '.iteration == 1 and .window == 3 and (.metrics | length) == 1 and .values == {"spread": 1}'
assert_json input-5 '.iteration == 5 and (.metrics | map(.iteration)) == [3, 4, 5] and .values == {"spread": 3}'
assert_json input-5 '.parameters == [{"name": "spread", "type": "float", "value": 3, "min": 0, "max": 10}]'
assert_json input-5 '.metrics[-1].kpi.spread_used == 3 and .run_id != null'
assert_file t/tuner-input.json

# --- failures: an exit code, output that is not JSON, an unknown parameter, a timeout ---
for mode in fail garbage unknown slow; do
	rm -f input-*
	# (a generous timeout: a loaded machine must not time out the tuners that answer)
	tune "$mode.json" "$([[ $mode == slow ]] && echo 5s || echo 60s)"
	expect_exit 0 "$SOAK_RUN" -q -d "$mode" -n 5 --tune "$mode.json" --env MODE=$mode -- "$SUT" --noise 0
	assert_json "$mode/tuning.jsonl" 'select(.iteration == 3) | .source == "tuner" and .decision == "noop" and .changes == [] and .error != null'
	assert_json "$mode/tuning.jsonl" 'select(.iteration != 3) | has("error") | not'
	assert_json -s "$mode/events.jsonl" 'map(select(.event == "tuner")) | length == 1 and .[0].iteration == 3'
	assert_json "$mode/summary.json" '.state == "completed" and .iterations == 5 and .tune.steps == 5'
done
assert_json fail/tuning.jsonl 'select(.iteration == 3) | .error == "exit code 3"'
assert_json garbage/tuning.jsonl 'select(.iteration == 3) | .error | startswith("its output is not JSON")'
assert_json unknown/tuning.jsonl "select(.iteration == 3) | .error == \"it proposed a change to 'speed', which is not a parameter\""
assert_json slow/tuning.jsonl 'select(.iteration == 3) | .error == "timed out after 5s (tuner timeout)"'
assert_json -s slow/events.jsonl 'map(select(.event == "tuner"))[0].message == "tuner command: timed out after 5s (tuner timeout); no change this step"'
# the slow tuner's tree was ended
assert_pid_gone "$(cat slow.pid)"
# a tuner that cannot start
printf '{"parameters": [{"name": "spread", "initial": 1, "min": 0, "max": 10}], "tuner": {"command": ["./no-such-tuner"]}}\n' >n.json
expect_exit 0 "$SOAK_RUN" -q -d n -n 2 --tune n.json -- "$SUT"
assert_json n/tuning.jsonl '.decision == "noop" and (.error | contains("no-such-tuner"))'

finish
