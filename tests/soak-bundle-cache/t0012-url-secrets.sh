#!/bin/bash
# cache --store URLs in messages: the password masked by the one URL masker
# (common/net/url.h), the userinfo ending at the last '@'; secret query values masked.
. "$SOAK_SRC/tests/lib.sh"
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
finish
