# The archive's zstd window and entry order, and the memory a restore may take:
# a save uses a 128 MiB window with long-distance matching by default (and what
# --window-log / SOAK_WINDOW_LOG say, 0 for none); regular files go after the
# directories and links, by extension, size and path, so a copy of a file far
# away in the tree compresses to almost nothing; entries in any order restore;
# a window above --max-memory is exit 4 with a message (a miss with
# --on-error warn), and a 2 GiB window (zstd --long=31) restores by default.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/soak-bundle-cache/lib-cache.sh"

ws=$TMP/ws
st=$TMP/store
mkdir -p "$ws/deps/a/x" "$ws/deps/b" "$ws/deps/c"
cd "$ws" || exit 1
head -c 3000000 /dev/urandom >deps/a/x/blob.bin
printf 'int a;\n' >deps/a/x/z.h
printf 'int bb;\n' >deps/b/y.h
printf 'hello\n' >deps/b/readme
head -c 500 /dev/urandom >deps/c/small.bin
head -c 6000000 /dev/urandom >deps/c/filler.dat
cp deps/a/x/blob.bin deps/c/zz-copy.bin
ln -s ../b/y.h deps/c/link.h
want=$(listing deps)

window_of() { zstd -lv "$1" 2>/dev/null | sed -n 's/^Window Size:.*(\([0-9]*\) B)$/\1/p'; }

# the default: 128 MiB window; the files by extension, size, path after the rest
expect_exit 0 "$BUNDLE" cache save --key k --path deps --store "$st"
blob=$(blob_of "$st" k)
assert_eq "$(window_of "$blob")" 134217728 "default window (128 MiB)"
order=$(zstd -dc "$blob" | tar -tf - | tr '\n' ' ')
assert_eq "$order" "deps/ deps/a/ deps/a/x/ deps/b/ deps/c/ deps/c/link.h deps/b/readme deps/c/small.bin deps/a/x/blob.bin deps/c/zz-copy.bin deps/c/filler.dat deps/a/x/z.h deps/b/y.h " "entry order"
# the copy 6 MB away from the original (9 MB apart in walk order) is found
size=$(stat -c %s "$blob")
[[ $size -lt 9500000 ]] && pass || fail "the archive is $size bytes: the copy was not found"
rm -rf deps
expect_exit 0 "$BUNDLE" cache restore --key k --path deps --store "$st"
assert_eq "$(listing deps)" "$want" "restored tree"

# the option and its environment variable; 0 is the level's own window
expect_exit 0 "$BUNDLE" cache save --key w20 --path deps --store "$st" --window-log 20
assert_eq "$(window_of "$(blob_of "$st" w20)")" 1048576 "--window-log 20"
SOAK_WINDOW_LOG=22 expect_exit 0 "$BUNDLE" cache save --key w22 --path deps --store "$st"
assert_eq "$(window_of "$(blob_of "$st" w22)")" 4194304 "SOAK_WINDOW_LOG=22"
expect_exit 0 "$BUNDLE" cache save --key w0 --path deps --store "$st" --window-log 0 --compression-level 1
size0=$(stat -c %s "$(blob_of "$st" w0)")
[[ $size0 -gt 11500000 ]] && pass || fail "without long matching the copy is far: $size0 bytes"
expect_exit 2 "$BUNDLE" cache save --key bad --path deps --store "$st" --window-log 9
assert_contains "$ERR" "'window-log'"
assert_contains "$ERR" "0 (off) or 10 to 30"
expect_exit 2 "$BUNDLE" cache save --key bad --path deps --store "$st" --window-log 31
expect_exit 2 "$BUNDLE" cache restore --key k --path deps --store "$st" --max-memory 1000
assert_contains "$ERR" "'max-memory'"

# entries in any order: files before their directories, directories last
rm -rf deps && expect_exit 0 "$BUNDLE" cache restore --key k --path deps --store "$st"
find deps | LC_ALL=C sort -r >"$TMP/reverse.txt"
tar --posix --no-recursion -cf - -T "$TMP/reverse.txt" | zstd -q --long=30 -o "$TMP/rev.tzst"
zstd -dc --long=30 "$TMP/rev.tzst" | tar -tf - | head -n 1 | grep -qv '/$' && pass || fail "a file first"
expect_exit 0 "$BUNDLE" cache save --key rev --path deps --store "$st"
swap_blob "$st" rev "$TMP/rev.tzst"
rm -rf deps
expect_exit 0 "$BUNDLE" cache restore --key rev --path deps --store "$st"
assert_contains "$OUT" "cache restored from key 'rev'"
assert_eq "$(listing deps)" "$want" "reverse-ordered archive restored"

# memory: actions/cache's 1 GiB window against a 512 MiB limit is exit 4, or a
# miss with --on-error warn; a 2 GiB window (zstd --long=31) restores by default
expect_exit 0 "$BUNDLE" cache save --key gh --path deps --store "$st"
tar --posix -cf - deps | zstd -q -T0 --long=30 -o "$TMP/gh30.tzst"
swap_blob "$st" gh "$TMP/gh30.tzst"
rm -rf deps
expect_exit 4 "$BUNDLE" cache restore --key gh --path deps --store "$st" --max-memory 512MiB
assert_contains "$ERR" "the archive needs a zstd window of 1 GiB; --max-memory allows 512 MiB"
[[ ! -e deps ]] && pass || fail "nothing extracted"
expect_exit 0 "$BUNDLE" cache restore --key gh --path deps --store "$st" --max-memory 512MiB --on-error warn
assert_contains "$ERR" "needs a zstd window of 1 GiB"
assert_contains "$OUT" "cache not found"
SOAK_MAX_MEMORY=1GiB expect_exit 0 "$BUNDLE" cache restore --key gh --path deps --store "$st"
assert_eq "$(listing deps)" "$want" "1 GiB window within --max-memory 1GiB"
tar --posix -cf - deps | zstd -q -T0 --long=31 -o "$TMP/gh31.tzst"
assert_eq "$(window_of "$TMP/gh31.tzst")" 2147483648 "zstd --long=31"
swap_blob "$st" gh "$TMP/gh31.tzst"
rm -rf deps
expect_exit 0 "$BUNDLE" cache restore --key gh --path deps --store "$st"
assert_eq "$(listing deps)" "$want" "2 GiB window restored by default"
rm -rf deps
expect_exit 4 "$BUNDLE" cache restore --key gh --path deps --store "$st" --max-memory 1GiB
assert_contains "$ERR" "the archive needs a zstd window of 2 GiB; --max-memory allows 1 GiB"
finish
