/*
 * The verdict of soak-report: its gates (gate.h) judged over the loaded
 * statistics, and the exit code it maps to.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "exitcode.h"
#include "report_gate.h"
#include "report_fmt.h"
#include "banned.h"

static struct soak_report_scope *scope_of(struct soak_report *r, int last)
{
	return last ? &r->last : &r->all;
}

static void src_counts(void *ctx, int last, struct soak_gate_counts *c)
{
	const struct soak_report_scope *sc = scope_of(ctx, last);

	c->n = sc->n;
	c->passed = sc->count[SOAK_ST_PASS];
	c->failed = sc->count[SOAK_ST_FAIL];
	c->timeouts = sc->count[SOAK_ST_TIMEOUT];
	c->errors = sc->count[SOAK_ST_ERROR];
	c->skipped = sc->count[SOAK_ST_SKIPPED];
	c->failures = sc->failures;
	c->longest_streak = sc->longest_streak;
}

static struct soak_stats *src_series(void *ctx, const struct soak_gate *g)
{
	struct soak_report *r = ctx;
	struct soak_report_scope *sc = scope_of(r, g->last);
	size_t i;

	if (g->metric >= 0)
		return &sc->m[g->metric];
	if (g->kpi) {
		for (i = 0; i < sc->nkpi; i++)
			if (!strcmp(sc->kpi[i].name, g->kpi))
				return &sc->kpi[i].st;
		return NULL;
	}
	for (i = 0; g->step && i < r->nsteps; i++)
		if (!strcmp(r->steps[i].name, g->step))
			return g->step_field == SOAK_STEP_DURATION   ? &r->steps[i].duration
			       : g->step_field == SOAK_STEP_ATTEMPTS ? &r->steps[i].attempts
			                                             : &r->steps[i].status;
	return NULL;
}

static int src_trend(void *ctx, int m, struct soak_trend *t)
{
	const struct soak_report *r = ctx;

	if (!r->trend[m].have)
		return 0;
	*t = r->trend[m].t;
	return 1;
}

static const char *src_kpi_name(void *ctx, size_t i)
{
	const struct soak_report *r = ctx;

	return i < r->all.nkpi ? r->all.kpi[i].name : NULL;
}

static int src_tune(void *ctx, struct soak_gate_tune *t)
{
	return soak_report_tune_sum(ctx, t) > 0;
}

void soak_report_gate_src(struct soak_report *r, struct soak_gate_src *src)
{
	src->ctx = r;
	src->counts = src_counts;
	src->series = src_series;
	src->trend = src_trend;
	src->kpi_name = src_kpi_name;
	src->alpha = r->o.alpha;
	src->tune = src_tune;
}

/* Without gates: failing iterations and the command's growing resources warn, and
 * the reason names each of them (host series never: they are the machine's). */
static void no_gates_verdict(struct soak_report *r)
{
	struct soak_buf why;
	char v[64];
	int m;

	soak_buf_init(&why, sizeof(r->reason));
	if (r->all.failures)
		soak_buf_addf(&why, "%llu of %llu iterations failed",
		              (unsigned long long)r->all.failures, (unsigned long long)r->all.n);
	for (m = 0; m < SOAK_M_N; m++)
		if (soak_report_leak_suspect(r, m))
			soak_buf_addf(&why, "%s%s grows %s/h", why.len ? ", " : "",
			              soak_report_metrics[m].name,
			              soak_report_fmt(soak_report_metrics[m].kind,
			                              r->trend[m].t.slope, v, sizeof(v)));
	if (why.len) {
		r->verdict = SOAK_VERDICT_WARN;
		snprintf(r->reason, sizeof(r->reason), "%s (no gates given)", soak_buf_str(&why));
	} else {
		r->verdict = SOAK_VERDICT_PASS;
		snprintf(r->reason, sizeof(r->reason), "all %llu iterations passed",
		         (unsigned long long)r->all.count[SOAK_ST_PASS]);
	}
	soak_buf_free(&why);
}

/* Equal but for blanks: "rss:max < 1GB" is "rss:max<1GB". */
static int same_expr(const char *a, const char *b)
{
	for (;; a++, b++) {
		while (*a == ' ' || *a == '\t')
			a++;
		while (*b == ' ' || *b == '\t')
			b++;
		if (*a != *b)
			return 0;
		if (!*a)
			return 1;
	}
}

int soak_report_live_gate(struct soak_report *r, unsigned shard, const char *expr, int hard,
                          const char *outcome, double first_failed, double value,
                          struct soak_err *err)
{
	int fired = !strcmp(outcome, "fail");
	int judged = fired || !strcmp(outcome, "failing") || !strcmp(outcome, "pass");
	struct soak_gate *g = NULL;
	size_t i;

	if (!judged && strcmp(outcome, "nodata"))
		return soak_err_set(
		    err, SOAK_EXIT_INPUT,
		    "'%s': summary.json: gate '%s' has outcome '%s' (allowed: pass, "
		    "failing, fail, nodata)",
		    r->src[shard].dir, expr, outcome);
	for (i = 0; i < r->ngates && !g; i++)
		if (same_expr(r->gates[i].expr, expr))
			g = &r->gates[i];
	if (!g) {
		if (soak_gate_list_add(&r->gates, &r->ngates, expr, hard, err)) {
			soak_err_prefix(err, "'%s': summary.json", r->src[shard].dir);
			if (err->code == SOAK_EXIT_USAGE)
				err->code = SOAK_EXIT_INPUT;
			return -1;
		}
		g = &r->gates[r->ngates - 1];
		g->live.only = 1;
		g->live.value = NAN;
	}
	g->hard |= hard;
	g->live.have = 1;
	g->live.judged |= judged;
	if (fired && !g->live.fired) {
		g->live.fired = 1;
		g->live.shard = shard;
		g->live.first_failed = first_failed >= 1 ? (uint64_t)first_failed : 0;
		g->live.value = value;
	} else if (!g->live.fired && isnan(g->live.value)) {
		g->live.value = value;
	}
	return 0;
}

static int any_aborted(const struct soak_report *r)
{
	for (size_t i = 0; i < r->nsrc; i++)
		if (r->src[i].state && !strcmp(r->src[i].state, "aborted"))
			return 1;
	return 0;
}

/* The live verdict of a gate soak-report did not judge itself. */
static void judge_live(struct soak_gate *g)
{
	g->outcome = g->live.fired    ? SOAK_GATE_FAIL
	             : g->live.judged ? SOAK_GATE_PASS
	                              : SOAK_GATE_NODATA;
	g->value = g->live.value;
}

void soak_report_judge(struct soak_report *r)
{
	const struct soak_gate *hard = NULL, *soft = NULL;
	struct soak_gate_src src;
	size_t i;

	soak_report_gate_src(r, &src);
	for (i = 0; i < r->ngates; i++) {
		struct soak_gate *g = &r->gates[i];

		if (g->live.only)
			judge_live(g);
		else
			soak_gate_eval(g, &src);
		if (g->live.fired)
			g->outcome = SOAK_GATE_FAIL;
		if (g->outcome == SOAK_GATE_PASS)
			continue;
		/* name the gate that stopped the run before one that failed afterwards */
		if (g->hard && (!hard || (g->live.fired && !hard->live.fired)))
			hard = g;
		if (!g->hard && (!soft || (g->live.fired && !soft->live.fired)))
			soft = g;
	}
	if (!r->all.n) {
		r->verdict = SOAK_VERDICT_FAIL;
		snprintf(r->reason, sizeof(r->reason), "no iterations recorded");
	} else if (hard || soft) {
		const struct soak_gate *g = hard ? hard : soft;

		r->verdict = hard ? SOAK_VERDICT_FAIL : SOAK_VERDICT_WARN;
		if (g->live.fired) {
			char live[160];

			snprintf(r->reason, sizeof(r->reason), "live gate '%s' %s%s", g->expr,
			         soak_report_fmt_live(r, g, live, sizeof(live)),
			         g->hard && any_aborted(r) ? "; the run was aborted" : "");
		} else if (g->outcome == SOAK_GATE_NODATA && g->live.only) {
			snprintf(r->reason, sizeof(r->reason),
			         "live gate '%s' has no data: soak-run never judged it", g->expr);
		} else if (g->outcome == SOAK_GATE_NODATA) {
			char why[200];

			snprintf(r->reason, sizeof(r->reason), "gate '%s' has %s", g->expr,
			         soak_gate_nodata_hint(g, &src, why, sizeof(why)));
		} else {
			char v[96];

			snprintf(r->reason, sizeof(r->reason), "gate '%s' failed: value %s%s",
			         g->expr,
			         soak_report_fmt(soak_gate_kind(g), g->value, v, sizeof(v)),
			         g->agg == SOAK_AGG_SLOPE ? "/h" : "");
		}
	} else if (r->ngates) {
		r->verdict = SOAK_VERDICT_PASS;
		snprintf(r->reason, sizeof(r->reason), "%zu of %zu gates passed", r->ngates,
		         r->ngates);
	} else {
		no_gates_verdict(r);
	}
}

int soak_report_exit_code(const struct soak_report *r)
{
	if (r->verdict == SOAK_VERDICT_FAIL)
		return SOAK_EXIT_FAIL;
	if (r->verdict == SOAK_VERDICT_WARN && r->o.strict)
		return SOAK_EXIT_FAIL;
	return SOAK_EXIT_OK;
}
