# The tune.* gate metrics: judged from tuning.jsonl, pass and fail on apply_ratio and
# reverts, the other counts, their grammar (no aggregation, whole run only), and "no
# data" with a hint for a run that was not tuned or whose changes were never checked.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-report.sh"
. "$(dirname "$0")/lib-tune.sh"

need jq
gen_tuned soak

# --- apply_ratio 35/36 = 97.22% and one revert: pass and fail ---
expect_exit 0 "$REPORT" -d soak -f json --gate 'tune.apply_ratio>=0.95' --gate 'tune.reverts<=1'
assert_contains "$OUT" "PASS: 2 of 2 gates passed"
assert_contains "$OUT" "pass   tune.apply_ratio>=0.95: 97.22% (threshold >= 95.00%, hard)"
S=soak/reports/POST_SOAK_SNAPSHOT.json
assert_json "$S" '.gates[0] | .outcome == "pass" and (.value - 35/36 | fabs) < 1e-12 and .threshold == 0.95 and .scope == "all"'
assert_json "$S" '.gates[1] | .outcome == "pass" and .value == 1'

expect_exit 1 "$REPORT" -d soak -f json,md --gate 'tune.apply_ratio>=0.95' --gate 'tune.reverts==0'
assert_contains "$OUT" "FAIL: gate 'tune.reverts==0' failed: value 1"
assert_json "$S" '.verdict == "FAIL" and .gates[1].outcome == "fail" and .gates[1].value == 1'
assert_contains soak/reports/POST_SOAK_AUDIT.md '| `tune.reverts==0` | hard | 1 | == 0 | ❌ fail |'
assert_contains soak/reports/POST_SOAK_AUDIT.md '| `tune.apply_ratio>=0.95` | hard | 97.22% | >= 95.00% | ✅ pass |'

# a percentage threshold reads the same; a ratio above it fails
expect_exit 1 "$REPORT" -d soak -f json --gate 'tune.apply_ratio>=98%'
assert_contains "$OUT" "FAIL: gate 'tune.apply_ratio>=98%' failed: value 97.22%"
assert_json "$S" '.gates[0] | .outcome == "fail" and .threshold == 0.98'

# a soft gate warns; --strict makes it exit 1
expect_exit 0 "$REPORT" -d soak -f none --warn-gate 'tune.reverts==0'
assert_contains "$OUT" "WARN: gate 'tune.reverts==0' failed: value 1"
expect_exit 1 "$REPORT" -d soak -f none --warn-gate 'tune.reverts==0' --strict

# --- the other counts, equal to the file's ---
APPLIED=$(jq -s '[.[] | select(.decision == "applied")] | length' soak/tuning.jsonl)
BLOCKED=$(jq -s '[.[] | select(.decision == "blocked")] | length' soak/tuning.jsonl)
STEPS=$(jq -s 'length' soak/tuning.jsonl)
expect_exit 0 "$REPORT" -d soak -f json --gate "tune.applied==$APPLIED" --gate "tune.blocked==$BLOCKED" \
	--gate "tune.steps==$STEPS" --gate 'tune.freeze_ready==1'
assert_json "$S" "[.gates[].value] == [$APPLIED, $BLOCKED, $STEPS, 1] and all(.gates[]; .outcome == \"pass\")"
expect_exit 1 "$REPORT" -d soak -f none --gate 'tune.blocked<4'
assert_contains "$OUT" "FAIL: gate 'tune.blocked<4' failed: value 4"

# freeze_ready is the last step's: 0 when the run ends before step 30
gen_tuned short 20
expect_exit 1 "$REPORT" -d short -f json --gate 'tune.freeze_ready==1' --gate 'tune.steps==20'
assert_json short/reports/POST_SOAK_SNAPSHOT.json '.gates[0] | .outcome == "fail" and .value == 0'
assert_json short/reports/POST_SOAK_SNAPSHOT.json '.gates[1] | .outcome == "pass" and .value == 20'

# --- grammar: no aggregation, no @last, unknown tune metric ---
expect_exit 2 "$REPORT" -d soak -f none --gate 'tune.reverts:max==0'
assert_contains "$ERR" "this metric takes no aggregation"
expect_exit 2 "$REPORT" -d soak -f none --gate 'tune.apply_ratio@last>=0.9'
assert_contains "$ERR" "tune metrics are over the whole run only"
expect_exit 2 "$REPORT" -d soak -f none --gate 'tune.apply_ratio>=95'
assert_contains "$ERR" "a rate is at most 1; write 95% or 0.95 (a fraction)"
expect_exit 2 "$REPORT" -d soak -f none --gate 'tune.changes>0'
assert_contains "$ERR" "unknown metric"
assert_contains "$ERR" "tune.apply_ratio, tune.reverts, tune.applied, tune.blocked, tune.steps, tune.freeze_ready"

# --- no tuning.jsonl: every tune.* gate has no data, with a hint ---
gen_metrics plain 10 ""
expect_exit 1 "$REPORT" -d plain -f json --gate 'tune.reverts==0'
assert_contains "$OUT" "FAIL: gate 'tune.reverts==0' has no data: the run has no tuning.jsonl (it was not run with --tune)"
assert_json plain/reports/POST_SOAK_SNAPSHOT.json '.gates[0] | .outcome == "nodata" and .value == null'
expect_exit 0 "$REPORT" -d plain -f none --warn-gate 'tune.apply_ratio>=0.95'
assert_contains "$OUT" "WARN: gate 'tune.apply_ratio>=0.95' has no data: the run has no tuning.jsonl"

# --- tuned, but no change ever checked: apply_ratio has no data, the counts do ---
mkdir nocheck
gen_tuned nocheck 12
jq -c '.apply = {"checked":0,"matched":0,"mismatched":[]}' nocheck/tuning.jsonl >nocheck/t && mv nocheck/t nocheck/tuning.jsonl
expect_exit 1 "$REPORT" -d nocheck -f json --gate 'tune.apply_ratio>=0.95' --gate 'tune.steps==12'
assert_contains "$OUT" "has no data: no change was checked (no parameter has an applied_kpi that the command reported)"
assert_json nocheck/reports/POST_SOAK_SNAPSHOT.json '.gates[0].outcome == "nodata" and .gates[1].outcome == "pass"'
assert_json nocheck/reports/POST_SOAK_SNAPSHOT.json '.tuning.apply == {"checked":0,"matched":0,"ratio":null}'

finish
