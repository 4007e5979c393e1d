# soak-bundle.exe cache under Wine: save and restore round trip of a tree with
# spaces and non-ASCII names, the workspace given as a Windows path (drive letter,
# backslashes) by --root or GITHUB_WORKSPACE; a miss with another key; and an entry
# saved by the Linux build restored by the Windows build with
# --enable-cross-os-archive (a miss without it: the version includes the OS).
. "$(dirname "$0")/lib.sh"

LINUX_BUNDLE=${SOAK_LINUX_BIN:-$SOAK_SRC/build/bin}/soak-bundle

# staging directories a restore left at the drive root (Z:\ is /) or in the test's tree
stray_staging()
{
	{
		ls -d /.soak-cache-restore-* 2>/dev/null
		find "$TMP" -name '.soak-cache-restore-*' 2>/dev/null
	} | LC_ALL=C sort
}
staging_before=$(stray_staging)

# make_tree DIR: "my deps" with spaces and non-ASCII names, a binary file, an empty file.
# These names stay within the ANSI code page (Windows-1252); the last checks
# below use names outside it.
make_tree()
{
	mkdir -p "$1/my deps/sub dir/données été" "$1/my deps/empty dir" || exit 1
	printf 'été\r\n' >"$1/my deps/été à.txt"
	head -c 100000 /dev/urandom >"$1/my deps/sub dir/señal blob.bin"
	: >"$1/my deps/sub dir/données été/vide.txt"
	printf 'plain\n' >"$1/my deps/a b.txt"
	touch -d '2020-01-02 03:04:05' "$1/my deps/a b.txt"
}

# same_tree A B: the files of A and B have the same names and bytes
same_tree()
{
	local what=$1 a=$2 b=$3 f ok=1
	if [[ $(cd "$a" && find . | LC_ALL=C sort) != "$(cd "$b" 2>/dev/null && find . | LC_ALL=C sort)" ]]; then
		fail "$what: the trees '$a' and '$b' differ in names"
		diff <(cd "$a" && find . | LC_ALL=C sort) <(cd "$b" 2>/dev/null && find . | LC_ALL=C sort) | head -n 10 | sed 's/^/    | /' >&2
		return 1
	fi
	while IFS= read -r -d '' f; do
		cmp -s "$a/$f" "$b/$f" || {
			ok=0
			fail "$what: '$f' differs"
		}
	done < <(cd "$a" && find . -type f -print0)
	((ok)) && pass
}

# saved KEY WHAT: the save of KEY said so (one check); else a FAIL naming the bug,
# and the caller skips what needs the entry
saved()
{
	if grep -qF -- "cache saved with key '$1'" "$OUT"; then
		pass
		return 0
	fi
	fail "$2: key '$1' not saved: $(head -n 1 "$ERR")"
	echo "FAIL (bug): $2 stored nothing (the restore checks of key '$1' were not run)" >&2
	return 1
}

ws=$UD/ws
make_tree "$ws"
cp -a "$ws/my deps" "$TMP/orig"
ROOT=$WUD\\ws
STORE=$WWD\\store

# --- save and restore, --root a Windows path ---
wrun 0 soak-bundle cache save --key k1 --root "$ROOT" --path 'my deps' --store "$STORE"
if saved k1 "soak-bundle.exe cache save --root '$ROOT' --path 'my deps'"; then
	assert_eq "$(find "$WD/store" -name '*.json' | wc -l)" 1 "entries in the store after one save"
	meta=$(find "$WD/store" -name 'k1.json' | head -n 1)
	assert_json "$meta" '.key == "k1" and .paths == ["my deps"] and .compression == "zstd" and .files >= 5 and .os == "windows"'
	rm -rf "$ws/my deps"
	wrun 0 soak-bundle cache restore --key k1 --root "$ROOT" --path 'my deps' --store "$STORE"
	assert_contains "$OUT" "cache restored from key 'k1'"
	same_tree "restore with --root" "$TMP/orig" "$ws/my deps"
	assert_eq "$(stat -c %Y "$ws/my deps/a b.txt" 2>/dev/null)" "$(date -d '2020-01-02 03:04:05' +%s)" "restored mtime"
fi

# --- a miss: another key (exit 0), --fail-on-cache-miss (exit 5); nothing written ---
rm -rf "$ws/my deps"
wrun 0 soak-bundle cache restore --key k2 --root "$ROOT" --path 'my deps' --store "$STORE"
assert_contains "$OUT" "cache not found for keys 'k2'"
assert_no_file "$ws/my deps"
wrun 5 soak-bundle cache restore --key k2 --restore-keys other- --root "$ROOT" --path 'my deps' --store "$STORE" --fail-on-cache-miss
assert_no_file "$ws/my deps"
# a restore key (a prefix) finds k1: not an exact hit, but restored
if [[ -n $(find "$WD/store" -name 'k1.json') ]]; then
	wrun 0 soak-bundle cache restore --key k2 --restore-keys k --root "$ROOT" --path 'my deps' --store "$STORE"
	assert_contains "$OUT" "cache restored from key 'k1'"
	same_tree "restore by a restore key" "$TMP/orig" "$ws/my deps"
fi

# --- the workspace from GITHUB_WORKSPACE, the current directory elsewhere ---
rm -rf "$ws"
make_tree "$ws"
cp -a "$ws/my deps/." "$TMP/orig2"
expect_exit 0 env GITHUB_WORKSPACE="$ROOT" "$W" "$SOAK_BIN/soak-bundle.exe" cache save --key gw --path 'my deps' --store "$STORE"
strip_wine "$ERR"
if saved gw "soak-bundle.exe cache save with GITHUB_WORKSPACE='$ROOT' --path 'my deps'"; then
	rm -rf "$ws/my deps"
	expect_exit 0 env GITHUB_WORKSPACE="$ROOT" "$W" "$SOAK_BIN/soak-bundle.exe" cache restore --key gw --path 'my deps' --store "$STORE"
	strip_wine "$ERR"
	assert_contains "$OUT" "cache restored from key 'gw'"
	same_tree "restore with GITHUB_WORKSPACE" "$TMP/orig2" "$ws/my deps"
fi

# --- the path itself absolute, drive letter and backslashes ---
wrun 0 soak-bundle cache save --key abs --root "$ROOT" --path "$ROOT\\my deps" --store "$STORE"
if saved abs "soak-bundle.exe cache save --path '$ROOT\\my deps'"; then
	rm -rf "$ws/my deps"
	wrun 0 soak-bundle cache restore --key abs --root "$ROOT" --path "$ROOT\\my deps" --store "$STORE"
	assert_contains "$OUT" "cache restored from key 'abs'"
	same_tree "restore of an absolute --path" "$TMP/orig2" "$ws/my deps"
fi

# --- interop: entries the Linux build saved, restored by the Windows build ---
if [[ ! -x $LINUX_BUNDLE ]]; then
	echo "skip: interop with the Linux build: no '$LINUX_BUNDLE' (set SOAK_LINUX_BIN)"
else
	lws=$TMP/linux-ws
	mkdir -p "$lws/my deps/sub dir"
	printf 'from linux\n' >"$lws/my deps/a b.txt"
	head -c 50000 /dev/urandom >"$lws/my deps/sub dir/data blob.bin"
	cp -a "$lws/my deps/." "$TMP/lorig"
	# ASCII names with spaces, cross-OS and not
	expect_exit 0 "$LINUX_BUNDLE" cache save --key lx --root "$lws" --path 'my deps' --store "$WD/xstore" --enable-cross-os-archive
	assert_contains "$OUT" "cache saved with key 'lx'"
	expect_exit 0 "$LINUX_BUNDLE" cache save --key lnx --root "$lws" --path 'my deps' --store "$WD/xstore"
	assert_json "$(find "$WD/xstore" -name lx.json)" '.os == "any"'
	assert_json "$(find "$WD/xstore" -name lnx.json)" '.os == "linux"'
	mkdir -p "$UD/ws2"
	ROOT2=$WUD\\ws2
	# without --enable-cross-os-archive: a miss (the versions differ)
	wrun 0 soak-bundle cache restore --key lx --root "$ROOT2" --path 'my deps' --store "$WWD\\xstore"
	assert_contains "$OUT" "cache not found for keys 'lx'"
	assert_no_file "$UD/ws2/my deps"
	# a Linux entry of the Linux OS is a miss even with the flag
	wrun 0 soak-bundle cache restore --key lnx --root "$ROOT2" --path 'my deps' --store "$WWD\\xstore" --enable-cross-os-archive
	assert_contains "$OUT" "cache not found for keys 'lnx'"
	assert_no_file "$UD/ws2/my deps"
	# with it: restored, byte for byte
	wrun 0 soak-bundle cache restore --key lx --root "$ROOT2" --path 'my deps' --store "$WWD\\xstore" --enable-cross-os-archive
	assert_contains "$OUT" "cache restored from key 'lx'"
	same_tree "Linux entry restored on Windows" "$TMP/lorig" "$UD/ws2/my deps"
	# the Windows build's cross-OS version of the same paths is the Linux one
	rm -rf "$UD/ws2/my deps" && cp -a "$TMP/lorig" "$UD/ws2/my deps"
	wrun 0 soak-bundle cache save --key wx --root "$ROOT2" --path 'my deps' --store "$WWD\\xstore" --enable-cross-os-archive
	if saved wx "soak-bundle.exe cache save --root '$ROOT2' --enable-cross-os-archive"; then
		assert_eq "$(jqv "$(find "$WD/xstore" -name wx.json)" .version)" \
			"$(jqv "$(find "$WD/xstore" -name lx.json)" .version)" "cross-OS version of the Windows and Linux builds"
		# and the Linux build restores it
		rm -rf "$lws/my deps"
		expect_exit 0 "$LINUX_BUNDLE" cache restore --key wx --root "$lws" --path 'my deps' --store "$WD/xstore" --enable-cross-os-archive
		assert_contains "$OUT" "cache restored from key 'wx'"
		same_tree "Windows entry restored on Linux" "$TMP/lorig" "$lws/my deps"
	fi

	# non-ASCII names saved by the Linux build
	lws=$TMP/linux-ws-utf8
	make_tree "$lws"
	expect_exit 0 "$LINUX_BUNDLE" cache save --key lu --root "$lws" --path 'my deps' --store "$WD/xstore" --enable-cross-os-archive
	if saved lu "the LINUX soak-bundle cache save of non-ASCII file names"; then
		mkdir -p "$UD/ws3"
		wrun 0 soak-bundle cache restore --key lu --root "$WUD\\ws3" --path 'my deps' --store "$WWD\\xstore" --enable-cross-os-archive
		assert_contains "$OUT" "cache restored from key 'lu'"
		same_tree "Linux entry with non-ASCII names restored on Windows" "$lws/my deps" "$UD/ws3/my deps"
	fi
fi

# --- no staging directory left anywhere (the drive root included) ---
staging_after=$(stray_staging)
left=$(comm -13 <(echo "$staging_before") <(echo "$staging_after") | grep .)
if [[ -z $left ]]; then
	pass
else
	fail "restore staging directories left behind: $(echo $left)"
	# remove those of this test (at the drive root: those holding a copy of its $TMP)
	while IFS= read -r d; do
		if [[ $d == "$TMP"/* ]] || [[ $d == /.soak-cache-restore-* && -d $d/Z_$TMP ]]; then
			rm -rf -- "$d"
		fi
	done <<<"$left"
fi

# --- names outside the ANSI code page (Chinese, Greek, an emoji beyond the BMP) ---
# libarchive 3.6.2 converts UTF-8 names through the ANSI code page on Windows;
# the toolkit hands it wide names and scripts/win-deps.sh fixes its pax writer's
# name check, so these names save, restore and cross to Linux and back.
make_wide_tree()
{
	mkdir -p "$1/wide/文件夹 α" || exit 1
	printf 'x\n' >"$1/wide/文件.txt"
	printf 'y\n' >"$1/wide/文件夹 α/Ωmega 😀.txt"
	printf 'z\n' >"$1/wide/plain.txt"
}
make_wide_tree "$UD/ws9"
wrun 0 soak-bundle cache save --key wide --root "$WUD\\ws9" --path wide --store "$WWD\\store9" --enable-cross-os-archive
assert_contains "$OUT" "cache saved with key 'wide'"
mkdir -p "$UD/ws10"
wrun 0 soak-bundle cache restore --key wide --root "$WUD\\ws10" --path wide --store "$WWD\\store9" --enable-cross-os-archive
assert_contains "$OUT" "cache restored from key 'wide'"
same_tree "names outside the code page, saved and restored on Windows" "$UD/ws9/wide" "$UD/ws10/wide"
if [[ -x $LINUX_BUNDLE ]]; then
	mkdir -p "$TMP/linux-ws-wide"
	expect_exit 0 "$LINUX_BUNDLE" cache restore --key wide --root "$TMP/linux-ws-wide" --path wide --store "$WD/store9" --enable-cross-os-archive
	same_tree "names outside the code page, saved on Windows, restored on Linux" "$UD/ws9/wide" "$TMP/linux-ws-wide/wide"
	make_wide_tree "$TMP/linux-ws-wide2"
	expect_exit 0 "$LINUX_BUNDLE" cache save --key lwide --root "$TMP/linux-ws-wide2" --path wide --store "$WD/store9" --enable-cross-os-archive
	mkdir -p "$UD/ws11"
	wrun 0 soak-bundle cache restore --key lwide --root "$WUD\\ws11" --path wide --store "$WWD\\store9" --enable-cross-os-archive
	same_tree "names outside the code page, saved on Linux, restored on Windows" "$TMP/linux-ws-wide2/wide" "$UD/ws11/wide"
fi

finish
