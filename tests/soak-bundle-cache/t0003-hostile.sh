# soak-bundle cache restore against hostile entries: '..', absolute paths, writes
# through symlinks, hard links out or to links, devices and fifos. Each is a miss
# with a warning (exit 0), nothing is written outside, and the target is left
# exactly as it was (the archives first overwrite deps/a.txt, then misbehave).
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/soak-bundle-cache/lib-cache.sh"

hostile_setup

for kind in dotdot dotdot2 absolute symlink-abs symlink-rel symlink-over hardlink-out hardlink-abs hardlink-symlink device fifo; do
	hostile "$kind" || fail "cannot build the $kind archive"
	swap_blob "$st" k "$TMP/h.tar.zst"
	case $kind in
	dotdot) msg="refused: 'deps/../../escape.txt' lies outside the cache paths" ;;
	dotdot2) msg="refused: '../escape.txt' lies outside the cache paths" ;;
	absolute) msg="is an absolute path" ;;
	symlink-abs) msg="cannot extract 'deps/evil/pwned': Cannot extract through symlink" ;;
	symlink-rel) msg="cannot extract 'deps/up/pwned': Cannot extract through symlink" ;;
	hardlink-out) msg="'../secret' lies outside the cache paths" ;;
	hardlink-abs) msg="secret' is an absolute path" ;;
	hardlink-symlink) msg="refused: 'deps/h' is a hard link to something not a file" ;;
	device | fifo) msg="is a device, fifo or socket" ;;
	esac
	[[ $kind == symlink-over ]] && msg="refused: 'deps/evil' is a hard link to something not a file"
	check_miss "$kind" "$msg"
done

finish
