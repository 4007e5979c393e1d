# soak-clean: help, version, bad flags and values, refused roots, exit codes,
# and the configuration precedence flag > env > config ("clean" section) > default.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/soak-clean/lib-clean.sh"

expect_exit 0 "$CLEAN" --help
assert_contains "$OUT" "usage: soak-clean [options] [DIR]"
for opt in --keep --max-logs-per-step --max-age --compress-after --compression --max-total \
	--hard-limit --check-size --protect --dry-run --json --quiet --force --run-id \
	--min-free-disk --kill --kill-after --config --dir; do
	assert_contains "$OUT" "$opt"
done
expect_exit 0 "$CLEAN" --version
assert_match "$OUT" '^soak-clean [0-9]+\.[0-9]+\.[0-9]+$'

soak_dir s
# usage errors: one line naming the problem, then the hint; exit 2; nothing touched
mk s/logs/old.log 100 '30 days'
before=$(listing s)
expect_exit 2 "$CLEAN" --bogus s
assert_contains "$ERR" "soak-clean: unknown option '--bogus'"
assert_contains "$ERR" "try 'soak-clean --help'"
expect_exit 2 "$CLEAN" --max-age 7x s
assert_contains "$ERR" "invalid value '7x' for 'max-age' (from --max-age)"
expect_exit 2 "$CLEAN" --keep 'logs/*.log' s
assert_contains "$ERR" "invalid value 'logs/*.log' for 'keep': expected PATTERN=N"
expect_exit 2 "$CLEAN" --keep 'logs/*.log=many' s
assert_contains "$ERR" "N must be a whole number"
expect_exit 2 "$CLEAN" --compression xz --compress-after 1d s
assert_contains "$ERR" "invalid compression 'xz': expected 'zstd' or 'gzip'"
expect_exit 2 "$CLEAN" --hard-limit 10QB s
assert_contains "$ERR" "for 'hard-limit'"
expect_exit 2 "$CLEAN" --max-age 1d -d s s
assert_contains "$ERR" "give the directory once"
expect_exit 2 "$CLEAN" --max-age 1d s extra
assert_contains "$ERR" "unexpected argument 'extra'"
assert_eq "$(listing s)" "$before" "tree after usage errors"

# input: the directory is missing
expect_exit 3 "$CLEAN" --max-age 1d nope
assert_contains "$ERR" "soak-clean: cannot open 'nope': No such file or directory"

# refused roots: '/', always; $HOME and a directory that is no soak directory, unless --force
expect_exit 2 "$CLEAN" --dry-run --max-age 1000d /
assert_contains "$ERR" "refusing to clean '/': it is the root of a file system"
expect_exit 2 "$CLEAN" --dry-run --force --max-age 1000d /
assert_contains "$ERR" "refusing to clean '/'"
mkdir -p home/me
soak_dir home/me
mk home/me/old.txt 10 '30 days'
expect_exit 2 env HOME="$TMP/home/me" "$CLEAN" --max-age 1d home/me
assert_contains "$ERR" "refusing to clean 'home/me': it is the home directory (--force to clean it anyway)"
expect_exit 2 env HOME="$TMP/home/me" "$CLEAN" --max-age 1d home
assert_contains "$ERR" "it is the home directory or holds it"
assert_file home/me/old.txt
expect_exit 0 env HOME="$TMP/home/me" "$CLEAN" --force --max-age 1d home/me
assert_no_file home/me/old.txt
mkdir plain
mk plain/old.txt 10 '30 days'
expect_exit 2 "$CLEAN" --max-age 1d plain
assert_contains "$ERR" "refusing to clean 'plain': it does not look like a soak directory (no run.json, summary.json or metrics.jsonl; --force to clean it anyway)"
assert_file plain/old.txt
expect_exit 0 "$CLEAN" --force --max-age 1d plain
assert_no_file plain/old.txt
# a root that is itself a symbolic link is refused (the link is not followed)
ln -s s slink
expect_exit 2 "$CLEAN" --max-age 1d slink
assert_contains "$ERR" "'slink' is a symbolic link"
expect_exit 2 "$CLEAN" --max-age 1d slink/
assert_contains "$ERR" "'slink/' is a symbolic link"
assert_file s/logs/old.log
# not a directory
expect_exit 2 "$CLEAN" --force --max-age 1d s/run.json
assert_contains "$ERR" "'s/run.json' is not a directory"

# --dir, SOAK_DIR, and the default artifacts/soak
soak_dir artifacts/soak
mk artifacts/soak/logs/a.log 10 '3 days'
expect_exit 0 "$CLEAN" --max-age 2d
assert_no_file artifacts/soak/logs/a.log
mk s/logs/b.log 10 '3 days'
expect_exit 0 env SOAK_DIR=s "$CLEAN" --max-age 2d
assert_no_file s/logs/b.log

# precedence: flag > env > config file ("clean" section over the top level) > default
cat >c.json <<'JSON'
{ "max-age": "100d", "clean": { "max-age": "5d" }, "run": { "timeout": "1s" } }
JSON
mk s/logs/six.log 10 '6 days'
expect_exit 0 env SOAK_MAX_AGE=10d "$CLEAN" --config c.json s
assert_file s/logs/six.log # env 10d beats the config's 5d
expect_exit 0 env SOAK_MAX_AGE=10d "$CLEAN" --config c.json --max-age 7d --json s
assert_file s/logs/six.log # flag 7d beats env
assert_jq_eq "$OUT" '.actions | length' 0
expect_exit 0 "$CLEAN" --config c.json s
assert_no_file s/logs/six.log # the clean section's 5d beats the top level's 100d
echo '{ "clean": { "max-ages": "5d" } }' >bad.json
expect_exit 2 "$CLEAN" --config bad.json s
assert_contains "$ERR" "unknown setting 'max-ages' in section 'clean'"
echo '{ "clean": { "max-age": ' >broken.json
expect_exit 3 "$CLEAN" --config broken.json s
assert_contains "$ERR" "JSON syntax error at line"
# a directory given on the command line beats SOAK_DIR
mk s/logs/c.log 10 '3 days'
expect_exit 0 env SOAK_DIR=nope "$CLEAN" --max-age 2d s
assert_no_file s/logs/c.log

finish
