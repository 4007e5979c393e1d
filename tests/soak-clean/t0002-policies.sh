# soak-clean: --keep, --max-logs-per-step, --max-age, --hard-limit (oldest first),
# --max-total (a warning), --check-size (exit 1), protected files; the exact lines.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/soak-clean/lib-clean.sh"

# --- keep the newest N per pattern ---
soak_dir k
for i in 1 2 3 4 5; do mk k/logs/iter-00000$i.log 1000 "$((10 - i)) days"; done
mk k/logs/service.log 500 '30 days'
mk k/cache/x.bin 2048 '1 day'
mk k/cache/y.bin 2048 '2 days'
mk k/cache/z.bin 2048 '3 days'
expect_exit 0 "$CLEAN" --keep 'logs/iter-*.log=2' --keep 'cache/*=1' k
cat >want <<'TXT'
remove 'logs/iter-000001.log' (1000 B): beyond --keep 'logs/iter-*.log=2'
remove 'logs/iter-000002.log' (1000 B): beyond --keep 'logs/iter-*.log=2'
remove 'logs/iter-000003.log' (1000 B): beyond --keep 'logs/iter-*.log=2'
remove 'cache/y.bin' (2 KiB): beyond --keep 'cache/*=1'
remove 'cache/z.bin' (2 KiB): beyond --keep 'cache/*=1'
before: 13 files, 11.5 KiB
after: 8 files, 4.5 KiB (protected: 4 files, 111 B)
removed 5 files (6.9 KiB), compressed 0 files (0 B -> 0 B), freed 6.9 KiB
TXT
assert_eq "$(cat "$OUT")" "$(cat want)" "stdout of --keep"
assert_file k/logs/iter-000004.log
assert_file k/logs/iter-000005.log
assert_file k/logs/service.log
assert_file k/cache/x.bin
assert_eq "$(sumsize k)" 4659 "bytes left" # 111 protected, 2 x 1000, 500, 2048
# keep 0 removes every match; a pattern without '/' matches names anywhere
expect_exit 0 "$CLEAN" -q --keep '*.bin=0' k
assert_no_file k/cache/x.bin
assert_eq "$(cat "$OUT" | head -n 1)" "before: 8 files, 4.5 KiB" "quiet prints only the summary"

# --- at most N logs per step ---
soak_dir p
for i in 1 2 3 4; do
	mk p/logs/iter-00000$i-build.log 100 "$((10 - i)) days"
	mk p/logs/iter-00000$i-test.log 100 "$((10 - i)) days"
	mk p/logs/iter-00000$i.log 100 "$((10 - i)) days"
done
mk p/logs/iter-000004-test.attempt2.log 100 '5 days'
mk p/logs/service.log 100 '30 days'
expect_exit 0 "$CLEAN" --max-logs-per-step 2 p
for f in iter-000001-build iter-000002-build iter-000001-test iter-000002-test iter-000003-test iter-000001 iter-000002; do
	assert_no_file "p/logs/$f.log"
	assert_contains "$OUT" "remove 'logs/$f.log' (100 B): beyond --max-logs-per-step 2"
done
for f in iter-000003-build iter-000004-build iter-000004-test iter-000004-test.attempt2 iter-000003 iter-000004 service; do
	assert_file "p/logs/$f.log"
done
assert_lines "$OUT" 10

# --- max-age, with protected files older than everything ---
soak_dir a
mk a/logs/new.log 10 '1 hour'
mk a/logs/old.log 10 '8 days'
mk a/samples.jsonl 10 '9 days'
mk a/deep/er/still/old.txt 10 '20 days'
mk a/keep/me.txt 10 '20 days'
mk a/x.keep 10 '20 days'
mk a/reports/old.html 10 '400 days'
expect_exit 0 "$CLEAN" --max-age 7d --protect keep/ --protect '*.keep' a
assert_file a/logs/new.log
assert_no_file a/logs/old.log
assert_no_file a/samples.jsonl
assert_no_file a/deep/er/still/old.txt
assert_file a/keep/me.txt
assert_file a/x.keep
for f in run.json metrics.jsonl summary.json reports/audit.md reports/old.html; do
	assert_file "a/$f"
done
assert_contains "$OUT" "remove 'deep/er/still/old.txt' (10 B): older than --max-age 7d"
assert_lines "$OUT" 6

# --- hard limit: oldest unprotected first until the tree fits; max-total warns ---
soak_dir h
for i in 1 2 3 4 5 6; do mk h/logs/f$i.log 10000 "$i days"; done
prot=$(sumsize h/run.json h/metrics.jsonl h/summary.json h/reports)
expect_exit 0 "$CLEAN" --hard-limit 35KB --max-total 20KB h
cat >want <<'TXT'
remove 'logs/f6.log' (9.8 KiB): oldest while over --hard-limit 35KB
remove 'logs/f5.log' (9.8 KiB): oldest while over --hard-limit 35KB
remove 'logs/f4.log' (9.8 KiB): oldest while over --hard-limit 35KB
TXT
assert_eq "$(head -n 3 "$OUT")" "$(cat want)" "hard-limit order"
assert_lines "$OUT" 6
assert_eq "$(sumsize h)" $((30000 + prot)) "bytes after the hard limit"
assert_contains "$ERR" "soak-clean: warning: 'h' holds 29.4 KiB, over --max-total 20KB"
# under the hard limit nothing goes
expect_exit 0 "$CLEAN" --hard-limit 35KB h
assert_lines "$OUT" 3
assert_not_contains "$ERR" "warning"
# protected files alone over the limit: the rest goes, and it says so
expect_exit 0 "$CLEAN" --hard-limit 100B h
assert_eq "$(sumsize h)" "$prot" "only protected files left"
assert_contains "$ERR" "still over --hard-limit 100B: the rest is protected"

# --- check-size: exit 1 when still over after cleaning, 0 when under ---
soak_dir c
mk c/logs/big.log 50000 '1 day'
mk c/logs/old.log 50000 '10 days'
expect_exit 1 "$CLEAN" --check-size 60KB c
assert_contains "$ERR" "soak-clean: 'c' holds 97.8 KiB, over --check-size 60KB"
expect_exit 0 "$CLEAN" --check-size 60KB --max-age 5d c
assert_no_file c/logs/old.log
assert_file c/logs/big.log
expect_exit 1 "$CLEAN" --check-size 10KB --dry-run --hard-limit 1MB c
assert_file c/logs/big.log

# --- a tree with no policy: only the report ---
expect_exit 0 "$CLEAN" c
assert_lines "$OUT" 3
assert_contains "$OUT" "removed 0 files (0 B)"

finish
