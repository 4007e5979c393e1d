# soak-run --tune: identical overrides are not written again (the file keeps its
# inode and modification time; written false; the hash stays), and the apply check
# catches a command that ignores a change.
. "$(dirname "$0")/../lib.sh"

SUT=$SOAK_HELPERS/tune_sut
# the command notes the overrides file's inode and mtime (ns) before it runs the system
CMD=(sh -c 'stat -c "%i %Y.%y" "$SOAK_OVERRIDES_FILE" >>stats; exec "$0" "$@"' "$SUT")

# --- a rule that proposes the value already there: no-op, never written ---
cat >i.json <<'JSON'
{
  "window": 1,
  "parameters": [{ "name": "batch", "type": "int", "initial": 64, "min": 8, "max": 512, "applied_kpi": "batch_used" }],
  "rules": [{ "when": "kpi.latency_ms:avg@last>0", "change": { "batch": "=64" } }]
}
JSON
expect_exit 0 "$SOAK_RUN" -q -d i -n 6 --tune i.json -- "${CMD[@]}"
assert_json i/tuning.jsonl '.decision == "noop" and .source == "rule" and .written == false and .changes[0].to == 64'
assert_eq "$(sort -u stats | wc -l)" 1 "distinct inode/mtime of overrides.json over 6 iterations"
assert_lines stats 6
sha=$(sha256sum i/overrides.json | cut -d' ' -f1)
assert_json i/tuning.jsonl ".overrides_sha256 == \"$sha\""
assert_json i/metrics.jsonl ".tune.overrides_sha256 == \"$sha\""
assert_json i/summary.json '.tune.decisions.noop == 6 and .tune.apply == {"checked": 6, "matched": 6}'
# a resume with the same values does not write it either
before=$(stat -c '%i %Y.%y' i/overrides.json)
expect_exit 0 "$SOAK_RUN" -q -d i -n 8 --resume --tune i.json -- "${CMD[@]}"
assert_eq "$(stat -c '%i %Y.%y' i/overrides.json)" "$before" "overrides.json after --resume"
assert_eq "$(sort -u stats | wc -l)" 1 "distinct inode/mtime of overrides.json after --resume"

# --- changes are written, each once: a new inode exactly when written is true ---
rm -f stats
cat >w.json <<'JSON'
{
  "window": 1,
  "parameters": [{ "name": "batch", "type": "int", "initial": 64, "min": 8, "max": 80, "applied_kpi": "batch_used" }],
  "rules": [{ "when": "kpi.latency_ms:avg@last>0", "change": { "batch": "+8" } }]
}
JSON
expect_exit 0 "$SOAK_RUN" -q -d w -n 6 --tune w.json -- "${CMD[@]}"
# 64 -> 72 -> 80, then no-ops at the bound
assert_json -s w/tuning.jsonl 'map(.written) == [true, true, false, false, false, false]'
assert_eq "$(cut -d' ' -f1 stats | uniq | wc -l)" 3 "inodes seen over 6 iterations (initial, 72, 80)"

# --- the command ignores the changes of spread: the apply check says so ---
cat >a.json <<'JSON'
{
  "window": 1,
  "parameters": [
    { "name": "spread", "initial": 4, "min": 0, "max": 10, "applied_kpi": "spread_used" },
    { "name": "batch", "type": "int", "initial": 64, "min": 8, "max": 512, "applied_kpi": "batch_used" }
  ],
  "rules": [{ "when": "kpi.risk:avg@last>0.45", "change": { "spread": "+0.5", "batch": "+1" } }]
}
JSON
expect_exit 0 "$SOAK_RUN" -q -d a -n 5 --tune a.json -- "$SUT" --ignore spread=4
# iteration 1 was given 4 and applied 4; from 2 on it was given more and applied 4
assert_eq "$(jq -c '[.iteration, .apply]' a/tuning.jsonl | tr '\n' ' ')" \
	'[1,{"checked":2,"matched":2,"mismatched":[]}] [2,{"checked":2,"matched":1,"mismatched":["spread"]}] [3,{"checked":2,"matched":1,"mismatched":["spread"]}] [4,{"checked":2,"matched":1,"mismatched":["spread"]}] [5,{"checked":2,"matched":1,"mismatched":["spread"]}] ' "apply checks"
assert_json a/summary.json '.tune.apply == {"checked": 10, "matched": 6}'
# a parameter without applied_kpi is not checked
jq 'del(.parameters[0].applied_kpi)' a.json >a2.json
expect_exit 0 "$SOAK_RUN" -q -d a2 -n 3 --tune a2.json -- "$SUT" --ignore spread=4
assert_json a2/summary.json '.tune.apply == {"checked": 3, "matched": 3}'

finish
