#!/usr/bin/env bash
# soak-bundle cache against what actions/cache runs, in the same run on the same
# tree: save vs `tar --posix -cf - DIR | zstd -T0` (level 3, zstd's default) and
# restore vs `zstd -d | tar -xf`. The tree is generated: about 1 GiB in about
# 20,000 files of mixed compressibility (random, text-like, repetitive).
#
#   bench/cache-bench.sh [BUILD_DIR]     (default: build; needs python3, zstd, GNU tar)
#   SIZE_MB=1024 FILES=20000 RUNS=3 BENCH_DIR=/tmp/soak-cache-bench bench/cache-bench.sh
#
# Each side runs RUNS times, alternating, from the page cache (a warm-up read
# first); the median time counts. Which side goes first alternates from run to
# run, and every restore goes into a new directory, all removed at the end:
# creating files right after 20,000 were deleted costs ext4 up to twice the
# system time (its inode allocator checks every recently deleted inode), which
# would charge whichever side ran first. Needs RUNS x 2 GiB of free disk.
# Every command starts after a sync, so no side pays for the other's writeback.
# Wall and CPU (user + system, threads and child processes) time are both
# kept. Prints a Markdown table; ratio = ours / theirs.
set -euo pipefail

build=${1:-build}
bundle=$(cd "$build/bin" && pwd)/soak-bundle
size_mb=${SIZE_MB:-1024}
files=${FILES:-20000}
runs=${RUNS:-3}
dir=${BENCH_DIR:-/tmp/soak-cache-bench}
[ -x "$bundle" ] || { echo "cache-bench: no $bundle; build first" >&2; exit 2; }

rm -rf "$dir"
mkdir -p "$dir/ws"
python3 - "$dir/ws/tree" "$size_mb" "$files" <<'PY'
import os, random, sys
root, size_mb, nfiles = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(42)
words = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 10))) for _ in range(5000)]
text = b" ".join(rng.choice(words) for _ in range(3_000_000))  # ~20 MB of text-like bytes
total = size_mb << 20
# 90% of the files small (about 10% of the bytes), 10% large (the rest)
small, large = int(nfiles * 0.9), nfiles - int(nfiles * 0.9)
sizes = [rng.randint(200, int(total * 0.1 / small * 2)) for _ in range(small)]
left = total - sum(sizes)
sizes += [max(1, int(left / large * rng.uniform(0.5, 1.5))) for _ in range(large)]
rng.shuffle(sizes)
for i, n in enumerate(sizes):
    d = os.path.join(root, "d%02d" % (i % 40), "s%02d" % (i // 40 % 25))
    os.makedirs(d, exist_ok=True)
    kind = i % 3
    if kind == 0:    # incompressible (images, packed archives)
        data = os.urandom(n)
    elif kind == 1:  # text-like (sources, logs)
        off = rng.randrange(0, len(text) - n) if n < len(text) else 0
        data = (text[off:off + n] * (n // len(text) + 1))[:n]
    else:            # repetitive (object files with padding, generated data)
        block = os.urandom(64) + bytes(448)
        data = (block * (n // 512 + 1))[:n]
    with open(os.path.join(d, "f%05d.bin" % i), "wb") as f:
        f.write(data)
PY
tree_bytes=$(du -sb "$dir/ws/tree" | cut -f1)
tree_files=$(find "$dir/ws/tree" -type f | wc -l)
# warm the page cache (into a pipe: GNU tar reads nothing when it writes to /dev/null)
tar -cf - -C "$dir/ws" tree | cat >/dev/null

now() { date +%s.%N; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

ours_save() { "$bundle" cache save --key bench --path tree --root "$dir/ws" --store "$dir/store" --quiet; }
theirs_save() { tar --posix -cf - -C "$dir/ws" tree | zstd -T0 -q -o "$dir/theirs.tzst"; }
ours_restore() { "$bundle" cache restore --key bench --path tree --root "$dir/r1-$1" --store "$dir/store" --quiet; }
theirs_restore() { zstd -d -q -c "$dir/theirs.tzst" | tar -xf - -C "$dir/r2-$1"; }
# CPU seconds (user + system) of this shell's waited-for children, from /proc
cpu() { awk -v hz="$(getconf CLK_TCK)" '{print ($16 + $17) / hz}' /proc/$$/stat; }
# timed CMD ARG...: sync (no writeback of the run before charged to this one),
# run it; its wall seconds in $last, its CPU seconds in $lastcpu
timed() {
	local t0 t1 c0 c1
	sync
	c0=$(cpu)
	t0=$(now)
	"$@" || { echo "cache-bench: $1 failed" >&2; exit 1; }
	t1=$(now)
	c1=$(cpu)
	last=$(echo "$t1 - $t0" | bc)
	lastcpu=$(echo "$c1 - $c0" | bc)
}

load0=$(cut -d' ' -f1-3 /proc/loadavg)
ours_save=() theirs_save=() ours_restore=() theirs_restore=()
ours_save_cpu=() theirs_save_cpu=() ours_restore_cpu=() theirs_restore_cpu=()
# run SIDE OP [ARG]: timed SIDE_OP ARG, appended to SIDE_OP and SIDE_OP_cpu
run() {
	timed "$1_$2" "${@:3}"
	eval "$1_$2+=(\"\$last\") $1_$2_cpu+=(\"\$lastcpu\")"
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
	diff -r "$dir/ws/tree" "$dir/r1-$r/tree" >/dev/null ||
		{ echo "cache-bench: the restored tree differs" >&2; exit 1; }
done

ours_size=$(stat -c %s "$dir"/store/soak-cache-v1/*/bench.*.tar.zst)
theirs_size=$(stat -c %s "$dir/theirs.tzst")
os=$(median "${ours_save[@]}") ts=$(median "${theirs_save[@]}")
or=$(median "${ours_restore[@]}") tr=$(median "${theirs_restore[@]}")
osc=$(median "${ours_save_cpu[@]}") tsc=$(median "${theirs_save_cpu[@]}")
orc=$(median "${ours_restore_cpu[@]}") trc=$(median "${theirs_restore_cpu[@]}")
echo "tree: $tree_files files, $((tree_bytes >> 20)) MiB; $(nproc) CPUs; median of $runs runs;" \
	"load average $load0 before, $load1 after"
echo "save wall (s): ours ${ours_save[*]}; theirs ${theirs_save[*]}"
echo "restore wall (s): ours ${ours_restore[*]}; theirs ${theirs_restore[*]}"
echo "save CPU (s): ours ${ours_save_cpu[*]}; theirs ${theirs_save_cpu[*]}"
echo "restore CPU (s): ours ${ours_restore_cpu[*]}; theirs ${theirs_restore_cpu[*]}"
echo
row() { printf '| %s | %.2f | %.2f | %.2f |\n' "$1" "$2" "$3" "$(echo "$2 / $3" | bc -l)"; }
echo "| | soak-bundle cache | tar --posix + zstd -T0 | ratio |"
echo "|---|---:|---:|---:|"
row "save, wall (s)" "$os" "$ts"
row "restore, wall (s)" "$or" "$tr"
row "save, CPU (s)" "$osc" "$tsc"
row "restore, CPU (s)" "$orc" "$trc"
printf '| archive (MiB) | %.1f | %.1f | %.3f |\n' "$(echo "$ours_size / 1048576" | bc -l)" \
	"$(echo "$theirs_size / 1048576" | bc -l)" "$(echo "$ours_size / $theirs_size" | bc -l)"
rm -rf "$dir"
