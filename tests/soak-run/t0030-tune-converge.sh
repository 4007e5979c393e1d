# soak-run --tune: a system under test (tests/helpers/tune_sut) whose risk KPI falls
# as its spread parameter rises starts far from its target band; two rules move
# spread step by step until risk is in the band, then the tuner holds still. The
# overrides file, SOAK_OVERRIDES_FILE, --overrides-out, the "tune" member of the
# records and of summary.json, and the same tune document as a config file's "tune"
# object.
. "$(dirname "$0")/../lib.sh"

SUT=$SOAK_HELPERS/tune_sut
# (docs/tuning.md shows this file)
cat >tune.json <<'JSON'
{
  "window": 2,
  "parameters": [
    { "name": "spread", "type": "float", "initial": 1.0, "min": 0.5, "max": 10.0,
      "max_step": 1.0, "velocity": { "max": 3.0, "window": 4 },
      "applied_kpi": "spread_used" },
    { "name": "batch", "type": "int", "initial": 64, "min": 8, "max": 512, "max_step": 32,
      "applied_kpi": "batch_used" }
  ],
  "rules": [
    { "when": "kpi.risk:avg@last>0.45", "change": { "spread": "+0.5" } },
    { "when": "kpi.risk:avg@last<0.35", "change": { "spread": "-0.5" } },
    { "when": "kpi.latency_ms:max@last>40", "change": { "batch": "-16" } }
  ],
  "guards": {
    "cooldown": 1,
    "oscillation": { "window": 8, "flips": 3 },
    "freeze_ready": { "iterations": 4, "targets": ["kpi.risk:avg@last<=0.45", "kpi.risk:avg@last>=0.35"] },
    "panic": { "when": ["kpi.risk:max@last>1.5"], "revert_to": "last_good" },
    "late_run": { "iterations": 2 }
  }
}
JSON
N=30
expect_exit 0 "$SOAK_RUN" -q -d s -n $N --tune tune.json --overrides-out svc/overrides.json -- "$SUT" --seed 7
T=s/tuning.jsonl
assert_lines "$T" $N
assert_json -s "$T" 'map(.iteration) == [range(1; 31)]'
# risk = 1 - spread/10: from 0.9 down into [0.35, 0.45]; spread ends in [5.5, 6.5]
assert_json s/summary.json '.tune.values.spread >= 5.5 and .tune.values.spread <= 6.5'
assert_json s/summary.json '.tune.initial == {"spread": 1, "batch": 64}'
# latency = 0.5 * batch = 32 stays under 40: batch never moves
assert_json s/summary.json '.tune.values.batch == 64'
# the last 10 iterations ran in the band, with the final values
assert_json -s s/metrics.jsonl '.[-10:] | all(.kpi.risk >= 0.35 and .kpi.risk <= 0.45)'
assert_json -s s/metrics.jsonl '.[-10:] | all(.tune.values.spread == .kpi.spread_used)'
# each applied step moved spread by +0.5; cooldown 1 blocks the step after each change
assert_json "$T" 'select(.decision == "applied") | .changes == [{"param": "spread", "from": (.values.spread - 0.5), "proposed": .values.spread, "to": .values.spread, "decision": "applied", "guard": null}]'
assert_json "$T" 'select(.decision == "blocked") | .guard == "cooldown" and .changes[0].to == .changes[0].from'
applied=$(jqv -s "$T" 'map(select(.decision == "applied")) | length')
spread=$(jqv s/summary.json .tune.values.spread)
assert_num "$(awk -v a="$applied" 'BEGIN { print 1 + a * 0.5 }')" == "$spread" "1 + 0.5 * applied steps"
# the summary's counts are the file's
for d in applied clamped noop blocked reverted; do
	assert_eq "$(jqv s/summary.json ".tune.decisions.$d")" "$(jqv -s "$T" "map(select(.decision == \"$d\")) | length")" "summary decisions.$d"
done
assert_eq "$(jqv s/summary.json .tune.guards.cooldown)" "$(jqv -s "$T" '[.[].changes[] | select(.guard == "cooldown")] | length')" "summary guards.cooldown"
assert_json s/summary.json ".tune.steps == $N and .tune.apply == {\"checked\": $((2 * N)), \"matched\": $((2 * N))} and .tune.reverts == 0"
# freeze-ready: 4 iterations without a change with risk in the band, then it stays
first=$(jqv -s "$T" 'map(select(.freeze_ready)) | .[0].iteration')
last_change=$(jqv -s "$T" 'map(select(.decision == "applied")) | .[-1].iteration')
assert_eq "$first" $((last_change + 4)) "first freeze-ready step"
assert_json -s "$T" "map(select(.iteration >= $first)) | all(.freeze_ready)"
assert_json s/summary.json '.tune.freeze_ready == true and .tune.frozen == []'
# the overrides file: the final values, its hash in summary.json and the last line
assert_eq "$(cat s/overrides.json)" "{\"spread\":$spread,\"batch\":64}" "overrides.json"
cmp -s s/overrides.json svc/overrides.json && pass || fail "--overrides-out differs from overrides.json"
sha=$(sha256sum s/overrides.json | cut -d' ' -f1)
assert_jq_eq s/summary.json .tune.overrides_sha256 "$sha"
assert_jq_eq -s "$T" '.[-1].overrides_sha256' "$sha"
# a record names the overrides it ran with: the line before it wrote them
assert_json -s s/metrics.jsonl '.[1:] | all(.tune.overrides_sha256 != null)'
assert_eq "$(jq -s -c '[.[1:][] | .tune.overrides_sha256]' s/metrics.jsonl)" "$(jq -s -c '[.[:-1][] | .overrides_sha256]' "$T")" "record N+1's hash is step N's"
assert_json -s s/metrics.jsonl '.[0].tune.values == {"spread": 1, "batch": 64}'
# written: exactly when the values changed
assert_json "$T" '.written == (.decision == "applied")'
# the record carries its step's decision
assert_eq "$(jq -s -c 'map([.iteration, .tune.decision, .tune.guard])' s/metrics.jsonl)" "$(jq -s -c 'map([.iteration, .decision, .guard])' "$T")" "records' tune decisions"
# the command saw SOAK_OVERRIDES_FILE: the soak directory's overrides.json
assert_contains s/logs/iter-000001.log "iteration 1: spread 1 batch 64"
assert_contains s/logs/iter-000002.log "iteration 2: spread 1.5 batch 64"
# run.json: the document as read, the setting with its source
assert_json s/run.json '.tune.rules | length == 3'
assert_json s/run.json '.config.tune == {"value": "tune.json", "source": "flag"}'
assert_json s/run.json '.config["overrides-out"].value == "svc/overrides.json"'

# --- the same document as the config file's "tune" object: the same steps ---
jq '{iterations: 30, tune: .}' tune.json >conf.json
expect_exit 0 "$SOAK_RUN" -q -d c --config conf.json -- "$SUT" --seed 7
assert_eq "$(jq -c '[.iteration, .decision, .values]' c/tuning.jsonl)" "$(jq -c '[.iteration, .decision, .values]' "$T")" "config 'tune' object: the same steps"
assert_json c/run.json '.config.tune.source == "config" and (.config.tune.value | startswith("{"))'
# a config "tune" that is neither a file name nor an object
echo '{"iterations": 2, "tune": 5}' >bad.json
expect_exit 2 "$SOAK_RUN" -q -d b --config bad.json -- "$SUT"
assert_contains "$ERR" "expected a file name or a JSON object"
# the service gets SOAK_OVERRIDES_FILE too
expect_exit 0 "$SOAK_RUN" -q -d sv -n 2 --tune tune.json --service 'echo "svc sees $SOAK_OVERRIDES_FILE"; exec sleep 30' -- "$SUT"
assert_contains sv/logs/service.log "svc sees $(jqv sv/run.json .dir)/overrides.json"
# --overrides-out without --tune
expect_exit 2 "$SOAK_RUN" -q -d b -n 1 --overrides-out x.json -- "$SUT"
assert_contains "$ERR" "--overrides-out needs --tune FILE"

finish
