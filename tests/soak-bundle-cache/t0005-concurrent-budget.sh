# Concurrent saves of one key leave exactly one valid entry; the local store's
# size budget evicts the least recently used entries (a restore counts as a use).
. "$(dirname "$0")/../lib.sh"
. "$SOAK_SRC/tests/soak-bundle-cache/lib-cache.sh"

st=$TMP/store
pids=()
for i in 1 2 3 4 5 6; do
	mkdir -p "w$i/d"
	head -c 400000 /dev/urandom >"w$i/d/data"
	printf '%s\n' "$i" >"w$i/d/who"
done
for i in 1 2 3 4 5 6; do
	"$BUNDLE" cache save --key race --path d --root "w$i" --store "$st" >"out$i" 2>"err$i" </dev/null &
	pids+=($!)
done
for i in 1 2 3 4 5 6; do
	wait "${pids[i - 1]}"
	assert_eq "$?" 0 "exit code of save $i"
done
saved=$(cat out? | grep -c "^cache saved with key 'race'")
existed=$(cat err? | grep -c "cache entry for key 'race' exists already; not saved")
assert_eq "$((saved + existed))" 6 "every save either stored or was told the key exists"
assert_num "$saved" ">=" 1 "saves that stored"
assert_eq "$(find "$st" -name 'race.json' | wc -l)" 1 "metadata objects for the key"
assert_eq "$(find "$st" -name 'race.*.tar.zst' | wc -l)" 1 "archives for the key"
assert_eq "$(find "$st/soak-cache-v1/tmp" -type f | wc -l)" 0 "temporary files left"
assert_jq_eq "$(meta_of "$st" race)" .sha256 "$(sha256sum "$(blob_of "$st" race)" | cut -d' ' -f1)"
expect_exit 0 "$BUNDLE" cache restore --key race --path d --root back --store "$st"
who=$(cat back/d/who)
cmp -s back/d/data "w$who/d/data" && pass || fail "restored data is saver $who's"

# the budget: four entries of ~400 KB in 1.5 MB; e1 used last, so e2 goes
b=$TMP/budget
for i in 1 2 3 4; do
	mkdir -p "e$i/d" && head -c 400000 /dev/urandom >"e$i/d/data"
done
for i in 1 2 3; do
	expect_exit 0 "$BUNDLE" cache save --key "e$i" --path d --root "e$i" --store "$b" --max-store-size 1.5MB
done
assert_eq "$(find "$b" -name '*.json' | wc -l)" 3 "entries within the budget"
sleep 0.05
expect_exit 0 "$BUNDLE" cache restore --key e1 --path d --root r1 --store "$b"
sleep 0.05
expect_exit 0 "$BUNDLE" cache save --key e4 --path d --root e4 --store "$b" --max-store-size 1.5MB
assert_contains "$ERR" "cache store: 1 least recently used entries ("
assert_no_file "$b/soak-cache-v1/$(basename "$(dirname "$(meta_of "$b" e1)")")/e2.json"
for k in e1 e3 e4; do
	assert_file "$(meta_of "$b" "$k")"
done
assert_eq "$(find "$b" -name 'e2.*' | wc -l)" 0 "e2's archive gone too"
# an archive larger than the whole budget is not stored
expect_exit 0 "$BUNDLE" cache save --key huge --path d --root e4 --store "$b" --max-store-size 100KB
assert_contains "$ERR" "is larger than the store's budget of 100000 bytes (--max-store-size); nothing was saved"
assert_eq "$(find "$b" -name 'huge*' | wc -l)" 0 "no entry for an archive over the budget"
finish
