#!/bin/bash
# soak-bundle release, bad input: a missing source, an unreadable file, a snapshot of
# a newer schema or not JSON, paths escaping the source through symlinks (exit 3);
# bad flags and patterns (exit 2); no git repository (a warning, or exit 3 when
# --repo names it). Nothing is written when it fails.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-bundle/lib-bundle.sh"

make_repo repo
write_reports src PASS

# --- the source ---
expect_exit 3 "$BUNDLE" release --src missing --out out --repo repo
assert_eq "$(cat "$ERR")" "soak-bundle: source directory 'missing': No such file or directory"
echo x >plainfile
expect_exit 3 "$BUNDLE" release --src plainfile --out out --repo repo
assert_eq "$(cat "$ERR")" "soak-bundle: source 'plainfile' is not a directory"
# a directory where a report should be
cp -r src s1
rm s1/FAILURES.md
mkdir s1/FAILURES.md
expect_exit 3 "$BUNDLE" release --src s1 --out out --repo repo
assert_eq "$(cat "$ERR")" "soak-bundle: 'FAILURES.md' in 's1' is not a regular file"
# an unreadable file (permissions mean nothing to root)
if [[ $(id -u) != 0 ]]; then
	cp -r src s2
	chmod 000 s2/POST_SOAK_AUDIT.md
	expect_exit 3 "$BUNDLE" release --src s2 --out out --repo repo
	assert_eq "$(cat "$ERR")" "soak-bundle: cannot read 'POST_SOAK_AUDIT.md' in 's2': Permission denied"
	chmod 644 s2/POST_SOAK_AUDIT.md
fi
# the snapshot: a newer schema, not JSON, no schema, no verdict
write_reports s3 PASS 2.1
expect_exit 3 "$BUNDLE" release --src s3 --out out --repo repo
assert_eq "$(cat "$ERR")" "soak-bundle: 'POST_SOAK_SNAPSHOT.json' in 's3': schema major version 2 is newer than this soak-bundle (1); use a newer soak-bundle"
write_reports s4 PASS 1.7
expect_exit 0 "$BUNDLE" release -q --src s4 --out out-minor --repo repo
printf '{"schema": "1.0", "verdict": \n' >s4/POST_SOAK_SNAPSHOT.json
expect_exit 3 "$BUNDLE" release --src s4 --out out --repo repo
assert_eq "$(cat "$ERR")" "soak-bundle: 's4/POST_SOAK_SNAPSHOT.json': JSON syntax error at line 1, column 30"
echo '{"verdict": "PASS"}' >s4/POST_SOAK_SNAPSHOT.json
expect_exit 3 "$BUNDLE" release --src s4 --out out --repo repo
assert_eq "$(cat "$ERR")" "soak-bundle: 'POST_SOAK_SNAPSHOT.json' in 's4': not a soak-report snapshot (no \"schema\")"
echo '{"schema": "1.0", "verdict": "MAYBE"}' >s4/POST_SOAK_SNAPSHOT.json
expect_exit 3 "$BUNDLE" release --src s4 --out out --repo repo
assert_eq "$(cat "$ERR")" "soak-bundle: 'POST_SOAK_SNAPSHOT.json' in 's4': no verdict (PASS, WARN or FAIL)"
assert_no_file out

# --- symlinks: inside the source they are copied as files; out of it, refused ---
echo 'secret' >outside.txt
cp -r src s5
mkdir s5/cfg
echo 'inner' >s5/cfg/real.conf
ln -s real.conf s5/cfg/alias.conf
expect_exit 0 "$BUNDLE" release -q --src s5 --out out-in --repo repo --include 'cfg/*'
assert_eq "$(cat out-in/cfg/alias.conf)" inner "a link inside the source is copied"
assert_eq "$(stat -c %F out-in/cfg/alias.conf)" "regular file" "as a regular file"
ln -s ../../outside.txt s5/cfg/leak.conf
expect_exit 3 "$BUNDLE" release --src s5 --out out --repo repo --include 'cfg/*'
assert_eq "$(cat "$ERR")" "soak-bundle: 'cfg/leak.conf' leaves the source directory 's5' through a symlink (to '$TMP/outside.txt')"
assert_no_file out
# through a linked directory, and a report itself linked out
rm s5/cfg/leak.conf
ln -s "$TMP" s5/cfg/up
expect_exit 3 "$BUNDLE" release --src s5 --out out --repo repo --include cfg
assert_contains "$ERR" "'cfg/up' leaves the source directory 's5' through a symlink (to '$TMP')"
rm s5/cfg/up
mv s5/FAILURES.md failures.elsewhere
ln -s "$TMP/failures.elsewhere" s5/FAILURES.md
expect_exit 3 "$BUNDLE" release --src s5 --out out --repo repo
assert_eq "$(cat "$ERR")" "soak-bundle: 'FAILURES.md' leaves the source directory 's5' through a symlink (to '$TMP/failures.elsewhere')"
# a link to nowhere
rm s5/FAILURES.md
ln -s nothing-here s5/FAILURES.md
expect_exit 3 "$BUNDLE" release --src s5 --out out --repo repo
assert_contains "$ERR" "cannot read 'FAILURES.md' in 's5': a symlink to nowhere"
# the source given through a symlink is fine
ln -s src srclink
expect_exit 0 "$BUNDLE" release -q --src srclink --out out-link --repo repo
assert_no_file out

# --- bad flags: exit 2 before any work ---
expect_exit 2 "$BUNDLE" release --src src --out out --repo repo --include '../outside.txt'
assert_contains "$ERR" "bad --include '../outside.txt': '..' would leave the source directory"
expect_exit 2 "$BUNDLE" release --src src --out out --repo repo --include '/etc/passwd'
assert_contains "$ERR" "bad --include '/etc/passwd': a pattern relative to --src is expected"
cp src/POST_SOAK_AUDIT.md src/CHANGELOG.md
expect_exit 2 "$BUNDLE" release --src src --out out --repo repo --include '*.md'
assert_contains "$ERR" "'CHANGELOG.md' in 'src' would overwrite the generated 'CHANGELOG.md'; leave it out of --include"
rm src/CHANGELOG.md
expect_exit 2 "$BUNDLE" release --src src --out out --repo repo --archive rar
assert_contains "$ERR" "bad --archive: unknown archive format 'rar' (tar, tar.gz, tar.zst or zip)"
expect_exit 2 "$BUNDLE" release --src src --out out --repo repo --require-verdict GREEN
assert_contains "$ERR" "bad --require-verdict 'GREEN' (PASS, WARN or ANY)"
expect_exit 2 "$BUNDLE" release --src src --repo repo
assert_contains "$ERR" "no --out given"
expect_exit 2 "$BUNDLE" release --src src --out out --repo repo extra-arg
assert_contains "$ERR" "unexpected argument 'extra-arg'"
SOURCE_DATE_EPOCH=yesterday expect_exit 2 "$BUNDLE" release --src src --out out --repo repo
assert_contains "$ERR" "bad SOURCE_DATE_EPOCH 'yesterday'"
expect_exit 2 "$BUNDLE" release --src src --out out --repo repo --verify-iterations 0
expect_exit 2 "$BUNDLE" release --src src --out out --repo repo --deploy-time 10parsecs
expect_exit 2 "$BUNDLE" release --src src --out out --repo repo --previous-tag v9.9.9
assert_contains "$ERR" "previous tag 'v9.9.9' is not in 'repo'"
expect_exit 2 "$BUNDLE" frobnicate
assert_contains "$ERR" "unknown command 'frobnicate' (release, verify or cache)"
expect_exit 2 "$BUNDLE"
assert_contains "$ERR" "no command given"
echo '{"bundle": {"colour": "red"}}' >bad.json
expect_exit 2 "$BUNDLE" release --config bad.json --src src --out out --repo repo
assert_contains "$ERR" "unknown setting 'colour' in section 'bundle'"
expect_exit 0 "$BUNDLE" --help
assert_contains "$OUT" "verify   check a bundle directory or archive"
expect_exit 0 "$BUNDLE" release --help
assert_contains "$OUT" "--require-verdict PASS|WARN|ANY"
expect_exit 0 "$BUNDLE" --version
assert_match "$OUT" '^soak-bundle [0-9]+\.[0-9]+\.[0-9]+$'
assert_no_file out

# --- git: a --repo that is no repository is an input error; the default a warning ---
mkdir notgit
expect_exit 3 "$BUNDLE" release --src src --out out --repo notgit
assert_contains "$ERR" "soak-bundle: 'notgit' is not a git repository: fatal: not a git repository"
assert_no_file out
cd notgit
expect_exit 0 "$BUNDLE" release -q --src ../src --out ../out-nogit
cd "$TMP"
assert_contains "$ERR" "soak-bundle: warning: no git repository in '.'"
assert_jq_eq out-nogit/MANIFEST.json .source.commit null
assert_contains out-nogit/CHANGELOG.md "No git repository was read, so no changes are listed"
assert_contains out-nogit/rollback_plan.md "Release: commit unknown"
# the time then comes from the snapshot's generation time
assert_jq_eq out-nogit/MANIFEST.json .created 2026-03-04T05:06:07.000Z
# a repository without commits is no better
git init -q empty-repo
expect_exit 3 "$BUNDLE" release --src src --out out --repo empty-repo
assert_contains "$ERR" "'empty-repo' is not a git repository: fatal: "
finish
