/* What soak-run shows while it runs: a live line on a TTY, groups and annotations under GitHub
 * Actions. */
#ifndef SOAK_RUN_UI_H
#define SOAK_RUN_UI_H

#include "runner.h"

struct ui_state {
	int tty; /* stderr is a terminal: redraw one progress line */
	int gha; /* GITHUB_ACTIONS=true */
	int quiet;
	int line_shown;     /* a progress line is on screen and must be cleared first */
	int64_t last_print; /* for the periodic line when neither tty nor gha */
	long long last_iteration;
	const char *artifact; /* --artifact: the job summary says how to replay from it */
};

void ui_init(struct ui_state *s, int quiet, struct soak_runner_ui *ui);
/*
 * The one-screen summary at the end, and the GitHub outputs (soak-dir and run-id
 * also at the start, so that later steps find the directory after a cancel).
 */
int ui_finish(struct ui_state *s, const char *dir, const struct soak_runner_result *res);

#endif
