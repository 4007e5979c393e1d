#!/bin/bash
# Host series (disk, mem_avail) measure the whole machine: they are reported in
# their own section, never as leak suspects and never in the verdict unless a gate
# names them. A trend that does warn is named in the verdict's reason, beside the
# failures.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-report/lib-report.sh"

# add_host DIR: free disk falls 10 MB and available memory 5 MB per iteration
# (2 minutes apart: 300 MB/h and 150 MB/h), with a little noise
add_host()
{
	awk '{
		i = NR
		n = (i * 7919) % 101 - 50
		disk = 50000000000 - 10000000 * i + 1000 * n
		mem = 8000000000 - 5000000 * i + 2000 * n
		sub(/"kpi":/, sprintf("\"free_disk_bytes\":%.0f,\"mem_avail_bytes\":%.0f,\"kpi\":", disk, mem))
		print
	}' "$1/metrics.jsonl" >"$1/m" && mv "$1/m" "$1/metrics.jsonl"
}

# a flat command on a busy machine: the host series trend, the command does not
gen_metrics busy 300 ""
add_host busy
assert_contains busy/metrics.jsonl '"free_disk_bytes":49989991000,"mem_avail_bytes":7994982000,'
expect_exit 0 "$REPORT" --dir busy
S=busy/reports/POST_SOAK_SNAPSHOT.json
assert_jq_eq $S .verdict PASS
assert_jq_eq $S .reason 'all 300 iterations passed'
assert_jq_eq $S .trends.disk.significant true
assert_json $S '.trends.disk.slope_per_hour > 2.9e8 and .trends.disk.slope_per_hour < 3.1e8'
assert_jq_eq $S .trends.disk.host true
assert_jq_eq $S .trends.disk.leak_suspect false
assert_jq_eq $S .trends.mem_avail.significant true
assert_jq_eq $S .trends.mem_avail.host true
assert_jq_eq $S .trends.rss.host false
assert_jq_eq $S .trends.rss.leak_suspect false
assert_jq_eq $S '[.trends[] | select(.leak_suspect)] | length' 0
# the terminal: no WARN, the host series on their own lines, not under "trends"
assert_contains "$OUT" 'soak-report: PASS: all 300 iterations passed'
assert_eq "$(grep -A1 '^  trends ' "$OUT")" "  trends      duration_ms grows 3s/h (p < 0.001)
  host        disk grows 286.1 MiB/h (p < 0.001)" 'trends, then host'
assert_contains "$OUT" '  host        disk grows 286.1 MiB/h (p < 0.001)'
assert_contains "$OUT" '              mem_avail falls 143.1 MiB/h (p < 0.001)'
assert_contains "$OUT" '(the whole machine: not judged unless a gate names it)'
# the audit: disk and mem_avail in the Host section only
A=busy/reports/POST_SOAK_AUDIT.md
assert_contains $A '**Verdict: PASS** — all 300 iterations passed.'
assert_contains $A '## Host'
assert_eq "$(sed -n '/^## Host/,/^## /p' $A | grep -c -e '^| disk |' -e '^| mem_avail |' -e '^- disk grows 286.1 MiB/h' -e '^- mem_avail falls 143.1 MiB/h')" 4 'host rows and trends in ## Host'
assert_eq "$(sed -n '/^## Metrics/,/^## Host/p' $A | grep -c -e '^| disk |' -e '^| mem_avail |' -e '^- disk' -e '^- mem_avail')" 0 'host series outside ## Host'
# report.html: the same split
H=busy/reports/report.html
assert_contains $H '<h2>Host</h2>'
assert_eq "$(sed -n '/<ul id="host">/,/<\/ul>/p' $H | grep -c -e '<li>disk grows 286.1 MiB/h' -e '<li>mem_avail falls 143.1 MiB/h')" 2 'host trends in the Host list'
assert_eq "$(sed -n '/<ul id="trends">/,/<\/ul>/p' $H | grep -c -e '<li>disk' -e '<li>mem_avail')" 0 'host trends in the Trends list'
# recommendations: a note on the host's disk, no leak suspect
R=busy/reports/RECOMMENDATIONS.md
assert_not_contains $R 'Leak suspect'
assert_contains $R "**The host's disk fills.** Free disk falls 286.1 MiB/h on the whole machine"
# the job summary is the audit
: >summary.md
expect_exit 0 env GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY=$TMP/summary.md "$REPORT" --dir busy -q
assert_contains summary.md '## Host'
assert_not_contains summary.md 'Leak suspect'
assert_not_contains summary.md '::warning'

# a gate that names a host series judges it
expect_exit 1 "$REPORT" --dir busy -f json -q --gate 'disk:slope<100MB/h'
assert_jq_eq $S .verdict FAIL
assert_jq_eq $S .reason "gate 'disk:slope<100MB/h' failed: value 286.1 MiB/h"
expect_exit 0 "$REPORT" --dir busy -f json -q --warn-gate 'mem_avail:slope>-1MB/h'
assert_jq_eq $S .verdict WARN
assert_jq_eq $S .reason "gate 'mem_avail:slope>-1MB/h' failed: value -143.1 MiB/h"
expect_exit 0 "$REPORT" --dir busy -f json -q --gate 'disk:slope<1GB/h'
assert_jq_eq $S .verdict PASS

# an rss leak (600 kB/h) and failures: the reason names both
gen_metrics leak 300 "40,90,250" 20000 1000
add_host leak
expect_exit 0 "$REPORT" --dir leak -f json,md,recommendations
S=leak/reports/POST_SOAK_SNAPSHOT.json
assert_jq_eq $S .verdict WARN
assert_jq_eq $S .reason '3 of 300 iterations failed, rss grows 586.2 KiB/h (no gates given)'
assert_jq_eq $S .trends.rss.leak_suspect true
assert_jq_eq $S .trends.disk.leak_suspect false
assert_contains "$OUT" 'soak-report: WARN: 3 of 300 iterations failed, rss grows 586.2 KiB/h (no gates given)'
assert_contains "$OUT" '  trends      rss grows 586.2 KiB/h (p < 0.001)'
assert_contains leak/reports/POST_SOAK_AUDIT.md '**Verdict: WARN** — 3 of 300 iterations failed, rss grows 586.2 KiB/h (no gates given).'
assert_contains leak/reports/RECOMMENDATIONS.md '**Leak suspect: rss.**'
assert_not_contains leak/reports/RECOMMENDATIONS.md 'Leak suspect: disk'
finish
