# soak-report gates on steps (attempts, status, duration_ms), the harmonic mean, a
# KPI that never appeared (the reason lists those that did), and refused thresholds.
. "$(dirname "$0")/../lib.sh"
REPORT=$SOAK_BIN/soak-report

cat >steps.json <<'JSON'
{"steps": [{"name": "a", "command": ["sh", "-c", "echo '{\"lat\": 4}' >\"$SOAK_KPI_FILE\""]},
           {"name": "b", "command": ["sh", "-c", "test $((SOAK_ITERATION % 2)) = 0"], "allow_failure": true}]}
JSON
expect_exit 0 "$SOAK_RUN" -q -d run -n 4 --sample-interval 0 --steps steps.json
expect_exit 0 "$REPORT" --dir run -f json --gate 'step.a.attempts:max<=1' \
	--gate 'step.a.status:avg>=100%' --gate 'step.b.status:avg==0.5' --gate 'kpi.lat:hmean==4' \
	--gate 'step.a.duration_ms:max<1m'
expect_exit 1 "$REPORT" --dir run -f json --gate 'step.b.status:avg>=99%'
expect_exit 1 "$REPORT" --dir run -f json --gate 'kpi.latency:avg<5'
assert_contains "$OUT" "no data: KPI 'latency' never appeared (KPIs seen: lat)"
expect_exit 2 "$REPORT" --dir run -f json --gate 'pass_rate>=99'
assert_contains "$ERR" "a rate is at most 1; write 99% or 0.99"
expect_exit 2 "$REPORT" --dir run -f json --gate 'kpi.lat:max<0x10'
assert_contains "$ERR" "hexadecimal number; write it in decimal (16)"
expect_exit 2 "$REPORT" --dir run -f json --gate 'step.a.duration_ms:max<-2s'
assert_contains "$ERR" "a duration is never negative"
finish
