#!/usr/bin/env bash
# The toolkit step of action.yml and cache/*/action.yml: find the soak-* programs
# or build them, then put their directory on the job's PATH and in the output
# bin-dir.
#   action-setup.sh PROGRAM...
# In order:
#   1. SOAK_ACTION_TOOLKIT (the toolkit-path input): a directory holding the
#      programs, or an install prefix with them in bin/; a missing one is an error.
#   2. every PROGRAM already on PATH: that directory.
#   3. otherwise build the source tree this script is in with CMake, after
#      scripts/install-deps.sh --build (apt-get or Homebrew), into
#      $RUNNER_TEMP/soak-action-build (reused when the step runs again in the job).
# Windows runners have neither apt-get nor Homebrew: give toolkit-path, or put
# programs built with vcpkg's curl, cjson and libarchive on PATH.
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$src/scripts/action-lib.sh"
soak_action_debug

if [ "$#" -eq 0 ]; then
	echo "usage: action-setup.sh PROGRAM..." >&2
	exit 2
fi

# has_all DIR: every program is an executable in DIR (foo or foo.exe).
has_all()
{
	local p
	for p in "${@:2}"; do
		[ -f "$1/$p" ] && [ -x "$1/$p" ] && continue
		[ -f "$1/$p.exe" ] && continue
		return 1
	done
}

bin=
how=
if [ -n "${SOAK_ACTION_TOOLKIT:-}" ]; then
	if has_all "$SOAK_ACTION_TOOLKIT" "$@"; then
		bin=$SOAK_ACTION_TOOLKIT
	elif has_all "$SOAK_ACTION_TOOLKIT/bin" "$@"; then
		bin=$SOAK_ACTION_TOOLKIT/bin
	else
		soak_action_error soak-action "toolkit-path '$SOAK_ACTION_TOOLKIT' does not hold $* (nor its bin/)"
		exit 2
	fi
	how="toolkit-path"
else
	on_path=1
	for p in "$@"; do
		command -v "$p" >/dev/null 2>&1 || on_path=0
	done
	if [ "$on_path" = 1 ]; then
		bin=$(dirname "$(command -v "$1")")
		how="PATH"
	fi
fi

if [ -z "$bin" ]; then
	build=${RUNNER_TEMP:-${TMPDIR:-/tmp}}/soak-action-build
	jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
	echo "::group::build soak-action ($src) in $build"
	"$src/scripts/install-deps.sh" --build
	cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSOAK_BUILD_TESTS=OFF
	cmake --build "$build" -j "$jobs"
	echo "::endgroup::"
	bin=$build/bin
	how="built from source"
	if ! has_all "$bin" "$@"; then
		soak_action_error soak-action "the build in '$build' did not produce $*"
		exit 4
	fi
fi

bin=$(soak_action_abspath "$bin")
"$bin/$1" --version
echo "soak-action: programs in $bin ($how)"
soak_action_output bin-dir "$bin"
if [ -n "${GITHUB_PATH:-}" ]; then
	printf '%s\n' "$bin" >>"$GITHUB_PATH"
fi
