# soak-clean --keep without a policy that needs the whole list runs in passes with
# a heap of each rule's N newest: its lines, totals and the files it leaves are
# those of the list engine (forced here by a --hard-limit that is never reached),
# with two rules that overlap (what the first keeps goes on to the second), N = 0,
# an N larger than the matches, equal times (the greater path counts as newer),
# --max-age after the rules, protected files, links, one thread or four, and a
# dry run that prints what the real run does.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/soak-clean/lib-clean.sh"

mktpl()
{
	local d=tpl i
	soak_dir "$d"
	mkdir -p "$d/logs" "$d/a/b" "$d/cache" "$d/x"
	for i in $(seq -w 1 300); do
		printf 'log %s\n' "$i" >"$d/logs/iter-000$i.log"
		touch -d "$((301 - 10#$i)) hours ago" "$d/logs/iter-000$i.log"
	done
	# ten logs with one and the same time, between those of iter-000201 and
	# iter-000200: the order between them is by path
	touch -d '100 hours ago 30 minutes ago' "$d"/logs/iter-00015?.log
	for i in 1 2 3 4 5 6; do
		head -c $((i * 10)) /dev/zero >"$d/a/b/s$i.tmp"
		head -c $((i * 20)) /dev/zero >"$d/cache/c$i.bin"
		touch -d "$((i * 2)) days ago" "$d/a/b/s$i.tmp" "$d/cache/c$i.bin"
	done
	head -c 5 /dev/zero >"$d/x/notes.txt"
	touch -d '20 days ago' "$d/x/notes.txt"
	ln -s notes.txt "$d/x/old.tmp"
	touch -h -d '30 days ago' "$d/x/old.tmp"
	printf '{}\n' >"$d/logs/health.json" # protected, matches no rule
	touch -d '90 days ago' "$d/logs/health.json"
}
mktpl

# the files and links left, with their sizes and times
left()
{
	(cd "$1" && find . ! -type d -printf '%y %s %T@ %p %l\n' | LC_ALL=C sort -k4)
}

# same DESC ARGS...: the passes (one thread and four, dry and real) against the list engine
same()
{
	local desc=$1
	shift
	rm -rf list && cp -a tpl list
	expect_exit 0 "$CLEAN" --hard-limit 1TB "$@" list
	cp "$OUT" list.out
	left list >list.left
	for th in 1 4; do
		rm -rf "p$th" && cp -a tpl "p$th"
		expect_exit 0 "$CLEAN" --dry-run --threads "$th" "$@" "p$th"
		assert_eq "$(cat "$OUT")" "$(cat list.out)" "$desc, $th threads, dry run: the list engine's lines"
		expect_exit 0 "$CLEAN" --threads "$th" "$@" "p$th"
		assert_eq "$(cat "$OUT")" "$(cat list.out)" "$desc, $th threads: the list engine's lines"
		assert_eq "$(left "p$th")" "$(cat list.left)" "$desc, $th threads: the files left"
	done
}

# one rule: 300 logs, the newest 40 stay; the ties straddle no boundary
same "one rule" --keep 'logs/iter-*.log=40'
assert_contains list.out "removed 260 files"
assert_eq "$(ls list/logs | grep -c '^iter-')" 40 "40 logs are left"
assert_file list/logs/iter-000300.log
assert_no_file list/logs/iter-000260.log

# the boundary inside the ten equal times (100 newer logs, then these): the greater paths stay
same "ties" --keep 'logs/iter-*.log=105'
assert_file list/logs/iter-000155.log
assert_no_file list/logs/iter-000154.log

# two rules that overlap, N = 0, and --max-age after them
same "overlapping rules" --keep '*.tmp=2' --keep 'a/*/*=1' --keep 'cache/*=0' --max-age 7d
# *.tmp keeps s1 and s2 (x/old.tmp, a link, is the oldest match); of those a/*/*
# keeps s1; cache/* goes; --max-age takes x/notes.txt
assert_eq "$(cd list && find a x cache \( -type f -o -type l \) | LC_ALL=C sort | tr '\n' ' ')" \
	"a/b/s1.tmp " "what the rules and --max-age leave"
assert_contains list.out "remove link 'x/old.tmp' (9 B): beyond --keep '*.tmp=2'"
assert_contains list.out "remove 'a/b/s2.tmp' (20 B): beyond --keep 'a/*/*=1'"
assert_no_file list/x/notes.txt
assert_contains list.out "remove 'x/notes.txt' (5 B): older than --max-age 7d"

# N larger than the matches: nothing goes
same "N above the matches" --keep 'cache/*=100'
assert_contains list.out "removed 0 files"

# --json: the same document but for the limits and the time
rm -rf j1 j2 && cp -a tpl j1 && cp -a tpl j2
expect_exit 0 "$CLEAN" --json --keep '*.tmp=2' --keep 'logs/*=7' --max-age 7d j1
jq -c 'del(.limits, .elapsed_ms, .dir)' "$OUT" >passes.json
expect_exit 0 "$CLEAN" --json --keep '*.tmp=2' --keep 'logs/*=7' --max-age 7d --hard-limit 1TB j2
jq -c 'del(.limits, .elapsed_ms, .dir)' "$OUT" >list.json
assert_eq "$(cat passes.json)" "$(cat list.json)" "--json: the list engine's document"
# keep: 5 *.tmp, 293 logs (health.json is protected); max-age: cache/c4..c6, x/notes.txt
assert_json "$OUT" '.removed.files == 302 and ([.actions[] | select(.policy == "keep")] | length) == 298'

finish
