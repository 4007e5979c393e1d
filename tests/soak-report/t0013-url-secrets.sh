#!/bin/bash
# --push names its URL in messages with the password and secret query values
# masked by the one URL masker (common/net/url.h): an unescaped '@' in the
# password does not show the rest of it. The job path goes before any query.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-report/lib-report.sh"

gen_metrics run 3 ""
# port 9 (discard) on loopback: nothing listens, the push fails with exit 4
expect_exit 4 "$REPORT" --dir run -f none -q --push 'http://user:pa@ssPW2@127.0.0.1:9/' --push-timeout 2s
assert_not_contains "$ERR" 'ssPW2'
assert_not_contains "$ERR" 'pa@'
assert_contains "$ERR" "'http://user:****@127.0.0.1:9/metrics/job/soak'"
# a token in the query: masked, and the job path goes before the query
expect_exit 4 "$REPORT" --dir run -f none -q --push 'http://127.0.0.1:9/x?token=SECRET&a=1' --push-timeout 2s
assert_not_contains "$ERR" 'SECRET'
assert_contains "$ERR" "'http://127.0.0.1:9/x/metrics/job/soak?token=****&a=1'"
expect_exit 4 "$REPORT" --dir run -f none -q --push 'http://127.0.0.1:9/metrics/job/j1?access_token=SECRET' --push-timeout 2s
assert_not_contains "$ERR" 'SECRET'
assert_contains "$ERR" "'http://127.0.0.1:9/metrics/job/j1?access_token=****'"
finish
