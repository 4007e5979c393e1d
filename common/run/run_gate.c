/*
 * Live gates: the statistics the gates of a run name (and only those), kept in
 * bounded memory (a sketch for @all, a ring of the last --gate-window
 * iterations for @last, a reduced series for trends), judged by gate.h's
 * evaluator after each iteration (service gates: at each sample), with the
 * delay and the sustain of docs/soak-run.md.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_int.h"
#include "exitcode.h"
#include "gate.h"
#include "tune.h"
#include "banned.h"

#define TREND_POINTS 256    /* a trend's reduced series: Theil-Sen over at most 256 points */
#define TREND_SETTLE 0.1    /* soak-report's default --settle */
#define KPI_NAMES 32        /* KPI names remembered for the hint of a gate on a missing one */
#define TREND_EVERY_MS 1000 /* a trend is computed again at most this often */

/* One series that some gate names. */
struct gseries {
	int metric; /* or -1 */
	const char *kpi, *step;
	enum soak_gate_step_field field;
	int seen;
	struct soak_stats all;
	double
	    *ring; /* the last `window` values, NAN where an iteration had none; NULL: no @last */
	struct soak_stats last; /* rebuilt from ring when judged */
	struct soak_series trend;
	int trended;
	/* the trend as last computed, and the reduced series it was computed over */
	struct soak_trend tc;
	int tc_ok;
	size_t tc_npts;
	uint64_t tc_width; /* 0: not computed yet */
	int64_t tc_ms;     /* when (monotonic) */
};

struct gstate {
	int fails;             /* failed evaluations in a row */
	long long streak_from; /* the iteration of the first of them */
	int fired;             /* reported for the current streak */
	long long first_fired; /* the iteration where it first counted, 0 never */
	double fired_value;
};

struct run_gates {
	struct soak_gate *g; /* a copy of the cfg's gates (strings borrowed), or borrowed */
	int borrowed;
	struct gstate *st;
	struct gseries *s;
	size_t n, ns;
	int *of; /* gate -> series index, -1 for scalars */
	struct soak_gate_counts all;
	uint64_t streak;
	unsigned char *status; /* ring of the last window statuses */
	uint64_t window, filled, pos;
	double disk0;
	char *kpis[KPI_NAMES];
	size_t nkpis;
	struct soak_gate_src src;
	const struct soak_tune_state *tune; /* the run's tuning, NULL without --tune */
};

enum { ST_PASS, ST_FAIL, ST_TIMEOUT, ST_ERROR, ST_SKIPPED };

static int status_of(const char *s)
{
	return !strcmp(s, "pass")      ? ST_PASS
	       : !strcmp(s, "fail")    ? ST_FAIL
	       : !strcmp(s, "timeout") ? ST_TIMEOUT
	       : !strcmp(s, "skipped") ? ST_SKIPPED
	                               : ST_ERROR;
}

static void tally(struct soak_gate_counts *c, uint64_t *streak, int st)
{
	c->n++;
	c->passed += st == ST_PASS;
	c->failed += st == ST_FAIL;
	c->timeouts += st == ST_TIMEOUT;
	c->errors += st == ST_ERROR;
	c->skipped += st == ST_SKIPPED;
	if (st == ST_FAIL || st == ST_TIMEOUT || st == ST_ERROR) {
		c->failures++;
		if (++*streak > c->longest_streak)
			c->longest_streak = *streak;
	} else if (st == ST_PASS) {
		*streak = 0;
	}
}

static void src_counts(void *ctx, int last, struct soak_gate_counts *c)
{
	struct run_gates *G = ctx;
	uint64_t i, streak = 0;

	if (!last) {
		*c = G->all;
		return;
	}
	memset(c, 0, sizeof(*c));
	for (i = 0; i < G->filled; i++)
		tally(c, &streak, G->status[(G->pos + G->window - G->filled + i) % G->window]);
}

/* tune.* counts as soak-report reads them from tuning.jsonl: steps by line decision */
static int src_tune(void *ctx, struct soak_gate_tune *t)
{
	const struct soak_tune_state *st = ((struct run_gates *)ctx)->tune;

	if (!st || !st->steps)
		return 0;
	t->steps = (uint64_t)st->steps;
	t->applied = (uint64_t)st->decisions[SOAK_TD_APPLIED];
	t->blocked = (uint64_t)st->decisions[SOAK_TD_BLOCKED];
	t->reverts = (uint64_t)st->decisions[SOAK_TD_REVERTED];
	t->checked = (uint64_t)st->apply_checked;
	t->matched = (uint64_t)st->apply_matched;
	t->freeze_ready = st->freeze_ready;
	return 1;
}

static struct soak_stats *src_series(void *ctx, const struct soak_gate *g)
{
	struct run_gates *G = ctx;
	struct gseries *s;
	uint64_t i;

	if (g < G->g || g >= G->g + G->n || G->of[g - G->g] < 0)
		return NULL;
	s = &G->s[G->of[g - G->g]];
	if (!s->seen)
		return NULL;
	if (!g->last)
		return &s->all;
	soak_stats_free(&s->last);
	for (i = 0; i < G->filled; i++) {
		double v = s->ring[(G->pos + G->window - G->filled + i) % G->window];
		if (!isnan(v))
			soak_stats_add(&s->last, v);
	}
	return &s->last;
}

static int src_trend(void *ctx, int m, struct soak_trend *t)
{
	struct run_gates *G = ctx;

	for (size_t i = 0; i < G->ns; i++) {
		struct gseries *s = &G->s[i];

		if (!s->trended || s->metric != m)
			continue;
		/* Theil-Sen and Mann-Kendall are quadratic in the points (half a millisecond
		 * over 256): compute them again only when the reduced series has gained a point
		 * (not while its open bucket fills), and at most every TREND_EVERY_MS */
		if (!s->tc_width ||
		    ((s->tc_npts != s->trend.npts || s->tc_width != s->trend.width) &&
		     soak_mono_ms() - s->tc_ms >= TREND_EVERY_MS)) {
			s->tc_ok = soak_series_trend(&s->trend, TREND_SETTLE, &s->tc) == 0;
			s->tc_npts = s->trend.npts;
			s->tc_width = s->trend.width;
			s->tc_ms = soak_mono_ms();
		}
		*t = s->tc;
		return s->tc_ok;
	}
	return 0;
}

static const char *src_kpi_name(void *ctx, size_t i)
{
	struct run_gates *G = ctx;

	return i < G->nkpis ? G->kpis[i] : NULL;
}

static int same_series(const struct gseries *s, const struct soak_gate *g)
{
	if (g->metric >= 0)
		return s->metric == g->metric;
	if (g->kpi)
		return s->kpi && !strcmp(s->kpi, g->kpi);
	return s->step && !strcmp(s->step, g->step) && s->field == g->step_field;
}

struct run_gates *run_gates_new(struct soak_gate *gates, size_t n, int borrow, uint64_t window,
                                struct soak_err *err)
{
	struct run_gates *G = calloc(1, sizeof(*G));
	size_t i, j;

	if (!G) {
		soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		return NULL;
	}
	G->window = window ? window : 1;
	G->disk0 = NAN;
	G->n = n;
	G->borrowed = borrow;
	G->g = borrow ? gates : calloc(n ? n : 1, sizeof(*G->g));
	G->st = calloc(n ? n : 1, sizeof(*G->st));
	G->s = calloc(n ? n : 1, sizeof(*G->s));
	G->of = calloc(n ? n : 1, sizeof(*G->of));
	G->status = calloc(G->window, 1);
	if ((!G->g && !borrow) || !G->st || !G->s || !G->of || !G->status)
		goto oom;
	for (i = 0; i < G->n; i++) {
		struct soak_gate *g = &G->g[i];
		struct gseries *s = NULL;

		if (!borrow)
			*g = gates[i];
		g->outcome = SOAK_GATE_NODATA;
		G->of[i] = -1;
		if (g->scalar)
			continue;
		for (j = 0; j < G->ns && !s; j++)
			if (same_series(&G->s[j], g))
				s = &G->s[j];
		if (!s) {
			s = &G->s[G->ns++];
			s->metric = g->metric;
			s->kpi = g->kpi;
			s->step = g->step;
			s->field = g->step_field;
			soak_stats_init(&s->all);
			soak_stats_init(&s->last);
		}
		G->of[i] = (int)(s - G->s);
		if (g->last && !s->ring && !(s->ring = malloc(G->window * sizeof(double))))
			goto oom;
		if ((g->agg == SOAK_AGG_SLOPE || g->agg == SOAK_AGG_TREND_P) && !s->trended) {
			if (soak_series_init(&s->trend, TREND_POINTS, 0, 0))
				goto oom;
			s->trended = 1;
		}
	}
	G->src.ctx = G;
	G->src.counts = src_counts;
	G->src.series = src_series;
	G->src.trend = src_trend;
	G->src.kpi_name = src_kpi_name;
	G->src.alpha = SOAK_GATE_ALPHA;
	G->src.tune = src_tune;
	return G;
oom:
	soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	run_gates_free(G);
	return NULL;
}

const struct soak_gate_src *run_gates_src(struct run_gates *G)
{
	return &G->src;
}

void run_gates_tune(struct run_gates *G, const struct soak_tune_state *st)
{
	G->tune = st;
}

void run_gates_free(struct run_gates *G)
{
	if (!G)
		return;
	for (size_t i = 0; i < G->ns; i++) {
		soak_stats_free(&G->s[i].all);
		soak_stats_free(&G->s[i].last);
		free(G->s[i].ring);
		if (G->s[i].trended)
			soak_series_free(&G->s[i].trend);
	}
	for (size_t i = 0; i < G->nkpis; i++)
		free(G->kpis[i]);
	if (!G->borrowed)
		free(G->g);
	free(G->st);
	free(G->s);
	free(G->of);
	free(G->status);
	free(G);
}

int run_gate_init(struct runner *r, struct soak_err *err)
{
	const struct soak_runner_cfg *c = r->cfg;

	if (!c->ngates)
		return 0;
	r->gates = run_gates_new(c->gates, c->ngates, 0, c->gate_window, err);
	return r->gates ? 0 : -1;
}

void run_gate_free(struct runner *r)
{
	run_gates_free(r->gates);
	r->gates = NULL;
}

static void add(struct gseries *s, double x, double v)
{
	s->seen = 1;
	soak_stats_add(&s->all, v);
	if (s->trended)
		soak_series_add(&s->trend,
		                x < s->trend.first_x && s->trend.seen ? s->trend.first_x : x, v);
}

/* A gate has failed --gate-sustain evaluations in a row: say so, and abort for a hard one. */
static void fire(struct runner *r, size_t i, long long iter)
{
	const struct soak_runner_cfg *c = r->cfg;
	struct run_gates *G = r->gates;
	struct soak_gate *g = &G->g[i];
	struct gstate *st = &G->st[i];
	enum soak_report_kind k = soak_gate_kind(g);
	const char *per = g->agg == SOAK_AGG_SLOPE ? "/h" : "";
	char v[64], t[64], window[64], msg[768];
	cJSON *o;

	if (g->last)
		snprintf(window, sizeof(window), "the last %llu iterations",
		         (unsigned long long)G->window);
	else
		snprintf(window, sizeof(window), "the whole run");
	snprintf(msg, sizeof(msg),
	         "gate '%s' failed %d evaluation%s in a row (first at iteration %lld): value "
	         "%s%s, threshold %s %s%s, over %s; %s",
	         g->expr, st->fails, st->fails == 1 ? "" : "s", st->streak_from,
	         soak_fmt((enum soak_unit)k, g->value, v, sizeof(v)), per, soak_gate_op_name(g->op),
	         soak_fmt((enum soak_unit)k, g->threshold, t, sizeof(t)), per, window,
	         g->hard ? "aborting the run" : "the run goes on");
	st->fired = 1;
	if (!st->first_fired) {
		st->first_fired = st->streak_from;
		st->fired_value = g->value;
	}
	o = run_event_new("gate", iter, msg);
	cJSON_AddStringToObject(o, "gate", g->expr);
	cJSON_AddStringToObject(o, "level", g->hard ? "abort" : "warn");
	cJSON_AddNumberToObject(o, "value", g->value);
	cJSON_AddStringToObject(o, "op", soak_gate_op_name(g->op));
	cJSON_AddNumberToObject(o, "threshold", g->threshold);
	if (g->last)
		cJSON_AddNumberToObject(o, "window", (double)G->window);
	else
		cJSON_AddStringToObject(o, "window", "all");
	cJSON_AddNumberToObject(o, "sustain", st->fails);
	cJSON_AddNumberToObject(o, "first_failed_iteration", (double)st->streak_from);
	if (!isnan(g->p))
		cJSON_AddNumberToObject(o, "p", g->p);
	run_append(r, &r->events, o);
	run_note(r, g->hard ? SOAK_NOTE_ERROR : SOAK_NOTE_WARNING, g->hard ? "gate" : "warn gate",
	         "%s", msg);
	if (g->hard && !r->gate_reason[0]) {
		snprintf(r->gate_reason, sizeof(r->gate_reason), "%s", msg);
		r->stop_reason = "gate";
		if (r->cur_iter > 0 && c->gate_kill_ms > 0)
			r->gate_kill_at = soak_mono_ms() + c->gate_kill_ms;
	}
}

/* Judge the gates judged on samples (samples 1) or after iterations (samples 0), at
 * iteration done (finished, or under way for samples): none up to --gate-delay's N. */
static void judge(struct runner *r, int samples, long long done)
{
	const struct soak_runner_cfg *c = r->cfg;
	struct run_gates *G = r->gates;
	long long iter = r->cur_iter > 0 ? r->cur_iter : r->iter;

	if (done <= c->gate_delay_iters ||
	    (c->gate_delay_ms > 0 && run_elapsed_s(r) * 1000 < (double)c->gate_delay_ms))
		return;
	for (size_t i = 0; i < G->n; i++) {
		struct soak_gate *g = &G->g[i];
		struct gstate *st = &G->st[i];

		if (soak_gate_on_samples(g) != samples)
			continue;
		soak_gate_eval(g, &G->src);
		if (g->outcome != SOAK_GATE_FAIL) {
			st->fails = 0;
			st->fired = 0;
			continue;
		}
		if (st->fails++ == 0)
			st->streak_from = iter;
		if (st->fails >= c->gate_sustain && !st->fired)
			fire(r, i, iter);
	}
}

static const cJSON *step_of(const cJSON *rec, const char *name)
{
	const cJSON *s;

	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(rec, "steps"))
	{
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(s, "name");
		if (cJSON_IsString(n) && !strcmp(n->valuestring, name))
			return s;
	}
	return NULL;
}

/* The value of series s in an iteration's record, NAN when it has none. */
static double value_of(struct run_gates *G, const struct gseries *s, const cJSON *rec)
{
	const cJSON *v = NULL, *step;

	if (s->metric >= 0) {
		v = cJSON_GetObjectItemCaseSensitive(rec, soak_report_metrics[s->metric].field);
		if (!cJSON_IsNumber(v))
			return NAN;
		if (s->metric == SOAK_M_DISK)
			return G->disk0 - v->valuedouble;
		return v->valuedouble;
	}
	if (s->kpi) {
		v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rec, "kpi"),
		                                     s->kpi);
		return cJSON_IsNumber(v) ? v->valuedouble : NAN;
	}
	if (!(step = step_of(rec, s->step)))
		return NAN;
	if (s->field == SOAK_STEP_STATUS) {
		v = cJSON_GetObjectItemCaseSensitive(step, "status");
		if (!cJSON_IsString(v) || !strcmp(v->valuestring, "skipped"))
			return NAN;
		return !strcmp(v->valuestring, "pass");
	}
	v = cJSON_GetObjectItemCaseSensitive(step, s->field == SOAK_STEP_ATTEMPTS ? "attempts"
	                                                                          : "duration_ms");
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void remember_kpis(struct run_gates *G, const cJSON *rec)
{
	const cJSON *k;

	cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(rec, "kpi"))
	{
		size_t i;

		for (i = 0; i < G->nkpis && strcmp(G->kpis[i], k->string); i++)
			;
		if (i == G->nkpis && G->nkpis < KPI_NAMES && (G->kpis[i] = strdup(k->string)))
			G->nkpis++;
	}
}

void run_gates_fold(struct run_gates *G, const cJSON *rec, double x)
{
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(rec, "status");
	const cJSON *disk = cJSON_GetObjectItemCaseSensitive(rec, "free_disk_bytes");

	if (isnan(G->disk0) && cJSON_IsNumber(disk))
		G->disk0 = disk->valuedouble;
	remember_kpis(G, rec);
	tally(&G->all, &G->streak, cJSON_IsString(st) ? status_of(st->valuestring) : ST_ERROR);
	G->status[G->pos] =
	    (unsigned char)(cJSON_IsString(st) ? status_of(st->valuestring) : ST_ERROR);
	for (size_t i = 0; i < G->ns; i++) {
		struct gseries *s = &G->s[i];
		double v;

		if (s->metric >= 0 && soak_report_metrics[s->metric].service)
			continue;
		v = value_of(G, s, rec);
		if (s->ring)
			s->ring[G->pos] = v;
		if (!isnan(v))
			add(s, x, v);
	}
	G->pos = (G->pos + 1) % G->window;
	if (G->filled < G->window)
		G->filled++;
}

void run_gate_iteration(struct runner *r, long long n, const cJSON *rec)
{
	if (!r->gates)
		return;
	run_gates_fold(r->gates, rec, run_elapsed_s(r) / 3600);
	judge(r, 0, n);
}

int run_gates_fold_sample(struct run_gates *G, const struct soak_res *res, double x)
{
	int any = 0;

	for (size_t i = 0; i < G->ns; i++) {
		struct gseries *s = &G->s[i];

		if (s->metric == SOAK_M_SVC_RSS)
			add(s, x, (double)res->rss_bytes);
		else if (s->metric == SOAK_M_SVC_FDS)
			add(s, x, (double)res->open_fds);
		else if (s->metric == SOAK_M_SVC_THREADS)
			add(s, x, (double)res->threads);
		else
			continue;
		any = 1;
	}
	return any;
}

void run_gate_sample(struct runner *r, const struct soak_res *res)
{
	if (r->tune)
		run_tune_sample(r, res);
	if (!r->gates)
		return;
	/* the iteration under way is past the delay once the iterations before it are: with no
	 * delay, service gates are judged from the first iteration on */
	if (run_gates_fold_sample(r->gates, res, run_elapsed_s(r) / 3600))
		judge(r, 1, r->iter + 1);
}

cJSON *run_gate_json(const struct runner *r)
{
	const struct run_gates *G = r->gates;
	cJSON *a;

	if (!G)
		return NULL;
	a = cJSON_CreateArray();
	for (size_t i = 0; i < G->n; i++) {
		const struct soak_gate *g = &G->g[i];
		const struct gstate *st = &G->st[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "gate", g->expr);
		cJSON_AddStringToObject(o, "level", g->hard ? "abort" : "warn");
		cJSON_AddStringToObject(o, "outcome",
		                        st->first_fired                ? "fail"
		                        : g->outcome == SOAK_GATE_FAIL ? "failing"
		                        : g->outcome == SOAK_GATE_PASS ? "pass"
		                                                       : "nodata");
		if (st->first_fired) {
			cJSON_AddNumberToObject(o, "first_failed_iteration",
			                        (double)st->first_fired);
			cJSON_AddNumberToObject(o, "value", st->fired_value);
		} else if (g->outcome != SOAK_GATE_NODATA && isfinite(g->value)) {
			cJSON_AddNumberToObject(o, "value", g->value);
		}
		cJSON_AddNumberToObject(o, "threshold", g->threshold);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}
