#!/usr/bin/env bash
# The toolkit step of action.yml and cache/*/action.yml: find the soak-* programs,
# download them or build them, then put their directory on the job's PATH and in
# the output bin-dir.
#   action-setup.sh PROGRAM...
# In order:
#   1. SOAK_ACTION_TOOLKIT (the toolkit-path input): a directory holding the
#      programs, or an install prefix with them in bin/; a missing one is an error.
#   2. the release programs for this runner (RUNNER_OS, RUNNER_ARCH), when the
#      action's own tree lists their archive in release/SHA256SUMS: from the tool
#      cache ($RUNNER_TOOL_CACHE/soak-action/TAG/ARCH, complete when ARCH.complete
#      holds the archive's checksum), else downloaded (with retries) from
#      SOAK_ACTION_MIRROR/TAG/ARCHIVE (the toolkit-mirror input) or from the
#      action repository's GitHub release TAG, checked against that line, and
#      unpacked into the tool cache. TAG is release/TAG, else the action's ref
#      (SOAK_ACTION_REF). A failed download or a checksum that differs stops
#      the step: nothing of the archive is run or kept.
#   3. every PROGRAM already on PATH: that directory.
#   4. otherwise build the source tree this script is in with CMake, after
#      scripts/install-deps.sh --build (apt-get or Homebrew), into
#      $RUNNER_TEMP/soak-action-build (reused when the step runs again in the job).
# SOAK_ACTION_BUILD (the toolkit-build input): auto (the order above), always
# (skip 2 and 3: build), never (skip 4: fail instead of building).
# Windows runners have neither apt-get nor Homebrew: scripts/action-setup.cmd.
# Exit: 0 found, 1 checksum mismatch, 2 a bad input, 3 an archive without the
# programs, 4 a download that failed or a build that did not produce them.
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

# sha256 FILE: its SHA-256 in lowercase hex.
sha256()
{
	local out
	if command -v sha256sum >/dev/null 2>&1; then
		out=$(sha256sum "$1")
	elif command -v shasum >/dev/null 2>&1; then
		out=$(shasum -a 256 "$1")
	else
		out=$(openssl dgst -sha256 -r "$1")
	fi
	printf '%s' "${out%% *}" | tr 'A-F' 'a-f'
}

build_mode=${SOAK_ACTION_BUILD:-auto}
case $build_mode in
auto | always | never) ;;
*)
	soak_action_error soak-action "toolkit-build '$build_mode' is not one of auto, always, never"
	exit 2
	;;
esac

# the release platform of this runner: linux-x64, macos-arm64, ...
case ${RUNNER_OS:-$(uname -s)} in
Linux) os=linux ;;
macOS | Darwin) os=macos ;;
Windows | MINGW* | MSYS* | CYGWIN*) os=windows ;;
*) os=unknown ;;
esac
case ${RUNNER_ARCH:-$(uname -m)} in
X64 | x86_64 | amd64) arch=x64 ;;
ARM64 | aarch64 | arm64) arch=arm64 ;;
*) arch=unknown ;;
esac
platform=$os-$arch
archive=soak-action-$platform.tar.gz
[ "$os" = windows ] && archive=soak-action-$platform.zip

# release_bin PROGRAM...: the release programs of this platform in the tool
# cache (downloaded when not there yet), their directory in $bin; $bin stays
# empty when the action's tree lists no archive for the platform (or there is
# nowhere to fetch it from); exits when a download or its checksum fails.
release_bin()
{
	local sums=$src/release/SHA256SUMS expected tag url where cache dir tmp got
	[ -f "$sums" ] || {
		echo "soak-action: no release/SHA256SUMS in the action's tree: no release programs at this ref"
		return 0
	}
	expected=$(awk -v name="$archive" '$2 == name || $2 == "*" name { print $1; exit }' "$sums")
	if [ -z "$expected" ]; then
		echo "soak-action: release/SHA256SUMS has no $archive: no release programs for $platform"
		return 0
	fi
	expected=$(printf '%s' "$expected" | tr 'A-F' 'a-f')
	if ! [[ $expected =~ ^[0-9a-f]{64}$ ]]; then
		soak_action_error soak-action "release/SHA256SUMS: the line of $archive has no SHA-256 ('$expected')"
		exit 3
	fi
	tag=
	[ -f "$src/release/TAG" ] && tag=$(tr -d ' \r\n' <"$src/release/TAG")
	[ -n "$tag" ] || tag=${SOAK_ACTION_REF:-}
	if [ -z "$tag" ]; then
		echo "soak-action: no release tag (release/TAG, or the action's ref) for $archive"
		return 0
	fi
	if ! [[ $tag =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]]; then
		soak_action_error soak-action "release tag '$tag' has characters outside A-Z a-z 0-9 . _ -"
		exit 2
	fi

	cache=${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}/soak-action-tools}/soak-action/$tag
	dir=$cache/$arch
	if [ -f "$dir.complete" ] && [ "$(cat "$dir.complete")" = "$expected" ] && has_all "$dir/bin" "$@"; then
		bin=$dir/bin
		how="release $tag, from the tool cache $dir"
		return 0
	fi

	if [ -n "${SOAK_ACTION_MIRROR:-}" ]; then
		url=${SOAK_ACTION_MIRROR%/}/$tag/$archive
		where="toolkit-mirror"
	elif [ -n "${SOAK_ACTION_REPOSITORY:-}" ]; then
		url=https://github.com/$SOAK_ACTION_REPOSITORY/releases/download/$tag/$archive
		where="the GitHub release"
	else
		echo "soak-action: no action repository known (a local action) and no toolkit-mirror: not downloading $archive"
		return 0
	fi
	if ! command -v curl >/dev/null 2>&1; then
		echo "::warning title=soak-action::curl is not installed: not downloading $archive"
		return 0
	fi

	tmp=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/soak-action-download.XXXXXX")
	# shellcheck disable=SC2064 # expand now: tmp is local
	trap "rm -rf '$tmp'" EXIT
	echo "soak-action: downloading $archive (release $tag) from $where: $(soak_action_hide_userinfo "$url")"
	# --retry: timeouts, refused connections and HTTP 408, 429, 5xx, with a
	# doubling wait (1 s, 2 s, 4 s, 8 s: 5 tries); a 404 is final at once
	if ! curl --fail --silent --show-error --location --retry 4 --retry-connrefused \
		--connect-timeout 20 --max-time 900 --output "$tmp/$archive" -- "$url" 2>"$tmp/curl.err"; then
		soak_action_error soak-action "cannot download $archive from $(soak_action_hide_userinfo "$url"): $(tail -n 1 "$tmp/curl.err") (a network error or a busy server is tried 5 times); give toolkit-mirror or toolkit-path, or toolkit-build: always to build from source"
		exit 4
	fi
	got=$(sha256 "$tmp/$archive")
	if [ "$got" != "$expected" ]; then
		soak_action_error soak-action "checksum mismatch for $archive from $(soak_action_hide_userinfo "$url"): SHA-256 $got, release/SHA256SUMS of the action at ${SOAK_ACTION_REF:-$tag} says $expected; nothing from it was run or kept"
		exit 1
	fi
	echo "soak-action: $archive verified (SHA-256 $got, release/SHA256SUMS)"

	# unpacked beside its place, moved there whole, ARCH.complete written last
	mkdir -p "$cache"
	rm -rf "$dir.complete" "$cache/.$arch.tmp"
	mkdir "$cache/.$arch.tmp"
	if ! tar -xzf "$tmp/$archive" -C "$cache/.$arch.tmp" --no-same-owner; then
		rm -rf "$cache/.$arch.tmp"
		soak_action_error soak-action "cannot unpack $archive into '$cache' (see above)"
		exit 4
	fi
	if ! has_all "$cache/.$arch.tmp/soak-action-$platform/bin" "$@"; then
		rm -rf "$cache/.$arch.tmp"
		soak_action_error soak-action "$archive does not hold soak-action-$platform/bin/ with $*"
		exit 3
	fi
	rm -rf "$dir"
	mv "$cache/.$arch.tmp/soak-action-$platform" "$dir"
	rm -rf "$cache/.$arch.tmp"
	printf '%s' "$expected" >"$dir.complete.tmp"
	mv -f "$dir.complete.tmp" "$dir.complete"
	bin=$dir/bin
	how="release $tag, downloaded and verified, in the tool cache $dir"
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
elif [ "$build_mode" != always ]; then
	release_bin "$@"
	if [ -z "$bin" ]; then
		on_path=1
		for p in "$@"; do
			command -v "$p" >/dev/null 2>&1 || on_path=0
		done
		if [ "$on_path" = 1 ]; then
			bin=$(dirname "$(command -v "$1")")
			how="PATH"
		fi
	fi
fi

if [ -z "$bin" ]; then
	if [ "$build_mode" = never ]; then
		soak_action_error soak-action "no release programs for $platform, none on PATH, and toolkit-build is never: give toolkit-path"
		exit 4
	fi
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
soak_action_output source "${how%%,*}"
if [ -n "${GITHUB_PATH:-}" ]; then
	printf '%s\n' "$bin" >>"$GITHUB_PATH"
fi
