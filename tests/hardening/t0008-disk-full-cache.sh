#!/bin/bash
# Fault injection: soak-bundle cache on a full disk (a 4 MiB tmpfs). A save into a
# store that fills up exits 4 with "No space left on device" and leaves no entry
# and no temporary file; a restore into a workspace that fills up exits 4 and
# leaves the workspace as it was, with no staging directory. With --on-error warn
# both go on with a warning, as actions/cache does.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/hardening/lib-hardening.sh"
. "$SOAK_SRC/tests/soak-bundle-cache/lib-cache.sh"

mount_tmpfs mnt 4m

# 3 MiB that do not compress, in files of 100 KiB, and a few small ones
mkdir -p ws/deps/big ws/deps/small
for i in $(seq 30); do head -c 102400 /dev/urandom >"ws/deps/big/f$i"; done
for i in $(seq 20); do printf 'small %s\n' "$i" >"ws/deps/small/s$i"; done

# --- save into a store that fills up, at several points of the archive ---
for leave in 0 200000 1500000 2800000; do
	rm -rf mnt/* mnt/.fill
	fill_fs mnt "$leave"
	expect_exit 4 "$BUNDLE" cache save --key k --path deps --root ws --store mnt/store
	assert_match "$ERR" "No space left on device"
	assert_eq "$(find mnt/store -type f 2>/dev/null | wc -l)" 0 "no file left in the store (room $leave)"
	expect_exit 0 "$BUNDLE" cache restore --key k --path deps --root "$TMP/empty" --store mnt/store
	assert_contains "$OUT" "cache not found for keys 'k'"
done
rm -rf mnt/* mnt/.fill
fill_fs mnt 200000
expect_exit 0 "$BUNDLE" cache save --key k --path deps --root ws --store mnt/store --on-error warn
assert_match "$ERR" "^soak-bundle: warning: cache save failed: .*No space left on device; nothing saved \(--on-error warn\)$"
assert_eq "$(find mnt/store -type f 2>/dev/null | wc -l)" 0 "--on-error warn: no file left in the store"

# --- restore into a workspace that fills up ---
rm -rf mnt/* mnt/.fill
expect_exit 0 "$BUNDLE" cache save --key k --path deps --root ws --store store
mkdir -p mnt/ws/deps
printf 'kept\n' >mnt/ws/deps/old.txt
before=$(tree_listing mnt/ws)
for leave in 0 300000 2000000; do
	rm -f mnt/.fill
	fill_fs mnt "$leave"
	expect_exit 4 "$BUNDLE" cache restore --key k --path deps --root mnt/ws --store store
	assert_match "$ERR" "No space left on device"
	assert_eq "$(tree_listing mnt/ws)" "$before" "the workspace as it was (room $leave)"
	assert_eq "$(ls -A mnt/ws)" deps "no staging directory left (room $leave)"
done
rm -f mnt/.fill
fill_fs mnt 300000
: >"$TMP/gh_out"
expect_exit 0 env GITHUB_ACTIONS=true GITHUB_OUTPUT="$TMP/gh_out" "$BUNDLE" cache restore --key k \
	--path deps --root mnt/ws --store store --on-error warn
assert_contains "$ERR" "treated as a miss (--on-error warn)"
assert_eq "$(grep -A1 '^cache-hit<<' "$TMP/gh_out" | tail -n1)" false "--on-error warn: cache-hit"
assert_eq "$(tree_listing mnt/ws)" "$before" "--on-error warn: the workspace as it was"

# with room, the same restore works
rm -f mnt/.fill
expect_exit 0 "$BUNDLE" cache restore --key k --path deps --root mnt/ws --store store
assert_eq "$(cat mnt/ws/deps/small/s7)" "small 7" "restored with room"
assert_eq "$(cat mnt/ws/deps/old.txt)" kept "a file the archive does not name stays"
finish
