#!/usr/bin/env bash
# Pack the five programs of one platform into the release archive the action
# downloads, and record its checksum.
#   release-pack.sh PLATFORM BINDIR OUTDIR
# PLATFORM is linux-x64, linux-arm64, windows-x64, macos-arm64 or macos-x64.
# BINDIR holds soak-run, soak-report, soak-bundle, soak-canary and soak-clean
# (each with .exe for windows-x64). The archive is
# OUTDIR/soak-action-PLATFORM.tar.gz (.zip for windows-x64) with
#   soak-action-PLATFORM/bin/<the programs>
#   soak-action-PLATFORM/README.md, LICENSE (those of the source tree, when present)
# and its line in OUTDIR/SHA256SUMS (sha256sum's format, sorted by name) is
# added or replaced. The archive depends only on the files' names, bytes and
# kinds (program or document): names sorted, every time SOURCE_DATE_EPOCH
# (default 2000-01-01 UTC), owner and group 0, modes 0755 and 0644, no gzip
# name or time, so the same programs always give the same archive bytes.
# Needs GNU tar (gtar on macOS) and gzip; zip (Info-ZIP) for windows-x64.
# Exit: 0 packed, 2 usage or unknown platform, 3 a program missing from BINDIR,
# 4 a tool missing or a write failed.
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
me=release-pack.sh
programs=(soak-run soak-report soak-bundle soak-canary soak-clean)
platforms="linux-x64 linux-arm64 windows-x64 macos-arm64 macos-x64"

die()
{
	local code=$1
	shift
	printf '%s: %s\n' "$me" "$*" >&2
	exit "$code"
}

[ "$#" -eq 3 ] || die 2 "usage: release-pack.sh PLATFORM BINDIR OUTDIR (PLATFORM: ${platforms// /, })"
platform=$1 bindir=$2 outdir=$3
case " $platforms " in
*" $platform "*) ;;
*) die 2 "unknown platform '$platform' (one of ${platforms// /, })" ;;
esac
exe='' ext=tar.gz
if [ "$platform" = windows-x64 ]; then
	exe=.exe ext=zip
fi
[ -d "$bindir" ] || die 3 "'$bindir' is not a directory (the programs of $platform)"
for p in "${programs[@]}"; do
	[ -f "$bindir/$p$exe" ] || die 3 "'$bindir' has no $p$exe (the release needs ${programs[*]/%/$exe})"
done

tar=tar
if ! tar --version 2>/dev/null | grep -q 'GNU tar'; then
	command -v gtar >/dev/null 2>&1 || die 4 "GNU tar is needed (gtar on macOS: brew install gnu-tar)"
	tar=gtar
fi
command -v gzip >/dev/null 2>&1 || die 4 "gzip is needed"
if [ -n "$exe" ]; then
	command -v zip >/dev/null 2>&1 || die 4 "zip (Info-ZIP) is needed for $platform"
fi
if command -v sha256sum >/dev/null 2>&1; then
	sha256() { sha256sum "$1" | cut -d' ' -f1; }
else
	sha256() { shasum -a 256 "$1" | cut -d' ' -f1; }
fi
epoch=${SOURCE_DATE_EPOCH:-946684800}
case $epoch in
'' | *[!0-9]*) die 2 "SOURCE_DATE_EPOCH '$epoch' is not a number of seconds" ;;
esac

mkdir -p "$outdir" || die 4 "cannot create '$outdir'"
outdir=$(cd "$outdir" && pwd)
top=soak-action-$platform
archive=$top.$ext
stage=$(mktemp -d "${TMPDIR:-/tmp}/release-pack.XXXXXX")
trap 'rm -rf "$stage"' EXIT

# the tree, with modes and times that do not depend on BINDIR or the umask
mkdir -p "$stage/$top/bin"
for p in "${programs[@]}"; do
	cp "$bindir/$p$exe" "$stage/$top/bin/$p$exe"
	chmod 0755 "$stage/$top/bin/$p$exe"
done
for d in README.md LICENSE; do
	if [ -f "$src/$d" ]; then
		cp "$src/$d" "$stage/$top/$d"
		chmod 0644 "$stage/$top/$d"
	fi
done
chmod 0755 "$stage/$top" "$stage/$top/bin"
(cd "$stage" && find "$top" -print | LC_ALL=C sort >list)
stamp=$(date -u -d "@$epoch" +%Y%m%d%H%M.%S 2>/dev/null || date -u -r "$epoch" +%Y%m%d%H%M.%S)
while IFS= read -r f; do
	TZ=UTC touch -h -t "$stamp" "$stage/$f"
done <"$stage/list"

if [ "$ext" = zip ]; then
	# -X: no extra fields (uid, gid, extended times); -D: no directory entries
	# (tar.exe makes the parents); names in the order given; times in UTC
	(cd "$stage" && while IFS= read -r f; do [ -d "$f" ] || printf '%s\n' "$f"; done <list |
		TZ=UTC zip -q -X -D -9 "$stage/$archive" -@) || die 4 "zip could not write the archive"
else
	(cd "$stage" && "$tar" --create --no-recursion --files-from=list --format=ustar \
		--owner=0 --group=0 --numeric-owner --mtime="@$epoch" |
		gzip -n -9 >"$stage/$archive") || die 4 "$tar could not write the archive"
fi

sum=$(sha256 "$stage/$archive")
if ! cp "$stage/$archive" "$outdir/.$archive.tmp" || ! mv -f "$outdir/.$archive.tmp" "$outdir/$archive"; then
	die 4 "cannot write '$outdir/$archive'"
fi
# SHA256SUMS: every other line kept, this archive's replaced, sorted by name
{
	if [ -f "$outdir/SHA256SUMS" ]; then
		awk -v name="$archive" '$2 != name && $2 != "*" name' "$outdir/SHA256SUMS"
	fi
	printf '%s  %s\n' "$sum" "$archive"
} | LC_ALL=C sort -k2 >"$outdir/.SHA256SUMS.tmp" || die 4 "cannot write '$outdir/SHA256SUMS'"
mv -f "$outdir/.SHA256SUMS.tmp" "$outdir/SHA256SUMS" || die 4 "cannot write '$outdir/SHA256SUMS'"
printf '%s  %s\n' "$sum" "$outdir/$archive"
