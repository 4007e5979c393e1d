# soak-bundle cache on a local store: a round trip keeps contents, modes, mtimes,
# symlinks and hard links; globs, ~ and exclusions; actions/cache's key semantics
# (immutable keys, restore keys as prefixes in order, newest wins, versions by
# paths and compression); lookup-only, fail-on-cache-miss and the outputs.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/soak-bundle-cache/lib-cache.sh"

ws=$TMP/ws
st=$TMP/store
mkdir -p "$ws/deps/sub/empty" "$ws/build" "$HOME/.tool"
cd "$ws" || exit 1
printf 'alpha\n' >deps/a.txt
head -c 300000 /dev/urandom >deps/sub/r.bin
printf '#!/bin/sh\n' >deps/run.sh
chmod 0755 deps/run.sh
chmod 0600 deps/a.txt
chmod 0750 deps/sub
ln -s a.txt deps/link
ln -s ../../outside/target deps/dangling
ln deps/a.txt deps/hard
touch -h -d '2021-03-04 05:06:07.5' deps/link
touch -d '2020-01-02 03:04:05.123456789' deps/a.txt deps/sub/r.bin
printf 'obj\n' >build/x.o
printf 'keep\n' >build/x.c
printf 'tool\n' >"$HOME/.tool/state"
export GITHUB_ACTIONS=true GITHUB_OUTPUT=$TMP/gh_output

expect_exit 0 "$BUNDLE" cache save --key deps-v1 --path deps --store "$st"
assert_match "$OUT" "^cache saved with key 'deps-v1': .* \\([0-9]+ files, .*\\) in "
assert_eq "$(find "$st" -name '*.json' | wc -l)" 1 "metadata objects"
m=$(meta_of "$st" deps-v1)
assert_jq_eq "$m" .key deps-v1
assert_jq_eq "$m" .compression zstd
assert_jq_eq "$m" '.paths | join(",")' deps
assert_jq_eq "$m" .sha256 "$(sha256sum "$(blob_of "$st" deps-v1)" | cut -d' ' -f1)"
assert_jq_eq "$m" .size "$(stat -c %s "$(blob_of "$st" deps-v1)")"
assert_jq_eq "$m" .files 9
# the archive is a pax tar + zstd, paths relative to the workspace
assert_eq "$(zstd -dc "$(blob_of "$st" deps-v1)" | tar -tf - | LC_ALL=C sort | tr '\n' ' ')" \
	"deps/ deps/a.txt deps/dangling deps/hard deps/link deps/run.sh deps/sub/ deps/sub/empty/ deps/sub/r.bin " "archive listing"

before=$(listing deps)
cp -a deps "$TMP/deps.orig"
rm -rf deps
expect_exit 0 "$BUNDLE" cache restore --key deps-v1 --path deps --store "$st"
assert_contains "$OUT" "cache restored from key 'deps-v1': "
assert_eq "$(listing deps)" "$before" "restored tree (types, modes, sizes, mtimes, links)"
assert_eq "$(stat -c %i deps/a.txt)" "$(stat -c %i deps/hard)" "hard link kept"
assert_eq "$(readlink deps/dangling)" "../../outside/target" "dangling link kept"
cmp -s deps/sub/r.bin "$TMP/deps.orig/sub/r.bin" && pass || fail "content of r.bin"
assert_eq "$(stat -c %a deps/sub)" 750 "directory mode"
assert_eq "$(grep -A1 '^cache-hit<<' "$GITHUB_OUTPUT" | tail -n1)" true "cache-hit output"
assert_eq "$(grep -A1 '^cache-primary-key<<' "$GITHUB_OUTPUT" | tail -n1)" deps-v1 "cache-primary-key"
assert_eq "$(grep -A1 '^cache-matched-key<<' "$GITHUB_OUTPUT" | tail -n1)" deps-v1 "cache-matched-key"
assert_eq "$(find "$ws" -name '.soak-cache-restore-*' | wc -l)" 0 "no staging left"

# restore over existing files replaces them and keeps unrelated ones
printf 'changed\n' >deps/a.txt
printf 'mine\n' >deps/extra
expect_exit 0 "$BUNDLE" cache restore --key deps-v1 --path deps --store "$st"
assert_eq "$(cat deps/a.txt)" alpha "replaced file"
assert_eq "$(cat deps/extra)" mine "unrelated file kept"
rm deps/extra

# immutable: a second save of the key is a notice, exit 0, the entry unchanged
printf 'new\n' >deps/new.txt
expect_exit 0 "$BUNDLE" cache save --key deps-v1 --path deps --store "$st"
assert_contains "$ERR" "cache entry for key 'deps-v1' exists already; not saved"
assert_jq_eq "$(meta_of "$st" deps-v1)" .files 9
rm deps/new.txt

# restore keys: prefixes in order, the newest match winning; cache-hit false
expect_exit 0 "$BUNDLE" cache save --key deps-v2-old --path deps --store "$st"
printf 'newer\n' >deps/a.txt
sleep 1.1
expect_exit 0 "$BUNDLE" cache save --key deps-v2-new --path deps --store "$st"
expect_exit 0 "$BUNDLE" cache save --key other-1 --path deps --store "$st"
rm -rf deps
: >"$GITHUB_OUTPUT"
expect_exit 0 "$BUNDLE" cache restore --key deps-v3 --restore-keys deps-v2- --restore-keys other- --path deps --store "$st"
assert_contains "$OUT" "cache restored from key 'deps-v2-new' (a restore key)"
assert_eq "$(cat deps/a.txt)" newer "newest entry restored"
assert_eq "$(grep -A1 '^cache-hit<<' "$GITHUB_OUTPUT" | tail -n1)" false "cache-hit on a prefix match"
assert_eq "$(grep -A1 '^cache-matched-key<<' "$GITHUB_OUTPUT" | tail -n1)" deps-v2-new "matched key"
assert_eq "$(grep -A1 '^cache-primary-key<<' "$GITHUB_OUTPUT" | tail -n1)" deps-v3 "primary key"
# the first restore key that matches wins, even when a later one has newer entries
expect_exit 0 "$BUNDLE" cache restore --key nope --restore-keys "deps-v1
other-" --path deps --store "$st" --lookup-only
assert_contains "$OUT" "cache found with key 'deps-v1' (a restore key)"
# the exact key is preferred over newer prefix matches
expect_exit 0 "$BUNDLE" cache restore --key deps-v2-old --restore-keys deps- --path deps --store "$st" --lookup-only
assert_contains "$OUT" "cache found with key 'deps-v2-old':"

# a version covers the path list: other paths (or compression) never match
expect_exit 0 "$BUNDLE" cache restore --key deps-v1 --restore-keys deps- --path deps --path build --store "$st"
assert_contains "$OUT" "cache not found for keys 'deps-v1', 'deps-'"
expect_exit 0 "$BUNDLE" cache restore --key deps-v1 --path deps --compression gzip --store "$st"
assert_contains "$OUT" "cache not found"
expect_exit 0 "$BUNDLE" cache restore --key deps-v1 --path deps --enable-cross-os-archive --store "$st"
assert_contains "$OUT" "cache not found"

# lookup-only extracts nothing; fail-on-cache-miss exits 5 on a miss only
rm -rf deps
: >"$GITHUB_OUTPUT"
expect_exit 0 "$BUNDLE" cache restore --key deps-v1 --path deps --store "$st" --lookup-only
assert_no_file deps
assert_eq "$(grep -A1 '^cache-hit<<' "$GITHUB_OUTPUT" | tail -n1)" true "cache-hit with lookup-only"
: >"$GITHUB_OUTPUT"
expect_exit 5 "$BUNDLE" cache restore --key missing --restore-keys nothing- --path deps --store "$st" --fail-on-cache-miss
assert_contains "$ERR" "soak-bundle: cache not found for keys 'missing', 'nothing-' (--fail-on-cache-miss)"
assert_eq "$(grep -A1 '^cache-hit<<' "$GITHUB_OUTPUT" | tail -n1)" false "cache-hit on a miss"
assert_eq "$(grep -c '^cache-matched-key<<' "$GITHUB_OUTPUT")" 1 "cache-matched-key set on a miss"
expect_exit 0 "$BUNDLE" cache restore --key missing --restore-keys deps-v1 --path deps --store "$st" --fail-on-cache-miss
assert_file deps/a.txt
expect_exit 0 "$BUNDLE" cache restore --key missing --path deps --store "$st"
assert_contains "$OUT" "cache not found for keys 'missing'"

# globs, ~ and exclusions; paths outside the workspace come back where they were
rm -rf deps && cp -a "$TMP/deps.orig" deps
expect_exit 0 "$BUNDLE" cache save --key globs --path 'deps/**/*.bin' --path 'build/*' --path '!build/*.c' --path '~/.tool' --store "$st"
zstd -dc "$(blob_of "$st" globs)" | tar -tf - 2>/dev/null | LC_ALL=C sort >names
assert_eq "$(tr '\n' ' ' <names)" "../home/.tool/ ../home/.tool/state build/x.o deps/sub/r.bin " "glob matches"
rm -rf build deps "$HOME/.tool"
expect_exit 0 "$BUNDLE" cache restore --key globs --path 'deps/**/*.bin' --path 'build/*' --path '!build/*.c' --path '~/.tool' --store "$st"
assert_eq "$(cat "$HOME/.tool/state")" tool "~ path restored"
assert_eq "$(cat build/x.o)" obj "glob path restored"
assert_no_file build/x.c
cmp -s deps/sub/r.bin "$TMP/deps.orig/sub/r.bin" && pass || fail "r.bin restored"

# --root instead of the current directory; GITHUB_WORKSPACE as the default
cd "$TMP" || exit 1
expect_exit 0 "$BUNDLE" cache restore --key deps-v1 --path deps --store "$st" --root ws2
assert_file ws2/deps/a.txt
expect_exit 0 env GITHUB_WORKSPACE="$TMP/ws3" "$BUNDLE" cache restore --key deps-v1 --path deps --store "$st"
assert_file ws3/deps/a.txt
assert_eq "$(cat ws3/deps/a.txt)" alpha "restored into GITHUB_WORKSPACE"

# gzip: its own entries, extractable by tar -z
cd "$ws" || exit 1
rm -rf deps && cp -a "$TMP/deps.orig" deps
expect_exit 0 "$BUNDLE" cache save --key gz --path deps --compression gzip --store "$st"
assert_eq "$(blob_of "$st" gz | grep -c '[.]tar[.]gz$')" 1 "gzip archive name"
mkdir -p "$TMP/gz" && tar -xzf "$(blob_of "$st" gz)" -C "$TMP/gz"
assert_eq "$(cat "$TMP/gz/deps/a.txt")" alpha "gzip archive readable by tar -xz"
rm -rf deps
expect_exit 0 "$BUNDLE" cache restore --key gz --path deps --compression gzip --store "$st"
assert_eq "$(listing deps)" "$before" "gzip round trip"

# nothing matches: a warning, no entry
expect_exit 0 "$BUNDLE" cache save --key none --path 'no/such/*' --store "$st"
assert_contains "$ERR" "warning: no file matches the paths; nothing was saved"
assert_eq "$(find "$st" -name 'none*' | wc -l)" 0 "no entry for no files"

# SOAK_CACHE_DIR is the default store
expect_exit 0 env SOAK_CACHE_DIR="$TMP/envstore" "$BUNDLE" cache save --key envk --path deps
assert_file "$(meta_of "$TMP/envstore" envk)"
expect_exit 0 env RUNNER_TOOL_CACHE="$TMP/rtc" "$BUNDLE" cache save --key rtck --path deps
assert_file "$(meta_of "$TMP/rtc/soak-cache" rtck)"
finish
