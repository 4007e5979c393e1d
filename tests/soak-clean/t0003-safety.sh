# soak-clean safety: never follows a symbolic link (removes the link, the target
# survives; a linked directory is not entered), never enters another file system
# (a tmpfs and a bind mount inside the root), and --dry-run prints exactly what
# the real run then does, in the same order, with the same sizes, changing nothing.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/soak-clean/lib-clean.sh"

# --- links to outside the root ---
mkdir -p outside/dir
mk outside/target.txt 5000 '100 days'
mk outside/dir/inner.log 5000 '100 days'
soak_dir s
ln -s "$TMP/outside/target.txt" s/logs/abs-link
ln -s ../../outside/target.txt s/logs/rel-link
ln -s "$TMP/outside/dir" s/linkdir
ln -s "$TMP/outside/dir" s/newlink
touch -h -d '30 days ago' s/logs/abs-link s/logs/rel-link s/linkdir
tmtime=$(stat -c %Y outside/target.txt)
mk s/logs/old.log 100 '30 days'
expect_exit 0 "$CLEAN" --max-age 7d --compress-after 1h s
assert_no_file s/logs/abs-link
assert_no_file s/logs/rel-link
assert_no_file s/linkdir
assert_no_file s/logs/old.log
assert_file outside/target.txt
assert_eq "$(wc -c <outside/target.txt)" 5000 "link target size"
assert_file outside/dir/inner.log
assert_eq "$(stat -c %Y outside/target.txt)" "$tmtime" "link target mtime"
assert_contains "$OUT" "remove link 'logs/abs-link' ("
assert_contains "$OUT" "remove link 'linkdir' ("
assert_not_contains "$OUT" "inner.log"
assert_not_contains "$OUT" "target.txt'"
# a new link is compressed never (only regular files are), and kept (younger than 7d)
assert_eq "$(readlink s/newlink)" "$TMP/outside/dir" "young link kept"
assert_not_contains "$OUT" "compress 'newlink'"
# --keep and --hard-limit treat links as entries, never their targets
ln -s "$TMP/outside/target.txt" s/logs/l1
expect_exit 0 "$CLEAN" --hard-limit 1B s
assert_no_file s/logs/l1
assert_no_file s/newlink
assert_file outside/target.txt
assert_file outside/dir/inner.log
assert_file s/run.json

# --- another file system inside the root ---
soak_dir m
mk m/logs/old.log 100 '30 days'
mkdir -p m/tmpfs m/bind bindsrc
mk bindsrc/old-bound.log 100 '30 days'
if mount -t tmpfs soak-clean-test m/tmpfs 2>/dev/null; then
	trap 'rc=$?; umount "$TMP/m/tmpfs" 2>/dev/null; umount "$TMP/m/bind" 2>/dev/null; (exit $rc); _cleanup' EXIT
	mk m/tmpfs/old-on-tmpfs.log 100 '30 days'
	if mount --bind bindsrc m/bind 2>/dev/null; then
		bind=1
	else
		echo "skip: bind mount failed (not permitted here)" >&2
		bind=0
	fi
	expect_exit 0 "$CLEAN" --dry-run --max-age 7d --hard-limit 1B m
	dry=$(cat "$OUT")
	expect_exit 0 "$CLEAN" --max-age 7d --hard-limit 1B m
	assert_eq "$(cat "$OUT")" "$dry" "dry run and real run with mounts"
	assert_no_file m/logs/old.log
	assert_file m/tmpfs/old-on-tmpfs.log
	assert_contains "$OUT" "skip 'tmpfs': another file system"
	if ((bind)); then
		assert_file m/bind/old-bound.log
		assert_file bindsrc/old-bound.log
		assert_contains "$OUT" "skip 'bind': another file system"
	fi
	umount m/tmpfs
	((bind)) && umount m/bind
else
	echo "skip: cannot mount a tmpfs (not root, or not permitted): file-system boundary not tested" >&2
fi

# --- dry run == real run, on a tree with every policy at work ---
soak_dir d
for i in $(seq 1 12); do
	mk "d/logs/iter-$(printf %06d "$i")-build.log" $((i * 700)) "$((30 - i)) days"
	mk "d/logs/iter-$(printf %06d "$i").log" $((i * 1300)) "$((30 - i)) days"
done
mk d/logs/service.log 40000 '3 days'
mk d/samples.jsonl 30000 '10 days'
mk d/events.jsonl 3000 '1 hour'
mk d/kpi/a.json 100 '40 days'
mk d/tmp/x.dat 9000 '12 days'
mk d/tmp/y.dat 9000 '13 days'
ln -s "$TMP/outside/target.txt" d/tmp/link
touch -h -d '12 days ago' d/tmp/link
args=(--keep 'tmp/*=1' --max-logs-per-step 8 --max-age 25d --compress-after 14d --hard-limit 60KB --max-total 50KB)
cp -a d j # for the JSON comparison below
before=$(listing d)
expect_exit 0 "$CLEAN" --dry-run "${args[@]}" d
cp "$OUT" dry.out
cp "$ERR" dry.err
assert_eq "$(listing d)" "$before" "the tree after --dry-run"
assert_contains dry.err "soak-clean: dry run: nothing was changed"
expect_exit 0 "$CLEAN" "${args[@]}" d
if cmp -s dry.out "$OUT"; then pass; else
	fail "dry-run output differs from the real run's"
	diff dry.out "$OUT" | head -20 >&2
fi
assert_not_contains "$ERR" "dry run"
# every kind of action happened, so the comparison means something
assert_match "$OUT" "^remove 'tmp/.*beyond --keep"
assert_match "$OUT" "^remove 'logs/iter-.*beyond --max-logs-per-step 8"
assert_match "$OUT" "^remove 'kpi/a.json' .*older than --max-age 25d"
assert_match "$OUT" "^compress 'logs/iter-.* -> .*older than --compress-after 14d"
assert_match "$OUT" "^remove .*oldest while over --hard-limit 60KB"
assert_num "$(sumsize d)" '<=' 60000 "bytes after"
# the summary says what is on disk now
n=$(find d \( -type f -o -type l \) | wc -l)
assert_contains "$OUT" "after: $n files,"
# JSON dry run and real run agree as well (but for dry_run and elapsed_ms)
expect_exit 0 "$CLEAN" --json --dry-run "${args[@]}" j
jq -S 'del(.dry_run, .elapsed_ms)' "$OUT" >j-dry.json
expect_exit 0 "$CLEAN" --json "${args[@]}" j
jq -S 'del(.dry_run, .elapsed_ms)' "$OUT" >j-real.json
if cmp -s j-dry.json j-real.json; then pass; else
	fail "dry-run JSON differs from the real run's"
	diff j-dry.json j-real.json | head -20 >&2
fi

finish
