#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_html.h"
#include "report_fmt.h"
#include "report_gate.h"
#include "report_tune.h"
#include "banned.h"

#define W 720
#define H 160
#define PADL 70
#define PADB 20

static void esc(struct soak_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			soak_buf_adds(b, "&lt;");
			break;
		case '>':
			soak_buf_adds(b, "&gt;");
			break;
		case '&':
			soak_buf_adds(b, "&amp;");
			break;
		case '"':
			soak_buf_adds(b, "&quot;");
			break;
		default:
			soak_buf_add(b, s, 1);
		}
	}
}

/* A line chart of a series as inline SVG. */
static void chart(struct soak_buf *b, const char *id, const char *title, enum soak_report_kind kind,
                  const struct soak_series *s, const char *xlabel)
{
	double *x, *y, xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
	size_t n = soak_report_chart_points(s, &x, &y), i;
	char lo[64], hi[64];

	if (!n) {
		free(x);
		free(y);
		return;
	}
	for (i = 0; i < n; i++) {
		xlo = fmin(xlo, x[i]);
		xhi = fmax(xhi, x[i]);
		ylo = fmin(ylo, y[i]);
		yhi = fmax(yhi, y[i]);
	}
	if (xhi == xlo)
		xhi = xlo + 1;
	if (yhi == ylo)
		yhi = ylo + 1;
	soak_buf_adds(b, "<figure><figcaption>");
	esc(b, title);
	soak_buf_addf(
	    b,
	    "</figcaption>\n<svg class=\"chart\" id=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\"><title>",
	    id, W, H + PADB, W, H + PADB);
	esc(b, title);
	soak_buf_addf(b,
	              "</title>\n<line x1=\"%d\" y1=\"0\" x2=\"%d\" y2=\"%d\" class=\"axis\"/>"
	              "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"axis\"/>\n",
	              PADL, PADL, H, PADL, H, W, H);
	soak_buf_addf(b, "<text x=\"%d\" y=\"12\" class=\"lbl\" text-anchor=\"end\">", PADL - 4);
	esc(b, soak_report_fmt(kind, yhi, hi, sizeof(hi)));
	soak_buf_addf(b, "</text><text x=\"%d\" y=\"%d\" class=\"lbl\" text-anchor=\"end\">",
	              PADL - 4, H);
	esc(b, soak_report_fmt(kind, ylo, lo, sizeof(lo)));
	soak_buf_addf(b, "</text><text x=\"%d\" y=\"%d\" class=\"lbl\" text-anchor=\"end\">", W,
	              H + PADB - 4);
	esc(b, xlabel);
	soak_buf_adds(b, "</text>\n<polyline class=\"line\" points=\"");
	for (i = 0; i < n; i++)
		soak_buf_addf(b, "%s%.1f,%.1f", i ? " " : "",
		              PADL + (x[i] - xlo) / (xhi - xlo) * (W - PADL - 2),
		              H - 2 - (y[i] - ylo) / (yhi - ylo) * (H - 8));
	soak_buf_adds(b, "\"/>\n</svg></figure>\n");
	free(x);
	free(y);
}

/* The pass/fail timeline: one bar per chart bucket, red in proportion to its failures. */
static void timeline(struct soak_buf *b, const struct soak_series *s)
{
	double *x, *y, w;
	size_t n = soak_report_chart_points(s, &x, &y), i;

	if (!n) {
		free(x);
		free(y);
		return;
	}
	w = (double)(W - PADL) / (double)n;
	soak_buf_addf(
	    b,
	    "<figure><figcaption>Pass/fail timeline</figcaption>\n<svg class=\"chart\" "
	    "id=\"timeline\" "
	    "xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d 40\" width=\"%d\" height=\"40\" "
	    "role=\"img\"><title>Pass/fail timeline</title>\n",
	    W, W);
	for (i = 0; i < n; i++) {
		int red = (int)lround(y[i] * 200), green = (int)lround((1 - y[i]) * 160);

		soak_buf_addf(
		    b,
		    "<rect x=\"%.2f\" y=\"4\" width=\"%.2f\" height=\"32\" fill=\"rgb(%d,%d,60)\">"
		    "<title>iterations around %.0f: %.0f%% failed</title></rect>\n",
		    PADL + (double)i * w, w, 40 + red, 60 + green, x[i], y[i] * 100);
	}
	soak_buf_adds(b, "</svg></figure>\n");
	free(x);
	free(y);
}

/* <li> trend sentences of the command's series (host 0) or the machine's (host 1). */
static void trend_items(struct soak_report *r, struct soak_buf *b, int host)
{
	struct soak_buf s;
	int i;

	for (i = 0; i < SOAK_M_N; i++) {
		if (!r->trend[i].per_shard || !r->trend[i].t.raw ||
		    soak_report_metrics[i].host != host)
			continue;
		soak_buf_init(&s, 512);
		soak_report_trend_sentence(r, i, &s);
		soak_buf_adds(b, "<li>");
		esc(b, soak_buf_str(&s));
		soak_buf_adds(b, "</li>\n");
		soak_buf_free(&s);
	}
}

/* A table of counts by name, with an id. */
static void count_table(struct soak_buf *b, const char *id, const char *what, const char *unit,
                        const char *const *names, const uint64_t *v, size_t n)
{
	char c[32];
	size_t i;

	soak_buf_addf(b, "<table id=\"%s\"><tr><th>%s</th><th>%s</th></tr>\n", id, what, unit);
	for (i = 0; i < n; i++) {
		soak_buf_adds(b, "<tr><td>");
		esc(b, names[i]);
		soak_buf_addf(b, "</td><td>%s</td></tr>\n",
		              soak_report_fmt(SOAK_K_COUNT, (double)v[i], c, sizeof(c)));
	}
	soak_buf_adds(b, "</table>\n");
}

/* What soak-run --tune did, per tuned shard: counts, parameters with sparklines, charts. */
static void tuning(struct soak_report *r, struct soak_buf *b)
{
	char id[48], v[7][64];
	size_t i, k;

	if (!soak_report_tuned(r))
		return;
	soak_buf_adds(b, "<h2>Tuning</h2>\n");
	for (i = 0; i < r->nsrc; i++) {
		const struct soak_tunelog *t = r->src[i].tune;
		struct soak_buf s;

		if (!t)
			continue;
		soak_buf_addf(b, "<p id=\"tune-%zu\">", i);
		if (r->nsrc > 1) {
			soak_buf_adds(b, "<code>");
			esc(b, r->src[i].dir);
			soak_buf_adds(b, "</code>: ");
		}
		soak_buf_init(&s, 4096);
		soak_tunelog_sentence(t, &s);
		esc(b, soak_buf_str(&s));
		soak_buf_free(&s);
		soak_buf_adds(b, "</p>\n");
		snprintf(id, sizeof(id), "tune-decisions-%zu", i);
		count_table(b, id, "decision", "steps", soak_tunelog_decision_names, t->decisions,
		            SOAK_TL_N);
		snprintf(id, sizeof(id), "tune-guards-%zu", i);
		count_table(b, id, "guard", "changes", (const char *const *)t->guard_name,
		            t->guards, t->nguards);
		soak_buf_addf(
		    b,
		    "<table id=\"tune-params-%zu\"><tr><th>parameter</th><th>initial</th>"
		    "<th>final</th><th>min</th><th>max</th><th>changes</th><th>before the "
		    "last applied change</th><th>mismatched</th><th>path</th></tr>\n",
		    i);
		for (k = 0; k < t->nparam; k++) {
			const struct soak_tunelog_param *p = &t->param[k];

			soak_buf_adds(b, "<tr><td>");
			esc(b, p->name);
			soak_buf_addf(
			    b,
			    "%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</"
			    "td>"
			    "<td>%s</td><td class=\"spark\">",
			    p->frozen ? " (frozen)" : "",
			    soak_fmt_setting(p->initial, v[0], sizeof(v[0])),
			    soak_fmt_setting(p->final, v[1], sizeof(v[1])),
			    soak_fmt_setting(p->min, v[2], sizeof(v[2])),
			    soak_fmt_setting(p->max, v[3], sizeof(v[3])),
			    soak_report_fmt(SOAK_K_COUNT, (double)p->changes, v[4], sizeof(v[4])),
			    soak_tunelog_before(p, v[5], sizeof(v[5])),
			    soak_report_fmt(SOAK_K_COUNT, (double)p->mismatched, v[6],
			                    sizeof(v[6])));
			soak_report_sparkline(&p->path, 40, b);
			soak_buf_adds(b, "</td></tr>\n");
		}
		soak_buf_adds(b, "</table>\n");
		for (k = 0; k < t->nparam; k++) {
			char title[160];

			snprintf(id, sizeof(id), "chart-tune-%zu-%zu", i, k);
			snprintf(title, sizeof(title), "tuned %s", t->param[k].name);
			chart(b, id, title, SOAK_K_COUNT, &t->param[k].path, "iteration");
		}
	}
}

int soak_report_html(struct soak_report *r, struct soak_buf *b)
{
	struct soak_report_scope *sc = &r->all;
	uint64_t judged = sc->n - sc->count[SOAK_ST_SKIPPED];
	static const char *const status_names[SOAK_ST_N] = {"pass", "fail", "timeout", "error",
	                                                    "skipped"};
	char v[64], t[64], id[32], live[160];
	double lo, hi;
	size_t i;

	soak_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
	                 "charset=\"utf-8\">\n<title>Soak report: ");
	soak_buf_adds(b, soak_verdict_name(r->verdict));
	soak_buf_adds(b, "</"
	                 "title>\n<style>\nbody{font-family:system-ui,sans-serif;margin:2em;max-"
	                 "width:60em;color:#222}\n"
	                 "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid "
	                 "#ccc;padding:.25em .6em;"
	                 "text-align:right}th:first-child,td:first-child{text-align:left}\n"
	                 ".PASS{color:#1a7f37}.WARN{color:#9a6700}.FAIL{color:#cf222e}\n"
	                 ".chart .axis{stroke:#888;stroke-width:1}.chart "
	                 ".line{fill:none;stroke:#0969da;stroke-width:1.5}"
	                 ".chart .lbl{font-size:11px;fill:#555}\nfigure{margin:1em "
	                 "0}figcaption{font-weight:600}\n"
	                 "</style></head><body>\n");
	soak_buf_addf(b, "<h1>Soak report: <span class=\"%s\" id=\"verdict\">%s</span></h1>\n<p>",
	              soak_verdict_name(r->verdict), soak_verdict_name(r->verdict));
	esc(b, r->reason);
	soak_buf_adds(b,
	              "</p>\n<table id=\"summary\"><tr><th>status</th><th>iterations</th></tr>\n");
	for (i = 0; i < SOAK_ST_N; i++)
		soak_buf_addf(b, "<tr><td>%s</td><td>%llu</td></tr>\n", status_names[i],
		              (unsigned long long)sc->count[i]);
	soak_wilson(sc->count[SOAK_ST_PASS], judged, SOAK_STATS_Z95, &lo, &hi);
	soak_buf_addf(
	    b, "<tr><td>pass rate (95%% CI)</td><td>%s (%s – %s)</td></tr></table>\n",
	    soak_report_fmt(SOAK_K_RATIO,
	                    judged ? (double)sc->count[SOAK_ST_PASS] / (double)judged : NAN, v,
	                    sizeof(v)),
	    soak_report_fmt(SOAK_K_RATIO, lo, t, sizeof(t)),
	    soak_report_fmt(SOAK_K_RATIO, hi, id, sizeof(id)));
	if (r->ngates) {
		soak_buf_adds(b, "<h2>Gates</h2>\n<table "
		                 "id=\"gates\"><tr><th>gate</th><th>kind</th><th>value</th>"
		                 "<th>threshold</th><th>outcome</th></tr>\n");
		for (i = 0; i < r->ngates; i++) {
			struct soak_gate *g = &r->gates[i];

			soak_buf_adds(b, "<tr><td><code>");
			esc(b, g->expr);
			soak_report_fmt_gate(g, g->value, v, sizeof(v));
			soak_report_fmt_gate(g, g->threshold, t, sizeof(t));
			soak_buf_addf(b, "</code></td><td>%s%s</td><td>%s</td><td>",
			              g->hard ? "hard" : "soft", g->live.have ? ", live" : "", v);
			esc(b, soak_gate_op_name(g->op));
			soak_buf_addf(b, " %s</td><td>%s", t,
			              g->outcome == SOAK_GATE_PASS   ? "pass"
			              : g->outcome == SOAK_GATE_FAIL ? "fail"
			                                             : "no data");
			if (g->live.have) {
				soak_buf_adds(b, " (live: ");
				esc(b, soak_report_fmt_live(r, g, live, sizeof(live)));
				soak_buf_adds(b, ")");
			}
			soak_buf_adds(b, "</td></tr>\n");
		}
		soak_buf_adds(b, "</table>\n");
	}
	tuning(r, b);
	soak_buf_adds(b, "<h2>Trends</h2>\n<ul id=\"trends\">\n");
	trend_items(r, b, 0);
	soak_buf_adds(b, "</ul>\n");
	for (i = 0; i < SOAK_M_N; i++)
		if (soak_report_metrics[i].host && r->trend[i].per_shard && r->trend[i].t.raw)
			break;
	if (i < SOAK_M_N) {
		soak_buf_adds(b, "<h2>Host</h2>\n<p>");
		esc(b, SOAK_REPORT_HOST_NOTE);
		soak_buf_adds(b, "</p>\n<ul id=\"host\">\n");
		trend_items(r, b, 1);
		soak_buf_adds(b, "</ul>\n");
	}
	soak_buf_adds(b, "<h2>Charts</h2>\n");
	timeline(b, &r->chart_fail);
	for (i = 0; i < SOAK_M_N; i++) {
		if (!sc->m[i].n || !(i == SOAK_M_DURATION || i == SOAK_M_RSS || i == SOAK_M_FDS ||
		                     i == SOAK_M_THREADS || soak_report_metrics[i].service))
			continue;
		snprintf(id, sizeof(id), "chart-%s", soak_report_metrics[i].name);
		chart(b, id, soak_report_metrics[i].name, soak_report_metrics[i].kind, &r->chart[i],
		      soak_report_metrics[i].service ? "hours" : "iteration");
	}
	for (i = 0; i < sc->nkpi; i++) {
		char title[160];

		snprintf(id, sizeof(id), "chart-kpi-%zu", i);
		snprintf(title, sizeof(title), "kpi %s", sc->kpi[i].name);
		chart(b, id, title, SOAK_K_COUNT, &sc->kpi[i].chart, "iteration");
	}
	soak_buf_adds(b, "<p>Sources:</p>\n<ul>\n");
	for (i = 0; i < r->nsrc; i++) {
		soak_buf_adds(b, "<li><code>");
		esc(b, r->src[i].dir);
		soak_buf_addf(b, "</code>: %llu iterations</li>\n",
		              (unsigned long long)r->src[i].records);
	}
	soak_buf_adds(b, "</ul>\n</body></html>\n");
	return b->data ? 0 : -1;
}
