# soak-report's Tuning section: the counts equal the counts of tuning.jsonl (counted
# here with jq), and the snapshot, the audit, report.html, metrics.prom and the
# terminal summary show the same figures.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-report.sh"
. "$(dirname "$0")/lib-tune.sh"

need jq
gen_tuned soak
T=soak/tuning.jsonl
expect_exit 0 "$REPORT" -d soak -f all
S=soak/reports/POST_SOAK_SNAPSHOT.json
M=soak/reports/POST_SOAK_AUDIT.md
H=soak/reports/report.html
P=soak/reports/metrics.prom

# --- the counts are the file's: steps, decisions by line, guards by change ---
assert_jq_eq "$S" '.tuning.steps' "$(jq -s 'length' $T)"
for d in applied clamped noop blocked reverted; do
	n=$(jq -s --arg d $d '[.[] | select(.decision == $d)] | length' $T)
	assert_jq_eq "$S" ".tuning.decisions.$d" "$n"
	assert_jq_eq "$S" ".tuning.runs[0].decisions.$d" "$n"
	assert_contains "$M" "| $d | $n |"
	assert_contains "$H" "<tr><td>$d</td><td>$n</td></tr>"
	assert_contains "$P" "soak_tune_decisions{decision=\"$d\"} $n"
done
for g in velocity cooldown freeze oscillation late_run bounds step panic; do
	n=$(jq -s --arg g $g '[.[].changes[] | select(.guard == $g)] | length' $T)
	assert_jq_eq "$S" ".tuning.guards.$g" "$n"
	assert_contains "$M" "| $g | $n |"
	assert_contains "$H" "<tr><td>$g</td><td>$n</td></tr>"
	assert_contains "$P" "soak_tune_guards{guard=\"$g\"} $n"
done
for s in rule tuner panic; do
	assert_jq_eq "$S" ".tuning.sources.$s" "$(jq -s --arg s $s '[.[] | select(.source == $s)] | length' $T)"
done
assert_jq_eq "$S" '.tuning.sources.none' "$(jq -s '[.[] | select(.source == null)] | length' $T)"
assert_jq_eq "$S" '.tuning.apply.checked' "$(jq -s '[.[].apply.checked] | add' $T)"
assert_jq_eq "$S" '.tuning.apply.matched' "$(jq -s '[.[].apply.matched] | add' $T)"
assert_jq_eq "$S" '.tuning.runs[0].written' "$(jq -s '[.[] | select(.written)] | length' $T)"
assert_jq_eq "$S" '.tuning.runs[0].changes' "$(jq -s '[.[].changes[]] | length' $T)"
assert_jq_eq "$S" '.tuning.runs[0].overrides_sha256' "$(jq -rs '.[-1].overrides_sha256' $T)"
assert_jq_eq "$S" '.tuning.runs[0].frozen | tojson' "$(jq -cs '.[-1].frozen' $T)"

# --- the known figures of the fixture (lib-tune.sh) ---
assert_json "$S" '.tuning | .steps == 36 and .decisions == {"applied":2,"clamped":1,"noop":28,"blocked":4,"reverted":1}'
assert_json "$S" '.tuning | .guards == {"velocity":3,"cooldown":0,"freeze":0,"oscillation":0,"late_run":1,"bounds":0,"step":1,"panic":1}'
assert_json "$S" '.tuning | .sources == {"rule":8,"tuner":0,"panic":1,"none":27}'
assert_json "$S" '.tuning.apply | .checked == 36 and .matched == 35 and (.ratio - 35/36 | fabs) < 1e-12'
assert_json "$S" '.tuning | .reverts == 1 and .freeze_ready == true'
assert_json "$S" '.tuning.runs[0] | .dir == "soak" and .first_iteration == 1 and .last_iteration == 36 and .malformed == 0 and .partial_last_line == false and .written == 4 and .frozen == ["batch"]'
R='.tuning.runs[0].parameters'
assert_json "$S" "[$R[].name] == [\"spread_bps\",\"batch\",\"ratio\"]"
assert_json "$S" "$R[0] | .initial == 4 and .final == 4.5 and .min == 4 and .max == 4.5 and .changes == 3 and .last_applied == {\"iteration\":20,\"from\":4} and .mismatched == 1 and .frozen == false"
assert_json "$S" "$R[0].decisions == {\"applied\":2,\"clamped\":0,\"noop\":1,\"blocked\":4,\"reverted\":1}"
assert_json "$S" "$R[1] | .initial == 64 and .final == 96 and .changes == 1 and .last_applied == {\"iteration\":10,\"from\":64} and .frozen == true"
assert_json "$S" "$R[2] | .changes == 0 and .last_applied == null"
# the path: the value each iteration ran with, from iteration 1 to 37 (after the last step)
assert_json "$S" "$R[0].path | length == 37 and .[0] == [1,4] and .[3] == [4,4.5] and .[15] == [16,4] and .[36] == [37,4.5]"
assert_json "$S" "$R[1].path | .[10] == [11,96] and .[9] == [10,64]"

# --- Markdown and HTML: the same figures, a sparkline per parameter ---
assert_contains "$M" "## Tuning"
assert_contains "$M" "36 steps after iterations 1 to 36; the command used the value written in 35 of 36 checks (97.22%); freeze ready: yes; frozen: batch."
assert_contains "$M" "Proposals by source: rule 8, tuner 0, panic 1, none 27. Overrides written 4 times; the last overrides have SHA-256 \`$(jq -rs '.[-1].overrides_sha256' $T)\`."
assert_contains "$M" "| spread_bps | 4 | 4.5 | 4 | 4.5 | 3 | 4 (after iteration 20) | 1 | ▁▁▁████████████▁▁▁▁▁█████████████████ |"
assert_contains "$M" "| batch (frozen) | 64 | 96 | 64 | 96 | 1 | 64 (after iteration 10) | 0 | ▁▁▁▁▁▁▁▁▁▁███████████████████████████ |"
assert_contains "$M" "| ratio | 0.30000000000000004 | 0.30000000000000004 | 0.30000000000000004 | 0.30000000000000004 | 0 | never changed | 0 |"
assert_contains "$H" "<h2>Tuning</h2>"
assert_contains "$H" '<p id="tune-0">36 steps after iterations 1 to 36; the command used the value written in 35 of 36 checks (97.22%); freeze ready: yes; frozen: batch.</p>'
assert_contains "$H" '<tr><td>spread_bps</td><td>4</td><td>4.5</td><td>4</td><td>4.5</td><td>3</td><td>4 (after iteration 20)</td><td>1</td><td class="spark">▁▁▁████████████▁▁▁▁▁█████████████████</td></tr>'
assert_contains "$H" '<tr><td>batch (frozen)</td><td>64</td><td>96</td>'
for k in 0 1 2; do
	assert_contains "$H" "id=\"chart-tune-0-$k\""
done
assert_contains "$H" '<figcaption>tuned spread_bps</figcaption>'
# the chart of spread_bps: 37 points, the top at 4.5 and the bottom at 4
assert_eq "$(grep -A4 'id="chart-tune-0-0"' "$H" | grep -o 'points="[^"]*"' | tr ' ' '\n' | wc -l)" 37 "points of the spread_bps chart"
assert_contains "$H" '<text x="66" y="12" class="lbl" text-anchor="end">4.5</text><text x="66" y="160" class="lbl" text-anchor="end">4</text>'

# --- metrics.prom: raw numbers ---
assert_contains "$P" "soak_tune_steps 36"
assert_contains "$P" "soak_tune_apply_ratio 0.972222222222222"
assert_contains "$P" "soak_tune_freeze_ready 1"
assert_contains "$P" 'soak_tune_value{param="spread_bps"} 4.5'
assert_contains "$P" 'soak_tune_value{param="ratio"} 0.30000000000000004'

# --- the terminal summary ---
assert_contains "$OUT" "  tuning      36 steps: 2 applied, 1 clamped, 28 noop, 4 blocked, 1 reverted; applied as written 97.22% (35 of 36); freeze ready: yes"
assert_contains "$OUT" "guards fired: velocity 3, late_run 1, step 1, panic 1"
assert_contains "$OUT" "spread_bps 4 -> 4.5, batch 64 -> 96, ratio 0.30000000000000004 -> 0.30000000000000004"

# --- junit.xml lists iterations only: tuning changes nothing there ---
assert_eq "$(grep -c '<testcase' soak/reports/junit.xml)" 36 "junit testcases"

# --- a directory without tuning.jsonl: no Tuning section anywhere ---
gen_metrics plain 10 ""
expect_exit 0 "$REPORT" -d plain -f all
assert_json plain/reports/POST_SOAK_SNAPSHOT.json 'has("tuning") | not'
assert_not_contains plain/reports/POST_SOAK_AUDIT.md "## Tuning"
assert_not_contains plain/reports/report.html "Tuning"
assert_not_contains plain/reports/metrics.prom "soak_tune"
assert_not_contains "$OUT" "tuning"

finish
