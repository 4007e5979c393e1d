#!/bin/bash
# soak-bundle release with a tuning.jsonl that does not add up: overrides that do not
# hash to what soak-run recorded (a warning, and TUNING.md says so), an empty file (no
# overrides, a warning), malformed lines (counted in TUNING.md), a newer schema and a
# symlink out of the source (exit 3, nothing written).
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-bundle/lib-bundle.sh"
. "$SOAK_SRC/tests/soak-report/lib-report.sh"
. "$SOAK_SRC/tests/soak-report/lib-tune.sh"

need jq
export SOURCE_DATE_EPOCH=1767225600
gen_tuned soak 36
cp soak/tuning.jsonl good.jsonl
expect_exit 0 "$REPORT" -q -d soak -f json,md,recommendations,failures

# --- the last step recorded another hash: released, with a warning ---
jq -c 'if .iteration == 36 then .overrides_sha256 = "00" * 32 else . end' good.jsonl >soak/tuning.jsonl
expect_exit 0 "$BUNDLE" release --src soak --out dist/mismatch --repo .
SHA=$(sha256sum <dist/mismatch/tuning/overrides.json)
SHA=${SHA%% *}
assert_contains "$ERR" "warning: tuning/overrides.json has SHA-256 $SHA, not the last tuning step's overrides_sha256 '$(printf '0%.0s' {1..64})'"
assert_contains dist/mismatch/tuning/TUNING.md "SHA-256 \`$SHA\`: **not** the overrides_sha256 soak-run recorded for its last step"

# --- malformed lines and a partial last line: skipped and counted ---
{
	cat good.jsonl
	echo 'garbage'
	jq -c '.decision = "perhaps"' good.jsonl | tail -1
	printf '{"schema":"1.0","iter'
} >soak/tuning.jsonl
expect_exit 0 "$BUNDLE" release --src soak --out dist/bad --repo .
assert_contains dist/bad/tuning/TUNING.md "frozen: batch; 2 malformed lines skipped; partial last line ignored."
assert_contains dist/bad/tuning/TUNING.md "| noop | 28 |"
assert_eq "$(cat dist/bad/tuning/overrides.json)" '{"spread_bps":4.5,"batch":96,"ratio":0.30000000000000004}' "overrides of the last good step"

# --- an empty tuning.jsonl: TUNING.md says so, no overrides, a warning ---
: >soak/tuning.jsonl
expect_exit 0 "$BUNDLE" release --src soak --out dist/empty --repo .
assert_contains "$ERR" "warning: 'soak/tuning.jsonl' has no tuning step: the bundle has no tuning/overrides.json"
assert_no_file dist/empty/tuning/overrides.json
assert_contains dist/empty/tuning/TUNING.md "no tuning step recorded"
assert_contains dist/empty/tuning/TUNING.md "| final overrides | none (no tuning step) |"
assert_not_contains dist/empty/rollback_plan.md "Tuned parameters"
expect_exit 0 "$BUNDLE" verify dist/empty

# --- a newer schema: exit 3, nothing written ---
{
	cat good.jsonl
	jq -c '.schema = "3.1"' good.jsonl | tail -1
} >soak/tuning.jsonl
expect_exit 3 "$BUNDLE" release --src soak --out dist/newer --repo .
assert_contains "$ERR" "'soak/tuning.jsonl' line 37: schema major version 3 is newer than this program reads (1)"
assert_no_file dist/newer

# --- tuning.jsonl a symlink out of the source: exit 3 ---
cp good.jsonl outside.jsonl
ln -sf ../outside.jsonl soak/tuning.jsonl
expect_exit 3 "$BUNDLE" release --src soak --out dist/link --repo .
assert_contains "$ERR" "'tuning.jsonl' leaves the source directory 'soak' through a symlink"
assert_no_file dist/link

finish
