# Tuning over several shards: the gate metrics and the snapshot's sums add the tuned
# shards up (freeze_ready only when every one is ready), each tuned shard has its own
# section, an untuned shard none; RECOMMENDATIONS.md and the GitHub job summary speak
# of the tuning.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-report.sh"
. "$(dirname "$0")/lib-tune.sh"

need jq
gen_tuned a 36
gen_tuned b 20
gen_metrics c 10 ""
expect_exit 1 env GITHUB_ACTIONS=true GITHUB_OUTPUT="$TMP/gh-out" GITHUB_STEP_SUMMARY="$TMP/gh-sum" \
	"$REPORT" -d a -d b -d c -f all --gate 'tune.steps==56' --gate 'tune.reverts==2' \
	--gate 'tune.freeze_ready==1' --gate 'tune.apply_ratio>=0.95'
S=a/reports/POST_SOAK_SNAPSHOT.json
# sums over a and b; c has no tuning.jsonl and counts nothing
assert_jq_eq "$S" '.tuning.steps' "$(cat a/tuning.jsonl b/tuning.jsonl | jq -s length)"
for d in applied clamped noop blocked reverted; do
	assert_jq_eq "$S" ".tuning.decisions.$d" "$(cat a/tuning.jsonl b/tuning.jsonl | jq -s --arg d $d '[.[] | select(.decision == $d)] | length')"
done
assert_jq_eq "$S" '.tuning.guards.velocity' "$(cat a/tuning.jsonl b/tuning.jsonl | jq -s '[.[].changes[] | select(.guard == "velocity")] | length')"
assert_json "$S" '.tuning.apply | .checked == 56 and .matched == 55 and (.ratio - 55/56 | fabs) < 1e-12'
assert_json "$S" '.tuning | .reverts == 2 and .freeze_ready == false and (.runs | length) == 2'
assert_json "$S" '[.tuning.runs[] | [.dir, .shard, .steps, .freeze_ready]] == [["a",0,36,true],["b",1,20,false]]'
# the gates: steps and reverts summed pass; b is not ready to freeze, so freeze_ready fails
assert_json "$S" '[.gates[] | [.value, .outcome]][:3] == [[56,"pass"],[2,"pass"],[0,"fail"]]'
assert_json "$S" '.gates[3] | .outcome == "pass" and (.value - 55/56 | fabs) < 1e-12'
assert_contains "$OUT" "FAIL: gate 'tune.freeze_ready==1' failed: value 0"
assert_contains "$OUT" "  tuning      56 steps: 4 applied, 2 clamped, 41 noop, 7 blocked, 2 reverted; applied as written 98.21% (55 of 56); freeze ready: no"
assert_contains "$OUT" "guards fired: velocity 6, late_run 1, step 2, panic 2"
assert_contains "$OUT" "spread_bps 4 -> 4.5, batch 64 -> 96, ratio 0.30000000000000004 -> 0.30000000000000004 (a)"

# --- one section per tuned shard, named; none for c ---
M=a/reports/POST_SOAK_AUDIT.md
assert_eq "$(grep -c '^## Tuning' $M)" 1 "one Tuning heading"
assert_contains $M '`a`: 36 steps after iterations 1 to 36;'
assert_contains $M '`b`: 20 steps after iterations 1 to 20; the command used the value written in 20 of 20 checks (100.00%); freeze ready: no; frozen: none.'
assert_not_contains $M '`c`: 10 steps'
assert_contains $M '- `c`: 10 iterations'
H=a/reports/report.html
assert_contains $H '<p id="tune-0"><code>a</code>: 36 steps'
assert_contains $H '<p id="tune-1"><code>b</code>: 20 steps'
assert_not_contains $H 'id="tune-2"'
assert_contains $H 'id="chart-tune-1-2"'
P=a/reports/metrics.prom
assert_contains $P 'soak_tune_steps 56'
assert_contains $P 'soak_tune_value{param="spread_bps",shard="0"} 4.5'
assert_contains $P 'soak_tune_value{param="batch",shard="1"} 96'
assert_contains $P 'soak_tune_guards{guard="panic",shard="1"} 1'
assert_contains $P 'soak_tune_freeze_ready 0'

# --- RECOMMENDATIONS.md: mismatches, reverts and the frozen parameter, per shard ---
R=a/reports/RECOMMENDATIONS.md
assert_contains $R "- **The command did not use what the tuner wrote (in 'a').** In 1 of 36 apply checks it reported another value than the overrides held (apply ratio 97.22%); mismatched: spread_bps (1)."
assert_contains $R "- **Panic reverts (in 'b').** 1 tuning step went back to earlier values"
assert_contains $R "- **Frozen by oscillation: batch (in 'a').**"
assert_not_contains $R "Frozen by oscillation: batch (in 'b')"

# --- the GitHub job summary carries the section ---
assert_contains "$TMP/gh-sum" "## Tuning"
assert_contains "$TMP/gh-sum" "| reverted | 1 |"
assert_contains "$TMP/gh-out" "verdict<<"

# --- a clean tuning: no tuning recommendation ---
mkdir clean
gen_tuned clean 8
expect_exit 0 "$REPORT" -d clean -f recommendations -q
assert_not_contains clean/reports/RECOMMENDATIONS.md "tuner"
assert_not_contains clean/reports/RECOMMENDATIONS.md "Panic"
assert_not_contains clean/reports/RECOMMENDATIONS.md "Frozen"

finish
