# soak-run, point 5: resource sampling of the iteration's process tree into
# samples.jsonl, peaks into metrics.jsonl; a leak shows as a growing peak RSS.
. "$(dirname "$0")/../lib.sh"

# The example holds leak-kb KiB times its invocation count: 8, 16, 24, 32 MiB.
# (Built with AddressSanitizer, the example's leak check at exit would touch all of its
# memory and shadow, and the last sample would see that: it is turned off for it.)
expect_exit 0 "$SOAK_RUN" -q -d s -n 4 --sample-interval 100ms -e ASAN_OPTIONS=detect_leaks=0 -- \
	"$LEAKY" --leak-kb 8192 --work-ms 600
S=s/samples.jsonl
M=s/metrics.jsonl
assert_file "$S"
assert_num "$(wc -l <"$S")" '>=' 8 "samples of 4 iterations of ~600ms at 100ms"
assert_json -s "$S" "all(.schema == \"1.0\" and (.t | test(\"$ISO_RE\")))"
assert_json -s "$S" 'all(.scope == "iteration")'
# The samples but the first and the last of each iteration: the first may catch a
# process a few ms old, whose RSS the kernel has not yet accounted (it reads 0 in
# /proc/PID/stat), the last the root as it exits, with its memory or descriptors gone.
LIVE='group_by(.iteration) | map(.[1:-1]) | add'
assert_json -s "$S" "$LIVE | all(.rss_bytes > 0)"
assert_json -s "$S" 'all(.iteration >= 1 and .iteration <= 4)'
assert_json -s "$S" 'map(.iteration) | unique == [1, 2, 3, 4]'
assert_json -s "$S" 'map(.elapsed_s) | . == sort and .[0] >= 0'
for k in pid cpu_user_s cpu_sys_s threads open_fds procs mem_avail_bytes free_disk_bytes; do
	assert_json -s "$S" "all(.$k | type == \"number\" and . >= 0)"
done
assert_json -s "$S" "$LIVE | all(.procs >= 1 and .threads >= 1 and .open_fds >= 1)"
assert_json -s "$S" 'all(.mem_avail_bytes > 0 and .free_disk_bytes > 0)'
# the pid is that of the iteration's root, one per iteration
assert_json -s "$S" 'group_by(.iteration) | all(map(.pid) | unique | length == 1)'

# peaks: at least what the example held, growing from iteration to iteration
assert_json -s "$M" 'all(.peak_rss_bytes >= .kpi.heap_kb * 1024)'
assert_json -s "$M" 'map(.peak_rss_bytes) | . as $p | [range(1; length)] | all($p[.] > $p[. - 1])'
assert_json -s "$M" '(.[3].peak_rss_bytes - .[0].peak_rss_bytes) >= 16 * 1048576'
assert_json -s "$M" 'all(.peak_rss_bytes < 512 * 1048576)'
# the peak is at least every sample of the iteration
jq -s --slurpfile m "$M" \
	'group_by(.iteration) | map({i: .[0].iteration, max: (map(.rss_bytes) | max)}) |
	 all(. as $g | $m | map(select(.iteration == $g.i))[0].peak_rss_bytes >= $g.max)' "$S" >check.json 2>&1
assert_jq_eq check.json . true
assert_json -s "$M" 'all(.cpu_user_s + .cpu_sys_s > 0)'
assert_jq_eq s/summary.json .peak_rss_bytes "$(jqv -s "$M" 'map(.peak_rss_bytes) | max')"

# --- --sample-interval 0 turns sampling off ---
expect_exit 0 "$SOAK_RUN" -q -d off -n 2 --sample-interval 0 -- sleep 0.3
assert_eq "$(cat off/samples.jsonl 2>/dev/null | wc -l)" 0 "samples with --sample-interval 0"
assert_lines off/metrics.jsonl 2

# --- a multi-process tree: RSS and processes summed over it ---
expect_exit 0 "$SOAK_RUN" -q -d tree -n 1 --sample-interval 100ms \
	-- sh -c '"$0" --leak-kb 16384 --work-ms 800 --state a.state & "$0" --leak-kb 16384 --work-ms 800 --state b.state & wait' "$LEAKY"
assert_json tree/metrics.jsonl '.procs >= 3'
assert_json tree/metrics.jsonl '.peak_rss_bytes >= 32 * 1048576'
assert_json -s tree/samples.jsonl 'map(.procs) | max >= 3'

finish
