# shellcheck shell=bash
# Helpers for the fault-injection tests, sourced after tests/lib.sh.
#
# mount_tmpfs DIR SIZE: mount a private tmpfs of SIZE (e.g. 2m) on DIR (created);
# unmounted again when the test ends. Without root, or where mount(2) is not
# allowed (containers), the test is skipped: skip_test prints "skipped: ..." and
# finishes with one check, so the run is not counted as a failure.

_mounts=()

_hardening_cleanup()
{
	local rc=$? m
	for m in "${_mounts[@]}"; do
		chattr -R -i "$m" 2>/dev/null
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	(exit "$rc")
	_cleanup
}
trap _hardening_cleanup EXIT

skip_test()
{
	echo "skipped: $*"
	pass
	finish
}

mount_tmpfs()
{
	local dir=$1 size=$2
	mkdir -p "$dir" || fail "cannot create '$dir'"
	if (($(id -u) != 0)); then
		skip_test "needs root to mount a tmpfs (running as uid $(id -u))"
	fi
	if ! mount -t tmpfs -o "size=$size,mode=0755" soak-hardening "$dir" 2>"$TMP/mount.err"; then
		skip_test "cannot mount a tmpfs on '$dir': $(cat "$TMP/mount.err")"
	fi
	_mounts+=("$(cd "$dir" && pwd)")
}

# fill_fs DIR LEAVE: fill the file system of DIR with a file DIR/.fill until only
# about LEAVE bytes are free (0: full).
fill_fs()
{
	local dir=$1 leave=$2 avail
	avail=$(df -B1 --output=avail "$dir" | tail -n 1)
	avail=$((avail - leave))
	((avail > 0)) || return 0
	head -c "$avail" /dev/zero >"$dir/.fill" 2>/dev/null
	return 0
}

# assert_jsonl_complete FILE: every line of FILE is one JSON document and the file
# ends in a newline (no half-written record). A missing or empty file passes.
assert_jsonl_complete()
{
	local f=$1 n
	if [[ ! -s $f ]]; then
		pass
		return 0
	fi
	if [[ $(tail -c 1 "$f" | od -An -c | tr -d ' ') != '\n' ]]; then
		fail "'$f' ends in a partial line: $(tail -c 120 "$f")"
		return 1
	fi
	n=$(jq -R -n -r '[inputs | try (fromjson | type == "object") catch false] | index(false) // "ok"' "$f" 2>&1)
	if [[ $n != ok ]]; then
		fail "'$f' line $((n + 1)) is not a JSON object: $(sed -n "$((n + 1))p" "$f" | cut -c1-200)"
		return 1
	fi
	pass
}

# assert_json_doc FILE: FILE, if it exists, is one complete JSON document.
assert_json_doc()
{
	if [[ ! -e $1 ]] || jq -e . "$1" >/dev/null 2>&1; then
		pass
		return 0
	fi
	fail "'$1' is not a complete JSON document ($(wc -c <"$1") bytes)"
}

# assert_no_tmp DIR: no temporary files (*.tmp.*) left anywhere under DIR.
assert_no_tmp()
{
	local left
	left=$(find "$1" -name '*.tmp.*' -o -name '.*.tmp*' 2>/dev/null | head -n 5)
	if [[ -z $left ]]; then
		pass
		return 0
	fi
	fail "temporary files left under '$1': ${left//$'\n'/ }"
}

# tree_sums DIR: a checksum line per regular file (path order), for before/after checks.
tree_sums()
{
	(cd "$1" && find . -type f ! -name .fill -print0 | sort -z | xargs -0 -r sha256sum)
}
