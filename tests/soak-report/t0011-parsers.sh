#!/bin/bash
# The record scanner and the full JSON parser (--full-parse) give byte-identical
# reports: on the fixtures, on lines that need the full parser (escapes, odd numbers,
# repeated members, nesting, trailing bytes, a byte order mark), on malformed and
# overlong lines and a partial last line, over several shards with samples.jsonl,
# and on 20,000 records from the benchmark's generator (past the exact-percentile limit).
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-report/lib-report.sh"

same_reports()
{
	local a=$1 b=$2 f bad=0
	for f in POST_SOAK_SNAPSHOT.json POST_SOAK_AUDIT.md RECOMMENDATIONS.md FAILURES.md report.html junit.xml metrics.prom; do
		if ! cmp -s "$a/$f" "$b/$f"; then
			fail "$f differs between the scanner and --full-parse"
			diff -u "$a/$f" "$b/$f" | head -n 20 >&2
			bad=1
		fi
	done
	((bad)) || pass
}
both()
{
	local want=$1 out=$2
	shift 2
	SOURCE_DATE_EPOCH=1767225600 expect_exit "$want" "$REPORT" --out "$out-fast" "$@"
	cp "$OUT" "$out-fast.stdout"
	SOURCE_DATE_EPOCH=1767225600 expect_exit "$want" "$REPORT" --out "$out-full" --full-parse "$@"
	assert_eq "$(cat "$OUT")" "$(sed "s|$out-fast|$out-full|" "$out-fast.stdout")" "the summaries"
	same_reports "$out-fast" "$out-full"
}

# the plain fixtures
gen_metrics run 30 5,6,12,13,14 20000 5
both 1 basic --dir run --gate 'duration_ms:p(95)<2900' --gate 'rss:slope<100KB/h' --warn-gate 'kpi.req_per_s:avg>=1000'

# lines for the full parser, interleaved with plain ones; malformed, overlong and partial lines
mkdir odd
long=$(printf '%*s' 1100000 '' | tr ' ' x)
{
	echo '{"schema":"1.0","iteration":1,"status":"p\u0061ss","duration_ms":10,"kpi":{"q\"x":1}}'
	echo '{"schema":"1.0","iteration":2,"status":"fail","exit_code":02,"duration_ms":1.,"end":"2026-01-01T00:01:00.000Z"}'
	printf '\xef\xbb\xbf{"schema":"1.0","iteration":3,"status":"pass","duration_ms":30}\n'
	echo '{"schema":"1.0","iteration":4,"status":"pass","status":"fail","duration_ms":40,"duration_ms":99} trailing'
	printf '{"schema":"1.0","iteration":5,"status":"timeout","timed_out":true,"log":"a\tb","duration_ms":5e1}\r\n'
	echo '{"schema":"1.0","iteration":6,"status":"pass","duration_ms":123456789012345678901234,"kpi":{"a":1e400,"b":-0.0,"c":[1],"a":2}}'
	echo '{"schema":"1.0","iteration":7,"status":"fail","signal":9,"exit_code":null,"steps":[{"name":"b\u00e9","status":"fail","exit_code":3}],"service":{"x":[[[[1]]]]}}'
	echo '{"schema":"1.0","iteration":8,"status":"pass","duration_ms":0.1e-2,"kpi":[1,2],"warnings":["w"]}'
	echo '{"schema":"1.0","iteration":9,"status":"pass",}'
	echo '{"schema":"1.0","iteration":10,"status":"bogus"}'
	echo 'not json'
	echo "{\"schema\":\"1.0\",\"iteration\":11,\"status\":\"pass\",\"log\":\"$long\"}"
	echo '[1,2,3]'
	echo '{"schema":"1.0","iteration":12,"status":"pass","duration_ms":120,"peak_rss_bytes":1e6,"open_fds":-1}'
	printf '{"schema":"1.0","iteration":13,"sta'
} >odd/metrics.jsonl
gen_metrics odd2 12 4
{
	echo '{"schema":"1.0","t":"2026-01-01T00:00:00.000Z","elapsed_s":0,"scope":"service","rss_bytes":1000,"open_fds":4,"threads":2}'
	echo '{"schema":"1.0","elapsed_s":60,"scope":"se\u0072vice","rss_bytes":2000,"open_fds":4,"threads":2}'
	echo '{"schema":"1.0","elapsed_s":120,"scope":"watch","rss_bytes":3000,"open_fds":5,"threads":2}'
	echo 'broken'
	echo '{"schema":"1.0","elapsed_s":180,"scope":"service","rss_bytes":4000.0,"open_fds":5,"threads":3}'
} >odd2/samples.jsonl
both 0 odd --dir odd --dir odd2 --max-bad-share 0.5 --junit-steps
S=odd-fast/POST_SOAK_SNAPSHOT.json
assert_json $S '.sources[0].records == 9 and .sources[0].bad_records == 5'
assert_json $S '.sources[0].bad_lines == [9, 10, 11, 12, 13]' # 12: the overlong line
assert_json $S '.sources[0].partial_last_line == true'
assert_json $S '.whole.counts.pass == 17 and .whole.counts.fail == 3 and .whole.counts.timeout == 1'
assert_json $S '.whole.kpi | has("q\"x") and has("a") and has("b")'
assert_json $S '.whole.metrics["service.rss"].count == 4 and .whole.metrics["service.rss"].max == 4000'
assert_contains odd-fast/FAILURES.md "step 'bé': exit code 3"

# realistic records past the exact-percentile limit (the sketch), with every format
cc -O2 -o gen "$SOAK_SRC/bench/gen-metrics.c" -lm || fail "cannot build bench/gen-metrics.c"
mkdir big
./gen 20000 7 >big/metrics.jsonl
both 1 big --dir big --gate 'pass_rate>=0.99' --warn-gate 'duration_ms:p(99)<3s' --junit-max 500
assert_jq_eq big-fast/POST_SOAK_SNAPSHOT.json .whole.iterations 20000
assert_json big-fast/POST_SOAK_SNAPSHOT.json '.whole.metrics.duration_ms.exact == false'
finish
