# The bundled example workload: settings from flags and the environment, the
# persistent leak through the state file, KPIs, seeded failures and hangs, --service.
. "$(dirname "$0")/../lib.sh"

# --- help and usage errors ---
expect_exit 0 "$LEAKY" --help
assert_contains "$OUT" "--leak-kb N"
assert_contains "$OUT" "--service"
expect_exit 2 "$LEAKY" --bogus
assert_contains "$ERR" "try 'soak-example-leaky --help'"
expect_exit 2 "$LEAKY" --fail-rate 1.5
assert_contains "$ERR" "--fail-rate '1.5'"
expect_exit 2 "$LEAKY" --leak-kb -1
expect_exit 2 "$LEAKY" --work-ms
assert_contains "$ERR" "missing value for '--work-ms'"
expect_exit 2 env LEAKY_HANG_RATE=often "$LEAKY"
assert_contains "$ERR" "LEAKY_HANG_RATE 'often'"
# a flag wins over the environment, even over a bad value there
expect_exit 0 env LEAKY_WORK_MS=bad "$LEAKY" --work-ms 1 --state s0
assert_no_file leaky.state

# --- the state file counts invocations; the leak is leak-kb times the count ---
export SOAK_DIR=$TMP SOAK_KPI_FILE=$TMP/kpi.json
for i in 1 2 3; do
	expect_exit 0 env SOAK_ITERATION=$i "$LEAKY" --leak-kb 2048 --work-ms 10
	assert_contains "$OUT" "leaky: invocation $i, seed $i, holding $((2048 * i)) KiB"
	assert_json kpi.json ".heap_kb == $((2048 * i)) and .requests >= 50 and .requests < 100 and .latency_ms >= 7"
	assert_json kpi.json 'keys == ["heap_kb", "latency_ms", "requests"]'
done
assert_eq "$(cat leaky.state)" 3 "the state file"
assert_eq "$(ls | grep -c '\.tmp')" 0 "temporary files left"
# the environment, and --state
expect_exit 0 env LEAKY_LEAK_KB=100 LEAKY_STATE=other.state "$LEAKY" --work-ms 1
assert_json kpi.json '.heap_kb == 100'
assert_eq "$(cat other.state)" 1 "--state through LEAKY_STATE"
# without SOAK_DIR: ./leaky.state
mkdir cwd
(cd cwd && env -u SOAK_DIR "$LEAKY" --work-ms 1 >/dev/null)
assert_eq "$(cat cwd/leaky.state 2>/dev/null)" 1 "the default state file outside soak-run"
# the memory is really held: RSS of a 16 MiB invocation
expect_exit 0 env SOAK_ITERATION=1 "$LEAKY" --leak-kb 16384 --work-ms 1 --state big.state
run_bg "$LEAKY" --leak-kb 16384 --work-ms 60000 --state big.state
wait_for "grep -q '^VmRSS:' /proc/$BG_PID/status && [ \$(awk '/^VmRSS:/ { print \$2 }' /proc/$BG_PID/status) -ge $((2 * 16384)) ]" 5 \
	"RSS of the second 16 MiB invocation"
kill -TERM "$BG_PID"
expect_bg_exit 143 5

# --- failures and hangs: seeded, so repeatable ---
outcomes()
{
	local i s=
	for i in $(seq 1 20); do
		env SOAK_ITERATION=$i "$LEAKY" --fail-rate 0.3 --work-ms 0 --state f.state >/dev/null 2>&1
		s+=$?
	done
	echo "$s"
}
a=$(outcomes)
b=$(outcomes)
assert_eq "$a" "$b" "outcomes of two runs with the same iterations"
assert_num "$(tr -cd 1 <<<"$a" | wc -c)" '>=' 2 "failures in 20 at rate 0.3"
assert_num "$(tr -cd 1 <<<"$a" | wc -c)" '<=' 14 "failures in 20 at rate 0.3"
expect_exit 1 "$LEAKY" --fail-rate 1 --work-ms 0
assert_match "$ERR" '^leaky: request [0-9]+ of [0-9]+ failed'
expect_exit 0 "$LEAKY" --fail-rate 1 --work-ms 0 --seed 7 --fail-rate 0
run_bg "$LEAKY" --hang-rate 1 --work-ms 0
sleep 1
if [[ $(_state "$BG_PID") =~ ^[SR]$ ]]; then pass; else fail "--hang-rate 1 did not hang"; fi
kill -TERM "$BG_PID"
expect_bg_exit 143 5
assert_contains "$OUT" "never come"

# --- KPIs are written whole: no KPI file, no problem; unwritable: exit 1 ---
expect_exit 0 env -u SOAK_KPI_FILE "$LEAKY" --work-ms 0
expect_exit 1 env SOAK_KPI_FILE=$TMP/no/such/dir/kpi.json "$LEAKY" --work-ms 0
assert_contains "$ERR" "cannot write '$TMP/no/such/dir/kpi.json"

# --- service mode: leaks every second, a clean exit on SIGTERM ---
run_bg "$LEAKY" --service --leak-kb 8192
wait_for "grep -q 'leaky service: pid' $OUT" 5
r1=$(awk '/^VmRSS:/ { print $2 }' /proc/$BG_PID/status)
sleep 1.3
r2=$(awk '/^VmRSS:/ { print $2 }' /proc/$BG_PID/status)
assert_num $((r2 - r1)) '>=' 6000 "RSS growth (kB) in 1.3 s at 8 MiB/s"
kill -TERM "$BG_PID"
expect_bg_exit 0 5
assert_match "$OUT" '^leaky service: stopping after [0-9]+ s, [0-9]+ KiB leaked$'
expect_exit 1 "$LEAKY" --service --fail-rate 1
assert_contains "$ERR" "crashed"

finish
