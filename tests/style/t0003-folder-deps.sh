# The folders of common/ depend downward only: the graph of "#include" between
# folders has no cycle, and no folder includes another's internal header
# (*_int.h). cmd/ may include any folder; no folder of common/ includes cmd/.
. "$(dirname "$0")/../lib.sh"

cd "$SOAK_SRC/common" || exit 1
declare -A owner   # header name -> folder
declare -A edges   # "a b" -> file that makes the edge
for h in $(find . -name '*.h' | sort); do
	folder=${h#./}
	folder=${folder%%/*}
	owner[${h##*/}]=$folder
done
for f in $(find . -name '*.[ch]' | sort); do
	from=${f#./}
	from=${from%%/*}
	while IFS= read -r inc; do
		to=${owner[$inc]:-}
		[[ -z $to || $to == "$from" ]] && continue
		case $inc in *_int.h) fail "${f#./} includes $inc, the internals of $to/" ;; esac
		edges["$from $to"]=${f#./}
	done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done
assert_num "${#edges[@]}" ">" 10 "edges between folders"

# Depth-first search for a cycle; the first one found is printed with the files
# that make its edges.
declare -A state
cycle=
visit()
{
	local a=$1 e b
	state[$a]=1
	for e in "${!edges[@]}"; do
		[[ ${e%% *} == "$a" ]] || continue
		b=${e#* }
		if [[ ${state[$b]:-0} == 1 ]]; then
			cycle="$a -> $b (${edges[$e]})"
			return 1
		fi
		if [[ ${state[$b]:-0} == 0 ]]; then
			visit "$b" || { cycle="$a -> $b (${edges[$e]}); $cycle"; return 1; }
		fi
	done
	state[$a]=2
}
for d in */; do
	d=${d%/}
	if [[ ${state[$d]:-0} == 0 ]] && ! visit "$d"; then
		break
	fi
done
if [[ -n $cycle ]]; then
	fail "include cycle between folders: $cycle"
else
	pass
fi
# base and platform depend on nothing above them
for e in "${!edges[@]}"; do
	case ${e%% *} in
	base) fail "base/ includes from ${e#* }/ (${edges[$e]}): base depends on nothing" ;;
	platform) [[ ${e#* } == base ]] || fail "platform/ includes from ${e#* }/ (${edges[$e]}): platform depends on base only" ;;
	esac
done
pass
finish
