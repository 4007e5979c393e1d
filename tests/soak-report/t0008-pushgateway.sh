#!/bin/bash
# --push against a real Prometheus Pushgateway (Debian prometheus-pushgateway) on
# 127.0.0.1 at a free port, its storage in the scratch directory, stopped at exit:
# the pushed series appear on its /metrics with the report's values, a second push
# under another job is kept apart, and a push to a path it refuses fails with exit 4.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-report/lib-report.sh"
need curl
# Debian's name, or Homebrew's
PGW=$(command -v prometheus-pushgateway || command -v pushgateway) ||
	skip_test "no Pushgateway ('prometheus-pushgateway' or 'pushgateway') is installed (scripts/install-deps.sh installs it)"

# start the gateway on a free port (another process may take a port between the
# check and the bind: then try another)
PG_PID=
for try in 1 2 3 4 5 6 7 8; do
	port=$((20000 + RANDOM % 40000))
	if ss -Htln "sport = :$port" 2>/dev/null | grep -q .; then
		continue
	fi
	"$PGW" --web.listen-address="127.0.0.1:$port" \
		--persistence.file="$TMP/pushgateway.data" >pg.log 2>&1 </dev/null &
	PG_PID=$!
	_bg_pids+=("$PG_PID") # lib.sh's exit trap stops it
	for _ in $(seq 1 100); do
		curl -fsS "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1 && break 2
		kill -0 "$PG_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$PG_PID" 2>/dev/null
	wait "$PG_PID" 2>/dev/null
	PG_PID=
done
if [[ -z $PG_PID ]]; then
	fail "the Pushgateway did not start"
	_show "pushgateway log" pg.log
	finish
fi
pass
PG=http://127.0.0.1:$port

gen_metrics run 20 5,6,12
expect_exit 1 "$REPORT" --dir run -f none -q --push "$PG" --gate 'duration_ms:p(95)<1900'
expect_exit 0 "$REPORT" --dir run -f none -q --push "$PG/" --push-job nightly
expect_exit 0 curl -fsS "$PG/metrics"
cp "$OUT" pg-metrics
assert_contains pg-metrics 'soak_pass_rate{instance="",job="soak"} 0.85'
assert_contains pg-metrics 'soak_iterations{instance="",job="soak",status="fail"} 3'
assert_contains pg-metrics 'soak_verdict{instance="",job="soak",verdict="FAIL"} 1'
assert_contains pg-metrics 'soak_gate_passed{gate="duration_ms:p(95)<1900",instance="",job="soak",kind="hard"} 0'
assert_contains pg-metrics 'soak_iteration_duration_seconds_count{instance="",job="soak"} 20'
assert_contains pg-metrics 'soak_iteration_duration_seconds{instance="",job="soak",quantile="0.95"} 1.905'
assert_contains pg-metrics 'soak_kpi{instance="",job="soak",kpi="req_per_s",stat="max"} 1020'
# the second push: its own job, its own verdict (no gates: WARN for the failures)
assert_contains pg-metrics 'soak_verdict{instance="",job="nightly",verdict="WARN"} 1'
assert_contains pg-metrics 'soak_pass_rate{instance="",job="nightly"} 0.85'
# a push replaces the job's group: a new run's numbers show, the old ones are gone
gen_metrics run2 10 ""
expect_exit 0 "$REPORT" --dir run2 -f none -q --push "$PG/metrics/job/nightly/instance/ci-1"
expect_exit 0 curl -fsS "$PG/metrics"
cp "$OUT" pg-metrics2
assert_contains pg-metrics2 'soak_pass_rate{instance="ci-1",job="nightly"} 1'
assert_contains pg-metrics2 'soak_iterations{instance="ci-1",job="nightly",status="pass"} 10'
# a path the gateway refuses: exit 4, with its answer
expect_exit 4 "$REPORT" --dir run -f none -q --push "$PG/metrics/job/" --push-timeout 2s
assert_contains "$ERR" "cannot PUT '$PG/metrics/job/'"
# stop it; it keeps its storage in the scratch directory
kill -TERM "$PG_PID"
wait "$PG_PID" 2>/dev/null
assert_file "$TMP/pushgateway.data"
finish
