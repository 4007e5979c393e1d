#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "exitcode.h"
#include "file.h"
#include "json.h"
#include "jsonl.h"
#include "os.h"
#include "parse.h"
#include "report.h"
#include "report_scan.h"
#include "sig.h"
#include "banned.h"

#define MAX_LAST_N 100000

int soak_report_formats(const char *list, unsigned *out, struct soak_err *err)
{
	static const struct {
		const char *name;
		unsigned bit;
	} f[] = {
	    {"json", SOAK_REPORT_F_JSON},     {"md", SOAK_REPORT_F_MD},
	    {"markdown", SOAK_REPORT_F_MD},   {"recommendations", SOAK_REPORT_F_RECO},
	    {"failures", SOAK_REPORT_F_FAIL}, {"html", SOAK_REPORT_F_HTML},
	    {"junit", SOAK_REPORT_F_JUNIT},   {"prom", SOAK_REPORT_F_PROM},
	    {"all", SOAK_REPORT_F_ALL},       {"none", 0},
	};
	const char *p = list;

	*out = 0;
	while (*p) {
		size_t n = strcspn(p, ","), i;

		for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
			if (strlen(f[i].name) == n && !strncmp(f[i].name, p, n))
				break;
		if (i == sizeof(f) / sizeof(f[0]))
			return soak_err_set(
			    err, SOAK_EXIT_USAGE,
			    "bad --format '%s': unknown format '%.*s' (allowed: json, md, "
			    "recommendations, failures, html, junit, prom, all, none)",
			    list, (int)n, p);
		*out |= f[i].bit;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

static void scope_init(struct soak_report_scope *sc)
{
	int i;

	memset(sc, 0, sizeof(*sc));
	for (i = 0; i < SOAK_M_N; i++)
		soak_stats_init(&sc->m[i]);
	sc->cur_shard = (unsigned)-1;
}

static void scope_free(struct soak_report_scope *sc)
{
	size_t i;

	for (i = 0; i < SOAK_M_N; i++)
		soak_stats_free(&sc->m[i]);
	for (i = 0; i < sc->nkpi; i++) {
		free(sc->kpi[i].name);
		soak_stats_free(&sc->kpi[i].st);
		soak_series_free(&sc->kpi[i].chart);
	}
	free(sc->kpi);
	free(sc->first_fail.log);
	free(sc->last_fail.log);
	memset(sc, 0, sizeof(*sc));
}

int soak_report_init(struct soak_report *r, const struct soak_report_opts *o, struct soak_err *err)
{
	size_t i, per;
	int m;

	memset(r, 0, sizeof(*r));
	r->o = *o;
	if (r->o.last_n > MAX_LAST_N)
		return soak_err_set(err, SOAK_EXIT_USAGE, "bad --last-n '%llu': at most %d",
		                    (unsigned long long)r->o.last_n, MAX_LAST_N);
	scope_init(&r->all);
	scope_init(&r->last);
	soak_rec_ctx_init(&r->scan, o->full_parse);
	r->src = calloc(o->ndirs ? o->ndirs : 1, sizeof(*r->src));
	if (!r->src)
		goto oom;
	r->nsrc = o->ndirs;
	/* keep the pairwise work of the trend bounded however many shards */
	per = SOAK_SERIES_MAX / (r->nsrc ? r->nsrc : 1);
	if (per < 64)
		per = 64;
	for (m = 0; m < SOAK_M_N; m++) {
		if (soak_series_init(&r->chart[m], SOAK_REPORT_CHART_POINTS, 0, 0))
			goto oom;
		if (!soak_report_metrics[m].trend)
			continue;
		r->trend[m].per_shard = calloc(r->nsrc ? r->nsrc : 1, sizeof(struct soak_series));
		if (!r->trend[m].per_shard)
			goto oom;
		for (i = 0; i < r->nsrc; i++)
			if (soak_series_init(&r->trend[m].per_shard[i], per, o->settle_points, 0))
				goto oom;
	}
	if (soak_series_init(&r->chart_fail, SOAK_REPORT_CHART_POINTS, 0, 0))
		goto oom;
	for (i = 0; i < r->nsrc; i++) {
		struct soak_report_source *s = &r->src[i];

		s->dir = strdup(o->dirs[i]);
		if (!s->dir)
			goto oom;
		s->timeout_ms = s->heartbeat_ms = -1;
		s->t0_ms = -1;
		s->iso_minute_ms = -1;
		s->disk0 = NAN;
		if (o->last_n) {
			s->ring = calloc(o->last_n, sizeof(*s->ring));
			if (!s->ring)
				goto oom;
		}
	}
	r->out_dir = o->out_dir ? strdup(o->out_dir) : soak_path_join(o->dirs[0], "reports");
	if (!r->out_dir)
		goto oom;
	return 0;
oom:
	return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
}

void soak_report_free(struct soak_report *r)
{
	size_t i, j;
	int m;

	scope_free(&r->all);
	scope_free(&r->last);
	for (m = 0; m < SOAK_M_N; m++) {
		soak_series_free(&r->chart[m]);
		if (r->trend[m].per_shard)
			for (i = 0; i < r->nsrc; i++)
				soak_series_free(&r->trend[m].per_shard[i]);
		free(r->trend[m].per_shard);
	}
	soak_series_free(&r->chart_fail);
	for (i = 0; i < r->nsrc; i++) {
		struct soak_report_source *s = &r->src[i];

		free(s->dir);
		free(s->run_id);
		free(s->state);
		if (s->ring)
			for (j = 0; j < r->o.last_n; j++)
				free(s->ring[j].s);
		free(s->ring);
		if (s->tune)
			soak_tunelog_free(s->tune);
		free(s->tune);
	}
	free(r->src);
	for (i = 0; i < r->nsteps; i++) {
		free(r->steps[i].name);
		soak_stats_free(&r->steps[i].duration);
		soak_stats_free(&r->steps[i].attempts);
		soak_stats_free(&r->steps[i].status);
	}
	free(r->steps);
	for (i = 0; i < r->nfg; i++) {
		free(r->fg[i].cause);
		free(r->fg[i].first.log);
		free(r->fg[i].last.log);
	}
	free(r->fg);
	for (i = 0; i < r->ngates; i++)
		soak_gate_free(&r->gates[i]);
	free(r->gates);
	free(r->out_dir);
	soak_rec_ctx_free(&r->scan);
	soak_report_junit_free(r);
	memset(r, 0, sizeof(*r));
}

int soak_report_add_gate(struct soak_report *r, const char *expr, int hard, struct soak_err *err)
{
	return soak_gate_list_add(&r->gates, &r->ngates, expr, hard, err);
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
