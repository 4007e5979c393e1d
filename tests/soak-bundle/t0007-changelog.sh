#!/bin/bash
# CHANGELOG.md from real git repositories: the previous tag (the one before a tag on
# HEAD, or the newest reachable one), --previous-tag, no tags at all, merges left out,
# and the grouping of subjects into features, fixes and other.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-bundle/lib-bundle.sh"

write_reports src PASS
section()
{ # section FILE TITLE: the lines of one "### TITLE" group
	awk -v t="### $2" '$0 == t {on = 1; next} /^##/ {on = 0} on && /^- / {print}' "$1"
}

# --- HEAD carries v1.1.0: changes since v1.0.0, the tag named ---
make_repo r1
git -C r1 tag -a v1.1.0 -m "release 1.1.0"
expect_exit 0 "$BUNDLE" release -q --src src --out b1 --repo r1
assert_contains b1/CHANGELOG.md '## Changes since `v1.0.0`'
assert_contains b1/CHANGELOG.md "4 commits up to \`$(git -C r1 rev-parse HEAD)\` (tag \`v1.1.0\`)."
assert_jq_eq b1/MANIFEST.json .source.tag v1.1.0
assert_jq_eq b1/MANIFEST.json .source.previous_tag v1.0.0
assert_contains b1/rollback_plan.md "(tag \`v1.1.0\`)"
assert_contains b1/rollback_plan.md 'Roll back to: `v1.0.0`, the previous tag.'
# one more commit after the tag: the previous tag is now v1.1.0
commit r1 "feat: after the release" 1700000600
expect_exit 0 "$BUNDLE" release -q --src src --out b1b --repo r1
assert_contains b1b/CHANGELOG.md '## Changes since `v1.1.0`'
assert_eq "$(section b1b/CHANGELOG.md Features)" "- feat: after the release (\`$(git -C r1 rev-parse --short=12 HEAD)\`)"
assert_eq "$(section b1b/CHANGELOG.md Fixes)" "" "no fixes since v1.1.0"
assert_not_contains b1b/CHANGELOG.md "### Fixes"
# --previous-tag picks the range
expect_exit 0 "$BUNDLE" release -q --src src --out b1c --repo r1 --previous-tag v1.0.0
assert_contains b1c/CHANGELOG.md '## Changes since `v1.0.0`'
assert_contains b1c/CHANGELOG.md "5 commits up to"

# --- no tag at all: every commit ---
git init -q r2
commit r2 "initial" 1700000000
commit r2 "feat: one" 1700000100
expect_exit 0 "$BUNDLE" release -q --src src --out b2 --repo r2
assert_contains b2/CHANGELOG.md "No earlier tag: every commit is listed."
assert_contains b2/CHANGELOG.md "2 commits up to"
assert_eq "$(section b2/CHANGELOG.md Other)" "- initial (\`$(git -C r2 rev-parse --short=12 HEAD~1)\`)"
assert_jq_eq b2/MANIFEST.json .source.previous_tag null
assert_contains b2/rollback_plan.md "the release deployed before this one (no earlier tag was found)"

# --- grouping patterns, and merge commits left out ---
git init -q r3
commit r3 "start" 1700000000
git -C r3 tag v0.1
git -C r3 checkout -q -b topic
commit r3 "Feature(ui)!: new screen" 1700000100
commit r3 "FIX: upper-case fix" 1700000200
git -C r3 checkout -q -
commit r3 "hotfix: urgent" 1700000300
commit r3 "bugfix(db): index" 1700000400
commit r3 "refactor: feat: not a feature" 1700000500
commit r3 "fixup! something" 1700000600
commit r3 "feat:no space" 1700000700
commit r3 "featuring nothing" 1700000800
GIT_COMMITTER_DATE="@1700000900 +0000" GIT_AUTHOR_DATE="@1700000900 +0000" \
	git -C r3 merge -q --no-ff -m "Merge branch 'topic'" topic
expect_exit 0 "$BUNDLE" release -q --src src --out b3 --repo r3
C=b3/CHANGELOG.md
assert_eq "$(section "$C" Features | sed 's/ (`.*//' | sort | tr '\n' '|')" \
	"- Feature(ui)!: new screen|- feat:no space|" "features"
assert_eq "$(section "$C" Fixes | sed 's/ (`.*//' | sort | tr '\n' '|')" \
	"- FIX: upper-case fix|- bugfix(db): index|- hotfix: urgent|" "fixes"
assert_eq "$(section "$C" Other | sed 's/ (`.*//' | sort | tr '\n' '|')" \
	"- featuring nothing|- fixup! something|- refactor: feat: not a feature|" "other"
assert_not_contains "$C" "Merge branch"
assert_contains "$C" "8 commits up to"
assert_jq_eq b3/MANIFEST.json .source.commit "$(git -C r3 rev-parse HEAD)"
assert_jq_eq b3/MANIFEST.json .source.commit_time 2023-11-14T22:28:20.000Z
finish
