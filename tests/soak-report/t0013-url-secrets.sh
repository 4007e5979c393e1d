#!/bin/bash
# --push names its URL in messages with the password and secret query values
# masked by the one URL masker (common/net/url.h): an unescaped '@' in the
# password does not show the rest of it. The job path goes before any query.
. "$SOAK_SRC/tests/lib.sh"
# lib-canary.sh for the recording server (start_httpd), lib-report.sh for gen_metrics
. "$SOAK_SRC/tests/soak-canary/lib-canary.sh"
. "$SOAK_SRC/tests/soak-report/lib-report.sh"

gen_metrics run 3 ""
# a '@' in a query value is not userinfo (the authority ends at '/', '?' or '#')
expect_exit 4 "$REPORT" --dir run -f none -q --push 'http://127.0.0.1:9?token=a@SECRET' --push-timeout 2s
assert_not_contains "$ERR" 'SECRET'
assert_contains "$ERR" "'http://127.0.0.1:9/metrics/job/soak?token=****'"
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

# what reaches the server: the job path before the query, the userinfo up to its
# last '@' as Basic authentication (libcurl alone refuses such a URL), a %40 decoded;
# under GitHub Actions no secret in stdout, stderr, outputs or the job summary
start_httpd srv
H=127.0.0.1:$HTTPD_PORT
: >gh-out
: >gh-sum
expect_exit 0 env GITHUB_ACTIONS=true GITHUB_OUTPUT=$TMP/gh-out GITHUB_STEP_SUMMARY=$TMP/gh-sum \
	"$REPORT" --dir run --push "http://user:pa@ssPW2@$H/x?token=SECRET&a=1"
assert_jq_eq -s srv/requests.jsonl '.[0].method' PUT
assert_jq_eq -s srv/requests.jsonl '.[0].path' '/x/metrics/job/soak?token=SECRET&a=1'
assert_jq_eq -s srv/requests.jsonl '.[0].headers.authorization' "Basic $(printf 'user:pa@ssPW2' | base64)"
for f in "$OUT" "$ERR" gh-out gh-sum; do
	assert_not_contains "$f" 'ssPW2'
	assert_not_contains "$f" 'SECRET'
done
assert_eq "$(grep -rl -e ssPW2 -e SECRET run | tr '\n' ' ')" "" 'files of the soak directory naming a secret'
rm -f srv/requests.jsonl
expect_exit 0 "$REPORT" --dir run -f none -q --push "http://us%65r:pa%40ss:PW2@$H/"
assert_jq_eq -s srv/requests.jsonl '.[0].path' '/metrics/job/soak'
assert_jq_eq -s srv/requests.jsonl '.[0].headers.authorization' "Basic $(printf 'user:pa@ss:PW2' | base64)"
finish
