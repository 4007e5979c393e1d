# A tuned soak directory written by hand, exactly as the tuning contract
# (docs/soak-directory.md, tuning.jsonl) describes it, so the soak-report and
# soak-bundle tests do not depend on soak-run --tune. Sourced after tests/lib.sh
# and tests/soak-report/lib-report.sh.
#
# gen_tuned DIR [N]: metrics.jsonl of N iterations (gen_metrics), and tuning.jsonl
# of N tuning steps (default 36), one after each iteration, over three parameters:
# spread_bps (float, starts at 4, the command reports the value it used), batch
# (int, starts at 64) and ratio (a float that needs 17 digits, never changed).
#   step  3  rule: spread_bps 4 -> 4.5 applied
#   steps 5, 6, 7  rule: spread_bps +0.5 blocked by velocity
#   step 10  rule: batch proposed 128, clamped to 96 by step
#   step 15  panic: spread_bps 4.5 -> 4 reverted
#   step 20  rule: spread_bps 4 -> 4.5 applied
#   step 22  rule: spread_bps =4.5, noop
#   step 34  rule: spread_bps +0.5 blocked by late_run
#   every other step: nothing proposed (noop)
# Each step's apply check looks at spread_bps (checked 1); after iteration 21 the
# command used 4 instead of 4.5 (matched 0, mismatched spread_bps). From step 30 on
# batch is frozen and freeze_ready is true. overrides_sha256 is the SHA-256 of the
# values as the overrides file holds them (one line).
# So: decisions applied 2, clamped 1, noop 28, blocked 4, reverted 1; guards velocity
# 3, step 1, panic 1, late_run 1; sources rule 8, panic 1, none 27; apply 35 of 36.
gen_tuned()
{
	local dir=$1 n=${2:-36} i spread=4 batch=64 ratio=0.30000000000000004
	local src dec guard changes values written matched mism frozen ready sha
	local -A shas=()
	local prev="{\"spread_bps\":$spread,\"batch\":$batch,\"ratio\":$ratio}"
	gen_metrics "$dir" "$n" ""
	: >"$dir/tuning.jsonl"
	for ((i = 1; i <= n; i++)); do
		src=null dec=noop guard=null changes='[]'
		case $i in
		3 | 20)
			src='"rule"' dec=applied
			changes='[{"param":"spread_bps","from":4,"proposed":4.5,"to":4.5,"decision":"applied","guard":null}]'
			spread=4.5
			;;
		5 | 6 | 7)
			src='"rule"' dec=blocked guard='"velocity"'
			changes='[{"param":"spread_bps","from":4.5,"proposed":5,"to":4.5,"decision":"blocked","guard":"velocity"}]'
			;;
		10)
			src='"rule"' dec=clamped guard='"step"'
			changes='[{"param":"batch","from":64,"proposed":128,"to":96,"decision":"clamped","guard":"step"}]'
			batch=96
			;;
		15)
			src='"panic"' dec=reverted guard='"panic"'
			changes='[{"param":"spread_bps","from":4.5,"proposed":4,"to":4,"decision":"reverted","guard":"panic"}]'
			spread=4
			;;
		22)
			src='"rule"'
			changes='[{"param":"spread_bps","from":4.5,"proposed":4.5,"to":4.5,"decision":"noop","guard":null}]'
			;;
		34)
			src='"rule"' dec=blocked guard='"late_run"'
			changes='[{"param":"spread_bps","from":4.5,"proposed":5,"to":4.5,"decision":"blocked","guard":"late_run"}]'
			;;
		esac
		values="{\"spread_bps\":$spread,\"batch\":$batch,\"ratio\":$ratio}"
		if [[ -z ${shas[$values]:-} ]]; then
			sha=$(printf '%s\n' "$values" | sha256sum)
			shas[$values]=${sha%% *}
		fi
		sha=${shas[$values]}
		written=false
		[[ $values != "$prev" ]] && written=true
		prev=$values
		matched=1 mism='[]'
		((i == 21)) && matched=0 mism='["spread_bps"]'
		frozen='[]' ready=false
		((i >= 30)) && frozen='["batch"]' ready=true
		printf '{"schema":"1.0","t":"2026-01-01T00:%02d:00.000Z","run_id":"r1","iteration":%d,"source":%s,"rule":%s,"decision":"%s","guard":%s,"changes":%s,"values":%s,"overrides_sha256":"%s","written":%s,"apply":{"checked":1,"matched":%d,"mismatched":%s},"frozen":%s,"freeze_ready":%s}\n' \
			$((i % 60)) "$i" "$src" \
			"$([[ $src == '"rule"' ]] && echo '"kpi.risk_ratio:avg@last>0.40"' || echo null)" \
			"$dec" "$guard" "$changes" "$values" "$sha" "$written" "$matched" "$mism" \
			"$frozen" "$ready" >>"$dir/tuning.jsonl"
	done
}
