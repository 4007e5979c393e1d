# soak-run, point 4: output capture capped by --log-max, head and tail kept, the
# middle dropped with a note, and soak-run's own memory bounded whatever the child writes.
. "$(dirname "$0")/../lib.sh"

# soak-run's peak RSS in kB, sampled from /proc while it runs (VmHWM is a high-water mark).
HWM=0
watch_hwm()
{
	local v
	while kill -0 "$BG_PID" 2>/dev/null; do
		v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$BG_PID/status" 2>/dev/null)
		[[ -n $v ]] && ((v > HWM)) && HWM=$v
		[[ $(_state "$BG_PID") == Z ]] && break
		sleep 0.05
	done
}

# --- a child printing 1 GiB of text ---
run_bg "$SOAK_RUN" -q -d big -n 1 --log-max 1MiB \
	-- sh -c 'echo HEAD-MARK; "$0" 1G; echo; echo TAIL-MARK' "$SOAK_HELPERS/spew"
watch_hwm
expect_bg_exit 0 120
L=big/logs/iter-000001.log
assert_file "$L"
size=$(stat -c %s "$L")
assert_num "$size" '<=' $((1048576 + 4096)) "log size (bytes) with --log-max 1MiB"
assert_num "$size" '>=' $((1048576 - 4096)) "log size (bytes) with --log-max 1MiB"
assert_eq "$(head -n 1 "$L")" HEAD-MARK "first line of the log"
assert_eq "$(tail -n 1 "$L")" TAIL-MARK "last line of the log"
assert_match "$L" 'dropped|omitted|truncated'
assert_json big/metrics.jsonl '.status == "pass"'
total=$((1073741824 + 10 + 1 + 10))
assert_json big/metrics.jsonl ".log_dropped_bytes >= $total - 1048576 and .log_dropped_bytes <= $total"
if grep -q __asan_init "$SOAK_RUN" 2>/dev/null; then
	echo "note: soak-run is built with AddressSanitizer; its RSS is not checked"
else
	assert_num "$HWM" '>' 0 "soak-run VmHWM (kB) was read"
	assert_num "$HWM" '<' 51200 "soak-run peak RSS (kB) while capturing 1 GiB"
fi

# --- 100 MB without a newline ---
expect_exit 0 "$SOAK_RUN" -q -d oneline -n 1 --log-max 64KiB \
	-- sh -c 'printf START; head -c 100000000 /dev/zero | tr "\0" x; echo END'
L=oneline/logs/iter-000001.log
assert_num "$(stat -c %s "$L")" '<=' $((65536 + 1024)) "log size (bytes) with --log-max 64KiB"
assert_eq "$(head -c 5 "$L")" START "start of the log"
assert_contains "$L" "xxxEND"

# --- under the cap: the whole output, nothing dropped, no note ---
expect_exit 0 "$SOAK_RUN" -q -d small -n 1 --log-max 1MiB -- sh -c 'seq 1 20000'
L=small/logs/iter-000001.log
assert_eq "$(cat "$L")" "$(seq 1 20000)" "the log of a command under the cap"
assert_json small/metrics.jsonl ".log_dropped_bytes == 0 and .log_bytes == $(stat -c %s "$L")"

# --- a small cap, lines: the head and the tail of the output, in order ---
expect_exit 0 "$SOAK_RUN" -q -d lines -n 1 --log-max 10KiB -- sh -c 'seq 1 100000'
L=lines/logs/iter-000001.log
assert_num "$(stat -c %s "$L")" '<=' $((10240 + 1024)) "log size (bytes) with --log-max 10KiB"
assert_eq "$(head -n 1 "$L")" 1 "first line"
assert_eq "$(tail -n 1 "$L")" 100000 "last line"
assert_eq "$(tail -n 2 "$L" | head -n 1)" 99999 "last but one line"
assert_json lines/metrics.jsonl ".log_dropped_bytes > $(seq 1 100000 | wc -c) - 11000"

# --- stderr is captured too, and a step log is capped the same way ---
cat >steps.json <<'EOF'
{ "schema": "1.0", "steps": [ { "name": "noisy", "command": "echo to-stderr >&2; seq 1 100000; echo END" } ] }
EOF
expect_exit 0 "$SOAK_RUN" -q -d steps -n 1 --log-max 10KiB --steps steps.json
L=steps/logs/iter-000001-noisy.log
assert_contains "$L" to-stderr
assert_eq "$(tail -n 1 "$L")" END "last line of the step log"
assert_num "$(stat -c %s "$L")" '<=' $((10240 + 1024)) "step log size (bytes)"

finish
