# soak-run, point 11: progress. On a TTY a live line; under GitHub Actions: a ::group:: per iteration, ::error::
# per failure, outputs in $GITHUB_OUTPUT (heredoc form), a job summary, CI facts.
. "$(dirname "$0")/../lib.sh"

# gh_output FILE NAME: the value of NAME in a $GITHUB_OUTPUT file, in either form
# (name=value, or name<<DELIM / lines / DELIM); fails when it is malformed.
gh_output()
{
	awk -v want="$2" '
		delim != "" { if ($0 == delim) { if (name == want) { print val; found = 1 } delim = ""; next }
			      val = (nval++ ? val "\n" : "") $0; next }
		/^[A-Za-z_][A-Za-z0-9_-]*<</ { i = index($0, "<<"); name = substr($0, 1, i - 1)
			delim = substr($0, i + 2); val = ""; nval = 0; if (delim == "") exit 2; next }
		/^[A-Za-z_][A-Za-z0-9_-]*=/ { i = index($0, "="); if (substr($0, 1, i - 1) == want) { print substr($0, i + 1); found = 1 } next }
		/./ { exit 3 }
		END { if (delim != "") exit 4; exit !found }' "$1"
}

export GITHUB_ACTIONS=true GITHUB_OUTPUT=$TMP/gh-output GITHUB_STEP_SUMMARY=$TMP/gh-summary
export GITHUB_RUN_ID=4242 GITHUB_RUN_NUMBER=7 GITHUB_RUN_ATTEMPT=2 GITHUB_WORKFLOW=soak GITHUB_JOB=soak-job
export GITHUB_SHA=0123456789abcdef0123456789abcdef01234567 GITHUB_REF=refs/heads/main GITHUB_REPOSITORY=org/app
export RUNNER_NAME=runner-7 RUNNER_OS=Linux
echo "earlier=kept" >"$GITHUB_OUTPUT"

expect_exit 1 "$SOAK_RUN" -d g -n 3 -- sh -c 'echo "output of $SOAK_ITERATION"; [ "$SOAK_ITERATION" != 2 ]'
assert_eq "$(grep -c '^::group::' "$OUT")" 3 "::group:: lines on stdout"
assert_eq "$(grep -c '^::endgroup::$' "$OUT")" 3 "::endgroup:: lines on stdout"
assert_match "$OUT" '^::group::.*\b1\b'
assert_match "$OUT" '^::error( [^:]*)?::.*'
assert_eq "$(grep -c '^::error' "$OUT")" 1 "::error:: lines for one failed iteration"
# an annotation is one line: its message has no raw newline to lose
assert_not_contains "$ERR" "::error"

# outputs: iterations, failures, state; what was there before is kept
assert_eq "$(gh_output "$GITHUB_OUTPUT" iterations)" 3 "output iterations"
assert_eq "$(gh_output "$GITHUB_OUTPUT" failures)" 1 "output failures"
assert_eq "$(gh_output "$GITHUB_OUTPUT" state)" completed "output state"
assert_eq "$(gh_output "$GITHUB_OUTPUT" earlier)" kept "an output written before"
gh_output "$GITHUB_OUTPUT" nothing >/dev/null
assert_eq $? 1 "the output file parses (1: name not found)"

# a job summary, if soak-run writes one (issue 2 leaves it to soak-report): within 1 MiB
if [[ -e $GITHUB_STEP_SUMMARY ]]; then
	assert_num "$(wc -c <"$GITHUB_STEP_SUMMARY")" '<=' 1048576 "job summary size"
fi

# CI facts in run.json
R=g/run.json
assert_json "$R" '.ci.provider == "github" and .ci.run_id == "4242" and .ci.run_number == "7" and .ci.run_attempt == "2"'
assert_json "$R" '.ci.workflow == "soak" and .ci.job == "soak-job" and .ci.runner_name == "runner-7" and .ci.runner_os == "Linux"'
assert_json "$R" '.ci.sha == "0123456789abcdef0123456789abcdef01234567" and .ci.ref == "refs/heads/main" and .ci.repository == "org/app"'

# --- a passing run: no ::error::, state completed, failures 0 ---
: >"$GITHUB_OUTPUT"
expect_exit 0 "$SOAK_RUN" -d p -n 2 -- true
assert_eq "$(grep -c '^::error' "$OUT")" 0 "::error:: lines of a passing run"
assert_eq "$(gh_output "$GITHUB_OUTPUT" failures)" 0 "output failures"
assert_eq "$(gh_output "$GITHUB_OUTPUT" state)" completed "output state"

# --- an aborted run says so ---
: >"$GITHUB_OUTPUT"
expect_exit 1 "$SOAK_RUN" -d a -n 5 --fail-fast -- false
assert_eq "$(gh_output "$GITHUB_OUTPUT" state)" aborted "output state"
assert_eq "$(gh_output "$GITHUB_OUTPUT" iterations)" 1 "output iterations"

# --- a failure whose output has newlines and % stays one annotation line ---
: >"$GITHUB_OUTPUT"
expect_exit 1 "$SOAK_RUN" -d e -n 1 -- sh -c 'printf "100%% broken\nline two\n"; exit 1'
assert_eq "$(grep -c '^::error' "$OUT")" 1 "::error:: lines"
grep '^::error' "$OUT" >annotation
assert_not_contains annotation "100% broken" # escaped as %25 when it is quoted

# --- outside Actions: no workflow commands, no outputs ---
: >"$GITHUB_OUTPUT"
expect_exit 1 env -u GITHUB_ACTIONS "$SOAK_RUN" -d o -n 2 -- false
assert_not_contains "$OUT" "::group::"
assert_not_contains "$OUT" "::error"
assert_eq "$(wc -c <"$GITHUB_OUTPUT")" 0 "bytes written to GITHUB_OUTPUT outside Actions"
assert_json o/run.json 'has("ci") | not'

# --- on a terminal: a live progress line (iteration, elapsed/ETA, pass rate, last status) ---
unset GITHUB_ACTIONS
if command -v script >/dev/null; then
	cmd=$(printf '%q ' "$SOAK_RUN" -d tty -n 3 -- sh -c '[ "$SOAK_ITERATION" != 2 ]')
	expect_exit 1 script -qec "$cmd" /dev/null
	tr '\r' '\n' <"$OUT" >tty-lines
	assert_match tty-lines 'iteration 3/3'
	assert_match tty-lines 'iteration 2/3.*(ETA|eta).*fail'
	assert_match tty-lines '66[.,]7 ?%|67 ?%'
	assert_contains "$OUT" $'\r'
	cmd=$(printf '%q ' "$SOAK_RUN" -q -d tty-q -n 3 -- true)
	expect_exit 0 script -qec "$cmd" /dev/null
	assert_not_contains "$OUT" "iteration 2/3"
else
	echo "note: no script(1) to give soak-run a terminal; the progress line is not checked"
fi

finish
