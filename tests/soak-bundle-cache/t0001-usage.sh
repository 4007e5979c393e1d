# soak-bundle cache: help, usage errors and key rules (exit 2, nothing stored).
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/soak-bundle-cache/lib-cache.sh"

expect_exit 0 "$BUNDLE" cache --help
assert_contains "$OUT" "usage: soak-bundle cache save --key KEY --path PATH..."
for opt in --key --path --restore-keys --root --store --lookup-only --fail-on-cache-miss \
	--enable-cross-os-archive --compression --max-store-size --max-size --max-ratio \
	--s3-endpoint --s3-region --s3-path-style; do
	assert_contains "$OUT" "$opt"
done
expect_exit 0 "$BUNDLE" --help
assert_contains "$OUT" "soak-bundle cache save|restore"

mkdir -p d && echo x >d/f
expect_exit 2 "$BUNDLE" cache
assert_contains "$ERR" "soak-bundle: no cache command given (save or restore)"
expect_exit 2 "$BUNDLE" cache load --key k --path d
assert_contains "$ERR" "unknown cache command 'load' (save or restore)"
expect_exit 2 "$BUNDLE" cache save --path d --store s
assert_contains "$ERR" "no --key given"
expect_exit 2 "$BUNDLE" cache save --key k --store s
assert_contains "$ERR" "no --path given"
expect_exit 2 "$BUNDLE" cache save --key a,b --path d --store s
assert_contains "$ERR" "the key 'a,b' has a comma; commas are not allowed"
expect_exit 2 "$BUNDLE" cache save --key "$(printf 'k%.0s' {1..513})" --path d --store s
assert_contains "$ERR" "the key has 513 characters; at most 512 are allowed"
# 512 characters (multi-byte ones count once) are fine
long=$(printf 'é%.0s' {1..512})
expect_exit 0 "$BUNDLE" cache save --key "$long" --path d --store s
expect_exit 0 "$BUNDLE" cache restore --key "$long" --path d --store s --lookup-only
assert_contains "$OUT" "cache found with key '$long'"
expect_exit 2 "$BUNDLE" cache restore --key k --restore-keys 'x,y' --path d --store s
assert_contains "$ERR" "the restore key 'x,y' has a comma"
expect_exit 2 "$BUNDLE" cache save --key k --restore-keys x --path d --store s
assert_contains "$ERR" "'--restore-keys' is an option of 'cache restore'"
expect_exit 2 "$BUNDLE" cache save --key k --lookup-only --path d --store s
assert_contains "$ERR" "'--lookup-only' is an option of 'cache restore'"
expect_exit 2 "$BUNDLE" cache save --key k --compression xz --path d --store s
assert_contains "$ERR" "invalid compression 'xz': expected 'zstd' or 'gzip'"
expect_exit 2 "$BUNDLE" cache save --key k --path d --store ftp://x/
assert_contains "$ERR" "unknown store 'ftp://x/'"
expect_exit 2 "$BUNDLE" cache restore --key k --path d --store s3://Bad_Bucket
assert_contains "$ERR" "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
expect_exit 2 env AWS_ACCESS_KEY_ID=a AWS_SECRET_ACCESS_KEY=b "$BUNDLE" cache restore --key k --path d --store s3://Bad_Bucket
assert_contains "$ERR" "'Bad_Bucket' is no bucket name"
expect_exit 2 "$BUNDLE" cache save --key k --path d --store s extra
assert_contains "$ERR" "unexpected argument 'extra'"
expect_exit 2 "$BUNDLE" cache save --key k --path d --archive zip
assert_contains "$ERR" "'--archive' is not an option of 'cache'"
# only the one good save above went into the store
assert_eq "$(find s -name '*.json' | wc -l)" 1 "entries in the store"
finish
