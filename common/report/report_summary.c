/* The end-of-run summary, the notification, GitHub Actions (report_summary.h). */
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
#include "report_summary.h"
#include "report_fmt.h"
#include "report_gate.h"
#include "report_out.h"
#include "report_tune.h"
#include "banned.h"

#define OUT_MAX ((size_t)256 * 1024 * 1024)

/* ", live: first failed at iteration 23, value 137ms" for a live gate, else "". */
static const char *live_note(const struct soak_report *r, const struct soak_gate *g, char *buf,
                             size_t n)
{
	char live[160];

	if (!g->live.have)
		return "";
	snprintf(buf, n, ", live: %s", soak_report_fmt_live(r, g, live, sizeof(live)));
	return buf;
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
		struct soak_gate *g = &r->gates[i];
		char msg[1024], live[192];

		if (g->outcome == SOAK_GATE_PASS)
			continue;
		if (g->outcome == SOAK_GATE_NODATA)
			snprintf(msg, sizeof(msg), "gate '%s' has no data%s", g->expr,
			         live_note(r, g, live, sizeof(live)));
		else
			snprintf(msg, sizeof(msg), "gate '%s' failed: value %s%s%s", g->expr,
			         soak_report_fmt(soak_gate_kind(g), g->value, v, sizeof(v)),
			         g->agg == SOAK_AGG_SLOPE ? "/h" : "",
			         live_note(r, g, live, sizeof(live)));
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
	char r3[3][32];

	snprintf(buf, n, "%s (95%% CI %s - %s)",
	         soak_report_fmt(SOAK_K_RATIO, (double)s->count[SOAK_ST_PASS] / (double)judged,
	                         r3[0], sizeof(r3[0])),
	         soak_report_fmt(SOAK_K_RATIO, lo, r3[1], sizeof(r3[1])),
	         soak_report_fmt(SOAK_K_RATIO, hi, r3[2], sizeof(r3[2])));
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

/* One line of the trends or host block: its label (or blanks) and the sentence. */
static void trend_line(struct soak_report *r, struct soak_buf *b, int m, const char *label)
{
	struct soak_buf line;

	soak_buf_init(&line, 512);
	soak_report_trend_sentence(r, m, &line);
	soak_buf_addf(b, "  %-12s%s\n", label, soak_buf_str(&line));
	soak_buf_free(&line);
}

int soak_report_summary(struct soak_report *r, struct soak_buf *b)
{
	static const int res[] = {SOAK_M_RSS, SOAK_M_FDS, SOAK_M_THREADS, SOAK_M_SVC_RSS,
	                          SOAK_M_SVC_FDS};
	static const int trend_order[] = {SOAK_M_RSS,     SOAK_M_SVC_RSS, SOAK_M_FDS,
	                                  SOAK_M_SVC_FDS, SOAK_M_THREADS, SOAK_M_SVC_THREADS,
	                                  SOAK_M_DURATION};
	struct soak_report_scope *s = &r->all;
	struct soak_stats *d = &s->m[SOAK_M_DURATION];
	char v[4][96], t[96], live[192];
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
			soak_buf_addf(b, ", every %s iterations on average",
			              soak_report_fmt(SOAK_K_COUNT,
			                              (double)s->gaps_sum / (double)s->ngaps, v[2],
			                              sizeof(v[2])));
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
		m = trend_order[i];
		if (!r->trend[m].per_shard || !r->trend[m].significant || r->trend[m].t.slope == 0)
			continue;
		if (shown == 4) {
			soak_buf_adds(b, "              ... more in POST_SOAK_AUDIT.md\n");
			break;
		}
		trend_line(r, b, m, shown++ ? "" : "trends");
	}
	if (!shown)
		soak_buf_adds(b, "  trends      no significant trend\n");
	/* the machine's series, apart: other jobs on the host move them too */
	shown = 0;
	for (m = 0; m < SOAK_M_N; m++) {
		if (!soak_report_metrics[m].host || !r->trend[m].per_shard ||
		    !r->trend[m].significant)
			continue;
		trend_line(r, b, m, shown++ ? "" : "host");
	}
	if (shown)
		soak_buf_adds(
		    b, "              (the whole machine: not judged unless a gate names it)\n");
	/* gates, failed ones first */
	shown = 0;
	for (any = 0; any < 2; any++)
		for (i = 0; i < r->ngates; i++) {
			struct soak_gate *g = &r->gates[i];
			enum soak_report_kind k = soak_gate_kind(g);

			if ((g->outcome == SOAK_GATE_PASS) != any)
				continue;
			if (shown == 6) {
				shown++;
				continue;
			}
			if (shown < 6)
				soak_buf_addf(
				    b, "  %-12s%-6s %s: %s%s (threshold %s %s%s, %s%s)\n",
				    shown ? "" : "gates",
				    g->outcome == SOAK_GATE_PASS   ? "pass"
				    : g->outcome == SOAK_GATE_FAIL ? (g->hard ? "FAIL" : "WARN")
				                                   : "NODATA",
				    g->expr, soak_report_fmt(k, g->value, v[0], sizeof(v[0])),
				    g->agg == SOAK_AGG_SLOPE ? "/h" : "", soak_gate_op_name(g->op),
				    soak_report_fmt(k, g->threshold, t, sizeof(t)),
				    g->agg == SOAK_AGG_SLOPE ? "/h" : "", g->hard ? "hard" : "soft",
				    live_note(r, g, live, sizeof(live)));
			shown++;
		}
	if (shown > 6)
		soak_buf_addf(b, "              ... %zu more gates in POST_SOAK_AUDIT.md\n",
		              shown - 6);
	soak_report_tune_summary(r, b);
	if (r->o.formats)
		return soak_buf_addf(b, "  reports     %s\n", r->out_dir);
	return 0;
}

int soak_report_message(struct soak_report *r, struct soak_buf *title, struct soak_buf *text,
                        const char **kind)
{
	struct soak_report_scope *s = &r->all;
	const char *run_id = r->nsrc == 1 ? r->src[0].run_id : NULL;
	char v[96], t[96], live[192];
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
		struct soak_gate *g = &r->gates[i];
		enum soak_report_kind k = soak_gate_kind(g);

		if (g->outcome == SOAK_GATE_PASS)
			continue;
		if (!shown)
			rc |= soak_buf_adds(text, "failed gates:\n");
		if (++shown > 6)
			continue;
		if (g->outcome == SOAK_GATE_NODATA)
			rc |= soak_buf_addf(text, "- %s: no data (%s%s)\n", g->expr,
			                    g->hard ? "hard" : "soft",
			                    live_note(r, g, live, sizeof(live)));
		else
			rc |= soak_buf_addf(
			    text, "- %s: %s%s (threshold %s %s%s, %s%s)\n", g->expr,
			    soak_report_fmt(k, g->value, v, sizeof(v)),
			    g->agg == SOAK_AGG_SLOPE ? "/h" : "", soak_gate_op_name(g->op),
			    soak_report_fmt(k, g->threshold, t, sizeof(t)),
			    g->agg == SOAK_AGG_SLOPE ? "/h" : "", g->hard ? "hard" : "soft",
			    live_note(r, g, live, sizeof(live)));
	}
	if (shown > 6)
		rc |= soak_buf_addf(text, "- ... %zu more in POST_SOAK_AUDIT.md\n", shown - 6);
	if (r->o.formats)
		rc |= soak_buf_addf(text, "reports %s\n", r->out_dir);
	return rc;
}
