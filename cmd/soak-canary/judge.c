/*
 * soak-canary judge: flags to struct soak_canary_judge_opts (metrics, Prometheus
 * window and queries, group weights, the settings the report lists), one call
 * into common/canary_judge.c, the reports, the summary, $GITHUB_OUTPUT, the
 * notification and the exit code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canary.h"
#include "canary_cmd.h"
#include "clock.h"
#include "gha.h"
#include "parse.h"
#include "str.h"
#include "banned.h"

/* What the options point into, owned here. */
struct judge_args {
	char **specs; /* --judge-metric, or the defaults (own_specs) */
	size_t nspecs;
	int own_specs;
	char **names, **groups; /* per metric, from its spec */
	char **queries;         /* per metric, into --query (Prometheus) */
	char **gnames;          /* per --group-weight */
	double *weights;
	size_t ngroups;
	char **defaults; /* "name: value (source)" */
	size_t ndefaults;
};

static void args_free(struct judge_args *a)
{
	for (size_t i = 0; i < a->nspecs; i++) {
		if (a->names)
			free(a->names[i]);
		if (a->groups)
			free(a->groups[i]);
		if (a->own_specs)
			free(a->specs[i]);
	}
	if (a->own_specs)
		free(a->specs);
	for (size_t i = 0; i < a->ngroups && a->gnames; i++)
		free(a->gnames[i]);
	for (size_t i = 0; i < a->ndefaults; i++)
		free(a->defaults[i]);
	free(a->defaults);
	free(a->names);
	free(a->groups);
	free(a->queries);
	free(a->gnames);
	free(a->weights);
}

static int oom(void)
{
	soak_error("out of memory");
	return SOAK_EXIT_ENV;
}

/* The metrics (--judge-metric, else the baseline's defaults), parsed. */
static int metrics_of(const struct soak_conf *c, struct soak_canary_judge_opts *o,
                      struct judge_args *a)
{
	const struct soak_setting *jm = soak_conf_get(c, "judge-metric");
	struct soak_err err = {0};

	if (jm->nlist) {
		a->specs = jm->list;
		a->nspecs = jm->nlist;
	} else if (o->prometheus) {
		return soak_usage_error("with --prometheus, name the metrics with --judge-metric "
		                        "and --query");
	} else {
		a->own_specs = 1; /* also what a failure left */
		if (soak_canary_default_metrics(o->baseline, &a->specs, &a->nspecs, &err) < 0)
			return soak_report_err(&err);
	}
	o->metrics = calloc(a->nspecs, sizeof(*o->metrics));
	a->names = calloc(a->nspecs, sizeof(*a->names));
	a->groups = calloc(a->nspecs, sizeof(*a->groups));
	a->queries = calloc(a->nspecs, sizeof(*a->queries));
	if (!o->metrics || !a->names || !a->groups || !a->queries)
		return oom();
	o->nmetrics = a->nspecs;
	for (size_t i = 0; i < a->nspecs; i++)
		if (soak_canary_metric_parse(a->specs[i], &o->metrics[i], &a->names[i],
		                             &a->groups[i], &err) < 0)
			return canary_fail(&err);
	return 0;
}

/* --end: Unix seconds or ISO-8601. */
static int parse_end(const char *s, int64_t *end_s)
{
	struct soak_err err = {0};
	long long v;
	int64_t ms;

	if (!soak_parse_int(s, 0, 253402300799LL, &v, &err)) {
		*end_s = v;
		return 0;
	}
	if (!soak_iso8601_parse(s, &ms)) {
		*end_s = ms / 1000;
		return 0;
	}
	return soak_usage_error("bad --end '%s' (Unix seconds or 2026-01-02T03:04:05Z)", s);
}

/* With --prometheus: the window and each metric's --query NAME=PROMQL. */
static int prometheus_of(const struct soak_conf *c, struct soak_canary_judge_opts *o,
                         struct judge_args *a)
{
	const struct soak_setting *qs = soak_conf_get(c, "query");
	int64_t end_s = o->now_ms / 1000;
	int rc;

	if (!o->prometheus)
		return qs->nlist ? soak_usage_error("--query needs --prometheus") : 0;
	if (canary_opt(c, "end") && (rc = parse_end(canary_opt(c, "end"), &end_s)))
		return rc;
	o->end_s = end_s;
	o->start_s = end_s - soak_conf_ms(c, "range") / 1000;
	o->step_s = soak_conf_ms(c, "step") / 1000;
	if (o->step_s < 1 || o->start_s >= o->end_s)
		return soak_usage_error("--range and --step must be at least 1s");
	for (size_t i = 0; i < a->nspecs; i++) {
		size_t nl = strlen(a->names[i]);

		for (size_t k = 0; k < qs->nlist && !a->queries[i]; k++)
			if (!strncmp(qs->list[k], a->names[i], nl) && qs->list[k][nl] == '=')
				a->queries[i] = qs->list[k] + nl + 1;
		if (!a->queries[i])
			return soak_usage_error("no --query %s=PROMQL for metric '%s'", a->names[i],
			                        a->names[i]);
	}
	o->queries = a->queries;
	return 0;
}

/* --group-weight GROUP=PERCENT */
static int weights_of(const struct soak_conf *c, struct soak_canary_judge_opts *o,
                      struct judge_args *a)
{
	const struct soak_setting *gw = soak_conf_get(c, "group-weight");

	a->gnames = calloc(gw->nlist + 1, sizeof(*a->gnames));
	a->weights = calloc(gw->nlist + 1, sizeof(*a->weights));
	if (!a->gnames || !a->weights)
		return oom();
	a->ngroups = gw->nlist;
	for (size_t i = 0; i < gw->nlist; i++) {
		const char *eq = strchr(gw->list[i], '=');
		struct soak_err err = {0};

		if (!eq || eq == gw->list[i] ||
		    soak_parse_double(eq + 1, 0, 100, &a->weights[i], &err) < 0)
			return soak_usage_error("bad --group-weight '%s' (GROUP=PERCENT, 0 to 100)",
			                        gw->list[i]);
		a->gnames[i] = soak_strndup(gw->list[i], (size_t)(eq - gw->list[i]));
		if (!a->gnames[i])
			return oom();
	}
	o->group_names = a->gnames;
	o->group_weights = a->weights;
	o->nweights = a->ngroups;
	return 0;
}

static int add_line(struct judge_args *a, const char *line)
{
	char **l = realloc(a->defaults, (a->ndefaults + 1) * sizeof(*l));

	if (!l)
		return -1;
	a->defaults = l;
	if (!(l[a->ndefaults] = strdup(line)))
		return -1;
	a->ndefaults++;
	return 0;
}

static int add_setting(struct judge_args *a, const struct soak_conf *c, const char *name)
{
	const struct soak_setting *s = soak_conf_get(c, name);
	char line[512];

	snprintf(line, sizeof(line), "%s: %s (%s)", name, s->text ? s->text : "",
	         soak_src_name(s->src));
	return add_line(a, line);
}

/* The report's "defaults": the settings and where each came from, then what
 * the judge fixes. */
static int defaults_of(const struct soak_conf *c, struct soak_canary_judge_opts *o,
                       struct judge_args *a)
{
	static const char *const shown[] = {"confidence", "marginal",   "pass",
	                                    "strict",     "report-dir", NULL};
	static const char *const prom[] = {"range",         "step",          "end",
	                                   "query-timeout", "query-retries", NULL};
	char line[256];

	for (const char *const *s = shown; *s; s++)
		if (add_setting(a, c, *s) < 0)
			return oom();
	for (const char *const *s = prom; o->prometheus && *s; s++)
		if (add_setting(a, c, *s) < 0)
			return oom();
	for (const char *const *l = soak_canary_judge_notes; *l; l++)
		if (add_line(a, *l) < 0)
			return oom();
	snprintf(line, sizeof(line), "judge-metric: %zu metrics (default)", a->nspecs);
	if (a->own_specs && add_line(a, line) < 0)
		return oom();
	o->defaults = a->defaults;
	o->ndefaults = a->ndefaults;
	return 0;
}

/* The summary, the outputs verdict and score, the notification; the exit code. */
static int report(const struct soak_conf *c, const struct soak_canary_judge_opts *o,
                  const struct soak_canary_judgement *j)
{
	enum soak_judge_verdict v = j->score.verdict;
	struct soak_err err = {0};
	char score[32], msg[600];
	int rc =
	    v == SOAK_JUDGE_V_FAIL || (v == SOAK_JUDGE_V_MARGINAL && soak_conf_flag(c, "strict"))
	        ? SOAK_EXIT_FAIL
	        : SOAK_EXIT_OK;

	if (!soak_conf_flag(c, "quiet")) {
		printf("verdict: %s, score %.2f (%s)\n", soak_judge_verdict_name(v), j->score.score,
		       j->score.reason);
		for (size_t i = 0; i < j->n; i++)
			printf("%s: %s: %s\n", o->metrics[i].name,
			       soak_judge_class_name(j->results[i].cls), j->results[i].reason);
		printf("reports: %s\n", o->out_dir);
	}
	snprintf(score, sizeof(score), "%.2f", j->score.score);
	if (soak_gha_set_output("verdict", soak_judge_verdict_name(v), &err) < 0 ||
	    soak_gha_set_output("score", score, &err) < 0)
		return soak_report_err(&err);
	snprintf(msg, sizeof(msg), "canary %s: score %.2f (%s)", soak_judge_verdict_name(v),
	         j->score.score, j->score.reason);
	return canary_notify_outcome(c, "soak-canary judge", msg,
	                             v == SOAK_JUDGE_V_PASS       ? "success"
	                             : v == SOAK_JUDGE_V_MARGINAL ? "warning"
	                                                          : "failure",
	                             rc);
}

int canary_judge_run(const struct soak_conf *c)
{
	struct soak_canary_judge_opts o = {0};
	struct soak_canary_judgement j;
	struct judge_args a = {0};
	struct soak_err err = {0};
	int rc;

	if (!canary_opt(c, "baseline") || !canary_opt(c, "canary"))
		return soak_usage_error("both --baseline and --canary are needed");
	o.baseline = soak_conf_str(c, "baseline");
	o.canary = soak_conf_str(c, "canary");
	o.prometheus = canary_opt(c, "prometheus");
	o.conf = soak_conf_double(c, "confidence");
	o.marginal = soak_conf_double(c, "marginal");
	o.pass = soak_conf_double(c, "pass");
	o.out_dir = soak_conf_str(c, "report-dir");
	o.now_ms = soak_wall_ms();
	o.version = SOAK_VERSION;
	o.http_timeout_ms = soak_conf_ms(c, "query-timeout");
	o.retries = (int)soak_conf_int(c, "query-retries");
	if (!(o.conf > 0 && o.conf < 1))
		return soak_usage_error("bad --confidence %g: between 0 and 1", o.conf);
	if (o.marginal > o.pass)
		return soak_usage_error("--marginal %g is above --pass %g", o.marginal, o.pass);
	if (!(rc = metrics_of(c, &o, &a)) && !(rc = prometheus_of(c, &o, &a)) &&
	    !(rc = weights_of(c, &o, &a)) && !(rc = defaults_of(c, &o, &a))) {
		if (soak_canary_judge(&o, &j, &err) < 0) {
			rc = canary_fail(&err);
		} else {
			rc = soak_canary_judge_write(&o, &j, &err) < 0 ? soak_report_err(&err)
			                                               : report(c, &o, &j);
			soak_canary_judgement_free(&j);
		}
	}
	args_free(&a);
	free(o.metrics);
	return rc;
}
