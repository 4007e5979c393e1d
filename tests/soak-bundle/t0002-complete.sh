#!/bin/bash
# soak-bundle release, point 2: completeness (required reports, --include matches,
# --require-verdict) exits 1 listing everything wrong and writes nothing; an
# existing output is refused (exit 2) unless --force, which replaces only a bundle.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-bundle/lib-bundle.sh"

make_repo repo

# --- two reports missing and an include that matches nothing: all three listed ---
write_reports r PASS
rm r/RECOMMENDATIONS.md r/FAILURES.md
expect_exit 1 "$BUNDLE" release --src r --out out --repo repo --include 'overrides/*.json'
assert_contains "$ERR" "soak-bundle: missing 'RECOMMENDATIONS.md' in 'r'"
assert_contains "$ERR" "soak-bundle: missing 'FAILURES.md' in 'r'"
assert_contains "$ERR" "soak-bundle: --include 'overrides/*.json' matched no file in 'r'"
assert_contains "$ERR" "soak-bundle: bundle incomplete: 3 problems"
assert_lines "$ERR" 4
assert_no_file out
assert_eq "$(ls -A | grep -c '^out')" 0 "no temporary output left"

# in a soak directory the reports are looked for in reports/
mkdir -p soakdir/reports
expect_exit 1 "$BUNDLE" release --src soakdir --out out --repo repo
assert_contains "$ERR" "missing 'reports/POST_SOAK_SNAPSHOT.json' in 'soakdir'"
assert_contains "$ERR" "missing 'reports/POST_SOAK_AUDIT.md' in 'soakdir'"
assert_contains "$ERR" "bundle incomplete: 4 problems"
assert_no_file out

# --- the verdict: WARN accepted by default, FAIL refused; --require-verdict ---
write_reports w WARN
write_reports f FAIL
expect_exit 0 "$BUNDLE" release -q --src w --out out-w --repo repo
expect_exit 1 "$BUNDLE" release -q --src w --out out-w2 --repo repo --require-verdict PASS
assert_contains "$ERR" "soak-bundle: verdict is WARN; --require-verdict PASS accepts PASS only"
assert_no_file out-w2
expect_exit 1 "$BUNDLE" release -q --src f --out out-f --repo repo
assert_contains "$ERR" "soak-bundle: verdict is FAIL; --require-verdict WARN accepts PASS or WARN"
assert_contains "$ERR" "bundle incomplete: 1 problem"
assert_no_file out-f
SOAK_REQUIRE_VERDICT=ANY expect_exit 0 "$BUNDLE" release -q --src f --out out-f --repo repo
assert_jq_eq out-f/MANIFEST.json .verdict FAIL
# a missing file and a wrong verdict together
rm f/FAILURES.md
expect_exit 1 "$BUNDLE" release -q --src f --out out-f2 --repo repo --require-verdict PASS
assert_contains "$ERR" "missing 'FAILURES.md' in 'f'"
assert_contains "$ERR" "verdict is FAIL; --require-verdict PASS accepts PASS only"
assert_contains "$ERR" "bundle incomplete: 2 problems"

# --- an existing output directory ---
write_reports p PASS
expect_exit 0 "$BUNDLE" release -q --src p --out out-p --repo repo --archive tar.gz
old_sum=$(sha256sum out-p/SHA256SUMS)
expect_exit 2 "$BUNDLE" release -q --src p --out out-p --repo repo
assert_contains "$ERR" "soak-bundle: 'out-p' already exists; use --force to replace it"
assert_contains "$ERR" "try 'soak-bundle --help'"
# the archive alone existing is refused too
mv out-p keep
expect_exit 2 "$BUNDLE" release -q --src p --out out-p --repo repo --archive tar.gz
assert_contains "$ERR" "'out-p.tar.gz' already exists; use --force to replace it"
mv keep out-p
# --force replaces a bundle (and its archive) with the new content
echo '# Audit v2' >p/POST_SOAK_AUDIT.md
echo stale >out-p/stale.txt
expect_exit 0 "$BUNDLE" release -q --src p --out out-p --repo repo --archive tar.gz --force
assert_contains out-p/POST_SOAK_AUDIT.md "# Audit v2"
assert_no_file out-p/stale.txt
assert_eq "$(tar xzf out-p.tar.gz -O out-p/POST_SOAK_AUDIT.md)" "# Audit v2" "archive replaced"
assert_eq "$(ls -A | grep -E -c '^out-p\.(tmp|old)-')" 0 "no temporary names left"
# ... but never a directory that is not a bundle, nor a file
mkdir -p precious
echo important >precious/data.txt
expect_exit 2 "$BUNDLE" release -q --src p --out precious --repo repo --force
assert_contains "$ERR" "refusing to replace 'precious': it is not a bundle (no MANIFEST.json)"
assert_contains precious/data.txt important
echo x >afile
expect_exit 2 "$BUNDLE" release -q --src p --out afile --repo repo --force
assert_contains "$ERR" "refusing to replace 'afile': not a directory"
# an empty directory is refused too, and replaced with --force
mkdir empty
expect_exit 2 "$BUNDLE" release -q --src p --out empty --repo repo
expect_exit 0 "$BUNDLE" release -q --src p --out empty --repo repo --force
assert_file empty/MANIFEST.json
# nor the source itself
cp p/POST_SOAK_SNAPSHOT.json p/MANIFEST.json
expect_exit 2 "$BUNDLE" release -q --src p --out p --repo repo --force
assert_contains "$ERR" "refusing to replace 'p': it holds the source 'p'"
rm p/MANIFEST.json
assert_file p/POST_SOAK_SNAPSHOT.json

# --- an output inside the source is never bundled into itself ---
expect_exit 0 "$BUNDLE" release -q --src p --out p/dist/b --repo repo --include '*' --archive zip
expect_exit 0 "$BUNDLE" release -q --src p --out p/dist/b --repo repo --include '*' --include 'dist' \
	--archive zip --force
assert_no_file p/dist/b/dist
assert_eq "$(jqv p/dist/b/MANIFEST.json '[.files[].path | select(startswith("dist"))] | length')" 0 \
	"nothing of the output in the manifest"
finish
