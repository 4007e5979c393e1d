# soak-run, local replay: --replay run.json reruns a recorded run with its settings
# and command; flags and the environment still win; machine-specific settings
# (dir, workdir, run-id, watch-pid, resume, force) are not taken over.
. "$(dirname "$0")/../lib.sh"

cat >steps.json <<'EOF2'
{ "steps": [ { "name": "a", "command": "echo step-a $GREETING", "timeout": "9s", "retries": 1, "backoff": "20ms" },
             { "name": "b", "command": ["sh", "-c", "exit 0"] } ] }
EOF2

# --- a recorded run with a command ---
expect_exit 0 "$SOAK_RUN" -q -d ci -n 2 -t 30s --heartbeat 10ms -e GREETING=hi --run-id ci-run -- sh -c 'echo got $GREETING'
GREETING=hi expect_exit 0 "$SOAK_RUN" -q --replay ci/run.json -d local
assert_lines local/metrics.jsonl 2
assert_contains local/logs/iter-000001.log "got hi"
assert_json local/run.json '.command == ["sh", "-c", "echo got $GREETING"]'
assert_json local/run.json '.config.timeout == {"value": "30s", "source": "replay"}'
assert_json local/run.json '.config.heartbeat.source == "replay" and .config.iterations.source == "replay"'
assert_json local/run.json '.config.env == {"value": ["GREETING"], "source": "replay"}'
assert_json local/run.json '.config.dir.source == "flag" and .run_id != "ci-run"'
assert_json local/run.json '.config["kill-after"].source == "default"'

# --- flags and the environment win over the replayed settings ---
GREETING=hi SOAK_ITERATIONS=3 expect_exit 0 "$SOAK_RUN" -q --replay ci/run.json -d local2 -t 20s
assert_lines local2/metrics.jsonl 3
assert_json local2/run.json '.config.iterations == {"value": "3", "source": "env"}'
assert_json local2/run.json '.config.timeout == {"value": "20s", "source": "flag"}'

# --- a command on the command line replaces the recorded one ---
GREETING=hi expect_exit 0 "$SOAK_RUN" -q --replay ci/run.json -d local3 -- sh -c 'echo other'
assert_contains local3/logs/iter-000001.log other

# --- steps are replayed from the form run.json records (timeout_ms, backoff_ms) ---
expect_exit 0 "$SOAK_RUN" -q -d cis -n 1 -e GREETING=yo --steps steps.json
GREETING=yo expect_exit 0 "$SOAK_RUN" -q --replay cis/run.json -d locals
assert_json locals/run.json '.steps | map(.name) == ["a", "b"]'
assert_json locals/run.json '.steps[0] | .timeout_ms == 9000 and .retries == 1 and .backoff_ms == 20'
assert_contains locals/logs/iter-000001-a.log "step-a yo"

# --- --env values are never stored: run.json has the names, a replay takes the
# values from the environment again, and a missing one is a usage error naming it ---
expect_exit 0 "$SOAK_RUN" -q -d sec -n 1 -e API_KEY=s3cretVALUE -e MODE=fast -- sh -c 'echo "key=$API_KEY mode=$MODE"'
assert_contains sec/logs/iter-000001.log "key=s3cretVALUE mode=fast"
assert_json sec/run.json '.config.env == {"value": ["API_KEY", "MODE"], "source": "flag"}'
for f in run.json summary.json health.json metrics.jsonl events.jsonl; do
	assert_not_contains "sec/$f" s3cretVALUE
done
expect_exit 0 env SOAK_ENV=$'TOKEN=t0kenVALUE' "$SOAK_RUN" -q -d sec-env -n 1 -- true
assert_json sec-env/run.json '.config.env == {"value": ["TOKEN"], "source": "env"}'
assert_not_contains sec-env/run.json t0kenVALUE
expect_exit 2 env -u API_KEY MODE=slow "$SOAK_RUN" -q --replay sec/run.json -d sec2
assert_contains "$ERR" "replay 'sec/run.json': 'API_KEY' is not set in the environment"
assert_no_file sec2
expect_exit 2 env -u API_KEY -u MODE "$SOAK_RUN" -q --replay sec/run.json -d sec2
assert_contains "$ERR" "'API_KEY', 'MODE' are not set in the environment"
expect_exit 0 env API_KEY=an0ther MODE=slow "$SOAK_RUN" -q --replay sec/run.json -d sec3
assert_contains sec3/logs/iter-000001.log "key=an0ther mode=slow"
assert_json sec3/run.json '.config.env == {"value": ["API_KEY", "MODE"], "source": "replay"}'
assert_not_contains sec3/run.json an0ther
# a run.json of an earlier soak-run, with KEY=VALUE recorded, still replays as it was
echo '{"schema": "1.0", "config": {"env": {"value": ["OLD=kept"], "source": "flag"}, "iterations": {"value": "1", "source": "flag"}}, "command": ["sh", "-c", "echo old=$OLD"]}' >old.json
expect_exit 0 "$SOAK_RUN" -q --replay old.json -d old
assert_contains old/logs/iter-000001.log "old=kept"

# --- bad replay files ---
expect_exit 3 "$SOAK_RUN" -q --replay nonexistent/run.json -d x1
assert_contains "$ERR" nonexistent/run.json
echo '{"schema": "2.0", "config": {}}' >newer.json
expect_exit 3 "$SOAK_RUN" -q --replay newer.json -d x2
assert_contains "$ERR" "schema 2.0"
echo '{"schema": "1.0", "config": {"timeout": {"value": "soon", "source": "flag"}}, "command": ["true"]}' >bad.json
expect_exit 2 "$SOAK_RUN" -q --replay bad.json -d x3
assert_contains "$ERR" "'soon'"
assert_contains "$ERR" "replay 'bad.json'"
echo '{"schema": "1.0", "config": {"iterations": {"value": "1", "source": "flag"}}}' >nocmd.json
expect_exit 3 "$SOAK_RUN" -q --replay nocmd.json -d x4
assert_contains "$ERR" "records neither a command nor steps"

finish
