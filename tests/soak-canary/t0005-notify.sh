#!/bin/bash
# soak-canary notify against the recording server: the generic webhook (json://),
# Slack, Discord and Telegram bodies with their API bases on loopback; retries on
# 429 (Retry-After, Telegram's retry_after) and 500, no retry on 400; timeouts;
# length limits; secrets (also a generic webhook's path and query tokens) masked in every output and sent to ::add-mask::;
# --health; a failed notification of judge changes nothing unless required.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-canary/lib-canary.sh"

start_httpd srv
H=127.0.0.1:$HTTPD_PORT
API=(--telegram-api "http://$H/tg" --slack-api "http://$H/slack" --discord-api "http://$H/dc")
TOKEN=123456:AAFsecretTOKENvalue
R=srv/requests.jsonl

# generic webhook with basic authentication; the password never shows
expect_exit 0 "$CANARY" notify --notify "json://user:s3cretpw@$H/hook?x=1" --title T --message 'hello "world"' --type failure
assert_contains "$OUT" "notified: json://user:****@$H/hook?x=1 (1 attempt)"
assert_jq_eq -s $R '.[0].path' "/hook?x=1"
assert_jq_eq -s $R '.[0].body | fromjson | "\(.version)|\(.title)|\(.message)|\(.type)"' '1.0|T|hello "world"|failure'
assert_jq_eq -s $R '.[0].headers.authorization' "Basic $(printf 'user:s3cretpw' | base64)"
assert_jq_eq -s $R '.[0].headers["content-type"]' application/json

# a token in a generic webhook's path and query: sent, never shown, masked for Actions
rm -f $R srv/count
HOOK=0123456789abcdefHOOK
expect_exit 0 env GITHUB_ACTIONS=true "$CANARY" notify --notify "json://$H/hook/$HOOK?token=QUERYsecret123456&x=1" --message m
assert_contains "$OUT" "::add-mask::$HOOK"
assert_contains "$OUT" "::add-mask::QUERYsecret123456"
assert_contains "$OUT" "notified: json://$H/hook/****?token=****&x=1 (1 attempt)"
assert_eq "$(grep -c "$HOOK" "$OUT")" 1 "the path token only in ::add-mask::"
assert_jq_eq -s $R '.[0].path' "/hook/$HOOK?token=QUERYsecret123456&x=1"

# Telegram: two chats, the token in the path only; masked in output and for Actions
rm -f $R srv/count
: >gh_out
expect_exit 0 env GITHUB_ACTIONS=true GITHUB_OUTPUT=$TMP/gh_out "$CANARY" notify "${API[@]}" \
	--notify "tgram://$TOKEN/1001/-1002" --message "deploy ok" --title Soak
assert_contains "$OUT" "::add-mask::$TOKEN"
assert_contains "$OUT" "notified: tgram://****/1001/-1002 (2 attempts)"
assert_eq "$(grep -c "$TOKEN" "$OUT")" 1 "the token only in ::add-mask::"
assert_not_contains "$ERR" "$TOKEN"
assert_jq_eq -s $R '[.[] | .path] | join(",")' "/tg/bot$TOKEN/sendMessage,/tg/bot$TOKEN/sendMessage"
assert_jq_eq -s $R '[.[] | .body | fromjson | .chat_id] | join(",")' "1001,-1002"
assert_jq_eq -s $R '.[0].body | fromjson | .text' "Soak
deploy ok"

# Telegram 429 with parameters.retry_after: waits that long (1 s), then succeeds
rm -f $R srv/count
echo '{"responses": [{"status": 429, "body": "{\"ok\":false,\"error_code\":429,\"description\":\"Too Many Requests: retry after 1\",\"parameters\":{\"retry_after\":1}}"}]}' >srv/script.json
expect_exit 0 "$CANARY" notify "${API[@]}" --notify "tgram://$TOKEN/7" --message m --notify-backoff 10ms
assert_contains "$OUT" "(2 attempts)"
assert_json -s $R '(.[1].t - .[0].t) >= 0.9'

# Slack: 429 with Retry-After, then 500, then success; the tokens are secrets
rm -f $R srv/count
echo '{"responses": [{"status": 429, "headers": {"Retry-After": "1"}}, {"status": 500}]}' >srv/script.json
expect_exit 0 "$CANARY" notify "${API[@]}" --notify slack://TA/TB/TC --message "*hi*" --type warning --notify-backoff 10ms
assert_contains "$OUT" "notified: slack://****/****/**** (3 attempts)"
assert_jq_eq -s $R '[.[] | .path] | unique | join(",")' "/slack/services/TA/TB/TC"
assert_jq_eq -s $R '.[2].body | fromjson | .text' "*[WARNING] soak-canary*
*hi*"
assert_json -s $R '(.[1].t - .[0].t) >= 0.9'

# Discord: a 400 is final (one attempt), exit 4; the token is not printed
rm -f $R srv/count
echo '{"responses": [{"status": 400, "body": "bad"}]}' >srv/script.json
expect_exit 4 "$CANARY" notify "${API[@]}" --notify discord://42/dtoken --message m
assert_contains "$ERR" "notification to 'discord://42/****' failed after 1 attempt: POST 'http://$H/dc/api/webhooks/42/****': HTTP status 400"
assert_not_contains "$ERR" dtoken
assert_lines $R 1
# 500 every time: the retries are bounded
rm -f $R srv/count
echo '{"default": {"status": 500}}' >srv/script.json
expect_exit 4 "$CANARY" notify "${API[@]}" --notify discord://42/dtoken --message m --notify-retries 2 --notify-backoff 10ms
assert_lines $R 3
assert_contains "$ERR" "failed after 3 attempts"

# length limits: Discord 2000 characters (multi-byte text cut on a boundary)
rm -f $R srv/count
echo '{}' >srv/script.json
LONG=$(python3 -c 'print("é" * 2500)')
expect_exit 0 "$CANARY" notify "${API[@]}" --notify discord://42/dtoken --title "" --message "$LONG"
assert_contains "$OUT" "message shortened"
assert_jq_eq -s $R '.[0].body | fromjson | .content | length' 2000
assert_jq_eq -s $R '.[0].body | fromjson | .content | .[-1:]' "…"

# a slow server: the timeout ends the attempt
rm -f $R srv/count
echo '{"default": {"status": 200, "delay": 3}}' >srv/script.json
expect_exit 4 "$CANARY" notify --notify "json://$H/slow" --message m --notify-timeout 300ms --notify-retries 0
assert_contains "$ERR" "notification to 'json://$H/slow' failed after 1 attempt"

# --health posts health.json as is
rm -f $R srv/count
echo '{}' >srv/script.json
mkdir soak
echo '{"schema":"1.0","status":"healthy","success_rate":0.98}' >soak/health.json
expect_exit 0 "$CANARY" notify --notify "http://$H/health" --health soak
assert_jq_eq -s $R '.[0].body | fromjson | .status' healthy
expect_exit 2 "$CANARY" notify "${API[@]}" --notify discord://1/x --health soak/health.json

# judge: a failing notification is a warning, unless --notify-required
gen_metrics base duration_ms=1,2,3,4,5
gen_metrics can duration_ms=1,2,3,4,5
echo '{"default": {"status": 503}}' >srv/script.json
expect_exit 0 "$CANARY" judge --baseline base --canary can -j duration_ms --report-dir rep \
	--notify "tgram://$TOKEN/5" "${API[@]}" --notify-retries 0
assert_contains "$ERR" "soak-canary: warning: notification to 'tgram://****/5' failed"
assert_not_contains "$ERR" "$TOKEN"
expect_exit 4 "$CANARY" judge --baseline base --canary can -j duration_ms --report-dir rep \
	--notify "tgram://$TOKEN/5" "${API[@]}" --notify-retries 0 --notify-required

# bad URLs
expect_exit 2 "$CANARY" notify --notify "mailto://x" --message m
assert_contains "$ERR" "unknown scheme 'mailto'"
expect_exit 2 "$CANARY" notify --notify "tgram://nocolon/5" --message m
assert_contains "$ERR" "expected tgram://BOT_TOKEN/CHAT_ID"
assert_not_contains "$ERR" nocolon

finish
