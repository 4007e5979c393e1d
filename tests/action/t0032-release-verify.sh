# The toolkit step refuses release programs it cannot trust: a tampered archive
# on the mirror, a checksum line that does not match, an archive that is not on
# the mirror or lacks a program. Each stops the step (exit non-zero, an error annotation), runs
# nothing from the archive, writes no soak directory and leaves no tool-cache
# entry. A mirror's user name and password are not printed.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/action/lib-action.sh"

# the genuine release (v9.9.8 on the mirror), whose checksum the action's tree holds
release_setup v9.9.8
sum=$(cut -d' ' -f1 mirror/v9.9.8/SHA256SUMS)
# a tampered one: programs that leave a mark when they run
mkdir evil
for p in soak-run soak-report soak-bundle soak-canary soak-clean; do
	printf '#!/bin/sh\ntouch "%s/ran-%s"\necho "%s 0.1.0"\n' "$TMP" "$p" "$p" >"evil/$p"
	chmod +x "evil/$p"
done
"$SOAK_SRC/scripts/release-pack.sh" "$PLATFORM" evil mirror/v9.9.9 >/dev/null
bad=$(cut -d' ' -f1 mirror/v9.9.9/SHA256SUMS)
start_file_server mirror

# refused: the step failed with EXIT and MESSAGE, nothing after it ran, nothing kept
refused()
{
	local code=$1 msg=$2 tag=$3
	assert_jq_eq "$RESULT" '.steps[0] | [.id, .outcome, .exit_code] | join(" ")' "setup failure $code"
	assert_jq_eq "$RESULT" '[.steps[1:][] | .outcome] | unique | join(" ")' skipped
	assert_jq_eq "$RESULT" '[.annotations[] | select(.level == "error") | .title] | join(",")' soak-action
	assert_jq_eq "$RESULT" '.annotations[0].message' "$msg"
	assert_no_file "$WS/artifacts"
	assert_no_file "$CACHE/soak-action/$tag/$ARCH"
	assert_no_file "$CACHE/soak-action/$tag/$ARCH.complete"
	assert_eq "$(find "$CACHE" -name '.*.tmp' 2>/dev/null | wc -l)" 0 "unpack leftovers"
	assert_eq "$(find "$TMP/runner-temp" -maxdepth 1 -name 'soak-action-download.*' | wc -l)" 0 "download leftovers"
	assert_eq "$(find "$TMP" -maxdepth 1 -name 'ran-*' | wc -l)" 0 "programs run from the archive"
}

# --- a tampered archive on the mirror: checksum mismatch, exit 1 ---
run_action 1 "$ACTION" --action-ref v9.9.9 --tool-cache "$CACHE" \
	--input toolkit-mirror="http://127.0.0.1:$port" "${SOAK[@]}"
refused 1 "checksum mismatch for $ARCHIVE from http://127.0.0.1:$port/v9.9.9/$ARCHIVE: SHA-256 $bad, release/SHA256SUMS of the action at v9.9.9 says $sum; nothing from it was run or kept" v9.9.9
assert_jq_eq -s files.jsonl '[.[] | "\(.url) \(.status)"] | join(",")' "/v9.9.9/$ARCHIVE 200"
assert_contains "$OUT" "::error title=soak-action::checksum mismatch for $ARCHIVE"
# the evil programs do run when started, so their mark would show
"$TMP/evil/soak-run" >/dev/null
assert_file "$TMP/ran-soak-run"
rm "$TMP/ran-soak-run"

# --- a wrong line in the action's release/SHA256SUMS (the genuine archive served): exit 1 ---
printf '%s  %s\n' "$bad" "$ARCHIVE" >"$ACTION/release/SHA256SUMS"
run_action 1 "$ACTION" --action-ref v9.9.8 --tool-cache "$CACHE" \
	--input toolkit-mirror="http://127.0.0.1:$port" "${SOAK[@]}"
refused 1 "checksum mismatch for $ARCHIVE from http://127.0.0.1:$port/v9.9.8/$ARCHIVE: SHA-256 $sum, release/SHA256SUMS of the action at v9.9.8 says $bad; nothing from it was run or kept" v9.9.8
# a cache entry of an earlier checksum stays unused and is not replaced by the refused one
mkdir -p "$CACHE/soak-action/v9.9.8/$ARCH/bin"
printf '%s' "$sum" >"$CACHE/soak-action/v9.9.8/$ARCH.complete"
run_action 1 "$ACTION" --action-ref v9.9.8 --tool-cache "$CACHE" \
	--input toolkit-mirror="http://127.0.0.1:$port" "${SOAK[@]}"
assert_jq_eq "$RESULT" '.steps[0].exit_code' 1
assert_eq "$(cat "$CACHE/soak-action/v9.9.8/$ARCH.complete")" "$sum" "the earlier marker"
assert_eq "$(ls -A "$CACHE/soak-action/v9.9.8/$ARCH/bin")" "" "the earlier entry"
rm -rf "$CACHE/soak-action/v9.9.8"

# --- a line that is no SHA-256: exit 3 before any download ---
printf 'abc  %s\n' "$ARCHIVE" >"$ACTION/release/SHA256SUMS"
run_action 1 "$ACTION" --action-ref v9.9.8 --tool-cache "$CACHE" \
	--input toolkit-mirror="http://127.0.0.1:$port" "${SOAK[@]}"
refused 3 "release/SHA256SUMS: the line of $ARCHIVE has no SHA-256 ('abc')" v9.9.8
assert_lines files.jsonl 3

# --- not on the mirror (404, not retried): exit 4; the mirror's password is not shown ---
cp mirror/v9.9.8/SHA256SUMS "$ACTION/release/SHA256SUMS"
run_action 1 "$ACTION" --action-ref v9.9.7 --tool-cache "$CACHE" \
	--input toolkit-mirror="http://mirror-user:s3cret-pw@127.0.0.1:$port/" "${SOAK[@]}"
refused 4 "cannot download $ARCHIVE from http://****@127.0.0.1:$port/v9.9.7/$ARCHIVE: curl: (22) The requested URL returned error: 404 (a network error or a busy server is tried 5 times); give toolkit-mirror or toolkit-path, or toolkit-build: always to build from source" v9.9.7
assert_jq_eq -s files.jsonl '[.[] | "\(.url) \(.status)"] | .[3:] | join(",")' "/v9.9.7/$ARCHIVE 404"
assert_contains "$OUT" "from toolkit-mirror: http://****@127.0.0.1:$port/v9.9.7/$ARCHIVE"
assert_not_contains "$OUT" "s3cret-pw"
assert_not_contains "$ERR" "s3cret-pw"

# --- an archive that matches its line but lacks a program: exit 3, nothing kept ---
mkdir -p part/soak-action-$PLATFORM/bin mirror/v9.9.6
cp "$SOAK_BIN/soak-run" part/soak-action-$PLATFORM/bin/
tar -czf "mirror/v9.9.6/$ARCHIVE" -C part "soak-action-$PLATFORM"
printf '%s  %s\n' "$(sha256sum "mirror/v9.9.6/$ARCHIVE" | cut -d' ' -f1)" "$ARCHIVE" >"$ACTION/release/SHA256SUMS"
run_action 1 "$ACTION" --action-ref v9.9.6 --tool-cache "$CACHE" \
	--input toolkit-mirror="http://127.0.0.1:$port" "${SOAK[@]}"
refused 3 "$ARCHIVE does not hold soak-action-$PLATFORM/bin/ with soak-run soak-report soak-clean soak-bundle soak-canary" v9.9.6
cp mirror/v9.9.8/SHA256SUMS "$ACTION/release/SHA256SUMS"

# --- a release tag that could leave the tool cache: exit 2 ---
run_action 1 "$ACTION" --action-ref ../x --tool-cache "$CACHE" \
	--input toolkit-mirror="http://127.0.0.1:$port" "${SOAK[@]}"
refused 2 "release tag '../x' has characters outside A-Z a-z 0-9 . _ -" ../x
assert_lines files.jsonl 5

finish
