# soak-run, point 6: a service under test, started once, sampled for the whole
# run, recorded in each iteration, stopped cleanly at the end; its death fails
# the iteration with the reason, optionally restarting it; --watch-pid.
. "$(dirname "$0")/../lib.sh"

# --- the example in service mode, leaking 4 MiB a second, iterations exercising it ---
expect_exit 0 "$SOAK_RUN" -q -d s -n 4 --run-id t7-svc-$$ --sample-interval 200ms \
	--service "$LEAKY --service --leak-kb 4096" --service-wait 300ms -- sleep 0.8
no_process_with_env SOAK_RUN_ID t7-svc-$$
S=s/samples.jsonl
M=s/metrics.jsonl
assert_json -s "$S" '[.[] | select(.scope == "service")] | length >= 5'
# (but the first, of a process a few ms old whose RSS the kernel may not have
# accounted yet, and the last, which may catch the service stopping)
assert_json -s "$S" '[.[] | select(.scope == "service")] | .[1:-1] | all(.rss_bytes > 0)'
assert_json -s "$S" '[.[] | select(.scope == "service") | .pid] | unique | length == 1'
# the service leaks: its RSS grows over the run
assert_json -s "$S" '[.[] | select(.scope == "service") | .rss_bytes] | (max - .[1]) >= 4 * 1048576'
SVC_PID=$(jqv -s "$S" '[.[] | select(.scope == "service")][0].pid')
assert_lines "$M" 4
assert_json -s "$M" "all(.service.pid == $SVC_PID and .service.alive == true and .service.restarts == 0)"
assert_json -s "$M" 'all(.service.rss_bytes > 0 and .service.open_fds >= 1 and .service.threads >= 1)'
assert_json -s "$M" 'all(.status == "pass")'
assert_json -s "$M" '.[3].service.rss_bytes > .[0].service.rss_bytes'
assert_pid_gone "$SVC_PID"
assert_file s/logs/service.log
# the service runs under sh -c: the example itself is in the tree and gone too
LEAKY_PID=$(sed -n 's/^leaky service: pid \([0-9]*\),.*/\1/p' s/logs/service.log)
assert_match s/logs/service.log '^leaky service: pid [0-9]+, leaking 4096 KiB per second$'
[[ -n $LEAKY_PID ]] && assert_pid_gone "$LEAKY_PID"
# stopped cleanly: SIGTERM first, so the service said goodbye
assert_contains s/logs/service.log "leaky service: stopping after"
assert_json -s s/events.jsonl 'any(.event == "service_start")'
assert_json s/health.json '.service_alive == true and .status == "healthy"'
assert_json s/summary.json '.state == "completed" and .passed == 4'

# --- the service gets SOAK_RUN_ID and SOAK_DIR ---
expect_exit 0 "$SOAK_RUN" -q -d e -n 1 --run-id t7-env-$$ \
	--service 'echo "svc id=$SOAK_RUN_ID dir=$SOAK_DIR"; exec sleep 300' -- sleep 0.3
assert_contains e/logs/service.log "svc id=t7-env-$$ dir=$TMP/e"
no_process_with_env SOAK_RUN_ID t7-env-$$

# --- the service dies: the iteration fails, with the reason ---
expect_exit 1 "$SOAK_RUN" -q -d d -n 6 --run-id t7-death-$$ --sample-interval 100ms \
	--service 'sleep 1; echo dying; exit 3' -- sleep 0.3
no_process_with_env SOAK_RUN_ID t7-death-$$
M=d/metrics.jsonl
assert_json -s "$M" 'map(select(.status == "error")) | length >= 1'
assert_json -s "$M" 'map(select(.status == "error"))[0].service.alive == false'
assert_json -s "$M" '.[0].status == "pass" and .[0].service.alive == true'
assert_json -s d/events.jsonl 'any(.event == "service_exit" and ((.message // "") | test("(exit|status|code)[^0-9]{0,20}3")))'
assert_json d/health.json '.status == "unhealthy" and .service_alive == false'
assert_contains d/logs/service.log dying

# --- --service-restarts: each death fails an iteration and is counted ---
expect_exit 1 "$SOAK_RUN" -q -d r -n 12 --run-id t7-restart-$$ \
	--service 'sleep 0.5; exit 3' --service-restarts 2 -- sleep 0.3
no_process_with_env SOAK_RUN_ID t7-restart-$$
M=r/metrics.jsonl
assert_json -s r/events.jsonl '[.[] | select(.event == "service_restart")] | length == 2'
assert_json -s "$M" 'map(.service.restarts) | max == 2'
assert_json -s "$M" 'map(.service.restarts) | . == sort'
assert_json -s "$M" 'map(select(.status == "error")) | length >= 3'

# --- --watch-pid: a process started elsewhere is sampled, and left alone ---
sleep 300 &
WATCHED=$!
expect_exit 0 "$SOAK_RUN" -q -d w -n 3 --sample-interval 100ms --watch-pid $WATCHED -- sleep 0.3
assert_json -s w/samples.jsonl "[.[] | select(.scope == \"watch\")] | length >= 3 and all(.pid == $WATCHED and .rss_bytes > 0)"
assert_json -s w/metrics.jsonl "all(.service.pid == $WATCHED and .service.alive == true)"
if kill -0 $WATCHED 2>/dev/null; then pass; else fail "the watched process $WATCHED was killed"; fi
kill $WATCHED
wait $WATCHED 2>/dev/null

finish
