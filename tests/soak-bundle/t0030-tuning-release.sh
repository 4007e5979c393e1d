#!/bin/bash
# soak-bundle release of a tuned soak: tuning/overrides.json holds the last tuning
# step's values as soak-run writes the overrides file (its SHA-256 is the one the step
# recorded), tuning/TUNING.md verifies the tuning with the counts of tuning.jsonl, the
# rollback plan names each parameter's values to go back to, and both files are sealed
# in MANIFEST.json, SHA256SUMS and the archive.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-bundle/lib-bundle.sh"
. "$SOAK_SRC/tests/soak-report/lib-report.sh"
. "$SOAK_SRC/tests/soak-report/lib-tune.sh"

need jq tar
gen_tuned soak
T=soak/tuning.jsonl
expect_exit 0 "$REPORT" -q -d soak -f json,md,recommendations,failures
export SOURCE_DATE_EPOCH=1767225600
expect_exit 0 "$BUNDLE" release --src soak --out dist/b --repo . --archive tar.gz
B=dist/b
assert_contains "$OUT" "bundle: dist/b (10 files"
assert_not_contains "$ERR" "overrides_sha256"

# --- tuning/overrides.json: the last step's values, byte for byte as soak-run writes them ---
assert_file $B/tuning/overrides.json
assert_eq "$(cat $B/tuning/overrides.json)" '{"spread_bps":4.5,"batch":96,"ratio":0.30000000000000004}' "overrides"
assert_eq "$(tail -c 1 $B/tuning/overrides.json | od -An -c | tr -d ' ')" '\n' "a final newline"
SHA=$(sha256sum <$B/tuning/overrides.json)
assert_eq "${SHA%% *}" "$(jq -rs '.[-1].overrides_sha256' $T)" "the last step's overrides_sha256"
assert_jq_eq $B/tuning/overrides.json '[.spread_bps, .batch] | tojson' "$(jq -cs '.[-1].values | [.spread_bps, .batch]' $T)"

# --- tuning/TUNING.md: the counts of tuning.jsonl ---
M=$B/tuning/TUNING.md
assert_contains $M "# Tuning verification"
assert_contains $M "36 steps after iterations 1 to 36; the command used the value written in 35 of 36 checks (97.22%); freeze ready: yes; frozen: batch."
for d in applied clamped noop blocked reverted; do
	assert_contains $M "| $d | $(jq -s --arg d $d '[.[] | select(.decision == $d)] | length' $T) |"
done
for g in velocity cooldown freeze oscillation late_run bounds step panic; do
	assert_contains $M "| $g | $(jq -s --arg g $g '[.[].changes[] | select(.guard == $g)] | length' $T) |"
done
assert_contains $M "| changes the command used as written (apply ratio) | 97.22% (35 of 36) |"
assert_contains $M "| steps reverted by panic | 1 |"
assert_contains $M "| freeze ready after the last step | yes |"
assert_contains $M "| frozen parameters | batch |"
assert_contains $M "| final overrides | \`tuning/overrides.json\`, SHA-256 \`${SHA%% *}\`: the overrides_sha256 soak-run recorded for its last step |"
assert_contains $M "| spread_bps | 4 | 4.5 | 4 | 4.5 | 3 | 4 (after iteration 20) | 1 |"
assert_contains $M "| batch (frozen) | 64 | 96 | 64 | 96 | 1 | 64 (after iteration 10) | 0 |"
assert_contains $M "| ratio | 0.30000000000000004 | 0.30000000000000004 | 0.30000000000000004 | 0.30000000000000004 | 0 | never changed | 0 |"
# the same figures as soak-report's snapshot
S=soak/reports/POST_SOAK_SNAPSHOT.json
assert_contains $M "| applied | $(jq '.tuning.decisions.applied' $S) |"
assert_contains $M "($(jq -r '.tuning.apply.matched' $S) of $(jq -r '.tuning.apply.checked' $S))"

# --- the rollback plan: the values to go back to ---
R=$B/rollback_plan.md
assert_contains $R "## Tuned parameters"
assert_contains $R "| spread_bps | 4.5 | 4 (after iteration 20) | 4 |"
assert_contains $R "| batch | 96 | 64 (after iteration 10) | 64 |"
assert_contains $R "| ratio | 0.30000000000000004 | never changed | 0.30000000000000004 |"
assert_contains $R "the ones this release ran its soak with are in this bundle: \`tuning/overrides.json\`; give the tuned parameters the values \"Tuned parameters\" names."

# --- sealed: MANIFEST.json, SHA256SUMS, the archive; verify passes ---
assert_json $B/MANIFEST.json "[.files[].path] | index(\"tuning/overrides.json\") != null and index(\"tuning/TUNING.md\") != null"
assert_json $B/MANIFEST.json ".files[] | select(.path == \"tuning/overrides.json\") | .sha256 == \"${SHA%% *}\" and .mode == \"0644\""
assert_contains $B/SHA256SUMS "${SHA%% *}  tuning/overrides.json"
expect_exit 0 tar -tzf dist/b.tar.gz
assert_contains "$OUT" "b/tuning/"
assert_contains "$OUT" "b/tuning/overrides.json"
assert_contains "$OUT" "b/tuning/TUNING.md"
expect_exit 0 "$BUNDLE" verify dist/b
expect_exit 0 "$BUNDLE" verify dist/b.tar.gz
# reproducible: the same inputs, the same archive
expect_exit 0 "$BUNDLE" release --src soak --out dist/again --repo . --archive tar.gz
assert_eq "$(cmp dist/b/tuning/TUNING.md dist/again/tuning/TUNING.md && echo same)" same "TUNING.md reproducible"
assert_eq "$(cmp dist/b/tuning/overrides.json dist/again/tuning/overrides.json && echo same)" same "overrides reproducible"

# --- altered after the release: verify names the file ---
echo '{"spread_bps":9}' >$B/tuning/overrides.json
expect_exit 1 "$BUNDLE" verify dist/b
assert_contains "$OUT" "altered: 'tuning/overrides.json'"

finish
