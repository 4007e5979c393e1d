#!/bin/sh
# The periodic command of action.yml's soak-run step on Linux and macOS (soak-run
# --every, every health-interval minutes during the run; scripts/action-every.cmd is
# the same on Windows). Each part runs when its input is set:
#   health-url       soak-canary notify --health: health.json to the webhook
#   pushgateway-url  soak-report --format none --push: the metrics so far to the
#                    Pushgateway, under the job the report step pushes at the end
#                    (soak), so the end's push replaces the last one of the run
# Both run every time, in this order: one failing does not stop the other. Exit 0
# when every part that ran did its work, else the exit code of the last that did
# not (soak-run logs it in logs/every.log and as an `every` event; never the run's
# result). The URLs come in the environment (SOAK_ACTION_HEALTH_URL,
# SOAK_ACTION_PUSH_URL), never in a command's text, and are printed masked only.
# GITHUB_ACTIONS is cleared: the output goes to logs/every.log, a file of the
# artifact, so no ::add-mask:: line, annotation, output or job summary comes from here.
set -u
unset GITHUB_ACTIONS
rc=0
if [ -n "${SOAK_ACTION_HEALTH_URL:-}" ]; then
	"$SOAK_ACTION_BIN/soak-canary" notify --health "$SOAK_DIR" --notify "$SOAK_ACTION_HEALTH_URL" || rc=$?
fi
if [ -n "${SOAK_ACTION_PUSH_URL:-}" ]; then
	# soak-report exits 1 for a FAIL verdict after a push that went through
	prc=0
	"$SOAK_ACTION_BIN/soak-report" --quiet --dir "$SOAK_DIR" --format none \
		--push "$SOAK_ACTION_PUSH_URL" || prc=$?
	if [ "$prc" -le 1 ]; then
		echo "soak-action: metrics pushed to pushgateway-url, job soak"
	else
		rc=$prc
	fi
fi
exit "$rc"
