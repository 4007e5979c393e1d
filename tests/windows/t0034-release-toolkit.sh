# The Windows toolkit step (scripts/action-setup.cmd) with release programs, as
# on a Windows runner (runner.cjs --windows, Wine's cmd.exe): release\SHA256SUMS
# and release\TAG read, the tool-cache entry found by its marker and used, a
# stale one not used, and the refusals. Wine has no curl.exe or tar.exe and its
# certutil does not hash, so the download, the hash and the unpack are not run
# here; without curl.exe the step says so and goes on to PATH.
. "$(dirname "$0")/need-action.sh"
. "$(dirname "$0")/lib.sh"
RUNNER=$SOAK_SRC/tests/action/runner.cjs
RESULT=$TMP/result.json
WS=$WD/ws
ACTION=$WD/action
CACHE="$WD/tool cache"
ENTRY=$CACHE/soak-action/v9.9.9/x64

# the release v9.9.9 of the Windows programs, its checksum in a copy of the action
"$SOAK_SRC/scripts/release-pack.sh" windows-x64 "$SOAK_BIN" "$TMP/mirror/v9.9.9" >/dev/null
sum=$(cut -d' ' -f1 "$TMP/mirror/v9.9.9/SHA256SUMS")
mkdir -p "$ACTION/release"
cp "$SOAK_SRC/action.yml" "$ACTION/"
cp -R "$SOAK_SRC/scripts" "$ACTION/scripts"
cp "$TMP/mirror/v9.9.9/SHA256SUMS" "$ACTION/release/SHA256SUMS"
# its tool-cache entry, as the step leaves it after a download on Windows
mkdir -p "$CACHE/soak-action/v9.9.9/.x64.tmp"
bsdtar -xf "$TMP/mirror/v9.9.9/soak-action-windows-x64.zip" -C "$CACHE/soak-action/v9.9.9/.x64.tmp"
mv "$CACHE/soak-action/v9.9.9/.x64.tmp/soak-action-windows-x64" "$ENTRY"
rmdir "$CACHE/soak-action/v9.9.9/.x64.tmp"
printf '%s\r\n' "$sum" >"$ENTRY.complete"

# wrun_setup CODE [ARG...]: the action as on a Windows runner, with the tool cache
wrun_setup()
{
	local code=$1
	shift
	rm -rf "$WS" "$TMP/rt" && mkdir -p "$WS"
	rm -f "$RESULT"
	expect_exit "$code" node "$RUNNER" "$ACTION" --windows "$SOAK_WINE" --workspace "$WS" --temp "$TMP/rt" \
		--result "$RESULT" --tool-cache "$CACHE" --input upload=false "$@"
	strip_wine "$ERR"
}
soak=(--input iterations=2 --input heartbeat=10ms --input command=rem)

# --- the entry in the tool cache, complete for this checksum: used, no download ---
wrun_setup 0 --action-ref v9.9.9 --input toolkit-mirror=http://127.0.0.1:9 "${soak[@]}"
assert_jq_eq "$RESULT" '.steps[] | select(.id == "setup-windows") | .outputs | [."bin-dir", .source] | join(" ")' \
	"$(winpath "$ENTRY")\\bin release v9.9.9"
assert_contains "$OUT" "soak-action: programs in $(winpath "$ENTRY")\\bin, from release v9.9.9, from the tool cache $(winpath "$ENTRY")"
assert_not_contains "$OUT" "downloading"
assert_jq_eq "$RESULT" '.outputs | [.verdict, .iterations] | join(" ")' "PASS 2"
# the major tag at a release commit: release\TAG (LF or CRLF) names the release
printf 'v9.9.9\n' >"$ACTION/release/TAG"
wrun_setup 0 --action-ref v9 "${soak[@]}"
assert_jq_eq "$RESULT" '.steps[] | select(.id == "setup-windows") | .outputs.source' "release v9.9.9"
printf 'v9.9.9\r\n' >"$ACTION/release/TAG"
wrun_setup 0 --action-ref v9 "${soak[@]}"
assert_jq_eq "$RESULT" '.steps[] | select(.id == "setup-windows") | .outputs.source' "release v9.9.9"
rm "$ACTION/release/TAG"
# toolkit-path still comes first
wrun_setup 0 --action-ref v9.9.9 --input toolkit-path="$(winpath "$SOAK_BIN")" "${soak[@]}"
assert_jq_eq "$RESULT" '.steps[] | select(.id == "setup-windows") | .outputs.source' toolkit-path

# refused: the Windows toolkit step failed with MESSAGE, nothing after it ran
refused()
{
	assert_jq_eq "$RESULT" '[.steps[] | select(.outcome != "skipped") | "\(.id)=\(.outcome)"] | join(" ")' "setup-windows=failure"
	assert_jq_eq "$RESULT" '[.annotations[] | select(.level == "error") | .message] | join("|")' "$1"
	assert_no_file "$WS/artifacts"
}

# --- a marker of another checksum (a moved tag): not used; no curl.exe here, so PATH, which has none ---
printf '%064d\r\n' 0 >"$ENTRY.complete"
wrun_setup 1 --action-ref v9.9.9 --input toolkit-mirror=http://127.0.0.1:9 "${soak[@]}"
refused "soak-run soak-report soak-clean soak-bundle soak-canary are not on PATH and there are no release programs for this runner: give toolkit-path, a directory holding them"
assert_jq_eq "$RESULT" '[.annotations[] | select(.level == "warning") | .message] | join("|")' \
	"C:\\windows\\System32\\curl.exe is not there (Windows 10 1803 and later have it): not downloading soak-action-windows-x64.zip"
printf '%s\r\n' "$sum" >"$ENTRY.complete"

# --- no line for windows-x64: no release programs, PATH ---
grep -v windows-x64 "$TMP/mirror/v9.9.9/SHA256SUMS" >"$ACTION/release/SHA256SUMS"
printf '%064d  soak-action-linux-x64.tar.gz\n' 1 >>"$ACTION/release/SHA256SUMS"
wrun_setup 1 --action-ref v9.9.9 "${soak[@]}"
assert_contains "$OUT" "soak-action: release\\SHA256SUMS has no soak-action-windows-x64.zip: no release programs for windows-x64"
refused "soak-run soak-report soak-clean soak-bundle soak-canary are not on PATH and there are no release programs for this runner: give toolkit-path, a directory holding them"
# no release\SHA256SUMS at all
rm "$ACTION/release/SHA256SUMS"
wrun_setup 1 --action-ref v9.9.9 "${soak[@]}"
assert_contains "$OUT" "soak-action: no release\\SHA256SUMS in the action's tree: no release programs at this ref"

# --- a line that is no SHA-256, a tag that could leave the tool cache, no tag at all ---
printf 'abc  soak-action-windows-x64.zip\n' >"$ACTION/release/SHA256SUMS"
wrun_setup 1 --action-ref v9.9.9 "${soak[@]}"
refused "release/SHA256SUMS: the line of soak-action-windows-x64.zip has no SHA-256 ('abc')"
cp "$TMP/mirror/v9.9.9/SHA256SUMS" "$ACTION/release/SHA256SUMS"
wrun_setup 1 --action-ref ../x "${soak[@]}"
refused "release tag '../x' has characters outside A-Z a-z 0-9 . _ -"
wrun_setup 1 --action-ref .hidden "${soak[@]}"
refused "release tag '.hidden' has characters outside A-Z a-z 0-9 . _ -"
wrun_setup 1 "${soak[@]}"
assert_contains "$OUT" "soak-action: no release tag (release/TAG, or the action's ref) for soak-action-windows-x64.zip"

# --- toolkit-build: always cannot build on Windows; a bad value ---
wrun_setup 1 --action-ref v9.9.9 --input toolkit-build=always "${soak[@]}"
refused "toolkit-build is always, but a Windows runner has no compiler for the action to build with: give toolkit-path"
wrun_setup 1 --action-ref v9.9.9 --input toolkit-build=sometimes "${soak[@]}"
refused "toolkit-build 'sometimes' is not one of auto, always, never"
# never: the release programs are still used
wrun_setup 0 --action-ref v9.9.9 --input toolkit-build=never "${soak[@]}"
assert_jq_eq "$RESULT" '.steps[] | select(.id == "setup-windows") | .outputs.source' "release v9.9.9"

finish
