# soak-run, point 1 and 10: the loop (iterations, duration, working directory,
# extra environment) and every file of the soak directory with its fields.
. "$(dirname "$0")/../lib.sh"

# --- three iterations of the example: exit 0 and the whole soak directory ---
expect_exit 0 "$SOAK_RUN" -q --dir soak --iterations 3 --sample-interval 50ms \
	-- "$LEAKY" --leak-kb 256 --work-ms 150
D=soak
for f in run.json metrics.jsonl samples.jsonl events.jsonl summary.json health.json; do
	assert_file "$D/$f"
done
assert_dir "$D/logs"
for i in 1 2 3; do
	assert_file "$D/logs/iter-00000$i.log"
	assert_contains "$D/logs/iter-00000$i.log" "leaky: invocation $i,"
done

# run.json
RUN_ID=$(jqv "$D/run.json" .run_id)
assert_json "$D/run.json" '.schema == "1.0"'
assert_json "$D/run.json" '.run_id | type == "string" and length > 0'
assert_json "$D/run.json" ".started | test(\"$ISO_RE\")"
assert_json "$D/run.json" '.tool == {"name": "soak-run", "version": "'"$(
	sed -n 's/^project(soak-action VERSION \([0-9.]*\).*/\1/p' "$SOAK_SRC/CMakeLists.txt")"'"}'
assert_jq_eq "$D/run.json" '.command | @json' "[\"$LEAKY\",\"--leak-kb\",\"256\",\"--work-ms\",\"150\"]"
assert_json "$D/run.json" 'has("steps") | not'
assert_json "$D/run.json" 'has("ci") | not'
assert_json "$D/run.json" '.resumed // [] | length == 0'
assert_json "$D/run.json" '.config.iterations == {"value": "3", "source": "flag"}'
assert_json "$D/run.json" '.config["sample-interval"] // .config.sample_interval | .source == "flag"'
assert_json "$D/run.json" '.config.timeout.source == "default"'
assert_json "$D/run.json" '(.config["kill-after"] // .config.kill_after) == {"value": "5s", "source": "default"}'
assert_json "$D/run.json" '.config | to_entries | all(.value.source | IN("flag", "env", "config", "default"))'
assert_jq_eq "$D/run.json" .host.os linux
assert_jq_eq "$D/run.json" .host.arch "$(uname -m)"
assert_jq_eq "$D/run.json" .host.kernel "$(uname -r)"
assert_jq_eq "$D/run.json" .host.hostname "$(uname -n)"
assert_json "$D/run.json" '.host.cpus | type == "number" and . >= 1'
assert_json "$D/run.json" '.host.mem_total_bytes > 0 and .host.disk_free_bytes > 0'

# metrics.jsonl: one record per iteration, in order
M=$D/metrics.jsonl
assert_lines "$M" 3
assert_jq_eq -s "$M" 'map(.iteration) | @json' '[1,2,3]'
assert_json -s "$M" 'all(.schema == "1.0")'
assert_json -s "$M" "all(.run_id == \"$RUN_ID\")"
assert_json -s "$M" "all((.start | test(\"$ISO_RE\")) and (.end | test(\"$ISO_RE\")) and .start <= .end)"
assert_json -s "$M" 'all(.status == "pass" and .exit_code == 0 and .signal == null and .timed_out == false)'
assert_json -s "$M" 'all(.duration_ms | type == "number" and . >= 100 and . < 10000)'
assert_json -s "$M" 'all(.peak_rss_bytes > 0)'
for k in cpu_user_s cpu_sys_s threads open_fds procs free_disk_bytes mem_avail_bytes log_bytes log_dropped_bytes; do
	assert_json -s "$M" "all(.$k | type == \"number\" and . >= 0)"
done
assert_json -s "$M" 'all(.free_disk_bytes > 0 and .mem_avail_bytes > 0 and .procs >= 1 and .threads >= 1)'
assert_json -s "$M" 'all(.kpi | keys == ["heap_kb", "latency_ms", "requests"])'
assert_jq_eq -s "$M" 'map(.kpi.heap_kb) | @json' '[256,512,768]'
assert_jq_eq -s "$M" 'map(.log) | @json' '["logs/iter-000001.log","logs/iter-000002.log","logs/iter-000003.log"]'
assert_json -s "$M" 'all(.log_dropped_bytes == 0)'
assert_jq_eq "$M" 'select(.iteration == 2) | .log_bytes' "$(stat -c %s "$D/logs/iter-000002.log")"
assert_json -s "$M" 'all(has("steps") or has("service") or has("warnings") | not)'

# summary.json and health.json
S=$D/summary.json
assert_json "$S" '.schema == "1.0" and .state == "completed"'
assert_jq_eq "$S" .run_id "$RUN_ID"
assert_json "$S" "(.started | test(\"$ISO_RE\")) and (.updated | test(\"$ISO_RE\")) and (.ended | test(\"$ISO_RE\"))"
assert_json "$S" '.iterations == 3 and .passed == 3 and .failed == 0 and .timed_out == 0 and .errors == 0 and .skipped == 0'
assert_json "$S" '.pass_rate == 1 and .consecutive_failures == 0 and .max_consecutive_failures == 0'
assert_json "$S" '.first_failure == null and .last_failure == null and .last_status == "pass"'
assert_json "$S" '.exit_code == 0 and (.elapsed_s | type == "number" and . > 0)'
assert_jq_eq "$S" .peak_rss_bytes "$(jqv -s "$M" 'map(.peak_rss_bytes) | max')"
H=$D/health.json
assert_json "$H" '.schema == "1.0" and .status == "healthy" and .consecutive_failures == 0'
assert_json "$H" "(.updated | test(\"$ISO_RE\")) and (.last_success | test(\"$ISO_RE\"))"
assert_json "$H" '.success_rate == 1 and .recent_success_rate == 1 and .uptime_s >= 0'

# events.jsonl: complete records, from "start" to "end"
E=$D/events.jsonl
assert_json -s "$E" "all(.schema == \"1.0\" and .program == \"soak-run\" and (.t | test(\"$ISO_RE\")) and (.event | type == \"string\"))"
assert_jq_eq -s "$E" '.[0].event' start
assert_jq_eq -s "$E" '.[-1].event' end

# the KPI file of an iteration is removed once read
assert_eq "$(find "$D/kpi" -type f 2>/dev/null | wc -l)" 0 "files left in kpi/"

# --- the command's environment, --workdir, --env, --run-id ---
mkdir wd
expect_exit 0 "$SOAK_RUN" -q -d env-soak -n 2 -C wd -e GREETING=hello -e "TWO=a b" --run-id my-run-1 \
	-- sh -c 'echo "id=$SOAK_RUN_ID it=$SOAK_ITERATION dir=$SOAK_DIR kpi=$SOAK_KPI_FILE"; \
		echo "greeting=$GREETING two=$TWO"; echo "pwd=$(pwd -P)"; touch here'
L=env-soak/logs/iter-000002.log
assert_contains "$L" "id=my-run-1 it=2 dir=$TMP/env-soak kpi=$TMP/env-soak/"
assert_contains "$L" "greeting=hello two=a b"
assert_contains "$L" "pwd=$(cd wd && pwd -P)"
assert_file wd/here
assert_jq_eq env-soak/run.json .run_id my-run-1
assert_jq_eq -s env-soak/metrics.jsonl 'map(.run_id) | unique | @json' '["my-run-1"]'

# --- failing iterations: exit code, signal, totals ---
expect_exit 1 "$SOAK_RUN" -q -d fail-soak -n 3 -- sh -c '[ "$SOAK_ITERATION" = 2 ] && exit 3; [ "$SOAK_ITERATION" = 3 ] && kill -KILL $$; exit 0'
M=fail-soak/metrics.jsonl
assert_lines "$M" 3
assert_json "$M" 'select(.iteration == 1) | .status == "pass" and .exit_code == 0'
assert_json "$M" 'select(.iteration == 2) | .status == "fail" and .exit_code == 3 and .signal == null and .timed_out == false'
assert_json "$M" 'select(.iteration == 3) | .status == "fail" and .exit_code == null and .signal == 9'
S=fail-soak/summary.json
assert_json "$S" '.state == "completed" and .iterations == 3 and .passed == 1 and .failed == 2'
assert_json "$S" '.first_failure == 2 and .last_failure == 3 and .last_status == "fail"'
assert_json "$S" '.consecutive_failures == 2 and .max_consecutive_failures == 2 and .exit_code == 1'
assert_json "$S" '(.pass_rate * 1000 | round) == 333'

# --- --duration: stop starting iterations after it; whichever comes first ---
t0=$(now_ms)
expect_exit 0 "$SOAK_RUN" -q -d dur-soak --duration 1s -- sleep 0.3
elapsed=$(($(now_ms) - t0))
assert_num "$(jqv dur-soak/summary.json .iterations)" '>=' 3 "iterations in 1s of 0.3s each"
assert_num "$(jqv dur-soak/summary.json .iterations)" '<=' 5 "iterations in 1s of 0.3s each"
assert_num "$elapsed" '<' 5000 "run time (ms) of --duration 1s"
assert_json dur-soak/summary.json '.state == "completed"'
expect_exit 0 "$SOAK_RUN" -q -d both-soak --duration 1h -n 2 -- true
assert_lines both-soak/metrics.jsonl 2

# --- the default soak directory ---
mkdir default && cd default || exit 1
expect_exit 0 "$SOAK_RUN" -q -n 1 -- true
assert_lines artifacts/soak/metrics.jsonl 1
cd "$TMP" || exit 1
expect_exit 0 env SOAK_DIR=from-env "$SOAK_RUN" -q -n 1 -- true
assert_lines from-env/metrics.jsonl 1

finish
