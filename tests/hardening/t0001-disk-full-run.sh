#!/bin/bash
# Fault injection: the disk fills up under soak-run (a 2 MiB tmpfs). soak-run
# exits 4 naming the file and "No space left on device"; metrics.jsonl and the
# other JSON Lines files hold only complete lines, summary.json and health.json
# are whole (the old or the new version), no temporary file is left, every
# recorded log holds the bytes its record counts; once space
# is back, --resume continues with iteration numbers 1..N, no gap, no duplicate.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/hardening/lib-hardening.sh"

mount_tmpfs mnt 2m

check_dir()
{
	local d=$1 f
	for f in metrics.jsonl samples.jsonl events.jsonl; do
		assert_jsonl_complete "$d/$f"
	done
	assert_json_doc "$d/summary.json"
	assert_json_doc "$d/health.json"
	assert_json_doc "$d/run.json"
	assert_no_tmp "$d"
	# no record counts log bytes that are not on disk (a log cut by the full disk
	# leaves its iteration unrecorded, for --resume to run again)
	local bad
	bad=$(jq -r 'select(.log and .log_dropped_bytes == 0) | "\(.log) \(.log_bytes)"' "$d/metrics.jsonl" 2>/dev/null |
		while read -r log bytes; do
			size=$(stat -c %s "$d/$log")
			[[ $size == "$bytes" ]] || echo "$log: $size bytes on disk, record says $bytes"
		done)
	assert_eq "$bad" "" "logs against log_bytes in $d"
}

# 1. a command that prints a lot, with a large --log-max: the log fills the disk
expect_exit 4 "$SOAK_RUN" --dir mnt/a --log-max 100MiB --min-free-disk 0 -n 50 -q \
	-- sh -c 'head -c 400000 /dev/zero | tr "\0" x'
assert_match "$ERR" "^soak-run: cannot write '[^']*/logs/iter-[0-9]+\\.log': No space left on device$"
check_dir mnt/a
assert_json mnt/a/summary.json '.state == "running" or .state == "aborted"'
rm -rf mnt/a

# 2. the disk nearly full before the run, a different amount of room each time,
#    so that the write that fails is a log, a metrics, samples or events line,
#    summary.json or health.json
for leave in 0 600 1500 3000 5000 9000 17000 33000 65000 130000; do
	rm -rf mnt/b mnt/.fill
	fill_fs mnt "$leave"
	expect_exit 4 "$SOAK_RUN" --dir mnt/b --min-free-disk 0 --sample-interval 50ms -n 5000 -q \
		-- sh -c 'echo "iteration $SOAK_ITERATION"; head -c 1500 /dev/zero | tr "\0" y'
	assert_match "$ERR" "^soak-run: cannot (write|create|open|rename|sync)[^:]* '[^']+'.*: No space left on device$"
	check_dir mnt/b
	if [[ -f mnt/b/summary.json ]]; then
		assert_json mnt/b/summary.json '.state != "completed"'
	fi
	# room again: the run goes on where it stopped, numbering without a gap
	rm -f mnt/.fill
	done_n=$(grep -c . mnt/b/metrics.jsonl 2>/dev/null)
	want=$((done_n + 3))
	expect_exit 0 "$SOAK_RUN" --dir mnt/b --resume --min-free-disk 0 --sample-interval 0 -n "$want" -q \
		-- sh -c 'echo "iteration $SOAK_ITERATION"'
	assert_jq_eq -s mnt/b/metrics.jsonl '[.[].iteration] == [range(1; '"$want"' + 1)]' true \
		"iterations after resume (room left: $leave)"
	check_dir mnt/b
done

finish
