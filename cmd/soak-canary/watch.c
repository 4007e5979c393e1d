/*
 * soak-canary watch: flags to struct soak_watch_opts, one call into
 * common/canary_watch.c, a line per measurement, the decision, $GITHUB_OUTPUT,
 * the notification and the exit code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canary.h"
#include "canary_cmd.h"
#include "file.h"
#include "gha.h"
#include "sig.h"
#include "banned.h"

int canary_watch_count(const struct soak_conf *c, long *count)
{
	int64_t iv = soak_conf_ms(c, "interval"), d = soak_conf_ms(c, "duration");

	if (iv <= 0)
		return soak_usage_error("bad --interval: must be more than 0");
	if (soak_conf_is_set(c, "count"))
		*count = (long)soak_conf_int(c, "count");
	else
		*count = d <= 0 ? 1 : (long)((d + iv - 1) / iv);
	if (*count < 1)
		*count = 1;
	return 0;
}

static void on_measure(void *ctx, long i, const char *phase, const char *detail)
{
	const struct soak_conf *c = ctx;

	if (!soak_conf_flag(c, "quiet")) {
		printf("measurement %ld: %s%s%s\n", i, phase, *detail ? ": " : "", detail);
		fflush(stdout);
	}
}

static void opts_of(const struct soak_conf *c, struct soak_watch_opts *o)
{
	const struct soak_setting *m = soak_conf_get(c, "metric");

	o->prom.url = soak_conf_str(c, "prometheus");
	o->prom.timeout_ms = soak_conf_ms(c, "query-timeout");
	o->prom.retries = (int)soak_conf_int(c, "query-retries");
	o->prom.backoff_ms = 500;
	o->prom.sleep_ms = soak_sig_sleep;
	o->metrics = m->list;
	o->nmetrics = m->nlist;
	o->success = canary_opt(c, "success");
	o->failure = canary_opt(c, "failure");
	o->interval_ms = soak_conf_ms(c, "interval");
	o->failure_limit = (long)soak_conf_int(c, "failure-limit");
	o->inconclusive_limit = (long)soak_conf_int(c, "inconclusive-limit");
	o->error_limit = (long)soak_conf_int(c, "error-limit");
	o->empty_inconclusive = !strcmp(soak_conf_str(c, "on-empty"), "inconclusive");
	o->record = soak_conf_str(c, "record");
	o->hooks[SOAK_WATCH_PROMOTE] = canary_opt(c, "on-promote");
	o->hooks[SOAK_WATCH_ROLLBACK] = canary_opt(c, "on-rollback");
	o->hooks[SOAK_WATCH_INCONCLUSIVE] = canary_opt(c, "on-inconclusive");
	o->hook_timeout_ms = soak_conf_ms(c, "hook-timeout");
	o->sleep_ms = soak_sig_sleep;
	o->on_measure = on_measure;
	o->ctx = (void *)c;
}

/* The directory the record goes to. */
static int record_dir(const char *record, struct soak_err *err)
{
	char *dir = strdup(record);
	int rc = 0;

	if (dir && strrchr(dir, '/')) {
		*strrchr(dir, '/') = 0;
		if (*dir)
			rc = soak_mkdir_p(dir, err);
	}
	free(dir);
	return rc;
}

int canary_watch_run(const struct soak_conf *c)
{
	const char *empty = soak_conf_str(c, "on-empty");
	struct soak_watch_opts o = {0};
	struct soak_watch_result res;
	struct soak_err err = {0}, e2 = {0};
	char msg[600];
	int rc;

	if (!canary_opt(c, "prometheus"))
		return soak_usage_error("no --prometheus URL given");
	if (strcmp(empty, "inconclusive") && strcmp(empty, "evaluate"))
		return soak_usage_error("bad --on-empty '%s' (inconclusive or evaluate)", empty);
	if ((rc = canary_watch_count(c, &o.count)))
		return rc;
	if (soak_sig_init(&err) < 0)
		return soak_report_err(&err);
	opts_of(c, &o);
	if (record_dir(o.record, &err) < 0)
		return soak_report_err(&err);
	rc = soak_watch_run(&o, &res, &err);
	if (rc < 0 && !res.measurements)
		return canary_fail(&err);
	if (res.interrupted) {
		soak_error("%s", res.reason);
		return soak_sig_exit_code(soak_sig_caught());
	}
	if (!soak_conf_flag(c, "quiet"))
		printf("decision: %s (%s)\nrecord: %s\n", soak_watch_decision_name(res.decision),
		       res.reason, o.record);
	if (soak_gha_set_output("decision", soak_watch_decision_name(res.decision), &e2) < 0)
		return soak_report_err(&e2);
	if (rc < 0)
		rc = soak_report_err(&err); /* the hook failed */
	else
		rc = res.decision == SOAK_WATCH_PROMOTE ? SOAK_EXIT_OK : SOAK_EXIT_FAIL;
	snprintf(msg, sizeof(msg), "canary %s: %s", soak_watch_decision_name(res.decision),
	         res.reason);
	return canary_notify_outcome(c, "soak-canary watch", msg,
	                             res.decision == SOAK_WATCH_PROMOTE    ? "success"
	                             : res.decision == SOAK_WATCH_ROLLBACK ? "failure"
	                                                                   : "warning",
	                             rc);
}
