# soak-run, configuration: flag > SOAK_* environment > config file > default,
# in effect and as recorded in run.json's config (value and source).
. "$(dirname "$0")/../lib.sh"

cat >soak.json <<'EOF'
{
  "iterations": 3,
  "timeout": "7s",
  "max_failures": 4,
  "kill-after": "2s",
  "run": { "kill-after": "3s", "heartbeat": "10ms" }
}
EOF

# setting DIR NAME VALUE SOURCE: run.json records it so
setting()
{
	assert_json "$1/run.json" "(.config[\"$2\"] // .config[\"$(tr - _ <<<"$2")\"]) as \$s | (\$s.value | tostring) == \"$3\" and \$s.source == \"$4\""
}

# --- the config file alone ---
expect_exit 0 "$SOAK_RUN" -q -d c --config soak.json -- true
assert_lines c/metrics.jsonl 3
setting c iterations 3 config
setting c timeout 7s config
setting c max-failures 4 config
setting c kill-after 3s config # the "run" section wins over the top level
setting c heartbeat 10ms config
setting c log-max 10MiB default
setting c sample-interval 1s default
setting c min-free-disk 100MiB default
assert_json c/run.json '.config | has("help") or has("version") | not'

# --- the environment over the file; SOAK_CONFIG names the file ---
expect_exit 0 env SOAK_CONFIG=soak.json SOAK_ITERATIONS=2 SOAK_TIMEOUT=9s "$SOAK_RUN" -q -d e -- true
assert_lines e/metrics.jsonl 2
setting e iterations 2 env
setting e timeout 9s env
setting e kill-after 3s config
setting e max-failures 4 config

# --- a flag over both ---
expect_exit 0 env SOAK_ITERATIONS=2 SOAK_TIMEOUT=9s "$SOAK_RUN" -q -d f --config soak.json -n 1 --timeout 11s -- true
assert_lines f/metrics.jsonl 1
setting f iterations 1 flag
setting f timeout 11s flag
setting f heartbeat 10ms config
setting f log-max 10MiB default

# --- the effect, not only the record: a timeout from the config file applies ---
cat >short.json <<'EOF'
{ "run": { "timeout": "300ms", "kill-after": "1s", "iterations": 1 } }
EOF
expect_exit 1 "$SOAK_RUN" -q -d t --config short.json -- sleep 30
assert_json t/metrics.jsonl '.status == "timeout"'
expect_exit 0 env SOAK_TIMEOUT=0 "$SOAK_RUN" -q -d t0 --config short.json -- sleep 0.5
assert_json t0/metrics.jsonl '.status == "pass"'
setting t0 timeout 0 env
# a flag set through the environment and the file
echo '{ "fail-fast": true }' >ff.json
expect_exit 1 "$SOAK_RUN" -q -d ff -n 5 --config ff.json -- false
assert_json ff/summary.json '.stop_reason == "fail_fast" and .iterations == 1'
assert_json ff/run.json '(.config["fail-fast"] // .config.fail_fast) | (.value | tostring | IN("true", "1")) and .source == "config"'
# a list: --env from the environment, one item per line
expect_exit 0 env SOAK_ENV=$'A=1\nB=two' "$SOAK_RUN" -q -d l -n 1 -- sh -c 'echo "A=$A B=$B"'
assert_contains l/logs/iter-000001.log "A=1 B=two"

# --- bad configuration: its name, the value, exit 2 before anything runs ---
echo '{ "timeout": "24x" }' >bad-value.json
expect_exit 2 "$SOAK_RUN" -q -d never --config bad-value.json -n 1 -- touch ran
assert_contains "$ERR" timeout
assert_contains "$ERR" 24x
echo '{ "no-such-setting": 1 }' >bad-key.json
expect_exit 2 "$SOAK_RUN" -q -d never --config bad-key.json -n 1 -- touch ran
assert_contains "$ERR" no-such-setting
echo '{ "iterations": "many" }' >bad-type.json
expect_exit 2 "$SOAK_RUN" -q -d never --config bad-type.json -- touch ran
assert_contains "$ERR" iterations
printf '{\n  "timeout": "1s",\n  "iterations" 3\n}\n' >syntax.json
expect_exit 3 "$SOAK_RUN" -q -d never --config syntax.json -- touch ran
assert_contains "$ERR" syntax.json
expect_exit 3 "$SOAK_RUN" -q -d never --config no-such-config.json -- touch ran
assert_contains "$ERR" no-such-config.json
assert_no_file ran
assert_no_file never

# --- --help and --version are not settings of the file or the environment ---
expect_exit 0 env SOAK_HELP=1 SOAK_VERSION=1 "$SOAK_RUN" -q -d h -n 1 -- true
assert_lines h/metrics.jsonl 1

finish
