# soak-clean verify: no process of the run left (by SOAK_RUN_ID in the
# environment), the tree within budget, free disk above the floor; exit 1 naming
# what failed; --kill ends the leftovers.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/soak-clean/lib-clean.sh"

rid=verify-$$-$RANDOM
soak_dir v "$rid"
mk v/logs/a.log 10000 '1 hour'

# all well: exit 0, one ok line per check
expect_exit 0 "$CLEAN" verify --max-total 1MB v
assert_contains "$OUT" "ok: no process of run '$rid' is left"
assert_match "$OUT" "^ok: 'v' holds 9\.9 KiB in 5 files, within --max-total 1MB$"
assert_match "$OUT" "^ok: .* free on the file system of 'v', at least --min-free-disk 100MiB$"
assert_lines "$OUT" 3

# leftovers of the run (and a process of another run, which is not ours)
env SOAK_RUN_ID="$rid" sleep 100 &
p1=$!
env SOAK_RUN_ID="$rid" sleep 100 &
p2=$!
env SOAK_RUN_ID="other-$rid" sleep 100 &
p3=$!
_bg_pids+=("$p1" "$p2" "$p3")
wait_for "[[ \$(pids_with_env SOAK_RUN_ID '$rid' | wc -l) == 2 ]]" 10 "leftovers started"
expect_exit 1 "$CLEAN" verify v
assert_match "$OUT" "^FAIL: 2 processes of run '$rid' were left: "
assert_contains "$OUT" " $p1"
assert_contains "$OUT" " $p2"
assert_not_contains "$OUT" " $p3"
assert_contains "$ERR" "soak-clean: verify failed: leftover processes"
kill -0 "$p1" && pass || fail "verify without --kill ended a process"
# the JSON form names the pids
expect_exit 1 "$CLEAN" verify --json v
assert_jq_eq "$OUT" '.processes.pids | sort | map(tostring) | join(" ")' "$(printf '%s\n' "$p1" "$p2" | sort -n | tr '\n' ' ' | sed 's/ $//')"
assert_json "$OUT" '.ok == false and .processes.ok == false and .budget.ok and .disk.ok and .processes.run_id == "'"$rid"'"'
# --kill ends them (the check still fails: they were left)
expect_exit 1 "$CLEAN" verify --kill --kill-after 2s v
assert_contains "$OUT" "(ended with --kill)"
wait "$p1" "$p2" 2>/dev/null
assert_pid_gone "$p1"
assert_pid_gone "$p2"
kill -0 "$p3" && pass || fail "--kill ended a process of another run"
expect_exit 0 "$CLEAN" verify v
# --run-id beats run.json
expect_exit 1 "$CLEAN" verify --run-id "other-$rid" v
assert_contains "$OUT" "FAIL: 1 process of run 'other-$rid' was left: $p3"
kill "$p3"
wait "$p3" 2>/dev/null

# over budget (--max-total, else --hard-limit), low disk: each named
expect_exit 1 "$CLEAN" verify --hard-limit 5KB v
assert_match "$OUT" "^FAIL: 'v' holds 9\.9 KiB in 5 files, over --hard-limit 5KB$"
assert_contains "$ERR" "verify failed: over budget"
expect_exit 1 "$CLEAN" verify --min-free-disk 1000000TB --max-total 5KB v
assert_match "$OUT" "^FAIL: .* free on the file system of 'v', below --min-free-disk 1000000TB$"
assert_contains "$ERR" "verify failed: over budget, low disk"
expect_exit 0 "$CLEAN" verify --min-free-disk 0 v

# no run id: neither --run-id nor run.json
mkdir bare
expect_exit 3 "$CLEAN" verify bare
assert_contains "$ERR" "soak-clean: no run id (give --run-id): "
expect_exit 0 "$CLEAN" verify --run-id "$rid" bare
expect_exit 3 "$CLEAN" verify nope
assert_contains "$ERR" "cannot open 'nope'"

# under GitHub Actions: total-bytes, verify, and a summary line
export GITHUB_ACTIONS=true GITHUB_OUTPUT=$TMP/gh-output GITHUB_STEP_SUMMARY=$TMP/gh-summary
expect_exit 0 "$CLEAN" verify v
assert_contains gh-output "total-bytes<<"
assert_contains gh-summary "**soak-clean verify** \`v\`: ok"

finish
