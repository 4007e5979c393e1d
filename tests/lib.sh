# Helpers for the black-box tests, sourced by tests/<program>/tNNNN-<topic>.sh.
#
# CTest sets SOAK_BIN (the built programs), SOAK_HELPERS (tests/helpers binaries),
# SOAK_SRC (the source tree) and SOAK_TEST_TMP (scratch space); see
# tests/CMakeLists.txt. Each test runs in a fresh directory $TMP (also the current
# directory), removed at the end when everything passed (SOAK_TEST_KEEP=1 keeps it).
#
# Run the program under test with expect_exit, which captures stdout and stderr
# into $OUT and $ERR and checks the exit code: never pipe it, never "! cmd".
# Every assert_* counts; the test ends with "finish", which prints
# "N passed, N failed" and exits 1 when anything failed (or nothing was checked).

set -u

_LIB=${BASH_SOURCE[0]}
: "${SOAK_BIN:?SOAK_BIN is not set: run the tests with ctest, or set SOAK_BIN to the bin directory of a build}"
: "${SOAK_SRC:=$(cd "$(dirname "$_LIB")/.." && pwd)}"
: "${SOAK_HELPERS:=$SOAK_BIN/../tests/helpers}"
: "${SOAK_TEST_TMP:=${TMPDIR:-/tmp}/soak-tests}"
# Shell variables for the tests, not environment for the programs under test: a
# program would read SOAK_SRC as its setting "src" (soak-bundle --src), and so on.
export -n SOAK_BIN SOAK_SRC SOAK_HELPERS SOAK_TEST_TMP

# A test must not inherit the settings of a soak run it was started from.
for _v in $(compgen -e); do
	case $_v in SOAK_BIN | SOAK_SRC | SOAK_HELPERS | SOAK_TEST_TMP | SOAK_TEST_KEEP) ;;
	SOAK_* | GITHUB_* | LEAKY_*) unset "$_v" ;;
	esac
done
unset _v

TEST_NAME=$(basename "$0" .sh)
TEST_GROUP=$(basename "$(cd "$(dirname "$0")" && pwd)")
mkdir -p "$SOAK_TEST_TMP" || exit 1
TMP=$(mktemp -d "$SOAK_TEST_TMP/$TEST_GROUP-$TEST_NAME.XXXX") || exit 1
OUT=$TMP/stdout
ERR=$TMP/stderr
cd "$TMP" || exit 1

SOAK_RUN=$SOAK_BIN/soak-run
# An ISO-8601 UTC time with milliseconds, for jq's test(): "2026-11-22T04:18:21.123Z".
ISO_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}Z$'
LEAKY=$SOAK_BIN/soak-example-leaky

_passed=0
_failed=0
_finished=0
_bg_pids=()
LAST_RC=

# Where in the test file the current assertion was called from.
_where()
{
	local i
	for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do
		if [[ ${BASH_SOURCE[i]} != "$_LIB" ]]; then
			printf '%s:%s' "${BASH_SOURCE[i]##*/}" "${BASH_LINENO[i - 1]}"
			return
		fi
	done
	printf '?'
}

# Show a captured file, indented, at most the last 40 lines.
_show()
{
	local label=$1 file=$2
	if [[ ! -e $file ]]; then
		printf '  %s: (no file %s)\n' "$label" "$file" >&2
	elif [[ ! -s $file ]]; then
		printf '  %s: (empty)\n' "$label" >&2
	else
		printf '  %s (%s lines, last 40):\n' "$label" "$(wc -l <"$file")" >&2
		tail -n 40 "$file" | cut -c1-300 | sed 's/^/    | /' >&2
	fi
}

# pass [WHAT] / fail MESSAGE...: count one check.
pass()
{
	_passed=$((_passed + 1))
}

fail()
{
	_failed=$((_failed + 1))
	printf 'FAIL %s: %s\n' "$(_where)" "$*" >&2
	return 1
}

# expect_exit CODE CMD [ARG...]: run CMD with stdin from /dev/null, stdout to
# $OUT, stderr to $ERR; the exit code must be CODE. LAST_RC gets the code.
expect_exit()
{
	local want=$1
	shift
	"$@" >"$OUT" 2>"$ERR" </dev/null
	LAST_RC=$?
	if [[ $LAST_RC == "$want" ]]; then
		pass
		return 0
	fi
	fail "exit code $LAST_RC, expected $want: $*"
	_show stdout "$OUT"
	_show stderr "$ERR"
	return 1
}

# assert_eq ACTUAL EXPECTED [WHAT]
assert_eq()
{
	if [[ $1 == "$2" ]]; then
		pass
		return 0
	fi
	fail "${3:-value}: got '$1', expected '$2'"
}

# assert_num A OP B [WHAT]: numeric comparison (OP: < <= > >= == !=), fractions allowed.
assert_num()
{
	if awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN {
		if (a !~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/ || b !~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/) exit 1
		a += 0; b += 0
		ok = (op == "<") ? a < b : (op == "<=") ? a <= b : (op == ">") ? a > b : \
		     (op == ">=") ? a >= b : (op == "==") ? a == b : (op == "!=") ? a != b : 0
		exit !ok }'; then
		pass
		return 0
	fi
	fail "${4:-value}: expected $1 $2 $3"
}

# assert_contains FILE STRING / assert_not_contains FILE STRING (fixed strings)
assert_contains()
{
	if [[ -f $1 ]] && grep -qF -- "$2" "$1"; then
		pass
		return 0
	fi
	fail "'$1' does not contain '$2'"
	_show "$1" "$1"
	return 1
}

assert_not_contains()
{
	if [[ -f $1 ]] && ! grep -qF -- "$2" "$1"; then
		pass
		return 0
	fi
	if [[ ! -f $1 ]]; then
		fail "no file '$1'"
	else
		fail "'$1' contains '$2':"
		grep -nF -- "$2" "$1" | head -n 5 | sed 's/^/    | /' >&2
	fi
	return 1
}

# assert_match FILE ERE: some line of FILE matches the extended regular expression.
assert_match()
{
	if [[ -f $1 ]] && grep -qE -- "$2" "$1"; then
		pass
		return 0
	fi
	fail "'$1' has no line matching /$2/"
	_show "$1" "$1"
	return 1
}

# assert_file PATH (a regular file) / assert_dir PATH / assert_no_file PATH (nothing there)
assert_file()
{
	if [[ -f $1 ]]; then
		pass
		return 0
	fi
	fail "no file '$1'"
}

assert_dir()
{
	if [[ -d $1 ]]; then
		pass
		return 0
	fi
	fail "no directory '$1'"
}

assert_no_file()
{
	if [[ ! -e $1 && ! -L $1 ]]; then
		pass
		return 0
	fi
	fail "'$1' exists"
}

# assert_json [-s] FILE JQ-EXPR: JQ-EXPR must give true for each document of FILE
# (for JSON Lines: each line that gives an output; -s: for the whole slurped array).
assert_json()
{
	local slurp=()
	if [[ $1 == -s ]]; then
		slurp=(-s)
		shift
	fi
	local file=$1 expr=$2 jerr
	if [[ ! -f $file ]]; then
		fail "no file '$file' (for $expr)"
		return 1
	fi
	# without -s every document of the file counts: all must give true, at least one
	if ((${#slurp[@]})); then
		jerr=$(jq -s -e "$expr" "$file" 2>&1 >/dev/null)
	else
		jerr=$(jq -n -e "[inputs | ($expr)] | length > 0 and all" "$file" 2>&1 >/dev/null)
	fi
	if (($? == 0)); then
		pass
		return 0
	fi
	fail "'$file': jq ${slurp[*]:+-s }-e '$expr' is not true${jerr:+: $jerr}"
	_show "$file" "$file"
	return 1
}

# assert_jq_eq [-s] FILE JQ-EXPR EXPECTED: jq -r's output must equal EXPECTED.
assert_jq_eq()
{
	local slurp=()
	if [[ $1 == -s ]]; then
		slurp=(-s)
		shift
	fi
	local file=$1 expr=$2 want=$3 got
	if [[ ! -f $file ]]; then
		fail "no file '$file' (for $expr)"
		return 1
	fi
	if ! got=$(jq "${slurp[@]}" -r "$expr" "$file" 2>&1); then
		fail "'$file': jq ${slurp[*]:+-s }'$expr' failed: $got"
		_show "$file" "$file"
		return 1
	fi
	if [[ $got == "$want" ]]; then
		pass
		return 0
	fi
	fail "'$file': $expr is '$got', expected '$want'"
}

# jqv [-s] FILE EXPR: print a value (for computing; not an assertion).
jqv()
{
	local slurp=()
	if [[ $1 == -s ]]; then
		slurp=(-s)
		shift
	fi
	jq "${slurp[@]}" -r "$2" "$1" 2>/dev/null
}

# assert_lines FILE N: exactly N lines.
assert_lines()
{
	local n
	if [[ ! -f $1 ]]; then
		fail "no file '$1'"
		return 1
	fi
	n=$(wc -l <"$1")
	n=$((n + 0))
	if [[ $n == "$2" ]]; then
		pass
		return 0
	fi
	fail "'$1' has $n lines, expected $2"
	_show "$1" "$1"
	return 1
}

# now_ms: monotonic enough for test timing (wall clock, milliseconds).
now_ms()
{
	local t=${EPOCHREALTIME/[^0-9]/}
	echo $((t / 1000))
}

# wait_for COND TIMEOUT-S [WHAT]: evaluate the shell command COND every 50 ms
# until it succeeds; counts as a check that fails after TIMEOUT-S seconds.
wait_for()
{
	local cond=$1 deadline=$(($(now_ms) + ${2%.*} * 1000))
	while :; do
		if eval "$cond" >/dev/null 2>&1; then
			pass
			return 0
		fi
		if (($(now_ms) >= deadline)); then
			fail "${3:-condition} not met within $2 s: $cond"
			return 1
		fi
		sleep 0.05
	done
}

# run_bg CMD [ARG...]: start CMD in the background like expect_exit would
# (stdout $OUT, stderr $ERR, stdin /dev/null) with SIGINT and SIGQUIT at their
# defaults (a script's background jobs otherwise ignore them). BG_PID gets its pid.
if env --default-signal=INT true 2>/dev/null; then
	_DEFSIG=(env --default-signal=INT,QUIT)
else
	_DEFSIG=()
fi
run_bg()
{
	if ((${#_DEFSIG[@]})); then
		"${_DEFSIG[@]}" "$@" >"$OUT" 2>"$ERR" </dev/null &
	else
		set -m
		"$@" >"$OUT" 2>"$ERR" </dev/null &
		set +m
	fi
	BG_PID=$!
	_bg_pids+=("$BG_PID")
}

# expect_bg_exit CODE TIMEOUT-S: wait up to TIMEOUT-S seconds for the run_bg
# process to end with CODE (killed with SIGKILL if it does not end). BG_RC and
# BG_MS (how long the wait took) are set.
expect_bg_exit()
{
	local want=$1 t0 deadline
	t0=$(now_ms)
	deadline=$((t0 + ${2%.*} * 1000))
	while kill -0 "$BG_PID" 2>/dev/null && [[ $(_state "$BG_PID") != Z ]]; do
		if (($(now_ms) >= deadline)); then
			kill -KILL "$BG_PID" 2>/dev/null
			wait "$BG_PID" 2>/dev/null
			BG_RC=timeout
			BG_MS=$(($(now_ms) - t0))
			fail "still running after $2 s (killed), expected exit $want"
			_show stdout "$OUT"
			_show stderr "$ERR"
			return 1
		fi
		sleep 0.02
	done
	wait "$BG_PID"
	BG_RC=$?
	BG_MS=$(($(now_ms) - t0))
	if [[ $BG_RC == "$want" ]]; then
		pass
		return 0
	fi
	fail "exit code $BG_RC, expected $want"
	_show stdout "$OUT"
	_show stderr "$ERR"
	return 1
}

# The state letter of a process (R, S, Z ...), empty when it is gone.
_state()
{
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	s=${s##*) }
	printf '%s' "${s%% *}"
}

# pids_with_env NAME VALUE: pids of live processes whose environment has NAME=VALUE.
pids_with_env()
{
	local f pid s
	for f in $(grep -lszxF -- "$1=$2" /proc/[0-9]*/environ); do
		pid=${f#/proc/}
		pid=${pid%/environ}
		[[ $pid == "$$" ]] && continue
		s=$(_state "$pid") # empty: gone (e.g. the grep itself)
		[[ -n $s && $s != Z ]] && echo "$pid"
	done
}

# no_process_with_env NAME VALUE: no process is left carrying NAME=VALUE in its
# environment (what soak-run marks its children with). Leftovers are reported and killed.
no_process_with_env()
{
	local pids pid
	pids=$(pids_with_env "$1" "$2")
	if [[ -z $pids ]]; then
		pass
		return 0
	fi
	fail "processes with $1=$2 are left: $(echo $pids)"
	for pid in $pids; do
		printf '    | %s: %s\n' "$pid" "$({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null)" >&2
		kill -KILL "$pid" 2>/dev/null
	done
	return 1
}

# pid_gone PID: the process does not exist (or is a zombie nobody reaped yet).
assert_pid_gone()
{
	local s
	s=$(_state "$1")
	if [[ -z $s || $s == Z ]]; then
		pass
		return 0
	fi
	fail "process $1 is still there ($s): $({ tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null)"
	kill -KILL "$1" 2>/dev/null
	return 1
}

_cleanup()
{
	local rc=$? pid
	for pid in "${_bg_pids[@]}"; do
		kill -KILL "$pid" 2>/dev/null
	done
	if ((!_finished)); then
		printf 'FAIL %s: the test ended before finish (exit %s)\n' "$TEST_NAME" "$rc" >&2
		rc=1
	fi
	if ((rc == 0)) && [[ -z ${SOAK_TEST_KEEP:-} ]]; then
		cd / && rm -rf "$TMP"
	else
		printf 'scratch directory kept: %s\n' "$TMP" >&2
	fi
	exit "$rc"
}
trap _cleanup EXIT

# finish: print the counts and end the test.
finish()
{
	_finished=1
	printf '%s/%s: %d passed, %d failed\n' "$TEST_GROUP" "$TEST_NAME" "$_passed" "$_failed"
	if ((_failed > 0)); then
		exit 1
	fi
	if ((_passed == 0)); then
		echo "no checks were made" >&2
		exit 1
	fi
	exit 0
}
