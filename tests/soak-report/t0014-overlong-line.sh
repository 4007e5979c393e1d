#!/bin/bash
# A malformed line over the 1 MiB line limit of metrics.jsonl is reported with
# its line number, in its place among the other malformed lines.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-report/lib-report.sh"
need jq

gen_metrics run 3 ""
{
	printf '{"x":"'
	head -c 1100000 /dev/zero | tr '\0' a
	printf '"}\n{bad\n'
} >>run/metrics.jsonl
expect_exit 3 "$REPORT" --dir run -f none -q
assert_contains "$ERR" "2 of 5 records are malformed"
assert_contains "$ERR" "first at lines 4, 5"
expect_exit 0 "$REPORT" --dir run -f json -q --max-bad-share 0.5
assert_contains "$ERR" "2 malformed records skipped (first at line 4)"
assert_eq "$(jq -c '.. | .bad_lines? // empty' run/reports/POST_SOAK_SNAPSHOT.json)" "[4,5]" "bad_lines"

# an overlong line first, before good ones
gen_metrics run2 3 ""
{
	printf '{"x":"'
	head -c 1100000 /dev/zero | tr '\0' a
	printf '"}\n'
	cat run2/metrics.jsonl
} >m && mv m run2/metrics.jsonl
expect_exit 3 "$REPORT" --dir run2 -f none -q
assert_contains "$ERR" "first at lines 1"
assert_not_contains "$ERR" "line 0"
finish
