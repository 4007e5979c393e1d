# The README's tables of inputs and outputs match action.yml exactly (names,
# order, defaults, descriptions), and the README's links to files lead somewhere.
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/action/lib-action.sh"

CHECK=(node "$ACTION_TESTS/readme-tables.cjs")
expect_exit 0 "${CHECK[@]}" "$SOAK_SRC/README.md" "$SOAK_SRC/action.yml"
assert_eq "$(cat "$OUT")" "" "differences"

# --- the check can fail: a changed default, a changed description, a missing row, an extra one ---
sed -e 's/^| `artifact-dir` | `artifacts\/soak` |/| `artifact-dir` | `artifacts` |/' \
	-e 's/^| `iterations` | Iterations recorded. |/| `iterations` | How many. |/' \
	-e '/^| `heartbeat` |/d' "$SOAK_SRC/README.md" >README.md
sed -i '/^| `bundle-path` |/a | `extra` | not in the action |' README.md
expect_exit 1 "${CHECK[@]}" README.md "$SOAK_SRC/action.yml"
assert_contains "$OUT" "default of 'artifact-dir' is \`artifacts\`, expected \`artifacts/soak\`"
assert_contains "$OUT" "description of 'iterations' differs"
assert_contains "$OUT" "input 'heartbeat' is missing from the table"
assert_contains "$OUT" "output 'extra' is not in the action"
assert_lines "$OUT" 6 # four differences, the description's on three lines
# rows out of order
awk '/^\| `command` \|/ { held = $0; next } { print } /^\| `steps` \|/ { print held }' "$SOAK_SRC/README.md" >order.md
expect_exit 1 "${CHECK[@]}" order.md "$SOAK_SRC/action.yml"
assert_contains "$OUT" "input 'steps' is out of order (the action has 'command' here)"
# and without the tables
grep -v '^### Inputs$' "$SOAK_SRC/README.md" >no-inputs.md
expect_exit 1 "${CHECK[@]}" no-inputs.md "$SOAK_SRC/action.yml"
assert_contains "$OUT" "no '### Inputs' under '## The action'"

# --- the README's relative links exist: docs of each program, the migration guide ---
grep -o '](\(docs\|scripts\|examples\)/[^)#]*' "$SOAK_SRC/README.md" | sed 's/^](//' | sort -u >links.txt
assert_num "$(wc -l <links.txt)" '>=' 8 "file links in the README"
while read -r f; do
	assert_file "$SOAK_SRC/$f"
done <links.txt
for f in docs/soak-run.md docs/soak-report.md docs/soak-bundle.md docs/soak-canary.md docs/soak-clean.md \
	docs/exit-codes.md docs/migration.md; do
	assert_contains links.txt "$f"
done
# local replay is documented where users look for it
assert_contains "$SOAK_SRC/README.md" "soak-run --replay soak/run.json --dir local-soak"
assert_contains "$SOAK_SRC/README.md" "if: always() && steps.cache.outputs.cache-hit != 'true'"

finish
