#!/bin/bash
# soak-bundle release, point 1: the reports copied, --include globs, CHANGELOG.md,
# rollback_plan.md, MANIFEST.json and SHA256SUMS, from a soak made by soak-run and
# soak-report and from a hand-written snapshot.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-bundle/lib-bundle.sh"

make_soak soak 'pass_rate>=0.5' 'duration_ms:p(95)<5s'
make_repo repo
mkdir -p soak/config/nested
echo '{"pool_size": 8}' >soak/config/runtime-overrides.json
echo 'threads=4' >soak/config/nested/extra.conf
printf '#!/bin/sh\necho deploy\n' >soak/deploy.sh
chmod 755 soak/deploy.sh
RUN_ID=$(jqv soak/run.json .run_id)
HEAD=$(git -C repo rev-parse HEAD)

expect_exit 0 "$BUNDLE" release --src soak --out dist/bundle --repo repo \
	--include 'config/*.json' --include 'config/nested' --include '*.sh'
B=dist/bundle
assert_contains "$OUT" "bundle: dist/bundle (12 files"
assert_contains "$OUT" "verdict PASS, commit $HEAD"
for f in POST_SOAK_SNAPSHOT.json POST_SOAK_AUDIT.md RECOMMENDATIONS.md FAILURES.md run.json \
	config/runtime-overrides.json config/nested/extra.conf deploy.sh \
	CHANGELOG.md rollback_plan.md MANIFEST.json SHA256SUMS; do
	assert_file "$B/$f"
done
# copies are exact
for f in POST_SOAK_SNAPSHOT.json POST_SOAK_AUDIT.md RECOMMENDATIONS.md FAILURES.md; do
	assert_eq "$(cmp "soak/reports/$f" "$B/$f" && echo same)" same "$f copied"
done
assert_eq "$(cmp soak/config/runtime-overrides.json "$B/config/runtime-overrides.json" && echo same)" same
# only what was asked for: no metrics, logs or other reports
assert_no_file "$B/metrics.jsonl"
assert_no_file "$B/report.html"
assert_no_file "$B/logs"
assert_eq "$(find "$B" -type f | wc -l)" 12 "files in the bundle"
# modes are normalized: executables 0755, the rest 0644
assert_eq "$(stat -c %a "$B/deploy.sh")" 755 "deploy.sh mode"
assert_eq "$(stat -c %a "$B/config/runtime-overrides.json")" 644 "overrides mode"
assert_eq "$(stat -c %a "$B/config")" 755 "directory mode"

# SHA256SUMS: exactly what sha256sum -c reads, every file but itself, sorted
(cd "$B" && sha256sum -c --strict SHA256SUMS) >sums.out 2>&1
assert_eq "$?" 0 "sha256sum -c"
assert_lines sums.out 11
assert_not_contains sums.out FAILED
assert_eq "$(cut -c67- "$B/SHA256SUMS" | tr '\n' ' ')" \
	"CHANGELOG.md FAILURES.md MANIFEST.json POST_SOAK_AUDIT.md POST_SOAK_SNAPSHOT.json RECOMMENDATIONS.md config/nested/extra.conf config/runtime-overrides.json deploy.sh rollback_plan.md run.json " \
	"SHA256SUMS names"
assert_match "$B/SHA256SUMS" '^[0-9a-f]{64}  CHANGELOG\.md$'

# MANIFEST.json: schema, run, verdict, commit, every file with size and sha256
M=$B/MANIFEST.json
assert_jq_eq "$M" .schema 1.0
assert_jq_eq "$M" .tool.name soak-bundle
assert_jq_eq "$M" .run_id "$RUN_ID"
assert_jq_eq "$M" '.run_ids | join(",")' "$RUN_ID"
assert_jq_eq "$M" .verdict PASS
assert_jq_eq "$M" .source.commit "$HEAD"
assert_jq_eq "$M" .source.commit_time 2023-11-14T22:21:40.000Z
assert_jq_eq "$M" .source.previous_tag v1.0.0
assert_jq_eq "$M" .source.tag null
assert_jq_eq "$M" .created 2023-11-14T22:21:40.000Z
assert_jq_eq "$M" '.files | length' 10
assert_jq_eq "$M" '[.files[].path] | join(" ")' \
	"CHANGELOG.md FAILURES.md POST_SOAK_AUDIT.md POST_SOAK_SNAPSHOT.json RECOMMENDATIONS.md config/nested/extra.conf config/runtime-overrides.json deploy.sh rollback_plan.md run.json"
for f in $(jqv "$M" '.files[].path'); do
	assert_jq_eq "$M" ".files[] | select(.path == \"$f\") | .sha256" "$(sha256sum "$B/$f" | cut -c1-64)"
	assert_jq_eq "$M" ".files[] | select(.path == \"$f\") | .size" "$(stat -c %s "$B/$f")"
done
assert_jq_eq "$M" '.files[] | select(.path == "deploy.sh") | .mode' 0755
assert_jq_eq "$M" '.files[] | select(.path == "run.json") | .mode' 0644

# CHANGELOG.md: the KPI summary from the snapshot, then the commits since v1.0.0 grouped
C=$B/CHANGELOG.md
assert_contains "$C" "- **Verdict: PASS** (3 of 3 gates passed)"
assert_contains "$C" "- Run: \`$RUN_ID\` (completed)"
assert_contains "$C" "- Iterations: 6: 5 passed, 1 failed, 0 timed out, 0 errors, 0 skipped"
assert_contains "$C" "- Pass rate: 83.33% (95% CI"
assert_contains "$C" "- Gates: 3 passed, 0 failed, 0 without data"
assert_contains "$C" '| `req_per_s` | 6 | 1200 | 1200 | 1200 | 1200 | 1200 |'
assert_contains "$C" '| `err_rate` | 6 | 0.01 | 0.01 | 0.01 | 0.01 | 0.01 |'
assert_contains "$C" '## Changes since `v1.0.0`'
assert_contains "$C" "4 commits up to \`$HEAD\`."
sed -n '/^### Features/,/^### Fixes/p' "$C" >features
sed -n '/^### Fixes/,/^### Other/p' "$C" >fixes
sed -n '/^### Other/,$p' "$C" >other
assert_contains features "- feat(api): add the bundle endpoint (\`$(git -C repo rev-parse --short=12 HEAD~3)\`)"
assert_lines features 5
assert_contains fixes "- Fix!: breaking repair"
assert_contains fixes "- fix: close the file twice no more"
assert_lines fixes 6
assert_contains other "- docs: explain bundles"
assert_lines other 3
# commits before the previous tag are not listed
assert_not_contains "$C" "first feature"
assert_not_contains "$C" "initial import"

# rollback_plan.md: triggers from the gates, steps, checks, duration
R=$B/rollback_plan.md
assert_contains "$R" "Release: commit \`$HEAD\`; soak verdict **PASS**; run \`$RUN_ID\` (completed)."
assert_contains "$R" 'Roll back to: `v1.0.0`, the previous tag.'
assert_contains "$R" '| `pass_rate` | < 50.00% | 83.33% | `pass_rate>=0.5` (pass) |'
assert_contains "$R" '| `duration_ms:p(95)` | >= 5s |'
assert_contains "$R" '| `kpi.req_per_s:avg` | < 1000 | 1200 | `kpi.req_per_s:avg>=1000` (pass) |'
assert_contains "$R" '2. Redeploy `v1.0.0` with the pipeline'
assert_contains "$R" 'are in this bundle: `run.json`, `config/runtime-overrides.json`, `config/nested/extra.conf`, `deploy.sh`.'
assert_contains "$R" "soak-report --gate 'pass_rate>=0.5' --gate 'duration_ms:p(95)<5s' --warn-gate 'kpi.req_per_s:avg>=1000'"
assert_contains "$R" "## Expected duration"
assert_match "$R" '^About 10m[0-9]*s?: the redeploy \(10m'
# the check replays the soak's own command from the bundle's run.json ...
assert_contains "$R" "soak-run --replay run.json --iterations 10"
assert_not_contains "$R" "YOUR-SOAK-COMMAND"
# ... and that command line works, run from the bundle
expect_exit 0 "$SOAK_RUN" -q --replay "$B/run.json" --iterations 2 --dir replayed --sample-interval 0
assert_eq "$(jq -s 'map(select(.status == "pass")) | length' replayed/metrics.jsonl)" 2 "replayed iterations"
assert_jq_eq replayed/run.json '.command | join(" ")' "$(jq -r '.command | join(" ")' soak/run.json)"

# --- a hand-written snapshot in a plain report directory: exact figures ---
write_reports reports WARN
expect_exit 0 "$BUNDLE" release -q --src reports --out b2 --repo repo --deploy-time 20m \
	--verify-iterations 30
assert_eq "$(cat "$OUT")" "" "quiet"
assert_no_file b2/run.json
C=b2/CHANGELOG.md
assert_contains "$C" "- **Verdict: WARN** (2 of 3 gates passed)"
assert_contains "$C" '- Run: `run-42` (completed)'
assert_contains "$C" "- Iterations: 200: 196 passed, 3 failed, 1 timed out, 0 errors, 0 skipped"
assert_contains "$C" "- Pass rate: 98.00% (95% CI 94.97% to 99.22%)"
assert_contains "$C" "- Longest failure streak: 2"
assert_contains "$C" "- Iteration duration: p50 1.2s, p95 2.5s, p99 3.1s, max 3.4s"
assert_contains "$C" "- Peak RSS: max 50 MiB"
assert_contains "$C" "- Gates: 2 passed, 1 failed, 0 without data"
assert_contains "$C" "- Report generated: 2026-03-04T05:06:07.000Z"
assert_contains "$C" '| `req_per_s` | 200 | 1234 | 1230 | 1400 | 900 | 1500 |'
R=b2/rollback_plan.md
assert_contains "$R" '| `duration_ms:p(95)` | >= 3s | 2.5s | `duration_ms:p(95)<3s` (pass) |'
assert_contains "$R" '| `pass_rate` | < 97.00% | 98.00% | `pass_rate>=0.97` (pass) |'
assert_contains "$R" '| `rss:max` | > 50 MiB | 50 MiB | `rss:max<=50MiB` (fail) |'
assert_contains "$R" "This bundle has no \`run.json\`"
assert_contains "$R" "soak-run --iterations 30 --timeout TIMEOUT -- SOAK-COMMAND"
assert_contains "$R" "About 20m45s: the redeploy (20m, \`--deploy-time\`) and 30 check iterations of 1.5s each (the soak's mean)."
assert_jq_eq b2/MANIFEST.json .run_id run-42
assert_jq_eq b2/MANIFEST.json .verdict WARN
assert_jq_eq b2/MANIFEST.json .reason "2 of 3 gates passed"
(cd b2 && sha256sum -c --quiet SHA256SUMS) >/dev/null 2>&1
assert_eq "$?" 0 "sha256sum -c b2"

# a snapshot without gates: triggers from the whole-run figures
jq 'del(.gates)' reports/POST_SOAK_SNAPSHOT.json >g && mv g reports/POST_SOAK_SNAPSHOT.json
expect_exit 0 "$BUNDLE" release -q --src reports --out b3 --repo repo
assert_contains b3/rollback_plan.md "The soak had no gates"
assert_contains b3/rollback_plan.md '| pass rate | < 94.97% (the lower 95% bound of the soak'"'"'s) | 98.00% |'
assert_contains b3/rollback_plan.md '| consecutive failures | > 2 | 2 |'
assert_contains b3/rollback_plan.md '| iteration duration | > 3.4s (the soak'"'"'s maximum) | p95 2.5s |'
assert_contains b3/CHANGELOG.md "- Gates: none"

# GitHub Actions outputs
: >gh-out
GITHUB_ACTIONS=true GITHUB_OUTPUT=$TMP/gh-out expect_exit 0 "$BUNDLE" release -q --src reports \
	--out b5 --repo repo --archive zip
for kv in "bundle-dir=b5" "verdict=WARN" "commit=$(git -C repo rev-parse HEAD)" "archive=b5.zip" \
	"archive-sha256=$(sha256sum b5.zip | cut -c1-64)"; do
	assert_eq "$(awk -v k="${kv%%=*}" 'index($0, k "<<") == 1 {getline; print; exit}' gh-out)" \
		"${kv#*=}" "output ${kv%%=*}"
done

# the config file's "bundle" section and SOAK_* variables set options too
cat >soak.json <<'JSON'
{ "bundle": { "include": ["config/*.json"], "require-verdict": "PASS" } }
JSON
SOAK_REPO=repo expect_exit 0 "$BUNDLE" release -q --config soak.json --src soak --out b4
assert_file b4/config/runtime-overrides.json
assert_jq_eq b4/MANIFEST.json .source.commit "$HEAD"
finish
