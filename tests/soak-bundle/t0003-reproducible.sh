#!/bin/bash
# soak-bundle release, point 3: byte-for-byte reproducible archives. The same
# inputs, built at different times, with different umasks, from copies of the
# source with other file times and paths, give identical bytes; entries sorted,
# mtime from SOURCE_DATE_EPOCH or the commit, owners 0/0 by number, modes 0644/0755,
# no atime/ctime, no timestamp or name in the gzip header.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-bundle/lib-bundle.sh"

make_repo repo
write_reports one/src PASS
LONG=$(printf 'deep%.0s' {1..30})/$(printf 'name%.0s' {1..30})
mkdir -p "one/src/extra/$LONG"
echo nested >"one/src/extra/$LONG/file-with-a-long-path.txt"
printf '#!/bin/sh\n' >one/src/extra/run.sh
chmod 755 one/src/extra/run.sh
echo 'a=1' >one/src/extra/a.conf
# a second copy elsewhere, with other file times and modes
mkdir two
cp -r one/src two/src
touch -d '2001-02-03 04:05:06' two/src/* two/src/extra/a.conf
chmod 600 two/src/extra/a.conf

build()
{ # build WHICH UMASK FORMAT [env...]: release from WHICH/src into WHICH/FORMAT/bundle
	local which=$1 um=$2 fmt=$3
	shift 3
	(umask "$um" && env "$@" "$BUNDLE" release -q --src "$which/src" --out "$which/$fmt/bundle" \
		--repo repo --include extra --archive "$fmt") >>build.log 2>&1
}

for fmt in tar.gz tar.zst zip; do
	build one 022 "$fmt" SOURCE_DATE_EPOCH=1700000000
	assert_eq "$?" 0 "first $fmt build"
	sleep 1
	build two 077 "$fmt" SOURCE_DATE_EPOCH=1700000000 TZ=Asia/Tokyo
	assert_eq "$?" 0 "second $fmt build"
	h1=$(sha256sum <"one/$fmt/bundle.$fmt")
	h2=$(sha256sum <"two/$fmt/bundle.$fmt")
	assert_eq "$h2" "$h1" "$fmt archives built 1 s apart are identical"
	assert_eq "$(cat two/$fmt/bundle/SHA256SUMS)" "$(cat one/$fmt/bundle/SHA256SUMS)" "$fmt SHA256SUMS"
done
# another epoch gives other bytes (the comparison above can fail)
rm -rf one/tar.gz
build one 022 tar.gz SOURCE_DATE_EPOCH=1700000001
assert_num "$(cmp -s one/tar.gz/bundle.tar.gz two/tar.gz/bundle.tar.gz; echo $?)" == 1 "other epoch, other bytes"

A=two/tar.gz/bundle.tar.gz
# gzip header: no FNAME flag, MTIME 0 (bytes 3 to 7)
assert_eq "$(od -A n -t x1 -j 3 -N 5 "$A" | tr -d ' ')" 0000000000 "gzip flags and mtime"
# the listing: sorted, numeric 0/0 owners, normalized modes, mtime = SOURCE_DATE_EPOCH
tar --numeric-owner --full-time -tvzf "$A" >list
assert_eq "$(awk '{print $6}' list | tr '\n' ' ')" \
	"$(awk '{print $6}' list | LC_ALL=C sort | tr '\n' ' ')" "entries sorted"
assert_eq "$(awk '{print $6}' list | head -n 3 | tr '\n' ' ')" \
	"bundle/ bundle/CHANGELOG.md bundle/FAILURES.md " "first entries"
assert_eq "$(awk '{print $2}' list | sort -u | tr '\n' ' ')" "0/0 " "owners"
assert_eq "$(awk '{print $4" "$5}' list | sort -u)" "2023-11-14 22:13:20" "mtimes"
assert_eq "$(grep -c '^drwxr-xr-x ' list)" "$(grep -c '/$' list)" "directories 0755"
assert_match list '^-rwxr-xr-x 0/0 .* bundle/extra/run\.sh$'
assert_match list '^-rw-r--r-- 0/0 .* bundle/extra/a\.conf$'
assert_eq "$(grep -c -v -E '^(-rw-r--r--|-rwxr-xr-x|drwxr-xr-x) ' list)" 0 "no other modes"
assert_contains list "bundle/extra/$LONG/file-with-a-long-path.txt"
# owner names are empty (numeric only), no atime/ctime pax records
tar -tvzf "$A" | awk '{print $2}' | sort -u >owners
assert_eq "$(cat owners)" "0/0" "no owner names"
zcat "$A" >raw.tar
assert_eq "$(grep -a -c -E '[0-9]+ (atime|ctime|mtime)=' raw.tar)" 0 "no time records in pax headers"
assert_num "$(grep -a -c -E '[0-9]+ path=' raw.tar)" '>=' 1 "the long path needs a pax header"
# the zstd and zip archives hold the same files and times
tar --zstd --full-time -tvf two/tar.zst/bundle.tar.zst | awk '{print $4" "$5}' | sort -u >zt
assert_eq "$(cat zt)" "2023-11-14 22:13:20" "tar.zst mtimes"
# the bundle directory's files carry the epoch too, and normalized modes
assert_eq "$(stat -c %Y two/tar.gz/bundle/MANIFEST.json)" 1700000000 "directory file mtime"
assert_eq "$(stat -c %Y two/tar.gz/bundle/extra)" 1700000000 "directory mtime"
assert_eq "$(stat -c %a two/tar.gz/bundle/extra/a.conf)" 644 "0600 normalized to 0644"
assert_eq "$(stat -c %a two/tar.gz/bundle)" 755 "top directory mode under umask 077"

# --- without SOURCE_DATE_EPOCH: the commit time, still reproducible ---
rm -rf one/tar.zst two/tar.zst
build one 022 tar.zst
sleep 1
build two 027 tar.zst
assert_eq "$(sha256sum <two/tar.zst/bundle.tar.zst)" "$(sha256sum <one/tar.zst/bundle.tar.zst)" \
	"commit-time archives identical"
tar --zstd --full-time --numeric-owner -tvf two/tar.zst/bundle.tar.zst | awk '{print $4" "$5}' | sort -u >ct
assert_eq "$(cat ct)" "2023-11-14 22:21:40" "mtime = commit time 1700000500"
assert_jq_eq two/tar.zst/bundle/MANIFEST.json .created 2023-11-14T22:21:40.000Z
finish
