# soak-bundle cache restore of read-only directories (Go's module cache makes
# every module directory 0555) by a user without root's rights: into a module
# cache that has another module, then again on top of the restored read-only
# tree. Moving a staged directory into place needs it writable, and so does the
# target directory it merges into. Run as nobody when the test runs as root
# (root ignores modes).
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/soak-bundle-cache/lib-cache.sh"

as_user=()
if [[ $(id -u) == 0 ]]; then
	if ! command -v runuser >/dev/null || ! id nobody >/dev/null 2>&1; then
		fail "running as root without runuser or a user nobody: the modes would not be checked"
		finish
	fi
	as_user=(runuser -u nobody --)
fi
bundle()
{
	"${as_user[@]}" env HOME="$HOME" "$BUNDLE" "$@"
}

ws=$TMP/ws
st=$TMP/store
mkdir -p "$ws/mod/example.com/m@v1.2.3/sub" "$st"
cd "$ws" || exit 1
printf 'module example.com/m\n' >mod/example.com/m@v1.2.3/go.mod
printf 'package sub\n' >mod/example.com/m@v1.2.3/sub/sub.go
chmod 0444 mod/example.com/m@v1.2.3/go.mod mod/example.com/m@v1.2.3/sub/sub.go
chmod 0555 mod/example.com/m@v1.2.3/sub mod/example.com/m@v1.2.3
((${#as_user[@]})) && chown -R nobody "$TMP"

expect_exit 0 bundle cache save --key go-mod --path mod --store "$st"
before=$(listing mod/example.com/m@v1.2.3)

chmod -R u+w mod && rm -rf mod/example.com/m@v1.2.3
mkdir mod/example.com/other@v0.1.0
((${#as_user[@]})) && chown -R nobody mod
expect_exit 0 bundle cache restore --key go-mod --path mod --store "$st"
assert_contains "$OUT" "cache restored from key 'go-mod'"
assert_eq "$(listing mod/example.com/m@v1.2.3)" "$before" "restored beside another module"
assert_dir mod/example.com/other@v0.1.0
assert_eq "$(cat mod/example.com/m@v1.2.3/sub/sub.go)" "package sub" "file in a read-only directory"

expect_exit 0 bundle cache restore --key go-mod --path mod --store "$st"
assert_contains "$OUT" "cache restored from key 'go-mod'"
assert_eq "$(listing mod/example.com/m@v1.2.3)" "$before" "restored on top of the read-only tree"
assert_eq "$(find "$ws" -name '.soak-cache-restore-*' | wc -l)" 0 "no staging left"

chmod -R u+w "$ws"
finish
