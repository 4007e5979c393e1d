# notify-urls: after the report, soak-canary notify sends the outcome to each
# URL (here a webhook receiver on loopback); a target that cannot be reached is
# a warning, a bad URL fails the step.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/action/lib-action.sh"

start_hook_server
common=(--input upload=false --input toolkit-path="$SOAK_BIN" --input heartbeat=20ms)

# --- a PASS to two targets (notify-on names pass), one with basic authentication ---
run_action 0 "$SOAK_SRC" "${common[@]}" --input "command=$LEAKY --work-ms 10" --input iterations=2 \
	--input notify-on=warn,pass --input "notify-urls=json://127.0.0.1:$port/hook/a
json://user:s3cret@127.0.0.1:$port/hook/b"
step_outcome notify success
assert_lines hooks.jsonl 2
run_id=$(jqv "$RESULT" '.outputs."run-id"')
assert_jq_eq -s hooks.jsonl '[.[].url] | sort | join(" ")' "/hook/a /hook/b"
assert_jq_eq -s hooks.jsonl '[.[] | .body | fromjson | .type] | unique | join(" ")' "success"
assert_jq_eq -s hooks.jsonl '.[0].body | fromjson | .title' "soak-action: org/soak-action"
assert_jq_eq -s hooks.jsonl '.[0].body | fromjson | .message' "soak PASS: pass rate 1.0000 over 2 iterations, 0 failed
run $run_id: completed
bundle: $TMP/ws/artifacts/soak-bundle.tar.gz
https://github.com/org/soak-action/actions/runs/1000"
# the password is masked before anything is printed
assert_contains "$OUT" "::add-mask::s3cret"
assert_not_contains "$ERR" "s3cret"

# --- a failed soak: type failure, after the report ---
: >hooks.jsonl
run_action 1 "$SOAK_SRC" "${common[@]}" --input "command=$LEAKY --work-ms 10 --fail-rate 1" \
	--input iterations=5 --input max-failures=0 --input "notify-urls=json://127.0.0.1:$port/hook"
step_outcome notify success
assert_jq_eq -s hooks.jsonl '[.[] | .body | fromjson | .type] | join(" ")' "failure"
assert_jq_eq -s hooks.jsonl '.[0].body | fromjson | .message | split("\n")[0:2] | join(" / ")' \
	"soak WARN: pass rate 0.0000 over 1 iterations, 1 failed / run $(jqv "$RESULT" '.outputs."run-id"'): aborted"

# --- no URL: no step; an unreachable target: a warning; a bad URL: the step fails ---
run_action 0 "$SOAK_SRC" "${common[@]}" --input "command=true" --input iterations=1
step_outcome notify skipped
run_action 0 "$SOAK_SRC" "${common[@]}" --input "command=true" --input iterations=1 \
	--input notify-on=pass --input "notify-urls=json://127.0.0.1:1/nobody"
step_outcome notify success
assert_jq_eq "$RESULT" '[.annotations[] | select(.level == "warning") | .title] | join(",")' "soak-canary notify"
run_action 1 "$SOAK_SRC" "${common[@]}" --input "command=true" --input iterations=1 \
	--input "notify-urls=carrier-pigeon://home"
step_outcome notify failure
assert_jq_eq "$RESULT" '.steps[] | select(.id == "notify") | .exit_code' 2

kill -TERM "$hook_pid"
wait "$hook_pid"
finish
