# Fixtures for the soak-canary tests, sourced after tests/lib.sh: a bundle with a
# hand-written snapshot whose numbers are known, git repositories, metrics.jsonl
# files with chosen values, and the recording HTTP server (httpd.py).

CANARY=$SOAK_BIN/soak-canary
HTTPD=$SOAK_SRC/tests/soak-canary/httpd.py

export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 GIT_CEILING_DIRECTORIES=$TMP
export GIT_AUTHOR_NAME=Tester GIT_AUTHOR_EMAIL=tester@example.com
export GIT_COMMITTER_NAME=Tester GIT_COMMITTER_EMAIL=tester@example.com

# make_bundle DIR [VERDICT] [COMMIT]: POST_SOAK_SNAPSHOT.json (two hard gates, one
# soft), and when COMMIT is given MANIFEST.json naming it and SHA256SUMS, so that
# the bundle verifies (soak-bundle verify) as one release made.
make_bundle()
{
	local dir=$1 verdict=${2:-PASS} commit=${3:-}
	mkdir -p "$dir"
	cat >"$dir/POST_SOAK_SNAPSHOT.json" <<JSON
{
  "schema": "1.0",
  "tool": { "name": "soak-report", "version": "0.1.0" },
  "verdict": "$verdict",
  "reason": "2 of 3 gates passed",
  "sources": [ { "dir": "soak", "layout": "jsonl", "run_id": "run-42", "state": "completed" } ],
  "whole": {
    "iterations": 200,
    "counts": { "pass": 196, "fail": 3, "timeout": 1, "error": 0, "skipped": 0 },
    "failures": 4,
    "pass_rate": 0.98,
    "pass_rate_ci95": [0.9497, 0.9922],
    "longest_failure_streak": 2,
    "metrics": {
      "duration_ms": { "count": 200, "min": 80, "mean": 1500, "p50": 1200, "p95": 2500,
                       "p99": 3100, "max": 3400 }
    },
    "kpi": { "req_per_s": { "count": 200, "min": 900, "mean": 1234.5, "p95": 1400, "max": 1500 } }
  },
  "gates": [
    { "expr": "duration_ms:p(95)<3s", "kind": "hard", "value": 2500, "threshold": 3000, "outcome": "pass" },
    { "expr": "pass_rate>=0.97", "kind": "hard", "value": 0.98, "threshold": 0.97, "outcome": "pass" },
    { "expr": "rss:max<=50MiB", "kind": "soft", "value": 52428800, "threshold": 52428800, "outcome": "fail" }
  ]
}
JSON
	if [[ -n $commit ]]; then
		python3 - "$dir" "$verdict" "$commit" <<'PY'
import hashlib, json, os, sys
d, verdict, commit = sys.argv[1:]
snap = open(os.path.join(d, "POST_SOAK_SNAPSHOT.json"), "rb").read()
files = [{"path": "POST_SOAK_SNAPSHOT.json", "size": len(snap),
          "sha256": hashlib.sha256(snap).hexdigest(), "mode": "0644"}]
man = json.dumps({"schema": "1.0", "created": "2023-11-14T22:13:20.000Z", "run_id": "run-42",
                  "verdict": verdict, "source": {"commit": commit}, "files": files}).encode() + b"\n"
open(os.path.join(d, "MANIFEST.json"), "wb").write(man)
with open(os.path.join(d, "SHA256SUMS"), "w") as f:
    f.write("%s  MANIFEST.json\n" % hashlib.sha256(man).hexdigest())
    f.write("%s  POST_SOAK_SNAPSHOT.json\n" % files[0]["sha256"])
PY
	fi
}

# make_repo DIR: two commits at fixed times.
make_repo()
{
	git init -q "$1"
	echo one >"$1/a.txt"
	git -C "$1" add a.txt
	GIT_AUTHOR_DATE="@1700000000 +0000" GIT_COMMITTER_DATE="@1700000000 +0000" \
		git -C "$1" commit -q -m "first"
	echo two >>"$1/a.txt"
	GIT_AUTHOR_DATE="@1700000100 +0000" GIT_COMMITTER_DATE="@1700000100 +0000" \
		git -C "$1" commit -q -am "second"
}

# gen_metrics DIR NAME=V1,V2,... : one metrics.jsonl record per value; NAME is a
# top-level member (duration_ms, peak_rss_bytes...) or kpi.NAME; several NAME=list
# arguments must have the same length. "null" gives a null value.
gen_metrics()
{
	local dir=$1
	shift
	mkdir -p "$dir"
	python3 - "$@" >"$dir/metrics.jsonl" <<'PY'
import json, sys
cols = {}
for a in sys.argv[1:]:
    k, v = a.split("=", 1)
    cols[k] = [None if x == "null" else float(x) for x in v.split(",")]
n = len(next(iter(cols.values())))
for i in range(n):
    rec = {"schema": "1.0", "run_id": "r", "iteration": i + 1, "status": "pass"}
    for k, v in cols.items():
        if k.startswith("kpi."):
            rec.setdefault("kpi", {})[k[4:]] = v[i]
        else:
            rec[k] = v[i]
    print(json.dumps(rec))
PY
}

# free_port: a TCP port nobody listens on now.
free_port()
{
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_httpd DIR: the recording server on a free port (HTTPD_PORT), answering as
# DIR/script says (see httpd.py); requests land in DIR/requests.jsonl.
start_httpd()
{
	local dir=$1
	mkdir -p "$dir"
	HTTPD_PORT=$(free_port)
	python3 "$HTTPD" "$HTTPD_PORT" "$dir" >"$dir/httpd.log" 2>&1 &
	HTTPD_PID=$!
	_bg_pids+=("$HTTPD_PID")
	wait_for "[[ -f $dir/ready ]]" 10 "httpd on port $HTTPD_PORT"
}
