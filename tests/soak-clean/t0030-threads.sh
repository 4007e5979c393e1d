# soak-clean --max-age on several threads: the lines, the JSON actions, the
# totals and the files left are those of one thread, on a tree with more files
# in one directory than a batch holds (256), subdirectories between files in
# name order, protected files, links and a fifo.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/soak-clean/lib-clean.sh"

# the tree is made once (tpl) and copied with its times for every run
mktpl()
{
	local d=tpl i
	soak_dir "$d"
	mkdir -p "$d/big" "$d/m/a" "$d/m/a.d/x" "$d/m/b" "$d/deep/1/2/3/4"
	for i in $(seq -w 1 700); do printf 'file %s\n' "$i" >"$d/big/f$i.log"; done
	# every third file of big/ is old, the others new
	(cd "$d/big" && ls | awk 'NR % 3 == 0' | xargs touch -d '9 days ago')
	(cd "$d/big" && ls | awk 'NR % 3 != 0' | xargs touch -d '2 days ago')
	for i in 1 2 3 4 5; do
		head -c $((100 + i)) /dev/zero >"$d/m/a/old$i.log"
		head -c $((200 + i)) /dev/zero >"$d/m/a.d/x/old$i.log"
		head -c 50 /dev/zero >"$d/m/b/new$i.log"
		head -c 10 /dev/zero >"$d/m/a$i.txt"
		head -c 7 /dev/zero >"$d/deep/1/2/3/4/o$i"
	done
	touch -d '10 days ago' "$d"/m/a/old*
	touch -d '12 days ago' "$d"/m/a.d/x/old*
	touch -d '1 hour ago' "$d"/m/b/new*
	touch -d '8 days ago' "$d"/m/a?.txt
	touch -d '30 days ago' "$d"/deep/1/2/3/4/o*
	mk "$d/m/a.d/summary.json" 20 '40 days' # protected
	mk "$d/m/target" 5 '1 hour'
	ln -s target "$d/m/old-link"
	touch -h -d '20 days ago' "$d/m/old-link"
	mkfifo "$d/m/pipe"
	touch -d '20 days ago' "$d/m/pipe"
}
mktpl
mktree()
{
	rm -rf "$1"
	cp -a tpl "$1"
}
# the files and links left, with their sizes and times
left()
{
	(cd "$1" && find . ! -type d -printf '%y %s %T@ %p %l\n' | LC_ALL=C sort -k4)
}
# 233 of big/, 5 + 5 + 5 + 5, the link
want_removed=254

# one thread: the reference
mktree one
expect_exit 0 "$CLEAN" --threads 1 --max-age 7d one
cp "$OUT" one.out
assert_contains one.out "removed $want_removed files"
assert_lines one.out $((want_removed + 3))
left one >one.left
assert_eq "$(find one/big -type f | wc -l)" 467 "one thread: the new files of big/ are left"

for th in 2 4 8; do
	# the dry run prints what one thread's real run printed
	mktree "t$th"
	expect_exit 0 "$CLEAN" --threads "$th" --dry-run --max-age 7d "t$th"
	head -n -3 "$OUT" >dry.lines
	head -n -3 one.out >one.lines
	assert_eq "$(cat dry.lines)" "$(cat one.lines)" "dry run, $th threads: the lines of one thread"
	# the real run: the same output and the same files left
	expect_exit 0 "$CLEAN" --threads "$th" --max-age 7d "t$th"
	assert_eq "$(cat "$OUT")" "$(cat one.out)" "$th threads: the output of one thread"
	assert_eq "$(left "t$th")" "$(cat one.left)" \
		"$th threads: the files left"
done

# the walk order, exactly: big/, deep/, then in m/ a/ before a.d/ before a1.txt (byte order)
assert_eq "$(grep "m/a" one.out | sed -n '1p;6p;11p' | cut -d"'" -f2)" \
	"$(printf 'm/a/old1.log\nm/a.d/x/old1.log\nm/a1.txt')" "walk order: a/ before a.d/ before a1.txt"
assert_eq "$(head -n 1 one.out | cut -d"'" -f2)" "big/f003.log" "the first line"
assert_eq "$(grep -n "deep/1/2/3/4/o1" one.out | cut -d: -f1)" 234 "deep/ right after big/"

# --json: the same actions in the same order, the same totals
mktree j1
expect_exit 0 "$CLEAN" --json --threads 1 --max-age 7d j1
jq -c '[.actions[] | [.path, .type, .bytes, .error == null]], .before, .after, .removed, .skipped' "$OUT" >j1.json
mktree j4
expect_exit 0 "$CLEAN" --json --threads 4 --max-age 7d j4
jq -c '[.actions[] | [.path, .type, .bytes, .error == null]], .before, .after, .removed, .skipped' "$OUT" >j4.json
assert_eq "$(cat j4.json)" "$(cat j1.json)" "--json: the same actions and totals"
assert_json "$OUT" ".removed.files == $want_removed and .errors == 0"

# a bad value is refused before anything is touched
mktree bad
listing bad >bad.before
expect_exit 2 "$CLEAN" --threads 0 --max-age 7d bad
assert_contains "$ERR" "threads"
assert_eq "$(listing bad)" "$(cat bad.before)" "nothing changed after --threads 0"

finish
