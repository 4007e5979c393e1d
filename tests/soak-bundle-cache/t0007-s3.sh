# The S3 store against s3rver (installed from npm into tools/ by
# scripts/install-deps.sh), path-style on 127.0.0.1, SigV4 Authorization headers parsed by
# the server: save, immutable keys, restore, restore keys (ListObjectsV2), a
# prefix, an unknown access key (exit 4), a corrupt object.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/soak-bundle-cache/lib-cache.sh"

S3RVER=$SOAK_SRC/tools/node_modules/s3rver/bin/s3rver.js
if [[ ! -f $S3RVER ]] || ! command -v node >/dev/null; then
	fail "s3rver is not installed (scripts/install-deps.sh runs npm ci in tools/)"
	finish
fi
port=$(free_port)
mkdir -p "$TMP/s3data"
node "$S3RVER" -d "$TMP/s3data" -a 127.0.0.1 -p "$port" --silent --configure-bucket ci-cache >"$TMP/s3rver.log" 2>&1 &
s3pid=$!
trap 'kill $s3pid 2>/dev/null; wait $s3pid 2>/dev/null' EXIT
for _ in $(seq 150); do
	curl -s -o /dev/null "http://127.0.0.1:$port/" && break
	sleep 0.1
done
curl -s -o /dev/null "http://127.0.0.1:$port/" && pass || fail "s3rver did not start: $(cat "$TMP/s3rver.log")"
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
s3=(--store s3://ci-cache/runners/linux --s3-endpoint "http://127.0.0.1:$port" --s3-path-style --s3-region us-east-1)

mkdir -p ws/d && cd ws || exit 1
head -c 250000 /dev/urandom >d/data
printf 'one\n' >d/f
chmod 0640 d/f
want=$(listing d)

expect_exit 0 "$BUNDLE" cache save --key s3-1 --path d "${s3[@]}"
assert_match "$OUT" "^cache saved with key 's3-1'"
assert_eq "$(find "$TMP/s3data/ci-cache/runners/linux" -name 's3-1.json._S3rver_object' | wc -l)" 1 "metadata in the bucket, under the prefix"
expect_exit 0 "$BUNDLE" cache save --key s3-1 --path d "${s3[@]}"
assert_contains "$ERR" "cache entry for key 's3-1' exists already; not saved"
rm -rf d
expect_exit 0 "$BUNDLE" cache restore --key s3-1 --path d "${s3[@]}"
assert_contains "$OUT" "cache restored from key 's3-1':"
assert_eq "$(listing d)" "$want" "restored from S3"

printf 'two\n' >d/f
sleep 1.1
expect_exit 0 "$BUNDLE" cache save --key s3-2 --path d "${s3[@]}"
expect_exit 0 "$BUNDLE" cache save --key 'odd key/with spaces & more' --path d "${s3[@]}"
rm -rf d
expect_exit 0 "$BUNDLE" cache restore --key s3-x --restore-keys s3- --path d "${s3[@]}"
assert_contains "$OUT" "cache restored from key 's3-2' (a restore key)"
assert_eq "$(cat d/f)" two "newest by prefix"
expect_exit 0 "$BUNDLE" cache restore --key nope --restore-keys 'odd key/' --path d "${s3[@]}" --lookup-only
assert_contains "$OUT" "cache found with key 'odd key/with spaces & more' (a restore key)"
expect_exit 5 "$BUNDLE" cache restore --key nope --path d "${s3[@]}" --fail-on-cache-miss
# a session token is sent and signed (s3rver accepts it)
expect_exit 0 env AWS_SESSION_TOKEN=tok "$BUNDLE" cache restore --key s3-1 --path d "${s3[@]}" --lookup-only
assert_contains "$OUT" "cache found with key 's3-1'"

# the requests carry a SigV4 Authorization header: s3rver parses it and refuses an
# unknown access key (it does not recompute V4 signatures; libcurl computes them)
expect_exit 4 env AWS_ACCESS_KEY_ID=NOBODY "$BUNDLE" cache restore --key s3-1 --path d "${s3[@]}" --http-retries 0
assert_contains "$ERR" "HTTP status 403"
assert_contains "$ERR" "InvalidAccessKeyId"

# a corrupt object: a miss with a warning
obj=$(find "$TMP/s3data/ci-cache/runners/linux" -name 's3-1.*.tar.zst._S3rver_object' | head -n1)
[[ -n $obj ]] && printf 'XXXX' | dd of="$obj" bs=1 seek=50 conv=notrunc status=none
before=$(listing d)
expect_exit 0 "$BUNDLE" cache restore --key s3-1 --path d "${s3[@]}"
assert_contains "$ERR" "cannot be restored: the archive's SHA-256 is"
assert_eq "$(listing d)" "$before" "target untouched"
finish
