# soak-bundle cache restore against hostile and damaged entries: '..', absolute
# paths, writes through symlinks, hard links out, devices and fifos, size and
# ratio bombs, checksum mismatches, truncation, garbage, bad metadata. Each is
# a miss with a warning (exit 0; 5 with --fail-on-cache-miss), nothing is
# written outside, and the target is left exactly as it was.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/soak-bundle-cache/lib-cache.sh"

ws=$TMP/ws
st=$TMP/store
mkdir -p "$ws/deps" "$TMP/outside"
cd "$ws" || exit 1
printf 'alpha\n' >deps/a.txt
printf 'secret\n' >"$TMP/secret"
expect_exit 0 "$BUNDLE" cache save --key k --path deps --store "$st"
good=$TMP/good.tar.zst
cp "$(blob_of "$st" k)" "$good"
before=$(listing deps)

# hostile NAME: an archive (pax tar + zstd) that first overwrites deps/a.txt, then does NAME
hostile()
{
	python3 - "$1" "$TMP" >"$TMP/h.tar" <<'PY' || return 1
import io, sys, tarfile
kind, tmp = sys.argv[1], sys.argv[2]
t = tarfile.open(fileobj=sys.stdout.buffer, mode="w|", format=tarfile.PAX_FORMAT)
def add(name, data=b"HOSTILE\n", **kw):
    i = tarfile.TarInfo(name)
    for k, v in kw.items():
        setattr(i, k, v)
    if i.type in (tarfile.REGTYPE, tarfile.AREGTYPE):
        i.size = len(data)
        t.addfile(i, io.BytesIO(data))
    else:
        t.addfile(i)
add("deps/a.txt")
if kind == "dotdot":
    add("deps/../../escape.txt")
elif kind == "dotdot2":
    add("../escape.txt")
elif kind == "absolute":
    add(tmp + "/abs.txt")
elif kind == "symlink-abs":
    add("deps/evil", type=tarfile.SYMTYPE, linkname=tmp + "/outside")
    add("deps/evil/pwned")
elif kind == "symlink-rel":
    add("deps/up", type=tarfile.SYMTYPE, linkname="../..")
    add("deps/up/pwned")
elif kind == "symlink-over":
    add("deps/evil", type=tarfile.SYMTYPE, linkname=tmp + "/secret")
    add("deps/evil", data=b"OVERWRITTEN\n", type=tarfile.LNKTYPE, linkname="deps/evil")
elif kind == "hardlink-out":
    add("deps/h", type=tarfile.LNKTYPE, linkname="../secret")
elif kind == "hardlink-symlink":
    add("deps/s", type=tarfile.SYMTYPE, linkname=tmp + "/secret")
    add("deps/h", data=b"OVERWRITTEN\n", type=tarfile.LNKTYPE, linkname="deps/s")
elif kind == "hardlink-abs":
    add("deps/h", type=tarfile.LNKTYPE, linkname=tmp + "/secret")
elif kind == "device":
    add("deps/null", type=tarfile.CHRTYPE, devmajor=1, devminor=3)
elif kind == "fifo":
    add("deps/fifo", type=tarfile.FIFOTYPE)
elif kind == "bomb":
    i = tarfile.TarInfo("deps/zeros")
    i.size = 64 << 20
    t.addfile(i, io.BytesIO(bytes(i.size)))
t.close()
PY
	zstd -q -f -3 "$TMP/h.tar" -o "$TMP/h.tar.zst"
}

# check_miss WHAT MESSAGE [ARGS]: restore gives a miss with the warning, target untouched
check_miss()
{
	local what=$1 msg=$2
	shift 2
	expect_exit 0 "$BUNDLE" cache restore --key k --path deps --store "$st" "$@"
	assert_contains "$ERR" "soak-bundle: warning: cache entry 'k' in '$st' cannot be restored: "
	assert_contains "$ERR" "$msg"
	assert_contains "$ERR" "; treated as a miss"
	assert_contains "$OUT" "cache not found for keys 'k'"
	assert_eq "$(listing deps)" "$before" "$what: target untouched"
	assert_eq "$(cat deps/a.txt)" alpha "$what: deps/a.txt"
	assert_eq "$(cat "$TMP/secret")" secret "$what: file outside"
	assert_eq "$(find "$TMP" -path "$ws" -prune -o \( -name escape.txt -o -name abs.txt -o -name pwned \) -print | wc -l)" 0 "$what: nothing written outside"
	assert_eq "$(ls -A "$TMP/outside" | wc -l)" 0 "$what: outside dir empty"
	assert_eq "$(find "$TMP" -name '.soak-cache-restore-*' | wc -l)" 0 "$what: no staging left"
}

for kind in dotdot dotdot2 absolute symlink-abs symlink-rel symlink-over hardlink-out hardlink-abs hardlink-symlink device fifo; do
	hostile "$kind" || fail "cannot build the $kind archive"
	swap_blob "$st" k "$TMP/h.tar.zst"
	case $kind in
	dotdot) msg="refused: 'deps/../../escape.txt' lies outside the cache paths" ;;
	dotdot2) msg="refused: '../escape.txt' lies outside the cache paths" ;;
	absolute) msg="is an absolute path" ;;
	symlink-abs) msg="cannot extract 'deps/evil/pwned': Cannot extract through symlink" ;;
	symlink-rel) msg="cannot extract 'deps/up/pwned': Cannot extract through symlink" ;;
	hardlink-out) msg="'../secret' lies outside the cache paths" ;;
	hardlink-abs) msg="secret' is an absolute path" ;;
	hardlink-symlink) msg="cannot extract 'deps/h'" ;;
	device | fifo) msg="is a device, fifo or socket" ;;
	esac
	[[ $kind == symlink-over ]] && msg="cannot extract 'deps/evil': Skipping hardlink pointing to itself"
	check_miss "$kind" "$msg"
done

# decompression bombs: past --max-size, and past --max-ratio (64 MiB of zeros is ~2 KiB)
hostile bomb
swap_blob "$st" k "$TMP/h.tar.zst"
check_miss "size bomb" "the files pass the limit of 10000000 bytes (--max-size)" --max-size 10MB
check_miss "ratio bomb" "is a ratio above 1000 (--max-ratio)"
expect_exit 0 "$BUNDLE" cache restore --key k --path deps --store "$st" --max-ratio 1000000 --lookup-only
assert_contains "$OUT" "cache found with key 'k'"

# a flipped byte: the checksum catches it before anything is extracted
cp "$good" "$(blob_of "$st" k)"
sum=$(sha256sum "$good" | cut -d' ' -f1)
m=$(meta_of "$st" k)
jq --arg s "$sum" --argjson n "$(stat -c %s "$good")" '.sha256 = $s | .size = $n' "$m" >"$m.new" && mv "$m.new" "$m"
printf '\xff' | dd of="$(blob_of "$st" k)" bs=1 seek=40 conv=notrunc status=none
check_miss "flipped byte" "the archive's SHA-256 is "
expect_exit 5 "$BUNDLE" cache restore --key k --path deps --store "$st" --fail-on-cache-miss
assert_contains "$ERR" "cache not found for keys 'k' (--fail-on-cache-miss)"

# truncated (the metadata agreeing, so the stream itself must tell)
head -c $(($(stat -c %s "$good") / 2)) "$good" >"$TMP/half.zst"
swap_blob "$st" k "$TMP/half.zst"
check_miss "truncated" "truncated"
# a size that disagrees with the metadata
cp "$good" "$(blob_of "$st" k)" && printf 'x' >>"$(blob_of "$st" k)"
check_miss "longer than recorded" "is not a file of at most $(jq .size "$(meta_of "$st" k)") bytes"
# garbage
head -c 5000 /dev/urandom >"$TMP/garbage"
swap_blob "$st" k "$TMP/garbage"
check_miss "garbage" "not an archive"
# the archive is gone
rm -f "$(blob_of "$st" k)"
check_miss "missing archive" "is missing"
# metadata that is no JSON: ignored with a warning
printf '{not json' >"$(meta_of "$st" k)"
expect_exit 0 "$BUNDLE" cache restore --key k --path deps --store "$st"
assert_contains "$ERR" "warning: cache entry '"
assert_contains "$ERR" "metadata: JSON syntax error at line 1, column 3; ignored"
assert_contains "$OUT" "cache not found for keys 'k'"
assert_eq "$(listing deps)" "$before" "bad metadata: target untouched"
finish
