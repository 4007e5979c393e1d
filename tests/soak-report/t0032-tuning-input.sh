# tuning.jsonl as it may really be found: malformed lines counted and skipped like
# metrics.jsonl's (and exit 3 past --max-bad-share), a partial last line ignored, a
# newer schema refused, an empty file, a guard name the contract does not list.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-report.sh"
. "$(dirname "$0")/lib-tune.sh"

need jq
gen_tuned soak 36
cp soak/tuning.jsonl good.jsonl
T=soak/tuning.jsonl
# line 37: not JSON; 38: an unknown decision; 39: values not numbers; 40: no schema;
# 41: changes not an array; then a partial line (a writer killed mid-write)
{
	echo 'this is not json'
	jq -c '.decision = "maybe"' good.jsonl | head -1
	jq -c '.values = {"spread_bps":"4"}' good.jsonl | head -1
	jq -c 'del(.schema)' good.jsonl | head -1
	jq -c '.changes = {}' good.jsonl | head -1
	printf '{"schema":"1.0","iteration":37,"decis'
} >>$T
expect_exit 0 "$REPORT" -d soak -f json,md --max-bad-share 0.2
S=soak/reports/POST_SOAK_SNAPSHOT.json
assert_json "$S" '.tuning.runs[0] | .lines == 41 and .steps == 36 and .malformed == 5 and .bad_lines == [37,38,39,40,41] and .partial_last_line == true'
assert_json "$S" '.tuning | .steps == 36 and .malformed == 5 and .decisions.noop == 28'
# the malformed lines are tuning.jsonl's: metrics.jsonl has none
assert_json "$S" '.sources[0].bad_records == 0'
assert_contains soak/reports/POST_SOAK_AUDIT.md "frozen: batch; 5 malformed lines skipped; partial last line ignored."

# --- more malformed lines than --max-bad-share allows: exit 3, naming the file and lines ---
expect_exit 3 "$REPORT" -d soak -f none --max-bad-share 0.1
assert_contains "$ERR" "5 of 41 lines of 'tuning.jsonl' in 'soak' are malformed, more than the 10% allowed (--max-bad-share); first at lines 37, 38, 39, 40, 41"

# --- a line of a newer schema major version: exit 3 ---
cp good.jsonl $T
jq -c '.schema = "2.0"' good.jsonl | head -1 >>$T
expect_exit 3 "$REPORT" -d soak -f none
assert_contains "$ERR" "'soak/tuning.jsonl' line 37: schema major version 2 is newer than this program reads (1)"

# --- an empty file: a Tuning section with no step; steps 0, apply ratio no data ---
: >$T
expect_exit 1 "$REPORT" -d soak -f json,md --gate 'tune.steps==0' --gate 'tune.apply_ratio>=0.9'
assert_json "$S" '.tuning | .steps == 0 and .runs[0].parameters == [] and .runs[0].values == null and .runs[0].first_iteration == null'
assert_json "$S" '.gates[0].outcome == "pass" and .gates[1].outcome == "nodata"'
assert_contains soak/reports/POST_SOAK_AUDIT.md "no tuning step recorded; no apply check"

# --- a guard this soak-report does not know: counted under its own name ---
jq -c 'if .iteration == 5 then .guard = "budget" | .changes[0].guard = "budget" else . end' good.jsonl >$T
expect_exit 0 "$REPORT" -d soak -f json,md,prom
assert_json "$S" '.tuning.guards.budget == 1 and .tuning.guards.velocity == 2'
assert_jq_eq "$S" '.tuning.guards | keys_unsorted | join(",")' "velocity,cooldown,freeze,oscillation,late_run,bounds,step,panic,budget"
assert_contains soak/reports/POST_SOAK_AUDIT.md "| budget | 1 |"
assert_contains soak/reports/metrics.prom 'soak_tune_guards{guard="budget"} 1'

# --- a parameter name with Markdown and HTML in it stays one cell ---
sed 's/"batch"/"b|<i>x<\/i>"/g' good.jsonl >$T
expect_exit 0 "$REPORT" -d soak -f md,html
assert_contains soak/reports/POST_SOAK_AUDIT.md '| b\|&lt;i&gt;x&lt;/i&gt; (frozen) | 64 | 96 |'
assert_contains soak/reports/report.html '<tr><td>b|&lt;i&gt;x&lt;/i&gt; (frozen)</td>'
assert_not_contains soak/reports/report.html '<i>x</i>'

# --- iterations that run back (a resumed run re-recording a step): the path never does ---
{
	head -10 good.jsonl
	sed -n '9,12p' good.jsonl
} >$T
expect_exit 0 "$REPORT" -d soak -f json
assert_json "$S" '.tuning.steps == 14 and .tuning.runs[0].last_iteration == 12'
assert_json "$S" '.tuning.runs[0].parameters[1].path | [.[][0]] as $x | $x == ($x | sort) and length == 15'

finish
