#!/bin/bash
# The bundled leaky example, run by soak-run, is flagged: soak-report finds the rss
# trend, a gate 'rss:slope<1MB/h' fails the run (exit 1), and the summary says so.
# A flat workload (sleep) shows no rss trend and passes the same gate.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-report/lib-report.sh"

# 40 iterations, each holding 512 KiB more than the one before (leaky's state file)
expect_exit 0 "$SOAK_RUN" -q --dir leaky --force -n 40 --heartbeat 0 -- \
	"$LEAKY" --leak-kb 512 --work-ms 20
assert_lines leaky/metrics.jsonl 40
expect_exit 1 "$REPORT" --dir leaky -f json --gate 'rss:slope<1MB/h'
S=leaky/reports/POST_SOAK_SNAPSHOT.json
assert_jq_eq $S .verdict FAIL
assert_json $S '.trends.rss.significant == true and .trends.rss.p < 0.001'
# 512 KiB more per iteration: over 39 steps the peak grows by most of 39 * 512 KiB
assert_json $S '.whole.metrics.rss.max - .whole.metrics.rss.min >= 35 * 512 * 1024'
assert_json $S '.trends.rss.slope_per_hour > 1000000'
assert_json $S '.gates[0].outcome == "fail" and .gates[0].value > 1000000'
assert_match "$OUT" "^soak-report: FAIL: gate 'rss:slope<1MB/h' failed: value [0-9.]+ [KMG]iB/h$"
assert_match "$OUT" '^  trends .*rss grows [0-9.]+ [KMG]iB/h \(p < 0\.001\)$'
assert_match "$OUT" '^  gates       FAIL   rss:slope<1MB/h: [0-9.]+ [KMG]iB/h \(threshold < 976\.6 KiB/h, hard\)$'
assert_match "$OUT" '^  reports     leaky/reports$'
# without gates, the leak alone makes a WARN
expect_exit 0 "$REPORT" --dir leaky -f none
assert_match "$OUT" '^soak-report: WARN: rss grows [0-9.]+ [KMG]iB/h \(no gates given\)$'
expect_exit 1 "$REPORT" --dir leaky -f none --strict

# a flat workload: the same peak RSS every time, no rss trend, the gate passes.
# Sampled every 10 ms: the kernel's peak of a command as small as sleep is no
# higher than soak-run's own and is not counted (docs/soak-directory.md), so the
# samples carry the figure; under AddressSanitizer, whose soak-run grows, too.
expect_exit 0 "$SOAK_RUN" -q --dir flat --force -n 40 --heartbeat 0 --sample-interval 10ms -- sleep 0.05
# (on a loaded machine a sample can miss an iteration now and then: null, skipped)
assert_json -s flat/metrics.jsonl 'map(select(.peak_rss_bytes > 0)) | length >= 30'
expect_exit 0 "$REPORT" --dir flat -f json --gate 'rss:slope<1MB/h'
S=flat/reports/POST_SOAK_SNAPSHOT.json
assert_jq_eq $S .verdict PASS
assert_json $S '.trends.rss.significant == false and .trends.rss.p > 0.01'
assert_json $S '.gates[0].outcome == "pass" and .gates[0].value == 0'
assert_not_contains "$OUT" 'rss grows'
assert_match "$OUT" '^  gates       pass   rss:slope<1MB/h: 0 B/h \(threshold < 976\.6 KiB/h, hard\)$'
finish
