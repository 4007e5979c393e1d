#!/bin/bash
# Iterations shorter than the sample interval still have their figures: a look at
# the process tree right after the spawn (peak_rss_bytes, procs), and the host's
# available memory read at the end of the iteration when no sample has read it.
. "$(dirname "$0")/../lib.sh"

expect_exit 0 "$SOAK_RUN" -q -d s -n 5 -- sh -c 'sleep 0.05'
assert_lines s/metrics.jsonl 5
assert_jq_eq -s s/metrics.jsonl 'map(select(.peak_rss_bytes > 0)) | length' 5
assert_jq_eq -s s/metrics.jsonl 'map(select(.procs >= 1)) | length' 5
assert_jq_eq -s s/metrics.jsonl 'map(select(.mem_avail_bytes > 0 and .free_disk_bytes > 0)) | length' 5

# the shortest command: the host's figures are there from the first iteration on
expect_exit 0 "$SOAK_RUN" -q -d t -n 5 -- true
assert_jq_eq -s t/metrics.jsonl 'map(select(.mem_avail_bytes > 0)) | length' 5
# peak_rss_bytes is a number or null (not measured), never 0
assert_jq_eq -s t/metrics.jsonl 'map(select(.peak_rss_bytes == 0 or .mem_avail_bytes == 0)) | length' 0

# without sampling: no look at the tree, the host's memory still read
expect_exit 0 "$SOAK_RUN" -q -d u -n 2 --sample-interval 0 -- true
assert_jq_eq -s u/metrics.jsonl 'map(select(.mem_avail_bytes > 0)) | length' 2
finish
