# Network faults for the remote stores (HTTP and S3), against the recording server
# of the canary tests (tests/soak-canary/httpd.py) on 127.0.0.1: 5xx answers are
# retried exactly --http-retries times and then exit 4 naming the URL and the
# status; a body cut short, a server too slow for --http-timeout and a refused
# connection are exit 4 with curl's reason; a restore that fails leaves the
# target as it was. --on-error warn turns such a failure into a warning (a
# restore into a miss, with its outputs), as actions/cache does. The S3 store sends SigV4-signed requests to its endpoint.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/soak-canary/lib-canary.sh"
. "$SOAK_SRC/tests/soak-bundle-cache/lib-cache.sh"

start_httpd srv
H=http://127.0.0.1:$HTTPD_PORT
mkdir -p ws/deps
printf 'alpha\n' >ws/deps/a.txt
before=$(listing ws/deps)

# script JSON: what the server answers from now on; the request log starts afresh
script()
{
	printf '%s\n' "$1" >srv/script.json
	rm -f srv/requests.jsonl srv/count
}
requests() { [[ -f srv/requests.jsonl ]] && wc -l <srv/requests.jsonl || echo 0; }

# --- 500 on every request: 1 + 2 attempts, then exit 4 ---
script '{"default": {"status": 500, "body": "boom"}}'
expect_exit 4 "$BUNDLE" cache save --key k --path deps --root ws --store "$H/c/" --http-retries 2
assert_eq "$(requests)" 3 "save: one request and two retries"
assert_match "$ERR" "^soak-bundle: cannot GET '$H/c/[0-9a-f]{64}/k\.json': HTTP status 500: boom$"
script '{"default": {"status": 500, "body": "boom"}}'
expect_exit 4 "$BUNDLE" cache restore --key k --path deps --root ws --store "$H/c/" --http-retries 1
assert_eq "$(requests)" 2 "restore: one request and one retry"
assert_contains "$ERR" "HTTP status 500"
assert_eq "$(listing ws/deps)" "$before" "restore after 500: target untouched"

# --- a 4xx other than 404/408/429 is final: no retry ---
script '{"default": {"status": 403, "body": "denied"}}'
expect_exit 4 "$BUNDLE" cache restore --key k --path deps --root ws --store "$H/c/" --http-retries 3
assert_eq "$(requests)" 1 "403: not retried"
assert_contains "$ERR" "HTTP status 403"

# --- a body shorter than its Content-Length ---
script '{"default": {"status": 200, "body": "{\"sche", "content_length": 500}}'
expect_exit 4 "$BUNDLE" cache restore --key k --path deps --root ws --store "$H/c/" --http-retries 1
assert_eq "$(requests)" 2 "truncated body: retried once"
assert_contains "$ERR" "transfer closed with 494 bytes remaining to read"
assert_eq "$(listing ws/deps)" "$before" "restore after a truncated body: target untouched"

# --- a server slower than --http-timeout ---
script '{"default": {"status": 200, "body": "{}", "delay": 4}}'
expect_exit 4 "$BUNDLE" cache restore --key k --path deps --root ws --store "$H/c/" \
	--http-retries 0 --http-timeout 500ms
assert_eq "$(requests)" 1 "timeout: one request"
assert_match "$ERR" "Operation timed out after [0-9]+ milliseconds"

# --- nobody listening ---
dead=http://127.0.0.1:$(free_port)
expect_exit 4 "$BUNDLE" cache save --key k --path deps --root ws --store "$dead/c/" --http-retries 1
assert_contains "$ERR" "cannot GET '$dead/c/"
assert_match "$ERR" "(Couldn't connect to server|Connection refused|Failed to connect)"

# --- --on-error warn: as actions/cache, the job goes on (a restore is a miss) ---
expect_exit 0 env GITHUB_ACTIONS=true GITHUB_OUTPUT="$TMP/gh_out" "$BUNDLE" cache restore --key k \
	--restore-keys k- --path deps --root ws --store "$dead/c/" --http-retries 0 --on-error warn
assert_match "$ERR" "^soak-bundle: warning: cache restore failed: cannot GET '$dead/c/.*; treated as a miss \(--on-error warn\)$"
assert_match "$OUT" "^::warning title=cache restore::cannot GET '$dead/c/"
assert_contains "$OUT" "cache not found for keys 'k', 'k-'"
assert_eq "$(grep -A1 '^cache-hit<<' "$TMP/gh_out" | tail -n1)" false "--on-error warn: cache-hit"
assert_eq "$(grep -A1 '^cache-primary-key<<' "$TMP/gh_out" | tail -n1)" k "--on-error warn: cache-primary-key"
assert_eq "$(listing ws/deps)" "$before" "--on-error warn: target untouched"
expect_exit 5 "$BUNDLE" cache restore --key k --path deps --root ws --store "$dead/c/" \
	--http-retries 0 --on-error warn --fail-on-cache-miss
assert_contains "$ERR" "cache not found for keys 'k' (--fail-on-cache-miss)"
expect_exit 0 "$BUNDLE" cache save --key k --path deps --root ws --store "$dead/c/" --http-retries 0 \
	--on-error warn
assert_match "$ERR" "^soak-bundle: warning: cache save failed: .*; nothing saved \(--on-error warn\)$"
expect_exit 0 env SOAK_ON_ERROR=warn "$BUNDLE" cache save --key k --path deps --root ws \
	--store "$dead/c/" --http-retries 0
assert_contains "$ERR" "nothing saved (--on-error warn)"
expect_exit 4 env SOAK_ON_ERROR=warn "$BUNDLE" cache save --key k --path deps --root ws \
	--store "$dead/c/" --http-retries 0 --on-error fail
expect_exit 2 "$BUNDLE" cache save --key k --path deps --root ws --on-error ignore
assert_contains "$ERR" "invalid value 'ignore' for 'on-error': expected 'fail' or 'warn'"

# --- the S3 store: SigV4 requests to the endpoint; 503 retried, then exit 4 ---
script '{"default": {"status": 503, "body": "slow down"}}'
AWS_ACCESS_KEY_ID=AKTEST AWS_SECRET_ACCESS_KEY=s3cret expect_exit 4 "$BUNDLE" cache save \
	--key k --path deps --root ws --store s3://bkt/pre --s3-endpoint "$H" --s3-path-style \
	--s3-region eu-west-1 --http-retries 1
assert_eq "$(requests)" 2 "s3 503: one retry"
assert_json -s srv/requests.jsonl 'all(.path | test("^/bkt/pre/[0-9a-f]{64}/k\\.json$"))'
assert_json -s srv/requests.jsonl \
	'all(.headers.authorization | startswith("AWS4-HMAC-SHA256 Credential=AKTEST/") and contains("/eu-west-1/s3/aws4_request"))'
assert_not_contains "$ERR" s3cret
assert_contains "$ERR" "HTTP status 503: slow down"
script '{"default": {"status": 200, "body": "<ListBucketResult", "content_length": 900}}'
AWS_ACCESS_KEY_ID=AKTEST AWS_SECRET_ACCESS_KEY=s3cret expect_exit 4 "$BUNDLE" cache restore \
	--key k --path deps --root ws --store s3://bkt/pre --s3-endpoint "$H" --s3-path-style \
	--http-retries 0
assert_contains "$ERR" "bytes remaining to read"
assert_eq "$(listing ws/deps)" "$before" "s3 restore after a truncated body: target untouched"
finish
