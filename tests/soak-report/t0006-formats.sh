#!/bin/bash
# Output formats: golden Markdown and Prometheus files, JUnit XML, HTML with
# inline SVG, --format selection, GitHub Actions outputs, write and push errors.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-report/lib-report.sh"
GOLDEN=$SOAK_SRC/tests/soak-report/golden

gen_metrics run 20 5,6,12
mkdir -p run/logs
printf 'starting\nboom: <bad> & worse\n' >run/logs/iter-000005.log
echo '{"schema":"1.0","run_id":"r1","config":{"timeout":{"value":"2s","source":"flag"}}}' >run/run.json
G=(--gate 'duration_ms:p(95)<1900' --gate 'rss:slope<1MB/h' --warn-gate 'pass_rate>=99%')
SOURCE_DATE_EPOCH=1767225600 expect_exit 1 "$REPORT" --dir run "${G[@]}"
R=run/reports
for f in POST_SOAK_SNAPSHOT.json POST_SOAK_AUDIT.md RECOMMENDATIONS.md FAILURES.md report.html junit.xml metrics.prom; do
	assert_file "$R/$f"
done
assert_no_file "$R/.POST_SOAK_AUDIT.md.tmp"
assert_jq_eq $R/POST_SOAK_SNAPSHOT.json .generated 2026-01-01T00:00:00.000Z
# golden files (regenerate with REPORT_UPDATE_GOLDEN=1 and review the diff)
for f in POST_SOAK_AUDIT.md metrics.prom FAILURES.md RECOMMENDATIONS.md junit.xml; do
	if [[ -n ${REPORT_UPDATE_GOLDEN:-} ]]; then
		cp "$R/$f" "$GOLDEN/basic-$f"
	fi
	if cmp -s "$R/$f" "$GOLDEN/basic-$f"; then
		pass
	else
		fail "$f differs from golden/basic-$f:"
		diff -u "$GOLDEN/basic-$f" "$R/$f" | head -n 30 >&2
	fi
done
assert_contains $R/POST_SOAK_AUDIT.md '▁▁▁▁██▁▁▁▁▁█▁▁▁▁▁▁▁▁'
assert_contains $R/FAILURES.md 'boom: <bad> & worse'
# JUnit: well-formed, one testcase per iteration, failures with their cause
expect_exit 0 xmllint --noout $R/junit.xml
assert_eq "$(grep -c '<testcase ' $R/junit.xml)" 20 testcases
assert_contains $R/junit.xml '<failure message="exit code 2" type="fail">log: logs/iter-000005.log</failure>'
# Prometheus text format: every sample line is NAME{LABELS} VALUE, every name has HELP and TYPE
bad=$(awk '!/^#/ && !/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?[0-9.e+-]+$|^[a-zA-Z_:][a-zA-Z0-9_:]* NaN$/' $R/metrics.prom)
assert_eq "$bad" "" "malformed metric lines"
assert_contains $R/metrics.prom 'soak_iteration_duration_seconds{quantile="0.95"} 1.905'
assert_contains $R/metrics.prom 'soak_gate_passed{gate="duration_ms:p(95)<1900",kind="hard"} 0'
# HTML: self-contained, charts as inline SVG
for id in timeline chart-duration_ms chart-rss chart-fds chart-threads chart-kpi-0; do
	assert_contains $R/report.html "id=\"$id\""
done
assert_contains $R/report.html '<polyline class="line" points="'
assert_not_contains $R/report.html '<script'
assert_not_contains $R/report.html 'src='
assert_not_contains $R/report.html 'href='

# --format: only what was asked
expect_exit 1 "$REPORT" --dir run --out only -f prom,junit -q "${G[@]}"
assert_file only/metrics.prom
assert_file only/junit.xml
assert_no_file only/POST_SOAK_AUDIT.md
expect_exit 2 "$REPORT" --dir run -f pdf
assert_contains "$ERR" "unknown format 'pdf'"
# over --junit-max iterations, only failures are listed, plus one testcase for the rest
expect_exit 1 "$REPORT" --dir run --out few -f junit -q --junit-max 10 "${G[@]}"
assert_eq "$(grep -c '<testcase ' few/junit.xml)" 4 testcases
assert_contains few/junit.xml 'name="17 passing iterations (not listed)"'
assert_contains few/junit.xml '<testsuites name="soak" tests="4" failures="3"'

# GitHub Actions: outputs, summary, annotations for failed gates
: >gh-out
: >gh-sum
GITHUB_ACTIONS=true GITHUB_OUTPUT=$PWD/gh-out GITHUB_STEP_SUMMARY=$PWD/gh-sum \
	expect_exit 1 "$REPORT" --dir run -f none "${G[@]}"
assert_contains gh-out 'verdict<<ghadelimiter_'
assert_contains gh-out 'FAIL'
assert_contains gh-out '0.8500'
assert_contains gh-out 'iterations<<'
assert_contains gh-out 'report-dir<<'
assert_contains gh-sum '# Soak report: FAIL'
assert_contains "$OUT" '::error title=soak gate::gate '"'"'duration_ms:p(95)<1900'"'"' failed: value 1.91s'
assert_contains "$OUT" '::warning title=soak gate::gate '"'"'pass_rate>=99%25'"'"' failed: value 85.00%25'

# an output directory that cannot be written: exit 4
touch blocker
expect_exit 4 "$REPORT" --dir run --out blocker/reports -q
# a Pushgateway that does not answer: exit 4, reports written first
expect_exit 4 "$REPORT" --dir run --out pushed -q --push http://127.0.0.1:9/ --push-timeout 2s
assert_contains "$ERR" "cannot PUT 'http://127.0.0.1:9/metrics/job/soak'"
assert_file pushed/metrics.prom
finish
