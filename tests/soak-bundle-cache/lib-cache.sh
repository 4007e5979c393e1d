# Helpers for the soak-bundle cache tests (sourced after ../lib.sh).
BUNDLE=$SOAK_BIN/soak-bundle
export HOME=$TMP/home
mkdir -p "$HOME"

# meta_of STORE KEY: the metadata file of KEY (a short key) in a local store.
meta_of()
{
	local f
	for f in "$1"/soak-cache-v1/*/"$2".json; do
		[[ -f $f ]] && printf '%s\n' "$f" && return 0
	done
	return 1
}

# blob_of STORE KEY: the archive file of KEY in a local store.
blob_of()
{
	local m
	m=$(meta_of "$1" "$2") || return 1
	printf '%s/soak-cache-v1/%s\n' "$1" "$(jq -r .archive "$m")"
}

# swap_blob STORE KEY FILE: make FILE the entry's archive, metadata updated to match
# (so only what is inside the archive can be wrong).
swap_blob()
{
	local m b sum size
	m=$(meta_of "$1" "$2") || return 1
	b=$(blob_of "$1" "$2") || return 1
	cp "$3" "$b" || return 1
	sum=$(sha256sum "$3" | cut -d' ' -f1)
	size=$(stat -c %s "$3")
	jq --arg s "$sum" --argjson n "$size" '.sha256 = $s | .size = $n' "$m" >"$m.new" && mv "$m.new" "$m"
}

# tree_listing DIR: type, mode, size, mtime and link target of everything under DIR.
tree_listing()
{
	(cd "$1" && find . -mindepth 1 -printf '%y %m %s %T@ %p -> %l\n' | sed 's/ [0-9]*[.][0-9]*\( [.]\/\)/ DIRTIME\1/;' | LC_ALL=C sort)
}

# listing_no_dir_times DIR: as tree_listing, without directory mtimes (they change on extraction order).
listing()
{
	(cd "$1" && find . -mindepth 1 \( -type d -printf '%y %m %p\n' \) -o \( -printf '%y %m %s %T@ %p -> %l\n' \) | LC_ALL=C sort)
}

# free_port: a free TCP port on 127.0.0.1.
free_port()
{
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
