#!/bin/bash
# Health published during a run: soak-run --every runs soak-canary notify
# --health, which POSTs the soak directory's current health.json (state,
# iterations, passed, failures, last status) to a webhook on loopback; the URL
# is masked, a failing webhook never changes the run. --notify-on/--outcome:
# which outcomes of a run are worth the end-of-run message.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-canary/lib-canary.sh"

start_httpd srv
H=127.0.0.1:$HTTPD_PORT
R=srv/requests.jsonl
export SOAK_NOTIFY_RETRIES=0

# --- a run publishes its health every 500 ms; the webhook sees it running ---
export HEALTH_URL="json://user:hsecret@$H/health"
expect_exit 0 "$SOAK_RUN" -q -d soak -D 2500ms --every 500ms \
	--every-command "\"$CANARY\" notify --health \"\$SOAK_DIR\" --notify \"\$HEALTH_URL\"" -- sleep 0.1
assert_num "$(wc -l <$R)" '>=' 2 "health posts during a 2.5 s run at --every 500ms"
assert_jq_eq -s $R '[.[].path] | unique | join(",")' /health
assert_json -s $R 'all(.body | fromjson | .schema == "1.0" and .state == "running" and .last_status == "pass" and .iterations >= 1 and .passed == .iterations and .failures == 0 and .status == "healthy")'
# what was posted is what soak-run wrote at that moment: the totals grow
assert_json -s $R '(.[-1].body | fromjson | .iterations) > (.[0].body | fromjson | .iterations)'
assert_json -s $R 'all(.body | fromjson | .run_id) and ([.[].body | fromjson | .run_id] | unique | length == 1)'
assert_jq_eq soak/health.json .state completed
# the URL's password is masked in what notify printed (into logs/every.log)
assert_contains soak/logs/every.log "health posted: json://user:****@$H/health (1 attempt)"
assert_not_contains soak/logs/every.log hsecret
# (one still running when the run ended was killed: not a failure of the webhook)
assert_json -s soak/events.jsonl 'all(.event != "every" or .status == "killed")'

# --- the webhook fails: an event per failed post, the run's result is unchanged ---
rm -f $R srv/count
echo '{"default": {"status": 500}}' >srv/script.json
expect_exit 0 "$SOAK_RUN" -q -d soak500 -D 1500ms --every 500ms \
	--every-command "\"$CANARY\" notify --health \"\$SOAK_DIR\" --notify \"\$HEALTH_URL\"" -- sleep 0.1
assert_num "$(wc -l <$R)" '>=' 1 "health posts to a failing webhook"
assert_json -s soak500/events.jsonl 'any(.event == "every" and .status == "fail" and .exit_code == 4)'
assert_not_contains soak500/events.jsonl hsecret
assert_json soak500/summary.json '.state == "completed" and .exit_code == 0 and .every.failures >= 1'
echo '{}' >srv/script.json

# --- --notify-on: the message is sent only for the listed outcomes ---
rm -f $R srv/count
expect_exit 0 "$CANARY" notify --notify "json://$H/end" --message m --notify-on fail,warn --outcome pass
assert_contains "$OUT" "not notified: outcome 'pass' is not in --notify-on 'fail,warn'"
assert_no_file $R
expect_exit 0 "$CANARY" notify --notify "json://$H/end" --message m --type failure \
	--notify-on 'fail, warn' --outcome fail
assert_lines $R 1
assert_jq_eq -s $R '.[0].body | fromjson | .type' failure
expect_exit 0 "$CANARY" notify --notify "json://$H/end" --message m --notify-on cancelled --outcome cancelled
assert_lines $R 2
# from the environment, as the action passes them
SOAK_NOTIFY_ON=pass SOAK_OUTCOME=warn expect_exit 0 "$CANARY" notify --notify "json://$H/end" --message m
assert_lines $R 2
# --health with --notify-on too
expect_exit 0 "$CANARY" notify --notify "json://$H/end" --health soak --notify-on warn --outcome warn
assert_lines $R 3
assert_jq_eq -s $R '.[2].body | fromjson | .state' completed

# --- bad values: exit 2, nothing sent ---
expect_exit 2 "$CANARY" notify --notify "json://$H/end" --message m --notify-on fail,oops --outcome fail
assert_contains "$ERR" "bad --notify-on 'fail,oops': 'oops' is not fail, warn, pass or cancelled"
expect_exit 2 "$CANARY" notify --notify "json://$H/end" --message m --notify-on fail
assert_contains "$ERR" "--notify-on needs --outcome"
expect_exit 2 "$CANARY" notify --notify "json://$H/end" --message m --outcome failed
assert_contains "$ERR" "bad --outcome 'failed' (fail, warn, pass or cancelled)"
assert_lines $R 3

finish
