# soak-bundle cache restore checks the archive's SHA-256 before it extracts and
# makes symbolic links last: an intact archive that does not match its checksum
# is a miss that leaves the target untouched; a later entry at a
# link's path replaces the link, a link after a file replaces the file, as in
# archive order; nothing goes through a link, also by a hard link's target;
# directories holding links keep their times; a file of the archive over a
# non-empty directory is found before anything moves; a stream that ends on a
# chunk boundary is whole.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/soak-bundle-cache/lib-cache.sh"

hostile_setup

# an intact archive, its metadata's SHA-256 one digit off: everything extracts,
# nothing is moved into place
m=$(meta_of "$st" k)
sum=$(jq -r .sha256 "$m")
bad=$(printf '%s' "$sum" | sed 's/^./'"$([[ ${sum:0:1} == 0 ]] && echo 1 || echo 0)"'/')
jq --arg s "$bad" '.sha256 = $s' "$m" >"$m.new" && mv "$m.new" "$m"
printf 'changed\n' >"$TMP/changed"
check_miss "checksum of an intact archive" "the archive's SHA-256 is $sum, its metadata says $bad"

# build ARCHIVE ENTRY...: a pax tar + zstd of entries "kind:name[:target]"
# (file, dir, link = symbolic, hard), saved as $TMP/o.tar.zst
build()
{
	python3 - "$@" >"$TMP/o.tar" <<'PY' || return 1
import io, sys, tarfile
t = tarfile.open(fileobj=sys.stdout.buffer, mode="w|", format=tarfile.PAX_FORMAT)
for spec in sys.argv[1:]:
    kind, name, *rest = spec.split(":")
    i = tarfile.TarInfo(name)
    i.mtime = 1600000000
    data = b""
    if kind == "file":
        data = (rest[0] if rest else name).encode() + b"\n"
        i.size = len(data)
    elif kind == "dir":
        i.type, i.mode = tarfile.DIRTYPE, 0o755
    elif kind == "link":
        i.type, i.linkname = tarfile.SYMTYPE, rest[0]
    elif kind == "hard":
        i.type, i.linkname = tarfile.LNKTYPE, rest[0]
    t.addfile(i, io.BytesIO(data))
t.close()
PY
	zstd -q -f -3 "$TMP/o.tar" -o "$TMP/o.tar.zst"
}

# order: a file after a link at its path, a link after a file at its path
build dir:deps link:deps/l1:a.txt file:deps/l1:plain file:deps/f1 link:deps/f1:a.txt \
	dir:deps/sub link:deps/sub/up:../a.txt file:deps/a.txt:alpha
swap_blob "$st" k "$TMP/o.tar.zst"
expect_exit 0 "$BUNDLE" cache restore --key k --path deps --store "$st"
assert_contains "$OUT" "cache restored from key 'k'"
[[ -f deps/l1 && ! -L deps/l1 ]] && pass || fail "deps/l1 should be the file that came after the link"
assert_eq "$(cat deps/l1)" plain "deps/l1"
assert_eq "$(readlink deps/f1)" a.txt "deps/f1 is the link that came after the file"
assert_eq "$(cat deps/sub/up)" alpha "a relative link in a subdirectory"
assert_eq "$(stat -c %Y deps/sub)" 1600000000 "a directory holding a link keeps its time"
assert_eq "$(stat -c %Y deps)" 1600000000 "the target keeps its time"

# through a pending link: a file, and a hard link's target
rm -rf deps && mkdir deps && printf 'alpha\n' >deps/a.txt
before=$(listing deps)
build file:deps/a.txt "link:deps/out:$TMP/outside" hard:deps/h:deps/out/x
swap_blob "$st" k "$TMP/o.tar.zst"
check_miss "hard link through a link" "cannot extract 'deps/h': Cannot extract through symlink"
build file:deps/a.txt "link:deps/out:$TMP/outside" dir:deps/out/d
swap_blob "$st" k "$TMP/o.tar.zst"
check_miss "directory through a link" "cannot extract 'deps/out/d/': Cannot extract through symlink"
# a link where the tree has a directory (the entries under it came first)
build file:deps/a.txt file:deps/d/x "link:deps/d:$TMP/outside"
swap_blob "$st" k "$TMP/o.tar.zst"
check_miss "link over a directory" "refused: 'deps/d' is a symbolic link where the archive has a directory"
# a link under a link made before it
build file:deps/a.txt "link:deps/o:$TMP/outside" link:deps/o/x:/etc/passwd
swap_blob "$st" k "$TMP/o.tar.zst"
check_miss "link through a link" "cannot extract 'deps/o/x': Cannot extract through symlink"
# a file of the archive where the workspace has a directory that is not empty:
# found before anything moves, a miss; the workspace as it was
rm -rf deps && mkdir -p deps/m && printf 'alpha\n' >deps/a.txt && printf 'keep\n' >deps/m/inner
before=$(listing deps)
build file:deps/a.txt:NEW file:deps/b.txt:NEW file:deps/m:NEW file:deps/z.txt:NEW
swap_blob "$st" k "$TMP/o.tar.zst"
check_miss "file over a directory" "deps/m' is a file in the archive and a directory that is not empty in the workspace"
assert_no_file deps/b.txt
assert_eq "$(cat deps/m/inner)" keep "the directory stays whole"
# an empty directory there is replaced, as tar would
rmdir deps/m/inner 2>/dev/null; rm -f deps/m/inner
expect_exit 0 "$BUNDLE" cache restore --key k --path deps --store "$st"
assert_eq "$(cat deps/m deps/z.txt)" $'NEW\nNEW' "file over an empty directory"

# a zstd stream whose tar (without end-of-archive blocks) fills whole 256 KiB
# chunks: not mistaken for a truncated one
rm -rf deps && mkdir deps
python3 - >"$TMP/o.tar" <<'PY'
import sys, tarfile
n = 262144 - 512
i = tarfile.TarInfo("deps/big"); i.size = n; i.mtime = 1600000000
sys.stdout.buffer.write(i.tobuf(tarfile.USTAR_FORMAT) + b"x" * n)
PY
zstd -q -f "$TMP/o.tar" -o "$TMP/o.tar.zst"
swap_blob "$st" k "$TMP/o.tar.zst"
expect_exit 0 "$BUNDLE" cache restore --key k --path deps --store "$st"
assert_eq "$(stat -c %s deps/big)" 261632 "a stream ending on a chunk boundary"
finish
