#!/bin/bash
# Fault injection: paths that cannot be written or read. A file where a directory
# should be, a directory where a file should be (any user); as root also an
# immutable directory or file (chattr +i, which root cannot write either), an
# append-only summary.json (chattr +a), and a read-only file system (a tmpfs
# remounted ro). Each program exits 4 for what it cannot write and 3 for input
# it cannot read, names the path and the cause, and changes nothing it must keep.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/hardening/lib-hardening.sh"

REPORT=$SOAK_BIN/soak-report
BUNDLE=$SOAK_BIN/soak-bundle
CLEAN=$SOAK_BIN/soak-clean
export GIT_CEILING_DIRECTORIES=$TMP GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1

expect_exit 0 "$SOAK_RUN" --dir soak -n 3 -q --sample-interval 0 -- echo hello
expect_exit 0 "$REPORT" --dir soak -q
echo data >afile
mkdir adir

# -- any user: wrong kinds of file
expect_exit 4 "$SOAK_RUN" --dir afile -n 1 -q -- true
assert_contains "$ERR" "cannot create directory '$TMP/afile': Not a directory"
expect_exit 4 "$SOAK_RUN" --dir afile/sub -n 1 -q -- true
assert_contains "$ERR" "'$TMP/afile/sub': Not a directory"
assert_eq "$(cat afile)" data "afile untouched"
expect_exit 3 "$SOAK_RUN" --dir s2 --steps adir -n 1 -q
assert_contains "$ERR" "soak-run: cannot read 'adir': Is a directory"
expect_exit 3 "$SOAK_RUN" --dir s2 --config adir -n 1 -q -- true
assert_contains "$ERR" "soak-run: cannot read 'adir': Is a directory"
expect_exit 4 "$REPORT" --dir soak --out afile -q
assert_contains "$ERR" "soak-report: cannot create directory 'afile': Not a directory"
expect_exit 3 "$REPORT" --dir afile -q
assert_contains "$ERR" "soak-report: 'afile' is not a directory"
mkdir -p isdir/metrics.jsonl
expect_exit 3 "$REPORT" --dir isdir --out r -q
assert_contains "$ERR" "soak-report: cannot read 'isdir/metrics.jsonl': Is a directory"
expect_exit 3 "$BUNDLE" verify adir
assert_contains "$ERR" "'adir' is not a bundle"
expect_exit 4 "$BUNDLE" release --src soak --out afile/b -q
assert_match "$ERR" "soak-bundle: cannot create directory 'afile/[^']*': Not a directory"
assert_no_file r

if (($(id -u) != 0)); then
	echo "skipped: the chattr and read-only file system cases need root (running as uid $(id -u))"
	finish
fi
mkdir imm
if ! chattr +i imm 2>chattr.err; then
	echo "skipped: chattr +i is not supported here: $(cat chattr.err)"
	finish
fi
_mounts+=("$TMP/imm") # chattr -i at the end, so that the scratch directory can go

# -- root: immutable directories and files
expect_exit 4 "$SOAK_RUN" --dir imm/soak -n 1 -q -- true
assert_contains "$ERR" "soak-run: soak directory: cannot create directory '$TMP/imm/soak': Operation not permitted"
expect_exit 4 "$REPORT" --dir soak --out imm/r -q
assert_contains "$ERR" "soak-report: cannot create directory 'imm/r': Operation not permitted"
expect_exit 4 "$BUNDLE" release --src soak --out imm/b -q
assert_match "$ERR" "soak-bundle: cannot create directory 'imm/b[^']*': Operation not permitted"
assert_eq "$(ls -A imm)" "" "nothing created in the immutable directory"

tree_sums soak >before.sums
chattr +i soak/metrics.jsonl
_mounts+=("$TMP/soak")
expect_exit 4 "$SOAK_RUN" --dir soak --resume -n 5 -q -- echo hello
assert_contains "$ERR" "soak-run: cannot open '$TMP/soak/metrics.jsonl': Operation not permitted"
assert_lines soak/metrics.jsonl 3
chattr -i soak/metrics.jsonl
chattr +a soak/summary.json
expect_exit 4 "$SOAK_RUN" --dir soak --resume -n 5 -q -- echo hello
assert_contains "$ERR" "soak-run: cannot write '$TMP/soak/summary.json': Operation not permitted"
assert_json soak/summary.json '.state == "completed" and .iterations == 3'
assert_lines soak/metrics.jsonl 3
chattr -a soak/summary.json

chattr +i soak/reports
expect_exit 4 "$REPORT" --dir soak -q
assert_contains "$ERR" "soak-report: cannot write 'soak/reports/POST_SOAK_SNAPSHOT.json': Operation not permitted"
chattr -i soak/reports
assert_no_tmp soak

# soak-clean: an immutable log cannot be compressed or removed; it stays as it was
# (logs of 1 KiB or more that compress: soak-clean leaves smaller ones alone)
for f in soak/logs/*; do seq 1 1000 >>"$f"; done
touch -d '3 days ago' soak/logs/*
chattr +i soak/logs/iter-000002.log
expect_exit 4 "$CLEAN" --compress-after 1d soak
assert_match "$OUT" "'logs/iter-000002.log'.*Operation not permitted"
assert_file soak/logs/iter-000002.log
assert_no_file soak/logs/iter-000002.log.zst
assert_file soak/logs/iter-000001.log.zst
chattr -i soak/logs/iter-000002.log
assert_no_tmp soak

# -- root: a read-only file system
mount_tmpfs ro 1m
expect_exit 0 "$SOAK_RUN" --dir ro/soak -n 2 -q --sample-interval 0 --min-free-disk 0 -- echo hello
expect_exit 0 "$REPORT" --dir ro/soak -q
for f in ro/soak/logs/*; do seq 1 1000 >>"$f"; done
touch -d '3 days ago' ro/soak/logs/*
tree_sums ro >ro.sums
if ! mount -o remount,ro "$TMP/ro" 2>mount.err; then
	echo "skipped: cannot remount read-only: $(cat mount.err)"
	finish
fi
expect_exit 4 "$SOAK_RUN" --dir ro/soak --resume -n 4 -q --min-free-disk 0 -- echo hello
assert_contains "$ERR" "Read-only file system"
expect_exit 4 "$SOAK_RUN" --dir ro/new -n 1 -q --min-free-disk 0 -- true
assert_contains "$ERR" "cannot create directory '$TMP/ro/new': Read-only file system"
expect_exit 4 "$REPORT" --dir ro/soak -q
assert_contains "$ERR" "soak-report: cannot write 'ro/soak/reports/POST_SOAK_SNAPSHOT.json': Read-only file system"
expect_exit 4 "$CLEAN" --compress-after 1d ro/soak
assert_match "$OUT" "Read-only file system"
expect_exit 4 "$CLEAN" --keep 'logs/iter-*.log=0' ro/soak
assert_match "$OUT" "Read-only file system"
expect_exit 4 "$BUNDLE" release --src ro/soak --out ro/b -q
assert_contains "$ERR" "Read-only file system"
assert_eq "$(tree_sums ro | cmp -s - ro.sums && echo same)" same "read-only file system unchanged"
# reading from it works: a report written elsewhere, a bundle of it elsewhere
expect_exit 0 "$REPORT" --dir ro/soak --out rw-reports -q
assert_file rw-reports/POST_SOAK_SNAPSHOT.json

finish
