# soak-clean --max-age alone streams: each entry is decided and removed as the
# walk reaches it (through the directory the walk holds open). The lines come in
# walk order (by path, a directory's entries in byte order, depth first), the
# dry run prints the same lines as the real run, --json lists the same actions,
# links are removed as links, and what is not a file or link is left alone.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/soak-clean/lib-clean.sh"

mktree()
{
	rm -rf "$1"
	soak_dir "$1"
	mk "$1/a/old1.log" 100 '9 days'
	mk "$1/a/new.log" 100 '1 hour'
	mk "$1/a/b/old2.log" 200 '10 days'
	mk "$1/a/c.log" 300 '8 days'
	mk "$1/z.log" 400 '30 days'
	mk "$1/target.txt" 10 '1 hour'
	ln -s target.txt "$1/old-link"
	touch -h -d '20 days ago' "$1/old-link"
	mkfifo "$1/a/pipe"
	touch -d '20 days ago' "$1/a/pipe"
}

cat >want <<'TXT'
remove 'a/b/old2.log' (200 B): older than --max-age 7d
remove 'a/c.log' (300 B): older than --max-age 7d
remove 'a/old1.log' (100 B): older than --max-age 7d
remove link 'old-link' (10 B): older than --max-age 7d
remove 'z.log' (400 B): older than --max-age 7d
TXT

# the dry run: the same lines, nothing changed
mktree s
listing s >before
expect_exit 0 "$CLEAN" --dry-run --max-age 7d s
assert_eq "$(head -n 5 "$OUT")" "$(cat want)" "dry-run lines in walk order"
assert_lines "$OUT" 8
assert_contains "$OUT" "removed 5 files (1010 B), compressed 0 files"
assert_eq "$(listing s)" "$(cat before)" "dry run changed nothing"
cp "$OUT" dry.out

# the real run: the same lines and summary
expect_exit 0 "$CLEAN" --max-age 7d s
assert_eq "$(cat "$OUT")" "$(cat dry.out)" "real run prints what the dry run printed"
for f in a/b/old2.log a/c.log a/old1.log z.log; do
	assert_no_file "s/$f"
done
[ -L s/old-link ] && fail "old-link: the link is still there"
assert_file s/target.txt
assert_file s/a/new.log
[ -p s/a/pipe ] || fail "a/pipe: a fifo is not an entry and must stay"
assert_contains "$OUT" "after: 6 files,"

# --json: the same actions, in the same order
mktree j
expect_exit 0 "$CLEAN" --json --max-age 7d j
assert_json "$OUT" '.actions | length == 5'
assert_json "$OUT" '([.actions[].path] | join(",")) == "a/b/old2.log,a/c.log,a/old1.log,old-link,z.log"'
assert_json "$OUT" '.actions[3].type == "link" and .actions[0].policy == "max-age"'
assert_json "$OUT" '.removed.bytes == 1010 and .before.files == 11 and .after.files == 6'

# with a policy that needs the whole list (the hard limit, never reached here) the list
# engine runs: the same max-age decisions
mktree k
expect_exit 0 "$CLEAN" --max-age 7d --hard-limit 1TB k
assert_eq "$(head -n 5 "$OUT")" "$(cat want)" "list engine agrees"

finish
