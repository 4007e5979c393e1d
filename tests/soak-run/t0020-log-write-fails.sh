#!/bin/bash
# A log that cannot be written whole (the disk fills) must not leave a record that
# reads as a complete iteration: the iteration is not recorded, an error event names
# it, the run ends with exit 4, and --resume runs it again. The disk fills here by
# RLIMIT_FSIZE (ulimit -f, no root needed): a write past the limit is cut short and
# fails with EFBIG, as one on a full disk does with ENOSPC (tests/hardening/t0001
# does the same on a real full tmpfs).
. "$(dirname "$0")/../lib.sh"

# limited KIB CMD...: run CMD with files capped at KIB KiB (SIGXFSZ ignored, so the
# write fails instead of killing the writer)
limited()
{
	bash -c 'ulimit -f "$0"; trap "" XFSZ; exec "$@"' "$@"
}

# every recorded log holds exactly the bytes its record counts
logs_match_records()
{
	local d=$1 bad
	bad=$(jq -r 'select(.log) | "\(.log) \(.log_bytes)"' "$d/metrics.jsonl" | while read -r log bytes; do
		size=$(stat -c %s "$d/$log")
		[[ $size == "$bytes" ]] || echo "$log: $size bytes on disk, record says $bytes"
	done)
	assert_eq "$bad" "" "logs against log_bytes in $d"
}

# iteration 3 prints 13893 bytes: its log runs into the 8 KiB limit
CMD='if [ "$SOAK_ITERATION" = 3 ]; then seq 1 3000; else echo "iteration $SOAK_ITERATION"; fi'
expect_exit 4 limited 8 "$SOAK_RUN" -q -d r -n 5 --heartbeat 0 -- sh -c "$CMD"
assert_match "$ERR" "^soak-run: cannot write '[^']*/r/logs/iter-000003\\.log': File too large$"
assert_jq_eq -s r/metrics.jsonl '[.[].iteration] | @json' '[1,2]'
logs_match_records r
assert_jq_eq -s r/events.jsonl 'map(select(.event == "error")) | length' 1
assert_json -s r/events.jsonl '.[] | select(.event == "error") | .iteration == 3 and (.message | test("^iteration 3 \\(pass\\) is not recorded: cannot write .*/logs/iter-000003[.]log.: File too large; --resume runs it again$"))'
assert_json r/summary.json '.state == "aborted" and .iterations == 2 and .passed == 2 and .exit_code == 4'

# room again: --resume runs iteration 3 again, and its log is whole
expect_exit 0 "$SOAK_RUN" -q -d r --resume -n 5 --heartbeat 0 -- sh -c "$CMD"
assert_jq_eq -s r/metrics.jsonl '[.[].iteration] | @json' '[1,2,3,4,5]'
assert_jq_eq -s r/metrics.jsonl '.[2].log_bytes' 13893
logs_match_records r
assert_eq "$(tail -n 1 r/logs/iter-000003.log)" 3000 'the last line of the rerun log'

# steps: the second step's log fails: no retry, no third step (though b may fail), no record
cat >steps.json <<'EOF'
{"schema": "1.0", "steps": [
  {"name": "a", "command": "echo a"},
  {"name": "b", "command": "seq 1 3000; exit 1", "retries": 2, "allow_failure": true},
  {"name": "c", "command": "echo ran >\"$SOAK_DIR/../c-ran\""}]}
EOF
expect_exit 4 limited 8 "$SOAK_RUN" -q -d s -n 2 --heartbeat 0 --steps steps.json
assert_match "$ERR" "^soak-run: cannot write '[^']*/s/logs/iter-000001-b\\.log': File too large$"
assert_lines s/metrics.jsonl 0
assert_no_file c-ran
assert_no_file s/logs/iter-000001-b.attempt2.log
assert_json -s s/events.jsonl 'map(select(.event == "error")) | length == 1 and .[0].iteration == 1 and (.[0].message | startswith("iteration 1 (pass) is not recorded: cannot write "))'
finish
