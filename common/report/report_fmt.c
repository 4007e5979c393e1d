/* Text for people shared by the writers (report_fmt.h). */
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
#include "fmt.h"
#include "parse.h"
#include "report_fmt.h"
#include "report_gate.h"
#include "banned.h"

char *soak_report_fmt(enum soak_report_kind kind, double v, char *buf, size_t n)
{
	return soak_fmt((enum soak_unit)kind, v, buf, n);
}

char *soak_report_fmt_gate(const struct soak_gate *g, double v, char *buf, size_t n)
{
	enum soak_unit u = (enum soak_unit)soak_gate_kind(g);

	return g->agg == SOAK_AGG_SLOPE ? soak_fmt_per_hour(u, v, buf, n) : soak_fmt(u, v, buf, n);
}

char *soak_report_fmt_live(const struct soak_report *r, const struct soak_gate *g, char *buf,
                           size_t n)
{
	char v[64], at[48] = "";
	int len;

	if (!g->live.fired) {
		snprintf(buf, n, "%s", g->live.judged ? "passed" : "never judged (no data)");
		return buf;
	}
	if (g->live.first_failed)
		snprintf(at, sizeof(at), " at iteration %llu",
		         (unsigned long long)g->live.first_failed);
	len = snprintf(buf, n, "first failed%s, value %s", at,
	               soak_report_fmt_gate(g, g->live.value, v, sizeof(v)));
	if (r->nsrc > 1 && len >= 0 && (size_t)len < n)
		snprintf(buf + len, n - (size_t)len, " in '%s'", r->src[g->live.shard].dir);
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
	if (!t->significant)
		return soak_buf_addf(out, "%s: no significant trend (slope %s%s/h, %s)", mi->name,
		                     t->t.slope < 0 ? "-" : "", v, p);
	/* most values equal and a few steps in one direction: significant, median slope 0 */
	if (t->t.slope == 0)
		return soak_buf_addf(out, "%s %s in steps (median slope 0/h, %s)", mi->name,
		                     t->t.s > 0 ? "rises" : "falls", p);
	return soak_buf_addf(out, "%s %s %s/h (%s)", mi->name, t->t.slope > 0 ? "grows" : "falls",
	                     v, p);
}

void soak_report_prom_label(struct soak_buf *b, const char *s)
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
