# Every action.yml through an action-metadata validator (@action-validator/cli)
# and through this project's own rules (check-action.cjs: bash steps, no
# expressions in scripts, declared and used inputs, step references).
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/action/lib-action.sh"

VALIDATOR=$TOOLS/@action-validator/cli/cli.mjs
actions=("$SOAK_SRC/action.yml" "$SOAK_SRC/cache/restore/action.yml" "$SOAK_SRC/cache/save/action.yml")

for a in "${actions[@]}"; do
	expect_exit 0 node "$VALIDATOR" "$a"
	expect_exit 0 node "$ACTION_TESTS/check-action.cjs" "$a"
	assert_eq "$(cat "$OUT")" "" "problems in $a"
done

# --- the steps' scripts and the helpers they source pass shellcheck (warnings and errors) ---
for a in "${actions[@]}"; do
	node "$ACTION_TESTS/extract-scripts.cjs" "$a" "scripts/$(basename "$(dirname "$a")")" >>scripts.txt
done
assert_num "$(wc -l <scripts.txt)" '>=' 10 "run scripts extracted"
mapfile -t scripts <scripts.txt
expect_exit 0 shellcheck -s bash -S warning -e SC1091 "${scripts[@]}" \
	"$SOAK_SRC/scripts/action-lib.sh" "$SOAK_SRC/scripts/action-setup.sh"
printf '#!/usr/bin/env bash\nunused=1\ncd /nowhere\n' >warn.sh
expect_exit 1 shellcheck -s bash -S warning warn.sh
assert_contains "$OUT" "SC2034"

# --- the validator and the rules can fail: broken copies ---
# a run step without its shell
# (the validator tells an action from a workflow by the name action.yml)
mkdir no-shell bad-key
awk '/shell: bash/ && !done { done = 1; next } { print }' "$SOAK_SRC/action.yml" >no-shell/action.yml
expect_exit 1 node "$VALIDATOR" no-shell/action.yml
assert_contains "$ERR" '"path": "/runs/steps/0/shell"'
expect_exit 1 node "$ACTION_TESTS/check-action.cjs" no-shell/action.yml
assert_contains "$OUT" "step 1 (soak-action toolkit): shell is 'undefined', not bash"
# a key the schema does not know
sed 's/^runs:$/runz:/' "$SOAK_SRC/action.yml" >bad-key/action.yml
expect_exit 1 node "$VALIDATOR" bad-key/action.yml
assert_contains "$ERR" "Additional property 'runz' is not allowed"
# an input interpolated into a script, an undeclared input, an unused one, a step used before it runs
sed 's|^      run: exec "$SOAK_ACTION_BIN/soak-run"$|      run: exec "$SOAK_ACTION_BIN/soak-run" -- "${{ inputs.command }}"|' \
	"$SOAK_SRC/action.yml" >interp.yml
expect_exit 1 node "$ACTION_TESTS/check-action.cjs" interp.yml
assert_contains "$OUT" "step 3 (soak-run): an expression in the script; pass it through env:"
# a cmd step for every runner, a Windows step without its twin, a twin that runs on Windows too
awk '/if: runner.os == .Windows./ && !done { done = 1; next } { print }' "$SOAK_SRC/action.yml" >no-os.yml
expect_exit 1 node "$ACTION_TESTS/check-action.cjs" no-os.yml
assert_contains "$OUT" "step 2 (soak-action toolkit (Windows)): shell 'cmd' without if: runner.os == 'Windows'"
sed 's/^    - id: run$/    - id: soak/; s/steps\.run\.outputs/steps.soak.outputs/g; s/steps\.run\.outcome/steps.soak.outcome/g' \
	"$SOAK_SRC/action.yml" >no-twin.yml
expect_exit 1 node "$ACTION_TESTS/check-action.cjs" no-twin.yml
assert_contains "$OUT" "step 4 (soak-run (Windows)): no step 'run' before it for the other systems"
awk '/if: runner.os != .Windows./ && !done { done = 1; next } { print }' "$SOAK_SRC/action.yml" >both.yml
expect_exit 1 node "$ACTION_TESTS/check-action.cjs" both.yml
assert_contains "$OUT" "step 2 (soak-action toolkit (Windows)): its twin 'setup' does not say runner.os != 'Windows'"
sed -e 's/inputs\.iterations }}/inputs.iteration }}/' -e 's/steps\.setup\.outputs\.bin-dir }}$/steps.report.outputs.bin-dir }}/' \
	"$SOAK_SRC/action.yml" >refs.yml
expect_exit 1 node "$ACTION_TESTS/check-action.cjs" refs.yml
assert_contains "$OUT" "step 3 (soak-run): input 'iteration' is not declared"
assert_contains "$OUT" "input 'iterations' is declared but never used"
assert_contains "$OUT" "step 3 (soak-run): step 'report' is not a step before it"

# --- the interface: inputs and outputs the issue and actions/cache promise ---
yaml_json "$SOAK_SRC/action.yml" action.json
assert_json action.json '.runs.using == "composite"'
for i in command steps duration-hours iterations iteration-timeout heartbeat max-failures gates warn-gates \
	artifact-dir retention-days max-artifact-size debug working-directory toolkit-path toolkit-mirror toolkit-build; do
	assert_json action.json ".inputs | has(\"$i\")"
done
assert_json action.json '[.outputs | keys[]] | contains(["verdict", "pass-rate", "iterations", "failures", "report-dir", "bundle-path"])'
# soak-run is exec'd: the step's own process, which the runner's SIGINT reaches; on
# Windows it is cmd's only command, so the runner's Ctrl-C reaches it while cmd waits
assert_json action.json '.runs.steps[] | select(.id == "run") | .run | test("^exec \"\\$SOAK_ACTION_BIN/soak-run\"\n?$")'
assert_json action.json '.runs.steps[] | select(.id == "run-windows") | .shell == "cmd" and .run == "\"%SOAK_ACTION_BIN%\\soak-run.exe\"\n"'
# every other step is one call of a program too, one per OS
assert_json action.json '[.runs.steps[] | select(.run) | .run | split("\n") | map(select(. != "")) | length] | max <= 6'
assert_json action.json '[.runs.steps[] | select(.shell == "cmd") | .id] == ["setup-windows", "run-windows", "report-windows", "clean-windows", "bundle-windows", "notify-windows"]'
# after a failure: the report and the cleanup run; the bundle only after success
assert_json action.json '[.runs.steps[] | select(.id | test("^(report|clean)")) | .if | startswith("always()")] == [true, true, true, true]'
assert_json action.json '[.runs.steps[] | select(.id | startswith("bundle")) | .if | startswith("success()")] == [true, true]'
assert_json action.json '.runs.steps[-1].uses == "actions/upload-artifact@v4" and (.runs.steps[-1].if | startswith("always()"))'

yaml_json "$SOAK_SRC/cache/restore/action.yml" restore.json
yaml_json "$SOAK_SRC/cache/save/action.yml" save.json
# the names of actions/cache/restore and actions/cache/save (v4), plus ours
assert_jq_eq restore.json '[.inputs | keys_unsorted[]] | join(" ")' \
	"path key restore-keys enableCrossOsArchive fail-on-cache-miss lookup-only store max-memory on-error toolkit-path toolkit-mirror toolkit-build"
assert_jq_eq restore.json '[.outputs | keys_unsorted[]] | join(" ")' "cache-hit cache-primary-key cache-matched-key"
assert_jq_eq restore.json '[.inputs[] | .default] | tojson' '[null,null,"","false","false","false","","","warn","","","auto"]'
assert_jq_eq save.json '[.inputs | keys_unsorted[]] | join(" ")' \
	"path key upload-chunk-size enableCrossOsArchive store compression-level window-log on-error toolkit-path toolkit-mirror toolkit-build"
assert_jq_eq save.json '.inputs.key.required, .inputs.path.required' $'true\ntrue'

finish
