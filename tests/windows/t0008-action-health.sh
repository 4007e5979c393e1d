# The action's health-url, health-interval and notify-on as on a Windows runner
# (runner.cjs --windows, the `shell: cmd` steps through Wine's cmd.exe): soak-run.exe's
# periodic command posts health.json with soak-canary.exe to a webhook on loopback,
# the secret stays out of logs/every.log; notify-on keeps a PASS quiet.
. "$(dirname "$0")/need-action.sh"
. "$(dirname "$0")/lib.sh"
. "$SOAK_SRC/tests/action/lib-action.sh"
WBIN=$(winpath "$SOAK_BIN")
WS=$WD/ws

start_hook_server

mkdir -p "$WS"
expect_exit 0 node "$RUNNER" "$SOAK_SRC" --windows "$SOAK_WINE" --workspace "$WS" --temp "$TMP/rt" \
	--result "$RESULT" --input toolkit-path="$WBIN" --input upload=false --input bundle=false \
	--input "command=ping -n 2 127.0.0.1 >NUL" --input iterations=8 \
	--input "health-url=json://user:hpass@127.0.0.1:$port/health" --input health-interval=0.04 \
	--input "notify-urls=json://127.0.0.1:$port/end"
strip_wine "$ERR"
assert_jq_eq "$RESULT" '.steps[] | select(.id == "notify-windows") | .outcome' success
assert_num "$(grep -c '"url":"/health"' hooks.jsonl)" '>=' 2 "health posts during the run"
assert_json -s hooks.jsonl '[.[] | select(.url == "/health") | .body | fromjson | .state] | unique == ["running"]'
# notify-on's default (fail,warn): no end-of-run message for a PASS
assert_eq "$(grep -c '"url":"/end"' hooks.jsonl)" 0 "end-of-run messages for a PASS"
S=$WS/artifacts/soak
assert_contains "$S/logs/every.log" "health posted: json://user:****@127.0.0.1:$port/health (1 attempt)"
assert_not_contains "$S/logs/every.log" hpass
assert_not_contains "$S/run.json" hpass
assert_json "$S/summary.json" '.state == "completed" and .exit_code == 0 and .every.runs >= 2'

kill -TERM "$hook_pid"
wait "$hook_pid"
finish
