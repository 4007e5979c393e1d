#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "exitcode.h"
#include "file.h"
#include "gha.h"
#include "json.h"
#include "jsonl.h"
#include "parse.h"
#include "report_out.h"
#include "report_fmt.h"
#include "report_gate.h"
#include "report_tune.h"
#include "banned.h"

static const char *const status_names[SOAK_ST_N] = {"pass", "fail", "timeout", "error", "skipped"};

static void add_num(cJSON *o, const char *name, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(o, name, v);
	else
		cJSON_AddNullToObject(o, name);
}

static cJSON *stats_json(struct soak_stats *s)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "count", (double)s->n);
	add_num(o, "min", s->n ? s->min : NAN);
	add_num(o, "mean", soak_stats_mean(s));
	add_num(o, "stddev", soak_stats_stddev(s));
	add_num(o, "p50", soak_stats_quantile(s, 0.50));
	add_num(o, "p90", soak_stats_quantile(s, 0.90));
	add_num(o, "p95", soak_stats_quantile(s, 0.95));
	add_num(o, "p99", soak_stats_quantile(s, 0.99));
	add_num(o, "max", s->n ? s->max : NAN);
	add_num(o, "last", s->n ? s->last : NAN);
	add_num(o, "sum", s->n ? s->sum : NAN);
	cJSON_AddBoolToObject(o, "exact", soak_stats_is_exact(s));
	return o;
}

static cJSON *ref_json(const struct soak_report *r, const struct soak_report_ref *f)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "dir", r->src[f->shard].dir);
	cJSON_AddNumberToObject(o, "shard", f->shard);
	cJSON_AddNumberToObject(o, "iteration", (double)f->iteration);
	if (f->time[0])
		cJSON_AddStringToObject(o, "time", f->time);
	else
		cJSON_AddNullToObject(o, "time");
	if (f->log)
		cJSON_AddStringToObject(o, "log", f->log);
	return o;
}

static cJSON *scope_json(struct soak_report *r, struct soak_report_scope *sc)
{
	cJSON *o = cJSON_CreateObject(), *c, *m;
	uint64_t judged = sc->n - sc->count[SOAK_ST_SKIPPED];
	double lo, hi;
	size_t i;

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "iterations", (double)sc->n);
	c = cJSON_AddObjectToObject(o, "counts");
	for (i = 0; i < SOAK_ST_N; i++)
		cJSON_AddNumberToObject(c, status_names[i], (double)sc->count[i]);
	cJSON_AddNumberToObject(o, "failures", (double)sc->failures);
	soak_wilson(sc->count[SOAK_ST_PASS], judged, SOAK_STATS_Z95, &lo, &hi);
	add_num(o, "pass_rate", judged ? (double)sc->count[SOAK_ST_PASS] / (double)judged : NAN);
	c = cJSON_AddArrayToObject(o, "pass_rate_ci95");
	cJSON_AddItemToArray(c, cJSON_CreateNumber(lo));
	cJSON_AddItemToArray(c, cJSON_CreateNumber(hi));
	if (sc->failures) {
		cJSON_AddItemToObject(o, "first_failure", ref_json(r, &sc->first_fail));
		cJSON_AddItemToObject(o, "last_failure", ref_json(r, &sc->last_fail));
	} else {
		cJSON_AddNullToObject(o, "first_failure");
		cJSON_AddNullToObject(o, "last_failure");
	}
	cJSON_AddNumberToObject(o, "longest_failure_streak", (double)sc->longest_streak);
	add_num(o, "mean_iterations_between_failures",
	        sc->ngaps ? (double)sc->gaps_sum / (double)sc->ngaps : NAN);
	m = cJSON_AddObjectToObject(o, "metrics");
	for (i = 0; i < SOAK_M_N; i++)
		if (sc->m[i].n)
			cJSON_AddItemToObject(m, soak_report_metrics[i].name,
			                      stats_json(&sc->m[i]));
	m = cJSON_AddObjectToObject(o, "kpi");
	for (i = 0; i < sc->nkpi; i++)
		cJSON_AddItemToObject(m, sc->kpi[i].name, stats_json(&sc->kpi[i].st));
	if (sc->kpi_dropped)
		cJSON_AddNumberToObject(o, "kpi_values_dropped", (double)sc->kpi_dropped);
	return o;
}

/* What soak-run judged of g live (summary.json), and whether soak-report judged it too. */
static cJSON *live_json(const struct soak_report *r, const struct soak_gate *g)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "outcome",
	                        g->live.fired    ? "fail"
	                        : g->live.judged ? "pass"
	                                         : "nodata");
	cJSON_AddBoolToObject(o, "also_given", !g->live.only);
	if (g->live.fired) {
		if (g->live.first_failed)
			cJSON_AddNumberToObject(o, "first_failed_iteration",
			                        (double)g->live.first_failed);
		cJSON_AddStringToObject(o, "shard", r->src[g->live.shard].dir);
	}
	add_num(o, "value", g->live.value);
	return o;
}

cJSON *soak_report_snapshot(struct soak_report *r)
{
	cJSON *o = cJSON_CreateObject(), *a, *c, *t;
	char ts[SOAK_ISO8601_LEN];
	size_t i, k;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "schema", SOAK_SCHEMA);
	c = cJSON_AddObjectToObject(o, "tool");
	cJSON_AddStringToObject(c, "name", "soak-report");
	cJSON_AddStringToObject(c, "version", r->o.version ? r->o.version : "");
	cJSON_AddStringToObject(o, "generated", soak_iso8601(r->o.now_ms, ts, sizeof(ts)));
	cJSON_AddStringToObject(o, "verdict", soak_verdict_name(r->verdict));
	cJSON_AddStringToObject(o, "reason", r->reason);
	cJSON_AddNumberToObject(o, "exit_code", soak_report_exit_code(r));
	c = cJSON_AddObjectToObject(o, "options");
	cJSON_AddNumberToObject(c, "last_n", (double)r->o.last_n);
	cJSON_AddNumberToObject(c, "settle_fraction", r->o.settle_frac);
	cJSON_AddNumberToObject(c, "settle_points", (double)r->o.settle_points);
	cJSON_AddNumberToObject(c, "alpha", r->o.alpha);
	cJSON_AddBoolToObject(c, "strict", r->o.strict);
	a = cJSON_AddArrayToObject(o, "sources");
	for (i = 0; i < r->nsrc; i++) {
		struct soak_report_source *s = &r->src[i];
		cJSON *b;

		c = cJSON_CreateObject();
		cJSON_AddItemToArray(a, c);
		cJSON_AddStringToObject(c, "dir", s->dir);
		cJSON_AddStringToObject(c, "layout", s->legacy ? "legacy" : "jsonl");
		if (s->run_id)
			cJSON_AddStringToObject(c, "run_id", s->run_id);
		else
			cJSON_AddNullToObject(c, "run_id");
		if (s->state)
			cJSON_AddStringToObject(c, "state", s->state);
		else
			cJSON_AddNullToObject(c, "state");
		cJSON_AddNumberToObject(c, "records", (double)s->records);
		cJSON_AddNumberToObject(c, "bad_records", (double)s->bad);
		b = cJSON_AddArrayToObject(c, s->legacy ? "bad_iterations" : "bad_lines");
		for (k = 0; k < s->nbad_lines; k++)
			cJSON_AddItemToArray(b, cJSON_CreateNumber((double)s->bad_lines[k]));
		cJSON_AddBoolToObject(c, "partial_last_line", s->partial);
		cJSON_AddNumberToObject(c, "samples", (double)s->samples);
	}
	cJSON_AddItemToObject(o, "whole", scope_json(r, &r->all));
	c = scope_json(r, &r->last);
	if (c)
		cJSON_AddNumberToObject(c, "n", (double)r->o.last_n);
	cJSON_AddItemToObject(o, "last_n", c);
	t = cJSON_AddObjectToObject(o, "trends");
	for (i = 0; i < SOAK_M_N; i++) {
		struct soak_report_trend *tr = &r->trend[i];
		struct soak_buf sb;

		if (!tr->per_shard || !tr->t.raw)
			continue;
		c = cJSON_CreateObject();
		cJSON_AddItemToObject(t, soak_report_metrics[i].name, c);
		cJSON_AddNumberToObject(c, "points", (double)tr->t.n);
		cJSON_AddNumberToObject(c, "raw_points", (double)tr->t.raw);
		add_num(c, "slope_per_hour", tr->t.slope);
		add_num(c, "s", tr->t.s);
		add_num(c, "var_s", tr->t.var_s);
		add_num(c, "z", tr->t.z);
		add_num(c, "p", tr->t.p);
		add_num(c, "tau", tr->t.tau);
		cJSON_AddBoolToObject(c, "significant", tr->significant);
		cJSON_AddBoolToObject(c, "host", soak_report_metrics[i].host);
		cJSON_AddBoolToObject(c, "leak_suspect", soak_report_leak_suspect(r, (int)i));
		soak_buf_init(&sb, 512);
		if (!soak_report_trend_sentence(r, (int)i, &sb))
			cJSON_AddStringToObject(c, "text", soak_buf_str(&sb));
		soak_buf_free(&sb);
	}
	a = cJSON_AddArrayToObject(o, "steps");
	for (i = 0; i < r->nsteps; i++) {
		struct soak_report_step *s = &r->steps[i];
		cJSON *cc;

		c = cJSON_CreateObject();
		cJSON_AddItemToArray(a, c);
		cJSON_AddStringToObject(c, "name", s->name);
		cJSON_AddNumberToObject(c, "runs", (double)s->n);
		cc = cJSON_AddObjectToObject(c, "counts");
		for (k = 0; k < SOAK_ST_N; k++)
			cJSON_AddNumberToObject(cc, status_names[k], (double)s->count[k]);
		cJSON_AddNumberToObject(c, "allowed_failures", (double)s->allowed_failures);
		cJSON_AddNumberToObject(c, "retried", (double)s->retried);
		cJSON_AddNumberToObject(c, "retried_passed", (double)s->retried_passed);
		cJSON_AddBoolToObject(c, "flaky",
		                      s->retried_passed || (s->count[SOAK_ST_PASS] &&
		                                            s->n > s->count[SOAK_ST_PASS] +
		                                                       s->count[SOAK_ST_SKIPPED]));
		cJSON_AddItemToObject(c, "duration_ms", stats_json(&s->duration));
	}
	a = cJSON_AddArrayToObject(o, "failure_groups");
	for (i = 0; i < r->nfg; i++) {
		c = cJSON_CreateObject();
		cJSON_AddItemToArray(a, c);
		cJSON_AddStringToObject(c, "cause", r->fg[i].cause);
		cJSON_AddNumberToObject(c, "count", (double)r->fg[i].count);
		cJSON_AddItemToObject(c, "first", ref_json(r, &r->fg[i].first));
		cJSON_AddItemToObject(c, "last", ref_json(r, &r->fg[i].last));
	}
	a = cJSON_AddArrayToObject(o, "gates");
	for (i = 0; i < r->ngates; i++) {
		struct soak_gate *g = &r->gates[i];

		c = cJSON_CreateObject();
		cJSON_AddItemToArray(a, c);
		cJSON_AddStringToObject(c, "expr", g->expr);
		cJSON_AddStringToObject(c, "kind", g->hard ? "hard" : "soft");
		cJSON_AddStringToObject(c, "scope", g->last ? "last" : "all");
		cJSON_AddStringToObject(c, "op", soak_gate_op_name(g->op));
		add_num(c, "value", g->value);
		cJSON_AddNumberToObject(c, "threshold", g->threshold);
		if (isfinite(g->p))
			cJSON_AddNumberToObject(c, "p", g->p);
		cJSON_AddStringToObject(c, "outcome",
		                        g->outcome == SOAK_GATE_PASS   ? "pass"
		                        : g->outcome == SOAK_GATE_FAIL ? "fail"
		                                                       : "nodata");
		if (g->live.have)
			cJSON_AddItemToObject(c, "live", live_json(r, g));
	}
	if (soak_report_tuned(r))
		cJSON_AddItemToObject(o, "tuning", soak_report_tune_json(r));
	return o;
}

static const char *outcome_name(const struct soak_gate *g)
{
	return g->outcome == SOAK_GATE_PASS   ? "✅ pass"
	       : g->outcome == SOAK_GATE_FAIL ? "❌ fail"
	                                      : "❔ no data";
}

static void md_scope_rows(struct soak_report *r, struct soak_buf *b)
{
	struct soak_report_scope *sc[2] = {&r->all, &r->last};
	char v[2][96];
	int k;

	soak_buf_addf(b, "| | whole run | last %llu per shard |\n|---|---:|---:|\n",
	              (unsigned long long)r->o.last_n);
#define ROW(label, ...)                                                                            \
	do {                                                                                       \
		for (k = 0; k < 2; k++) {                                                          \
			struct soak_report_scope *s = sc[k];                                       \
			__VA_ARGS__;                                                               \
		}                                                                                  \
		soak_buf_addf(b, "| %s | %s | %s |\n", label, v[0], v[1]);                         \
	} while (0)
	ROW("iterations", snprintf(v[k], sizeof(v[k]), "%llu", (unsigned long long)s->n));
	ROW("passed",
	    snprintf(v[k], sizeof(v[k]), "%llu", (unsigned long long)s->count[SOAK_ST_PASS]));
	ROW("failed",
	    snprintf(v[k], sizeof(v[k]), "%llu", (unsigned long long)s->count[SOAK_ST_FAIL]));
	ROW("timed out",
	    snprintf(v[k], sizeof(v[k]), "%llu", (unsigned long long)s->count[SOAK_ST_TIMEOUT]));
	ROW("errors",
	    snprintf(v[k], sizeof(v[k]), "%llu", (unsigned long long)s->count[SOAK_ST_ERROR]));
	ROW("skipped",
	    snprintf(v[k], sizeof(v[k]), "%llu", (unsigned long long)s->count[SOAK_ST_SKIPPED]));
	ROW("pass rate (95% CI)", {
		uint64_t j = s->n - s->count[SOAK_ST_SKIPPED];
		double lo, hi;

		soak_wilson(s->count[SOAK_ST_PASS], j, SOAK_STATS_Z95, &lo, &hi);
		if (j) {
			char r3[3][32];

			snprintf(v[k], sizeof(v[k]), "%s (%s – %s)",
			         soak_report_fmt(SOAK_K_RATIO,
			                         (double)s->count[SOAK_ST_PASS] / (double)j, r3[0],
			                         sizeof(r3[0])),
			         soak_report_fmt(SOAK_K_RATIO, lo, r3[1], sizeof(r3[1])),
			         soak_report_fmt(SOAK_K_RATIO, hi, r3[2], sizeof(r3[2])));
		} else
			snprintf(v[k], sizeof(v[k]), "n/a");
	});
	ROW("first failure", {
		if (s->failures)
			snprintf(v[k], sizeof(v[k]), "#%llu%s%s",
			         (unsigned long long)s->first_fail.iteration,
			         s->first_fail.time[0] ? " at " : "", s->first_fail.time);
		else
			snprintf(v[k], sizeof(v[k]), "none");
	});
	ROW("longest failure streak",
	    snprintf(v[k], sizeof(v[k]), "%llu", (unsigned long long)s->longest_streak));
	ROW("mean iterations between failures", {
		if (s->ngaps)
			soak_report_fmt(SOAK_K_COUNT, (double)s->gaps_sum / (double)s->ngaps, v[k],
			                sizeof(v[k]));
		else
			snprintf(v[k], sizeof(v[k]), "n/a");
	});
#undef ROW
}

/* The header of a table of md_stats_row rows. */
#define MD_STATS_HEAD(first)                                                                       \
	"| " first " | min | mean | p50 | p90 | p95 | p99 | max | last | trend "                   \
	"|\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"

static void md_stats_row(struct soak_buf *b, const char *name, enum soak_report_kind kind,
                         struct soak_stats *s, const struct soak_series *chart)
{
	static const double qs[] = {0.5, 0.9, 0.95, 0.99};
	char v[64];
	size_t i;

	soak_buf_adds(b, "| ");
	soak_buf_add_md_cell(b, name);
	soak_buf_addf(b, " | %s", soak_report_fmt(kind, s->min, v, sizeof(v)));
	soak_buf_addf(b, " | %s", soak_report_fmt(kind, soak_stats_mean(s), v, sizeof(v)));
	for (i = 0; i < 4; i++)
		soak_buf_addf(b, " | %s",
		              soak_report_fmt(kind, soak_stats_quantile(s, qs[i]), v, sizeof(v)));
	soak_buf_addf(b, " | %s", soak_report_fmt(kind, s->max, v, sizeof(v)));
	soak_buf_addf(b, " | %s | ", soak_report_fmt(kind, s->last, v, sizeof(v)));
	if (chart)
		soak_report_sparkline(chart, 40, b);
	soak_buf_adds(b, " |\n");
}

/* The trend sentences of the command's series (host 0) or the machine's (host 1). */
static int md_trends(struct soak_report *r, struct soak_buf *b, int host)
{
	int i, any = 0;

	for (i = 0; i < SOAK_M_N; i++) {
		if (!r->trend[i].per_shard || !r->trend[i].t.raw ||
		    soak_report_metrics[i].host != host)
			continue;
		soak_buf_adds(b, "- ");
		soak_report_trend_sentence(r, i, b);
		soak_buf_adds(b, "\n");
		any = 1;
	}
	return any;
}

/* What the machine did during the run: its series, apart from the command's. */
static void md_host(struct soak_report *r, struct soak_buf *b)
{
	int i, any = 0;

	for (i = 0; i < SOAK_M_N; i++)
		any |= soak_report_metrics[i].host && r->all.m[i].n;
	if (!any)
		return;
	soak_buf_adds(b, "\n## Host\n\n" SOAK_REPORT_HOST_NOTE "\n\n" MD_STATS_HEAD("series"));
	for (i = 0; i < SOAK_M_N; i++)
		if (soak_report_metrics[i].host && r->all.m[i].n)
			md_stats_row(b, soak_report_metrics[i].name, soak_report_metrics[i].kind,
			             &r->all.m[i], &r->chart[i]);
	soak_buf_adds(b, "\n");
	md_trends(r, b, 1);
}

int soak_report_markdown(struct soak_report *r, struct soak_buf *b, size_t max_bytes)
{
	char v[64], t[64], live[160];
	size_t i;

	soak_buf_addf(b, "# Soak report: %s\n\n**Verdict: %s** — %s.\n\n",
	              soak_verdict_name(r->verdict), soak_verdict_name(r->verdict), r->reason);
	for (i = 0; i < r->nsrc; i++) {
		struct soak_report_source *s = &r->src[i];

		soak_buf_addf(b, "- `%s`%s: %llu iterations", s->dir,
		              s->legacy ? " (legacy layout)" : "", (unsigned long long)s->records);
		if (s->run_id)
			soak_buf_addf(b, ", run `%s`", s->run_id);
		if (s->state)
			soak_buf_addf(b, ", %s", s->state);
		if (s->bad)
			soak_buf_addf(b, ", %llu malformed records skipped",
			              (unsigned long long)s->bad);
		if (s->partial)
			soak_buf_adds(b, ", partial last line ignored");
		soak_buf_adds(b, "\n");
	}
	soak_buf_adds(b, "\n## Iterations\n\n");
	md_scope_rows(r, b);
	soak_buf_adds(b, "\nTimeline (share of failing iterations): ");
	soak_report_sparkline(&r->chart_fail, 60, b);
	soak_buf_adds(b, "\n\n## Metrics (whole run)\n\n" MD_STATS_HEAD("metric"));
	for (i = 0; i < SOAK_M_N; i++)
		if (r->all.m[i].n && !soak_report_metrics[i].host)
			md_stats_row(b, soak_report_metrics[i].name, soak_report_metrics[i].kind,
			             &r->all.m[i], &r->chart[i]);
	if (r->all.nkpi) {
		soak_buf_adds(b, "\n## KPIs (whole run)\n\n" MD_STATS_HEAD("kpi"));
		for (i = 0; i < r->all.nkpi; i++)
			md_stats_row(b, r->all.kpi[i].name, SOAK_K_COUNT, &r->all.kpi[i].st,
			             &r->all.kpi[i].chart);
	}
	soak_buf_addf(b,
	              "\n## Trends\n\nTheil-Sen slope with a Mann-Kendall test (α = %g) after the "
	              "settle period.\n\n",
	              r->o.alpha);
	if (!md_trends(r, b, 0))
		soak_buf_adds(b, "No series with timestamps to trend.\n");
	md_host(r, b);
	if (r->ngates) {
		soak_buf_adds(b, "\n## Gates\n\n| gate | kind | value | threshold | outcome "
		                 "|\n|---|---|---:|---:|---|\n");
		for (i = 0; i < r->ngates; i++) {
			struct soak_gate *g = &r->gates[i];
			soak_buf_addf(b, "| `%s` | %s%s | %s | %s %s | %s", g->expr,
			              g->hard ? "hard" : "soft", g->live.have ? ", live" : "",
			              soak_report_fmt_gate(g, g->value, v, sizeof(v)),
			              soak_gate_op_name(g->op),
			              soak_report_fmt_gate(g, g->threshold, t, sizeof(t)),
			              outcome_name(g));
			if (g->live.have)
				soak_buf_addf(b, " (live: %s)",
				              soak_report_fmt_live(r, g, live, sizeof(live)));
			soak_buf_adds(b, " |\n");
		}
	}
	soak_report_tune_md(r, b);
	if (r->nsteps) {
		soak_buf_adds(b, "\n## Steps\n\n| step | runs | pass | fail | timeout | error | "
		                 "retried | p50 | p95 "
		                 "|\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
		for (i = 0; i < r->nsteps; i++) {
			struct soak_report_step *s = &r->steps[i];

			soak_buf_addf(
			    b, "| %s | %llu | %llu | %llu | %llu | %llu | %llu | %s", s->name,
			    (unsigned long long)s->n, (unsigned long long)s->count[SOAK_ST_PASS],
			    (unsigned long long)s->count[SOAK_ST_FAIL],
			    (unsigned long long)s->count[SOAK_ST_TIMEOUT],
			    (unsigned long long)s->count[SOAK_ST_ERROR],
			    (unsigned long long)s->retried,
			    soak_report_fmt(SOAK_K_MS, soak_stats_quantile(&s->duration, 0.5), v,
			                    sizeof(v)));
			soak_buf_addf(b, " | %s |\n",
			              soak_report_fmt(SOAK_K_MS,
			                              soak_stats_quantile(&s->duration, 0.95), v,
			                              sizeof(v)));
		}
	}
	if (r->nfg) {
		soak_buf_adds(b, "\n## Failures by cause\n\n| cause | count | first | last "
		                 "|\n|---|---:|---:|---:|\n");
		for (i = 0; i < r->nfg; i++)
			soak_buf_addf(b, "| %s | %llu | #%llu | #%llu |\n", r->fg[i].cause,
			              (unsigned long long)r->fg[i].count,
			              (unsigned long long)r->fg[i].first.iteration,
			              (unsigned long long)r->fg[i].last.iteration);
		soak_buf_adds(b, "\nDetails and log excerpts: FAILURES.md.\n");
	}
	if (!b->data)
		return -1;
	if (max_bytes && b->len > max_bytes) {
		static const char note[] =
		    "\n\n*(shortened to fit; the full audit is POST_SOAK_AUDIT.md)*\n";
		size_t cut = max_bytes - sizeof(note);

		while (cut > 0 && b->data[cut - 1] != '\n')
			cut--;
		b->len = cut;
		b->data[cut] = 0;
		soak_buf_adds(b, note);
	}
	return 0;
}

static void prom_head(struct soak_buf *b, const char *name, const char *type, const char *help)
{
	soak_buf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom_num(struct soak_buf *b, double v)
{
	if (isnan(v))
		soak_buf_adds(b, " NaN\n");
	else
		soak_buf_addf(b, " %.15g\n", v);
}

int soak_report_prom(struct soak_report *r, struct soak_buf *b)
{
	static const double qs[] = {0.5, 0.9, 0.95, 0.99};
	struct soak_report_scope *sc = &r->all;
	uint64_t judged = sc->n - sc->count[SOAK_ST_SKIPPED];
	double lo, hi;
	size_t i, k;

	prom_head(b, "soak_verdict", "gauge",
	          "1 for the verdict of the soak report (PASS, WARN, FAIL).");
	for (i = 0; i < 3; i++)
		soak_buf_addf(b, "soak_verdict{verdict=\"%s\"} %d\n",
		              soak_verdict_name((enum soak_verdict)i),
		              r->verdict == (enum soak_verdict)i);
	prom_head(b, "soak_iterations", "gauge", "Iterations by status.");
	for (i = 0; i < SOAK_ST_N; i++)
		soak_buf_addf(b, "soak_iterations{status=\"%s\"} %llu\n", status_names[i],
		              (unsigned long long)sc->count[i]);
	soak_wilson(sc->count[SOAK_ST_PASS], judged, SOAK_STATS_Z95, &lo, &hi);
	prom_head(b, "soak_pass_rate", "gauge",
	          "Passed iterations over judged (non-skipped) iterations.");
	soak_buf_adds(b, "soak_pass_rate");
	prom_num(b, judged ? (double)sc->count[SOAK_ST_PASS] / (double)judged : NAN);
	prom_head(b, "soak_pass_rate_ci95", "gauge", "Wilson 95% score interval of the pass rate.");
	soak_buf_addf(b, "soak_pass_rate_ci95{bound=\"lower\"}");
	prom_num(b, lo);
	soak_buf_addf(b, "soak_pass_rate_ci95{bound=\"upper\"}");
	prom_num(b, hi);
	prom_head(b, "soak_failure_streak_max", "gauge",
	          "Longest run of consecutive failing iterations.");
	soak_buf_addf(b, "soak_failure_streak_max %llu\n", (unsigned long long)sc->longest_streak);
	if (sc->m[SOAK_M_DURATION].n) {
		struct soak_stats *s = &sc->m[SOAK_M_DURATION];

		prom_head(b, "soak_iteration_duration_seconds", "summary", "Iteration duration.");
		for (i = 0; i < 4; i++) {
			soak_buf_addf(b, "soak_iteration_duration_seconds{quantile=\"%g\"}", qs[i]);
			prom_num(b, soak_stats_quantile(s, qs[i]) / 1000);
		}
		soak_buf_adds(b, "soak_iteration_duration_seconds_sum");
		prom_num(b, s->sum / 1000);
		soak_buf_addf(b, "soak_iteration_duration_seconds_count %llu\n",
		              (unsigned long long)s->n);
	}
	prom_head(b, "soak_resource_max", "gauge",
	          "Largest value of a resource over the run (bytes or count).");
	for (i = 0; i < SOAK_M_N; i++) {
		if (!sc->m[i].n || i == SOAK_M_DURATION ||
		    soak_report_metrics[i].kind == SOAK_K_SECONDS)
			continue;
		soak_buf_addf(b, "soak_resource_max{metric=\"%s\"}", soak_report_metrics[i].name);
		prom_num(b, sc->m[i].max);
	}
	prom_head(b, "soak_trend_slope_per_hour", "gauge",
	          "Theil-Sen slope of a resource per hour (its unit per hour).");
	for (i = 0; i < SOAK_M_N; i++) {
		if (!r->trend[i].have)
			continue;
		soak_buf_addf(b, "soak_trend_slope_per_hour{metric=\"%s\"}",
		              soak_report_metrics[i].name);
		prom_num(b, r->trend[i].t.slope);
	}
	prom_head(b, "soak_trend_p_value", "gauge", "Mann-Kendall two-sided p-value of the trend.");
	for (i = 0; i < SOAK_M_N; i++) {
		if (!r->trend[i].have)
			continue;
		soak_buf_addf(b, "soak_trend_p_value{metric=\"%s\"}", soak_report_metrics[i].name);
		prom_num(b, r->trend[i].t.p);
	}
	if (sc->nkpi) {
		prom_head(b, "soak_kpi", "gauge",
		          "KPIs reported by the command, summarized over the run.");
		for (i = 0; i < sc->nkpi; i++) {
			struct soak_stats *s = &sc->kpi[i].st;
			const struct {
				const char *n;
				double v;
			} st[] = {{"min", s->min},
			          {"mean", soak_stats_mean(s)},
			          {"p50", soak_stats_quantile(s, 0.5)},
			          {"p95", soak_stats_quantile(s, 0.95)},
			          {"max", s->max},
			          {"last", s->last}};

			for (k = 0; k < sizeof(st) / sizeof(st[0]); k++) {
				soak_buf_adds(b, "soak_kpi{kpi=\"");
				soak_report_prom_label(b, sc->kpi[i].name);
				soak_buf_addf(b, "\",stat=\"%s\"}", st[k].n);
				prom_num(b, st[k].v);
			}
		}
	}
	if (r->ngates) {
		prom_head(b, "soak_gate_passed", "gauge",
		          "1 when the gate passed, 0 when it failed or had no data.");
		for (i = 0; i < r->ngates; i++) {
			soak_buf_adds(b, "soak_gate_passed{gate=\"");
			soak_report_prom_label(b, r->gates[i].expr);
			soak_buf_addf(b, "\",kind=\"%s\"} %d\n", r->gates[i].hard ? "hard" : "soft",
			              r->gates[i].outcome == SOAK_GATE_PASS);
		}
	}
	soak_report_tune_prom(r, b);
	return b->data ? 0 : -1;
}
