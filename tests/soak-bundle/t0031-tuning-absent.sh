#!/bin/bash
# soak-bundle release without tuning: a soak directory with no tuning.jsonl, or a
# directory of reports only, gives a bundle with no tuning/ and a rollback plan
# without tuned parameters; a file included at a tuning/ path the release writes
# itself is refused.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-bundle/lib-bundle.sh"
. "$SOAK_SRC/tests/soak-report/lib-report.sh"
. "$SOAK_SRC/tests/soak-report/lib-tune.sh"

need jq
export SOURCE_DATE_EPOCH=1767225600

# --- a soak that was not tuned ---
gen_metrics plain 12 ""
expect_exit 0 "$REPORT" -q -d plain -f json,md,recommendations,failures
expect_exit 0 "$BUNDLE" release --src plain --out dist/plain --repo .
assert_contains "$OUT" "bundle: dist/plain (8 files"
assert_no_file dist/plain/tuning
assert_not_contains dist/plain/rollback_plan.md "Tuned parameters"
assert_not_contains dist/plain/rollback_plan.md "tuning/"
assert_json dist/plain/MANIFEST.json '[.files[].path | select(startswith("tuning/"))] == []'

# --- a directory of reports only: tuning.jsonl is in the soak directory, not here ---
gen_tuned soak 12
expect_exit 0 "$REPORT" -q -d soak -f json,md,recommendations,failures
expect_exit 0 "$BUNDLE" release --src soak/reports --out dist/reports --repo .
assert_no_file dist/reports/tuning
assert_not_contains dist/reports/rollback_plan.md "Tuned parameters"
# the same soak given as a soak directory is tuned
expect_exit 0 "$BUNDLE" release --src soak --out dist/soak --repo .
assert_file dist/soak/tuning/overrides.json
assert_file dist/soak/tuning/TUNING.md
assert_contains dist/soak/rollback_plan.md "## Tuned parameters"
# 12 steps: the values of step 12 (spread_bps 4.5 since step 3, batch 96 since step 10)
assert_eq "$(cat dist/soak/tuning/overrides.json)" '{"spread_bps":4.5,"batch":96,"ratio":0.30000000000000004}' "overrides of step 12"
assert_contains dist/soak/tuning/TUNING.md "| freeze ready after the last step | no |"
assert_contains dist/soak/tuning/TUNING.md "| frozen parameters | none |"

# --- an include that would overwrite a generated tuning file: a usage error, nothing written ---
mkdir -p soak/tuning
echo '{"spread_bps":1}' >soak/tuning/overrides.json
expect_exit 2 "$BUNDLE" release --src soak --out dist/clash --repo . --include 'tuning'
assert_contains "$ERR" "'tuning/overrides.json' in 'soak' would overwrite the generated 'tuning/overrides.json'; leave it out of --include"
assert_no_file dist/clash

finish
