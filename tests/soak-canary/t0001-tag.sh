#!/bin/bash
# soak-canary tag: the annotated tag's message (Markdown kept by --cleanup=verbatim),
# its trailers, the commit from the bundle's manifest, --dry-run, never moving a
# tag, bad names, and --push to a bare repository.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-canary/lib-canary.sh"

make_repo repo
FIRST=$(git -C repo rev-parse HEAD~1)
HEAD=$(git -C repo rev-parse HEAD)
make_bundle bundle PASS "$FIRST"

# --dry-run prints the message and creates nothing
expect_exit 0 "$CANARY" tag --bundle bundle --tag v1.0.0 --repo repo --dry-run
assert_contains "$OUT" "would tag $FIRST as 'v1.0.0' with this message:"
assert_contains "$OUT" "v1.0.0: soak PASS (run run-42)"
assert_contains "$OUT" "## Gates"
assert_contains "$OUT" '- pass `duration_ms:p(95)<3s` (hard): value 2.5s, threshold 3s'
assert_contains "$OUT" '- fail `rss:max<=50MiB` (soft): value 50 MiB, threshold 50 MiB'
assert_contains "$OUT" "- pass rate: 98.00% (95% CI 94.97% - 99.22%)"
assert_contains "$OUT" "- iterations: 200 (pass 196, fail 3, timeout 1, error 0, skipped 0)"
assert_contains "$OUT" "- duration_ms: count 200, min 80ms, mean 1.5s, p50 1.2s, p95 2.5s, p99 3.1s, max 3.4s"
assert_contains "$OUT" "- kpi.req_per_s: count 200, min 900, mean 1234, p95 1400, max 1500"
assert_eq "$(tail -n 2 "$OUT" | tr '\n' '|')" "Soak-Run-Id: run-42|Soak-Verdict: PASS|" "trailers last"
assert_eq "$(git -C repo tag -l)" "" "no tag after --dry-run"

# the real tag: on the manifest's commit, the headings kept
expect_exit 0 "$CANARY" tag --bundle bundle --tag v1.0.0 --repo repo
assert_contains "$OUT" "tagged $FIRST as 'v1.0.0'"
assert_eq "$(git -C repo cat-file -t v1.0.0)" tag "annotated"
assert_eq "$(git -C repo rev-parse 'v1.0.0^{commit}')" "$FIRST" "tagged commit"
git -C repo cat-file tag v1.0.0 >tag.txt
assert_contains tag.txt "## Verdict"
assert_contains tag.txt "## Key statistics"
assert_contains tag.txt "PASS: 2 of 3 gates passed"
git -C repo for-each-ref --format='%(contents:trailers)' refs/tags/v1.0.0 >trailers.txt
assert_eq "$(cat trailers.txt | sed '/^$/d' | tr '\n' '|')" "Soak-Run-Id: run-42|Soak-Verdict: PASS|" "git reads the trailers"
git -C repo for-each-ref --format='%(contents:subject)' refs/tags/v1.0.0 >subject.txt
assert_eq "$(cat subject.txt)" "v1.0.0: soak PASS (run run-42)" "subject"

# never moved: a second run fails with exit 2 and the tag stays
expect_exit 2 "$CANARY" tag --bundle bundle --tag v1.0.0 --repo repo --commit HEAD
assert_contains "$ERR" "soak-canary: tag 'v1.0.0' exists already (at $FIRST): a release tag is never moved"
assert_eq "$(git -C repo rev-parse 'v1.0.0^{commit}')" "$FIRST" "tag not moved"

# --commit overrides the manifest; no manifest means HEAD
make_bundle plain FAIL
expect_exit 0 "$CANARY" tag --bundle plain --tag v1.0.1 --repo repo -q
assert_eq "$(git -C repo rev-parse 'v1.0.1^{commit}')" "$HEAD" "HEAD without a manifest"
git -C repo for-each-ref --format='%(contents:trailers:key=Soak-Verdict,valueonly)' refs/tags/v1.0.1 >v.txt
assert_eq "$(sed '/^$/d' v.txt)" FAIL "verdict trailer"

# bad input: a bad name, no repository, an unknown commit, no snapshot
expect_exit 2 "$CANARY" tag --bundle bundle --tag 'bad..name' --repo repo
assert_contains "$ERR" "bad tag name 'bad..name'"
mkdir notrepo
expect_exit 3 "$CANARY" tag --bundle bundle --tag v2 --repo notrepo
assert_contains "$ERR" "'notrepo' is not a git repository"
expect_exit 3 "$CANARY" tag --bundle bundle --tag v2 --repo repo --commit deadbeef
assert_contains "$ERR" "no commit 'deadbeef' in 'repo'"
expect_exit 3 "$CANARY" tag --bundle nothing --tag v2 --repo repo
assert_contains "$ERR" "POST_SOAK_SNAPSHOT.json"
expect_exit 2 "$CANARY" tag --bundle bundle --repo repo
assert_contains "$ERR" "no --tag given"
expect_exit 2 "$CANARY" tag --bundle bundle --tag v3 --repo repo --interval 5m
assert_contains "$ERR" "'--interval' is not an option of 'tag'"

# --push to a bare remote; a failing push exits 4 and names the remote
git init -q --bare remote.git
git -C repo remote add origin "$TMP/remote.git"
expect_exit 0 "$CANARY" tag --bundle bundle --tag v1.1.0 --repo repo --push origin
assert_contains "$OUT" ", pushed to origin"
assert_eq "$(git -C remote.git rev-parse 'v1.1.0^{commit}')" "$FIRST" "pushed tag"
assert_eq "$(git -C remote.git cat-file -t v1.1.0)" tag "pushed annotated"
expect_exit 4 "$CANARY" tag --bundle bundle --tag v1.2.0 --repo repo --push nowhere
assert_contains "$ERR" "tag 'v1.2.0' created, but git push to 'nowhere' failed"

finish
