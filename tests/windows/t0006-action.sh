# The composite action and the cache sub-actions as on a Windows runner: the
# runner emulation (tests/action/runner.cjs --windows) runs each `shell: cmd`
# step through Wine's cmd.exe with the Windows programs: outputs, the job
# summary, the bundle, the cache round trip, and cancellation (Wine turns SIGINT
# to soak-run.exe into CTRL_C_EVENT for its console handler; what that does not
# prove is in runner.cjs and the README's platform matrix).
. "$(dirname "$0")/need-action.sh"
. "$(dirname "$0")/lib.sh"
RUNNER=$SOAK_SRC/tests/action/runner.cjs
RESULT=$TMP/result.json
WBIN=$(winpath "$SOAK_BIN")
WS=$WD/ws

# wrun_action CODE ACTION_DIR [ARG...]: the action as on a Windows runner
wrun_action()
{
	local code=$1 dir=$2
	shift 2
	[[ -n ${KEEP_WS:-} ]] || { rm -rf "$WS" "$TMP/rt" && mkdir -p "$WS"; }
	rm -f "$RESULT"
	expect_exit "$code" node "$RUNNER" "$dir" --windows "$SOAK_WINE" --workspace "$WS" --temp "$TMP/rt" \
		--result "$RESULT" --input toolkit-path="$WBIN" "$@"
	strip_wine "$ERR"
}

# --- a passing soak of a .cmd command: outputs, summary, bundle, only the Windows steps ---
printf '@echo off\r\necho iteration %%SOAK_RUN_ID%%\r\nexit /b 0\r\n' >"$WS.cmd"
mkdir -p "$WS"
wrun_action 0 "$SOAK_SRC" --input upload=false --input "command=\"$(winpath "$WS.cmd")\"" \
	--input iterations=3 --input heartbeat=10ms --input "gates=pass_rate==100%"
assert_jq_eq "$RESULT" '[.steps[] | "\(.id)=\(.outcome)"] | join(" ")' \
	"setup=skipped setup-windows=success run=skipped run-windows=success report=skipped report-windows=success clean=skipped clean-windows=success bundle=skipped bundle-windows=success notify=skipped notify-windows=skipped upload=skipped"
assert_jq_eq "$RESULT" '.outputs | [.verdict, ."pass-rate", .iterations, .failures, .state] | join(" ")' \
	"PASS 1.0000 3 0 completed"
assert_jq_eq "$RESULT" '.steps[] | select(.id == "setup-windows") | .outputs."bin-dir"' "$WBIN"
assert_jq_eq "$RESULT" '.steps[] | select(.id == "run-windows") | .outputs."soak-dir"' "$(winpath "$WS")\\artifacts\\soak"
assert_jq_eq "$RESULT" '.outputs."bundle-path"' "$(winpath "$WS")\\artifacts\\soak-bundle.tar.gz"
assert_file "$WS/artifacts/soak-bundle.tar.gz"
assert_lines "$WS/artifacts/soak/metrics.jsonl" 3
assert_json "$WS/artifacts/soak/run.json" '.config.command.source == "env" and (.command[0:4] == ["cmd", "/d", "/s", "/c"])'
assert_contains "$WS/artifacts/soak/logs/"*1.log "iteration $(jqv "$RESULT" '.outputs."run-id"')"
assert_contains "$TMP/rt/job-summary.md" "### soak-run: completed"
assert_contains "$TMP/rt/job-summary.md" "# Soak report: PASS"

# --- a toolkit-path without the programs: the toolkit step fails with an annotation ---
mkdir -p "$TMP/empty"
wrun_action 1 "$SOAK_SRC" --input upload=false --input iterations=1 --input command=rem \
	--input toolkit-path="$(winpath "$TMP/empty")"
# (exit 2 on Windows; Wine's cmd makes any failure of a CALLed script 1)
assert_jq_eq "$RESULT" '[.steps[] | select(.outcome != "skipped") | "\(.id)=\(.outcome)"] | join(" ")' "setup-windows=failure"
assert_jq_eq "$RESULT" '.annotations[0].message' \
	"toolkit-path '$(winpath "$TMP/empty")' does not hold soak-run soak-report soak-clean soak-bundle soak-canary nor its bin"

# --- the cache sub-actions: save a directory, restore it into an empty workspace ---
STORE=$(winpath "$TMP/store")
mkdir -p "$WS/deps/sub dir"
printf 'one\n' >"$WS/deps/sub dir/a.txt"
KEEP_WS=1 wrun_action 0 "$SOAK_SRC/cache/save" --input key=deps-win-1 --input "path=deps" --input store="$STORE"
assert_jq_eq "$RESULT" '[.steps[] | "\(.id)=\(.outcome)"] | join(" ")' \
	"setup=skipped setup-windows=success save=skipped save-windows=success"
wrun_action 0 "$SOAK_SRC/cache/restore" --input key=deps-win-2 --input "restore-keys=deps-win-" \
	--input "path=deps" --input store="$STORE"
assert_jq_eq "$RESULT" '.outputs | [."cache-hit", ."cache-primary-key", ."cache-matched-key"] | join(" ")' \
	"false deps-win-2 deps-win-1"
assert_eq "$(cat "$WS/deps/sub dir/a.txt" 2>&1)" one "restored file"
wrun_action 1 "$SOAK_SRC/cache/restore" --input key=nothing --input path=deps --input store="$STORE" \
	--input fail-on-cache-miss=TRUE
assert_jq_eq "$RESULT" '.steps[] | select(.id == "restore-windows") | .exit_code' 5

# --- cancellation: Ctrl-C (SIGINT through Wine) to soak-run.exe while an iteration pings ---
t0=$(date +%s%N)
wrun_action 130 "$SOAK_SRC" --input upload=false --input iterations=1000 --input iteration-timeout=1h \
	--input 'command=ping -n 60 127.0.0.1 >NUL' --cancel-after 15
t1=$(date +%s%N)
assert_jq_eq "$RESULT" .status cancelled
assert_jq_eq "$RESULT" '[.steps[] | select(.id | endswith("-windows")) | "\(.id)=\(.outcome)"] | join(" ")' \
	"setup-windows=success run-windows=failure report-windows=failure clean-windows=success bundle-windows=skipped notify-windows=skipped"
# the report ran on the cancelled run: no iteration finished, so FAIL
assert_jq_eq "$RESULT" '.outputs | [.verdict, .iterations] | join(" ")' "FAIL 0"
# soak-run itself ended the step, before the runner's Ctrl-Break (7.5 s): 130, no signal
assert_jq_eq "$RESULT" '.steps[] | select(.id == "run-windows") | [.exit_code, .signal] | tojson' '[130,null]'
assert_jq_eq "$RESULT" .outputs.state cancelled
assert_json "$WS/artifacts/soak/summary.json" '.state == "cancelled"'
assert_num "$(((t1 - t0) / 1000000))" '<' 60000 "ms for the cancelled job (the ping alone takes 60 s)"
assert_eq "$(wine_pids '(^|[\\/])ping(\.exe)?"? +-n 60 127\.0\.0\.1' | wc -l)" 0 "ping processes left"

finish
