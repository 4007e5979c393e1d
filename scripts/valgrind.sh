#!/usr/bin/env bash
# valgrind memcheck over a representative run of each program: no memory errors
# and no definite leaks, or exit 1. On demand (it takes a minute or two):
#   scripts/valgrind.sh [BUILD_DIR]     default: build (configured like scripts/test.sh)
# Each run's log is kept in BUILD_DIR/valgrind/<name>.log.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
if [[ ! -x $build/bin/soak-run ]]; then
	cmake -S . -B "$build" -DSOAK_WERROR=ON >/dev/null
	cmake --build "$build" -j "$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)"
fi
command -v valgrind >/dev/null || {
	echo "valgrind.sh: valgrind is needed (scripts/install-deps.sh installs it)" >&2
	exit 4
}
bin=$(cd "$build/bin" && pwd)
logs=$(cd "$build" && pwd)/valgrind
rm -rf "$logs"
mkdir -p "$logs"
work=$(mktemp -d "${TMPDIR:-/tmp}/soak-valgrind.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 GIT_CEILING_DIRECTORIES=$work
export SOURCE_DATE_EPOCH=1700000000
for v in $(compgen -e); do
	case $v in SOAK_* | GITHUB_*) unset "$v" ;; esac
done

vg=(valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite
	--error-exitcode=99 --track-fds=no --num-callers=30 -q)
failed=0
total=0
# check NAME EXPECTED-EXIT CMD...: CMD under memcheck must exit EXPECTED-EXIT
check()
{
	local name=$1 want=$2 rc t0 t1
	shift 2
	total=$((total + 1))
	t0=$(date +%s.%N)
	set +e
	"${vg[@]}" --log-file="$logs/$name.log" "$@" >"$logs/$name.out" 2>&1 </dev/null
	rc=$?
	set -e
	t1=$(date +%s.%N)
	# valgrind 3.19 does not know pidfd_open (434): it answers ENOSYS, which
	# soak-run handles (it falls back to polling); that warning is not an error
	grep -v -e 'unhandled amd64-linux syscall: 434' -e 'You may be able to write your own' \
		-e 'README_MISSING_SYSCALL_OR_IOCTL' -e 'Nevertheless we consider this a bug' \
		-e 'valgrind.org/support/bug_reports' "$logs/$name.log" >"$logs/$name.errors" || true
	if [[ $rc == 99 || $rc != "$want" || -s $logs/$name.errors ]]; then
		failed=$((failed + 1))
		printf 'FAIL %-22s exit %s (expected %s), see %s\n' "$name" "$rc" "$want" "$logs/$name.log"
		head -n 30 "$logs/$name.errors" | sed 's/^/    | /'
	else
		printf 'ok   %-22s exit %s, %5.1f s, no errors, no leaks\n' "$name" "$rc" \
			"$(echo "$t1 - $t0" | bc)"
	fi
}

cat >steps.json <<'JSON'
{"schema":"1.0","steps":[
 {"name":"build","command":["sh","-c","echo building; seq 1 2000"]},
 {"name":"test","command":"echo '{\"lat\": 12.5, \"qps\": 1000}' > \"$SOAK_KPI_FILE\"; [ $SOAK_ITERATION -ne 3 ]",
  "retries":1,"backoff":"10ms"},
 {"name":"flaky","command":["sh","-c","exit $((SOAK_ITERATION % 2))"],"allow_failure":true}]}
JSON
printf '{"run":{"heartbeat":"0","kill-after":"200ms"}}' >soak.json

# soak-run: steps with retries, KPIs, sampling, logs past the cap, a timeout
# that kills a process tree, then --resume
check run-steps 1 "$bin/soak-run" --dir soak --steps steps.json -n 8 -q --sample-interval 20ms \
	--log-max 4KiB --config soak.json
check run-timeout 1 "$bin/soak-run" --dir soak2 -n 3 -q -t 300ms --kill-after 200ms \
	--sample-interval 50ms -- sh -c 'sleep 5 & sleep 5; wait'
check run-resume 1 "$bin/soak-run" --dir soak --resume --steps steps.json -n 12 -q \
	--sample-interval 20ms
check run-dry 0 "$bin/soak-run" --dir soak3 --dry-run -n 1 -- true
check run-usage 2 "$bin/soak-run" --timeout forever -- true
# soak-report: every format, gates, two shards
check report 1 "$bin/soak-report" --dir soak --gate 'pass_rate>=0.99' \
	--gate 'duration_ms:p(95)<2s' --warn-gate 'kpi.lat:avg<10' -q
check report-shards 0 "$bin/soak-report" --dir soak --dir soak2 --out merged -q \
	--junit-steps
check report-bad-gate 2 "$bin/soak-report" --dir soak --gate 'pass_rate>>1' -q
# soak-bundle: release with archives, verify the directory and the archives
git init -q repo && git -C repo -c user.name=t -c user.email=t@e commit -q --allow-empty -m init
check bundle-tar 0 "$bin/soak-bundle" release --src soak --out dist/b1 --archive tar.gz \
	--repo repo --require-verdict ANY -q
check bundle-zip 0 "$bin/soak-bundle" release --src soak --out dist/b2 --archive zip \
	--repo repo --require-verdict ANY -q
check verify-dir 0 "$bin/soak-bundle" verify dist/b1
check verify-tar 0 "$bin/soak-bundle" verify dist/b1.tar.gz
check verify-zip 0 "$bin/soak-bundle" verify dist/b2.zip
# soak-clean: compression, keep rules, a byte budget; then verify
touch -d '3 days ago' soak/logs/*
check clean-dry 0 "$bin/soak-clean" --dry-run --compress-after 1d soak
check clean 0 "$bin/soak-clean" --compress-after 1d --keep 'logs/iter-*=20' --hard-limit 10MB -q soak
check clean-gzip 0 "$bin/soak-clean" --compress-after 1d --compression gzip -q soak2
check clean-verify 0 "$bin/soak-clean" verify --min-free-disk 0 soak

# soak-bundle cache: save and restore through a local store, a required miss
mkdir -p ws/deps ws2
seq 1 20000 >ws/deps/a.txt
ln -s a.txt ws/deps/link
check cache-save 0 "$bin/soak-bundle" cache save --key k1 --path deps --root ws --store store
check cache-restore 0 "$bin/soak-bundle" cache restore --key k2 --restore-keys k --path deps \
	--root ws2 --store store
check cache-miss 5 "$bin/soak-bundle" cache restore --key nope --path deps --root ws2 \
	--store store --fail-on-cache-miss
# soak-canary: a judgement of two soak directories, a checklist, a tag's message,
# a notification to a closed loopback port (exit 4 after its retries)
check canary-judge-any "$(
	"$bin/soak-canary" judge --baseline soak --canary soak2 --report-dir judge0 >/dev/null 2>&1
	echo $?
)" "$bin/soak-canary" judge --baseline soak --canary soak2 --report-dir judge
check canary-checklist 0 "$bin/soak-canary" checklist --bundle dist/b1 --out checklist.md
check canary-tag 0 "$bin/soak-canary" tag --bundle dist/b1 --tag v1.0.0 --dry-run --repo repo
check canary-notify 4 "$bin/soak-canary" notify --notify json://127.0.0.1:9/hook --message hi \
	--notify-retries 1 --notify-backoff 10ms

echo "valgrind memcheck: $total runs, $failed failed"
((failed == 0))
