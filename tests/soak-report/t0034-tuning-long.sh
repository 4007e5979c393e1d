# A long tuning.jsonl read with bounded memory: 3000 steps, the counts exact, each
# parameter's path reduced to at most 1000 points in order; a parameter that appears
# in the middle of the run starts its path there; past 64 parameters the rest are
# counted, not shown.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-report.sh"

need jq
gen_metrics long 50 ""
# step i: every 10th step applies +1 to "level" (0 -> 300), every 7th is blocked by
# cooldown, the rest noop; "late" appears at step 1000 with a change from 7 to 8;
# the apply check matches except on every 100th step.
awk 'BEGIN {
	level = 0
	for (i = 1; i <= 3000; i++) {
		dec = "noop"; g = "null"; ch = ""; src = "null"
		if (i % 10 == 0) {
			dec = "applied"; src = "\"rule\""
			ch = sprintf("{\"param\":\"level\",\"from\":%d,\"proposed\":%d,\"to\":%d,\"decision\":\"applied\",\"guard\":null}", level, level + 1, level + 1)
			level++
		} else if (i % 7 == 0) {
			dec = "blocked"; g = "\"cooldown\""; src = "\"rule\""
			ch = sprintf("{\"param\":\"level\",\"from\":%d,\"proposed\":%d,\"to\":%d,\"decision\":\"blocked\",\"guard\":\"cooldown\"}", level, level + 1, level)
		}
		vals = sprintf("\"level\":%d", level)
		if (i == 1000) {
			if (ch != "") ch = ch ","
			ch = ch "{\"param\":\"late\",\"from\":7,\"proposed\":8,\"to\":8,\"decision\":\"applied\",\"guard\":null}"
		}
		if (i >= 1000) vals = vals ",\"late\":8"
		m = (i % 100 == 0) ? 0 : 1
		printf "{\"schema\":\"1.0\",\"iteration\":%d,\"source\":%s,\"rule\":null,\"decision\":\"%s\",\"guard\":%s,\"changes\":[%s],\"values\":{%s},\"overrides_sha256\":\"x\",\"written\":%s,\"apply\":{\"checked\":1,\"matched\":%d,\"mismatched\":[]},\"frozen\":[],\"freeze_ready\":false}\n", i, src, dec, g, ch, vals, dec == "applied" ? "true" : "false", m
	}
}' >long/tuning.jsonl
expect_exit 0 "$REPORT" -d long -f json,md,html --gate 'tune.applied==300' --gate 'tune.apply_ratio>=0.99'
S=long/reports/POST_SOAK_SNAPSHOT.json
T=long/tuning.jsonl
assert_jq_eq "$S" '.tuning.steps' "$(jq -s length $T)"
for d in applied noop blocked; do
	assert_jq_eq "$S" ".tuning.decisions.$d" "$(jq -s --arg d $d '[.[] | select(.decision == $d)] | length' $T)"
done
assert_jq_eq "$S" '.tuning.guards.cooldown' "$(jq -s '[.[].changes[] | select(.guard == "cooldown")] | length' $T)"
assert_json "$S" '.tuning.apply | .checked == 3000 and .matched == 2970'
assert_json "$S" '[.gates[].outcome] == ["pass","pass"]'
P='.tuning.runs[0].parameters'
assert_json "$S" "$P[0] | .name == \"level\" and .initial == 0 and .final == 300 and .changes == 300 and .min == 0 and .max == 300 and .last_applied == {\"iteration\":3000,\"from\":299}"
# the path: at most 1000 points, in order, from iteration 1 to 3001, averaged into buckets
assert_json "$S" "$P[0].path | length <= 1000 and length >= 500"
assert_json "$S" "$P[0].path | [.[][0]] as \$x | \$x == (\$x | sort) and .[0][0] >= 1 and .[0][0] < 5"
assert_json "$S" "$P[0].path | .[-1][0] > 2990 and .[-1][0] <= 3001 and .[-1][1] > 295"
# "late" starts at step 1000 from 7 (its change's from), then 8
assert_json "$S" "$P[1] | .name == \"late\" and .initial == 7 and .final == 8 and .changes == 1 and .path[0][0] >= 1000 and .path[0][0] < 1010 and .path[0][1] < 8"
assert_contains long/reports/POST_SOAK_AUDIT.md "| late | 7 | 8 | 7 | 8 | 1 | 7 (after iteration 1000) | 0 |"

# --- 70 parameters: the first 64 shown, the rest counted ---
mkdir wide
gen_metrics wide 5 ""
for i in 1 2 3; do
	jq -cn --argjson i $i '{schema:"1.0",iteration:$i,source:null,rule:null,decision:"noop",guard:null,changes:[],
		values:([range(70)] | map({key:"p\(.)", value:.}) | from_entries),overrides_sha256:"x",written:false,
		apply:{checked:0,matched:0,mismatched:[]},frozen:[],freeze_ready:false}'
done >wide/tuning.jsonl
expect_exit 0 "$REPORT" -d wide -f json,md
assert_json wide/reports/POST_SOAK_SNAPSHOT.json '.tuning.runs[0] | (.parameters | length) == 64 and .parameters_dropped == 6 and .parameters[63].name == "p63"'
assert_json wide/reports/POST_SOAK_SNAPSHOT.json '.tuning.runs[0].values | length == 70'
assert_contains wide/reports/POST_SOAK_AUDIT.md "parameters past the first 64 not shown"

finish
