# Fixtures for the soak-clean tests: trees of files with chosen sizes and ages.
# Sourced after tests/lib.sh.

CLEAN=$SOAK_BIN/soak-clean

# mk PATH SIZE AGE: a file of SIZE bytes (text lines) whose mtime is AGE ago
# ("3 days", "2 hours"; touch -d syntax), with the directories on the way.
mk()
{
	mkdir -p "$(dirname "$1")"
	head -c "$2" /dev/zero | tr '\0' 'x' | fold -w 64 >"$1"
	# fold ends lines with \n: pad or cut to exactly SIZE bytes
	truncate -s "$2" "$1"
	touch -d "$3 ago" "$1"
}

# soak_dir DIR: an empty soak directory (run.json, metrics.jsonl, summary.json, reports/).
soak_dir()
{
	mkdir -p "$1/logs" "$1/reports"
	printf '{"schema":"1.0","run_id":"%s"}\n' "${2:-run-1}" >"$1/run.json"
	printf '{"schema":"1.0","iteration":1}\n' >"$1/metrics.jsonl"
	printf '{"schema":"1.0","state":"completed"}\n' >"$1/summary.json"
	printf '# report\n' >"$1/reports/audit.md"
	touch -d '60 days ago' "$1/run.json" "$1/metrics.jsonl" "$1/summary.json" "$1/reports/audit.md"
}

# listing DIR: every entry with type, size and mtime (seconds), sorted, for
# "nothing changed" comparisons.
listing()
{
	(cd "$1" && find . -printf '%y %s %T@ %p %l\n' | sort -k4)
}

# sumsize PATH...: bytes of the regular files and links under DIR (what soak-clean counts).
sumsize()
{
	find "$@" \( -type f -o -type l \) -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'
}
