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
# first); the median time counts. Prints a Markdown table; ratio = ours / theirs.
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
tar -cf - -C "$dir/ws" tree >/dev/null # warm the page cache

now() { date +%s.%N; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

ours_save=() theirs_save=() ours_restore=() theirs_restore=()
for r in $(seq "$runs"); do
	rm -rf "$dir/store" "$dir/theirs.tzst"
	t0=$(now)
	"$bundle" cache save --key bench --path tree --root "$dir/ws" --store "$dir/store" --quiet
	t1=$(now)
	tar --posix -cf - -C "$dir/ws" tree | zstd -T0 -q -o "$dir/theirs.tzst"
	t2=$(now)
	ours_save+=("$(echo "$t1 - $t0" | bc)")
	theirs_save+=("$(echo "$t2 - $t1" | bc)")
	sync

	rm -rf "$dir/r1" "$dir/r2" && mkdir -p "$dir/r1" "$dir/r2"
	t0=$(now)
	"$bundle" cache restore --key bench --path tree --root "$dir/r1" --store "$dir/store" --quiet
	t1=$(now)
	zstd -d -q -c "$dir/theirs.tzst" | tar -xf - -C "$dir/r2"
	t2=$(now)
	ours_restore+=("$(echo "$t1 - $t0" | bc)")
	theirs_restore+=("$(echo "$t2 - $t1" | bc)")
	sync
done
diff -r "$dir/ws/tree" "$dir/r1/tree" >/dev/null || { echo "cache-bench: the restored tree differs" >&2; exit 1; }

ours_size=$(stat -c %s "$dir"/store/soak-cache-v1/*/bench.*.tar.zst)
theirs_size=$(stat -c %s "$dir/theirs.tzst")
os=$(median "${ours_save[@]}") ts=$(median "${theirs_save[@]}")
or=$(median "${ours_restore[@]}") tr=$(median "${theirs_restore[@]}")
echo "tree: $tree_files files, $((tree_bytes >> 20)) MiB; $(nproc) CPUs; median of $runs runs"
echo
echo "| | soak-bundle cache | tar --posix + zstd -T0 | ratio |"
echo "|---|---:|---:|---:|"
printf '| save (s) | %.2f | %.2f | %.2f |\n' "$os" "$ts" "$(echo "$os / $ts" | bc -l)"
printf '| restore (s) | %.2f | %.2f | %.2f |\n' "$or" "$tr" "$(echo "$or / $tr" | bc -l)"
printf '| archive (MiB) | %.1f | %.1f | %.3f |\n' "$(echo "$ours_size / 1048576" | bc -l)" \
	"$(echo "$theirs_size / 1048576" | bc -l)" "$(echo "$ours_size / $theirs_size" | bc -l)"
rm -rf "$dir"
