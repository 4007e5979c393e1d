# The HTTP store against a real nginx with WebDAV PUT/DELETE and a JSON autoindex
# on 127.0.0.1 (a free port, a temporary prefix): save, immutable keys, restore,
# restore keys (listing), lookup-only, a corrupt object, a server that is down.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/soak-bundle-cache/lib-cache.sh"

NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [[ ! -x $NGINX ]]; then
	fail "nginx is not installed (scripts/install-deps.sh installs nginx-light)"
	finish
fi
port=$(free_port)
ng=$TMP/nginx
mkdir -p "$ng/www/cache" "$ng/tmp" "$ng/logs"
user_line=
[[ $(id -u) == 0 ]] && user_line="user $(id -un) $(id -gn);"
cat >"$ng/nginx.conf" <<CONF
$user_line
worker_processes 1;
daemon off;
pid $ng/nginx.pid;
error_log $ng/logs/error.log;
events { worker_connections 64; }
http {
	access_log $ng/logs/access.log;
	client_body_temp_path $ng/tmp/body;
	proxy_temp_path $ng/tmp/proxy;
	fastcgi_temp_path $ng/tmp/fastcgi;
	uwsgi_temp_path $ng/tmp/uwsgi;
	scgi_temp_path $ng/tmp/scgi;
	client_max_body_size 0;
	server {
		listen 127.0.0.1:$port;
		root $ng/www;
		location /cache/ {
			dav_methods PUT DELETE;
			create_full_put_path on;
			dav_access user:rw group:r all:r;
			autoindex on;
			autoindex_format json;
		}
	}
}
CONF
"$NGINX" -p "$ng" -c "$ng/nginx.conf" -e "$ng/logs/error.log" >"$ng/logs/stdout" 2>&1 &
ngpid=$!
trap 'kill $ngpid 2>/dev/null; wait $ngpid 2>/dev/null' EXIT
for _ in $(seq 100); do
	curl -s -o /dev/null "http://127.0.0.1:$port/cache/" && break
	sleep 0.1
done
store=http://127.0.0.1:$port/cache/ci
curl -s -o /dev/null "http://127.0.0.1:$port/cache/" && pass || fail "nginx did not start: $(cat "$ng/logs/error.log")"

mkdir -p ws/d/sub && cd ws || exit 1
head -c 300000 /dev/urandom >d/sub/data
printf 'one\n' >d/f
ln -s f d/link
want=$(listing d)

expect_exit 0 "$BUNDLE" cache save --key http-1 --path d --store "$store"
assert_match "$OUT" "^cache saved with key 'http-1'"
assert_eq "$(find "$ng/www/cache/ci" -name 'http-1.json' | wc -l)" 1 "metadata on the server"
assert_eq "$(find "$ng/www/cache/ci" -name 'http-1.*.tar.zst' | wc -l)" 1 "archive on the server"
expect_exit 0 "$BUNDLE" cache save --key http-1 --path d --store "$store"
assert_contains "$ERR" "cache entry for key 'http-1' exists already; not saved"

rm -rf d
expect_exit 0 "$BUNDLE" cache restore --key http-1 --path d --store "$store"
assert_contains "$OUT" "cache restored from key 'http-1':"
assert_eq "$(listing d)" "$want" "restored over HTTP"

# restore keys need the listing: the newest of the prefix wins
printf 'two\n' >d/f
sleep 1.1
expect_exit 0 "$BUNDLE" cache save --key http-2 --path d --store "$store"
rm -rf d
expect_exit 0 env GITHUB_ACTIONS=true GITHUB_OUTPUT="$TMP/gh" "$BUNDLE" cache restore --key http-9 --restore-keys http- --path d --store "$store"
assert_contains "$OUT" "cache restored from key 'http-2' (a restore key)"
assert_eq "$(cat d/f)" two "newest by prefix"
assert_eq "$(grep -A1 '^cache-hit<<' "$TMP/gh" | tail -n1)" false "cache-hit"
expect_exit 0 "$BUNDLE" cache restore --key http-1 --path d --store "$store" --lookup-only
assert_contains "$OUT" "cache found with key 'http-1'"
expect_exit 5 "$BUNDLE" cache restore --key none --restore-keys zzz --path d --store "$store" --fail-on-cache-miss
assert_contains "$ERR" "cache not found for keys 'none', 'zzz'"

# a corrupt object on the server: a miss with a warning, the target untouched
blob=$(find "$ng/www/cache/ci" -name 'http-1.*.tar.zst')
printf 'XXXX' | dd of="$blob" bs=1 seek=100 conv=notrunc status=none
before=$(listing d)
expect_exit 0 "$BUNDLE" cache restore --key http-1 --path d --store "$store"
assert_contains "$ERR" "cannot be restored: the archive's SHA-256 is"
assert_eq "$(listing d)" "$before" "target untouched"

# a server that is down: an environment error (exit 4), no retries asked
kill "$ngpid" && wait "$ngpid" 2>/dev/null
expect_exit 4 "$BUNDLE" cache restore --key http-1 --path d --store "$store" --http-retries 0
assert_contains "$ERR" "soak-bundle: cannot GET 'http://127.0.0.1:$port/cache/ci/"
finish
