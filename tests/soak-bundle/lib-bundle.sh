# Fixtures for the soak-bundle tests, sourced after tests/lib.sh: soak directories
# made by the real soak-run and soak-report, a hand-written snapshot whose numbers
# are known, and git repositories with commits and tags at fixed times.

BUNDLE=$SOAK_BIN/soak-bundle
REPORT=$SOAK_BIN/soak-report

# git must not read the user's configuration, and commits get fixed identities.
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=Tester GIT_AUTHOR_EMAIL=tester@example.com
export GIT_COMMITTER_NAME=Tester GIT_COMMITTER_EMAIL=tester@example.com
unset SOURCE_DATE_EPOCH
# the scratch directory lies inside the project's own work tree: git must not find it
export GIT_CEILING_DIRECTORIES=$TMP

# make_soak DIR [GATE...]: 6 iterations of a command reporting two KPIs, iteration 3
# failing, then soak-report with the given hard gates (default: pass_rate>=0.5).
make_soak()
{
	local dir=$1
	shift
	local gates=()
	local g
	for g in "${@:-pass_rate>=0.5}"; do
		gates+=(--gate "$g")
	done
	"$SOAK_RUN" -q --dir "$dir" --iterations 6 --sample-interval 0 -- sh -c \
		'echo "{\"req_per_s\": 1200, \"err_rate\": 0.01}" >"$SOAK_KPI_FILE"; [ "$SOAK_ITERATION" -ne 3 ]' \
		>/dev/null 2>&1
	"$REPORT" -q --dir "$dir" "${gates[@]}" --warn-gate 'kpi.req_per_s:avg>=1000' \
		>/dev/null 2>&1
	[[ -f $dir/reports/POST_SOAK_SNAPSHOT.json ]] || {
		fail "make_soak: no snapshot in $dir"
		return 1
	}
}

# write_reports DIR [VERDICT] [SCHEMA]: the four reports, the snapshot written by hand
# with known figures (two hard gates, one soft gate).
write_reports()
{
	local dir=$1 verdict=${2:-PASS} schema=${3:-1.0}
	mkdir -p "$dir"
	cat >"$dir/POST_SOAK_SNAPSHOT.json" <<JSON
{
  "schema": "$schema",
  "tool": { "name": "soak-report", "version": "0.1.0" },
  "generated": "2026-03-04T05:06:07.000Z",
  "verdict": "$verdict",
  "reason": "2 of 3 gates passed",
  "exit_code": 0,
  "sources": [ { "dir": "soak", "layout": "jsonl", "run_id": "run-42", "state": "completed",
                 "records": 200, "bad_records": 0 } ],
  "whole": {
    "iterations": 200,
    "counts": { "pass": 196, "fail": 3, "timeout": 1, "error": 0, "skipped": 0 },
    "failures": 4,
    "pass_rate": 0.98,
    "pass_rate_ci95": [0.9497, 0.9922],
    "longest_failure_streak": 2,
    "metrics": {
      "duration_ms": { "count": 200, "min": 80, "mean": 1500, "p50": 1200, "p90": 2000,
                       "p95": 2500, "p99": 3100, "max": 3400, "exact": true },
      "rss": { "count": 200, "min": 1000000, "mean": 2000000, "max": 52428800 }
    },
    "kpi": {
      "req_per_s": { "count": 200, "min": 900, "mean": 1234.5, "p50": 1230, "p95": 1400,
                     "max": 1500 }
    }
  },
  "gates": [
    { "expr": "duration_ms:p(95)<3s", "kind": "hard", "scope": "all", "op": "<",
      "value": 2500, "threshold": 3000, "outcome": "pass" },
    { "expr": "pass_rate>=0.97", "kind": "hard", "scope": "all", "op": ">=",
      "value": 0.98, "threshold": 0.97, "outcome": "pass" },
    { "expr": "rss:max<=50MiB", "kind": "soft", "scope": "all", "op": "<=",
      "value": 52428800, "threshold": 52428800, "outcome": "fail" }
  ]
}
JSON
	printf '# Audit\n\nall good\n' >"$dir/POST_SOAK_AUDIT.md"
	printf '# Recommendations\n\nnone\n' >"$dir/RECOMMENDATIONS.md"
	printf '# Failures\n\nexit code 1: 3\n' >"$dir/FAILURES.md"
}

# commit REPO MESSAGE EPOCH: a commit of a new file (change-EPOCH.txt) at a fixed time.
commit()
{
	local repo=$1 msg=$2 t=$3
	echo "$msg" >"$repo/change-$t.txt"
	git -C "$repo" add "change-$t.txt"
	GIT_AUTHOR_DATE="@$t +0000" GIT_COMMITTER_DATE="@$t +0000" \
		git -C "$repo" commit -q -m "$msg"
}

# make_repo DIR: v1.0.0, then feat/fix/other commits; HEAD untagged.
# Commit times 1700000000 + 100*i; HEAD's is 1700000500.
make_repo()
{
	local repo=$1
	git init -q "$repo"
	commit "$repo" "initial import" 1700000000
	commit "$repo" "feat: first feature" 1700000100
	git -C "$repo" tag v1.0.0
	commit "$repo" "feat(api): add the bundle endpoint" 1700000200
	commit "$repo" "fix: close the file twice no more" 1700000300
	commit "$repo" "docs: explain bundles" 1700000400
	commit "$repo" "Fix!: breaking repair" 1700000500
}
