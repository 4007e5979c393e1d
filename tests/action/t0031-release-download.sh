# The action's toolkit step with release programs: a release directory made by
# scripts/release-pack.sh, served from a loopback mirror (toolkit-mirror); the
# programs come from the download, checked against the action's own
# release/SHA256SUMS, land in the tool cache with ARCH.complete, and a second
# run takes them from there without a request. A major tag (v9) finds its
# release through release/TAG; a busy server (503) is retried.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/action/lib-action.sh"

# the release v9.9.9 on the mirror, its SHA256SUMS in the action's tree
release_setup v9.9.9
sum=$(cut -d' ' -f1 mirror/v9.9.9/SHA256SUMS)
start_file_server mirror

# --- first run: downloaded, verified, unpacked into the tool cache, then the soak ---
run_action 0 "$ACTION" --action-ref v9.9.9 --tool-cache "$CACHE" \
	--input toolkit-mirror="http://127.0.0.1:$port/" "${SOAK[@]}"
assert_jq_eq "$RESULT" '.steps[0] | [.id, .outcome, .outputs."bin-dir", .outputs.source] | join(" ")' \
	"setup success $CACHE/soak-action/v9.9.9/$ARCH/bin release v9.9.9"
assert_contains "$OUT" "soak-action: downloading $ARCHIVE (release v9.9.9) from toolkit-mirror: http://127.0.0.1:$port/v9.9.9/$ARCHIVE"
assert_contains "$OUT" "soak-action: $ARCHIVE verified (SHA-256 $sum, release/SHA256SUMS)"
assert_contains "$OUT" "soak-action: programs in $CACHE/soak-action/v9.9.9/$ARCH/bin (release v9.9.9, downloaded and verified"
assert_jq_eq -s files.jsonl '[.[] | "\(.method) \(.url) \(.status)"] | join(",")' "GET /v9.9.9/$ARCHIVE 200"
# the tool cache: the archive's tree, the marker holds the checksum, nothing else beside it
assert_eq "$(cat "$CACHE/soak-action/v9.9.9/$ARCH.complete")" "$sum" "ARCH.complete"
assert_eq "$(ls -A "$CACHE/soak-action/v9.9.9")" "$ARCH
$ARCH.complete" "the tool cache entry"
for p in soak-run soak-report soak-bundle soak-canary soak-clean; do
	expect_exit 0 cmp "$SOAK_BIN/$p" "$CACHE/soak-action/v9.9.9/$ARCH/bin/$p"
done
assert_file "$CACHE/soak-action/v9.9.9/$ARCH/README.md"
# the later steps ran the downloaded programs (on the job's PATH too)
assert_jq_eq "$RESULT" '.outputs | [.verdict, .iterations, .state] | join(" ")' "PASS 2 completed"
assert_jq_eq "$RESULT" '[.steps[] | select(.id | endswith("-windows") | not) | "\(.id)=\(.outcome)"] | join(" ")' \
	"setup=success run=success report=success clean=success bundle=success notify=skipped upload=skipped"
assert_file "$WS/artifacts/soak-bundle.tar.gz"
# nothing of the download is left in the runner's temp
assert_eq "$(find "$TMP/runner-temp" -maxdepth 1 -name 'soak-action-download.*' | wc -l)" 0 "download leftovers"

# --- second run (another job on the runner): from the tool cache, no request ---
run_action 0 "$ACTION" --action-ref v9.9.9 --tool-cache "$CACHE" \
	--input toolkit-mirror="http://127.0.0.1:$port" "${SOAK[@]}"
assert_jq_eq "$RESULT" '.steps[0].outputs."bin-dir"' "$CACHE/soak-action/v9.9.9/$ARCH/bin"
assert_contains "$OUT" "soak-action: programs in $CACHE/soak-action/v9.9.9/$ARCH/bin (release v9.9.9, from the tool cache"
assert_not_contains "$OUT" "downloading"
assert_lines files.jsonl 1
assert_jq_eq "$RESULT" '.outputs.verdict' PASS

# --- an entry whose marker names another checksum (a moved tag) is fetched again ---
printf '%064d' 0 >"$CACHE/soak-action/v9.9.9/$ARCH.complete"
run_action 0 "$ACTION" --action-ref v9.9.9 --tool-cache "$CACHE" \
	--input toolkit-mirror="http://127.0.0.1:$port" "${SOAK[@]}"
assert_contains "$OUT" "downloading $ARCHIVE"
assert_lines files.jsonl 2
assert_eq "$(cat "$CACHE/soak-action/v9.9.9/$ARCH.complete")" "$sum" "ARCH.complete rewritten"
# a half-written entry (no marker) is not used either
rm "$CACHE/soak-action/v9.9.9/$ARCH.complete"
run_action 0 "$ACTION" --action-ref v9.9.9 --tool-cache "$CACHE" \
	--input toolkit-mirror="http://127.0.0.1:$port" "${SOAK[@]}"
assert_lines files.jsonl 3
assert_file "$CACHE/soak-action/v9.9.9/$ARCH.complete"

# --- the major tag: uses: org/soak-action@v9 at a release commit, release/TAG names the release ---
printf 'v9.9.9\n' >"$ACTION/release/TAG"
run_action 0 "$ACTION" --action-ref v9 --tool-cache "$TMP/cache2" \
	--input toolkit-mirror="http://127.0.0.1:$port" "${SOAK[@]}"
assert_jq_eq "$RESULT" '.steps[0].outputs | [."bin-dir", .source] | join(" ")' \
	"$TMP/cache2/soak-action/v9.9.9/$ARCH/bin release v9.9.9"
assert_jq_eq -s files.jsonl '.[-1].url' "/v9.9.9/$ARCHIVE"
rm "$ACTION/release/TAG"

# --- a busy mirror: two 503 answers, then the archive (curl's retries, 1 s then 2 s apart) ---
kill "$file_pid"
start_file_server mirror 2
run_action 0 "$ACTION" --action-ref v9.9.9 --tool-cache "$TMP/cache3" \
	--input toolkit-mirror="http://127.0.0.1:$port" "${SOAK[@]}"
assert_jq_eq -s files.jsonl '[.[] | .status] | join(",")' "503,503,200"
assert_file "$TMP/cache3/soak-action/v9.9.9/$ARCH.complete"

# --- the default source: the action repository's GitHub release (the URL; no download here) ---
# an unreachable proxy stands in for github.com, so the URL shows and the step fails
https_proxy=http://127.0.0.1:9 run_action 1 "$ACTION" --action-ref v9.9.9 --action-repository org/soak-action \
	--tool-cache "$TMP/cache4" "${SOAK[@]}"
assert_contains "$OUT" "downloading $ARCHIVE (release v9.9.9) from the GitHub release: https://github.com/org/soak-action/releases/download/v9.9.9/$ARCHIVE"
assert_no_file "$TMP/cache4/soak-action"

finish
