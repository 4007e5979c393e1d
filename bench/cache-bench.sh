#!/usr/bin/env bash
# soak-bundle cache against what actions/cache runs on Linux, in the same run on
# the same tree: save vs `tar --posix -cf - ... | zstd -T0 --long=30` and restore
# vs `zstd -d --long=30 | tar -xf -`. The tree: TREE=DIR, else a copy of system
# files like a dependency cache (/usr/include, /usr/lib/python3*, shared
# libraries, LLVM static libraries, part of /usr/share): about 1 GB, 20,000 files.
#
#   bench/cache-bench.sh [BUILD_DIR]     (default: build; needs zstd, GNU tar, /usr/bin/time)
#   RUNS=3 BENCH_DIR=/tmp/soak-cache-bench TREE=DIR bench/cache-bench.sh
#
# Each side runs RUNS times, alternating which goes first, from the page cache;
# min and median wall time, CPU time and peak memory (/usr/bin/time, the largest
# process of the pipeline) are printed with the load average. Every restore goes
# into a new directory (ext4 charges creating files right after deleting
# 20,000 to whoever comes next). Exits 1 when a restored tree differs from the
# original, for either side. Prints a Markdown table; ratio = ours / theirs.
set -euo pipefail

build=${1:-build}
bundle=$(cd "$build/bin" && pwd)/soak-bundle
size_mb=${SIZE_MB:-1024}
files=${FILES:-20000}
runs=${RUNS:-3}
dir=${BENCH_DIR:-/tmp/soak-cache-bench}
[ -x "$bundle" ] || { echo "cache-bench: no $bundle; build first" >&2; exit 2; }

rm -rf "$dir"
mkdir -p "$dir/ws/tree"
if [[ -n ${TREE:-} ]]; then
	cp -a "$TREE/." "$dir/ws/tree/"
else
	cd "$dir/ws/tree"
	cp -a /usr/include include
	for p in /usr/lib/python3*; do cp -a "$p" "lib-${p##*/}"; done
	find /usr/lib/x86_64-linux-gnu -type f -name '*.so*' -printf '%s %p\n' | LC_ALL=C sort -k2 |
		awk '{t += $1; print $2; if (t > 800e6) exit}' | xargs -d '\n' cp --parents -a -t .
	find /usr/share -type f -printf '%s %p\n' 2>/dev/null | LC_ALL=C sort -k2 |
		awk 'NR % 9 == 0 {t += $1; print $2; if (t > 330e6) exit}' |
		xargs -d '\n' cp --parents -a -t . 2>/dev/null || true
	find /usr/lib/llvm-*/lib -maxdepth 1 -type f -name 'libLLVM[A-M]*.a' 2>/dev/null | head -n 60 |
		xargs -r -d '\n' cp --parents -a -t .
	cd - >/dev/null
fi
tree_bytes=$(du -sb "$dir/ws/tree" | cut -f1)
tree_files=$(find "$dir/ws/tree" -type f | wc -l)
# warm the page cache (into a pipe: GNU tar reads nothing when it writes to /dev/null)
tar -cf - -C "$dir/ws" tree | cat >/dev/null

now() { date +%s.%N; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
minimum() { printf '%s\n' "$@" | sort -g | head -n 1; }

ours_save() { "$bundle" cache save --key bench --path tree --root "$dir/ws" --store "$dir/store" --quiet; }
theirs_save() { tar --posix -cf - -P -C "$dir/ws" tree | zstd -T0 --long=30 -q -o "$dir/theirs.tzst"; }
ours_restore() { "$bundle" cache restore --key bench --path tree --root "$dir/r1-$1" --store "$dir/store" --quiet; }
theirs_restore() { zstd -d --long=30 -q -c "$dir/theirs.tzst" | tar -xf - -P -C "$dir/r2-$1"; }
# CPU seconds (user + system) of this shell's waited-for children, from /proc
cpu() { awk -v hz="$(getconf CLK_TCK)" '{print ($16 + $17) / hz}' /proc/$$/stat; }
# timed CMD ARG...: sync (no writeback of the run before charged to this one),
# run it; its wall seconds in $last, its CPU seconds in $lastcpu
timed() {
	local t0 t1 c0 c1
	sync
	c0=$(cpu)
	t0=$(now)
	/usr/bin/time -f %M -o "$dir/mem" bash -c "$(declare -f "$1"); $*" ||
		{ echo "cache-bench: $1 failed" >&2; exit 1; }
	t1=$(now)
	c1=$(cpu)
	last=$(echo "$t1 - $t0" | bc)
	lastcpu=$(echo "$c1 - $c0" | bc)
	lastmem=$(($(cat "$dir/mem") / 1024))
}
export dir bundle

load0=$(cut -d' ' -f1-3 /proc/loadavg)
ours_save=() theirs_save=() ours_restore=() theirs_restore=()
ours_save_cpu=() theirs_save_cpu=() ours_restore_cpu=() theirs_restore_cpu=()
ours_save_mem=() theirs_save_mem=() ours_restore_mem=() theirs_restore_mem=()
# run SIDE OP [ARG]: timed SIDE_OP ARG, appended to SIDE_OP, SIDE_OP_cpu, SIDE_OP_mem
run() {
	timed "$1_$2" "${@:3}"
	eval "$1_$2+=(\"\$last\") $1_$2_cpu+=(\"\$lastcpu\") $1_$2_mem+=(\"\$lastmem\")"
}
for r in $(seq "$runs"); do
	rm -rf "$dir/store" "$dir/theirs.tzst"
	if ((r % 2)); then first=ours second=theirs; else first=theirs second=ours; fi
	run $first save
	run $second save
	mkdir -p "$dir/r1-$r" "$dir/r2-$r"
	run $first restore "$r"
	run $second restore "$r"
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $(seq "$runs"); do
	for side in 1 2; do
		diff -r --no-dereference "$dir/ws/tree" "$dir/r$side-$r/tree" >/dev/null ||
			{ echo "cache-bench: round $r: the tree restored by side $side differs" >&2; exit 1; }
	done
done

ours_size=$(stat -c %s "$dir"/store/soak-cache-v1/*/bench.*.tar.zst)
theirs_size=$(stat -c %s "$dir/theirs.tzst")
echo "tree: $tree_files files, $((tree_bytes >> 20)) MiB; $(nproc) CPUs; $runs alternating rounds;" \
	"load average $load0 before, $load1 after"
for v in save restore save_cpu restore_cpu save_mem restore_mem; do
	eval "echo \"$v: ours \${ours_$v[*]}; theirs \${theirs_$v[*]}\""
done
echo
# row WHAT VAR: min and median of ours and theirs, and the ratio of the medians
row() {
	local o t
	eval "o=(\"\${ours_$2[@]}\") t=(\"\${theirs_$2[@]}\")"
	printf '| %s | %.2f / %.2f | %.2f / %.2f | %.2f |\n' "$1" "$(minimum "${o[@]}")" "$(median "${o[@]}")" \
		"$(minimum "${t[@]}")" "$(median "${t[@]}")" "$(echo "$(median "${o[@]}") / $(median "${t[@]}")" | bc -l)"
}
echo "| min / median | soak-bundle cache | tar --posix \| zstd -T0 --long=30 | ratio |"
echo "|---|---:|---:|---:|"
row "save, wall (s)" save
row "restore, wall (s)" restore
row "save, CPU (s)" save_cpu
row "restore, CPU (s)" restore_cpu
row "save, peak memory (MiB)" save_mem
row "restore, peak memory (MiB)" restore_mem
printf '| archive (MiB) | %.1f | %.1f | %.3f |\n' "$(echo "$ours_size / 1048576" | bc -l)" \
	"$(echo "$theirs_size / 1048576" | bc -l)" "$(echo "$ours_size / $theirs_size" | bc -l)"
rm -rf "$dir"
