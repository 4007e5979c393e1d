# Where the toolkit step takes the programs from when there is no release
# archive for the runner, and the toolkit-build input: toolkit-path first, then
# release programs only when release/SHA256SUMS lists this platform, then PATH,
# then a build from source; always builds, never refuses to.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/action/lib-action.sh"

release_setup v9.9.9
start_file_server mirror
mirror=(--action-ref v9.9.9 --tool-cache "$CACHE" --input toolkit-mirror="http://127.0.0.1:$port")

# --- toolkit-path wins over a release archive: no request ---
run_action 0 "$ACTION" "${mirror[@]}" --input toolkit-path="$SOAK_BIN" "${SOAK[@]}"
assert_jq_eq "$RESULT" '.steps[0].outputs | [."bin-dir", .source] | join(" ")' "$SOAK_BIN toolkit-path"
assert_lines files.jsonl 0
assert_no_file "$CACHE/soak-action"

# --- release/SHA256SUMS without this platform's line: toolkit-path, PATH, no request ---
grep -v "$ARCHIVE" mirror/v9.9.9/SHA256SUMS >"$ACTION/release/SHA256SUMS"
printf '%064d  soak-action-windows-x64.zip\n' 1 >>"$ACTION/release/SHA256SUMS"
run_action 0 "$ACTION" "${mirror[@]}" --input toolkit-path="$SOAK_BIN" "${SOAK[@]}"
assert_jq_eq "$RESULT" '.steps[0].outputs.source' toolkit-path
PATH=$SOAK_BIN:$PATH run_action 0 "$ACTION" "${mirror[@]}" "${SOAK[@]}"
assert_jq_eq "$RESULT" '.steps[0].outputs | [."bin-dir", .source] | join(" ")' "$SOAK_BIN PATH"
assert_contains "$OUT" "soak-action: release/SHA256SUMS has no $ARCHIVE: no release programs for $PLATFORM"
assert_lines files.jsonl 0
# no release/SHA256SUMS at all (a branch, not a release commit)
rm "$ACTION/release/SHA256SUMS"
PATH=$SOAK_BIN:$PATH run_action 0 "$ACTION" "${mirror[@]}" "${SOAK[@]}"
assert_contains "$OUT" "soak-action: no release/SHA256SUMS in the action's tree: no release programs at this ref"
assert_jq_eq "$RESULT" '.steps[0].outputs.source' PATH

# --- a local action (uses: ./): a line, but no ref, no repository, no mirror: PATH ---
cp mirror/v9.9.9/SHA256SUMS "$ACTION/release/SHA256SUMS"
PATH=$SOAK_BIN:$PATH run_action 0 "$ACTION" --tool-cache "$CACHE" "${SOAK[@]}"
assert_contains "$OUT" "soak-action: no release tag (release/TAG, or the action's ref) for $ARCHIVE"
assert_jq_eq "$RESULT" '.steps[0].outputs.source' PATH
printf 'v9.9.9\n' >"$ACTION/release/TAG"
PATH=$SOAK_BIN:$PATH run_action 0 "$ACTION" --tool-cache "$CACHE" "${SOAK[@]}"
assert_contains "$OUT" "soak-action: no action repository known (a local action) and no toolkit-mirror: not downloading $ARCHIVE"
assert_jq_eq "$RESULT" '.steps[0].outputs.source' PATH
rm "$ACTION/release/TAG"
assert_lines files.jsonl 0

# --- toolkit-build: never with nothing found fails; a bad value fails; always builds ---
rm "$ACTION/release/SHA256SUMS"
run_action 1 "$ACTION" "${mirror[@]}" --input toolkit-build=never "${SOAK[@]}"
assert_jq_eq "$RESULT" '.steps[0] | [.outcome, .exit_code] | join(" ")' "failure 4"
assert_jq_eq "$RESULT" '.annotations[0].message' \
	"no release programs for $PLATFORM, none on PATH, and toolkit-build is never: give toolkit-path"
assert_not_contains "$OUT" "::group::build"
run_action 1 "$ACTION" "${mirror[@]}" --input toolkit-build=sometimes "${SOAK[@]}"
assert_jq_eq "$RESULT" '.steps[0] | [.outcome, .exit_code] | join(" ")' "failure 2"
assert_jq_eq "$RESULT" '.annotations[0].message' "toolkit-build 'sometimes' is not one of auto, always, never"
# always: neither the release archive nor PATH, straight to the build (of this
# copy, which has no CMakeLists.txt: the build fails at once, after the choice)
cp mirror/v9.9.9/SHA256SUMS "$ACTION/release/SHA256SUMS"
PATH=$SOAK_BIN:$PATH run_action 1 "$ACTION" "${mirror[@]}" --input toolkit-build=always "${SOAK[@]}"
assert_contains "$OUT" "::group::build soak-action ($ACTION) in $TMP/runner-temp/soak-action-build"
assert_jq_eq "$RESULT" '.steps[0].outcome' failure
assert_lines files.jsonl 0
assert_no_file "$CACHE/soak-action"

finish
