# soak-bundle cache restore against damaged entries: size and ratio bombs, a
# checksum mismatch, truncation, a size that disagrees, garbage, a missing archive,
# bad metadata. Each is a miss with a warning (exit 0; 5 with --fail-on-cache-miss)
# and the target is left exactly as it was.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/soak-bundle-cache/lib-cache.sh"

hostile_setup

# decompression bombs: past --max-size, and past --max-ratio (24 MiB of zeros is ~1 KiB)
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
