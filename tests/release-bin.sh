#!/usr/bin/env bash
# The bin directory the release tests run against (tests/CMakeLists.txt,
# SOAK_RELEASE_BIN): the five release programs of RELEASE_BIN, and beside
# them, as links, everything else the tests start from the build's BUILD_BIN
# (the example workloads).
#   tests/release-bin.sh RELEASE_BIN BUILD_BIN OUT
set -euo pipefail
[ $# -eq 3 ] || {
	echo "usage: $0 RELEASE_BIN BUILD_BIN OUT" >&2
	exit 2
}
release=$1 build=$2 out=$3
rm -rf "$out" && mkdir -p "$out"
for f in "$build"/*; do
	[ -x "$f" ] && [ -f "$f" ] && ln -s "$f" "$out/"
done
for p in soak-run soak-report soak-bundle soak-canary soak-clean; do
	[ -x "$release/$p" ] || {
		echo "release-bin: $release/$p is missing: build it with scripts/release-build.sh" >&2
		exit 1
	}
	ln -sfn "$release/$p" "$out/$p"
	# the release program itself, not the build's: it must start and say so
	v=$("$out/$p" --version) || {
		echo "release-bin: $release/$p --version failed" >&2
		exit 1
	}
	echo "$p: $v ($(readlink -f "$out/$p"))"
done
