# scripts/release-pack.sh: one archive per platform with the five programs under
# soak-action-PLATFORM/bin/, the same bytes from the same programs, and its line
# in SHA256SUMS added or replaced; clear errors for a missing program or an
# unknown platform.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/action/lib-action.sh"

PACK=$SOAK_SRC/scripts/release-pack.sh
progs=(soak-bundle soak-canary soak-clean soak-report soak-run)

# --- the build's programs as linux-x64: the archive's tree, modes, owners, times ---
expect_exit 0 "$PACK" linux-x64 "$SOAK_BIN" out
sum=$(sha256sum out/soak-action-linux-x64.tar.gz | cut -d' ' -f1)
assert_eq "$(cat "$OUT")" "$sum  $TMP/out/soak-action-linux-x64.tar.gz" "printed line"
assert_eq "$(cat out/SHA256SUMS)" "$sum  soak-action-linux-x64.tar.gz" "SHA256SUMS"
# sha256sum itself accepts the file
(cd out && sha256sum --check --strict SHA256SUMS) >check.txt 2>&1
assert_eq "$?" 0 "sha256sum --check"
tar -tvzf out/soak-action-linux-x64.tar.gz --numeric-owner --full-time >list.txt
expected=$(printf 'soak-action-linux-x64/\nsoak-action-linux-x64/README.md\nsoak-action-linux-x64/bin/\n'
	printf 'soak-action-linux-x64/bin/%s\n' "${progs[@]}")
assert_eq "$(awk '{ print $NF }' list.txt)" "$expected" "names, sorted, under soak-action-linux-x64/"
assert_eq "$(awk '{ print $1, $2, $4, $5 }' list.txt | sort -u)" \
	$'-rw-r--r-- 0/0 2000-01-01 00:00:00\n-rwxr-xr-x 0/0 2000-01-01 00:00:00\ndrwxr-xr-x 0/0 2000-01-01 00:00:00' \
	"modes, owner 0, fixed times"
# the programs inside are the build's, byte for byte, and run
mkdir x && tar -xzf out/soak-action-linux-x64.tar.gz -C x
for p in "${progs[@]}"; do
	expect_exit 0 cmp "$SOAK_BIN/$p" "x/soak-action-linux-x64/bin/$p"
done
expect_exit 0 x/soak-action-linux-x64/bin/soak-run --version
assert_contains "$OUT" "soak-run"
# no name or time in the gzip header (bytes 4-7 the time, flag 8 a name)
assert_eq "$(od -An -tx1 -j3 -N5 out/soak-action-linux-x64.tar.gz | tr -d ' ')" 0000000000 "gzip flags and time"

# --- the same programs give the same bytes: another copy, another umask, later ---
mkdir bin2
cp "$SOAK_BIN"/soak-* bin2/
touch -d '2030-01-01' bin2/*
chmod 0700 bin2/*
(umask 077 && "$PACK" linux-x64 bin2 out2 >/dev/null)
expect_exit 0 cmp out/soak-action-linux-x64.tar.gz out2/soak-action-linux-x64.tar.gz
# a changed program is another archive
printf 'x' >>bin2/soak-clean
expect_exit 0 "$PACK" linux-x64 bin2 out2
expect_exit 1 cmp -s out/soak-action-linux-x64.tar.gz out2/soak-action-linux-x64.tar.gz

# --- SHA256SUMS: a second platform added in name order, a repack replaces its line ---
mkdir winbin
for p in "${progs[@]}"; do cp "$SOAK_BIN/$p" "winbin/$p.exe"; done
expect_exit 0 "$PACK" windows-x64 winbin out
expect_exit 0 "$PACK" linux-arm64 "$SOAK_BIN" out
assert_eq "$(awk '{ print $2 }' out/SHA256SUMS)" \
	$'soak-action-linux-arm64.tar.gz\nsoak-action-linux-x64.tar.gz\nsoak-action-windows-x64.zip' "names in order"
expect_exit 0 "$PACK" linux-x64 bin2 out
assert_lines out/SHA256SUMS 3
assert_eq "$(awk '$2 == "soak-action-linux-x64.tar.gz" { print $1 }' out/SHA256SUMS)" \
	"$(sha256sum out/soak-action-linux-x64.tar.gz | cut -d' ' -f1)" "the replaced line"
(cd out && sha256sum --check --strict SHA256SUMS) >check.txt 2>&1
assert_eq "$?" 0 "sha256sum --check of three"
# the zip: .exe names, no directory entries, fixed times, the same bytes again
unzip -Z1 out/soak-action-windows-x64.zip >zip.txt
assert_eq "$(cat zip.txt)" "$(printf 'soak-action-windows-x64/README.md\n'
	printf 'soak-action-windows-x64/bin/%s.exe\n' "${progs[@]}")" "zip names"
assert_eq "$(unzip -Z -T out/soak-action-windows-x64.zip | awk '/^-/ { print $7 }' | sort -u)" 20000101.000000 "zip times"
bsdtar -xf out/soak-action-windows-x64.zip -C x
expect_exit 0 cmp "$SOAK_BIN/soak-report" x/soak-action-windows-x64/bin/soak-report.exe
expect_exit 0 "$PACK" windows-x64 winbin out3
expect_exit 0 cmp out/soak-action-windows-x64.zip out3/soak-action-windows-x64.zip
# SOURCE_DATE_EPOCH sets the time
SOURCE_DATE_EPOCH=1700000000 "$PACK" linux-x64 "$SOAK_BIN" out4 >/dev/null
tar -tvzf out4/soak-action-linux-x64.tar.gz --full-time >list4.txt
assert_contains list4.txt "2023-11-14 22:13:20"

# --- errors: usage, an unknown platform, a missing program, no directory ---
expect_exit 2 "$PACK" linux-x64 "$SOAK_BIN"
assert_contains "$ERR" "usage: release-pack.sh PLATFORM BINDIR OUTDIR"
expect_exit 2 "$PACK" freebsd-x64 "$SOAK_BIN" bad
assert_contains "$ERR" "release-pack.sh: unknown platform 'freebsd-x64' (one of linux-x64, linux-arm64, windows-x64, macos-arm64, macos-x64)"
rm bin2/soak-canary
expect_exit 3 "$PACK" macos-arm64 bin2 bad
assert_contains "$ERR" "release-pack.sh: 'bin2' has no soak-canary (the release needs soak-run soak-report soak-bundle soak-canary soak-clean)"
# windows-x64 needs the .exe names
expect_exit 3 "$PACK" windows-x64 "$SOAK_BIN" bad
assert_contains "$ERR" "has no soak-run.exe"
expect_exit 3 "$PACK" linux-x64 nowhere bad
assert_contains "$ERR" "'nowhere' is not a directory"
expect_exit 2 env SOURCE_DATE_EPOCH=yesterday "$PACK" linux-x64 "$SOAK_BIN" bad
assert_contains "$ERR" "SOURCE_DATE_EPOCH 'yesterday' is not a number"
# nothing was written by a refused call
assert_no_file bad

finish
