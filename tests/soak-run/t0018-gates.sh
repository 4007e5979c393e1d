# soak-run, live gates (--gate, --warn-gate): window, sustain, delay, service
# trends, the gate event, summary.json's aborted state; refused gates.
. "$(dirname "$0")/../lib.sh"

# fast until iteration 20, then 500 ms an iteration
cat >slow.sh <<'SH'
#!/bin/sh
if [ "$SOAK_ITERATION" -gt 20 ]; then sleep 0.5; fi
SH
chmod +x slow.sh

# --- a hard gate aborts between iterations 23 and 35, exit 1, one gate event ---
expect_exit 1 "$SOAK_RUN" -q -d hard -n 60 --sample-interval 0 \
	--gate 'duration_ms:p(95)@last<250' --gate-window 10 --gate-sustain 3 -- ./slow.sh
assert_json hard/summary.json '.state == "aborted" and .stop_reason == "gate" and .exit_code == 1'
assert_json hard/summary.json '.iterations >= 23 and .iterations <= 35'
assert_json hard/summary.json '.reason | test("duration_ms:p\\(95\\)@last<250") and test("last 10 iterations")'
assert_json hard/summary.json '.gates[0].outcome == "fail" and .gates[0].first_failed_iteration > 20'
assert_json -s hard/events.jsonl '[.[] | select(.event == "gate")] | length == 1'
assert_json -s hard/events.jsonl '.[] | select(.event == "gate") | .level == "abort" and .threshold == 250 and .window == 10 and .value > 250 and .first_failed_iteration > 20'

# --- the same as a warn gate: the run goes on to the end, with a warning ---
expect_exit 0 "$SOAK_RUN" -d warn -n 30 --sample-interval 0 \
	--warn-gate 'duration_ms:p(95)@last<250' --gate-window 10 --gate-sustain 3 -- ./slow.sh
assert_json warn/summary.json '.state == "completed" and .iterations == 30'
assert_json -s warn/events.jsonl '[.[] | select(.event == "gate" and .level == "warn")] | length == 1'
assert_contains "$ERR" "warn gate"

# --- a single slow outlier never aborts with sustain 3 ---
cat >outlier.sh <<'SH'
#!/bin/sh
if [ "$SOAK_ITERATION" -eq 5 ]; then sleep 1; fi
SH
chmod +x outlier.sh
expect_exit 0 "$SOAK_RUN" -q -d outlier -n 30 --sample-interval 0 \
	--gate 'duration_ms:max@last<500' --gate-window 2 --gate-sustain 3 -- ./outlier.sh
assert_json outlier/summary.json '.state == "completed" and .iterations == 30'
# with sustain 1 the same outlier aborts
expect_exit 1 "$SOAK_RUN" -q -d outlier1 -n 30 --sample-interval 0 \
	--gate 'duration_ms:max@last<500' --gate-window 2 -- ./outlier.sh
assert_json outlier1/summary.json '.state == "aborted" and .iterations == 5'

# --- --gate-delay 30 ignores a slow start ---
cat >cold.sh <<'SH'
#!/bin/sh
if [ "$SOAK_ITERATION" -le 10 ]; then sleep 0.5; fi
SH
chmod +x cold.sh
expect_exit 0 "$SOAK_RUN" -q -d delay -n 40 --sample-interval 0 --gate-delay 30 \
	--gate 'duration_ms:max@last<250' --gate-window 5 -- ./cold.sh
assert_json delay/summary.json '.state == "completed" and .gates[0].outcome == "pass"'
expect_exit 1 "$SOAK_RUN" -q -d nodelay -n 40 --sample-interval 0 \
	--gate 'duration_ms:max@last<250' --gate-window 5 -- ./cold.sh
assert_json nodelay/summary.json '.state == "aborted" and .iterations == 1'
# as an environment variable, the way every option is
expect_exit 0 env SOAK_GATE_DELAY=30 "$SOAK_RUN" -q -d delayenv -n 40 --sample-interval 0 \
	--gate 'duration_ms:max@last<250' --gate-window 5 -- ./cold.sh

# --- a leaking service is aborted by its trend well before the end; a flat one is not ---
expect_exit 1 "$SOAK_RUN" -q -d leak -n 300 --sample-interval 200ms \
	--service "$LEAKY --service --leak-kb 4096" --gate 'service.rss:slope<1GB/h' -- sleep 0.05
assert_json leak/summary.json '.state == "aborted" and .iterations < 200'
assert_json -s leak/events.jsonl '.[] | select(.event == "gate") | .p < 0.01 and .value > 1e9'
expect_exit 0 "$SOAK_RUN" -q -d flat -n 60 --sample-interval 200ms \
	--service "$LEAKY --service --leak-kb 0" --gate 'service.rss:slope<1GB/h' -- sleep 0.05
assert_json flat/summary.json '.state == "completed" and .iterations == 60'

# --- gates that cannot mean what was typed are refused with a hint (exit 2) ---
expect_exit 2 "$SOAK_RUN" -q -d bad -n 1 --gate 'pass_rate>=99' -- true
assert_contains "$ERR" "write 99% or 0.99"
expect_exit 2 "$SOAK_RUN" -q -d bad -n 1 --gate 'duration_ms:max<0x10' -- true
assert_contains "$ERR" "hexadecimal"
expect_exit 2 "$SOAK_RUN" -q -d bad -n 1 --gate 'rss:max<-5MB' -- true
assert_contains "$ERR" "a size is never negative"
expect_exit 2 "$SOAK_RUN" -q -d bad -n 1 --gate 'duration_ms:p(95)<-1s' -- true
assert_contains "$ERR" "a duration is never negative"
expect_exit 2 "$SOAK_RUN" -q -d bad -n 1 --gate-delay soon --gate 'pass_rate>0.5' -- true
assert_contains "$ERR" "gate-delay"
finish
