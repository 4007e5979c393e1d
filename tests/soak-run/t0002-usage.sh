# soak-run: help, version, and bad input with a clear message and its exit code.
. "$(dirname "$0")/../lib.sh"

VERSION=$(sed -n 's/^project(soak-action VERSION \([0-9.]*\).*/\1/p' "$SOAK_SRC/CMakeLists.txt")

# --- --help and --version on stdout, exit 0 ---
for h in --help -h; do
	expect_exit 0 "$SOAK_RUN" $h
	assert_contains "$OUT" "soak-run [options] -- COMMAND"
	assert_contains "$OUT" "--iterations"
	assert_contains "$OUT" "--max-consecutive-failures"
	assert_eq "$(wc -c <"$ERR")" 0 "bytes on stderr for $h"
done
for v in --version -V; do
	expect_exit 0 "$SOAK_RUN" $v
	assert_contains "$OUT" "$VERSION"
	assert_eq "$(wc -c <"$ERR")" 0 "bytes on stderr for $v"
done

# usage_error EXPECTED-TEXT... -- ARGS: exit 2, the texts and the hint on stderr, nothing run
usage_error()
{
	local texts=()
	while [[ $1 != -- ]]; do
		texts+=("$1")
		shift
	done
	shift
	rm -f ran
	expect_exit 2 "$SOAK_RUN" -q -d never "$@"
	for t in "${texts[@]}"; do
		assert_contains "$ERR" "$t"
	done
	assert_contains "$ERR" "try 'soak-run --help'"
	assert_match "$ERR" '^soak-run: '
	assert_no_file ran
	assert_no_file never
}

usage_error "--bogus" -- --bogus -n 1 -- touch ran
usage_error "timeout" "24x" -- --timeout 24x -n 1 -- touch ran
usage_error "duration" "24x" -- --duration 24x -- touch ran
usage_error "iterations" "-1" -- --iterations -1 -- touch ran
usage_error "iterations" "many" -- -n many -- touch ran
usage_error "max-failures" "-3" -- --max-failures -3 -n 1 -- touch ran
usage_error "log-max" "lots" -- --log-max lots -n 1 -- touch ran
# the same through the environment, naming the variable
rm -f ran
expect_exit 2 env SOAK_TIMEOUT=24x "$SOAK_RUN" -q -d never -n 1 -- touch ran
assert_contains "$ERR" "24x"
assert_contains "$ERR" "SOAK_TIMEOUT"
assert_no_file ran
expect_exit 2 env SOAK_ITERATIONS=-5 "$SOAK_RUN" -q -d never -- touch ran
assert_contains "$ERR" "-5"
assert_no_file ran

# --- no command ---
expect_exit 2 "$SOAK_RUN" -q -d never -n 1
assert_contains "$ERR" "try 'soak-run --help'"
expect_exit 2 "$SOAK_RUN" -q -d never -n 1 --
assert_contains "$ERR" "try 'soak-run --help'"
assert_no_file never

# --- a soak directory that cannot be created: exit 4, naming it, nothing run ---
echo "a regular file" >plainfile
expect_exit 4 "$SOAK_RUN" -q --dir plainfile/soak -n 1 -- touch ran
assert_contains "$ERR" "plainfile/soak"
assert_match "$ERR" '^soak-run: '
assert_no_file ran

# --- steps files: syntax error with line and column (exit 3), missing (3), bad field (2) ---
cat >broken.json <<'EOF'
{
  "schema": "1.0",
  "steps": [ { "name": "a", "command": ["true"] },, ]
}
EOF
expect_exit 3 "$SOAK_RUN" -q -d never -n 1 --steps broken.json
assert_contains "$ERR" "broken.json"
assert_match "$ERR" 'line 3\b.*column [0-9]+|line 3, col|:3:[0-9]+'
assert_no_file never
expect_exit 3 "$SOAK_RUN" -q -d never -n 1 --steps no-such-steps.json
assert_contains "$ERR" "no-such-steps.json"
cat >badfield.json <<'EOF'
{ "schema": "1.0", "steps": [ { "name": "lint", "command": ["true"], "retries": -1 } ] }
EOF
expect_exit 2 "$SOAK_RUN" -q -d never -n 1 --steps badfield.json
assert_contains "$ERR" "lint"
assert_contains "$ERR" "retries"
cat >badtimeout.json <<'EOF'
{ "schema": "1.0", "steps": [ { "name": "test", "command": "true", "timeout": "24x" } ] }
EOF
expect_exit 2 "$SOAK_RUN" -q -d never -n 1 --steps badtimeout.json
assert_contains "$ERR" "24x"
assert_no_file never

# --- a command that does not exist: iterations with status error, not a crash ---
expect_exit 1 "$SOAK_RUN" -q -d missing -n 2 -- no-such-command-soak-test
assert_lines missing/metrics.jsonl 2
assert_json -s missing/metrics.jsonl 'all(.status == "error")'
assert_json missing/summary.json '.state == "completed" and .iterations == 2 and .errors == 2 and .passed == 0'
assert_contains "$ERR" "no-such-command-soak-test"
expect_exit 1 "$SOAK_RUN" -q -d notexec -n 1 -- "$TMP/plainfile"
assert_json notexec/metrics.jsonl '.status == "error"'

finish
