#!/bin/bash
# Fault injection: soak-clean compresses old logs on a disk that fills up (a 2 MiB
# tmpfs). It exits 4 with a message naming the file and "No space left on
# device"; every log is still there whole: the original, or a compressed file
# that decompresses to exactly the original (never both missing, never a half
# .zst/.gz); no temporary file is left.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/hardening/lib-hardening.sh"

mount_tmpfs mnt 2m

make_soak()
{
	rm -rf mnt/soak mnt/.fill
	expect_exit 0 "$SOAK_RUN" --dir mnt/soak -n 10 -q --sample-interval 0 --min-free-disk 0 \
		-- sh -c 'seq "$SOAK_ITERATION" 7 100000; head -c 20000 /dev/urandom | od -An -x | head -n 200'
	touch -d '3 days ago' mnt/soak/logs/*
	tree_sums mnt/soak >before.sums
}

# every file of before.sums is there, as itself or compressed (EXT: zst or gz)
check_intact()
{
	local ext=$1 sum path got
	while read -r sum path; do
		path=${path#./}
		if [[ -f mnt/soak/$path ]]; then
			got=$(sha256sum <"mnt/soak/$path" | cut -d' ' -f1)
		elif [[ -f mnt/soak/$path.$ext ]]; then
			if [[ $ext == zst ]]; then
				got=$(zstd -dc "mnt/soak/$path.$ext" 2>/dev/null | sha256sum | cut -d' ' -f1)
			else
				got=$(gzip -dc "mnt/soak/$path.$ext" 2>/dev/null | sha256sum | cut -d' ' -f1)
			fi
		else
			fail "'$path' is gone (and no '$path.$ext')"
			continue
		fi
		if [[ $got == "$sum" ]]; then
			pass
		else
			fail "'$path' is not intact"
		fi
		if [[ -f mnt/soak/$path && -f mnt/soak/$path.$ext ]]; then
			fail "both '$path' and '$path.$ext' are there"
		fi
	done <before.sums
	assert_no_tmp mnt/soak
}

for ext in zst gz; do
	comp=zstd
	[[ $ext == gz ]] && comp=gzip
		# room for none of the compressed files, or for part of the first one (once
	# one is done, its original is removed and the rest fit)
	for leave in 0 6000; do
		make_soak
		fill_fs mnt "$leave"
		expect_exit 4 "$SOAK_BIN/soak-clean" --compress-after 1d --compression "$comp" mnt/soak
		assert_match "$ERR" "^soak-clean: "
		cat "$OUT" "$ERR" >both
		assert_match both "'logs/iter-[0-9]+\\.log[^']*'.*No space left on device"
		check_intact "$ext"
		# with room again, the same cleaning finishes and still loses nothing
		rm -f mnt/.fill
		expect_exit 0 "$SOAK_BIN/soak-clean" --compress-after 1d --compression "$comp" -q mnt/soak
		assert_eq "$(find mnt/soak/logs -name '*.log' | wc -l)" 0 "uncompressed logs left ($comp, room $leave)"
		check_intact "$ext"
	done
done

finish
