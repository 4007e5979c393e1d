# soak-report.exe under Wine on a soak directory soak-run.exe made (3 passes, 2
# failures): exit codes per verdict and gates, the reports in reports/ (or --out),
# the pass rate in the snapshot equal to passed/iterations.
. "$(dirname "$0")/lib.sh"

# iterations 2 and 4 fail (exit codes 1 and 7), the others pass
printf '@echo off\r\necho iteration %%SOAK_ITERATION%%\r\nif %%SOAK_ITERATION%%==2 exit /b 1\r\nif %%SOAK_ITERATION%%==4 exit /b 7\r\nexit /b 0\r\n' >"$WD/mix.cmd"
wrun 1 soak-run -q -d "$WWD\\mix" -n 5 -- cmd /c "$WWD\\mix.cmd"
S=$WD/mix
assert_jq_eq -s "$S/metrics.jsonl" 'map("\(.status):\(.exit_code)") | join(" ")' "pass:0 fail:1 pass:0 fail:7 pass:0"
passed=$(jqv -s "$S/metrics.jsonl" 'map(select(.status == "pass")) | length')
iters=$(jqv -s "$S/metrics.jsonl" 'length')
assert_eq "$passed/$iters" 3/5 "passed/iterations in metrics.jsonl"

# --- no gates: WARN (failures, no gate given), exit 0; every report in reports/ ---
wrun 0 soak-report -d "$WWD\\mix"
R=$S/reports
for f in POST_SOAK_SNAPSHOT.json POST_SOAK_AUDIT.md RECOMMENDATIONS.md FAILURES.md junit.xml metrics.prom report.html; do
	assert_file "$R/$f"
done
assert_contains "$OUT" "soak-report: WARN: 2 of 5 iterations failed (no gates given)"
assert_contains "$OUT" "iterations  5: 3 pass, 2 fail, 0 timeout, 0 error, 0 skipped"
J=$R/POST_SOAK_SNAPSHOT.json
assert_json "$J" '.verdict == "WARN" and .exit_code == 0'
assert_json "$J" '.whole.iterations == 5 and .whole.counts == {"pass": 3, "fail": 2, "timeout": 0, "error": 0, "skipped": 0}'
assert_json "$J" ".whole.pass_rate == ($passed / $iters)"
assert_json "$J" '.whole.pass_rate == (.whole.counts.pass / .whole.iterations)'
assert_json "$J" '.whole.pass_rate_ci95[0] < .whole.pass_rate and .whole.pass_rate < .whole.pass_rate_ci95[1]'
assert_json "$J" '.whole.first_failure.iteration == 2 and .whole.last_failure.iteration == 4 and .whole.longest_failure_streak == 1'
assert_json "$J" '.whole.first_failure.log == "logs/iter-000002.log"'
assert_json "$J" ".sources | length == 1 and .[0].records == 5 and .[0].bad_records == 0 and .[0].dir == \"${WWD//\\/\\\\}\\\\mix\""
assert_json "$J" '.whole.metrics.duration_ms.count == 5 and .whole.metrics.duration_ms.min > 0'
# the same pass rate in summary.json (soak-run's own count)
assert_json "$S/summary.json" ".pass_rate == ($passed / $iters) and .passed == $passed and .iterations == $iters"
assert_contains "$R/POST_SOAK_AUDIT.md" "# Soak report: WARN"
assert_contains "$R/POST_SOAK_AUDIT.md" "| pass rate (95% CI) | 60.00% "
assert_contains "$R/FAILURES.md" "iter-000004.log"

# --strict: WARN exits 1
wrun 1 soak-report -q --strict -d "$WWD\\mix"
assert_json "$J" '.verdict == "WARN" and .exit_code == 1'

# --- a hard gate the run misses: FAIL, exit 1; the reports into a non-ASCII --out ---
wrun 1 soak-report -q -d "$WWD\\mix" --gate 'pass_rate>=0.99' --warn-gate 'duration_ms:p(95)<60s' --out "$WUD\\rep"
J=$UD/rep/POST_SOAK_SNAPSHOT.json
assert_file "$UD/rep/POST_SOAK_AUDIT.md"
assert_json "$J" '.verdict == "FAIL" and .exit_code == 1'
assert_json "$J" '.reason == "gate '\''pass_rate>=0.99'\'' failed: value 60.00%"'
assert_json "$J" '.gates | length == 2'
assert_json "$J" '.gates[0] | .expr == "pass_rate>=0.99" and .kind == "hard" and .outcome == "fail" and .threshold == 0.99 and .value == 0.6'
assert_json "$J" '.gates[1] | .kind == "soft" and .outcome == "pass" and .threshold == 60000 and .value < 60000'
assert_json "$J" '.gates[0].value == .whole.pass_rate'
assert_contains "$UD/rep/POST_SOAK_AUDIT.md" "**Verdict: FAIL**"

# --- gates the run meets: PASS, exit 0 ---
wrun 0 soak-report -q -d "$WWD\\mix" --gate 'pass_rate>=0.5' --gate 'duration_ms:p(95)<60s'
assert_json "$S/reports/POST_SOAK_SNAPSHOT.json" '.verdict == "PASS" and .exit_code == 0 and (.gates | length == 2 and all(.outcome == "pass"))'
# a failed soft gate alone: WARN, exit 0
wrun 0 soak-report -q -d "$WWD\\mix" --gate 'pass_rate>=0.5' --warn-gate 'pass_rate>=0.99'
assert_json "$S/reports/POST_SOAK_SNAPSHOT.json" '.verdict == "WARN" and .exit_code == 0'

# --- SOURCE_DATE_EPOCH: the report's time, and the same bytes twice ---
expect_exit 0 env SOURCE_DATE_EPOCH=1700000000 "$W" "$SOAK_BIN/soak-report.exe" -q -d "$WWD\\mix" -f json --out "$WWD\\sde1"
expect_exit 0 env SOURCE_DATE_EPOCH=1700000000 "$W" "$SOAK_BIN/soak-report.exe" -q -d "$WWD\\mix" -f json --out "$WWD\\sde2"
assert_json "$WD/sde1/POST_SOAK_SNAPSHOT.json" '.generated == "2023-11-14T22:13:20.000Z"'
cmp -s "$WD/sde1/POST_SOAK_SNAPSHOT.json" "$WD/sde2/POST_SOAK_SNAPSHOT.json" && pass || fail "two reports with SOURCE_DATE_EPOCH differ"
assert_no_file "$WD/sde1/POST_SOAK_AUDIT.md"

# --- usage and input errors ---
wrun 2 soak-report -q -d "$WWD\\mix" --gate 'pass_rate>>1'
wrun 3 soak-report -q -d "$WWD\\nothing-here"

finish
