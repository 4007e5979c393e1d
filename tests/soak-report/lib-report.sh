# Fixtures for the soak-report tests: metrics.jsonl files written by awk, so the
# tests do not depend on soak-run. Sourced after tests/lib.sh.

REPORT=$SOAK_BIN/soak-report

# gen_metrics DIR N FAILS [RSS_STEP] [NOISE]: N iterations, 2 minutes apart from
# 2026-01-01T00:00:00Z; iteration i lasts 100*i ms, exits 2 when i is in the
# comma-separated FAILS list, else passes. peak_rss_bytes = 100000000 + RSS_STEP*i
# + NOISE*((i*7919) % 101 - 50); kpi.req_per_s = 1000 + i. A partial last line is
# added when PARTIAL=1.
gen_metrics()
{
	mkdir -p "$1"
	awk -v n="$2" -v fails=",$3," -v step="${4:-0}" -v noise="${5:-0}" -v partial="${PARTIAL:-0}" 'BEGIN {
		for (i = 1; i <= n; i++) {
			t = (i - 1) * 120
			st = index(fails, "," i ",") ? "fail" : "pass"
			printf "{\"schema\":\"1.0\",\"run_id\":\"r1\",\"iteration\":%d,", i
			printf "\"start\":\"%s\",\"end\":\"%s\",", ts(t), ts(t + 60)
			printf "\"duration_ms\":%d,\"status\":\"%s\",\"exit_code\":%d,\"signal\":null,", 100 * i, st, st == "fail" ? 2 : 0
			printf "\"timed_out\":false,\"peak_rss_bytes\":%d,\"open_fds\":7,\"threads\":3,", 100000000 + step * i + noise * ((i * 7919) % 101 - 50)
			printf "\"kpi\":{\"req_per_s\":%d},\"log\":\"logs/iter-%06d.log\"}\n", 1000 + i, i
		}
		if (partial)
			printf "{\"schema\":\"1.0\",\"iteration\":%d,\"sta", n + 1
	}
	function ts(s,  d, h, m) {
		d = int(s / 86400); s -= d * 86400; h = int(s / 3600); s -= h * 3600; m = int(s / 60); s -= m * 60
		return sprintf("2026-01-%02dT%02d:%02d:%02d.000Z", d + 1, h, m, s)
	}' >"$1/metrics.jsonl"
}

# skip_test REASON: end the test as skipped, saying why (exit 77, which CTest
# reports as "Skipped", never as passed).
skip_test()
{
	local pid
	printf 'SKIP %s/%s: %s\n' "$TEST_GROUP" "$TEST_NAME" "$*" >&2
	for pid in "${_bg_pids[@]}"; do
		kill -KILL "$pid" 2>/dev/null
	done
	trap - EXIT
	cd / && rm -rf "$TMP"
	exit 77
}

# need TOOL...: skip unless every tool is installed (scripts/install-deps.sh installs them).
need()
{
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 ||
			skip_test "'$t' is not installed (scripts/install-deps.sh installs it)"
	done
}
