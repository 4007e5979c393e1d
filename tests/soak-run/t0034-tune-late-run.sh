# soak-run --tune: nothing changes in the last iterations of a run (late_run), given
# as a number of iterations or as a fraction of --iterations or --duration.
. "$(dirname "$0")/../lib.sh"

SUT=$SOAK_HELPERS/tune_sut

late()
{
	printf '{"window": 1, "parameters": [{"name": "batch", "type": "int", "initial": 64, "min": 8, "max": 512}],
	  "rules": [{"when": "kpi.risk:avg@last>-100", "change": {"batch": "+1"}}], "guards": {"late_run": %s}}\n' "$2" >"$1"
}

# --- the last 3 of 10 iterations run with the values of iteration 7 ---
late l.json '{"iterations": 3}'
expect_exit 0 "$SOAK_RUN" -q -d l -n 10 --tune l.json -- "$SUT"
# step N decides iteration N+1: steps 7..10 decide 8..11, the locked ones
assert_eq "$(jq -c '[.iteration, .decision, .guard, .values.batch]' l/tuning.jsonl | tr '\n' ' ')" \
	'[1,"applied",null,65] [2,"applied",null,66] [3,"applied",null,67] [4,"applied",null,68] [5,"applied",null,69] [6,"applied",null,70] [7,"blocked","late_run",70] [8,"blocked","late_run",70] [9,"blocked","late_run",70] [10,"blocked","late_run",70] ' "late-run steps"
assert_json -s l/metrics.jsonl '.[-3:] | map(.kpi.batch_used) == [70, 70, 70]'
assert_json l/summary.json '.tune.guards.late_run == 4 and .tune.decisions.blocked == 4'

# --- a fraction of --iterations: 0.25 of 8 is the last 2 ---
late f.json '{"fraction": 0.25}'
expect_exit 0 "$SOAK_RUN" -q -d f -n 8 --tune f.json -- "$SUT"
assert_json -s f/tuning.jsonl 'map(.decision) == ["applied", "applied", "applied", "applied", "applied", "blocked", "blocked", "blocked"]'
assert_json -s f/metrics.jsonl 'map(.kpi.batch_used) == [64, 65, 66, 67, 68, 69, 69, 69]'

# --- a fraction of --duration: the last 90% of 3 s, with iterations of 0.2 s: only the
# steps before 0.3 s of run time may change anything ---
late d.json '{"fraction": 0.9}'
expect_exit 0 "$SOAK_RUN" -q -d d --duration 3s --tune d.json -- sh -c '"$0" && sleep 0.2' "$SUT"
blocked=$(jqv -s d/tuning.jsonl 'map(select(.guard == "late_run")) | length')
steps=$(jqv -s d/tuning.jsonl 'length')
assert_num "$blocked" '>=' 1 "late_run blocks with --duration"
assert_json -s d/tuning.jsonl '(map(.decision) | index("blocked")) as $i | .[$i:] | all(.guard == "late_run")'
assert_num "$(jqv d/summary.json .tune.values.batch)" '<' $((64 + steps)) "batch moved less than once per step"

finish
