#!/usr/bin/env bash
# soak-report on a generated metrics.jsonl of N iterations (default 1,000,000; about
# 510 MB), every report format, against jq and a short Python script computing the
# same aggregates (count, pass rate, p95 of duration_ms) in the same run, and `wc -l`
# as the I/O floor. The file is read once first so every contestant finds it cached.
# Targets: soak-report >= 10x faster than jq, >= 3x faster than Python, peak RSS <= 100 MB.
# Usage: bench/run-report.sh [N]       (SOAK_BIN: the programs, default build/bin)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
bin=${SOAK_BIN:-build/bin}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in jq python3 /usr/bin/time; do
	command -v "$t" >/dev/null || { echo "run-report: '$t' is needed" >&2; exit 4; }
done
cc -O2 -o "$work/gen-metrics" bench/gen-metrics.c -lm
mkdir -p "$work/soak"
"$work/gen-metrics" "$n" >"$work/soak/metrics.jsonl"
f=$work/soak/metrics.jsonl
cat "$f" >/dev/null

# run NAME CMD...: wall seconds and peak RSS (KiB) into $NAME.t, output into $NAME.out
run()
{
	local name=$1
	shift
	/usr/bin/time -f '%e %M %U %S' -o "$work/$name.t" "$@" >"$work/$name.out"
}
run wc wc -l "$f"
run report "$bin/soak-report" --dir "$work/soak" --out "$work/reports" -q
run report_full "$bin/soak-report" --dir "$work/soak" --out "$work/reports-full" -q --full-parse
run jq jq -n -c -f bench/report-agg.jq "$f"
run python python3 bench/report-agg.py "$f"

snap=$work/reports/POST_SOAK_SNAPSHOT.json
echo "metrics.jsonl: $n iterations, $(($(stat -c %s "$f") / 1000000)) MB; $(nproc) cores; $(uname -m)"
echo "aggregates (count, pass rate, p95 duration_ms):"
printf '  %-12s %s\n' soak-report "$(jq -c '[.whole.iterations, .whole.pass_rate, .whole.metrics.duration_ms.p95]' "$snap")"
printf '  %-12s %s\n' jq "$(jq -c '[.count, .pass_rate, .p95_duration_ms]' "$work/jq.out")"
printf '  %-12s %s\n' python "$(jq -c '[.count, .pass_rate, .p95_duration_ms]' "$work/python.out")"
read -r rep_s rep_kb rep_u rep_sys <"$work/report.t"
printf '%-28s %9s %9s %9s %11s %10s\n' program "wall s" "user s" "sys s" "peak RSS" "vs report"
for name in wc report report_full jq python; do
	read -r s kb u sy <"$work/$name.t"
	label=$name
	case $name in
	wc) label="wc -l (I/O floor)" ;;
	report) label="soak-report (all formats)" ;;
	report_full) label="soak-report --full-parse" ;;
	python) label="python3 json" ;;
	esac
	printf '%-28s %9.2f %9.2f %9.2f %8d MB %9.1fx\n' "$label" "$s" "$u" "$sy" $((kb / 1024)) \
		"$(awk -v a="$s" -v b="$rep_s" 'BEGIN { print (b > 0 ? a / b : 0) }')"
done
ok()
{
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }' && echo met || echo MISSED
}
read -r jq_s _ <"$work/jq.t"
read -r py_s _ <"$work/python.t"
read -r wc_s _ <"$work/wc.t"
echo "targets: jq/soak-report $(awk -v a="$jq_s" -v b="$rep_s" 'BEGIN { printf "%.1f", a / b }')x >= 10x: $(ok "$jq_s" "$(awk -v b="$rep_s" 'BEGIN { print 10 * b }')");" \
	"python/soak-report $(awk -v a="$py_s" -v b="$rep_s" 'BEGIN { printf "%.1f", a / b }')x >= 3x: $(ok "$py_s" "$(awk -v b="$rep_s" 'BEGIN { print 3 * b }')");" \
	"peak RSS $((rep_kb / 1024)) MB <= 100 MB: $([ "$rep_kb" -le 102400 ] && echo met || echo MISSED);" \
	"soak-report is $(awk -v a="$rep_s" -v b="$wc_s" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')x wc -l"
