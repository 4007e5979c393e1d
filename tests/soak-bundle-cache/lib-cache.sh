# Helpers for the soak-bundle cache tests (sourced after ../lib.sh).
BUNDLE=$SOAK_BIN/soak-bundle
export HOME=$TMP/home
mkdir -p "$HOME"

# meta_of STORE KEY: the metadata file of KEY (a short key) in a local store.
meta_of()
{
	local f
	for f in "$1"/soak-cache-v1/*/"$2".json; do
		[[ -f $f ]] && printf '%s\n' "$f" && return 0
	done
	return 1
}

# blob_of STORE KEY: the archive file of KEY in a local store.
blob_of()
{
	local m
	m=$(meta_of "$1" "$2") || return 1
	printf '%s/soak-cache-v1/%s\n' "$1" "$(jq -r .archive "$m")"
}

# swap_blob STORE KEY FILE: make FILE the entry's archive, metadata updated to match
# (so only what is inside the archive can be wrong).
swap_blob()
{
	local m b sum size
	m=$(meta_of "$1" "$2") || return 1
	b=$(blob_of "$1" "$2") || return 1
	cp "$3" "$b" || return 1
	sum=$(sha256sum "$3" | cut -d' ' -f1)
	size=$(stat -c %s "$3")
	jq --arg s "$sum" --argjson n "$size" '.sha256 = $s | .size = $n' "$m" >"$m.new" && mv "$m.new" "$m"
}

# tree_listing DIR: type, mode, size, mtime and link target of everything under DIR.
tree_listing()
{
	(cd "$1" && find . -mindepth 1 -printf '%y %m %s %T@ %p -> %l\n' | sed 's/ [0-9]*[.][0-9]*\( [.]\/\)/ DIRTIME\1/;' | LC_ALL=C sort)
}

# listing_no_dir_times DIR: as tree_listing, without directory mtimes (they change on extraction order).
listing()
{
	(cd "$1" && find . -mindepth 1 \( -type d -printf '%y %m %p\n' \) -o \( -printf '%y %m %s %T@ %p -> %l\n' \) | LC_ALL=C sort)
}

# free_port: a free TCP port on 127.0.0.1.
free_port()
{
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# hostile NAME (tests of hostile entries): writes $TMP/h.tar.zst, an archive (pax tar + zstd) that first overwrites deps/a.txt, then does NAME
# hostile_setup: in a fresh workspace $ws (made the current directory), deps/a.txt
# saved as key k in the store $st; $good is a copy of that entry's archive and
# $before the listing of deps, for checking that a failed restore left it alone.
hostile_setup()
{
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
}

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
    i.size = 24 << 20
    t.addfile(i, io.BytesIO(bytes(i.size)))
t.close()
PY
	zstd -q -f -3 "$TMP/h.tar" -o "$TMP/h.tar.zst"
}

# check_miss WHAT MESSAGE [ARGS]: restore gives a miss with the warning, target untouched
check_miss()
{
	local what=$1 msg=$2 times
	shift 2
	times=$(stat -c '%n %y' . deps)
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
	# the staging directory came and went: the workspace's own times are as they were
	assert_eq "$(stat -c '%n %y' . deps)" "$times" "$what: workspace times"
}

