# health-url and health-interval: soak-run publishes health.json to a webhook
# during the run (its periodic command runs soak-canary notify --health);
# notify-on: which outcomes send the end-of-run message. Inputs stay text.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/action/lib-action.sh"

start_hook_server
WS=$TMP/ws
common=(--input upload=false --input bundle=false --input toolkit-path="$SOAK_BIN")

# --- health every 0.03 minutes (1.8 s) during a run of about 8 s ---
run_action 0 "$SOAK_SRC" "${common[@]}" --input "command=sleep 0.4" --input iterations=20 \
	--input "health-url=json://user:hpass@127.0.0.1:$port/health" --input health-interval=0.03
step_outcome run success
step_outcome notify skipped
assert_num "$(wc -l <hooks.jsonl)" '>=' 2 "health posts during the run"
assert_jq_eq -s hooks.jsonl '[.[].url] | unique | join(" ")' /health
assert_json -s hooks.jsonl 'all(.body | fromjson | .state == "running" and .iterations >= 0 and .failures == 0)'
assert_json -s hooks.jsonl '(.[-1].body | fromjson | .iterations) > (.[0].body | fromjson | .iterations)'
S=$WS/artifacts/soak
assert_jq_eq "$S/run.json" '.config.every.value' 0.03m
# the URL is in the environment, not in the recorded command
assert_not_contains "$S/run.json" hpass
assert_contains "$S/run.json" 'scripts/action-every.sh'
assert_contains "$S/logs/every.log" "health posted: json://user:****@127.0.0.1:$port/health (1 attempt)"
# its output is a file of the artifact: no secret there, not even in an ::add-mask::
assert_not_contains "$S/logs/every.log" hpass
# (a post still under way when the run ended is ended too, and counted)
assert_json "$S/summary.json" '.every.runs >= 2 and .every.failures <= 1'

# --- inputs stay text: a bad interval is refused, a URL with shell syntax is just a bad URL ---
run_action 1 "$SOAK_SRC" "${common[@]}" --input "command=true" --input iterations=1 \
	--input "health-url=json://127.0.0.1:$port/h" --input 'health-interval=1$(touch pwned1)'
assert_jq_eq "$RESULT" '.steps[] | select(.id == "run") | .exit_code' 2
assert_contains "$ERR" "'every'"
run_action 0 "$SOAK_SRC" "${common[@]}" --input "command=sleep 0.3" --input iterations=4 \
	--input 'health-url=json://127.0.0.1/$(touch pwned2)`touch pwned3`"; touch pwned4' --input health-interval=0.01
assert_eq "$(find "$TMP" -name 'pwned*' | wc -l)" 0 "files made by injected commands"
assert_json "$WS/artifacts/soak/summary.json" '.state == "completed" and .exit_code == 0'

# --- notify-on: the default (fail,warn) sends nothing for a PASS ---
: >hooks.jsonl
run_action 0 "$SOAK_SRC" "${common[@]}" --input "command=true" --input iterations=2 \
	--input "notify-urls=json://127.0.0.1:$port/end"
step_outcome notify success
assert_lines hooks.jsonl 0
assert_contains "$OUT" "not notified: outcome 'pass' is not in --notify-on 'fail,warn'"
# ... and sends a FAIL
run_action 1 "$SOAK_SRC" "${common[@]}" --input "command=false" --input iterations=2 \
	--input max-failures=0 --input "notify-urls=json://127.0.0.1:$port/end"
assert_lines hooks.jsonl 1
assert_jq_eq -s hooks.jsonl '.[0].body | fromjson | .type' failure
# notify-on=pass sends a PASS
run_action 0 "$SOAK_SRC" "${common[@]}" --input "command=true" --input iterations=2 \
	--input notify-on=pass --input "notify-urls=json://127.0.0.1:$port/end"
assert_lines hooks.jsonl 2
assert_jq_eq -s hooks.jsonl '.[1].body | fromjson | .type' success
# a FAIL with notify-on=pass: nothing
run_action 1 "$SOAK_SRC" "${common[@]}" --input "command=false" --input iterations=1 \
	--input max-failures=0 --input notify-on=pass --input "notify-urls=json://127.0.0.1:$port/end"
assert_lines hooks.jsonl 2
# a bad notify-on fails the step, naming the word
run_action 1 "$SOAK_SRC" "${common[@]}" --input "command=true" --input iterations=1 \
	--input 'notify-on=fail,sometimes' --input "notify-urls=json://127.0.0.1:$port/end"
step_outcome notify failure
assert_contains "$ERR" "'sometimes' is not fail, warn, pass or cancelled"
assert_lines hooks.jsonl 2

kill -TERM "$hook_pid"
wait "$hook_pid"
finish
