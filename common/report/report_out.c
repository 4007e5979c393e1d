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
#include "report.h"
#include "banned.h"

static const char *const status_names[SOAK_ST_N] = {"pass", "fail", "timeout", "error", "skipped"};

char *soak_report_fmt(enum soak_report_kind kind, double v, char *buf, size_t n)
{
	char tmp[64];

	if (!isfinite(v)) {
		snprintf(buf, n, "n/a");
		return buf;
	}
	switch (kind) {
	case SOAK_K_MS:
		if (fabs(v) < 1000)
			snprintf(buf, n, "%.4gms", v);
		else if (fabs(v) < 60000)
			snprintf(buf, n, "%.3gs", v / 1000);
		else if (fabs(v) < 9e18) /* converting more to int64_t is undefined */
			snprintf(buf, n, "%s%s", v < 0 ? "-" : "",
			         soak_format_duration((int64_t)fabs(v), tmp, sizeof(tmp)));
		else
			snprintf(buf, n, "%.4gms", v);
		break;
	case SOAK_K_BYTES:
		if (fabs(v) < 1.8e19) /* converting more to uint64_t is undefined */
			snprintf(buf, n, "%s%s", v < 0 ? "-" : "",
			         soak_format_size((uint64_t)fabs(v), tmp, sizeof(tmp)));
		else
			snprintf(buf, n, "%.4g B", v);
		break;
	case SOAK_K_SECONDS:
		snprintf(buf, n, "%.4gs", v);
		break;
	case SOAK_K_RATIO:
		snprintf(buf, n, "%.2f%%", v * 100);
		break;
	default:
		if (v == floor(v) && fabs(v) < 1e15)
			snprintf(buf, n, "%.0f", v);
		else
			snprintf(buf, n, "%.4g", v);
	}
	return buf;
}

size_t soak_report_chart_points(const struct soak_series *s, double **x, double **y)
{
	size_t n = s->npts + (s->cur_n ? 1 : 0), i;

	*x = malloc((n + 1) * sizeof(**x));
	*y = malloc((n + 1) * sizeof(**y));
	if (!*x || !*y) {
		free(*x);
		free(*y);
		*x = *y = NULL;
		return 0;
	}
	for (i = 0; i < s->npts; i++) {
		(*x)[i] = s->pts[i].x;
		(*y)[i] = s->pts[i].y;
	}
	if (s->cur_n) {
		(*x)[i] = s->cur_sx / (double)s->cur_n;
		(*y)[i] = s->cur_sy / (double)s->cur_n;
	}
	return n;
}

int soak_report_sparkline(const struct soak_series *s, size_t width, struct soak_buf *out)
{
	static const char *const bars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
	double *x, *y, lo = INFINITY, hi = -INFINITY;
	size_t n = soak_report_chart_points(s, &x, &y), i, w, k;
	int rc = 0;

	if (!n) {
		free(x);
		free(y);
		return 0;
	}
	w = n < width ? n : width;
	/* average the points into w columns */
	for (k = 0; k < w; k++) {
		size_t a = k * n / w, b = (k + 1) * n / w;
		double sum = 0;

		for (i = a; i < b; i++)
			sum += y[i];
		x[k] = sum / (double)(b - a);
		if (x[k] < lo)
			lo = x[k];
		if (x[k] > hi)
			hi = x[k];
	}
	for (k = 0; k < w && !rc; k++) {
		int level = hi > lo ? (int)floor((x[k] - lo) / (hi - lo) * 7.999) : 0;

		rc = soak_buf_adds(out, bars[level < 0 ? 0 : level > 7 ? 7 : level]);
	}
	free(x);
	free(y);
	return rc;
}

static void fmt_p(double p, char *buf, size_t n)
{
	if (p < 0.001)
		snprintf(buf, n, "p < 0.001");
	else if (p < 0.01)
		snprintf(buf, n, "p < 0.01");
	else
		snprintf(buf, n, "p = %.2g", p);
}

int soak_report_trend_sentence(const struct soak_report *r, int m, struct soak_buf *out)
{
	const struct soak_report_trend *t = &r->trend[m];
	const struct soak_report_metric_info *mi = &soak_report_metrics[m];
	char v[64], p[32];

	if (!t->have)
		return soak_buf_addf(out, "%s: not enough data for a trend", mi->name);
	soak_report_fmt(mi->kind, fabs(t->t.slope), v, sizeof(v));
	fmt_p(t->t.p, p, sizeof(p));
	if (!t->significant || t->t.slope == 0)
		return soak_buf_addf(out, "%s: no significant trend (slope %s%s/h, %s)", mi->name,
		                     t->t.slope < 0 ? "-" : "", v, p);
	return soak_buf_addf(out, "%s %s %s/h (%s)", mi->name, t->t.slope > 0 ? "grows" : "falls",
	                     v, p);
}

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
		struct soak_report_gate *g = &r->gates[i];

		c = cJSON_CreateObject();
		cJSON_AddItemToArray(a, c);
		cJSON_AddStringToObject(c, "expr", g->expr);
		cJSON_AddStringToObject(c, "kind", g->hard ? "hard" : "soft");
		cJSON_AddStringToObject(c, "scope", g->last ? "last" : "all");
		cJSON_AddStringToObject(c, "op", soak_report_op_name(g->op));
		add_num(c, "value", g->value);
		cJSON_AddNumberToObject(c, "threshold", g->threshold);
		if (isfinite(g->p))
			cJSON_AddNumberToObject(c, "p", g->p);
		cJSON_AddStringToObject(c, "outcome",
		                        g->outcome == SOAK_GATE_PASS   ? "pass"
		                        : g->outcome == SOAK_GATE_FAIL ? "fail"
		                                                       : "nodata");
	}
	return o;
}

static const char *outcome_name(const struct soak_report_gate *g)
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
		if (j)
			snprintf(v[k], sizeof(v[k]), "%.2f%% (%.2f%% – %.2f%%)",
			         100.0 * (double)s->count[SOAK_ST_PASS] / (double)j, lo * 100,
			         hi * 100);
		else
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
			snprintf(v[k], sizeof(v[k]), "%.1f",
			         (double)s->gaps_sum / (double)s->ngaps);
		else
			snprintf(v[k], sizeof(v[k]), "n/a");
	});
#undef ROW
}

/*
 * A name from the command under test (a KPI) as one Markdown table cell: no '|',
 * line break or HTML tag of it may end the cell or the table, nor add markup.
 */
static void md_cell(struct soak_buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '|')
			soak_buf_adds(b, "\\|");
		else if (c == '<')
			soak_buf_adds(b, "&lt;");
		else if (c == '>')
			soak_buf_adds(b, "&gt;");
		else if (c == '&')
			soak_buf_adds(b, "&amp;");
		else if (c == '`' || c == '[' || c == ']' || c == '*' || c == '\\')
			soak_buf_addf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			soak_buf_add(b, " ", 1);
		else
			soak_buf_add(b, s, 1);
	}
}

static void md_stats_row(struct soak_buf *b, const char *name, enum soak_report_kind kind,
                         struct soak_stats *s, const struct soak_series *chart)
{
	static const double qs[] = {0.5, 0.9, 0.95, 0.99};
	char v[64];
	size_t i;

	soak_buf_adds(b, "| ");
	md_cell(b, name);
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

int soak_report_markdown(struct soak_report *r, struct soak_buf *b, size_t max_bytes)
{
	char v[64], t[64];
	size_t i;
	int any;

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
	soak_buf_adds(b, "\n\n## Metrics (whole run)\n\n| metric | min | mean | p50 | p90 | p95 | "
	                 "p99 | max | last "
	                 "| trend |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
	for (i = 0; i < SOAK_M_N; i++)
		if (r->all.m[i].n)
			md_stats_row(b, soak_report_metrics[i].name, soak_report_metrics[i].kind,
			             &r->all.m[i], &r->chart[i]);
	if (r->all.nkpi) {
		soak_buf_adds(b, "\n## KPIs (whole run)\n\n| kpi | min | mean | p50 | p90 | p95 | "
		                 "p99 | max | last "
		                 "| trend |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
		for (i = 0; i < r->all.nkpi; i++)
			md_stats_row(b, r->all.kpi[i].name, SOAK_K_COUNT, &r->all.kpi[i].st,
			             &r->all.kpi[i].chart);
	}
	soak_buf_addf(b,
	              "\n## Trends\n\nTheil-Sen slope with a Mann-Kendall test (α = %g) after the "
	              "settle period.\n\n",
	              r->o.alpha);
	any = 0;
	for (i = 0; i < SOAK_M_N; i++) {
		if (!r->trend[i].per_shard || !r->trend[i].t.raw)
			continue;
		soak_buf_adds(b, "- ");
		soak_report_trend_sentence(r, (int)i, b);
		soak_buf_adds(b, "\n");
		any = 1;
	}
	if (!any)
		soak_buf_adds(b, "No series with timestamps to trend.\n");
	if (r->ngates) {
		soak_buf_adds(b, "\n## Gates\n\n| gate | kind | value | threshold | outcome "
		                 "|\n|---|---|---:|---:|---|\n");
		for (i = 0; i < r->ngates; i++) {
			struct soak_report_gate *g = &r->gates[i];
			enum soak_report_kind k = soak_report_gate_kind(g);

			soak_buf_addf(
			    b, "| `%s` | %s | %s%s | %s %s%s | %s |\n", g->expr,
			    g->hard ? "hard" : "soft", soak_report_fmt(k, g->value, v, sizeof(v)),
			    g->agg == SOAK_AGG_SLOPE ? "/h" : "", soak_report_op_name(g->op),
			    soak_report_fmt(k, g->threshold, t, sizeof(t)),
			    g->agg == SOAK_AGG_SLOPE ? "/h" : "", outcome_name(g));
		}
	}
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

static void prom_escape(struct soak_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			soak_buf_addf(b, "\\%c", *s);
		else if (*s == '\n')
			soak_buf_adds(b, "\\n");
		else
			soak_buf_add(b, s, 1);
	}
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
				prom_escape(b, sc->kpi[i].name);
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
			prom_escape(b, r->gates[i].expr);
			soak_buf_addf(b, "\",kind=\"%s\"} %d\n", r->gates[i].hard ? "hard" : "soft",
			              r->gates[i].outcome == SOAK_GATE_PASS);
		}
	}
	return b->data ? 0 : -1;
}

static int write_buf(struct soak_report *r, const char *name, struct soak_buf *b,
                     struct soak_err *err)
{
	char *path = soak_path_join(r->out_dir, name);
	int rc;

	if (!path)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	rc = soak_file_write_atomic(path, soak_buf_str(b), b->len, err);
	free(path);
	return rc;
}

#define OUT_MAX ((size_t)256 * 1024 * 1024)

int soak_report_write(struct soak_report *r, struct soak_err *err)
{
	static const struct {
		unsigned bit;
		const char *name;
		int (*fn)(struct soak_report *, struct soak_buf *);
	} docs[] = {
	    {SOAK_REPORT_F_RECO, "RECOMMENDATIONS.md", soak_report_recommendations_md},
	    {SOAK_REPORT_F_FAIL, "FAILURES.md", soak_report_failures_md},
	    {SOAK_REPORT_F_HTML, "report.html", soak_report_html},
	    {SOAK_REPORT_F_PROM, "metrics.prom", soak_report_prom},
	};
	struct soak_buf b;
	size_t i;
	int rc = 0;

	if (!r->o.formats)
		return 0;
	if (soak_mkdir_p(r->out_dir, err))
		return -1;
	if (r->o.formats & SOAK_REPORT_F_JSON) {
		cJSON *snap = soak_report_snapshot(r);
		char *path = soak_path_join(r->out_dir, "POST_SOAK_SNAPSHOT.json");

		if (!snap || !path)
			rc = soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		else
			rc = soak_json_write(path, snap, 1, err);
		cJSON_Delete(snap);
		free(path);
		if (rc)
			return -1;
	}
	soak_buf_init(&b, OUT_MAX);
	if (r->o.formats & SOAK_REPORT_F_MD) {
		if (soak_report_markdown(r, &b, 0))
			rc = soak_err_set(err, SOAK_EXIT_ENV,
			                  "cannot build 'POST_SOAK_AUDIT.md': out of memory");
		else
			rc = write_buf(r, "POST_SOAK_AUDIT.md", &b, err);
	}
	for (i = 0; !rc && i < sizeof(docs) / sizeof(docs[0]); i++) {
		if (!(r->o.formats & docs[i].bit))
			continue;
		soak_buf_reset(&b);
		if (docs[i].fn(r, &b))
			rc = soak_err_set(err, SOAK_EXIT_ENV, "cannot build '%s': out of memory",
			                  docs[i].name);
		else
			rc = write_buf(r, docs[i].name, &b, err);
	}
	if (!rc && (r->o.formats & SOAK_REPORT_F_JUNIT)) {
		soak_buf_reset(&b);
		rc = soak_report_junit(r, &b, err);
		if (!rc)
			rc = write_buf(r, "junit.xml", &b, err);
	}
	soak_buf_free(&b);
	return rc;
}

int soak_report_gha(struct soak_report *r, struct soak_buf *ann, struct soak_err *err)
{
	char v[64], t[64];
	struct soak_buf b;
	uint64_t judged = r->all.n - r->all.count[SOAK_ST_SKIPPED];
	size_t i;
	int rc;

	if (!soak_gha_active())
		return 0;
	snprintf(v, sizeof(v), "%.4f",
	         judged ? (double)r->all.count[SOAK_ST_PASS] / (double)judged : 0.0);
	snprintf(t, sizeof(t), "%llu", (unsigned long long)r->all.n);
	if (soak_gha_set_output("verdict", soak_verdict_name(r->verdict), err) ||
	    soak_gha_set_output("pass-rate", v, err) || soak_gha_set_output("iterations", t, err) ||
	    soak_gha_set_output("report-dir", r->out_dir, err))
		return -1;
	soak_buf_init(&b, OUT_MAX);
	rc = soak_report_markdown(r, &b, SOAK_GHA_SUMMARY_MAX - 64 * 1024);
	if (!rc && soak_gha_summary_append(soak_buf_str(&b), b.len, err)) {
		/* the summary file already holds other steps' output: try a short one */
		soak_buf_reset(&b);
		rc = soak_report_markdown(r, &b, 16 * 1024);
		if (!rc)
			rc = soak_gha_summary_append(soak_buf_str(&b), b.len, err);
	}
	soak_buf_free(&b);
	if (rc)
		return -1;
	for (i = 0; i < r->ngates; i++) {
		struct soak_report_gate *g = &r->gates[i];
		char msg[1024];

		if (g->outcome == SOAK_GATE_PASS)
			continue;
		if (g->outcome == SOAK_GATE_NODATA)
			snprintf(msg, sizeof(msg), "gate '%s' has no data", g->expr);
		else
			snprintf(msg, sizeof(msg), "gate '%s' failed: value %s%s", g->expr,
			         soak_report_fmt(soak_report_gate_kind(g), g->value, v, sizeof(v)),
			         g->agg == SOAK_AGG_SLOPE ? "/h" : "");
		soak_gha_annotation(ann, g->hard ? "error" : "warning", "soak gate", msg);
	}
	return 0;
}

/* "12.34% (95% CI 10.00% - 15.00%)" for a scope; "n/a" without judged iterations. */
static void rate_text(const struct soak_report_scope *s, char *buf, size_t n)
{
	uint64_t judged = s->n - s->count[SOAK_ST_SKIPPED];
	double lo, hi;

	if (!judged) {
		snprintf(buf, n, "n/a");
		return;
	}
	soak_wilson(s->count[SOAK_ST_PASS], judged, SOAK_STATS_Z95, &lo, &hi);
	snprintf(buf, n, "%.2f%% (95%% CI %.2f%% - %.2f%%)",
	         100.0 * (double)s->count[SOAK_ST_PASS] / (double)judged, lo * 100, hi * 100);
}

static void ref_text(const struct soak_report *r, const struct soak_report_ref *f, char *buf,
                     size_t n)
{
	if (r->nsrc > 1)
		snprintf(buf, n, "#%llu of shard %u", (unsigned long long)f->iteration,
		         f->shard + 1);
	else
		snprintf(buf, n, "#%llu", (unsigned long long)f->iteration);
}

int soak_report_summary(struct soak_report *r, struct soak_buf *b)
{
	static const int res[] = {SOAK_M_RSS, SOAK_M_FDS, SOAK_M_THREADS, SOAK_M_SVC_RSS,
	                          SOAK_M_SVC_FDS};
	static const int trend_order[] = {SOAK_M_RSS,     SOAK_M_SVC_RSS,   SOAK_M_FDS,
	                                  SOAK_M_SVC_FDS, SOAK_M_THREADS,   SOAK_M_SVC_THREADS,
	                                  SOAK_M_DISK,    SOAK_M_MEM_AVAIL, SOAK_M_DURATION};
	struct soak_report_scope *s = &r->all;
	struct soak_stats *d = &s->m[SOAK_M_DURATION];
	char v[4][96], t[96];
	size_t i, shown;
	int m, any;

	soak_buf_addf(b, "soak-report: %s: %s\n", soak_verdict_name(r->verdict), r->reason);
	/* where from */
	if (r->nsrc == 1) {
		struct soak_report_source *src = &r->src[0];

		soak_buf_addf(b, "  run         %s", src->dir);
		if (src->run_id)
			soak_buf_addf(b, ", run %s", src->run_id);
		if (src->state)
			soak_buf_addf(b, ", %s", src->state);
		if (src->legacy)
			soak_buf_adds(b, " (ITER_SUMMARY files)");
	} else {
		soak_buf_addf(b, "  run         %zu shards: %s", r->nsrc, r->src[0].dir);
		for (i = 1; i < r->nsrc && i < 3; i++)
			soak_buf_addf(b, ", %s", r->src[i].dir);
		if (r->nsrc > 3)
			soak_buf_adds(b, ", ...");
	}
	if (r->bad)
		soak_buf_addf(b, "; %llu malformed records skipped", (unsigned long long)r->bad);
	soak_buf_adds(b, "\n");
	soak_buf_addf(
	    b, "  iterations  %llu: %llu pass, %llu fail, %llu timeout, %llu error, %llu skipped\n",
	    (unsigned long long)s->n, (unsigned long long)s->count[SOAK_ST_PASS],
	    (unsigned long long)s->count[SOAK_ST_FAIL],
	    (unsigned long long)s->count[SOAK_ST_TIMEOUT],
	    (unsigned long long)s->count[SOAK_ST_ERROR],
	    (unsigned long long)s->count[SOAK_ST_SKIPPED]);
	rate_text(s, v[0], sizeof(v[0]));
	soak_buf_addf(b, "  pass rate   %s", v[0]);
	if (r->o.last_n && r->last.n && r->last.n < s->n) {
		rate_text(&r->last, v[0], sizeof(v[0]));
		soak_buf_addf(b, "; last %llu: %s", (unsigned long long)r->last.n, v[0]);
	}
	soak_buf_adds(b, "\n");
	if (d->n)
		soak_buf_addf(
		    b, "  duration    p50 %s  p95 %s  p99 %s  max %s%s\n",
		    soak_report_fmt(SOAK_K_MS, soak_stats_quantile(d, 0.50), v[0], sizeof(v[0])),
		    soak_report_fmt(SOAK_K_MS, soak_stats_quantile(d, 0.95), v[1], sizeof(v[1])),
		    soak_report_fmt(SOAK_K_MS, soak_stats_quantile(d, 0.99), v[2], sizeof(v[2])),
		    soak_report_fmt(SOAK_K_MS, d->max, v[3], sizeof(v[3])),
		    soak_stats_is_exact(d) ? "" : " (within 1%)");
	/* resource peaks */
	any = 0;
	for (i = 0; i < sizeof(res) / sizeof(res[0]); i++) {
		struct soak_stats *st = &s->m[res[i]];

		if (!st->n)
			continue;
		soak_buf_addf(
		    b, "%s%s %s", any ? ", " : "  peaks       ",
		    res[i] == SOAK_M_RSS ? "rss" : soak_report_metrics[res[i]].name,
		    soak_report_fmt(soak_report_metrics[res[i]].kind, st->max, v[0], sizeof(v[0])));
		any = 1;
	}
	if (any)
		soak_buf_adds(b, "\n");
	if (s->failures) {
		ref_text(r, &s->first_fail, v[0], sizeof(v[0]));
		ref_text(r, &s->last_fail, v[1], sizeof(v[1]));
		soak_buf_addf(b, "  failures    first %s, last %s, longest streak %llu", v[0], v[1],
		              (unsigned long long)s->longest_streak);
		if (s->ngaps)
			soak_buf_addf(b, ", every %.1f iterations on average",
			              (double)s->gaps_sum / (double)s->ngaps);
		soak_buf_adds(b, "\n");
		/* the top causes */
		for (shown = 0; shown < 3 && shown < r->nfg; shown++) {
			struct soak_report_fgroup *best = NULL;

			for (i = 0; i < r->nfg; i++) {
				struct soak_report_fgroup *g = &r->fg[i];
				size_t k, taken = 0;

				/* the shown-th largest: skip groups already printed (larger or
				 * equal and earlier) */
				for (k = 0; k < r->nfg; k++)
					if (&r->fg[k] != g &&
					    (r->fg[k].count > g->count ||
					     (r->fg[k].count == g->count && k < i)))
						taken++;
				if (taken == shown)
					best = g;
			}
			if (!best)
				break;
			ref_text(r, &best->first, v[0], sizeof(v[0]));
			soak_buf_addf(b, "  %-12s%llux %s (first %s)\n", shown ? "" : "causes",
			              (unsigned long long)best->count, best->cause, v[0]);
		}
		if (r->nfg > 3 || r->fg_other)
			soak_buf_addf(b, "              ... %zu more causes in FAILURES.md\n",
			              r->nfg > 3 ? r->nfg - 3 : 0);
	}
	/* significant trends, biggest concern first: resources, then duration */
	shown = 0;
	for (i = 0; i < sizeof(trend_order) / sizeof(trend_order[0]); i++) {
		struct soak_buf line;

		m = trend_order[i];
		if (!r->trend[m].per_shard || !r->trend[m].significant || r->trend[m].t.slope == 0)
			continue;
		if (shown == 4) {
			soak_buf_adds(b, "              ... more in POST_SOAK_AUDIT.md\n");
			break;
		}
		soak_buf_init(&line, 512);
		soak_report_trend_sentence(r, m, &line);
		soak_buf_addf(b, "  %-12s%s\n", shown ? "" : "trends", soak_buf_str(&line));
		soak_buf_free(&line);
		shown++;
	}
	if (!shown)
		soak_buf_adds(b, "  trends      no significant trend\n");
	/* gates, failed ones first */
	shown = 0;
	for (any = 0; any < 2; any++)
		for (i = 0; i < r->ngates; i++) {
			struct soak_report_gate *g = &r->gates[i];
			enum soak_report_kind k = soak_report_gate_kind(g);

			if ((g->outcome == SOAK_GATE_PASS) != any)
				continue;
			if (shown == 6) {
				shown++;
				continue;
			}
			if (shown < 6)
				soak_buf_addf(
				    b, "  %-12s%-6s %s: %s%s (threshold %s %s%s, %s)\n",
				    shown ? "" : "gates",
				    g->outcome == SOAK_GATE_PASS   ? "pass"
				    : g->outcome == SOAK_GATE_FAIL ? (g->hard ? "FAIL" : "WARN")
				                                   : "NODATA",
				    g->expr, soak_report_fmt(k, g->value, v[0], sizeof(v[0])),
				    g->agg == SOAK_AGG_SLOPE ? "/h" : "",
				    soak_report_op_name(g->op),
				    soak_report_fmt(k, g->threshold, t, sizeof(t)),
				    g->agg == SOAK_AGG_SLOPE ? "/h" : "",
				    g->hard ? "hard" : "soft");
			shown++;
		}
	if (shown > 6)
		soak_buf_addf(b, "              ... %zu more gates in POST_SOAK_AUDIT.md\n",
		              shown - 6);
	if (r->o.formats)
		return soak_buf_addf(b, "  reports     %s\n", r->out_dir);
	return 0;
}

int soak_report_message(struct soak_report *r, struct soak_buf *title, struct soak_buf *text,
                        const char **kind)
{
	struct soak_report_scope *s = &r->all;
	const char *run_id = r->nsrc == 1 ? r->src[0].run_id : NULL;
	char v[96], t[96];
	size_t i, shown = 0;
	int rc = 0;

	*kind = r->verdict == SOAK_VERDICT_PASS   ? "success"
	        : r->verdict == SOAK_VERDICT_WARN ? "warning"
	                                          : "failure";
	rc |= soak_buf_addf(title, "soak-report: %s", soak_verdict_name(r->verdict));
	if (run_id)
		rc |= soak_buf_addf(title, " (run %s)", run_id);
	rc |= soak_buf_addf(text, "%s: %s\n", soak_verdict_name(r->verdict), r->reason);
	if (r->nsrc == 1) {
		rc |= soak_buf_addf(text, "run %s, %s%s%s\n", run_id ? run_id : "(no run id)",
		                    r->src[0].dir, r->src[0].state ? ", " : "",
		                    r->src[0].state ? r->src[0].state : "");
	} else {
		rc |= soak_buf_addf(text, "%zu shards: %s", r->nsrc, r->src[0].dir);
		for (i = 1; i < r->nsrc && i < 3; i++)
			rc |= soak_buf_addf(text, ", %s", r->src[i].dir);
		rc |= soak_buf_adds(text, r->nsrc > 3 ? ", ...\n" : "\n");
	}
	rc |= soak_buf_addf(text,
	                    "iterations %llu: %llu pass, %llu fail, %llu timeout, %llu error, %llu "
	                    "skipped\n",
	                    (unsigned long long)s->n, (unsigned long long)s->count[SOAK_ST_PASS],
	                    (unsigned long long)s->count[SOAK_ST_FAIL],
	                    (unsigned long long)s->count[SOAK_ST_TIMEOUT],
	                    (unsigned long long)s->count[SOAK_ST_ERROR],
	                    (unsigned long long)s->count[SOAK_ST_SKIPPED]);
	rate_text(s, v, sizeof(v));
	rc |= soak_buf_addf(text, "pass rate %s\n", v);
	for (i = 0; i < r->ngates; i++) {
		struct soak_report_gate *g = &r->gates[i];
		enum soak_report_kind k = soak_report_gate_kind(g);

		if (g->outcome == SOAK_GATE_PASS)
			continue;
		if (!shown)
			rc |= soak_buf_adds(text, "failed gates:\n");
		if (++shown > 6)
			continue;
		if (g->outcome == SOAK_GATE_NODATA)
			rc |= soak_buf_addf(text, "- %s: no data (%s)\n", g->expr,
			                    g->hard ? "hard" : "soft");
		else
			rc |= soak_buf_addf(
			    text, "- %s: %s%s (threshold %s %s%s, %s)\n", g->expr,
			    soak_report_fmt(k, g->value, v, sizeof(v)),
			    g->agg == SOAK_AGG_SLOPE ? "/h" : "", soak_report_op_name(g->op),
			    soak_report_fmt(k, g->threshold, t, sizeof(t)),
			    g->agg == SOAK_AGG_SLOPE ? "/h" : "", g->hard ? "hard" : "soft");
	}
	if (shown > 6)
		rc |= soak_buf_addf(text, "- ... %zu more in POST_SOAK_AUDIT.md\n", shown - 6);
	if (r->o.formats)
		rc |= soak_buf_addf(text, "reports %s\n", r->out_dir);
	return rc;
}
