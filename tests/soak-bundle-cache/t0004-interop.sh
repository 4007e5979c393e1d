# Interop both ways: an archive made the way actions/cache makes it (GNU tar
# --posix | zstd -T0 --long=30, paths relative to the workspace, '../' for paths
# outside it) restores with soak-bundle; soak-bundle's archives extract with GNU
# tar + zstd and with bsdtar, contents, modes, mtimes and links intact.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/soak-bundle-cache/lib-cache.sh"

ws=$TMP/ws
st=$TMP/store
mkdir -p "$ws/node_modules/pkg/bin" "$HOME/.npm/_cacache"
cd "$ws" || exit 1
head -c 200000 /dev/urandom >node_modules/pkg/data.bin
printf 'module.exports = 1\n' >node_modules/pkg/index.js
printf '#!/bin/sh\n' >node_modules/pkg/bin/cli
chmod 0755 node_modules/pkg/bin/cli
ln -s ../pkg/bin/cli node_modules/pkg/cli-link
touch -d '2019-05-06 07:08:09' node_modules/pkg/index.js
printf 'npm cache\n' >"$HOME/.npm/_cacache/entry"
want_ws=$(listing node_modules)
want_home=$(listing "$HOME/.npm")

# actions/cache's way, into a soak-bundle entry (same key, paths and version)
expect_exit 0 "$BUNDLE" cache save --key npm --path node_modules --path '~/.npm' --store "$st"
printf '%s\n' node_modules ../home/.npm >"$TMP/manifest.txt"
tar --posix -cf - -P -C "$ws" --files-from "$TMP/manifest.txt" | zstd -T0 --long=30 -q -o "$TMP/gh.tzst"
zstd -lv "$TMP/gh.tzst" 2>/dev/null | grep -q 'Window Size: 1.000 GiB' && pass || fail "the archive should need a 1 GiB window"
swap_blob "$st" npm "$TMP/gh.tzst"
rm -rf node_modules "$HOME/.npm"
expect_exit 0 "$BUNDLE" cache restore --key npm --path node_modules --path '~/.npm' --store "$st"
assert_contains "$OUT" "cache restored from key 'npm'"
assert_eq "$(listing node_modules)" "$want_ws" "GNU tar archive: workspace tree"
assert_eq "$(listing "$HOME/.npm")" "$want_home" "GNU tar archive: tree outside the workspace"

# gzip, actions/cache's fallback: tar -z
expect_exit 0 "$BUNDLE" cache save --key npm-gz --path node_modules --path '~/.npm' --compression gzip --store "$st"
tar --posix -czf "$TMP/gh.tgz" -P -C "$ws" --files-from "$TMP/manifest.txt"
swap_blob "$st" npm-gz "$TMP/gh.tgz"
rm -rf node_modules "$HOME/.npm"
expect_exit 0 "$BUNDLE" cache restore --key npm-gz --path node_modules --path '~/.npm' --compression gzip --store "$st"
assert_eq "$(listing node_modules)" "$want_ws" "GNU tar gzip archive: workspace tree"
assert_eq "$(listing "$HOME/.npm")" "$want_home" "GNU tar gzip archive: outside tree"

# the other way: soak-bundle's archive with GNU tar + zstd, as actions/cache restores
expect_exit 0 "$BUNDLE" cache save --key ours --path node_modules --path '~/.npm' --store "$st"
blob=$(blob_of "$st" ours)
mkdir -p "$TMP/gnu/ws" "$TMP/gnu/home"
zstd -d --long=30 -c "$blob" | tar -xf - -P -C "$TMP/gnu/ws"
assert_eq "$(listing "$TMP/gnu/ws/node_modules")" "$want_ws" "GNU tar extracts ours"
assert_eq "$(listing "$TMP/gnu/home/.npm")" "$want_home" "GNU tar extracts the '../' paths"
# and bsdtar (libarchive's own tool)
mkdir -p "$TMP/bsd/ws"
bsdtar -xf "$blob" -P -C "$TMP/bsd/ws"
assert_eq "$(listing "$TMP/bsd/ws/node_modules")" "$want_ws" "bsdtar extracts ours"
assert_eq "$(listing "$TMP/bsd/home/.npm")" "$want_home" "bsdtar extracts the '../' paths"
# pax headers: GNU tar sees a POSIX archive
zstd -dc "$blob" | head -c 262 | tail -c 5 | grep -q '^ustar' && pass || fail "a ustar/pax header"
zstd -dc "$blob" | tar --list -v --format=posix -f - >/dev/null 2>&1 && pass || fail "GNU tar lists it as posix"
finish
