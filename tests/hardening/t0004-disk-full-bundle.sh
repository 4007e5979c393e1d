#!/bin/bash
# Fault injection: soak-bundle release writes onto a full disk (a 2 MiB tmpfs).
# It exits 4 with a message naming the file and "No space left on device"; there
# is no half bundle: no bundle directory or archive at all, or (with --force over
# an earlier bundle) the earlier one, which still verifies; no temporary file left.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/hardening/lib-hardening.sh"
. "$SOAK_SRC/tests/soak-bundle/lib-bundle.sh"

mount_tmpfs mnt 2m
# libarchive's zip writer leaks its zlib stream when the disk fills (lsan.supp)
export LSAN_OPTIONS=suppressions=$SOAK_SRC/tests/hardening/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}

make_soak soak
make_repo repo
head -c 300000 /dev/urandom >soak/big.bin
rel=(release --src soak --repo repo --include big.bin -q)

# what a bundle is with room (on the normal disk)
expect_exit 0 "$BUNDLE" "${rel[@]}" --out ref --archive tar.gz
expect_exit 0 "$BUNDLE" verify ref
nref=$(find ref -type f | wc -l)

# nothing there before: nothing half there after
for archive in tar.gz zip; do
	for leave in 0 4000 60000 250000 450000 650000; do
		rm -rf mnt/* mnt/.fill
		fill_fs mnt "$leave"
		expect_exit 4 "$BUNDLE" "${rel[@]}" --out mnt/b --archive "$archive"
		assert_match "$ERR" "^soak-bundle: cannot [a-z]+ '[^']+'.*: No space left on device$"
		assert_no_file mnt/b
		assert_no_file "mnt/b.$archive"
		assert_eq "$(ls -A mnt)" .fill "what is left in the file system (room $leave, $archive)"
	done
done

# an earlier bundle, replaced with --force on a full disk: the earlier one stays whole
rm -rf mnt/* mnt/.fill
head -c 200000 /dev/urandom >soak/big.bin
expect_exit 0 "$BUNDLE" "${rel[@]}" --out mnt/b
tree_sums mnt/b >old.sums
head -c 300000 /dev/urandom >soak/big.bin
for leave in 0 5000 100000; do
	rm -f mnt/.fill
	fill_fs mnt "$leave"
	expect_exit 4 "$BUNDLE" "${rel[@]}" --out mnt/b --force
	assert_match "$ERR" "No space left on device$"
	assert_eq "$(tree_sums mnt/b | cmp -s - old.sums && echo same)" same "earlier bundle kept whole (room $leave)"
	assert_eq "$(ls -A mnt | sort | tr '\n' ' ')" ".fill b " "what is left in the file system"
done
rm -f mnt/.fill
expect_exit 0 "$BUNDLE" verify mnt/b
expect_exit 0 "$BUNDLE" "${rel[@]}" --out mnt/b --force
assert_eq "$(find mnt/b -type f | wc -l)" "$nref" "files in the bundle once there is room"
expect_exit 0 "$BUNDLE" verify mnt/b

finish
