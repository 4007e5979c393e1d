#!/bin/bash
# The archives read by the tools a user has: GNU tar (gzip, zstd), bsdtar (all three
# formats), unzip; gzip -t, zstd -t and unzip -t find them clean, and every extracted
# bundle passes sha256sum -c and soak-bundle verify.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-bundle/lib-bundle.sh"

make_soak soak
make_repo repo
mkdir -p soak/overrides
echo '{"pool": 4}' >soak/overrides/runtime.json
for fmt in tar.gz tar.zst zip; do
	expect_exit 0 "$BUNDLE" release -q --src soak --out "$fmt/rel" --repo repo \
		--include 'overrides/*' --archive "$fmt"
	assert_file "$fmt/rel.$fmt"
done

check_tree()
{ # check_tree DIR WHAT: the extracted bundle is complete and intact
	local out
	out=$(cd "$1" && sha256sum -c --strict SHA256SUMS 2>&1)
	assert_eq "$?" 0 "$2: sha256sum -c"
	assert_eq "$(grep -c ': OK$' <<<"$out")" 9 "$2: files checked"
	expect_exit 0 "$BUNDLE" verify "$1"
	assert_contains "$1/overrides/runtime.json" '"pool": 4'
}

gzip -t tar.gz/rel.tar.gz 2>gz.err
assert_eq "$?" 0 "gzip -t"
assert_eq "$(cat gz.err)" "" "gzip -t has nothing to say (no trailing garbage)"
zstd -q -t tar.zst/rel.tar.zst 2>zs.err
assert_eq "$?" 0 "zstd -t"
unzip -tq zip/rel.zip >uz.out 2>&1
assert_eq "$?" 0 "unzip -t"
assert_contains uz.out "No errors detected"

# GNU tar
mkdir gnu-gz gnu-zst
tar -xzf tar.gz/rel.tar.gz -C gnu-gz 2>tar.err
assert_eq "$?" 0 "GNU tar -xz"
assert_eq "$(cat tar.err)" "" "GNU tar has no warnings"
check_tree gnu-gz/rel "GNU tar, tar.gz"
tar --zstd -xf tar.zst/rel.tar.zst -C gnu-zst
assert_eq "$?" 0 "GNU tar --zstd"
check_tree gnu-zst/rel "GNU tar, tar.zst"
# bsdtar reads all three
for fmt in tar.gz tar.zst zip; do
	mkdir "bsd-$fmt"
	bsdtar -xf "$fmt/rel.$fmt" -C "bsd-$fmt" 2>bsd.err
	assert_eq "$?" 0 "bsdtar -x $fmt"
	assert_eq "$(cat bsd.err)" "" "bsdtar $fmt has no warnings"
	check_tree "bsd-$fmt/rel" "bsdtar, $fmt"
done
# unzip
mkdir uz
unzip -q zip/rel.zip -d uz
assert_eq "$?" 0 "unzip"
check_tree uz/rel "unzip"
assert_eq "$(stat -c %a uz/rel/MANIFEST.json)" 644 "unzip: mode"
# the three archives carry the same files with the same hashes
assert_eq "$(cat bsd-zip/rel/SHA256SUMS)" "$(cat gnu-gz/rel/SHA256SUMS)" "zip = tar.gz"
assert_eq "$(cat gnu-zst/rel/SHA256SUMS)" "$(cat gnu-gz/rel/SHA256SUMS)" "tar.zst = tar.gz"
# the archive of an uncompressed tar is plain ustar/pax that tar reads too
expect_exit 0 "$BUNDLE" release -q --src soak --out plain/rel --repo repo --archive tar \
	--include "overrides/*"
mkdir gnu-tar
tar -xf plain/rel.tar -C gnu-tar
assert_eq "$?" 0 "GNU tar -x plain"
check_tree gnu-tar/rel "GNU tar, tar"
finish
