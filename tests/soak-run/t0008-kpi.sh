# soak-run, point 7: KPIs written to $SOAK_KPI_FILE are merged into the iteration
# record; a bad KPI file is a recorded warning, never a crash.
. "$(dirname "$0")/../lib.sh"

# --- the example's KPIs ---
expect_exit 0 "$SOAK_RUN" -q -d ex -n 2 -- "$LEAKY" --leak-kb 100 --work-ms 20
assert_json -s ex/metrics.jsonl 'all(.kpi | keys == ["heap_kb", "latency_ms", "requests"])'
assert_json -s ex/metrics.jsonl 'all(.kpi.latency_ms > 0 and .kpi.requests >= 50 and .kpi.requests < 100)'
assert_jq_eq -s ex/metrics.jsonl 'map(.kpi.heap_kb) | @json' '[100,200]'
assert_json -s ex/metrics.jsonl 'all(has("warnings") | not)'

# kpi_run NAME SCRIPT: one iteration of sh -c SCRIPT, which exits 0
kpi_run()
{
	expect_exit 0 "$SOAK_RUN" -q -d "$1" -n 1 -- sh -c "$2"
	M=$1/metrics.jsonl
	assert_json "$M" '.status == "pass"'
}

# --- numbers, as written, in the record ---
kpi_run good 'printf "{\"req_per_s\": 1520.5, \"errors\": 0, \"p99_ms\": 1e3}" >"$SOAK_KPI_FILE"'
assert_json "$M" '.kpi == {"req_per_s": 1520.5, "errors": 0, "p99_ms": 1000}'
assert_json "$M" 'has("warnings") | not'

# --- malformed: a warning, no crash ---
kpi_run garbage 'echo "this is not json" >"$SOAK_KPI_FILE"'
assert_json "$M" '.warnings | length >= 1 and all(test("kpi"))'
assert_json "$M" '.kpi == null or .kpi == {}'

kpi_run array 'echo "[1, 2, 3]" >"$SOAK_KPI_FILE"'
assert_json "$M" '.warnings | length >= 1'
assert_json "$M" '.kpi == null or .kpi == {}'

kpi_run truncated 'printf "{\"a\": 1, \"b\": " >"$SOAK_KPI_FILE"'
assert_json "$M" '.warnings | length >= 1'

kpi_run empty ': >"$SOAK_KPI_FILE"'
assert_json "$M" '.warnings | length >= 1'

kpi_run binary 'head -c 4096 /dev/urandom >"$SOAK_KPI_FILE"'
assert_json "$M" '.warnings | length >= 1'

# --- a value that is not a number: that one is ignored with a warning, the rest kept ---
kpi_run mixed 'printf "{\"ok\": 2, \"name\": \"fast\", \"nested\": {\"x\": 1}}" >"$SOAK_KPI_FILE"'
assert_json "$M" '.kpi.ok == 2 and (.kpi | has("name") | not) and (.kpi | has("nested") | not)'
assert_json "$M" '.warnings | length >= 1 and any(test("name"))'

# --- a huge KPI file: refused with a warning, soak-run carries on ---
kpi_run huge 'head -c 50000000 /dev/zero | tr "\0" " " >"$SOAK_KPI_FILE"; echo "{\"a\": 1}" >>"$SOAK_KPI_FILE"'
assert_json "$M" '.warnings | length >= 1'

# --- a directory where the file should be ---
kpi_run dir 'mkdir "$SOAK_KPI_FILE"'
assert_json "$M" '.warnings | length >= 1'

# --- no KPI file: no kpi, no warning; a file of iteration 1 is not seen by iteration 2 ---
expect_exit 0 "$SOAK_RUN" -q -d once -n 3 -- sh -c '[ "$SOAK_ITERATION" = 1 ] && echo "{\"n\": 1}" >"$SOAK_KPI_FILE"; exit 0'
assert_json once/metrics.jsonl 'select(.iteration == 1) | .kpi == {"n": 1}'
assert_json -s once/metrics.jsonl 'map(select(.iteration > 1)) | all((has("kpi") | not) and (has("warnings") | not))'
# the file lives in the soak directory's kpi/, and is gone once read
expect_exit 0 "$SOAK_RUN" -q -d paths -n 2 -- sh -c 'echo "kpi=$SOAK_KPI_FILE"; echo "{\"n\": 2}" >"$SOAK_KPI_FILE"'
assert_match paths/logs/iter-000001.log "^kpi=$TMP/paths/kpi/[^/]+$"
assert_no_file "$(sed -n 's/^kpi=//p' paths/logs/iter-000002.log)"

finish
