#!/bin/bash
# soak-canary checklist: CANARY_CHECKLIST.md in the bundle with the gates, KPIs,
# rollback triggers, interval, duration and steps from the bundle and the
# configuration (flags and the config file's "canary" section); no placeholders.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-canary/lib-canary.sh"

make_bundle bundle PASS 0123456789abcdef0123456789abcdef01234567
cat >soak.json <<'JSON'
{ "canary": { "interval": "10m", "duration": "48h", "failure-limit": 2,
              "prometheus": "http://prom:9090",
              "metric": ["err=sum(rate(http_errors_total[5m]))"],
              "failure": "err > 0.01", "on-rollback": "kubectl rollout undo deploy/app" } }
JSON
expect_exit 0 "$CANARY" checklist --bundle bundle --config soak.json \
	--notify "tgram://123:SECRET/99"
assert_contains "$OUT" "checklist: bundle/CANARY_CHECKLIST.md"
C=bundle/CANARY_CHECKLIST.md
assert_contains $C "# Canary checklist"
assert_contains $C "Soak run run-42, verdict PASS, commit 0123456789abcdef0123456789abcdef01234567; bundle \`bundle\`."
assert_contains $C "- Duration: 2d, checked every 10m (288 measurements)."
assert_contains $C "rollback after more than 2 failed measurements or more than 4 consecutive errors"
assert_contains $C "- Judge thresholds: PASS at a score of 95 or more, MARGINAL from 75."
assert_contains $C '- [ ] `duration_ms:p(95)<3s` (hard gate; soak value 2500, pass)'
assert_contains $C '- [ ] `rss:max<=50MiB` (soft gate; soak value 52428800, fail)'
assert_contains $C "- [ ] kpi.req_per_s: count 200, min 900, mean 1234.5, p95 1400, max 1500"
assert_contains $C "- [ ] duration_ms: count 200, min 80, mean 1500, p50 1200, p95 2500, p99 3100, max 3400"
assert_contains $C 'Prometheus queries watched at `http://prom:9090`:'
assert_contains $C '- [ ] `err=sum(rate(http_errors_total[5m]))`'
assert_contains $C '- a measurement fails when `err > 0.01`'
assert_contains $C '- rollback command: `kubectl rollout undo deploy/app`'
assert_contains $C "1. [ ] Deploy the canary of commit 0123456789abcdef0123456789abcdef01234567 beside the baseline."
assert_contains $C "2. [ ] Start the watch: measurements every 10m for 2d."
assert_contains $C 'Notified: `tgram://****/99`.'
assert_not_contains $C SECRET
assert_not_contains $C "TODO"
assert_not_contains $C "{{"
assert_not_contains $C "XXX"
assert_not_contains $C "n/a"

# defaults, no manifest, to stdout
make_bundle plain FAIL
expect_exit 0 "$CANARY" checklist --bundle plain --out -
assert_contains "$OUT" "- Duration: 1d, checked every 5m (288 measurements)."
assert_contains "$OUT" "no rollback command is configured"
assert_contains "$OUT" "(the bundle names no commit)"
assert_no_file plain/CANARY_CHECKLIST.md
expect_exit 0 "$CANARY" checklist --bundle plain --count 7 --interval 1h -q
assert_contains plain/CANARY_CHECKLIST.md "checked every 1h (7 measurements)"
assert_eq "$(cat "$OUT")" "" "quiet"

expect_exit 3 "$CANARY" checklist --bundle missing
expect_exit 2 "$CANARY" checklist
assert_contains "$ERR" "no --bundle given"
expect_exit 2 "$CANARY" checklist --bundle plain --interval 0
finish
