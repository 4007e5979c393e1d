# soak-run, point 12: --dry-run validates the configuration, resolves the command
# on PATH, checks that the soak directory is writable and the disk has room; it
# runs nothing. Exit 0, 2 (usage: bad value, command not found) or 4 (environment).
. "$(dirname "$0")/../lib.sh"

# dry DIR: nothing ran and no run was recorded in DIR
dry()
{
	assert_no_file ran
	assert_no_file "$1/metrics.jsonl"
	assert_no_file "$1/run.json"
	assert_no_file "$1/summary.json"
}

# --- all good ---
expect_exit 0 "$SOAK_RUN" -q -d ok --dry-run -n 3 --timeout 5s -- touch ran
dry ok
expect_exit 0 "$SOAK_RUN" -q -d ok2 --dry-run -n 1 -- sh -c 'touch ran'
dry ok2
# a command found on PATH, as exec would find it (no hard-coded interpreter paths)
mkdir bin
printf '#!/bin/sh\ntouch ran\n' >bin/my-tool
chmod +x bin/my-tool
expect_exit 0 env PATH="$TMP/bin:$PATH" "$SOAK_RUN" -q -d path --dry-run -n 1 -- my-tool
dry path
# steps whose commands all resolve
cat >steps.json <<'EOF'
{ "schema": "1.0", "steps": [ { "name": "a", "command": ["touch", "ran"] }, { "name": "b", "command": "touch ran" } ] }
EOF
expect_exit 0 "$SOAK_RUN" -q -d steps --dry-run -n 1 --steps steps.json
dry steps

# --- a command that cannot be found or run: 2, naming it ---
expect_exit 2 "$SOAK_RUN" -q -d nf --dry-run -n 1 -- no-such-command-soak-test
assert_contains "$ERR" no-such-command-soak-test
dry nf
expect_exit 2 env PATH="$TMP/empty-path" "$SOAK_RUN" -q -d nf2 --dry-run -n 1 -- my-tool
assert_contains "$ERR" my-tool
printf 'not a program\n' >bin/not-exec
expect_exit 2 "$SOAK_RUN" -q -d nx --dry-run -n 1 -- "$TMP/bin/not-exec"
assert_contains "$ERR" not-exec
cat >bad-steps.json <<'EOF'
{ "schema": "1.0", "steps": [ { "name": "a", "command": ["true"] }, { "name": "b", "command": ["no-such-command-soak-test"] } ] }
EOF
expect_exit 2 "$SOAK_RUN" -q -d bs --dry-run -n 1 --steps bad-steps.json
assert_contains "$ERR" no-such-command-soak-test

# --- usage and input errors as without --dry-run ---
expect_exit 2 "$SOAK_RUN" -q -d u --dry-run -n 1
expect_exit 2 "$SOAK_RUN" -q -d u --dry-run -n 1 --timeout 24x -- true
assert_contains "$ERR" 24x
echo '{ "steps": [ ' >broken.json
expect_exit 3 "$SOAK_RUN" -q -d u --dry-run -n 1 --steps broken.json
dry u

# --- the soak directory not writable, the disk without room: 4 ---
echo "a regular file" >plainfile
expect_exit 4 "$SOAK_RUN" -q -d plainfile/soak --dry-run -n 1 -- true
assert_contains "$ERR" plainfile/soak
expect_exit 4 "$SOAK_RUN" -q -d disk --dry-run -n 1 --min-free-disk 1000TiB -- true
assert_match "$ERR" 'disk|free'
dry disk

finish
