#!/bin/bash
# Input: missing directories, partial last lines, malformed lines, schema versions, shards.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-report/lib-report.sh"

# a missing directory: exit 3
expect_exit 3 "$REPORT" --dir nowhere
assert_contains "$ERR" "soak-report: cannot open 'nowhere': No such file or directory"
# an empty directory: no metrics
mkdir empty
expect_exit 3 "$REPORT" --dir empty
assert_contains "$ERR" "no 'metrics.jsonl' or 'ITER_SUMMARY_<n>.json' in 'empty'"

# a run still being written: the partial last line is ignored, not an error
PARTIAL=1 gen_metrics "live run" 10 ""
expect_exit 0 "$REPORT" --dir "live run" -f json -q
S="live run/reports/POST_SOAK_SNAPSHOT.json"
assert_jq_eq "$S" .whole.iterations 10
assert_jq_eq "$S" .sources[0].partial_last_line true
assert_jq_eq "$S" .sources[0].bad_records 0

# malformed lines: 1 of 21 (4.8%) is under the default 5%: skipped, counted, warned
gen_metrics bad 20 ""
sed -i '7s/.*/{"schema":"1.0", broken/' bad/metrics.jsonl
echo '{"schema":"1.0","iteration":21,"status":"pass","duration_ms":1}' >>bad/metrics.jsonl
expect_exit 0 "$REPORT" --dir bad -f json -q
assert_jq_eq bad/reports/POST_SOAK_SNAPSHOT.json .whole.iterations 20
assert_jq_eq bad/reports/POST_SOAK_SNAPSHOT.json .sources[0].bad_records 1
assert_jq_eq bad/reports/POST_SOAK_SNAPSHOT.json '.sources[0].bad_lines | join(",")' 7
assert_contains "$ERR" "soak-report: warning: 'bad': 1 malformed records skipped (first at line 7)"
# a second bad line (an object with no status): 2 of 21 is over 5%: exit 3
sed -i '9s/.*/{"schema":"1.0","iteration":9}/' bad/metrics.jsonl
expect_exit 3 "$REPORT" --dir bad -f json -q
assert_contains "$ERR" "2 of 21 records are malformed, more than the 5% allowed (--max-bad-share); in 'bad' first at lines 7, 9"
expect_exit 0 "$REPORT" --dir bad -f json -q --max-bad-share 0.2

# a newer schema major version: exit 3
gen_metrics newer 3 ""
sed -i '2s/"schema":"1.0"/"schema":"2.0"/' newer/metrics.jsonl
expect_exit 3 "$REPORT" --dir newer
assert_contains "$ERR" "'newer/metrics.jsonl' line 2: schema major version 2 is newer than this soak-report (1)"
gen_metrics newrun 3 ""
echo '{"schema":"7.1","run_id":"x"}' >newrun/run.json
expect_exit 3 "$REPORT" --dir newrun
assert_contains "$ERR" "newrun"

# shards: two directories merged; each iteration is (shard, number)
gen_metrics "shard a" 10 3
gen_metrics shard-b 10 4,5
expect_exit 0 "$REPORT" --dir "shard a" --dir shard-b --out merged -f json,junit -q
S=merged/POST_SOAK_SNAPSHOT.json
assert_jq_eq $S .whole.iterations 20
assert_jq_eq $S .whole.failures 3
assert_jq_eq $S '.sources | map(.records) | join(",")' 10,10
# the streak does not run across shards; last 8 per shard: 16 records, iterations 3..10
assert_jq_eq $S .whole.longest_failure_streak 2
assert_jq_eq $S .last_n.iterations 16
assert_jq_eq $S .last_n.failures 3
assert_jq_eq $S .failure_groups[0].first.dir "shard a"
assert_jq_eq $S .failure_groups[0].last.dir shard-b
assert_jq_eq $S .failure_groups[0].last.iteration 5
assert_contains merged/junit.xml '<testsuite name="soak: shard a" tests="10" failures="1"'
assert_contains merged/junit.xml '<testsuite name="soak: shard-b" tests="10" failures="2"'
finish
