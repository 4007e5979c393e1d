#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exitcode.h"
#include "report_gate.h"
#include "report_fmt.h"
#include "str.h"
#include "banned.h"

/* Run-level numbers a gate can name without an aggregation. */
static const struct {
	const char *name;
	enum soak_report_kind kind;
} scalars[] = {
    {"pass_rate", SOAK_K_RATIO},    {"fail_rate", SOAK_K_RATIO},  {"pass_rate_lo", SOAK_K_RATIO},
    {"pass_rate_hi", SOAK_K_RATIO}, {"iterations", SOAK_K_COUNT}, {"passed", SOAK_K_COUNT},
    {"failures", SOAK_K_COUNT},     {"failed", SOAK_K_COUNT},     {"timeouts", SOAK_K_COUNT},
    {"errors", SOAK_K_COUNT},       {"skipped", SOAK_K_COUNT},    {"failure_streak", SOAK_K_COUNT},
};

static const struct {
	const char *name;
	enum soak_gate_agg agg;
} aggs[] = {
    {"avg", SOAK_AGG_AVG},       {"mean", SOAK_AGG_AVG},    {"min", SOAK_AGG_MIN},
    {"max", SOAK_AGG_MAX},       {"med", SOAK_AGG_MED},     {"median", SOAK_AGG_MED},
    {"last", SOAK_AGG_LAST},     {"count", SOAK_AGG_COUNT}, {"sum", SOAK_AGG_SUM},
    {"stddev", SOAK_AGG_STDDEV}, {"slope", SOAK_AGG_SLOPE}, {"trend_p", SOAK_AGG_TREND_P},
};

const char *soak_report_op_name(enum soak_gate_op op)
{
	static const char *const n[] = {"<", "<=", ">", ">=", "==", "!="};

	return n[op];
}

void soak_report_gate_free(struct soak_report_gate *g)
{
	free(g->expr);
	free(g->kpi);
	free(g->step);
	memset(g, 0, sizeof(*g));
}

static int bad(struct soak_err *err, const char *expr, size_t col, const char *what)
{
	return soak_err_set(err, SOAK_EXIT_USAGE, "bad gate '%s': column %zu: %s\n  %s\n  %*s^",
	                    expr, col + 1, what, expr, (int)col, "");
}

static int metric_kind(const struct soak_report_gate *g)
{
	size_t i;

	if (g->scalar) {
		for (i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++)
			if (!strcmp(scalars[i].name, g->name))
				return (int)scalars[i].kind;
	}
	if (g->metric >= 0)
		return (int)soak_report_metrics[g->metric].kind;
	if (g->step)
		return SOAK_K_MS;
	return SOAK_K_COUNT; /* KPIs: plain numbers */
}

/* Scale of a unit for a kind; 0 when the unit does not fit the kind. */
static double unit_scale(int kind, const char *u, size_t n)
{
	static const struct {
		const char *u;
		double ms;
	} times[] = {{"ms", 1}, {"s", 1e3}, {"m", 6e4}, {"min", 6e4}, {"h", 3.6e6}, {"d", 8.64e7}};
	static const struct {
		const char *u;
		double b;
	} sizes[] = {{"b", 1},
	             {"kb", 1e3},
	             {"mb", 1e6},
	             {"gb", 1e9},
	             {"tb", 1e12},
	             {"k", 1024},
	             {"kib", 1024},
	             {"m", 1048576},
	             {"mib", 1048576},
	             {"g", 1073741824.0},
	             {"gib", 1073741824.0},
	             {"t", 1099511627776.0},
	             {"tib", 1099511627776.0}};
	size_t i;

	if (!n)
		return 1;
	if (kind == SOAK_K_RATIO)
		return n == 1 && *u == '%' ? 0.01 : 0;
	if (kind == SOAK_K_MS || kind == SOAK_K_SECONDS) {
		for (i = 0; i < sizeof(times) / sizeof(times[0]); i++)
			if (strlen(times[i].u) == n && !strncmp(times[i].u, u, n))
				return kind == SOAK_K_MS ? times[i].ms : times[i].ms / 1000;
		return 0;
	}
	if (kind == SOAK_K_BYTES) {
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			if (strlen(sizes[i].u) == n && !strncasecmp(sizes[i].u, u, n))
				return sizes[i].b;
		return 0;
	}
	return 0;
}

static int resolve_metric(struct soak_report_gate *g, const char *name, size_t n)
{
	static const struct {
		const char *alias;
		int m;
	} aliases[] = {{"duration", SOAK_M_DURATION},
	               {"peak_rss_bytes", SOAK_M_RSS},
	               {"open_fds", SOAK_M_FDS},
	               {"free_disk_bytes", SOAK_M_DISK}};
	size_t i;

	g->metric = -1;
	if (n >= sizeof(g->name))
		return -1;
	memcpy(g->name, name, n);
	g->name[n] = 0;
	for (i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++)
		if (!strcmp(scalars[i].name, g->name)) {
			g->scalar = 1;
			return 0;
		}
	for (i = 0; i < SOAK_M_N; i++)
		if (!strcmp(soak_report_metrics[i].name, g->name)) {
			g->metric = (int)i;
			return 0;
		}
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcmp(aliases[i].alias, g->name)) {
			g->metric = aliases[i].m;
			return 0;
		}
	if (n > 4 && !strncmp(name, "kpi.", 4)) {
		g->kpi = soak_strndup(name + 4, n - 4);
		return g->kpi ? 0 : -1;
	}
	if (n > 17 && !strncmp(name, "step.", 5) && !strncmp(name + n - 12, ".duration_ms", 12)) {
		g->step = soak_strndup(name + 5, n - 17);
		return g->step ? 0 : -1;
	}
	return -1;
}

int soak_report_gate_parse(const char *expr, int hard, struct soak_report_gate *g,
                           struct soak_err *err)
{
	const char *p = expr, *start;
	char *end;
	double scale, per = 1;
	int kind;
	size_t i, n;

	memset(g, 0, sizeof(*g));
	g->hard = hard;
	g->metric = -1;
	g->p = NAN;
	g->value = NAN;
	while (*p == ' ')
		p++;
	start = p;
	while (*p && !strchr(":@<>=! ", *p))
		p++;
	if (p == start)
		return bad(err, expr, (size_t)(p - expr),
		           "expected a metric name (e.g. duration_ms, pass_rate, kpi.NAME)");
	if (resolve_metric(g, start, (size_t)(p - start))) {
		soak_report_gate_free(g);
		return bad(
		    err, expr, (size_t)(start - expr),
		    "unknown metric (allowed: pass_rate, fail_rate, pass_rate_lo, iterations, "
		    "failures, "
		    "failure_streak, duration_ms, rss, fds, threads, procs, cpu_user_s, cpu_sys_s, "
		    "disk, "
		    "mem_avail, log_bytes, service.rss, service.fds, service.threads, kpi.NAME, "
		    "step.NAME.duration_ms)");
	}
	if (*p == ':') {
		start = ++p;
		while (isalnum((unsigned char)*p) || *p == '_')
			p++;
		n = (size_t)(p - start);
		if (n == 1 && *start == 'p' && *p == '(') {
			g->agg = SOAK_AGG_P;
			errno = 0;
			g->pct = strtod(p + 1, &end);
			if (end == p + 1 || errno || g->pct < 0 || g->pct > 100 ||
			    !isfinite(g->pct)) {
				soak_report_gate_free(g);
				return bad(err, expr, (size_t)(p + 1 - expr),
				           "expected a percentile from 0 to 100");
			}
			if (*end != ')') {
				soak_report_gate_free(g);
				return bad(err, expr, (size_t)(end - expr), "expected ')'");
			}
			p = end + 1;
		} else {
			for (i = 0; i < sizeof(aggs) / sizeof(aggs[0]); i++)
				if (strlen(aggs[i].name) == n && !strncmp(aggs[i].name, start, n))
					break;
			if (i == sizeof(aggs) / sizeof(aggs[0])) {
				soak_report_gate_free(g);
				return bad(err, expr, (size_t)(start - expr),
				           "unknown aggregation (allowed: avg, min, max, med, "
				           "last, count, sum, "
				           "stddev, p(N), slope, trend_p)");
			}
			g->agg = aggs[i].agg;
		}
		if (g->scalar) {
			soak_report_gate_free(g);
			return bad(err, expr, (size_t)(start - 1 - expr),
			           "this metric takes no aggregation");
		}
		if ((g->agg == SOAK_AGG_SLOPE || g->agg == SOAK_AGG_TREND_P) &&
		    (g->metric < 0 || !soak_report_metrics[g->metric].trend)) {
			soak_report_gate_free(g);
			return bad(err, expr, (size_t)(start - expr),
			           "slope and trend_p need a trended metric (duration_ms, rss, "
			           "fds, threads, disk, "
			           "mem_avail, service.rss, service.fds, service.threads)");
		}
	} else if (!g->scalar) {
		soak_report_gate_free(g);
		return bad(err, expr, (size_t)(p - expr),
		           "expected ':' and an aggregation (e.g. :p(95), :avg, :slope)");
	}
	if (*p == '@') {
		start = ++p;
		while (isalpha((unsigned char)*p))
			p++;
		if ((size_t)(p - start) == 4 && !strncmp(start, "last", 4)) {
			g->last = 1;
		} else if (!((size_t)(p - start) == 3 && !strncmp(start, "all", 3))) {
			soak_report_gate_free(g);
			return bad(err, expr, (size_t)(start - expr),
			           "expected a scope: all or last");
		}
		if (g->last && (g->agg == SOAK_AGG_SLOPE || g->agg == SOAK_AGG_TREND_P || g->step ||
		                (g->metric >= 0 && soak_report_metrics[g->metric].service))) {
			soak_report_gate_free(g);
			return bad(err, expr, (size_t)(start - expr),
			           "trends, steps and service metrics are over the whole run only");
		}
	}
	while (*p == ' ')
		p++;
	if (p[0] == '<' && p[1] == '=')
		g->op = SOAK_OP_LE, p += 2;
	else if (p[0] == '>' && p[1] == '=')
		g->op = SOAK_OP_GE, p += 2;
	else if (p[0] == '=' && p[1] == '=')
		g->op = SOAK_OP_EQ, p += 2;
	else if (p[0] == '!' && p[1] == '=')
		g->op = SOAK_OP_NE, p += 2;
	else if (p[0] == '<')
		g->op = SOAK_OP_LT, p++;
	else if (p[0] == '>')
		g->op = SOAK_OP_GT, p++;
	else if (p[0] == '=')
		g->op = SOAK_OP_EQ, p++;
	else {
		soak_report_gate_free(g);
		return bad(err, expr, (size_t)(p - expr),
		           "expected an operator (<, <=, >, >=, ==, !=)");
	}
	while (*p == ' ')
		p++;
	errno = 0;
	g->threshold = strtod(p, &end);
	if (end == p || errno || !isfinite(g->threshold) || isalpha((unsigned char)*p)) {
		soak_report_gate_free(g);
		return bad(err, expr, (size_t)(p - expr), "expected a number");
	}
	p = end;
	start = p;
	while (isalpha((unsigned char)*p) || *p == '%')
		p++;
	kind =
	    g->agg == SOAK_AGG_COUNT || g->agg == SOAK_AGG_TREND_P ? SOAK_K_COUNT : metric_kind(g);
	scale = unit_scale(kind, start, (size_t)(p - start));
	if (scale == 0) {
		soak_report_gate_free(g);
		return bad(
		    err, expr, (size_t)(start - expr),
		    kind == SOAK_K_MS || kind == SOAK_K_SECONDS
		        ? "expected a time unit (ms, s, m, h, d)"
		    : kind == SOAK_K_BYTES ? "expected a size unit (B, KB, MB, GB, KiB, MiB, GiB)"
		    : kind == SOAK_K_RATIO ? "expected '%' or a plain number"
		                           : "this metric takes a plain number, without a unit");
	}
	if (*p == '/') {
		if (g->agg != SOAK_AGG_SLOPE) {
			soak_report_gate_free(g);
			return bad(err, expr, (size_t)(p - expr),
			           "a rate ('/h') is only for :slope");
		}
		start = ++p;
		while (isalpha((unsigned char)*p))
			p++;
		per = unit_scale(SOAK_K_MS, start, (size_t)(p - start));
		if (per == 0 || p == start) {
			soak_report_gate_free(g);
			return bad(err, expr, (size_t)(start - expr),
			           "expected a time unit after '/' (s, m, h, d)");
		}
		per = 3.6e6 / per; /* to per hour */
	}
	while (*p == ' ')
		p++;
	if (*p) {
		soak_report_gate_free(g);
		return bad(err, expr, (size_t)(p - expr), "unexpected text after the threshold");
	}
	g->threshold *= scale * per;
	g->expr = strdup(expr);
	if (!g->expr)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	return 0;
}

static const struct soak_report_kpi *find_kpi(const struct soak_report_scope *sc, const char *name)
{
	size_t i;

	for (i = 0; i < sc->nkpi; i++)
		if (!strcmp(sc->kpi[i].name, name))
			return &sc->kpi[i];
	return NULL;
}

static double scalar_value(const struct soak_report_scope *sc, const char *name, int *have)
{
	uint64_t judged = sc->n - sc->count[SOAK_ST_SKIPPED];
	double lo, hi;

	*have = 1;
	if (!strcmp(name, "iterations"))
		return (double)sc->n;
	if (!strcmp(name, "passed"))
		return (double)sc->count[SOAK_ST_PASS];
	if (!strcmp(name, "failures"))
		return (double)sc->failures;
	if (!strcmp(name, "failed"))
		return (double)sc->count[SOAK_ST_FAIL];
	if (!strcmp(name, "timeouts"))
		return (double)sc->count[SOAK_ST_TIMEOUT];
	if (!strcmp(name, "errors"))
		return (double)sc->count[SOAK_ST_ERROR];
	if (!strcmp(name, "skipped"))
		return (double)sc->count[SOAK_ST_SKIPPED];
	if (!strcmp(name, "failure_streak"))
		return (double)sc->longest_streak;
	if (!judged) {
		*have = 0;
		return NAN;
	}
	soak_wilson(sc->count[SOAK_ST_PASS], judged, SOAK_STATS_Z95, &lo, &hi);
	if (!strcmp(name, "pass_rate"))
		return (double)sc->count[SOAK_ST_PASS] / (double)judged;
	if (!strcmp(name, "fail_rate"))
		return (double)sc->failures / (double)judged;
	if (!strcmp(name, "pass_rate_lo"))
		return lo;
	return hi;
}

double soak_report_gate_value(struct soak_report *r, const struct soak_report_gate *g, int *have)
{
	struct soak_report_scope *sc = g->last ? &r->last : &r->all;
	struct soak_stats *st = NULL;
	size_t i;

	*have = 0;
	if (g->scalar)
		return scalar_value(sc, g->name, have);
	if (g->agg == SOAK_AGG_SLOPE || g->agg == SOAK_AGG_TREND_P) {
		const struct soak_report_trend *t = &r->trend[g->metric];

		if (!t->have)
			return NAN;
		*have = 1;
		if (g->agg == SOAK_AGG_TREND_P)
			return t->t.p;
		return t->significant ? t->t.slope : 0;
	}
	if (g->metric >= 0)
		st = &sc->m[g->metric];
	else if (g->kpi) {
		const struct soak_report_kpi *k = find_kpi(sc, g->kpi);

		st = k ? (struct soak_stats *)&k->st : NULL;
	} else if (g->step) {
		for (i = 0; i < r->nsteps; i++)
			if (!strcmp(r->steps[i].name, g->step))
				st = &r->steps[i].duration;
	}
	if (g->agg == SOAK_AGG_COUNT) {
		*have = 1;
		return st ? (double)st->n : 0;
	}
	if (!st || !st->n)
		return NAN;
	*have = 1;
	switch (g->agg) {
	case SOAK_AGG_AVG:
		return soak_stats_mean(st);
	case SOAK_AGG_MIN:
		return st->min;
	case SOAK_AGG_MAX:
		return st->max;
	case SOAK_AGG_MED:
		return soak_stats_quantile(st, 0.5);
	case SOAK_AGG_LAST:
		return st->last;
	case SOAK_AGG_SUM:
		return st->sum;
	case SOAK_AGG_STDDEV:
		*have = st->n > 1;
		return soak_stats_stddev(st);
	case SOAK_AGG_P:
		return soak_stats_quantile(st, g->pct / 100);
	default:
		*have = 0;
		return NAN;
	}
}

static int compare(double v, enum soak_gate_op op, double t)
{
	switch (op) {
	case SOAK_OP_LT:
		return v < t;
	case SOAK_OP_LE:
		return v <= t;
	case SOAK_OP_GT:
		return v > t;
	case SOAK_OP_GE:
		return v >= t;
	case SOAK_OP_EQ:
		return v == t;
	default:
		return v != t;
	}
}

void soak_report_judge(struct soak_report *r)
{
	const struct soak_report_gate *hard = NULL, *soft = NULL;
	static const int leaks[] = {SOAK_M_RSS,     SOAK_M_FDS,     SOAK_M_THREADS,    SOAK_M_DISK,
	                            SOAK_M_SVC_RSS, SOAK_M_SVC_FDS, SOAK_M_SVC_THREADS};
	size_t i;

	for (i = 0; i < r->ngates; i++) {
		struct soak_report_gate *g = &r->gates[i];
		int have;

		g->value = soak_report_gate_value(r, g, &have);
		if (g->agg == SOAK_AGG_SLOPE || g->agg == SOAK_AGG_TREND_P)
			g->p = r->trend[g->metric].have ? r->trend[g->metric].t.p : NAN;
		g->outcome = !have                                    ? SOAK_GATE_NODATA
		             : compare(g->value, g->op, g->threshold) ? SOAK_GATE_PASS
		                                                      : SOAK_GATE_FAIL;
		if (g->outcome != SOAK_GATE_PASS) {
			if (g->hard && !hard)
				hard = g;
			if (!g->hard && !soft)
				soft = g;
		}
	}
	if (!r->all.n) {
		r->verdict = SOAK_VERDICT_FAIL;
		snprintf(r->reason, sizeof(r->reason), "no iterations recorded");
	} else if (hard || soft) {
		const struct soak_report_gate *g = hard ? hard : soft;

		r->verdict = hard ? SOAK_VERDICT_FAIL : SOAK_VERDICT_WARN;
		if (g->outcome == SOAK_GATE_NODATA)
			snprintf(r->reason, sizeof(r->reason), "gate '%s' has no data", g->expr);
		else {
			char v[96];

			snprintf(r->reason, sizeof(r->reason), "gate '%s' failed: value %s%s",
			         g->expr,
			         soak_report_fmt(soak_report_gate_kind(g), g->value, v, sizeof(v)),
			         g->agg == SOAK_AGG_SLOPE ? "/h" : "");
		}
	} else if (r->ngates) {
		r->verdict = SOAK_VERDICT_PASS;
		snprintf(r->reason, sizeof(r->reason), "%zu of %zu gates passed", r->ngates,
		         r->ngates);
	} else if (r->all.failures) {
		r->verdict = SOAK_VERDICT_WARN;
		snprintf(r->reason, sizeof(r->reason),
		         "%llu of %llu iterations failed (no gates given)",
		         (unsigned long long)r->all.failures, (unsigned long long)r->all.n);
	} else {
		r->verdict = SOAK_VERDICT_PASS;
		snprintf(r->reason, sizeof(r->reason), "all %llu iterations passed",
		         (unsigned long long)r->all.count[SOAK_ST_PASS]);
		for (i = 0; i < sizeof(leaks) / sizeof(leaks[0]); i++) {
			const struct soak_report_trend *t = &r->trend[leaks[i]];

			if (t->significant && t->t.slope > 0) {
				r->verdict = SOAK_VERDICT_WARN;
				snprintf(r->reason, sizeof(r->reason), "%s grows (no gates given)",
				         soak_report_metrics[leaks[i]].name);
				break;
			}
		}
	}
}

enum soak_report_kind soak_report_gate_kind(const struct soak_report_gate *g)
{
	if (g->agg == SOAK_AGG_COUNT || g->agg == SOAK_AGG_TREND_P)
		return SOAK_K_COUNT;
	if (g->scalar)
		return strstr(g->name, "rate") ? SOAK_K_RATIO : SOAK_K_COUNT;
	if (g->metric >= 0)
		return soak_report_metrics[g->metric].kind;
	return g->step ? SOAK_K_MS : SOAK_K_COUNT;
}

int soak_report_exit_code(const struct soak_report *r)
{
	if (r->verdict == SOAK_VERDICT_FAIL)
		return SOAK_EXIT_FAIL;
	if (r->verdict == SOAK_VERDICT_WARN && r->o.strict)
		return SOAK_EXIT_FAIL;
	return SOAK_EXIT_OK;
}
