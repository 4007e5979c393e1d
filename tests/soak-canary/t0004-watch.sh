#!/bin/bash
# soak-canary watch against a real Prometheus on loopback that scrapes metrics the
# test controls (httpd.py serving /metrics): success and failure conditions, the
# limits, empty, NaN and matrix results, hooks, the JSONL record; HTTP errors with
# bounded retries against httpd.py answering 500; judge over two range queries.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-canary/lib-canary.sh"

command -v prometheus >/dev/null || {
	fail "prometheus is not installed (scripts/install-deps.sh installs it)"
	finish
}
start_httpd target
cat >target/metrics <<'PROM'
# TYPE canary_error_rate gauge
canary_error_rate 0.001
# TYPE canary_nan gauge
canary_nan NaN
# TYPE lat gauge
lat{version="v1"} 1
lat{version="v2"} 5
PROM
PROM_PORT=$(free_port)
cat >prom.yml <<YML
global:
  scrape_interval: 500ms
scrape_configs:
  - job_name: target
    static_configs:
      - targets: ["127.0.0.1:$HTTPD_PORT"]
YML
prometheus --config.file=prom.yml --storage.tsdb.path=tsdb --web.listen-address=127.0.0.1:$PROM_PORT \
	>prom.log 2>&1 &
PROM_PID=$!
_bg_pids+=("$PROM_PID")
P=http://127.0.0.1:$PROM_PORT
wait_for "curl -fsS '$P/api/v1/query?query=canary_error_rate' | grep -q 0.001" 60 "prometheus scraped the target"
# at least 4 scrapes, for the matrix and the range queries
wait_for "curl -fsS '$P/api/v1/query?query=count_over_time(lat%5B1m%5D)' | grep -q '\"[4-9]\"\\|\"[1-9][0-9]\"'" 60 "4 scrapes"

W=(watch --prometheus "$P" --interval 100ms --record rec.jsonl)

# promote: every measurement succeeds; the hook sees the decision
expect_exit 0 "$CANARY" "${W[@]}" --metric err=canary_error_rate --success 'err < 0.01' --count 3 \
	--on-promote 'echo "$SOAK_CANARY_DECISION: $SOAK_CANARY_REASON" >hook.txt'
assert_contains "$OUT" "measurement 3: successful"
assert_contains "$OUT" "decision: promote (3 measurements: 3 successful, 0 failed, 0 inconclusive, 0 errors, all within their limits)"
assert_lines rec.jsonl 4
assert_jq_eq -s rec.jsonl '[.[0:3][] | .phase] | join(",")' "successful,successful,successful"
assert_jq_eq -s rec.jsonl '.[0].metrics.err.values[0]' 0.001
assert_jq_eq -s rec.jsonl '.[0].metrics.err.result_type' vector
assert_jq_eq -s rec.jsonl '.[0].success' true
assert_jq_eq -s rec.jsonl '.[3].decision' promote
assert_contains hook.txt "promote: 3 measurements"

# rollback at the first failure (failure limit 0); the hook runs
rm -f rec.jsonl
expect_exit 1 "$CANARY" "${W[@]}" --metric err=canary_error_rate --success 'err < 0.01' \
	--failure 'err > 0.0005' --count 5 --on-rollback 'echo rolled back >rb.txt'
assert_contains "$OUT" "decision: rollback (1 failed measurement, more than the failure limit 0)"
assert_lines rec.jsonl 2
assert_jq_eq -s rec.jsonl '.[0].phase' failed
assert_jq_eq -s rec.jsonl '.[0].failure' true
assert_contains rb.txt "rolled back"
# within the failure limit: promote
rm -f rec.jsonl
expect_exit 0 "$CANARY" "${W[@]}" --metric err=canary_error_rate --failure 'err > 0.0005' \
	--count 2 --failure-limit 2
assert_contains "$OUT" "decision: promote (2 measurements: 0 successful, 2 failed"
# a failing rollback hook is an environment error
expect_exit 4 "$CANARY" "${W[@]}" --metric err=canary_error_rate --success 'err < 0' --count 1 \
	--on-rollback 'exit 7'
assert_contains "$ERR" "rollback hook 'exit 7' exited with 7"

# empty results: inconclusive by default; evaluated with --on-empty evaluate
rm -f rec.jsonl
expect_exit 1 "$CANARY" "${W[@]}" --metric none=does_not_exist --success 'none < 1' --count 3
assert_contains "$OUT" "decision: inconclusive (1 inconclusive measurement, more than the inconclusive limit 0)"
assert_jq_eq -s rec.jsonl '.[0].metrics.none.series' 0
assert_jq_eq -s rec.jsonl '.[0].detail' "a query returned no data"
expect_exit 0 "$CANARY" "${W[@]}" --metric none=does_not_exist --success 'len(none) == 0' \
	--on-empty evaluate --count 1
# NaN: comparisons are false, isNaN() sees it; recorded as "NaN"
rm -f rec.jsonl
expect_exit 1 "$CANARY" "${W[@]}" --metric n=canary_nan --success 'n < 1' --count 1
assert_jq_eq -s rec.jsonl '.[0].metrics.n.values[0]' NaN
assert_jq_eq -s rec.jsonl '.[0].phase' failed
expect_exit 0 "$CANARY" "${W[@]}" --metric n=canary_nan --success 'isNaN(n) && !(n > 0)' --count 1
# a matrix: every value of the range
rm -f rec.jsonl
expect_exit 0 "$CANARY" "${W[@]}" --metric m='canary_error_rate[10s]' \
	--success 'len(m) >= 3 && max(m) < 0.01 && min(m) == max(m) && last(m) == m[0]' --count 1
assert_jq_eq -s rec.jsonl '.[0].metrics.m.result_type' matrix
# several series of a vector
expect_exit 0 "$CANARY" "${W[@]}" --metric l=lat --success 'len(l) == 2 && sum(l) == 6 && min(l) == 1' --count 1

# a bad query: Prometheus says why (an error measurement, then the limit)
rm -f rec.jsonl
expect_exit 1 "$CANARY" "${W[@]}" --metric bad='rate(' --success 'bad < 1' --count 3 --error-limit 0
assert_jq_eq -s rec.jsonl '.[0].phase' error
assert_json -s rec.jsonl '.[0].metrics.bad.error | test("bad_data")'

# HTTP 500 from a server that is not Prometheus: bounded retries, consecutive errors
start_httpd broken
echo '{"default": {"status": 500, "body": "down"}}' >broken/script.json
rm -f rec.jsonl
expect_exit 1 "$CANARY" watch --prometheus "http://127.0.0.1:$HTTPD_PORT" --interval 100ms \
	--record rec.jsonl --metric x=up --success 'x == 1' --count 5 --query-retries 1 --error-limit 1
assert_contains "$OUT" "decision: rollback (2 consecutive errors, more than the error limit 1"
assert_lines broken/requests.jsonl 4
assert_jq_eq -s rec.jsonl '.[0].metrics.x.attempts' 2
assert_json -s rec.jsonl '.[0].metrics.x.error | test("HTTP status 500")'

# usage: a condition naming an unknown metric, no condition
expect_exit 2 "$CANARY" "${W[@]}" --metric err=canary_error_rate --success 'erro < 1'
assert_contains "$ERR" "bad condition 'erro < 1': column 1: unknown metric name"
expect_exit 2 "$CANARY" "${W[@]}" --metric err=canary_error_rate
assert_contains "$ERR" "no --success or --failure condition"

# judge over two range queries: v2 is 5, v1 is 1, so the canary is higher
expect_exit 1 "$CANARY" judge --prometheus "$P" --baseline v1 --canary v2 --range 10s --step 1s \
	-j lat:increase --query 'lat=lat{version="${scope}"}' --report-dir rep
assert_jq_eq rep/judge.json '.metrics[0].classification' high
assert_jq_eq rep/judge.json '.metrics[0].mann_whitney.shift' 4
assert_jq_eq rep/judge.json '.metrics[0].effect_size' 5
assert_json rep/judge.json '.metrics[0].baseline_count >= 4 and .metrics[0].canary_count >= 4'
assert_jq_eq rep/judge.json '.input.kind' prometheus
expect_exit 0 "$CANARY" judge --prometheus "$P" --baseline v1 --canary v1 --range 10s --step 1s \
	-j lat:increase --query 'lat=lat{version="${scope}"}' --report-dir rep
assert_contains "$OUT" "verdict: PASS, score 100.00"

kill "$PROM_PID" 2>/dev/null
wait "$PROM_PID" 2>/dev/null
finish
