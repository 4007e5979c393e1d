# Every C file outside platform/posix and platform/linux compiles for Windows:
# the mingw-w64 cross compiler, compile only (no link), with implicit function
# declarations as errors, so nothing POSIX-only slips into the portable code.
# The libraries' headers come from the Windows dependency build when there is
# one (scripts/win-deps.sh), else from this machine's -dev packages.
. "$(dirname "$0")/../lib.sh"

cc=x86_64-w64-mingw32-gcc
command -v "$cc" >/dev/null 2>&1 || { echo "skipped: no $cc (apt-get install mingw-w64)"; exit 77; }

inc=()
for d in "$SOAK_SRC"/common/*/ "$SOAK_SRC"/common/platform/win32/; do
	[[ -d $d ]] && inc+=(-I "$d")
done
deps=${SOAK_WIN_DEPS:-$SOAK_BIN/../../build-win/deps}
if [[ -f $deps/include/cjson/cJSON.h && -f $deps/include/curl/curl.h && -f $deps/include/archive.h &&
	-f $deps/include/zstd.h ]]; then
	inc+=(-isystem "$deps/include")
else
	mkdir -p shim
	for h in curl cjson archive.h archive_entry.h zstd.h zstd_errors.h; do
		for d in /usr/include /usr/include/*-linux-gnu /usr/local/include /opt/homebrew/include; do
			if [[ -e $d/$h && ! -e shim/$h ]]; then
				ln -s "$d/$h" "shim/$h"
			fi
		done
	done
	inc+=(-isystem "$TMP/shim")
fi

n=0
while IFS= read -r f; do
	case $f in common/platform/posix/* | common/platform/linux/*) continue ;; esac
	n=$((n + 1))
	if "$cc" -std=gnu11 -fsyntax-only -Wall -Werror=implicit-function-declaration \
		-Werror=incompatible-pointer-types -D_GNU_SOURCE -DSOAK_VERSION='"0"' \
		-DCURL_STATICLIB -DLIBARCHIVE_STATIC "${inc[@]}" "$SOAK_SRC/$f" 2>err.txt; then
		pass
	else
		fail "$f does not compile for Windows:"
		head -5 err.txt >&2
	fi
done < <(cd "$SOAK_SRC" && find common cmd -name '*.c' | sort)
assert_num "$n" ">" 60 "C files compiled"
finish
