#!/bin/bash
# Fault injection: soak-run killed with SIGKILL at random moments, 50 times, each
# time followed by soak-run --resume (which must finish its iterations) and
# soak-report (which must read the directory). metrics.jsonl ends up numbering its
# iterations exactly 1..N, with no duplicate and no gap, and every line parses.
# Set SOAK_KILLS to change the number of kills.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/hardening/lib-hardening.sh"

kills=${SOAK_KILLS:-50}
RANDOM=$$ # reproducible from the pid printed on failure
echo "seed $$"
cmd=(sh -c 'echo "{\"n\": $SOAK_ITERATION}" >"$SOAK_KPI_FILE"; echo "iteration $SOAK_ITERATION"')
run=("$SOAK_RUN" --dir soak --min-free-disk 0 --sample-interval 20ms -q)

expect_exit 0 "${run[@]}" -n 2 -- "${cmd[@]}"
bad=0
for ((k = 1; k <= kills; k++)); do
	# a run that would go on for a long time, killed 10..400 ms after it started
	run_bg "${run[@]}" --resume -n 1000000 -- "${cmd[@]}"
	sleep "0.$(printf '%03d' $((10 + RANDOM % 390)))"
	kill -KILL "$BG_PID"
	wait "$BG_PID" 2>/dev/null
	# what it left: the last line may be cut, every other line is whole
	n=$(grep -c '' soak/metrics.jsonl)
	# the resumed run finishes three more iterations
	want=$((n + 3))
	if ! expect_exit 0 "${run[@]}" --resume -n "$want" -- "${cmd[@]}"; then
		bad=$((bad + 1))
	fi
	got=$(jq -s -r '[.[].iteration] | (. == [range(1; length + 1)]) and length >= '"$((want - 1))" soak/metrics.jsonl 2>&1)
	if [[ $got != true ]]; then
		fail "kill $k: iterations are not 1..N: $(jq -c -s '[.[].iteration] | .[-6:]' soak/metrics.jsonl 2>&1)"
		bad=$((bad + 1))
	else
		pass
	fi
	if ! expect_exit 0 "$SOAK_BIN/soak-report" --dir soak --format json -q; then
		bad=$((bad + 1))
	fi
	((bad > 3)) && break
done
echo "$kills kills, $(grep -c '' soak/metrics.jsonl) iterations"
assert_jsonl_complete soak/metrics.jsonl
assert_jsonl_complete soak/samples.jsonl
assert_jsonl_complete soak/events.jsonl
N=$(grep -c '' soak/metrics.jsonl)
assert_jq_eq -s soak/metrics.jsonl '[.[].iteration] == [range(1; '"$N"' + 1)]' true "iterations 1..$N"
assert_jq_eq -s soak/metrics.jsonl '[.[].kpi.n] == [.[].iteration]' true "each record its own KPIs"
assert_json soak/summary.json ".state == \"completed\" and .iterations == $N"
assert_jq_eq soak/reports/POST_SOAK_SNAPSHOT.json '.whole.iterations' "$N"
assert_jq_eq soak/reports/POST_SOAK_SNAPSHOT.json '.sources[0].bad_records' 0
# every resume that ran to the end logged one; a run killed early may not have
nres=$(grep -c '"event":"resume"' soak/events.jsonl)
assert_num "$nres" '>=' "$kills" "resume events"
assert_num "$nres" '<=' "$((2 * kills))" "resume events"
assert_no_tmp soak

finish
