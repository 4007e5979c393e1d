# soak-report reads back soak-run's live gates (summary.json "gates"): an aborted run
# is FAIL naming the gate and the iteration where it first failed, in every output;
# the same expression given to soak-report again is one gate; warn, pass, no data;
# shards; a malformed gates array.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-report.sh"

# fast until iteration 5, then 500 ms an iteration
cat >slow.sh <<'SH'
#!/bin/sh
if [ "$SOAK_ITERATION" -gt 5 ]; then sleep 0.5; fi
SH
chmod +x slow.sh

# --- a run aborted by a live gate: FAIL, naming the gate and its first failed iteration ---
expect_exit 1 "$SOAK_RUN" -q -d hard -n 30 --sample-interval 0 --gate-window 4 --gate-sustain 2 \
	--gate 'duration_ms:p(95)@last<250' --warn-gate 'pass_rate>0.5' -- ./slow.sh
assert_json hard/summary.json '.state == "aborted" and .gates[0].outcome == "fail"'
FF=$(jq '.gates[0].first_failed_iteration' hard/summary.json)
assert_num "$FF" '>' 5 "first failed iteration"
expect_exit 1 "$REPORT" -d hard -f all
assert_contains "$OUT" "FAIL: live gate 'duration_ms:p(95)@last<250' first failed at iteration $FF, value"
assert_contains "$OUT" "the run was aborted"
assert_contains "$OUT" "(threshold < 250ms, hard, live: first failed at iteration $FF, value"
assert_contains "$OUT" "(threshold > 50.00%, soft, live: passed)"
S=hard/reports/POST_SOAK_SNAPSHOT.json
assert_json $S '.verdict == "FAIL" and .exit_code == 1 and (.reason | test("live gate"))'
assert_json $S '.gates | length == 2'
assert_json $S ".gates[0] | .outcome == \"fail\" and .kind == \"hard\" and .live.outcome == \"fail\" and .live.first_failed_iteration == $FF and .live.also_given == false and .live.shard == \"hard\" and .live.value > 250"
assert_json $S '.gates[1] | .outcome == "pass" and .kind == "soft" and .live.outcome == "pass" and .value == 1'
assert_contains hard/reports/POST_SOAK_AUDIT.md "| \`duration_ms:p(95)@last<250\` | hard, live |"
assert_contains hard/reports/POST_SOAK_AUDIT.md "❌ fail (live: first failed at iteration $FF, value"
assert_contains hard/reports/report.html "<td>hard, live</td>"
assert_contains hard/reports/report.html "fail (live: first failed at iteration $FF, value"
assert_contains hard/reports/metrics.prom 'soak_gate_passed{gate="duration_ms:p(95)@last<250",kind="hard"} 0'

# --- the same expression given to soak-report too (blanks aside): one gate, not two ---
expect_exit 1 "$REPORT" -d hard -f json -o same --gate 'duration_ms:p(95)@last < 250'
assert_json same/POST_SOAK_SNAPSHOT.json '.gates | length == 2'
assert_json same/POST_SOAK_SNAPSHOT.json ".gates[0] | .expr == \"duration_ms:p(95)@last < 250\" and .live.also_given == true and .live.first_failed_iteration == $FF"
assert_json same/POST_SOAK_SNAPSHOT.json '[.gates[] | select(.expr | test("duration_ms"))] | length == 1'

# --- a live failure fails the gate even where soak-report's own judgement passes ---
gen_metrics fixture 10 ""
cat >fixture/summary.json <<'JSON'
{"schema":"1.0","run_id":"r1","state":"aborted","stop_reason":"gate","iterations":10,
 "gates":[{"gate":"duration_ms:max<5s","level":"abort","outcome":"fail",
           "first_failed_iteration":7,"value":6000,"threshold":5000}]}
JSON
expect_exit 1 "$REPORT" -d fixture -f json --gate 'duration_ms:max<5s'
assert_json fixture/reports/POST_SOAK_SNAPSHOT.json '.gates | length == 1'
assert_json fixture/reports/POST_SOAK_SNAPSHOT.json '.gates[0] | .value == 1000 and .outcome == "fail" and .live.first_failed_iteration == 7 and .live.value == 6000'
assert_contains "$OUT" "live gate 'duration_ms:max<5s' first failed at iteration 7, value 6s; the run was aborted"

# --- shards: the gate is merged by expression; the shard where it failed is named ---
gen_metrics clean 10 ""
cat >clean/summary.json <<'JSON'
{"schema":"1.0","run_id":"r2","state":"completed","iterations":10,
 "gates":[{"gate":"duration_ms:max < 5s","level":"abort","outcome":"pass","value":1000,"threshold":5000}]}
JSON
expect_exit 1 "$REPORT" -d clean -d fixture -f json -o shards
assert_json shards/POST_SOAK_SNAPSHOT.json '.gates | length == 1'
assert_json shards/POST_SOAK_SNAPSHOT.json '.gates[0] | .outcome == "fail" and .live.shard == "fixture" and .live.first_failed_iteration == 7'
assert_contains "$OUT" "first failed at iteration 7, value 6s in 'fixture'"

# --- a warn gate that fired: WARN (exit 1 with --strict), the run went on ---
expect_exit 0 "$SOAK_RUN" -q -d warn -n 10 --sample-interval 0 --gate-window 2 \
	--warn-gate 'duration_ms:max@last<250' -- ./slow.sh
expect_exit 0 "$REPORT" -d warn -f json
assert_json warn/reports/POST_SOAK_SNAPSHOT.json '.verdict == "WARN" and (.reason | test("^live gate .* first failed at iteration 6, value")) and (.reason | test("aborted") | not)'
expect_exit 1 "$REPORT" -d warn -f none --strict

# --- a live gate that passed: PASS; one that soak-run never judged: no data, FAIL ---
expect_exit 0 "$SOAK_RUN" -q -d pass -n 5 --sample-interval 0 --gate 'duration_ms:max@last<250' \
	-- true
expect_exit 0 "$REPORT" -d pass -f json
assert_contains "$OUT" "PASS: 1 of 1 gates passed"
assert_json pass/reports/POST_SOAK_SNAPSHOT.json '.gates[0] | .outcome == "pass" and .live.outcome == "pass" and .value < 250'
expect_exit 0 "$SOAK_RUN" -q -d nodata -n 3 --sample-interval 0 --gate 'kpi.latency:avg<5' -- true
expect_exit 1 "$REPORT" -d nodata -f json
assert_contains "$OUT" "FAIL: live gate 'kpi.latency:avg<5' has no data: soak-run never judged it"
assert_json nodata/reports/POST_SOAK_SNAPSHOT.json '.gates[0] | .outcome == "nodata" and .live.outcome == "nodata"'

# --- a malformed gates array is an input error (exit 3) naming the file ---
gen_metrics bad 3 ""
echo '{"schema":"1.0","state":"completed","gates":[{"gate":"pass_rate>0.5","level":"abort","outcome":"maybe"}]}' >bad/summary.json
expect_exit 3 "$REPORT" -d bad -f none
assert_contains "$ERR" "'bad': summary.json: gate 'pass_rate>0.5' has outcome 'maybe' (allowed: pass, failing, fail, nodata)"
echo '{"schema":"1.0","state":"completed","gates":[{"gate":"pass_rate>>0.5","level":"abort","outcome":"pass"}]}' >bad/summary.json
expect_exit 3 "$REPORT" -d bad -f none
assert_contains "$ERR" "summary.json"
echo '{"schema":"1.0","state":"completed","gates":[{"level":"abort"}]}' >bad/summary.json
expect_exit 3 "$REPORT" -d bad -f none
assert_contains "$ERR" "gates[0] needs 'gate', 'level' (abort or warn) and 'outcome'"
finish
