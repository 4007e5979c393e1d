# soak-report --notify (issue 6 point 5): a message about the verdict (verdict,
# run id, pass rate, iterations, failed gates) to the recording server
# (tests/soak-canary/httpd.py) when --notify-on names the verdict (default
# fail,warn); a failed notification is a warning that leaves the exit code alone
# unless --notify-required (exit 4); the secrets never show.
. "$SOAK_SRC/tests/lib.sh"
# lib-canary.sh for the recording server (start_httpd, free_port); lib-report.sh
# after it, for its gen_metrics
. "$SOAK_SRC/tests/soak-canary/lib-canary.sh"
. "$SOAK_SRC/tests/soak-report/lib-report.sh"

start_httpd srv
H=127.0.0.1:$HTTPD_PORT
PW=s3cretPW4report
URL="json://user:$PW@$H/hook"
SHOWN="json://user:****@$H/hook"
R=srv/requests.jsonl

reset()
{
	rm -f $R srv/count
	if (($#)); then
		echo "$1" >srv/script.json
	else
		echo '{}' >srv/script.json
	fi
}

# body FIELD: the field of the first request's JSON body
body()
{
	jqv -s $R ".[0].body | fromjson | .$1"
}

# soak DIR N FAILS: a soak directory of run "run-DIR", completed
soak()
{
	gen_metrics "$1" "$2" "$3"
	printf '{"schema":"1.0","run_id":"run-%s"}\n' "$1" >"$1/run.json"
	printf '{"schema":"1.0","run_id":"run-%s","state":"completed"}\n' "$1" >"$1/summary.json"
}
soak ok 10 ""
soak bad 8 3,6

# --- PASS: nothing is sent by default ---
reset
expect_exit 0 "$REPORT" -d ok --notify "$URL"
assert_no_file $R
assert_not_contains "$OUT" notified
assert_eq "$(cat "$ERR")" "" "stderr"

# --- FAIL: one message with the verdict, run, iterations, pass rate, failed gates ---
reset
expect_exit 1 "$REPORT" -d bad --notify "$URL" -g 'pass_rate>=0.99' -g 'iterations>=5' -w 'duration_ms:p(95)<100'
assert_lines $R 1
assert_jq_eq -s $R '.[0].method + " " + .[0].path' "POST /hook"
assert_jq_eq -s $R '.[0].headers.authorization' "Basic $(printf 'user:%s' "$PW" | base64)"
assert_eq "$(body version)|$(body type)|$(body title)" "1.0|failure|soak-report: FAIL (run run-bad)" "version, type, title"
assert_eq "$(body message)" "FAIL: gate 'pass_rate>=0.99' failed: value 75.00%
run run-bad, bad, completed
iterations 8: 6 pass, 2 fail, 0 timeout, 0 error, 0 skipped
pass rate 75.00% (95% CI 40.93% - 92.85%)
failed gates:
- pass_rate>=0.99: 75.00% (threshold >= 99.00%, hard)
- duration_ms:p(95)<100: 765ms (threshold < 100ms, soft)
reports bad/reports" "message"
assert_contains "$OUT" "notified: $SHOWN (1 attempt)"
# the summary comes first, the notification after the reports were written
assert_eq "$(head -n 1 "$OUT")" "soak-report: FAIL: gate 'pass_rate>=0.99' failed: value 75.00%" "first line"
assert_num "$(jqv -s $R '.[0].t')" '>=' "$(date -r bad/reports/POST_SOAK_SNAPSHOT.json +%s.%N)" "request after the snapshot"
for f in "$OUT" "$ERR" bad/reports/*; do
	assert_not_contains "$f" "$PW"
done

# --- WARN: a warning message, exit 0 ---
reset
expect_exit 0 "$REPORT" -d bad --notify "$URL" -w 'pass_rate>=0.99'
assert_lines $R 1
assert_eq "$(body type)|$(body title)" "warning|soak-report: WARN (run run-bad)" "type, title"
assert_jq_eq -s $R '.[0].body | fromjson | .message | split("\n") | .[5]' "- pass_rate>=0.99: 75.00% (threshold >= 99.00%, soft)"
# --strict: the verdict's exit code, notified all the same
reset
expect_exit 1 "$REPORT" -d bad --notify "$URL" -w 'pass_rate>=0.99' --strict
assert_lines $R 1

# --- --notify-on ---
reset
expect_exit 0 "$REPORT" -d ok --notify "$URL" --notify-on pass
assert_lines $R 1
assert_eq "$(body type)|$(body title)" "success|soak-report: PASS (run run-ok)" "type, title"
assert_jq_eq -s $R '.[0].body | fromjson | .message | split("\n") | map(select(startswith("failed gates"))) | length' 0
reset
expect_exit 0 "$REPORT" -d bad --notify "$URL" --notify-on fail -w 'pass_rate>=0.99'
assert_no_file $R
expect_exit 0 "$REPORT" -d ok --notify "$URL" --notify-on always
assert_lines $R 1

# --- a failing server: a warning, the exit code unchanged; --notify-required: exit 4 ---
reset '{"default": {"status": 500}}'
expect_exit 1 "$REPORT" -d bad --notify "$URL" -g 'pass_rate>=0.99' --notify-retries 1 --notify-backoff 10ms
assert_lines $R 2
assert_contains "$ERR" "soak-report: warning: notification to '$SHOWN' failed after 2 attempts: POST 'http://$H/hook': HTTP status 500"
assert_file bad/reports/POST_SOAK_SNAPSHOT.json
reset '{"default": {"status": 500}}'
expect_exit 0 "$REPORT" -d bad --notify "$URL" -w 'pass_rate>=0.99' --notify-retries 0
assert_contains "$ERR" "soak-report: warning: notification to '$SHOWN' failed after 1 attempt"
expect_exit 4 "$REPORT" -d bad --notify "$URL" -w 'pass_rate>=0.99' --notify-retries 0 --notify-required
assert_contains "$ERR" "soak-report: notification to '$SHOWN' failed after 1 attempt"
assert_not_contains "$ERR" "warning:"
expect_exit 4 "$REPORT" -d bad --notify "$URL" -g 'pass_rate>=0.99' --notify-retries 0 --notify-required
for f in "$OUT" "$ERR"; do
	assert_not_contains "$f" "$PW"
done
# a refused connection
reset
REFUSED=$(free_port)
expect_exit 1 "$REPORT" -d bad --notify "json://user:$PW@127.0.0.1:$REFUSED/x" -g 'pass_rate>=0.99' --notify-retries 1 --notify-backoff 10ms
assert_contains "$ERR" "soak-report: warning: notification to 'json://user:****@127.0.0.1:$REFUSED/x' failed after 2 attempts"
assert_not_contains "$ERR" "$PW"
expect_exit 4 env SOAK_NOTIFY_REQUIRED=true "$REPORT" -d bad --notify "json://127.0.0.1:$REFUSED/x" -g 'pass_rate>=0.99' --notify-retries 0
# required, and sent: the verdict's exit code
reset
expect_exit 1 "$REPORT" -d bad --notify "$URL" -g 'pass_rate>=0.99' --notify-required
assert_lines $R 1
# one target failing, the next still gets the message
reset '{"responses": [{"status": 400}]}'
expect_exit 1 "$REPORT" -d bad --notify "json://$H/first" --notify "$URL" -g 'pass_rate>=0.99'
assert_jq_eq -s $R '[.[] | .path] | join(",")' "/first,/hook"
assert_contains "$ERR" "notification to 'json://$H/first' failed after 1 attempt"
assert_contains "$OUT" "notified: $SHOWN (1 attempt)"

# --- bounded time: a server asking to come back in 30 s ---
reset '{"default": {"status": 503, "headers": {"Retry-After": "30"}}}'
T0=$(now_ms)
expect_exit 1 "$REPORT" -d bad --notify "$URL" -g 'pass_rate>=0.99' --notify-timeout 1s --notify-retries 2
assert_num $(($(now_ms) - T0)) '<' 6000 "time (ms) when asked to wait 30 s"
assert_contains "$ERR" "failed after 1 attempt: POST 'http://$H/hook': HTTP status 503"

# --- many failed gates: six listed, the rest counted ---
reset
G=()
for i in 1 2 3 4 5 6 7 8; do
	G+=(-g "iterations>=$((100 + i))")
done
expect_exit 1 "$REPORT" -d bad --notify "$URL" "${G[@]}" -f none
assert_jq_eq -s $R '.[0].body | fromjson | .message | split("\n") | map(select(startswith("- iterations"))) | length' 6
assert_jq_eq -s $R '.[0].body | fromjson | .message | split("\n") | .[-2]' "- ... 2 more in POST_SOAK_AUDIT.md"

# --- shards: no single run id ---
reset
expect_exit 1 "$REPORT" -d ok -d bad --notify "$URL" -g 'pass_rate>=0.99' -f none
assert_eq "$(body title)" "soak-report: FAIL" "title"
assert_jq_eq -s $R '.[0].body | fromjson | .message | split("\n") | .[1]' "2 shards: ok, bad"

# --- SOAK_NOTIFY, SOAK_NOTIFY_ON, and the config file's "report" section ---
reset
expect_exit 0 env SOAK_NOTIFY="$URL
json://$H/second" SOAK_NOTIFY_ON=always "$REPORT" -d ok -q
assert_jq_eq -s $R '[.[] | .path] | join(",")' "/hook,/second"
assert_eq "$(cat "$OUT")" "" "stdout with -q"
reset
printf '{"report": {"notify": ["%s"], "notify-on": "pass", "notify-retries": 0}}\n' "$URL" >soak.json
expect_exit 0 "$REPORT" -d ok --config soak.json
assert_lines $R 1
# a flag wins over the file
reset
expect_exit 0 "$REPORT" -d ok --config soak.json --notify-on fail
assert_no_file $R

# --- Slack: the title leads the text ---
reset
expect_exit 1 "$REPORT" -d bad --notify slack://TA/TB/TC --slack-api "http://$H/slack" -g 'pass_rate>=0.99' -f none
assert_jq_eq -s $R '.[0].path' /slack/services/TA/TB/TC
assert_jq_eq -s $R '.[0].body | fromjson | .text | split("\n") | .[0:2] | join("|")' \
	"*[FAILURE] soak-report: FAIL (run run-bad)*|FAIL: gate 'pass_rate>=0.99' failed: value 75.00%"
assert_contains "$OUT" "notified: slack://****/****/**** (1 attempt)"

# --- under GitHub Actions: ::add-mask:: before anything else; the token nowhere else ---
reset
TOKEN=123456:AAFsecretTOKENreport
: >gh_out
: >gh_summary
expect_exit 1 env GITHUB_ACTIONS=true GITHUB_OUTPUT="$TMP/gh_out" GITHUB_STEP_SUMMARY="$TMP/gh_summary" \
	"$REPORT" -d bad -o gha-reports --notify "tgram://$TOKEN/-100" --telegram-api "http://$H/tg" -g 'pass_rate>=0.99'
assert_eq "$(head -n 1 "$OUT")" "::add-mask::$TOKEN" "first line of stdout"
assert_eq "$(grep -c "$TOKEN" "$OUT")" 1 "the token only in ::add-mask::"
assert_contains "$OUT" "notified: tgram://****/-100 (1 attempt)"
assert_jq_eq -s $R '.[0].path' "/tg/bot$TOKEN/sendMessage"
for f in "$ERR" gh_out gh_summary gha-reports/*; do
	assert_not_contains "$f" "$TOKEN"
done

# --- bad settings: refused before any report is written ---
reset
expect_exit 2 "$REPORT" -d ok -o bad1 --notify "$URL" --notify-on fail,abort
assert_contains "$ERR" "invalid value 'fail,abort' for 'notify-on' (from --notify-on): unknown outcome 'abort' (a comma-separated list of pass, warn, fail, always)"
assert_no_file bad1
expect_exit 2 "$REPORT" -d ok -o bad2 --notify "tgram://nocolon/5"
assert_contains "$ERR" "expected tgram://BOT_TOKEN/CHAT_ID"
assert_not_contains "$ERR" nocolon
assert_no_file bad2
printf '{"report": {"notify-on": "sometimes"}}\n' >bad.json
expect_exit 2 "$REPORT" -d ok -o bad3 --config bad.json
assert_contains "$ERR" "(from config 'bad.json'): unknown outcome 'sometimes'"
assert_no_file $R

finish
