#!/bin/bash
# Fault injection: soak-report writes its reports (--out) onto a full disk (a
# 2 MiB tmpfs). It exits 4 naming the file and "No space left on device"; each
# report in --out is whole: byte-identical to the version written before (the
# old one) or to a reference written with room (the new one), never a mix or a
# half; no temporary file is left.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/hardening/lib-hardening.sh"

mount_tmpfs mnt 2m
export SOURCE_DATE_EPOCH=1700000000

# a soak directory with failures, KPIs and logs, so that every report has content
expect_exit 1 "$SOAK_RUN" --dir soak -n 120 -q --sample-interval 0 \
	-- bash -c 'echo "{\"lat\": $((SOAK_ITERATION % 17))}" >"$SOAK_KPI_FILE"; echo out; ((SOAK_ITERATION % 9))'
expect_exit 0 "$SOAK_BIN/soak-report" --dir soak --out old -q
# more iterations: the new reports differ from the old ones
expect_exit 1 "$SOAK_RUN" --dir soak --resume -n 200 -q --sample-interval 0 \
	-- bash -c 'echo "{\"lat\": $((SOAK_ITERATION % 23))}" >"$SOAK_KPI_FILE"; ((SOAK_ITERATION % 7))'
expect_exit 0 "$SOAK_BIN/soak-report" --dir soak --out new -q
assert_eq "$(cmp -s old/POST_SOAK_SNAPSHOT.json new/POST_SOAK_SNAPSHOT.json || echo differ)" differ \
	"old and new snapshots"
nfiles=$(find new -type f | wc -l)
assert_num "$nfiles" '>=' 7 "reports written"

# each amount of room makes a different report the one that does not fit
# (reports replace the old ones one by one, so the room must be less than the
# largest of them)
largest=$(find new -type f -printf '%s\n' | sort -n | tail -n 1)
for pct in 0 5 15 30 50 70 85; do
	leave=$((largest * pct / 100))
	rm -rf mnt/r mnt/.fill
	cp -r old mnt/r
	fill_fs mnt "$leave"
	expect_exit 4 "$SOAK_BIN/soak-report" --dir soak --out mnt/r -q
	assert_match "$ERR" "^soak-report: cannot (write|create|open|rename|sync)[^:]* '[^']+': No space left on device$"
	assert_lines "$ERR" 1
	for f in new/*; do
		b=${f##*/}
		if [[ -e mnt/r/$b ]] && ! cmp -s "mnt/r/$b" "old/$b" && ! cmp -s "mnt/r/$b" "new/$b"; then
			fail "room $leave: mnt/r/$b is neither the old nor the new version ($(wc -c <"mnt/r/$b") bytes)"
		else
			pass
		fi
	done
	assert_no_tmp mnt/r
done

# with no earlier reports: what is there is whole and new
rm -rf mnt/r mnt/.fill
fill_fs mnt 30000
expect_exit 4 "$SOAK_BIN/soak-report" --dir soak --out mnt/r -q
for f in mnt/r/*; do
	[[ -e $f ]] || continue
	assert_eq "$(cmp -s "$f" "new/${f##*/}" && echo same)" same "${f##*/} whole"
done
assert_no_tmp mnt/r
rm -f mnt/.fill
expect_exit 0 "$SOAK_BIN/soak-report" --dir soak --out mnt/r -q
assert_eq "$(diff -r new mnt/r && echo same)" same "reports once there is room"

finish
