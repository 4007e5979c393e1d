# soak-run, point 2: descendants that escape every trace — a new session and an
# empty environment (setsid -f env -i), so neither the process group nor the
# environment marker finds them — are still ended after the iteration, because
# they are re-parented to soak-run (a child subreaper). With a --service running,
# the service's own orphans are left alone by the iterations and ended with the
# service at the end of the run.
. "$(dirname "$0")/../lib.sh"

# --- escaped with setsid + env -i, the iteration ending normally ---
expect_exit 0 "$SOAK_RUN" -q -d a -n 2 -t 10s --kill-after 500ms -- \
	sh -c 'setsid -f env -i sh -c "echo \$\$ >>$PWD/escaped.pids; exec sleep 300"; sleep 0.3'
assert_lines escaped.pids 2
for pid in $(cat escaped.pids); do
	assert_pid_gone "$pid"
done
assert_json -s a/events.jsonl '[.[] | select(.event == "kill")] | length == 2'

# --- the same at a timeout ---
expect_exit 1 "$SOAK_RUN" -q -d b -n 1 -t 1s --kill-after 500ms -- \
	sh -c 'setsid -f env -i sh -c "echo \$\$ >$PWD/timeout.pid; exec sleep 300"; sleep 300'
assert_jq_eq b/metrics.jsonl .status timeout
assert_pid_gone "$(cat timeout.pid)"

# --- with a service: its daemonized child (re-parented to soak-run) survives the iterations ---
expect_exit 0 "$SOAK_RUN" -q -d c -n 3 --heartbeat 100ms --kill-after 500ms \
	--service "setsid -f env -i sh -c 'echo \$\$ >$PWD/svc-child.pid; exec sleep 300'; exec sleep 300" \
	--service-wait 300ms -- sh -c 'ps -o pid= -p "$(cat svc-child.pid)" >/dev/null'
assert_json -s c/metrics.jsonl 'map(.status) == ["pass", "pass", "pass"]'
assert_pid_gone "$(cat svc-child.pid)"

finish
