/*
 * Gates (gate.h): the metric table, the parser and the evaluator shared by
 * soak-report and soak-run.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exitcode.h"
#include "gate.h"
#include "str.h"
#include "banned.h"

const struct soak_report_metric_info soak_report_metrics[SOAK_M_N] = {
    [SOAK_M_DURATION] = {"duration_ms", "duration_ms", SOAK_K_MS, 1, 0, 0},
    [SOAK_M_RSS] = {"rss", "peak_rss_bytes", SOAK_K_BYTES, 1, 0, 0},
    [SOAK_M_FDS] = {"fds", "open_fds", SOAK_K_COUNT, 1, 0, 0},
    [SOAK_M_THREADS] = {"threads", "threads", SOAK_K_COUNT, 1, 0, 0},
    [SOAK_M_PROCS] = {"procs", "procs", SOAK_K_COUNT, 0, 0, 0},
    [SOAK_M_CPU_USER] = {"cpu_user_s", "cpu_user_s", SOAK_K_SECONDS, 0, 0, 0},
    [SOAK_M_CPU_SYS] = {"cpu_sys_s", "cpu_sys_s", SOAK_K_SECONDS, 0, 0, 0},
    [SOAK_M_DISK] = {"disk", "free_disk_bytes", SOAK_K_BYTES, 1, 0, 1},
    [SOAK_M_MEM_AVAIL] = {"mem_avail", "mem_avail_bytes", SOAK_K_BYTES, 1, 0, 1},
    [SOAK_M_LOG_BYTES] = {"log_bytes", "log_bytes", SOAK_K_BYTES, 0, 0, 0},
    [SOAK_M_SVC_RSS] = {"service.rss", "rss_bytes", SOAK_K_BYTES, 1, 1, 0},
    [SOAK_M_SVC_FDS] = {"service.fds", "open_fds", SOAK_K_COUNT, 1, 1, 0},
    [SOAK_M_SVC_THREADS] = {"service.threads", "threads", SOAK_K_COUNT, 1, 1, 0},
};

/* Run-level numbers a gate can name without an aggregation. */
static const struct {
	const char *name;
	enum soak_report_kind kind;
	int tune; /* of the run's tuning (struct soak_gate_tune), whole run only */
} scalars[] = {
    {"pass_rate", SOAK_K_RATIO, 0},         {"fail_rate", SOAK_K_RATIO, 0},
    {"pass_rate_lo", SOAK_K_RATIO, 0},      {"pass_rate_hi", SOAK_K_RATIO, 0},
    {"iterations", SOAK_K_COUNT, 0},        {"passed", SOAK_K_COUNT, 0},
    {"failures", SOAK_K_COUNT, 0},          {"failed", SOAK_K_COUNT, 0},
    {"timeouts", SOAK_K_COUNT, 0},          {"errors", SOAK_K_COUNT, 0},
    {"skipped", SOAK_K_COUNT, 0},           {"failure_streak", SOAK_K_COUNT, 0},
    {"tune.apply_ratio", SOAK_K_RATIO, 1}, /* matched / checked */
    {"tune.reverts", SOAK_K_COUNT, 1},      {"tune.applied", SOAK_K_COUNT, 1},
    {"tune.blocked", SOAK_K_COUNT, 1},      {"tune.steps", SOAK_K_COUNT, 1},
    {"tune.freeze_ready", SOAK_K_COUNT, 1}, /* 0 or 1 */
};

static const struct {
	const char *name;
	enum soak_gate_agg agg;
} aggs[] = {
    {"avg", SOAK_AGG_AVG},         {"mean", SOAK_AGG_AVG},      {"min", SOAK_AGG_MIN},
    {"hmean", SOAK_AGG_HMEAN},     {"max", SOAK_AGG_MAX},       {"med", SOAK_AGG_MED},
    {"median", SOAK_AGG_MED},      {"last", SOAK_AGG_LAST},     {"count", SOAK_AGG_COUNT},
    {"sum", SOAK_AGG_SUM},         {"stddev", SOAK_AGG_STDDEV}, {"slope", SOAK_AGG_SLOPE},
    {"trend_p", SOAK_AGG_TREND_P},
};

const char *soak_gate_op_name(enum soak_gate_op op)
{
	static const char *const n[] = {"<", "<=", ">", ">=", "==", "!="};

	return n[op];
}

void soak_gate_free(struct soak_gate *g)
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

enum soak_report_kind soak_gate_kind(const struct soak_gate *g)
{
	size_t i;

	if (g->agg == SOAK_AGG_COUNT || g->agg == SOAK_AGG_TREND_P)
		return SOAK_K_COUNT;
	if (g->scalar) {
		for (i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++)
			if (!strcmp(scalars[i].name, g->name))
				return scalars[i].kind;
	}
	if (g->metric >= 0)
		return soak_report_metrics[g->metric].kind;
	if (g->step)
		return g->step_field == SOAK_STEP_DURATION ? SOAK_K_MS
		       : g->step_field == SOAK_STEP_STATUS ? SOAK_K_RATIO
		                                           : SOAK_K_COUNT;
	return SOAK_K_COUNT; /* KPIs: plain numbers */
}

int soak_gate_on_samples(const struct soak_gate *g)
{
	return g->metric >= 0 && soak_report_metrics[g->metric].service;
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

static int resolve_metric(struct soak_gate *g, const char *name, size_t n)
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
			g->tune = scalars[i].tune;
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
	if (n > 5 && !strncmp(name, "step.", 5)) {
		static const struct {
			const char *suffix;
			enum soak_gate_step_field f;
		} fields[] = {{".duration_ms", SOAK_STEP_DURATION},
		              {".attempts", SOAK_STEP_ATTEMPTS},
		              {".status", SOAK_STEP_STATUS}};

		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			size_t k = strlen(fields[i].suffix);

			if (n > 5 + k && !strncmp(name + n - k, fields[i].suffix, k)) {
				g->step_field = fields[i].f;
				g->step = soak_strndup(name + 5, n - 5 - k);
				return g->step ? 0 : -1;
			}
		}
	}
	return -1;
}

int soak_gate_parse(const char *expr, int hard, struct soak_gate *g, struct soak_err *err)
{
	const char *p = expr, *start, *num;
	char *end, hint[160];
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
		soak_gate_free(g);
		return bad(
		    err, expr, (size_t)(start - expr),
		    "unknown metric (allowed: pass_rate, fail_rate, pass_rate_lo, iterations, "
		    "failures, "
		    "failure_streak, duration_ms, rss, fds, threads, procs, cpu_user_s, cpu_sys_s, "
		    "disk, "
		    "mem_avail, log_bytes, service.rss, service.fds, service.threads, kpi.NAME, "
		    "step.NAME.duration_ms, step.NAME.attempts, step.NAME.status, "
		    "tune.apply_ratio, tune.reverts, tune.applied, tune.blocked, tune.steps, "
		    "tune.freeze_ready)");
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
				soak_gate_free(g);
				return bad(err, expr, (size_t)(p + 1 - expr),
				           "expected a percentile from 0 to 100");
			}
			if (*end != ')') {
				soak_gate_free(g);
				return bad(err, expr, (size_t)(end - expr), "expected ')'");
			}
			p = end + 1;
		} else {
			for (i = 0; i < sizeof(aggs) / sizeof(aggs[0]); i++)
				if (strlen(aggs[i].name) == n && !strncmp(aggs[i].name, start, n))
					break;
			if (i == sizeof(aggs) / sizeof(aggs[0])) {
				soak_gate_free(g);
				return bad(err, expr, (size_t)(start - expr),
				           "unknown aggregation (allowed: avg, min, max, med, "
				           "hmean, last, count, sum, "
				           "stddev, p(N), slope, trend_p)");
			}
			g->agg = aggs[i].agg;
		}
		if (g->scalar) {
			soak_gate_free(g);
			return bad(err, expr, (size_t)(start - 1 - expr),
			           "this metric takes no aggregation");
		}
		if ((g->agg == SOAK_AGG_SLOPE || g->agg == SOAK_AGG_TREND_P) &&
		    (g->metric < 0 || !soak_report_metrics[g->metric].trend)) {
			soak_gate_free(g);
			return bad(err, expr, (size_t)(start - expr),
			           "slope and trend_p need a trended metric (duration_ms, rss, "
			           "fds, threads, disk, "
			           "mem_avail, service.rss, service.fds, service.threads)");
		}
	} else if (!g->scalar) {
		soak_gate_free(g);
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
			soak_gate_free(g);
			return bad(err, expr, (size_t)(start - expr),
			           "expected a scope: all or last");
		}
		if (g->last && g->tune) {
			soak_gate_free(g);
			return bad(err, expr, (size_t)(start - expr),
			           "tune metrics are over the whole run only");
		}
		if (g->last && (g->agg == SOAK_AGG_SLOPE || g->agg == SOAK_AGG_TREND_P || g->step ||
		                (g->metric >= 0 && soak_report_metrics[g->metric].service))) {
			soak_gate_free(g);
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
		soak_gate_free(g);
		return bad(err, expr, (size_t)(p - expr),
		           "expected an operator (<, <=, >, >=, ==, !=)");
	}
	while (*p == ' ')
		p++;
	errno = 0;
	g->threshold = strtod(p, &end);
	if (end == p || errno || !isfinite(g->threshold) || isalpha((unsigned char)*p)) {
		soak_gate_free(g);
		return bad(err, expr, (size_t)(p - expr), "expected a number");
	}
	num = p + (*p == '-' || *p == '+');
	if (num[0] == '0' && (num[1] == 'x' || num[1] == 'X')) {
		snprintf(hint, sizeof(hint), "a hexadecimal number; write it in decimal (%.10g)",
		         g->threshold);
		soak_gate_free(g);
		return bad(err, expr, (size_t)(p - expr), hint);
	}
	num = p;
	p = end;
	start = p;
	while (isalpha((unsigned char)*p) || *p == '%')
		p++;
	kind = soak_gate_kind(g);
	scale = unit_scale(kind, start, (size_t)(p - start));
	if (kind == SOAK_K_RATIO && p == start && fabs(g->threshold) > 1) {
		snprintf(hint, sizeof(hint),
		         "a rate is at most 1; write %.*s%% or %.10g (a fraction)",
		         (int)(end - num), num, g->threshold / 100);
		soak_gate_free(g);
		return bad(err, expr, (size_t)(num - expr), hint);
	}
	if (g->threshold < 0 && g->agg != SOAK_AGG_SLOPE &&
	    (kind == SOAK_K_MS || kind == SOAK_K_SECONDS || kind == SOAK_K_BYTES)) {
		soak_gate_free(g);
		return bad(err, expr, (size_t)(num - expr),
		           kind == SOAK_K_BYTES ? "a size is never negative"
		                                : "a duration is never negative");
	}
	if (scale == 0) {
		soak_gate_free(g);
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
			soak_gate_free(g);
			return bad(err, expr, (size_t)(p - expr),
			           "a rate ('/h') is only for :slope");
		}
		start = ++p;
		while (isalpha((unsigned char)*p))
			p++;
		per = unit_scale(SOAK_K_MS, start, (size_t)(p - start));
		if (per == 0 || p == start) {
			soak_gate_free(g);
			return bad(err, expr, (size_t)(start - expr),
			           "expected a time unit after '/' (s, m, h, d)");
		}
		per = 3.6e6 / per; /* to per hour */
	}
	while (*p == ' ')
		p++;
	if (*p) {
		soak_gate_free(g);
		return bad(err, expr, (size_t)(p - expr), "unexpected text after the threshold");
	}
	g->threshold *= scale * per;
	g->expr = strdup(expr);
	if (!g->expr)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	return 0;
}

int soak_gate_trend_significant(const struct soak_trend *t, double alpha)
{
	return t->n >= 3 && t->p < alpha;
}

static double scalar_value(const struct soak_gate_counts *c, const char *name, int *have)
{
	uint64_t judged = c->n - c->skipped;
	double lo, hi;

	*have = 1;
	if (!strcmp(name, "iterations"))
		return (double)c->n;
	if (!strcmp(name, "passed"))
		return (double)c->passed;
	if (!strcmp(name, "failures"))
		return (double)c->failures;
	if (!strcmp(name, "failed"))
		return (double)c->failed;
	if (!strcmp(name, "timeouts"))
		return (double)c->timeouts;
	if (!strcmp(name, "errors"))
		return (double)c->errors;
	if (!strcmp(name, "skipped"))
		return (double)c->skipped;
	if (!strcmp(name, "failure_streak"))
		return (double)c->longest_streak;
	if (!judged) {
		*have = 0;
		return NAN;
	}
	soak_wilson(c->passed, judged, SOAK_STATS_Z95, &lo, &hi);
	if (!strcmp(name, "pass_rate"))
		return (double)c->passed / (double)judged;
	if (!strcmp(name, "fail_rate"))
		return (double)c->failures / (double)judged;
	if (!strcmp(name, "pass_rate_lo"))
		return lo;
	return hi;
}

static double tune_value(const struct soak_gate_tune *t, const char *name, int *have)
{
	*have = 1;
	if (!strcmp(name, "tune.reverts"))
		return (double)t->reverts;
	if (!strcmp(name, "tune.applied"))
		return (double)t->applied;
	if (!strcmp(name, "tune.blocked"))
		return (double)t->blocked;
	if (!strcmp(name, "tune.steps"))
		return (double)t->steps;
	if (!strcmp(name, "tune.freeze_ready"))
		return t->freeze_ready ? 1 : 0;
	*have = t->checked > 0;
	return *have ? (double)t->matched / (double)t->checked : NAN;
}

double soak_gate_value(struct soak_gate *g, const struct soak_gate_src *src, int *have)
{
	struct soak_stats *st;

	*have = 0;
	g->p = NAN;
	if (g->tune) {
		struct soak_gate_tune t;

		memset(&t, 0, sizeof(t));
		if (!src->tune || !src->tune(src->ctx, &t))
			return NAN;
		return tune_value(&t, g->name, have);
	}
	if (g->scalar) {
		struct soak_gate_counts c;

		memset(&c, 0, sizeof(c));
		src->counts(src->ctx, g->last, &c);
		return scalar_value(&c, g->name, have);
	}
	if (g->agg == SOAK_AGG_SLOPE || g->agg == SOAK_AGG_TREND_P) {
		struct soak_trend t;

		if (!src->trend(src->ctx, g->metric, &t) || t.n < 3)
			return NAN;
		*have = 1;
		g->p = t.p;
		if (g->agg == SOAK_AGG_TREND_P)
			return t.p;
		return soak_gate_trend_significant(&t, src->alpha) ? t.slope : 0;
	}
	st = src->series(src->ctx, g);
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
	case SOAK_AGG_HMEAN:
		*have = !st->nonpos;
		return soak_stats_hmean(st);
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

void soak_gate_eval(struct soak_gate *g, const struct soak_gate_src *src)
{
	int have;

	g->value = soak_gate_value(g, src, &have);
	g->outcome = !have                                    ? SOAK_GATE_NODATA
	             : compare(g->value, g->op, g->threshold) ? SOAK_GATE_PASS
	                                                      : SOAK_GATE_FAIL;
}

char *soak_gate_nodata_hint(const struct soak_gate *g, const struct soak_gate_src *src, char *buf,
                            size_t n)
{
	const char *name;
	size_t i, len;

	if (g->tune) {
		struct soak_gate_tune t;

		memset(&t, 0, sizeof(t));
		snprintf(buf, n, "%s",
		         !src->tune || !src->tune(src->ctx, &t)
		             ? "no data: the run has no tuning.jsonl (it was not run with --tune)"
		             : "no data: no change was checked (no parameter has an applied_kpi "
		               "that the command reported)");
		return buf;
	}
	if (!g->kpi || src->series(src->ctx, g)) {
		snprintf(buf, n, "%s",
		         g->agg == SOAK_AGG_HMEAN    ? "no data (a value <= 0 has no harmonic mean)"
		         : g->agg == SOAK_AGG_STDDEV ? "no data (a deviation needs 2 values)"
		                                     : "no data");
		return buf;
	}
	len = (size_t)snprintf(buf, n, "no data: KPI '%s' never appeared", g->kpi);
	for (i = 0; src->kpi_name && (name = src->kpi_name(src->ctx, i)) && len < n; i++)
		len +=
		    (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : " (KPIs seen: ", name);
	if (i == 0 && len < n)
		snprintf(buf + len, n - len, " (the command wrote no KPI)");
	else if (len < n)
		snprintf(buf + len, n - len, ")");
	return buf;
}

int soak_gate_list_add(struct soak_gate **v, size_t *n, const char *expr, int hard,
                       struct soak_err *err)
{
	struct soak_gate *g = realloc(*v, (*n + 1) * sizeof(*g));

	if (!g)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	*v = g;
	if (soak_gate_parse(expr, hard, &g[*n], err))
		return -1;
	(*n)++;
	return 0;
}
