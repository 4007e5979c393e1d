# Only common/platform/ touches the operating system: no C file of common/ (outside
# platform/) or cmd/ includes a POSIX-only header. Each one found is named with
# its line, and what to call instead.
. "$(dirname "$0")/../lib.sh"

banned='unistd|sys/[a-z_]+|poll|fcntl|dirent|fnmatch|glob|regex|pwd|signal|spawn|termios|grp|libgen|wait'
n=0
while IFS= read -r f; do
	case $f in common/platform/*) continue ;; esac
	n=$((n + 1))
	hits=$(grep -nE "^[[:space:]]*#[[:space:]]*include[[:space:]]*<($banned)\.h>" "$SOAK_SRC/$f")
	if [[ -n $hits ]]; then
		while IFS= read -r h; do
			fail "$f:${h%%:*}: ${h#*:} is POSIX-only: use platform/os.h, fs.h, proc.h, sig.h or res.h"
		done <<<"$hits"
	else
		pass
	fi
done < <(cd "$SOAK_SRC" && find common cmd -name '*.[ch]' | sort)
assert_num "$n" ">" 60 "C files checked"

# The test itself can tell: a file that includes one is found.
mkdir -p common/x
printf '#include <stdio.h>\n#include <sys/stat.h>\n' >common/x/probe.c
hits=$(grep -cE "^[[:space:]]*#[[:space:]]*include[[:space:]]*<($banned)\.h>" common/x/probe.c)
assert_eq "$hits" 1 "probe file hits"
finish
