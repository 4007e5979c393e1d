# The composite action's steps run the way the runner runs them (runner.cjs),
# on short soaks of the bundled example: outputs, job summary, report, bundle,
# and which steps run after a failure.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/action/lib-action.sh"

WS=$TMP/ws
SUMMARY=$TMP/runner-temp/job-summary.md
common=(--input upload=false --input iteration-timeout=10s --input heartbeat=20ms)

# --- a passing soak, programs from toolkit-path ---
run_action 0 "$SOAK_SRC" "${common[@]}" --input toolkit-path="$SOAK_BIN" \
	--input "command=$LEAKY --work-ms 20 --leak-kb 8" --input iterations=6 \
	--input "gates=pass_rate==100%
iterations>=6" --input "warn-gates=duration_ms:p(95)<20s"
assert_jq_eq "$RESULT" .status success
assert_jq_eq "$RESULT" '.outputs | [.verdict, ."pass-rate", .iterations, .failures, .state] | join(" ")' \
	"PASS 1.0000 6 0 completed"
assert_jq_eq "$RESULT" '.outputs."report-dir"' "$WS/artifacts/soak/reports"
assert_jq_eq "$RESULT" '.outputs."bundle-path"' "$WS/artifacts/soak-bundle.tar.gz"
assert_jq_eq "$RESULT" '.outputs."run-id"' "$(jqv "$WS/artifacts/soak/run.json" .run_id)"
assert_jq_eq "$RESULT" '[.steps[] | select(.id | endswith("-windows") | not) | .outcome] | join(" ")' \
	"success success success success success skipped skipped"
# not a Windows runner: none of the Windows steps ran
assert_jq_eq "$RESULT" '[.steps[] | select(.id | endswith("-windows")) | .outcome] | unique | join(" ")' skipped
assert_jq_eq "$RESULT" '.steps[0].outputs."bin-dir"' "$SOAK_BIN"
assert_jq_eq "$RESULT" '[.annotations[] | select(.level == "error")] | length' 0
assert_file "$WS/artifacts/soak/reports/POST_SOAK_SNAPSHOT.json"
assert_json "$WS/artifacts/soak/reports/POST_SOAK_SNAPSHOT.json" \
	'.verdict == "PASS" and ([.gates[].outcome] == ["pass", "pass", "pass"])'
# the inputs reached soak-run as SOAK_* variables: run.json says so
assert_json "$WS/artifacts/soak/run.json" \
	'.config.iterations == {"value": "6", "source": "env"} and .config.timeout.value == "10s" and .config.heartbeat.source == "env"'
assert_json "$WS/artifacts/soak/run.json" ".command == [\"sh\", \"-c\", \"$LEAKY --work-ms 20 --leak-kb 8\"]"
# the bundle is complete and verifies
expect_exit 0 "$SOAK_BIN/soak-bundle" verify "$WS/artifacts/soak-bundle.tar.gz"
assert_dir "$WS/artifacts/soak-bundle"
# the job summary, written by the programs: soak-run's table, soak-report's audit
assert_contains "$SUMMARY" "### soak-run: completed"
assert_contains "$SUMMARY" "| 6 | 6 | 0 | 100.00% | iterations | \`artifacts/soak\` |"
assert_contains "$SUMMARY" "# Soak report: PASS"
assert_not_contains "$SUMMARY" "Replay it locally" # upload=false: no artifact to download
# no process of the run is left (soak-clean verify ran, and so do we)
no_process_with_env SOAK_RUN_ID "$(jqv "$RESULT" '.outputs."run-id"')"

# --- the programs from PATH; upload on: the artifact step's inputs, the replay hint; a directory bundle ---
PATH=$SOAK_BIN:$PATH run_action 0 "$SOAK_SRC" --record-uses actions/upload-artifact@v4 \
	--input iteration-timeout=10s --input "command=$LEAKY --work-ms 10" --input iterations=2 \
	--input artifact-name=soak-linux --input retention-days=7 --input bundle-archive= --input artifact-dir=out/soak
assert_jq_eq "$RESULT" '.steps[0].outputs."bin-dir"' "$SOAK_BIN"
assert_jq_eq "$RESULT" '.outputs."bundle-path"' "$WS/out/soak-bundle"
assert_file "$WS/out/soak-bundle/SHA256SUMS"
assert_jq_eq "$RESULT" '.steps[-1].outcome' success
assert_jq_eq "$RESULT" '.steps[-1].with | [.name, ."retention-days", ."if-no-files-found"] | join(" ")' "soak-linux 7 warn"
assert_jq_eq "$RESULT" '.steps[-1].with.path' "$WS/out/soak
$WS/out/soak-bundle"
assert_contains "$SUMMARY" 'download the artifact `soak-linux`'
assert_contains "$SUMMARY" '`soak-run --replay soak/run.json --dir local-soak`'

# --- a failing soak: soak-run stops (exit 1); report, cleanup and summary still run, no bundle ---
run_action 1 "$SOAK_SRC" "${common[@]}" --input toolkit-path="$SOAK_BIN" \
	--input "command=$LEAKY --work-ms 10 --fail-rate 1" --input iterations=20 --input max-failures=2
assert_jq_eq "$RESULT" .status failure
assert_jq_eq "$RESULT" '[.steps[] | select(.id | endswith("-windows") | not) | "\(.id)=\(.outcome)"] | join(" ")' \
	"setup=success run=failure report=success clean=success bundle=skipped notify=skipped upload=skipped"
assert_jq_eq "$RESULT" '.steps[] | select(.id == "run") | .exit_code' 1
# no gates: failed iterations make a WARN
assert_jq_eq "$RESULT" '.outputs | [.verdict, ."pass-rate", .iterations, .failures, .state, ."bundle-path"] | join(" ")' \
	"WARN 0.0000 3 3 aborted "
assert_jq_eq "$RESULT" '[.annotations[] | select(.level == "error") | .title] | join(",")' \
	"iteration 1 fail,iteration 2 fail,iteration 3 fail"
assert_file "$WS/artifacts/soak/reports/FAILURES.md"
assert_contains "$SUMMARY" "### soak-run: aborted"
assert_contains "$SUMMARY" "# Soak report: WARN"

# --- a passing run whose hard gate fails: the report step fails, FAIL, no bundle ---
run_action 1 "$SOAK_SRC" "${common[@]}" --input toolkit-path="$SOAK_BIN" \
	--input "command=$LEAKY --work-ms 10" --input iterations=3 --input "gates=iterations>=100"
assert_jq_eq "$RESULT" '[.steps[] | select(.id | endswith("-windows") | not) | "\(.id)=\(.outcome)"] | join(" ")' \
	"setup=success run=success report=failure clean=success bundle=skipped notify=skipped upload=skipped"
assert_jq_eq "$RESULT" '.outputs | [.verdict, .iterations, .failures, ."bundle-path"] | join(" ")' "FAIL 3 0 "
assert_jq_eq "$RESULT" '[.annotations[] | select(.level == "error" and .title == "soak gate")] | length' 1
# a WARN passes, unless strict
run_action 0 "$SOAK_SRC" "${common[@]}" --input toolkit-path="$SOAK_BIN" \
	--input "command=$LEAKY --work-ms 10" --input iterations=3 --input "warn-gates=iterations>=100"
assert_jq_eq "$RESULT" '.outputs | [.verdict, (."bundle-path" | length > 0)] | join(" ")' "WARN true"
run_action 1 "$SOAK_SRC" "${common[@]}" --input toolkit-path="$SOAK_BIN" \
	--input "command=$LEAKY --work-ms 10" --input iterations=3 --input "warn-gates=iterations>=100" --input strict=true
assert_jq_eq "$RESULT" '[.outputs.verdict, (.steps[] | select(.id == "report") | .exit_code)] | join(" ")' "WARN 1"

finish
