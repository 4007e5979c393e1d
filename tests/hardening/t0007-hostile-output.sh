#!/bin/bash
# Untrusted output and KPIs from the command under test: KPI names made to break
# out of a Markdown table, HTML, Prometheus labels and XML; a log that tries to
# close the Markdown code fence; a KPI file too large or not numbers. The reports
# stay well-formed: each KPI one table row of 10 cells, no raw tag in the HTML or
# the Markdown, valid Prometheus text and XML.
. "$SOAK_SRC/tests/lib.sh"

cat >cmd.sh <<'SH'
printf '{"<script>alert(1)</script>": 1, "a|b": 2, "quote\\"q": 3, "back\\\\slash": 4, "new\\nline": 5, "::error::x": 6, "</td><img src=x onerror=alert(1)>": 7, "[link](http://x)": 8, "txt": "not a number"}' >"$SOAK_KPI_FILE"
printf '<script>alert("log")</script>\n```\n# heading from the log\n'
[ "$SOAK_ITERATION" -ne 2 ]
SH
expect_exit 1 "$SOAK_RUN" --dir soak -n 3 -q --sample-interval 0 -- sh cmd.sh
assert_jq_eq soak/metrics.jsonl '.kpi | length' $'8\n8\n8'
assert_json soak/metrics.jsonl '.warnings | length == 1'
assert_json soak/metrics.jsonl '.warnings[0] | test("txt.*not a number")'
expect_exit 0 "$SOAK_BIN/soak-report" --dir soak -q
R=soak/reports
# Markdown: the KPI table has a row per KPI, each with exactly 10 cells
sed -n '/^## KPIs/,/^$/p; /^## KPIs/,/^## /p' "$R/POST_SOAK_AUDIT.md" | grep '^|' | sort -u >kpi-rows
assert_eq "$(grep -vc '^|---' kpi-rows)" 9 "KPI table rows (header + 8)"
assert_eq "$(sed 's/\\|//g' kpi-rows | awk -F'|' '{print NF - 2}' | sort -u)" 10 "cells per row"
assert_not_contains "$R/POST_SOAK_AUDIT.md" "<script>"
assert_not_contains "$R/POST_SOAK_AUDIT.md" "<img"
assert_not_contains "$R/POST_SOAK_AUDIT.md" "| [link](http://x)"
# the log excerpt cannot close its code fence: fences come in pairs
assert_eq "$(($(grep -c '^```' "$R/FAILURES.md") % 2))" 0 "code fences in FAILURES.md"
assert_eq "$(awk '/^```/ { f = !f } /^# heading from the log/ { print f }' "$R/FAILURES.md" | sort -u)" 1 \
	"the log's lines stay inside the fence"
# HTML: every name escaped
assert_not_contains "$R/report.html" "<script>alert"
assert_not_contains "$R/report.html" "<img src=x"
assert_contains "$R/report.html" "&lt;script&gt;alert(1)&lt;/script&gt;"
# JSON: the names as they were
assert_jq_eq "$R/POST_SOAK_SNAPSHOT.json" '.whole.kpi | has("new\nline") and has("a|b")' true
# Prometheus text and JUnit XML stay valid
if command -v promtool >/dev/null; then
	expect_exit 0 promtool check metrics <"$R/metrics.prom"
else
	echo "skipped: promtool is not installed"
fi
if command -v xmllint >/dev/null; then
	expect_exit 0 xmllint --noout "$R/junit.xml"
else
	echo "skipped: xmllint is not installed"
fi

# a KPI file over the 1 MiB cap is not read; the iteration still counts
expect_exit 0 "$SOAK_RUN" --dir big -n 1 -q --sample-interval 0 \
	-- sh -c 'head -c 2000000 /dev/zero | tr "\0" " " >"$SOAK_KPI_FILE"; echo "{\"a\":1}" >>"$SOAK_KPI_FILE"'
assert_json big/metrics.jsonl 'has("kpi") | not'
assert_json big/metrics.jsonl '.warnings[0] | test("kpi file")'

# secrets: credentials in a URL never reach a message or the GitHub outputs;
# the inherited environment is not recorded in run.json
export GITHUB_ACTIONS=true GITHUB_OUTPUT=$TMP/gh-output GITHUB_STEP_SUMMARY=$TMP/gh-summary
expect_exit 4 "$SOAK_BIN/soak-report" --dir soak -q --format none \
	--push 'http://user:s3cr3t-pw@127.0.0.1:9/x' --push-timeout 200ms
assert_contains "$ERR" "cannot PUT 'http://user:****@127.0.0.1:9/x/metrics/job/soak'"
assert_not_contains "$ERR" "s3cr3t-pw"
assert_not_contains "$OUT" "s3cr3t-pw"
assert_not_contains gh-output "s3cr3t-pw"
assert_not_contains gh-summary "s3cr3t-pw"
unset GITHUB_ACTIONS GITHUB_OUTPUT GITHUB_STEP_SUMMARY
API_TOKEN=tok-in-env-42 expect_exit 0 "$SOAK_RUN" --dir envsoak -n 1 -q --sample-interval 0 -- true
assert_not_contains envsoak/run.json "tok-in-env-42"

finish
