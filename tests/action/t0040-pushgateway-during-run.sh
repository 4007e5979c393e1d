# pushgateway-url during the run: soak-run's periodic command (scripts/action-every.sh)
# pushes the metrics so far every health-interval minutes, also without health-url;
# the report step's push at the end replaces them. A loopback receiver records every
# request: several PUTs to the job's path arrive while iterations are still to come,
# with the Pushgateway text format and growing counts. The health post and the push
# run each time, and one failing does not stop the other.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/action/lib-action.sh"

start_hook_server
WS=$TMP/ws
S=$WS/artifacts/soak
common=(--input upload=false --input bundle=false --input toolkit-path="$SOAK_BIN")
# the pass count in a pushed body
passes='.body | capture("soak_iterations\\{status=\"pass\"\\} (?<n>[0-9]+)").n | tonumber'

# --- pushgateway-url alone, every 0.03 minutes (1.8 s), a run of about 8 s ---
run_action 0 "$SOAK_SRC" "${common[@]}" --input "command=sleep 0.4" --input iterations=20 \
	--input "pushgateway-url=http://user:ppass@127.0.0.1:$port/" --input health-interval=0.03
step_outcome run success
step_outcome report success
assert_jq_eq "$S/run.json" '.config.every.value' 0.03m
# every request is a push of the job soak (no health post: health-url is not set)
assert_jq_eq -s hooks.jsonl '[.[] | "\(.method) \(.url)"] | unique | join(",")' 'PUT /metrics/job/soak'
assert_json -s hooks.jsonl 'all(.body | test("(?m)^# TYPE soak_pass_rate gauge$") and test("(?m)^soak_iterations\\{status=\"fail\"\\} 0$"))'
# the last is the report step's, over all 20 iterations; the ones before it came
# during the run: at least two, each with fewer, never going back
assert_jq_eq -s hooks.jsonl ".[-1] | $passes" 20
assert_num "$(jq -s "[.[:-1][] | select(($passes) < 20)] | length" hooks.jsonl)" '>=' 2 "pushes during the run"
assert_json -s hooks.jsonl "[.[] | $passes] as \$n | [range(1; \$n | length)] | all(\$n[.] >= \$n[. - 1])"
assert_json -s hooks.jsonl 'all(.body | test("soak_iteration_duration_seconds_count [0-9]+"))'
assert_contains "$S/logs/every.log" "soak-action: metrics pushed to pushgateway-url, job soak"
assert_json "$S/summary.json" '.state == "completed" and .exit_code == 0 and .every.runs >= 2'
# the URL is in the environment, not in the recorded command nor in the log
assert_not_contains "$S/run.json" ppass
assert_contains "$S/run.json" 'action-every.sh'
assert_not_contains "$S/logs/every.log" ppass

# --- a health post that fails does not stop the push ---
: >hooks.jsonl
run_action 0 "$SOAK_SRC" "${common[@]}" --input "command=sleep 0.4" --input iterations=20 \
	--input "health-url=json://127.0.0.1:9/health" \
	--input "pushgateway-url=http://127.0.0.1:$port" --input health-interval=0.03
step_outcome run success
assert_num "$(jq -s "[.[] | select(.url == \"/metrics/job/soak\") | select(($passes) < 20)] | length" hooks.jsonl)" '>=' 2 \
	"pushes during the run after failed health posts"
assert_json "$S/summary.json" '.state == "completed" and .exit_code == 0 and .every.failures >= 2'
assert_contains "$S/logs/every.log" "soak-action: metrics pushed to pushgateway-url, job soak"
assert_json -s "$S/events.jsonl" '[.[] | select(.event == "every")] | map(select(.status == "fail") | .exit_code) | length >= 2 and all(. == 4)'

# --- a push that fails does not stop the health post (the report step's push at the
# end fails too: that step fails, the run does not). soak-report tries a push three
# times, longer than this interval: the periodic command is ended at its timeout ---
: >hooks.jsonl
run_action 1 "$SOAK_SRC" "${common[@]}" --input "command=sleep 0.4" --input iterations=20 \
	--input "health-url=json://127.0.0.1:$port/health" \
	--input "pushgateway-url=http://127.0.0.1:9/" --input health-interval=0.03
step_outcome run success
step_outcome report failure
assert_num "$(grep -c '"url":"/health"' hooks.jsonl)" '>=' 2 "health posts during the run after failed pushes"
assert_json "$S/summary.json" '.state == "completed" and .exit_code == 0 and .every.failures >= 1'
assert_not_contains "$S/logs/every.log" "metrics pushed"
assert_eq "$(grep -c '"method":"PUT"' hooks.jsonl)" 0 "pushes received"

# --- neither URL: no periodic command ---
run_action 0 "$SOAK_SRC" "${common[@]}" --input "command=true" --input iterations=2
assert_json "$S/run.json" '.config.every == {"value": "0", "source": "default"}'
assert_json "$S/summary.json" '.every == null'
assert_no_file "$S/logs/every.log"

kill -TERM "$hook_pid"
wait "$hook_pid"
finish
