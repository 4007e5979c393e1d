#!/usr/bin/env bash
# soak-clean against what a user would run instead, in the same run on the same
# machine, each contender on a fresh identical copy of one tree:
#   tree      100,000 files in 1,000 directories (100 bytes each), ages mixed over
#             1, 2, 3, 5, 10, 15, 30 and 60 days (+3 h, so no file sits on a day
#             boundary and find's whole-day rounding agrees with 7d)
#   age       soak-clean --max-age 7d   vs  find DIR -type f -mtime +7 -delete
#             vs  a Python pathlib script (rglob, lstat, unlink)
#   count     soak-clean --keep 'd*/f*=50000'  vs  find -printf | sort | xargs rm
#             vs  a Python pathlib script (glob, sort by mtime, unlink the rest)
# Every contender must leave the same number of files (checked). The median wall
# time of REPS rounds is reported, with the ratios to soak-clean.
# Usage: bench/run-clean.sh [REPS]     (default 5; BENCH_DIR sets the scratch place)
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-5}
bin=${SOAK_BIN:-build/bin}
[ -x "$bin/soak-clean" ] || { echo "build first: cmake --build build --target soak-clean" >&2; exit 2; }
base=${BENCH_DIR:-${TMPDIR:-/tmp}}
work=$(mktemp -d "$base/soak-clean-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

python3 - "$work/template" <<'PY'
import os, sys, time
root = sys.argv[1]
now = time.time()
ages = [1, 2, 3, 5, 10, 15, 30, 60]
os.makedirs(root)
with open(os.path.join(root, "run.json"), "w") as f:
    f.write('{"schema":"1.0","run_id":"bench"}\n')
data = b"x" * 99 + b"\n"
for d in range(1000):
    dp = os.path.join(root, "d%04d" % d)
    os.mkdir(dp)
    for i in range(100):
        p = os.path.join(dp, "f%03d.log" % i)
        fd = os.open(p, os.O_WRONLY | os.O_CREAT, 0o644)
        os.write(fd, data)
        os.close(fd)
        t = now - (ages[(d * 7 + i) % len(ages)] * 86400 + 3 * 3600 + i)
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
left=""

# run NAME CMD...: copy the template to $work/t, time CMD (with $work/t as DIR), check the count
run()
{
	local name=$1 s e n
	shift
	rm -rf "$work/t"
	cp -a "$work/template" "$work/t"
	sync
	s=$(now)
	"$@" >/dev/null
	e=$(now)
	n=$(find "$work/t" -type f | wc -l)
	if [[ -n $left && $n != "$left" ]]; then
		echo "run-clean: $name left $n files, expected $left" >&2
		exit 1
	fi
	left=$n
	echo "$e - $s" | bc -l >>"$work/$name.times"
}

keep=50000
for r in $(seq "$reps"); do
	left=""
	run age-soak "$bin/soak-clean" -q --max-age 7d "$work/t"
	run age-find find "$work/t" -type f -mtime +7 -delete
	run age-python python3 "$work/age.py" "$work/t"
	left=""
	run count-soak "$bin/soak-clean" -q --keep "d*/f*=$keep" "$work/t"
	run count-find sh -c "find '$work/t' -path '$work/t/d*/f*' -type f -printf '%T@ %p\n' | sort -k1,1nr -k2,2r | tail -n +$((keep + 1)) | cut -d' ' -f2- | xargs -d '\n' rm -f" 
	run count-python python3 "$work/count.py" "$work/t" "$keep"
done

printf '%-8s %-32s %10s %10s\n' policy contender "median s" "vs soak"
for pol in age count; do
	ms=$(median <"$work/$pol-soak.times")
	for c in soak find python; do
		m=$(median <"$work/$pol-$c.times")
		case $c in
		soak) label="soak-clean" ;;
		find) [[ $pol == age ]] && label="find -mtime +7 -delete" || label="find|sort|xargs rm" ;;
		python) label="python3 pathlib" ;;
		esac
		printf '%-8s %-32s %10.3f %9.2fx\n' "$pol" "$label" "$m" "$(echo "$m / $ms" | bc -l)"
	done
done
echo "($reps rounds; 100,000 files in 1,000 directories; $(nproc) cpus; $(uname -sr))"
