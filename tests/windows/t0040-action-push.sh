# The action's pushgateway-url during the run as on a Windows runner (runner.cjs
# --windows, the `shell: cmd` steps through Wine's cmd.exe): soak-run.exe's periodic
# command, scripts\action-every.cmd, posts health.json with soak-canary.exe and pushes
# the metrics so far with soak-report.exe to a receiver on loopback, several times
# before the run ends; the report step's push at the end has every iteration; the
# secrets stay out of logs/every.log and run.json. (Under Wine a post and a push take
# seconds: the interval is 6 s.)
. "$(dirname "$0")/need-action.sh"
. "$(dirname "$0")/lib.sh"
. "$SOAK_SRC/tests/action/lib-action.sh"
WBIN=$(winpath "$SOAK_BIN")
WS=$WD/ws
S=$WS/artifacts/soak
passes='.body | capture("soak_iterations\\{status=\"pass\"\\} (?<n>[0-9]+)").n | tonumber'

start_hook_server

mkdir -p "$WS"
expect_exit 0 node "$RUNNER" "$SOAK_SRC" --windows "$SOAK_WINE" --workspace "$WS" --temp "$TMP/rt" \
	--result "$RESULT" --input toolkit-path="$WBIN" --input upload=false --input bundle=false \
	--input "command=ping -n 2 127.0.0.1 >NUL" --input iterations=12 \
	--input "health-url=json://user:hpass@127.0.0.1:$port/health" --input health-interval=0.1 \
	--input "pushgateway-url=http://user:ppass@127.0.0.1:$port/"
strip_wine "$ERR"
assert_jq_eq "$RESULT" '.steps[] | select(.id == "run-windows") | .outcome' success
assert_jq_eq "$RESULT" '.steps[] | select(.id == "report-windows") | .outcome' success
assert_json -s hooks.jsonl '[.[] | select(.method == "PUT") | .url] | unique == ["/metrics/job/soak"]'
# the last push is the report step's, over all 12 iterations; at least two came before
# the run ended, with fewer
assert_jq_eq -s hooks.jsonl "[.[] | select(.method == \"PUT\")][-1] | $passes" 12
assert_num "$(jq -s "[.[] | select(.method == \"PUT\") | select(($passes) < 12)] | length" hooks.jsonl)" '>=' 2 \
	"pushes during the run"
assert_num "$(grep -c '"url":"/health"' hooks.jsonl)" '>=' 2 "health posts during the run"
assert_contains "$S/logs/every.log" "soak-action: metrics pushed to pushgateway-url, job soak"
assert_contains "$S/logs/every.log" "health posted: json://user:****@127.0.0.1:$port/health (1 attempt)"
for secret in hpass ppass; do
	assert_not_contains "$S/logs/every.log" "$secret"
	assert_not_contains "$S/run.json" "$secret"
done
assert_json "$S/summary.json" '.state == "completed" and .exit_code == 0 and .every.runs >= 2'

kill -TERM "$hook_pid"
wait "$hook_pid"
finish
