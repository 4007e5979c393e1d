# soak-run --tune: a tune file that cannot mean what it says is refused before
# anything runs, with the JSON path of the bad value and what is allowed (exit 2);
# a file that is missing or not JSON is an input error (exit 3).
. "$(dirname "$0")/../lib.sh"

P='{"name": "a", "initial": 5, "min": 0, "max": 10}'
R='[{"when": "kpi.x:avg@last>1", "change": {"a": "+1"}}]'

# refused JSON MESSAGE...: exit 2, each message in stderr, no soak directory written
refused()
{
	local doc=$1
	shift
	printf '%s\n' "$doc" >bad.json
	expect_exit 2 "$SOAK_RUN" -q -d s -n 1 --tune bad.json -- true
	for m in "$@"; do
		assert_contains "$ERR" "$m"
	done
	assert_contains "$ERR" "try 'soak-run --help'"
	assert_no_file s/run.json
}

refused "{\"parameters\": [{\"name\": \"a\", \"initial\": 5, \"min\": 6, \"max\": 10}], \"rules\": $R}" \
	"tune file 'bad.json': \$.parameters[0]: 'initial' (5) of parameter 'a' is outside [min, max] = [6, 10]"
refused "{\"parameters\": [{\"name\": \"a\", \"initial\": 5, \"min\": 9, \"max\": 1}], \"rules\": $R}" \
	"\$.parameters[0]: 'min' (9) is above 'max' (1)"
refused "{\"parameters\": [$P], \"rules\": [{\"when\": \"kpi.x:avgg@last>1\", \"change\": {\"a\": \"+1\"}}]}" \
	"\$.rules[0].when: bad gate 'kpi.x:avgg@last>1': column 7: unknown aggregation" "        ^"
refused "{\"parameters\": [$P], \"rules\": [{\"when\": \"kpi.x:avg@last>1\", \"change\": {\"b\": \"+1\"}}]}" \
	"\$.rules[0].change.b: no parameter 'b' in \$.parameters"
refused "{\"parameters\": [$P], \"rules\": [{\"when\": \"kpi.x:avg@last>1\", \"change\": {\"a\": \"1\"}}]}" \
	"\$.rules[0].change.a: expected \"+X\", \"-X\" or \"=X\" (a delta or a value) for 'a', got '1'"
refused "{\"parameters\": [{\"name\": \"n\", \"type\": \"int\", \"initial\": 5, \"min\": 0, \"max\": 10}], \"rules\": [{\"when\": \"kpi.x:avg@last>1\", \"change\": {\"n\": \"+0.5\"}}]}" \
	"'+0.5' for int parameter 'n' must be a whole number"
refused "{\"parameters\": [{\"name\": \"n\", \"type\": \"int\", \"initial\": 5.5, \"min\": 0, \"max\": 10}], \"rules\": $R}" \
	"'initial' of int parameter 'n' must be a whole number"
refused "{\"parameters\": [{\"name\": \"n\", \"type\": \"long\", \"initial\": 5, \"min\": 0, \"max\": 10}], \"rules\": $R}" \
	"\$.parameters[0]: 'type' must be \"int\" or \"float\", got a string"
refused "{\"parameters\": [$P, $P], \"rules\": $R}" "\$.parameters[1]: parameter 'a' is given twice (also \$.parameters[0])"
refused "{\"parameters\": [], \"rules\": $R}" "\$.parameters: expected a non-empty array of parameters, got an empty array"
refused "{\"parameters\": [$P]}" "\$: no 'rules' and no 'tuner': nothing would propose a change"
refused "{\"parameters\": [$P], \"rules\": $R, \"tuner\": {\"command\": [\"x\"]}}" "'rules' and 'tuner' are alternatives"
refused "{\"parameters\": [$P], \"tuner\": {\"command\": []}}" "\$.tuner.command: expected a non-empty array of strings"
refused "{\"parameters\": [$P], \"tuner\": {\"command\": [\"x\"], \"timeout\": \"soon\"}}" "\$.tuner.timeout: expected a duration above 0 such as \"10s\""
refused "{\"window\": 0, \"parameters\": [$P], \"rules\": $R}" "\$.window: expected a whole number from 1 to 100000, got 0"
refused "{\"parameters\": [$P], \"rules\": $R, \"extra\": 1}" "\$: unknown member 'extra' (allowed: schema, \$schema, description, window, parameters, rules, tuner, guards)"
refused "{\"parameters\": [$P], \"rules\": $R, \"guards\": {\"cooldwn\": 1}}" "\$.guards: unknown member 'cooldwn' (allowed: cooldown, oscillation, freeze_ready, panic, late_run)"
refused "{\"parameters\": [$P], \"rules\": $R, \"guards\": {\"cooldown\": -1}}" "\$.guards.cooldown: expected a whole number from 0 to 100000, got -1"
refused "{\"parameters\": [$P], \"rules\": $R, \"guards\": {\"late_run\": {\"fraction\": 1.5}}}" "\$.guards.late_run.fraction: expected a fraction of the run from 0 to below 1 (0.1: the last tenth), got 1.5"
refused "{\"parameters\": [$P], \"rules\": $R, \"guards\": {\"oscillation\": {\"window\": 8}}}" "\$.guards.oscillation: 'window' and 'flips' are both required"
refused "{\"parameters\": [$P], \"rules\": $R, \"guards\": {\"panic\": {\"when\": [\"rss>1XB\"]}}}" "\$.guards.panic.when[0]: bad gate 'rss>1XB'"
refused "{\"parameters\": [$P], \"rules\": $R, \"guards\": {\"panic\": {\"when\": \"kpi.x:avg@last>1\", \"revert_to\": \"best\"}}}" "\$.guards.panic.revert_to: expected \"last_good\" or \"initial\", got best"
refused "{\"parameters\": [$P], \"rules\": $R, \"guards\": {\"freeze_ready\": {\"targets\": []}}}" "\$.guards.freeze_ready: 'iterations' is required"
refused "{\"parameters\": [{\"name\": \"a\", \"initial\": 5, \"min\": 0, \"max\": 10, \"velocity\": {\"max\": 1}}], \"rules\": $R}" "\$.parameters[0].velocity: 'window' (iterations) is required"
refused "{\"parameters\": [{\"name\": \"a b\", \"initial\": 5, \"min\": 0, \"max\": 10}], \"rules\": $R}" "'name' must be a string of letters, digits"
refused '[1, 2]' "\$: expected a JSON object with parameters and rules (or tuner), got an array"

# --- the same checks for a config file's "tune" object ---
printf '{"iterations": 1, "tune": {"parameters": [%s]}}\n' "$P" >conf.json
expect_exit 2 "$SOAK_RUN" -q -d s --config conf.json -- true
assert_contains "$ERR" "setting 'tune': \$: no 'rules' and no 'tuner'"

# --- input errors: exit 3 ---
expect_exit 3 "$SOAK_RUN" -q -d s -n 1 --tune missing.json -- true
assert_contains "$ERR" "--tune: cannot open 'missing.json'"
printf '{"parameters": [\n  {"name": "a",\n' >trunc.json
expect_exit 3 "$SOAK_RUN" -q -d s -n 1 --tune trunc.json -- true
assert_contains "$ERR" "'trunc.json': JSON syntax error at line 2"
# --tune-freeze alone has nothing to freeze
expect_exit 2 "$SOAK_RUN" -q -d s -n 1 --tune-freeze -- true
assert_contains "$ERR" "--tune-freeze needs --tune FILE (or --replay of a tuned run)"
assert_no_file s/run.json

finish
