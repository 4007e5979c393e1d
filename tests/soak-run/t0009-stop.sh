# soak-run, point 8: stop conditions --max-failures, --max-consecutive-failures,
# --fail-fast and the disk guard --min-free-disk; exit 1 with the stop reason.
. "$(dirname "$0")/../lib.sh"

# fails_on "2 3": a command failing on those iterations
fails_on()
{
	echo "for i in $1; do [ \"\$SOAK_ITERATION\" = \$i ] && exit 1; done; exit 0"
}

# stopped DIR REASON ITERATIONS: the run stopped after ITERATIONS with REASON
stopped()
{
	assert_lines "$1/metrics.jsonl" "$3"
	assert_json "$1/summary.json" ".state == \"aborted\" and .stop_reason == \"$2\" and .iterations == $3 and .exit_code == 1"
	assert_json -s "$1/events.jsonl" "any(.event == \"stop\" and ((.reason // \"\") == \"$2\" or ((.message // \"\") | contains(\"$2\"))))"
	assert_jq_eq -s "$1/events.jsonl" '.[-1].event' end
}

# --- --max-failures N: up to N failures exit 0, one more stops with 1 ---
expect_exit 0 "$SOAK_RUN" -q -d mf-ok -n 6 --max-failures 2 -- sh -c "$(fails_on "2 5")"
assert_json mf-ok/summary.json '.state == "completed" and .iterations == 6 and .failed == 2 and .exit_code == 0'
expect_exit 1 "$SOAK_RUN" -q -d mf -n 10 --max-failures 2 -- sh -c "$(fails_on "2 5 6 7 8")"
stopped mf max_failures 6
expect_exit 1 "$SOAK_RUN" -q -d mf0 -n 10 --max-failures 0 -- sh -c "$(fails_on "3")"
stopped mf0 max_failures 3
# timeouts and errors are failures too
expect_exit 1 "$SOAK_RUN" -q -d mf-kinds -n 10 --max-failures 1 --timeout 300ms --kill-after 1s \
	-- sh -c '[ "$SOAK_ITERATION" = 2 ] && exec sleep 30; [ "$SOAK_ITERATION" = 4 ] && exit 9; exit 0'
stopped mf-kinds max_failures 4
assert_json -s mf-kinds/metrics.jsonl 'map(.status) == ["pass", "timeout", "pass", "fail"]'
# the counts are disjoint and add up to the iterations; failures names the total
assert_json mf-kinds/summary.json '.passed == 2 and .failed == 1 and .timed_out == 1 and .errors == 0 and .failures == 2'
assert_json mf-kinds/summary.json '.passed + .failed + .timed_out + .errors + .skipped == .iterations'

# --- --max-consecutive-failures N ---
expect_exit 1 "$SOAK_RUN" -q -d mc -n 10 --max-consecutive-failures 2 -- sh -c "$(fails_on "2 4 5 6")"
stopped mc max_consecutive_failures 5
assert_json mc/summary.json '.consecutive_failures == 2 and .max_consecutive_failures == 2 and .failed == 3'
assert_json mc/health.json '.status == "unhealthy" and .consecutive_failures == 2'

# --- --fail-fast ---
expect_exit 1 "$SOAK_RUN" -q -d ff -n 10 --fail-fast -- sh -c "$(fails_on "3")"
stopped ff fail_fast 3
assert_json ff/summary.json '.first_failure == 3 and .last_status == "fail"'
expect_exit 1 "$SOAK_RUN" -q -d ff-err -n 10 --fail-fast -- no-such-command-soak-test
stopped ff-err fail_fast 1
assert_json ff-err/metrics.jsonl '.status == "error"'
# through the environment, as every setting
expect_exit 1 env SOAK_FAIL_FAST=true "$SOAK_RUN" -q -d ff-env -n 10 -- sh -c "$(fails_on "1")"
stopped ff-env fail_fast 1

# --- the disk guard: far more free space asked for than any disk has ---
expect_exit 1 "$SOAK_RUN" -q -d disk -n 5 --min-free-disk 1000TiB -- touch ran
assert_no_file ran
assert_json disk/summary.json '.state == "aborted" and .stop_reason == "min_free_disk" and .iterations == 0 and .exit_code == 1'
assert_eq "$(cat disk/metrics.jsonl 2>/dev/null | wc -l)" 0 "iterations run with the disk guard tripped"
assert_json -s disk/events.jsonl 'any(.event == "stop" and ((.reason // "") == "min_free_disk" or ((.message // "") | contains("min_free_disk"))))'
assert_match "$ERR" 'min-free-disk|free disk|disk'
# a small guard does not trip
expect_exit 0 "$SOAK_RUN" -q -d disk-ok -n 2 --min-free-disk 1MiB -- true
assert_lines disk-ok/metrics.jsonl 2

finish
