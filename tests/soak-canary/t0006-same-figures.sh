#!/bin/bash
# One run's figures read the same in every document a person reads: the audit
# (Markdown), report.html's gate table, CHANGELOG.md and rollback_plan.md of the
# bundle, the tag message and CANARY_CHECKLIST.md (all through base/fmt.h).
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-bundle/lib-bundle.sh"
. "$SOAK_SRC/tests/soak-canary/lib-canary.sh"

make_soak soak 'pass_rate>=0.5' 'duration_ms:p(95)<5s'
make_repo repo
expect_exit 0 "$BUNDLE" release --src soak --out bundle --repo repo
expect_exit 0 "$CANARY" tag --bundle bundle --tag v9.9.9 --repo repo --dry-run
cp "$OUT" tag.txt
expect_exit 0 "$CANARY" checklist --bundle bundle
AUDIT=soak/reports/POST_SOAK_AUDIT.md
HTML=soak/reports/report.html
assert_file "$HTML"

# the p95 as the audit's gate table shows it
P95=$(sed -n 's/^| `duration_ms:p(95)<5s` | hard | \([^|]*\) | < 5s | ✅ pass |$/\1/p' "$AUDIT")
[[ -n $P95 ]] || fail "no duration gate row in $AUDIT"
[[ $P95 =~ ^[0-9.]+(ms|s)$ ]] || fail "p95 '$P95' is not a rounded duration with its unit"
assert_contains "$HTML" "<td>hard</td><td>$P95</td><td>&lt; 5s</td>"
assert_contains bundle/rollback_plan.md "| \`duration_ms:p(95)\` | >= 5s | $P95 |"
assert_contains bundle/CHANGELOG.md ", p95 $P95, "
assert_contains tag.txt "- pass \`duration_ms:p(95)<5s\` (hard): value $P95, threshold 5s"
assert_contains bundle/CANARY_CHECKLIST.md "(hard gate; soak value $P95, pass)"

# the pass rate (5 of 6) everywhere as 83.33%
assert_contains "$AUDIT" '| `pass_rate>=0.5` | hard | 83.33% | >= 50.00% | ✅ pass |'
assert_contains "$HTML" "<td>hard</td><td>83.33%</td><td>&gt;= 50.00%</td>"
assert_contains bundle/CHANGELOG.md "- Pass rate: 83.33% (95% CI "
assert_contains bundle/rollback_plan.md '| `pass_rate` | < 50.00% | 83.33% |'
assert_contains tag.txt "- pass rate: 83.33% (95% CI "
assert_contains tag.txt '- pass `pass_rate>=0.5` (hard): value 83.33%, threshold 50.00%'
assert_contains bundle/CANARY_CHECKLIST.md '(hard gate; soak value 83.33%, pass)'
# no raw floating-point numbers left in what people read
for f in "$HTML" bundle/CHANGELOG.md bundle/rollback_plan.md tag.txt bundle/CANARY_CHECKLIST.md; do
	assert_not_contains "$f" 'e+0'
	assert_not_contains "$f" '0.833333'
done
finish
