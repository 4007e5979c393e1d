#!/bin/bash
# cache --store URLs in messages: the password masked by the one URL masker
# (common/net/url.h), the userinfo ending at the last '@'; secret query values masked.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-canary/lib-canary.sh" # the recording server
. "$SOAK_SRC/tests/soak-bundle-cache/lib-cache.sh"

mkdir d && echo x >d/f
for cmd in save restore; do
	expect_exit 4 "$BUNDLE" cache $cmd --key k1 --path d --store 'http://user:pa@ssPW2@127.0.0.1:9/c'
	assert_not_contains "$ERR" 'ssPW2'
	assert_contains "$ERR" "'http://user:****@127.0.0.1:9/c/"
done
expect_exit 2 "$BUNDLE" cache save --key k1 --path d --store 'ftp://u:pa@ssPW2@h/'
assert_not_contains "$ERR" 'ssPW2'
assert_contains "$ERR" "unknown store 'ftp://u:****@h/'"
# a token in the query: masked, and never followed by the object's path
for st in 'http://127.0.0.1:9/c?token=SECRET' 'http://127.0.0.1:9?token=a@SECRET' \
	'http://user:pa@ssPW2@127.0.0.1:9/c?access_key=SECRET&x=1'; do
	expect_exit 4 "$BUNDLE" cache restore --key k1 --path d --restore-keys k --store "$st"
	assert_not_contains "$ERR" 'SECRET'
	assert_not_contains "$ERR" 'ssPW2'
	assert_match "$ERR" "^soak-bundle: cannot GET 'http://(user:[*]{4}@)?127\.0\.0\.1:9/(c/)?[0-9a-f]{64}/k1\.json'"
done

# what reaches the server: each object's path before the query, the userinfo up to
# its last '@' as Basic authentication; no secret in any output under GitHub Actions
start_httpd srv
echo '{"default": {"status": 404, "body": "no"}}' >srv/script.json
: >gh-out
: >gh-sum
expect_exit 0 env GITHUB_ACTIONS=true GITHUB_OUTPUT=$TMP/gh-out GITHUB_STEP_SUMMARY=$TMP/gh-sum \
	"$BUNDLE" cache restore --key k1 --path d --store "http://user:pa@ssPW2@127.0.0.1:$HTTPD_PORT/c?token=SECRET"
assert_jq_eq -s srv/requests.jsonl '.[0].method' GET
assert_match srv/requests.jsonl '"path": "/c/[0-9a-f]{64}/k1\.json\?token=SECRET"'
assert_jq_eq -s srv/requests.jsonl '.[0].headers.authorization' "Basic $(printf 'user:pa@ssPW2' | base64)"
for f in "$OUT" "$ERR" gh-out gh-sum; do
	assert_not_contains "$f" 'ssPW2'
	assert_not_contains "$f" 'SECRET'
done
finish
