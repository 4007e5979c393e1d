# soak-clean.exe under Wine: count (--keep) and age (--max-age) policies on a
# directory whose file times were set on the Linux side, a dry run that changes
# nothing and says the same, compression, the byte limits; the directory given as a
# Windows path with a space and non-ASCII names.
. "$(dirname "$0")/lib.sh"

# make_soak DIR: logs of 5 iterations 9..5 days old, an old note, protected files
make_soak()
{
	local d=$1 i
	rm -rf "$d"
	mkdir -p "$d/logs" "$d/reports" "$d/données 文件" || exit 1
	printf '{"schema":"1.0"}\n' >"$d/metrics.jsonl"
	printf 'report\n' >"$d/reports/old report.md"
	for i in 1 2 3 4 5; do
		printf 'log of iteration %s\n' "$i" >"$d/logs/iter-00000$i.log"
		touch -d "$((10 - i)) days ago" "$d/logs/iter-00000$i.log"
	done
	printf 'old\n' >"$d/old notes.txt"
	printf 'vieux\n' >"$d/données 文件/été.txt"
	printf 'new\n' >"$d/données 文件/neuf.txt"
	touch -d '30 days ago' "$d/old notes.txt" "$d/données 文件/été.txt" "$d/metrics.jsonl" "$d/reports/old report.md"
}

# snapshot DIR: every path with its size and mtime (nanoseconds)
snapshot()
{
	(cd "$1" && find . -printf '%y %s %T@ %p\n' | LC_ALL=C sort)
}

S=$UD/soak
WS=$WUD\\soak
POLICY=(--keep 'logs/iter-*.log=2' --max-age 20d)

# --- dry run: the decisions, nothing changed ---
make_soak "$S"
before=$(snapshot "$S")
wrun 0 soak-clean --dry-run "${POLICY[@]}" "$WS"
dry_out=$(cat "$OUT")
# --threads: on Windows the walk is one thread whatever the number; the same output
wrun 0 soak-clean --dry-run --threads 3 "${POLICY[@]}" "$WS"
assert_eq "$(cat "$OUT")" "$dry_out" "output with --threads 3"
assert_eq "$(snapshot "$S")" "$before" "the tree after a dry run"
assert_contains "$ERR" "soak-clean: dry run: nothing was changed"
assert_contains "$OUT" "remove 'logs/iter-000001.log' (19 B): beyond --keep 'logs/iter-*.log=2'"
assert_contains "$OUT" "remove 'old notes.txt' (4 B): older than --max-age 20d"
assert_contains "$OUT" "remove 'données 文件/été.txt' (6 B): older than --max-age 20d"
assert_contains "$OUT" "before: 10 files, "
assert_contains "$OUT" "after: 5 files, "
assert_contains "$OUT" "removed 5 files ("
wrun 0 soak-clean --dry-run --json "${POLICY[@]}" "$WS"
assert_json "$OUT" '.dry_run == true and .before.files == 10 and .after.files == 5 and .removed.files == 5'
assert_eq "$(snapshot "$S")" "$before" "the tree after a dry run with --json"

# --- the real run: the same lines, then the files are gone ---
mm=$(stat -c %Y:%s "$S/metrics.jsonl")
wrun 0 soak-clean "${POLICY[@]}" "$WS"
assert_eq "$(cat "$OUT")" "$dry_out" "output of the real run (same as the dry run)"
assert_not_contains "$ERR" "dry run"
assert_eq "$(cd "$S" && find . -type f | LC_ALL=C sort | tr '\n' ' ')" \
	"./données 文件/neuf.txt ./logs/iter-000004.log ./logs/iter-000005.log ./metrics.jsonl ./reports/old report.md " \
	"files left after --keep 2 and --max-age 20d"
# the protected files are older than --max-age and stay, unchanged
assert_eq "$(stat -c %Y:%s "$S/metrics.jsonl")" "$mm" "metrics.jsonl kept (mtime:size)"
assert_dir "$S/données 文件"

# --- JSON: the numbers ---
make_soak "$S"
wrun 0 soak-clean --json "${POLICY[@]}" "$WS"
J=$TMP/clean.json
cp "$OUT" "$J"
assert_json "$J" '.tool == "soak-clean" and .dry_run == false and .errors == 0 and .interrupted == null'
assert_jq_eq "$J" .dir "$WS"
assert_json "$J" '.before.files == 10 and .after.files == 5 and .removed.files == 5 and .protected.files == 2'
assert_json "$J" '.removed.bytes == ([.actions[].bytes] | add) and .freed_bytes == .removed.bytes'
assert_json "$J" '.before.bytes - .removed.bytes == .after.bytes'
assert_json "$J" '[.actions[] | select(.policy == "keep") | .path] == ["logs/iter-000001.log", "logs/iter-000002.log", "logs/iter-000003.log"]'
assert_json "$J" '[.actions[] | select(.policy == "max-age") | .path] == ["données 文件/été.txt", "old notes.txt"]'
assert_json "$J" '.actions | all(.action == "remove" and .type == "file" and .error == null)'
# mtimes as the Linux side set them (a day is 86400 s; allow the test's own run time)
t3=$(jqv "$J" '.actions[] | select(.path == "logs/iter-000003.log") | .mtime | sub("[.][0-9]+Z$"; "Z") | fromdate')
assert_num "$(($(date +%s) - t3))" '>=' $((7 * 86400 - 5)) "age (s) of iter-000003.log"
assert_num "$(($(date +%s) - t3))" '<=' $((7 * 86400 + 120)) "age (s) of iter-000003.log"

# --- count only, by file name in any directory ---
make_soak "$S"
wrun 0 soak-clean -q --keep '*.txt=1' "$WS"
assert_eq "$(cd "$S" && find . -name '*.txt' | LC_ALL=C sort | tr '\n' ' ')" "./données 文件/neuf.txt " "newest *.txt kept"
assert_eq "$(find "$S/logs" -type f | wc -l)" 5 "logs untouched by --keep '*.txt=1'"

# --- compress after an age: zstd beside the file, its mtime kept ---
make_soak "$S"
# only files of 1 KiB and more that zstd makes smaller are compressed: these are
yes 'log of iteration 1' | head -n 200 >"$S/logs/iter-000001.log"
yes 'old notes' | head -n 200 >"$S/old notes.txt"
touch -d '9 days ago' "$S/logs/iter-000001.log"
touch -d '30 days ago' "$S/old notes.txt"
want=$(cat "$S/logs/iter-000001.log")
m1=$(stat -c %Y "$S/logs/iter-000001.log")
wrun 0 soak-clean --compress-after 8d "$WS"
assert_no_file "$S/logs/iter-000001.log"
assert_file "$S/logs/iter-000001.log.zst"
assert_eq "$(zstd -dc "$S/logs/iter-000001.log.zst" 2>&1)" "$want" "decompressed log"
# a small file stays as it is (it would grow)
assert_file "$S/logs/iter-000002.log"
assert_eq "$(stat -c %Y "$S/logs/iter-000001.log.zst")" "$m1" "mtime of the compressed log"
assert_file "$S/logs/iter-000003.log"
assert_file "$S/old notes.txt.zst"
assert_file "$S/metrics.jsonl"
assert_no_file "$S/metrics.jsonl.zst"
assert_eq "$(find "$S" -name '.soak-clean-*' | wc -l)" 0 "temporary files left"

# --- byte limits: --hard-limit removes the oldest, --check-size fails ---
make_soak "$S"
wrun 1 soak-clean -q --check-size 10B "$WS"
assert_eq "$(cd "$S" && find . -type f | wc -l)" 10 "files after --check-size alone"
wrun 0 soak-clean --json --hard-limit 100B "$WS"
assert_json "$OUT" '.after.bytes <= 100 and .limits.hard_limit.over == false'
assert_json "$OUT" '[.actions[] | .policy] | all(. == "hard-limit")'
# oldest first: the 30-day-old unprotected files go before the logs
assert_json "$OUT" '.actions[0:2] | map(.path) | sort == ["données 文件/été.txt", "old notes.txt"]'

# --- refused roots ---
mkdir -p "$UD/plain"
printf 'x\n' >"$UD/plain/file.txt"
touch -d '30 days ago' "$UD/plain/file.txt"
wrun 2 soak-clean --max-age 1d "$WUD\\plain"
assert_file "$UD/plain/file.txt"
wrun 0 soak-clean --force --max-age 1d "$WUD\\plain"
assert_no_file "$UD/plain/file.txt"
wrun 2 soak-clean --max-age 1x "$WS"

finish
