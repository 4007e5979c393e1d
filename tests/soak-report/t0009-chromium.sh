#!/bin/bash
# report.html in a real browser: headless Chromium (Debian chromium) loads it from a
# file:// URL with no console messages (no errors, nothing blocked), and the charts
# are there: the timeline and one SVG line chart per metric and KPI, each with its
# data points. A page with a script error, loaded alongside, shows the console check
# can fail. A screenshot is taken too and must be a real picture.
. "$SOAK_SRC/tests/lib.sh"
. "$SOAK_SRC/tests/soak-report/lib-report.sh"
need chromium

gen_metrics run 20 5,6,12 50000 3
expect_exit 1 "$REPORT" --dir run -f html -q --gate 'rss:slope<1MB/h'
assert_file run/reports/report.html
printf '<!doctype html><title>bad</title><p>x</p><script>undefined_fn();</script>\n' >bad.html

chrome()
{
	local profile
	profile=$(mktemp -d "$TMP/profile.XXXX")
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$profile" --enable-logging=stderr --v=0 "$@"
}
# both pages at once (each browser takes seconds to start)
chrome --window-size=1000,1800 --screenshot="$TMP/report.png" --dump-dom \
	"file://$TMP/run/reports/report.html" >dom.html 2>chrome.log </dev/null &
pid1=$!
_bg_pids+=("$pid1")
chrome --dump-dom "file://$TMP/bad.html" >bad.dom 2>bad.log </dev/null &
pid2=$!
_bg_pids+=("$pid2")
wait "$pid1"
rc1=$?
wait "$pid2"
assert_eq "$rc1" 0 "chromium's exit code"

# the console: nothing from the report, the error from the bad page
assert_eq "$(grep -c 'CONSOLE' chrome.log)" 0 "console messages of report.html"
assert_contains bad.log 'Uncaught ReferenceError: undefined_fn is not defined'
# the DOM as loaded: the summary and every chart with its points
assert_contains dom.html '<title>Soak report: FAIL</title>'
assert_eq "$(grep -o '<svg' dom.html | wc -l)" 6 "SVG charts (timeline, duration, rss, fds, threads, KPI)"
for id in timeline chart-duration_ms chart-rss chart-fds chart-threads chart-kpi-0; do
	assert_contains dom.html "id=\"$id\""
done
# the duration chart: 20 points, x from left to right, y falling (durations grow)
pts=$(sed -n '/id="chart-duration_ms"/,/<\/svg>/p' dom.html | grep -o 'points="[^"]*"' | head -n 1)
assert_eq "$(tr ' ' '\n' <<<"${pts#points=}" | grep -c ,)" 20 "points of the duration chart"
echo "$pts" >duration-points
assert_match duration-points '^points="70\.0,158\.0 .* 718\.0,6\.0"$' # first: left, bottom; last: right, top
assert_eq "$(sed -n '/id="timeline"/,/<\/svg>/p' dom.html | grep -c '<rect')" 20 "bars of the timeline"
# the screenshot: a PNG of the requested size with more than a blank page in it
assert_file report.png
assert_eq "$(head -c 8 report.png | od -An -tx1 | tr -d ' \n')" 89504e470d0a1a0a "PNG signature"
assert_eq "$(od -An -tu1 -j16 -N8 report.png | awk '{ print ($1*16777216+$2*65536+$3*256+$4) "x" ($5*16777216+$6*65536+$7*256+$8) }')" \
	1000x1800 "screenshot size"
assert_num "$(stat -c %s report.png)" '>' 20000 "screenshot bytes"
finish
