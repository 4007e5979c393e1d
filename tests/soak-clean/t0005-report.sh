# soak-clean reports: --json (sizes and counts before and after, every action with
# its reason), and under GitHub Actions the outputs freed-bytes and total-bytes and
# a job summary line.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/soak-clean/lib-clean.sh"

soak_dir r
mk r/logs/iter-000001.log 3000 '10 days'
mk r/logs/iter-000002.log 3000 '9 days'
mk r/logs/iter-000003.log 3000 '1 day'
mk r/tmp/old.bin 7000 '40 days'
prot=$(sumsize r/run.json r/metrics.jsonl r/summary.json r/reports)
expect_exit 0 "$CLEAN" --json --keep 'logs/iter-*.log=1' --max-age 30d --max-total 1KB r
assert_json "$OUT" '.schema == "1.0" and .tool == "soak-clean" and .dir == "r" and .dry_run == false'
assert_jq_eq "$OUT" '.before | "\(.files) \(.bytes)"' "8 $((16000 + prot))"
assert_jq_eq "$OUT" '.after | "\(.files) \(.bytes)"' "5 $((3000 + prot))"
assert_jq_eq "$OUT" '.protected | "\(.files) \(.bytes)"' "4 $prot"
assert_jq_eq "$OUT" '.removed | "\(.files) \(.bytes)"' "3 13000"
assert_jq_eq "$OUT" '.freed_bytes' 13000
assert_jq_eq "$OUT" '[.actions[] | "\(.action) \(.path) \(.bytes) \(.policy) \(.rule) \(.type)"] | join(";")' \
	"remove logs/iter-000001.log 3000 keep logs/iter-*.log=1 file;remove logs/iter-000002.log 3000 keep logs/iter-*.log=1 file;remove tmp/old.bin 7000 max-age 30d file"
assert_json "$OUT" '[.actions[] | .error == null and (.mtime | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T"))] | all'
assert_json "$OUT" '.limits.max_total == {"bytes": 1000, "value": "1KB", "over": true}'
assert_json "$OUT" '.limits.hard_limit == null and .limits.check_size == null'
assert_json "$OUT" '.errors == 0 and .interrupted == null and (.elapsed_ms | type) == "number"'
assert_json "$OUT" '.skipped == []'
assert_contains "$ERR" "over --max-total 1KB"

# --- GitHub Actions ---
gh_output()
{
	awk -v want="$2" '
		delim != "" { if ($0 == delim) { if (name == want) { print val; found = 1 } delim = ""; next }
			      val = (nval++ ? val "\n" : "") $0; next }
		/^[A-Za-z_][A-Za-z0-9_-]*<</ { i = index($0, "<<"); name = substr($0, 1, i - 1)
			delim = substr($0, i + 2); val = ""; nval = 0; if (delim == "") exit 2; next }
		/^[A-Za-z_][A-Za-z0-9_-]*=/ { i = index($0, "="); if (substr($0, 1, i - 1) == want) { print substr($0, i + 1); found = 1 } next }
		/./ { exit 3 }
		END { if (delim != "") exit 4; exit !found }' "$1"
}
soak_dir g
mk g/logs/a.log 5000 '10 days'
mk g/logs/b.log 2000 '1 day'
prot=$(sumsize g/run.json g/metrics.jsonl g/summary.json g/reports)
export GITHUB_ACTIONS=true GITHUB_OUTPUT=$TMP/gh-output GITHUB_STEP_SUMMARY=$TMP/gh-summary
: >"$GITHUB_OUTPUT"
expect_exit 0 "$CLEAN" --max-age 7d g
assert_eq "$(gh_output gh-output freed-bytes)" 5000 "freed-bytes"
assert_eq "$(gh_output gh-output total-bytes)" $((2000 + prot)) "total-bytes"
assert_lines gh-summary 1
assert_match gh-summary '^\*\*soak-clean\*\* `g`: removed 1 files, compressed 0, freed 4\.9 KiB; now 5 files, '
# a dry run says so in the summary, and reports what would be freed
: >"$GITHUB_OUTPUT"
mk g/logs/c.log 1000 '10 days'
expect_exit 0 "$CLEAN" --dry-run --max-age 7d g
assert_eq "$(gh_output gh-output freed-bytes)" 1000 "dry-run freed-bytes"
assert_match gh-summary '^\*\*soak-clean\*\* \(dry run\) `g`: removed 1 files'
unset GITHUB_ACTIONS
: >"$GITHUB_OUTPUT"
expect_exit 0 "$CLEAN" --max-age 7d g
assert_eq "$(wc -c <"$GITHUB_OUTPUT")" 0 "no outputs outside Actions"

finish
