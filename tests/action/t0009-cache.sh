# cache/save and cache/restore as the runner runs them, against a local store:
# actions/cache's inputs and outputs, backed by soak-bundle cache.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/action/lib-action.sh"

WS=$TMP/ws
STORE=$TMP/store
tk=(--input toolkit-path="$SOAK_BIN" --input store="$STORE")

# fill_ws: a workspace with a directory and two text files
fill_ws()
{
	rm -rf "$WS" "$TMP/runner-temp"
	mkdir -p "$WS/deps/lib"
	printf 'one\n' >"$WS/deps/lib/a.so"
	printf 'two\n' >"$WS/notes.txt"
	printf 'three\n' >"$WS/more.txt"
}

# --- save: a directory and a glob, given with blank lines and spaces as workflows do ---
fill_ws
KEEP_WS=1 run_action 0 "$SOAK_SRC/cache/save" "${tk[@]}" --input key=deps-linux-abc \
	--input "path=  deps

*.txt
" --input upload-chunk-size=1048576
assert_jq_eq "$RESULT" '[.steps[] | "\(.id)=\(.outcome)"] | join(" ")' \
	"setup=success setup-windows=skipped save=success save-windows=skipped"
assert_contains "$OUT" "upload-chunk-size: soak-bundle writes each entry whole"
# saving the same key again is a notice, not an error
KEEP_WS=1 run_action 0 "$SOAK_SRC/cache/save" "${tk[@]}" --input key=deps-linux-abc --input "path=deps
*.txt"

# --- restore the exact key into an empty workspace ---
rm -rf "$WS" "$TMP/runner-temp" && mkdir -p "$WS"
KEEP_WS=1 run_action 0 "$SOAK_SRC/cache/restore" "${tk[@]}" --input key=deps-linux-abc --input "path=deps
*.txt"
assert_jq_eq "$RESULT" '.outputs | [."cache-hit", ."cache-primary-key", ."cache-matched-key"] | join(" ")' \
	"true deps-linux-abc deps-linux-abc"
assert_eq "$(cat "$WS/deps/lib/a.so" "$WS/notes.txt" "$WS/more.txt" 2>&1)" $'one\ntwo\nthree' "restored files"

# --- a restore key (prefix): a hit that is not exact ---
rm -rf "$WS" "$TMP/runner-temp" && mkdir -p "$WS"
KEEP_WS=1 run_action 0 "$SOAK_SRC/cache/restore" "${tk[@]}" --input key=deps-linux-def \
	--input "restore-keys=deps-macos-
deps-linux-" --input "path=deps
*.txt"
assert_jq_eq "$RESULT" '.outputs | [."cache-hit", ."cache-primary-key", ."cache-matched-key"] | join(" ")' \
	"false deps-linux-def deps-linux-abc"
assert_file "$WS/deps/lib/a.so"

# --- lookup-only: found, nothing extracted ---
rm -rf "$WS" "$TMP/runner-temp" && mkdir -p "$WS"
KEEP_WS=1 run_action 0 "$SOAK_SRC/cache/restore" "${tk[@]}" --input key=deps-linux-abc --input lookup-only=TRUE \
	--input "path=deps
*.txt"
assert_jq_eq "$RESULT" '.outputs."cache-hit"' true
assert_no_file "$WS/deps"

# --- another path list is another entry: a miss; with fail-on-cache-miss the step fails (exit 5) ---
run_action 0 "$SOAK_SRC/cache/restore" "${tk[@]}" --input key=deps-linux-abc --input path=deps
assert_jq_eq "$RESULT" '.outputs | [."cache-hit", ."cache-matched-key"] | join(",")' "false,"
run_action 1 "$SOAK_SRC/cache/restore" "${tk[@]}" --input key=nothing-here --input path=deps \
	--input fail-on-cache-miss=true
assert_jq_eq "$RESULT" '.steps[] | select(.id == "restore") | [.outcome, .exit_code] | join(" ")' "failure 5"

# --- a store that cannot be used: a warning and a miss, as actions/cache; on-error=fail fails ---
printf 'not a directory\n' >"$TMP/store-file"
run_action 0 "$SOAK_SRC/cache/restore" --input toolkit-path="$SOAK_BIN" --input store="$TMP/store-file" \
	--input key=deps-linux-abc --input path=deps
assert_jq_eq "$RESULT" '.outputs | [."cache-hit", ."cache-primary-key", ."cache-matched-key"] | join(",")' \
	"false,deps-linux-abc,"
assert_contains "$OUT" "::warning title=cache restore::cache store: cannot create directory"
run_action 1 "$SOAK_SRC/cache/restore" --input toolkit-path="$SOAK_BIN" --input store="$TMP/store-file" \
	--input key=deps-linux-abc --input path=deps --input on-error=fail
assert_jq_eq "$RESULT" '.steps[] | select(.id == "restore") | [.outcome, .exit_code] | join(" ")' "failure 4"
fill_ws
KEEP_WS=1 run_action 0 "$SOAK_SRC/cache/save" --input toolkit-path="$SOAK_BIN" --input store="$TMP/store-file" \
	--input key=deps-linux-abc --input path=deps
assert_contains "$OUT" "::warning title=cache save::cache store: cannot create directory"

# --- save after a failure: the workflow's step has if: always(); the action itself just saves ---
fill_ws
KEEP_WS=1 run_action 0 "$SOAK_SRC/cache/save" "${tk[@]}" --input key=after-failure --input path=notes.txt \
	--input enableCrossOsArchive=true
rm -rf "$WS" && mkdir -p "$WS"
KEEP_WS=1 run_action 0 "$SOAK_SRC/cache/restore" "${tk[@]}" --input key=after-failure --input path=notes.txt \
	--input enableCrossOsArchive=true
assert_jq_eq "$RESULT" '.outputs."cache-hit"' true
assert_eq "$(cat "$WS/notes.txt")" two "restored notes.txt"

# --- compression-level and window-log reach the archive; max-memory refuses a larger window ---
fill_ws
KEEP_WS=1 run_action 0 "$SOAK_SRC/cache/save" "${tk[@]}" --input key=tuned --input path=deps \
	--input compression-level=19 --input window-log=21
blob=$(ls "$STORE"/soak-cache-v1/*/tuned.*.tar.zst)
assert_eq "$(zstd -lv "$blob" 2>/dev/null | sed -n 's/^Window Size:.*(\([0-9]*\) B)$/\1/p')" 2097152 "window-log=21"
rm -rf "$WS" "$TMP/runner-temp" && mkdir -p "$WS"
KEEP_WS=1 run_action 0 "$SOAK_SRC/cache/restore" "${tk[@]}" --input key=tuned --input path=deps \
	--input max-memory=1MiB
assert_jq_eq "$RESULT" '.outputs."cache-hit"' false
assert_contains "$OUT" "needs a zstd window of 2 MiB; --max-memory allows 1 MiB"
assert_no_file "$WS/deps"
KEEP_WS=1 run_action 0 "$SOAK_SRC/cache/restore" "${tk[@]}" --input key=tuned --input path=deps \
	--input max-memory=2MiB
assert_jq_eq "$RESULT" '.outputs."cache-hit"' true
assert_eq "$(cat "$WS/deps/lib/a.so")" one "restored within max-memory"

finish
