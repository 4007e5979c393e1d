#!/usr/bin/env bash
# soak-clean against what a user would run instead, in the same run on the same
# machine, each contender on a fresh identical copy of one tree:
#   tree      100,000 files in 1,000 directories (100 bytes each; BENCH_DIRS), ages spread
#             continuously over 0 to 14 days, except the 30 minutes either side
#             of 7 days (the contenders run minutes apart and the files age)
#   age       soak-clean --max-age 7d (its default threads: the CPUs, at most 4)
#             vs  find DIR -type f -mmin +10080 -delete (the find rule that removes
#             the same files; -mtime +7 rounds to whole days and keeps those under
#             8 days)  vs  soak-clean --threads 1  vs  a Python pathlib script
#   count     soak-clean --keep 'd*/f*=5000' (BENCH_KEEP, the newest 5,000 stay)
#             vs  find -printf | sort | xargs rm  vs  a Python pathlib script
#             (glob, sort by mtime, unlink the rest)
# Every contender must leave the same files (the sorted list of what survives is
# compared, file by file; a difference exits 1). Min and median wall time of REPS
# alternating rounds are reported, with the ratios of the medians to soak-clean,
# the largest peak RSS of each contender (/usr/bin/time; for a pipeline, its
# largest process), and the load average.
# Usage: bench/run-clean.sh [REPS]     (default 5; BENCH_DIR sets the scratch place,
#        BENCH_DIRS the number of directories of 100 files, default 1000; BENCH_KEEP
#        the files the count policy keeps, default 5000)
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-5}
bin=${SOAK_BIN:-build/bin}
[ -x "$bin/soak-clean" ] || { echo "build first: cmake --build build --target soak-clean" >&2; exit 2; }
base=${BENCH_DIR:-${TMPDIR:-/tmp}}
ndirs=${BENCH_DIRS:-1000}
[ -x /usr/bin/time ] || { echo "run-clean: needs /usr/bin/time (GNU time) for peak memory" >&2; exit 2; }
work=$(mktemp -d "$base/soak-clean-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

python3 - "$work/template" "$ndirs" <<'PY'
import os, sys, time
root = sys.argv[1]
now = time.time()
import random
rng = random.Random(7)
os.makedirs(root)
with open(os.path.join(root, "run.json"), "w") as f:
    f.write('{"schema":"1.0","run_id":"bench"}\n')
data = b"x" * 99 + b"\n"
for d in range(int(sys.argv[2])):
    dp = os.path.join(root, "d%04d" % d)
    os.mkdir(dp)
    for i in range(100):
        p = os.path.join(dp, "f%03d.log" % i)
        fd = os.open(p, os.O_WRONLY | os.O_CREAT, 0o644)
        os.write(fd, data)
        os.close(fd)
        age = rng.uniform(0, 14 * 86400)
        while abs(age - 7 * 86400) < 1800:
            age = rng.uniform(0, 14 * 86400)
        t = now - age
        os.utime(p, (t, t))
PY

cat >"$work/age.py" <<'PY'
import sys, time
from pathlib import Path
cutoff = time.time() - 7 * 86400
for p in Path(sys.argv[1]).rglob("*"):
    st = p.lstat()
    if not p.is_dir() and p.name != "run.json" and st.st_mtime < cutoff:
        p.unlink()
PY
cat >"$work/count.py" <<'PY'
import sys
from pathlib import Path
files = [(p.lstat().st_mtime, p) for p in Path(sys.argv[1]).glob("d*/f*") if not p.is_dir()]
files.sort(key=lambda t: (t[0], str(t[1])), reverse=True)
for _, p in files[int(sys.argv[2]):]:
    p.unlink()
PY

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
minimum() { sort -n | head -n 1; }
left=""
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# run NAME CMD...: copy the template to $work/t, time CMD (with $work/t as DIR), check the count
run()
{
	local name=$1 s e n
	shift
	rm -rf "$work/t"
	cp -a "$work/template" "$work/t"
	sync
	s=$(now)
	/usr/bin/time -f %M -o "$work/rss" "$@" >/dev/null
	e=$(now)
	tail -n 1 "$work/rss" >>"$work/$name.rss"
	(cd "$work/t" && find . -type f | LC_ALL=C sort) >"$work/left.$name"
	if [[ -n $left ]] && ! cmp -s "$work/left.$name" "$left"; then
		echo "run-clean: $name left other files than ${left##*.}:" >&2
		diff "$left" "$work/left.$name" | head -n 5 >&2
		exit 1
	fi
	[[ -n $left ]] || left=$work/left.$name
	echo "$e - $s" | bc -l >>"$work/$name.times"
}

keep=${BENCH_KEEP:-5000}
for r in $(seq "$reps"); do
	left=""
	if ((r % 2)); then
		run age-soak "$bin/soak-clean" -q --max-age 7d "$work/t"
		run age-find find "$work/t" -type f -mmin +10080 -delete
		run age-soak1 "$bin/soak-clean" -q --threads 1 --max-age 7d "$work/t"
	else
		run age-soak1 "$bin/soak-clean" -q --threads 1 --max-age 7d "$work/t"
		run age-find find "$work/t" -type f -mmin +10080 -delete
		run age-soak "$bin/soak-clean" -q --max-age 7d "$work/t"
	fi
	run age-python python3 "$work/age.py" "$work/t"
	left=""
	run count-soak "$bin/soak-clean" -q --keep "d*/f*=$keep" "$work/t"
	run count-find sh -c "find '$work/t' -path '$work/t/d*/f*' -type f -printf '%T@ %p\n' | sort -k1,1nr -k2,2r | tail -n +$((keep + 1)) | cut -d' ' -f2- | xargs -d '\n' rm -f" 
	run count-python python3 "$work/count.py" "$work/t" "$keep"
done

printf '%-8s %-32s %10s %10s %10s %10s\n' policy contender "min s" "median s" "vs soak" "peak KiB"
for pol in age count; do
	ms=$(median <"$work/$pol-soak.times")
	for c in soak find soak1 python; do
		[[ -f $work/$pol-$c.times ]] || continue
		m=$(median <"$work/$pol-$c.times")
		case $c in
		soak) label="soak-clean" ;;
		soak1) label="soak-clean --threads 1" ;;
		find) [[ $pol == age ]] && label="find -mmin +10080 -delete" || label="find|sort|xargs rm" ;;
		python) label="python3 pathlib" ;;
		esac
		printf '%-8s %-32s %10.3f %10.3f %9.2fx %10d\n' "$pol" "$label" "$(minimum <"$work/$pol-$c.times")" \
			"$m" "$(echo "$m / $ms" | bc -l)" "$(sort -n "$work/$pol-$c.rss" | tail -n 1)"
	done
done
echo "($reps rounds; $((ndirs * 100)) files in $ndirs directories; $(nproc) cpus; $(uname -sr);" \
	"load average $load0 before, $(cut -d' ' -f1-3 /proc/loadavg) after)"
