# soak-clean --compress-after: zstd and gzip streams the standard tools read back,
# the modification time and mode kept, the original gone only after the
# compressed file is in place, no temporary file left, an existing target never
# overwritten, compressed files never compressed again. soak-clean links
# libarchive but not libcurl.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/soak-clean/lib-clean.sh"

soak_dir z
seq 1 200000 >z/logs/iter-000001.log
touch -d '3 days ago' z/logs/iter-000001.log
chmod 640 z/logs/iter-000001.log
cp -p z/logs/iter-000001.log orig.log
mk z/logs/young.log 2000 '1 hour'
mk z/logs/done.log.gz 1000 '9 days'
mk z/empty.txt 0 '9 days'
mtime=$(stat -c %Y z/logs/iter-000001.log)
expect_exit 0 "$CLEAN" --compress-after 2d z
assert_no_file z/logs/iter-000001.log
assert_file z/logs/iter-000001.log.zst
if zstd -q -d -c z/logs/iter-000001.log.zst >back.log; then pass; else fail "zstd -d failed"; fi
if cmp -s back.log orig.log; then pass; else fail "zstd round trip differs"; fi
assert_eq "$(stat -c %Y z/logs/iter-000001.log.zst)" "$mtime" "mtime kept"
assert_eq "$(stat -c %a z/logs/iter-000001.log.zst)" 640 "mode kept"
zsize=$(stat -c %s z/logs/iter-000001.log.zst)
assert_num "$zsize" '<' $(($(stat -c %s orig.log) / 3)) "compressed size"
assert_contains "$OUT" "compress 'logs/iter-000001.log' (1.2 MiB -> " # 1288895 bytes
assert_file z/logs/young.log
assert_file z/logs/done.log.gz
assert_not_contains "$OUT" "done.log.gz"
assert_file z/empty.txt # under --compress-min (1 KiB): left as it is
assert_no_file z/empty.txt.zst
assert_eq "$(find z -name '*.tmp' | wc -l)" 0 "temporary files left"
# JSON has the exact compressed size
expect_exit 0 "$CLEAN" --compress-after 1s --json z
assert_jq_eq "$OUT" '[.actions[] | select(.action == "compress") | .path] | join(",")' "logs/young.log"
assert_jq_eq "$OUT" '.compressed.method' zstd

# gzip, and a dry run that knows the exact compressed size
soak_dir g
seq 1 100000 >g/a.log
seq 5 100000 >g/b.log
touch -d '3 days ago' g/a.log g/b.log
cp g/a.log a.orig
expect_exit 0 "$CLEAN" --dry-run --json --compression gzip --compress-after 2d g
dry=$(jq -c '[.actions[] | [.path, .to, .bytes, .compressed_bytes]]' "$OUT")
assert_file g/a.log
expect_exit 0 "$CLEAN" --json --compression gzip --compress-after 2d g
assert_eq "$(jq -c '[.actions[] | [.path, .to, .bytes, .compressed_bytes]]' "$OUT")" "$dry" "dry-run sizes"
assert_eq "$(stat -c %s g/a.log.gz)" "$(jq -r '.actions[0].compressed_bytes' "$OUT")" "size on disk"
if gzip -t g/a.log.gz && gzip -dc g/a.log.gz | cmp -s - a.orig; then pass; else fail "gzip round trip"; fi
assert_no_file g/a.log

# a target that exists is never overwritten: the file is left and the skip said
soak_dir x
mk x/c.log 5000 '3 days'
echo precious >x/c.log.zst
expect_exit 0 "$CLEAN" --compress-after 2d x
assert_file x/c.log
assert_eq "$(cat x/c.log.zst)" precious "existing target"
assert_contains "$OUT" "skip 'c.log': not compressed: 'c.log.zst' exists"
# ... unless this run removed it first (the same answer in a dry run)
touch -d '30 days ago' x/c.log.zst
expect_exit 0 "$CLEAN" --dry-run --max-age 20d --compress-after 2d x
cp "$OUT" dry.out
expect_exit 0 "$CLEAN" --max-age 20d --compress-after 2d x
assert_eq "$(cat "$OUT")" "$(cat dry.out)" "dry run with a freed target"
assert_contains "$OUT" "compress 'c.log'"
assert_no_file x/c.log
assert_eq "$(head -c 4 x/c.log.zst | od -An -tx1 | tr -d ' ')" 28b52ffd "zstd magic"

# an unreadable file: the action fails (exit 4), the rest goes on, the original stays
if [[ $(id -u) == 0 ]]; then
	echo "skip: running as root, an unreadable file cannot be made" >&2
else
	soak_dir u
	mk u/a.log 2000 '3 days'
	mk u/b.log 2000 '3 days'
	chmod 000 u/a.log
	expect_exit 4 "$CLEAN" --compress-after 2d u
	assert_file u/a.log
	assert_file u/b.log.zst
	assert_contains "$ERR" "1 of 2 actions failed"
fi
# a directory that cannot be written: the removal fails with exit 4, named
soak_dir w
mk w/logs/a.log 100 '3 days'
chattr +i w/logs 2>/dev/null && immutable=1 || immutable=0
if ((immutable)); then
	expect_exit 4 "$CLEAN" --max-age 1d w
	chattr -i w/logs
	assert_file w/logs/a.log
	assert_contains "$OUT" "remove 'logs/a.log' (100 B): older than --max-age 1d: failed: cannot remove 'logs/a.log': Operation not permitted"
	assert_contains "$ERR" "soak-clean: 1 of 1 actions failed"
else
	echo "skip: chattr +i not possible here" >&2
fi

# a file that would not get smaller stays as it is; files under --compress-min
# are not compressed (default 1 KiB)
soak_dir s
head -c 80 /dev/urandom | base64 -w0 | head -c 80 >s/small.log # varied text: zstd adds bytes
touch -d '3 days ago' s/small.log
head -c 4000 /dev/urandom >s/random.bin
touch -d '3 days ago' s/random.bin
mk s/big.log 4000 '3 days'
expect_exit 0 "$CLEAN" --compress-after 2d --json s
assert_jq_eq "$OUT" '[.actions[] | select(.action == "compress") | .path] | join(",")' "big.log"
assert_eq "$(stat -c %s s/small.log)" 80 "small file untouched"
assert_eq "$(stat -c %s s/random.bin)" 4000 "incompressible file untouched"
assert_no_file s/small.log.zst
assert_no_file s/random.bin.zst
assert_file s/big.log.zst
# --compress-min 0: the small file is tried, and kept because zstd would make it bigger
expect_exit 0 "$CLEAN" --compress-after 2d --compress-min 0 --json s
assert_jq_eq "$OUT" '[.actions[] | select(.action == "compress")] | length' 0
assert_eq "$(stat -c %s s/small.log)" 80 "small file untouched"
assert_no_file s/small.log.zst
# a small compressible file is compressed with --compress-min 0
mk s/small2.log 300 '3 days'
expect_exit 0 "$CLEAN" --compress-after 2d --compress-min 0 s
assert_file s/small2.log.zst
assert_no_file s/small2.log
expect_exit 2 "$CLEAN" --compress-after 2d --compress-min lots s

# heavy dependencies only where used
if ldd "$CLEAN" | grep -q libcurl; then fail "soak-clean links libcurl"; else pass; fi
if ldd "$CLEAN" | grep -q libarchive; then pass; else fail "soak-clean does not link libarchive"; fi

finish
