# Every C file of the project is as clang-format (.clang-format) writes it; a file
# that is not fails here with the difference. The reference is clang-format 14
# (Debian 12's, what CI runs): other versions lay some constructs out otherwise,
# so with another version, without clang-format or outside a git checkout the
# test is skipped (77).
. "$(dirname "$0")/../lib.sh"

command -v clang-format >/dev/null 2>&1 || { echo "skipped: no clang-format"; exit 77; }
v=$(clang-format --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
[[ $v == 14 ]] || { echo "skipped: clang-format ${v:-of unknown version}, the reference is 14"; exit 77; }
git -C "$SOAK_SRC" rev-parse --is-inside-work-tree >/dev/null 2>&1 || { echo "skipped: not a git checkout"; exit 77; }

n=0
while IFS= read -r f; do
	n=$((n + 1))
	if ! clang-format --style=file "$SOAK_SRC/$f" | cmp -s - "$SOAK_SRC/$f"; then
		fail "$f is not formatted: clang-format -i $f"
		clang-format --style=file "$SOAK_SRC/$f" | diff -u "$SOAK_SRC/$f" - | head -20 >&2
	fi
done < <(git -C "$SOAK_SRC" ls-files '*.c' '*.h')
assert_num "$n" ">" 50 "C files checked"
finish
