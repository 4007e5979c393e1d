# soak-run, point 9: after a SIGKILL the files are still usable, and --resume
# continues the numbering from metrics.jsonl without losing or duplicating an
# iteration, however often it happens.
. "$(dirname "$0")/../lib.sh"

ID=t11-$$
D=soak
CMD=(-- sh -c 'echo "it=$SOAK_ITERATION run=$SOAK_RUN_ID"; sleep 0.01')
TOTAL=100

# iterations_ok: metrics.jsonl holds exactly 1..N, complete lines, one run id
iterations_ok()
{
	assert_json -s "$D/metrics.jsonl" 'map(.iteration) == [range(1; length + 1)]'
	assert_json -s "$D/metrics.jsonl" "all(.run_id == \"$ID\")"
	assert_eq "$(tail -c 1 "$D/metrics.jsonl" | od -An -c | tr -d ' ')" '\n' "last byte of metrics.jsonl"
}

start=(-q -d "$D" -n $TOTAL --run-id "$ID" --sample-interval 10ms)
for round in 1 2 3 4; do
	if ((round == 1)); then
		run_bg "$SOAK_RUN" "${start[@]}" "${CMD[@]}"
	else
		run_bg "$SOAK_RUN" "${start[@]}" --resume "${CMD[@]}"
	fi
	before=$(cat "$D/metrics.jsonl" 2>/dev/null | wc -l)
	wait_for "[ \$(cat $D/metrics.jsonl 2>/dev/null | wc -l) -ge $((before + 5 + RANDOM % 10)) ]" 20 \
		"round $round: iterations recorded"
	kill -KILL "$BG_PID"
	expect_bg_exit 137 5
	# what the killed run leaves: a summary that still reads "running", whole records
	assert_json "$D/summary.json" '.state == "running"'
	iterations_ok
	# the killed iteration's processes are not soak-run's to clean: let them end
	wait_for "[ -z \"\$(pids_with_env SOAK_RUN_ID $ID)\" ]" 10 "round $round: iteration processes gone"
done

# the last resume runs to the end of the budget
n=$(wc -l <"$D/metrics.jsonl")
expect_exit 0 "$SOAK_RUN" "${start[@]}" --resume "${CMD[@]}"
iterations_ok
assert_lines "$D/metrics.jsonl" $TOTAL
assert_json "$D/summary.json" ".state == \"completed\" and .iterations == $TOTAL and .passed == $TOTAL and .run_id == \"$ID\""
assert_json "$D/run.json" ".run_id == \"$ID\" and (.resumed | length == 4) and all(.resumed[]; test(\"$ISO_RE\"))"
assert_json -s "$D/events.jsonl" '[.[] | select(.event == "resume")] | length == 4'
# the numbering the command saw matches the records
assert_contains "$D/logs/$(printf 'iter-%06d.log' $((n + 1)))" "it=$((n + 1)) run=$ID"
assert_contains "$D/logs/$(printf 'iter-%06d.log' $TOTAL)" "it=$TOTAL run=$ID"

# --- resuming a finished run does nothing more ---
expect_exit 0 "$SOAK_RUN" "${start[@]}" --resume "${CMD[@]}"
assert_lines "$D/metrics.jsonl" $TOTAL

# --- a partial last line (a writer killed mid-write) is cut off on resume ---
printf '{"schema":"1.0","run_id":"%s","iteration":%d,"sta' "$ID" $((TOTAL + 1)) >>"$D/metrics.jsonl"
expect_exit 0 "$SOAK_RUN" -q -d "$D" -n $((TOTAL + 2)) --run-id "$ID" --resume "${CMD[@]}"
iterations_ok
assert_lines "$D/metrics.jsonl" $((TOTAL + 2))

finish
