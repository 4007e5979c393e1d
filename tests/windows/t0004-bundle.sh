# soak-bundle.exe release and verify under Wine: a soak directory from soak-run.exe
# and soak-report.exe, bundled (directory and tar.gz) and verified (exit 0); a
# corrupted, removed or added file makes verify exit 1. Bundles made by the Linux
# build from the same input verify on Windows, and are the same bytes.
. "$(dirname "$0")/lib.sh"

LINUX_BUNDLE=${SOAK_LINUX_BIN:-$SOAK_SRC/build/bin}/soak-bundle
export SOURCE_DATE_EPOCH=1700000000

wrun 0 soak-run -q -d "$WWD\\soak" -n 3 -- cmd /c "echo ok"
wrun 0 soak-report -q -d "$WWD\\soak" --gate 'pass_rate>=0.99'
assert_json "$WD/soak/reports/POST_SOAK_SNAPSHOT.json" '.verdict == "PASS"'

# corrupt_checks DIR WINDIR: verify of the directory bundle finds each damage (exit 1)
corrupt_checks()
{
	local d=$1 wd=$2
	cp -a "$d" "$d.good"
	# one byte changed, same size
	printf 'X' | dd of="$d/POST_SOAK_AUDIT.md" bs=1 seek=3 conv=notrunc status=none
	wrun 1 soak-bundle verify "$wd"
	assert_contains "$OUT" "altered: 'POST_SOAK_AUDIT.md' (sha256 or size differs from SHA256SUMS and MANIFEST.json)"
	assert_lines "$OUT" 1
	assert_contains "$ERR" "soak-bundle: bundle '$wd' does not verify: 1 problem"
	rm -rf "$d" && cp -a "$d.good" "$d"
	rm "$d/FAILURES.md"
	printf 'echo pwned\n' >"$d/evil.cmd"
	wrun 1 soak-bundle verify "$wd"
	assert_contains "$OUT" "missing: 'FAILURES.md'"
	assert_contains "$OUT" "extra: 'evil.cmd'"
	assert_contains "$ERR" "does not verify: 2 problems"
	rm -rf "$d" && mv "$d.good" "$d"
	wrun 0 soak-bundle verify "$wd"
}

# --- release by the Windows build ---
# A directory named within the ANSI code page; the last checks below use a bundle
# named outside it.
AD="$WD/dossier été"
mkdir -p "$AD"
WAD=$(winpath "$AD")
B="$AD/dist/rel 1"
wrun 0 soak-bundle release --src "$WWD\\soak" --out "$WAD\\dist\\rel 1" --archive tar.gz
if [[ ! -d $B ]]; then
	# one failure for the whole block: there is no bundle to look at
	fail "soak-bundle.exe release made no bundle: $(head -n 1 "$ERR")"
	echo "FAIL (bug): soak-bundle.exe release refuses every report; the checks of the Windows bundle were not run" >&2
else
	assert_contains "$OUT" "bundle: $WAD\\dist\\rel 1 (9 files"
	assert_file "$B.tar.gz"
	for f in CHANGELOG.md FAILURES.md MANIFEST.json POST_SOAK_AUDIT.md POST_SOAK_SNAPSHOT.json RECOMMENDATIONS.md SHA256SUMS rollback_plan.md run.json; do
		assert_file "$B/$f"
	done
	assert_json "$B/MANIFEST.json" '.verdict == "PASS" and .created == "2023-11-14T22:13:20.000Z" and (.files | length == 7) and (.files | map(.path) == (map(.path) | sort))'
	assert_json "$B/MANIFEST.json" '.files | all(.mode == "0644")'
	(cd "$B" && sha256sum -c --quiet SHA256SUMS) && pass || fail "sha256sum -c SHA256SUMS in the Windows bundle"
	cmp -s "$B/POST_SOAK_SNAPSHOT.json" "$WD/soak/reports/POST_SOAK_SNAPSHOT.json" && pass || fail "the snapshot in the bundle is the report's"
	wrun 0 soak-bundle verify "$WAD\\dist\\rel 1"
	assert_contains "$OUT" "8 files verified"
	wrun 0 soak-bundle verify "$WAD\\dist\\rel 1.tar.gz"
	assert_contains "$OUT" "8 files verified"
	corrupt_checks "$B" "$WAD\\dist\\rel 1"
	# an existing --out is refused without --force
	wrun 2 soak-bundle release --src "$WWD\\soak" --out "$WAD\\dist\\rel 1"
fi

# --- a bundle made by the Linux build from the same soak directory ---
if [[ ! -x $LINUX_BUNDLE ]]; then
	echo "skip: bundles of the Linux build: no '$LINUX_BUNDLE' (set SOAK_LINUX_BIN)"
else
	mkdir -p "$WD/ldist"
	# without git, as under Wine, so both builds write the same changelog
	expect_exit 0 env PATH="$TMP/no-git" "$LINUX_BUNDLE" release --src "$WD/soak" --out "$WD/ldist/rel 1" --archive tar.gz
	L="$WD/ldist/rel 1"
	wrun 0 soak-bundle verify "$WWD\\ldist\\rel 1"
	assert_contains "$OUT" "bundle '$WWD\\ldist\\rel 1': 8 files verified"
	wrun 0 soak-bundle verify "$WWD\\ldist\\rel 1.tar.gz"
	corrupt_checks "$L" "$WWD\\ldist\\rel 1"
	# a damaged archive: one byte flipped in the compressed data, then truncated
	cp "$L.tar.gz" "$TMP/bad.tar.gz"
	printf '\x00\x00\x00\x00' | dd of="$TMP/bad.tar.gz" bs=1 seek=200 conv=notrunc status=none
	wrun 3 soak-bundle verify "$(winpath "$TMP/bad.tar.gz")"
	head -c 300 "$L.tar.gz" >"$TMP/short.tar.gz"
	wrun 3 soak-bundle verify "$(winpath "$TMP/short.tar.gz")"
	# the same input gives the same bytes, whichever build made it
	if [[ -f $B.tar.gz ]]; then
		assert_eq "$(sha256sum <"$B.tar.gz")" "$(sha256sum <"$L.tar.gz")" "sha256 of the Windows and the Linux build's archive"
	else
		fail "no Windows archive to compare with the Linux build's"
	fi
fi

# --- a bundle named outside the ANSI code page, as tar.gz and zip ---
for a in tar.gz zip; do
	wrun 0 soak-bundle release --src "$WWD\\soak" --out "$WWD\\发布 Ω 😀 $a" --archive $a
	assert_file "$WD/发布 Ω 😀 $a.$a"
	wrun 0 soak-bundle verify "$WWD\\发布 Ω 😀 $a.$a"
	assert_contains "$OUT" "8 files verified"
	if [[ -x $LINUX_BUNDLE ]]; then
		expect_exit 0 "$LINUX_BUNDLE" verify "$WD/发布 Ω 😀 $a.$a"
		assert_contains "$OUT" "8 files verified"
	fi
done
if command -v unzip >/dev/null; then
	unzip -l "$WD/发布 Ω 😀 zip.zip" >"$TMP/unzip-l.txt"
	assert_contains "$TMP/unzip-l.txt" "发布 Ω 😀 zip/MANIFEST.json"
fi

finish
