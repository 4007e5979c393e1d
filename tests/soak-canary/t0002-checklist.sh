#!/bin/bash
# soak-canary checklist: CANARY_CHECKLIST.md in the bundle with the gates, KPIs,
# rollback triggers, interval, duration and steps from the bundle and the
# configuration (flags and the config file's "canary" section); no placeholders.
# Written into a bundle, it is sealed there: MANIFEST.json and SHA256SUMS list it
# and the archive beside the bundle is rewritten, so the bundle still verifies.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-canary/lib-canary.sh"

BUNDLE=$SOAK_BIN/soak-bundle

make_bundle bundle PASS 0123456789abcdef0123456789abcdef01234567
cat >soak.json <<'JSON'
{ "canary": { "interval": "10m", "duration": "48h", "failure-limit": 2,
              "prometheus": "http://prom:9090",
              "metric": ["err=sum(rate(http_errors_total[5m]))"],
              "failure": "err > 0.01", "on-rollback": "kubectl rollout undo deploy/app" } }
JSON
expect_exit 0 "$CANARY" checklist --bundle bundle --config soak.json \
	--notify "tgram://123:SECRET/99"
assert_contains "$OUT" "checklist: bundle/CANARY_CHECKLIST.md (sealed in MANIFEST.json and SHA256SUMS)"
expect_exit 0 "$BUNDLE" verify bundle
assert_contains "$OUT" "bundle 'bundle': 3 files verified"
C=bundle/CANARY_CHECKLIST.md
assert_contains $C "# Canary checklist"
assert_contains $C "Soak run run-42, verdict PASS, commit 0123456789abcdef0123456789abcdef01234567; bundle \`bundle\`."
assert_contains $C "- Duration: 2d, checked every 10m (288 measurements)."
assert_contains $C "rollback after more than 2 failed measurements or more than 4 consecutive errors"
assert_contains $C "- Judge thresholds: PASS at a score of 95 or more, MARGINAL from 75."
assert_contains $C '- [ ] `duration_ms:p(95)<3s` (hard gate; soak value 2.5s, pass)'
assert_contains $C '- [ ] `rss:max<=50MiB` (soft gate; soak value 50 MiB, fail)'
assert_contains $C "- [ ] kpi.req_per_s: count 200, min 900, mean 1234, p95 1400, max 1500"
assert_contains $C "- [ ] duration_ms: count 200, min 80ms, mean 1.5s, p50 1.2s, p95 2.5s, p99 3.1s, max 3.4s"
assert_contains $C 'Prometheus queries watched at `http://prom:9090`:'
assert_contains $C '- [ ] `err=sum(rate(http_errors_total[5m]))`'
assert_contains $C '- a measurement fails when `err > 0.01`'
assert_contains $C '- rollback command: `kubectl rollout undo deploy/app`'
assert_contains $C "1. [ ] Deploy the canary of commit 0123456789abcdef0123456789abcdef01234567 beside the baseline."
assert_contains $C "2. [ ] Start the watch: measurements every 10m for 2d."
assert_contains $C 'Notified: `tgram://****/99`.'
assert_not_contains $C SECRET
assert_not_contains $C "TODO"
assert_not_contains $C "{{"
assert_not_contains $C "XXX"
assert_not_contains $C "n/a"

# defaults, no manifest, to stdout
make_bundle plain FAIL
expect_exit 0 "$CANARY" checklist --bundle plain --out -
assert_contains "$OUT" "- Duration: 1d, checked every 5m (288 measurements)."
assert_contains "$OUT" "no rollback command is configured"
assert_contains "$OUT" "(the bundle names no commit)"
assert_no_file plain/CANARY_CHECKLIST.md
expect_exit 0 "$CANARY" checklist --bundle plain --count 7 --interval 1h -q
assert_contains plain/CANARY_CHECKLIST.md "checked every 1h (7 measurements)"
assert_eq "$(cat "$OUT")" "" "quiet"
# a directory with neither MANIFEST.json nor SHA256SUMS is no bundle to seal
expect_exit 0 "$CANARY" checklist --bundle plain
assert_contains "$OUT" "checklist: plain/CANARY_CHECKLIST.md (not sealed: 'plain' has no MANIFEST.json or SHA256SUMS)"
assert_no_file plain/MANIFEST.json
assert_no_file plain/SHA256SUMS

# ---- sealed into a bundle made by soak-bundle release, and its archive ----

# sha FILE: the SHA-256 of FILE, as sha256sum prints it.
sha() { sha256sum "$1" | cut -d' ' -f1; }

# check_sealed DIR ARCHIVE: DIR and ARCHIVE verify, sha256sum accepts SHA256SUMS,
# and both lists name CANARY_CHECKLIST.md once with its hash, size and mode, sorted.
check_sealed()
{
	local dir=$1 archive=$2 h n
	h=$(sha "$dir/CANARY_CHECKLIST.md")
	n=$(stat -c %s "$dir/CANARY_CHECKLIST.md")
	expect_exit 0 "$BUNDLE" verify "$dir"
	assert_contains "$OUT" "bundle '$dir': 8 files verified"
	expect_exit 0 "$BUNDLE" verify "$archive"
	assert_contains "$OUT" "bundle '$archive': 8 files verified"
	expect_exit 0 sh -c "cd '$dir' && sha256sum --strict -c SHA256SUMS"
	assert_contains "$OUT" "CANARY_CHECKLIST.md: OK"
	assert_eq "$(grep -c CANARY_CHECKLIST.md "$dir/SHA256SUMS")" 1 "SHA256SUMS lines"
	assert_contains "$dir/SHA256SUMS" "$h  CANARY_CHECKLIST.md"
	expect_exit 0 env LC_ALL=C sort -c -k2 "$dir/SHA256SUMS"
	assert_jq_eq "$dir/MANIFEST.json" '[.files[] | select(.path == "CANARY_CHECKLIST.md")] | length' 1
	assert_jq_eq "$dir/MANIFEST.json" '.files[] | select(.path == "CANARY_CHECKLIST.md") | "\(.sha256) \(.size) \(.mode)"' "$h $n 0644"
	assert_json "$dir/MANIFEST.json" '[.files[].path] == ([.files[].path] | sort)'
	# the bundle's single time stamp and mode, as release sets them
	assert_eq "$(stat -c '%Y %a' "$dir" "$dir/CANARY_CHECKLIST.md" "$dir/MANIFEST.json" "$dir/SHA256SUMS" | sort -u | tr '\n' ' ')" \
		"1700000000 644 1700000000 755 " "times and modes"
}

write_ready()
{
	mkdir -p "$1"
	cp bundle/POST_SOAK_SNAPSHOT.json "$1/"
	echo "# audit" >"$1/POST_SOAK_AUDIT.md"
	echo "# recommendations" >"$1/RECOMMENDATIONS.md"
	echo "# failures" >"$1/FAILURES.md"
}
write_ready src
make_repo repo
release() # OUT FORMAT
{
	SOURCE_DATE_EPOCH=1700000000 "$BUNDLE" release -q --src src --repo repo --out "$1" \
		--archive "$2"
}

release rel tar.gz
jq -S 'del(.files)' rel/MANIFEST.json >man-before.json
expect_exit 0 "$CANARY" checklist --bundle rel --config soak.json
assert_contains "$OUT" "checklist: rel/CANARY_CHECKLIST.md (sealed in MANIFEST.json and SHA256SUMS)"
assert_contains "$OUT" "archive: rel.tar.gz (rewritten)"
check_sealed rel rel.tar.gz
assert_eq "$(jq -S 'del(.files)' rel/MANIFEST.json)" "$(cat man-before.json)" "the rest of the manifest"
expect_exit 0 tar -tzvf rel.tar.gz
assert_contains "$OUT" "rel/CANARY_CHECKLIST.md"
mkdir x && tar -xzf rel.tar.gz -C x
expect_exit 0 cmp x/rel/CANARY_CHECKLIST.md rel/CANARY_CHECKLIST.md
h1=$(sha rel.tar.gz)

# rewritten twice: still one entry, still valid; the same checklist gives the same
# archive whatever the time zone and umask
expect_exit 0 "$CANARY" checklist --bundle rel --count 7
assert_contains rel/CANARY_CHECKLIST.md "(7 measurements)"
check_sealed rel rel.tar.gz
expect_exit 0 env TZ=Asia/Tokyo sh -c "umask 077 && exec '$CANARY' checklist --bundle rel --config soak.json"
assert_contains "$OUT" "archive: rel.tar.gz (rewritten)"
check_sealed rel rel.tar.gz
assert_eq "$(sha rel.tar.gz)" "$h1" "archive rewritten twice"
expect_exit 0 "$CANARY" checklist --bundle rel/
assert_contains "$OUT" "archive: rel.tar.gz (rewritten)"
check_sealed rel rel.tar.gz

# zip and tar.zst the same way; a zip's DOS times do not depend on TZ
for f in zip tar.zst; do
	release "r-$f" $f
	expect_exit 0 env TZ=America/New_York "$CANARY" checklist --bundle "r-$f" -q
	assert_eq "$(cat "$OUT")" "" "quiet"
	check_sealed "r-$f" "r-$f.$f"
	h=$(sha "r-$f.$f")
	expect_exit 0 env TZ=UTC "$CANARY" checklist --bundle "r-$f" -q
	assert_eq "$(sha "r-$f.$f")" "$h" "$f rewritten in another time zone"
done

# a checklist an older soak-canary left unsealed is taken in
release old tar
echo "# old checklist" >old/CANARY_CHECKLIST.md
expect_exit 1 "$BUNDLE" verify old
expect_exit 0 "$CANARY" checklist --bundle old
check_sealed old old.tar
assert_not_contains old/CANARY_CHECKLIST.md "old checklist"

# --out into the bundle directory seals under that name; elsewhere leaves it alone
expect_exit 0 "$CANARY" checklist --bundle old --out old/NOTES.md
assert_contains "$OUT" "checklist: old/NOTES.md (sealed in MANIFEST.json and SHA256SUMS)"
expect_exit 0 "$BUNDLE" verify old.tar
assert_contains "$OUT" "9 files verified"
cp old/MANIFEST.json old-manifest.json
expect_exit 0 "$CANARY" checklist --bundle old --out elsewhere.md
assert_eq "$(cat "$OUT")" "checklist: elsewhere.md" "--out elsewhere"
expect_exit 0 cmp old/MANIFEST.json old-manifest.json
expect_exit 2 "$CANARY" checklist --bundle old --out old/MANIFEST.json
assert_contains "$ERR" "cannot add 'MANIFEST.json' to a bundle"
expect_exit 0 "$BUNDLE" verify old

# a bundle that does not verify is refused, untouched
release bad tar.gz
expect_exit 0 "$CANARY" checklist --bundle bad
echo tampered >>bad/FAILURES.md
cp -a bad bad-before
cp bad.tar.gz bad-before.tar.gz
expect_exit 1 "$CANARY" checklist --bundle bad --count 3
assert_contains "$ERR" "soak-canary: altered: 'FAILURES.md'"
assert_contains "$ERR" "bundle 'bad' does not verify (1 problem): not writing 'CANARY_CHECKLIST.md' into it"
expect_exit 0 diff -r bad bad-before
expect_exit 0 cmp bad.tar.gz bad-before.tar.gz
expect_exit 1 "$BUNDLE" verify bad
release extra tar
echo 'echo evil' >extra/evil.sh
expect_exit 1 "$CANARY" checklist --bundle extra
assert_contains "$ERR" "extra: 'evil.sh'"
assert_no_file extra/CANARY_CHECKLIST.md
release nosums tar
rm nosums/SHA256SUMS
expect_exit 1 "$CANARY" checklist --bundle nosums
assert_contains "$ERR" "missing: 'SHA256SUMS'"
assert_no_file nosums/CANARY_CHECKLIST.md

expect_exit 3 "$CANARY" checklist --bundle missing
expect_exit 2 "$CANARY" checklist
assert_contains "$ERR" "no --bundle given"
expect_exit 2 "$CANARY" checklist --bundle plain --interval 0
finish
