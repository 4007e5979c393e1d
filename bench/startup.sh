#!/usr/bin/env bash
# Start-up time of the release programs against /bin/true, in the same run on
# the same machine: each program's --version, CALLS times in a row by a bare C
# loop that only spawns and waits (bench/spawn-floor.c), against /bin/true
# CALLS times the same way; ROUNDS rounds, the contenders alternating (their
# order reversed every other round). Reported per call: min and median over the
# rounds, and each median's ratio to /bin/true's (target <= 2). With
# BUILD_BIN (default build/bin, when it is there) the development build's
# programs, linked against the system's shared libraries, are measured too.
# Before timing, each program's --version must print "NAME VERSION" and exit 0.
# Usage: bench/startup.sh [RELEASE_BIN] [CALLS] [ROUNDS]
#        (default build-release/linux-x64-out/bin 200 7; scripts/release-build.sh makes it)
set -euo pipefail
cd "$(dirname "$0")/.."
rel=${1:-build-release/linux-x64-out/bin}
calls=${2:-200}
rounds=${3:-7}
dev=${BUILD_BIN:-build/bin}
programs=(soak-run soak-report soak-bundle soak-canary soak-clean)
[ -x "$rel/soak-run" ] || { echo "startup: no release programs in $rel: scripts/release-build.sh linux-x64 build-release/linux-x64-out" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/spawn-floor" bench/spawn-floor.c

# the contenders: label and program; the outputs checked first
labels=(true) cmds=(/bin/true)
for p in "${programs[@]}"; do
	for kind in release dev; do
		dir=$rel
		if [ "$kind" = dev ]; then
			dir=$dev
			[ -x "$dir/$p" ] || continue
		fi
		out=$("$dir/$p" --version) || { echo "startup: $dir/$p --version exited $?" >&2; exit 1; }
		[[ $out =~ ^$p\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "startup: $dir/$p --version printed '$out'" >&2; exit 1; }
		labels+=("$p ($kind)") cmds+=("$dir/$p")
	done
done

n=${#cmds[@]}
declare -A t
for r in $(seq "$rounds"); do
	order=$(seq 0 $((n - 1)))
	[ $((r % 2)) = 0 ] && order=$(seq $((n - 1)) -1 0)
	for i in $order; do
		args=(--version)
		[ "$i" = 0 ] && args=()
		s=$EPOCHREALTIME
		"$work/spawn-floor" "$calls" "${cmds[i]}" "${args[@]}" >/dev/null
		e=$EPOCHREALTIME
		# microseconds per call
		t[$i]+="$(echo "($e - $s) * 1000000 / $calls" | bc -l) "
	done
done

stat() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {printf "%s %s\n", a[1], a[int((NR+1)/2)]}'; }
read -r _ base < <(echo "${t[0]}" | stat)
printf 'calls: %d per round, rounds: %d, load average: %s\n' "$calls" "$rounds" "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
printf '%-22s %10s %10s %8s\n' program "min (ms)" "median" "/ true"
worst=0
for i in $(seq 0 $((n - 1))); do
	read -r mn md < <(echo "${t[$i]}" | stat)
	ratio=$(echo "$md / $base" | bc -l)
	printf '%-22s %10.3f %10.3f %8.2f\n' "${labels[i]}" "$(echo "$mn / 1000" | bc -l)" "$(echo "$md / 1000" | bc -l)" "$ratio"
	if [[ ${labels[i]} == *release* ]] && (($(echo "$ratio > $worst" | bc -l))); then worst=$ratio; fi
done
printf 'slowest release program / true = %.2f (target <= 2)\n' "$worst"
