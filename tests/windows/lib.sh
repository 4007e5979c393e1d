# Helpers for the black-box tests of the Windows programs, run under Wine
# (sourced by tests/windows/tNNNN-*.sh after nothing else; it sources ../lib.sh).
#
# CTest sets SOAK_WINE (CMAKE_CROSSCOMPILING_EMULATOR) besides SOAK_BIN, SOAK_SRC
# and SOAK_TEST_TMP. A missing emulator skips the test (exit 77) with a reason.
#
# wrun CODE PROGRAM [ARG...]: expect_exit CODE for $SOAK_BIN/PROGRAM.exe under Wine;
# Wine's own noise (the wine32 notice, fixme: lines) is removed from $ERR, so the
# assertions on $ERR see only what the program printed.
# winpath PATH: the Windows path Wine gives a Linux path (Z:\... with backslashes).

# before ../lib.sh, which unsets the SOAK_* environment and makes a scratch directory
_wine=${SOAK_WINE:-}
if [[ -z $_wine ]]; then
	echo "skip: SOAK_WINE is empty (no emulator for the Windows programs)"
	exit 77
fi
if [[ $_wine != */* ]]; then
	_wine=$(command -v "$_wine" 2>/dev/null) || _wine=$SOAK_WINE
fi
if [[ ! -f $_wine || ! -x $_wine ]]; then
	echo "skip: SOAK_WINE '$SOAK_WINE' is not an executable"
	exit 77
fi
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
SOAK_WINE=$_wine
W=$SOAK_WINE
export WINEDEBUG=-all
# non-ASCII arguments reach the programs as UTF-16 only in a UTF-8 locale
case ${LC_ALL:-${LC_CTYPE:-${LANG:-}}} in
*[Uu][Tt][Ff]-8* | *[Uu][Tt][Ff]8*) ;;
*) export LC_ALL=C.UTF-8 ;;
esac

win()
{
	"$SOAK_WINE" "$@"
}

# winpath PATH: Wine maps / to the drive Z:, so /a/b c is Z:\a\b c.
winpath()
{
	local p
	p=$(realpath -m -- "$1") || return 1
	printf 'Z:%s' "${p//\//\\}"
}

# strip_wine FILE: drop Wine's lines (not the program's) from FILE.
strip_wine()
{
	[[ -f $1 ]] || return 0
	grep -a -v -e 'it looks like wine32 is missing' -e 'multiarch needs to be enabled first' \
		-e 'dpkg --add-architecture i386' -e 'apt-get install wine32' \
		-e '^[0-9a-f]*:fixme:' -e '^fixme:' "$1" >"$1.w"
	mv -f "$1.w" "$1"
}

wrun()
{
	local want=$1 prog=$2 rc
	shift 2
	expect_exit "$want" "$SOAK_WINE" "$SOAK_BIN/$prog.exe" "$@"
	rc=$?
	strip_wine "$ERR"
	return $rc
}

# wine_pids PATTERN: pids of live processes whose command line matches PATTERN.
wine_pids()
{
	pgrep -f -- "$1" | while read -r p; do
		[[ $p == "$$" || $p == "$BASHPID" ]] && continue
		s=$(_state "$p")
		[[ -n $s && $s != Z ]] && echo "$p"
	done
}

# The tests' directories: WD has a space (its Windows path WWD is passed to the
# programs as an absolute path, drive letter and backslashes); UD below it has
# non-ASCII names (été-文件) and is the current directory of the runs that use
# relative paths, so the programs see it through the Win32 calls.
WD="$TMP/soak dir"
UD="$WD/été-文件"
mkdir -p "$UD"
WWD=$(winpath "$WD")
WUD=$(winpath "$UD")
