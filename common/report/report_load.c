/* Reading the sources into the model (report_load.h). */
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
#include "report_gate.h"
#include "report_load.h"
#include "report_junit.h"
#include "report_scan.h"
#include "sig.h"
#include "banned.h"

#define MAX_LINE (1024 * 1024)
#define MAX_DOC (16 * 1024 * 1024)
#define MAX_KPIS 64
#define MAX_STEPS 64
#define MAX_GROUPS 50

static const char *const status_names[SOAK_ST_N] = {"pass", "fail", "timeout", "error", "skipped"};

/* The record member of each metric (soak_report_metrics[m].field). */
static const enum soak_rec_key metric_key[SOAK_M_N] = {
    [SOAK_M_DURATION] = SOAK_RK_DURATION_MS,
    [SOAK_M_RSS] = SOAK_RK_PEAK_RSS_BYTES,
    [SOAK_M_FDS] = SOAK_RK_OPEN_FDS,
    [SOAK_M_THREADS] = SOAK_RK_THREADS,
    [SOAK_M_PROCS] = SOAK_RK_PROCS,
    [SOAK_M_CPU_USER] = SOAK_RK_CPU_USER_S,
    [SOAK_M_CPU_SYS] = SOAK_RK_CPU_SYS_S,
    [SOAK_M_DISK] = SOAK_RK_FREE_DISK_BYTES,
    [SOAK_M_MEM_AVAIL] = SOAK_RK_MEM_AVAIL_BYTES,
    [SOAK_M_LOG_BYTES] = SOAK_RK_LOG_BYTES,
    [SOAK_M_SVC_RSS] = SOAK_RK_RSS_BYTES,
    [SOAK_M_SVC_FDS] = SOAK_RK_OPEN_FDS,
    [SOAK_M_SVC_THREADS] = SOAK_RK_THREADS,
};

static void ref_set(struct soak_report_ref *d, unsigned shard, uint64_t it, const char *time,
                    const char *log)
{
	d->shard = shard;
	d->iteration = it;
	snprintf(d->time, sizeof(d->time), "%s", time ? time : "");
	free(d->log);
	d->log = log ? strdup(log) : NULL;
}

/* One iteration, as read from a record. */
struct iter {
	uint64_t iteration;
	int status;
	double v[SOAK_M_N];
	const char *end;
	const char *log;
	int have_exit, exit_code, have_signal, signal, timed_out;
	int64_t t_ms; /* end time, -1 unknown */
	const struct soak_rec_kpi *kpi;
	size_t nkpi;
	const cJSON *steps;
};

static int status_of(const char *s)
{
	int i;

	for (i = 0; i < SOAK_ST_N; i++)
		if (!strcmp(s, status_names[i]))
			return i;
	return -1;
}

static int is_failure(int st)
{
	return st == SOAK_ST_FAIL || st == SOAK_ST_TIMEOUT || st == SOAK_ST_ERROR;
}

static int jnum(const cJSON *o, const char *k, double *v)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble))
		return 0;
	*v = x->valuedouble;
	return 1;
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(x) ? x->valuestring : NULL;
}

/* The major version of a "schema" member: -1 when missing or malformed. */
static long schema_major_str(const char *s)
{
	char *end;
	long v;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || (*end && *end != '.'))
		return -1;
	return v;
}

static long schema_major(const cJSON *o)
{
	return schema_major_str(jstr(o, "schema"));
}

static long rec_schema_major(const struct soak_rec *rec)
{
	return schema_major_str(soak_rec_str(rec, SOAK_RK_SCHEMA));
}

/*
 * soak_iso8601_parse, remembering the minute last parsed: timegm is slow, and
 * consecutive records nearly always share the minute. The seconds and the
 * fraction are checked exactly as soak_iso8601_parse checks them.
 */
static int iso_ms(struct soak_report_source *src, const char *s, int64_t *ms)
{
	char minute[24];
	const char *p = s + 16;
	int sec, frac = 0, nd = 0;

	if (src->iso_minute_ms >= 0 && !strncmp(s, src->iso_minute, 16)) {
		if (p[0] != ':' || p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9')
			return -1;
		sec = (p[1] - '0') * 10 + (p[2] - '0');
		p += 3;
		if (*p == '.') {
			for (p++; *p >= '0' && *p <= '9'; p++, nd++)
				if (nd < 3)
					frac = frac * 10 + (*p - '0');
			if (!nd || nd > 9)
				return -1;
			for (; nd < 3; nd++)
				frac *= 10;
		}
		if (strcmp(p, "Z") || sec > 60)
			return -1;
		*ms = src->iso_minute_ms + sec * 1000 + frac;
		return 0;
	}
	if (soak_iso8601_parse(s, ms))
		return -1;
	/* it parsed, so it begins with "YYYY-MM-DDTHH:MM" */
	memcpy(minute, s, 16);
	memcpy(minute + 16, ":00Z", 5);
	if (soak_iso8601_parse(minute, &src->iso_minute_ms))
		src->iso_minute_ms = -1;
	else
		memcpy(src->iso_minute, s, 16);
	return 0;
}

/* Fill it from rec; 0 when rec is not an iteration record. */
static int parse_iter(struct soak_report_source *src, const struct soak_rec *rec, struct iter *it)
{
	const char *st = soak_rec_str(rec, SOAK_RK_STATUS), *start;
	double d;
	int m;

	memset(it, 0, sizeof(*it));
	if (!rec->object || !st || (it->status = status_of(st)) < 0)
		return 0;
	/* numbers from the file may be anything: convert only what fits (else undefined) */
	if (soak_rec_num(rec, SOAK_RK_ITERATION, &d) && d >= 0 && d < 1.8e19)
		it->iteration = (uint64_t)d;
	for (m = 0; m < SOAK_M_N; m++) {
		it->v[m] = NAN;
		if (!soak_report_metrics[m].service && soak_rec_num(rec, metric_key[m], &d))
			it->v[m] = d;
	}
	if (!isnan(it->v[SOAK_M_DISK])) {
		if (isnan(src->disk0))
			src->disk0 = it->v[SOAK_M_DISK];
		it->v[SOAK_M_DISK] = src->disk0 - it->v[SOAK_M_DISK];
	}
	it->end = soak_rec_str(rec, SOAK_RK_END);
	it->log = soak_rec_str(rec, SOAK_RK_LOG);
	if (soak_rec_num(rec, SOAK_RK_EXIT_CODE, &d) && d >= INT_MIN && d <= INT_MAX) {
		it->have_exit = 1;
		it->exit_code = (int)d;
	}
	if (soak_rec_num(rec, SOAK_RK_SIGNAL, &d) && d >= INT_MIN && d <= INT_MAX) {
		it->have_signal = 1;
		it->signal = (int)d;
	}
	it->timed_out = rec->k[SOAK_RK_TIMED_OUT].type == SOAK_RT_TRUE;
	it->kpi = rec->kpi;
	it->nkpi = rec->nkpi;
	it->steps = rec->steps;
	it->t_ms = -1;
	if (it->end && iso_ms(src, it->end, &it->t_ms))
		it->t_ms = -1;
	start = soak_rec_str(rec, SOAK_RK_START);
	if (it->t_ms < 0 && start && fabs(it->v[SOAK_M_DURATION]) < 9e15) {
		int64_t s;

		if (!soak_iso8601_parse(start, &s))
			it->t_ms = s + (int64_t)it->v[SOAK_M_DURATION];
	}
	return 1;
}

static struct soak_report_kpi *kpi_get(struct soak_report_scope *sc, const char *name, int chart)
{
	struct soak_report_kpi *k;
	size_t i;

	for (i = 0; i < sc->nkpi; i++)
		if (!strcmp(sc->kpi[i].name, name))
			return &sc->kpi[i];
	if (sc->nkpi == MAX_KPIS)
		return NULL;
	k = realloc(sc->kpi, (sc->nkpi + 1) * sizeof(*k));
	if (!k)
		return NULL;
	sc->kpi = k;
	k = &sc->kpi[sc->nkpi];
	memset(k, 0, sizeof(*k));
	k->name = strdup(name);
	if (!k->name)
		return NULL;
	soak_stats_init(&k->st);
	if (chart && soak_series_init(&k->chart, SOAK_REPORT_CHART_POINTS, 0, 0)) {
		free(k->name);
		return NULL;
	}
	sc->nkpi++;
	return k;
}

static void scope_add(struct soak_report_scope *sc, unsigned shard, const struct iter *it,
                      int chart)
{
	size_t i;
	int m;

	if (shard != sc->cur_shard) {
		sc->cur_shard = shard;
		sc->streak = 0;
		sc->ord = 0;
		sc->prev_fail_ord = 0;
	}
	sc->ord++;
	sc->n++;
	sc->count[it->status]++;
	if (is_failure(it->status)) {
		sc->failures++;
		sc->streak++;
		if (sc->streak > sc->longest_streak)
			sc->longest_streak = sc->streak;
		if (sc->failures == 1)
			ref_set(&sc->first_fail, shard, it->iteration, it->end, it->log);
		ref_set(&sc->last_fail, shard, it->iteration, it->end, it->log);
		if (sc->prev_fail_ord) {
			sc->gaps_sum += sc->ord - sc->prev_fail_ord;
			sc->ngaps++;
		}
		sc->prev_fail_ord = sc->ord;
	} else if (it->status == SOAK_ST_PASS) {
		sc->streak = 0;
	}
	for (m = 0; m < SOAK_M_N; m++)
		if (!isnan(it->v[m]))
			soak_stats_add(&sc->m[m], it->v[m]);
	for (i = 0; i < it->nkpi; i++) {
		const struct soak_rec_kpi *c = &it->kpi[i];
		struct soak_report_kpi *k;

		if (!isfinite(c->value))
			continue;
		k = kpi_get(sc, c->name, chart);
		if (!k) {
			sc->kpi_dropped++;
			continue;
		}
		soak_stats_add(&k->st, c->value);
		if (chart)
			soak_series_add(&k->chart, (double)sc->n, c->value);
	}
}

/* "SIGTERM"; "SIG?" for a number with no name. */
static const char *signal_abbrev(int sig)
{
	const char *name = soak_sig_name(sig);

	return isdigit((unsigned char)name[3]) || name[3] == '-' ? "SIG?" : name;
}

static char *cause_from(int st, int timed_out, int have_signal, int sig, int have_exit, int code)
{
	char buf[160];

	if (st == SOAK_ST_TIMEOUT || timed_out)
		return strdup("timeout");
	if (st == SOAK_ST_ERROR)
		return strdup("error (could not run)");
	if (have_signal) {
		snprintf(buf, sizeof(buf), "signal %d (%s)", sig, signal_abbrev(sig));
		return strdup(buf);
	}
	if (have_exit) {
		snprintf(buf, sizeof(buf), "exit code %d", code);
		return strdup(buf);
	}
	return strdup("failed");
}

static char *cause_of(const cJSON *o, int st)
{
	double sig = 0, code = 0;
	/* a number beyond int is no signal or exit code (converting it would be undefined) */
	int have_sig = jnum(o, "signal", &sig) && sig >= INT_MIN && sig <= INT_MAX;
	int have_code = jnum(o, "exit_code", &code) && code >= INT_MIN && code <= INT_MAX;

	return cause_from(st, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "timed_out")),
	                  have_sig, have_sig ? (int)sig : 0, have_code, have_code ? (int)code : 0);
}

static void group_failure(struct soak_report *r, unsigned shard, const struct iter *it)
{
	const cJSON *step;
	char *cause = NULL;
	struct soak_report_fgroup *g;
	size_t i;

	cJSON_ArrayForEach(step, it->steps)
	{
		const char *ss = jstr(step, "status"), *name = jstr(step, "name");
		int sst = ss ? status_of(ss) : -1;
		char *c;

		if (sst < 0 || !is_failure(sst) ||
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(step, "allow_failure")))
			continue;
		c = cause_of(step, sst);
		if (c) {
			size_t n = strlen(c) + strlen(name ? name : "?") + 16;

			cause = malloc(n);
			if (cause)
				snprintf(cause, n, "step '%s': %s", name ? name : "?", c);
			free(c);
		}
		break;
	}
	if (!cause)
		cause = cause_from(it->status, it->timed_out, it->have_signal, it->signal,
		                   it->have_exit, it->exit_code);
	if (!cause)
		return;
	for (i = 0; i < r->nfg; i++)
		if (!strcmp(r->fg[i].cause, cause))
			break;
	if (i == r->nfg) {
		if (r->nfg == MAX_GROUPS) {
			r->fg_other++;
			free(cause);
			return;
		}
		g = realloc(r->fg, (r->nfg + 1) * sizeof(*g));
		if (!g) {
			free(cause);
			return;
		}
		r->fg = g;
		memset(&g[i], 0, sizeof(*g));
		g[i].cause = cause;
		ref_set(&g[i].first, shard, it->iteration, it->end, it->log);
		r->nfg++;
	} else {
		free(cause);
	}
	r->fg[i].count++;
	ref_set(&r->fg[i].last, shard, it->iteration, it->end, it->log);
}

static void add_steps(struct soak_report *r, const cJSON *steps)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, steps)
	{
		const char *name = jstr(c, "name"), *ss = jstr(c, "status");
		struct soak_report_step *s = NULL;
		int st = ss ? status_of(ss) : -1;
		double d;
		size_t i;

		if (!name || st < 0)
			continue;
		for (i = 0; i < r->nsteps; i++)
			if (!strcmp(r->steps[i].name, name))
				s = &r->steps[i];
		if (!s) {
			if (r->nsteps == MAX_STEPS)
				continue;
			s = realloc(r->steps, (r->nsteps + 1) * sizeof(*s));
			if (!s)
				continue;
			r->steps = s;
			s = &r->steps[r->nsteps];
			memset(s, 0, sizeof(*s));
			s->name = strdup(name);
			if (!s->name)
				continue;
			soak_stats_init(&s->duration);
			soak_stats_init(&s->attempts);
			soak_stats_init(&s->status);
			r->nsteps++;
		}
		s->n++;
		s->count[st]++;
		if (is_failure(st) &&
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "allow_failure")))
			s->allowed_failures++;
		if (st != SOAK_ST_SKIPPED)
			soak_stats_add(&s->status, st == SOAK_ST_PASS ? 1 : 0);
		if (jnum(c, "attempts", &d))
			soak_stats_add(&s->attempts, d);
		if (jnum(c, "attempts", &d) && d > 1) {
			s->retried++;
			if (st == SOAK_ST_PASS)
				s->retried_passed++;
		}
		if (jnum(c, "duration_ms", &d))
			soak_stats_add(&s->duration, d);
	}
}

static int ring_push(struct soak_report *r, struct soak_report_source *s, const char *line,
                     size_t len)
{
	struct soak_report_text *t;

	if (!r->o.last_n)
		return 0;
	t = &s->ring[s->ring_pos];
	if (t->cap < len + 1) {
		size_t cap = len + 1 < 1024 ? 1024 : len + 1;
		char *p = realloc(t->s, cap);

		if (!p)
			return -1;
		t->s = p;
		t->cap = cap;
	}
	memcpy(t->s, line, len);
	t->s[len] = 0;
	t->len = len;
	s->ring_pos = (s->ring_pos + 1) % r->o.last_n;
	if (s->ring_len < r->o.last_n)
		s->ring_len++;
	return 0;
}

/* One record of metrics.jsonl (or a normalized legacy file): 1 used, 0 not an iteration. */
static int take_record(struct soak_report *r, unsigned shard, const struct soak_rec *rec,
                       const char *line, size_t len, struct soak_err *err)
{
	struct soak_report_source *s = &r->src[shard];
	struct iter it;
	int m;

	if (!parse_iter(s, rec, &it))
		return 0;
	if (s->t0_ms < 0 && it.t_ms >= 0) {
		int64_t start;
		const char *st = soak_rec_str(rec, SOAK_RK_START);

		s->t0_ms = st && !soak_iso8601_parse(st, &start) ? start : it.t_ms;
	}
	s->records++;
	scope_add(&r->all, shard, &it, 1);
	for (m = 0; m < SOAK_M_N; m++) {
		if (isnan(it.v[m]))
			continue;
		soak_series_add(&r->chart[m], (double)r->all.n, it.v[m]);
		if (r->trend[m].per_shard && it.t_ms >= 0 && it.t_ms >= s->t0_ms) {
			struct soak_series *ps = &r->trend[m].per_shard[shard];
			double x = (double)(it.t_ms - s->t0_ms) / 3600000.0;

			/* series need non-decreasing x; a clock step back keeps the last x */
			if (ps->seen && x < ps->first_x)
				x = ps->first_x;
			soak_series_add(ps, x, it.v[m]);
		}
	}
	soak_series_add(&r->chart_fail, (double)r->all.n, is_failure(it.status) ? 1.0 : 0.0);
	if (is_failure(it.status))
		group_failure(r, shard, &it);
	add_steps(r, it.steps);
	{
		double d;

		if (soak_rec_num(rec, SOAK_RK_LOG_DROPPED_BYTES, &d) && d > 0 && d < 1.8e19)
			s->log_dropped_bytes += (uint64_t)d;
		if (rec->k[SOAK_RK_WARNINGS].type == SOAK_RT_ARRAY)
			s->kpi_warnings++;
	}
	if (r->junit && soak_report_junit_add(r, shard, rec))
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	if (ring_push(r, s, line, len))
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	return 1;
}

static void note_bad(struct soak_report_source *s, unsigned long lineno)
{
	s->bad++;
	if (s->nbad_lines < sizeof(s->bad_lines) / sizeof(s->bad_lines[0]))
		s->bad_lines[s->nbad_lines++] = lineno;
}

static int newer_schema(const char *what, long major, struct soak_err *err)
{
	return soak_err_set(err, SOAK_EXIT_INPUT,
	                    "%s: schema major version %ld is newer than this soak-report (%d); "
	                    "use a newer soak-report",
	                    what, major, SOAK_SCHEMA_MAJOR);
}

static int read_metrics(struct soak_report *r, unsigned shard, const char *path,
                        struct soak_err *err)
{
	struct soak_report_source *s = &r->src[shard];
	struct soak_report_lines rd;
	struct soak_rec rec;
	const char *line;
	size_t len, noted = 0;
	int rc;

	if (soak_report_lines_open(&rd, path, MAX_LINE, err))
		return -1;
	while ((rc = soak_report_lines_next(&rd, &line, &len, err)) == 1) {
		long major;

		/* overlong lines skipped before this one, in their place among the bad */
		for (; noted < rd.noverlong_at; noted++)
			note_bad(s, rd.overlong_at[noted]);
		s->lines++;
		rc = soak_rec_parse(&r->scan, line, len, &rec);
		if (rc < 0) {
			soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
			break;
		}
		if (!rc) {
			note_bad(s, rd.lineno);
			continue;
		}
		major = rec_schema_major(&rec);
		if (major > SOAK_SCHEMA_MAJOR) {
			char what[600];

			snprintf(what, sizeof(what), "'%s' line %lu", path, rd.lineno);
			soak_report_lines_close(&rd);
			return newer_schema(what, major, err);
		}
		rc = major < 0 ? 0 : take_record(r, shard, &rec, line, len, err);
		if (rc < 0)
			break;
		if (!rc)
			note_bad(s, rd.lineno);
	}
	for (; noted < rd.noverlong_at; noted++)
		note_bad(s, rd.overlong_at[noted]);
	s->bad += rd.overlong - noted;
	s->lines += rd.overlong;
	s->partial = rd.partial;
	soak_report_lines_close(&rd);
	return rc < 0 ? -1 : 0;
}

static int read_samples(struct soak_report *r, unsigned shard, const char *path,
                        struct soak_err *err)
{
	struct soak_report_source *s = &r->src[shard];
	struct soak_report_lines rd;
	struct soak_rec rec;
	const char *line;
	size_t len;
	int rc;

	if (soak_report_lines_open(&rd, path, MAX_LINE, err))
		return -1;
	while ((rc = soak_report_lines_next(&rd, &line, &len, err)) == 1) {
		int ok = soak_rec_parse(&r->scan, line, len, &rec);
		const char *scope = ok > 0 ? soak_rec_str(&rec, SOAK_RK_SCOPE) : NULL;
		double t;
		int m;

		if (ok < 0) {
			rc = soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
			break;
		}
		if (ok && rec_schema_major(&rec) > SOAK_SCHEMA_MAJOR) {
			char what[600];
			long major = rec_schema_major(&rec);

			snprintf(what, sizeof(what), "'%s' line %lu", path, rd.lineno);
			soak_report_lines_close(&rd);
			return newer_schema(what, major, err);
		}
		/* samples are auxiliary: a bad one is skipped without failing the report */
		if (scope && (!strcmp(scope, "service") || !strcmp(scope, "watch")) &&
		    soak_rec_num(&rec, SOAK_RK_ELAPSED_S, &t) && t >= 0) {
			s->samples++;
			for (m = 0; m < SOAK_M_N; m++) {
				struct soak_series *ps;
				double v;

				if (!soak_report_metrics[m].service ||
				    !soak_rec_num(&rec, metric_key[m], &v))
					continue;
				soak_stats_add(&r->all.m[m], v);
				soak_series_add(&r->chart[m], t / 3600.0, v);
				ps = &r->trend[m].per_shard[shard];
				soak_series_add(ps,
				                ps->seen && t / 3600.0 < ps->first_x ? ps->first_x
				                                                     : t / 3600.0,
				                v);
			}
		}
	}
	soak_report_lines_close(&rd);
	return rc < 0 ? -1 : 0;
}

/* tuning.jsonl, when the directory has one; more malformed lines than
 * max_bad_share is an input error, as for metrics.jsonl. */
static int read_tuning(struct soak_report *r, unsigned shard, struct soak_err *err)
{
	struct soak_report_source *s = &r->src[shard];
	char *path = soak_path_join(s->dir, "tuning.jsonl"), where[128] = "";
	struct soak_tunelog *t;
	size_t k, o = 0;

	if (!path)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	if (!soak_path_exists(path)) {
		free(path);
		return 0;
	}
	t = s->tune = malloc(sizeof(*t));
	if (!t) {
		free(path);
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	}
	if (soak_tunelog_load(path, t, err)) {
		free(path);
		return -1;
	}
	free(path);
	if (!t->bad || (double)t->bad <= r->o.max_bad_share * (double)t->lines)
		return 0;
	for (k = 0; k < t->nbad_lines && o < sizeof(where) - 24; k++)
		o += (size_t)snprintf(where + o, sizeof(where) - o, "%s%lu", k ? ", " : "",
		                      t->bad_lines[k]);
	return soak_err_set(err, SOAK_EXIT_INPUT,
	                    "%llu of %llu lines of 'tuning.jsonl' in '%s' are malformed, more "
	                    "than the %g%% allowed (--max-bad-share); first at lines %s",
	                    (unsigned long long)t->bad, (unsigned long long)t->lines, s->dir,
	                    r->o.max_bad_share * 100, where[0] ? where : "(too long to read)");
}

/* A whole JSON document, optional: 0 with *out NULL when the file is missing. */
static int load_doc(const char *dir, const char *name, cJSON **out, struct soak_err *err)
{
	char *path = soak_path_join(dir, name);
	int rc = 0;

	*out = NULL;
	if (!path)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	if (soak_path_exists(path)) {
		rc = soak_json_load(path, MAX_DOC, out, err);
		if (!rc && soak_schema_check(*out, name, err)) {
			soak_err_prefix(err, "'%s'", dir);
			cJSON_Delete(*out);
			*out = NULL;
			rc = -1;
		}
	}
	free(path);
	return rc;
}

static int64_t conf_duration(const cJSON *run, const char *key)
{
	const cJSON *c =
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(run, "config"), key);
	const char *v = jstr(c, "value");
	struct soak_err e;
	int64_t ms;

	if (!v || soak_parse_duration(v, &ms, &e))
		return -1;
	return ms;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* The legacy status: a "status" string, a "passed"/"success" boolean, or the exit code. */
static const char *legacy_status(const cJSON *doc)
{
	static const struct {
		const char *in, *out;
	} map[] = {{"pass", "pass"},         {"passed", "pass"},  {"success", "pass"},
	           {"succeeded", "pass"},    {"ok", "pass"},      {"fail", "fail"},
	           {"failed", "fail"},       {"failure", "fail"}, {"timeout", "timeout"},
	           {"timed_out", "timeout"}, {"error", "error"},  {"skipped", "skipped"}};
	const char *s = jstr(doc, "status");
	const cJSON *b;
	double d;
	size_t i;

	if (s) {
		for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (!strcasecmp(s, map[i].in))
				return map[i].out;
		return NULL;
	}
	b = cJSON_GetObjectItemCaseSensitive(doc, "passed");
	if (!cJSON_IsBool(b))
		b = cJSON_GetObjectItemCaseSensitive(doc, "success");
	if (cJSON_IsBool(b))
		return cJSON_IsTrue(b) ? "pass" : "fail";
	if (jnum(doc, "exit_code", &d))
		return d == 0 ? "pass" : "fail";
	return NULL;
}

/* Turn a legacy ITER_SUMMARY document into a metrics.jsonl record (NULL: not usable). */
static cJSON *legacy_record(const cJSON *doc, uint64_t n)
{
	static const char *const copy[] = {"start",          "end",      "exit_code", "signal",
	                                   "peak_rss_bytes", "open_fds", "threads",   "log"};
	const char *st = legacy_status(doc);
	const cJSON *sum = cJSON_GetObjectItemCaseSensitive(doc, "summary"), *c;
	cJSON *rec, *kpi = NULL;
	double d;
	size_t i;

	if (!cJSON_IsObject(doc) || !st)
		return NULL;
	rec = cJSON_CreateObject();
	if (!rec)
		return NULL;
	cJSON_AddStringToObject(rec, "schema", SOAK_SCHEMA);
	cJSON_AddNumberToObject(rec, "iteration", (double)n);
	cJSON_AddStringToObject(rec, "status", st);
	if (jnum(doc, "duration_ms", &d))
		cJSON_AddNumberToObject(rec, "duration_ms", d);
	else if (jnum(doc, "duration_s", &d) || jnum(doc, "duration_seconds", &d) ||
	         jnum(doc, "duration", &d))
		cJSON_AddNumberToObject(rec, "duration_ms", d * 1000);
	for (i = 0; i < sizeof(copy) / sizeof(copy[0]); i++) {
		c = cJSON_GetObjectItemCaseSensitive(doc, copy[i]);
		if (c && !cJSON_IsNull(c))
			cJSON_AddItemToObject(rec, copy[i], cJSON_Duplicate(c, 1));
	}
	cJSON_ArrayForEach(c, sum)
	{
		if (!cJSON_IsNumber(c) || !c->string)
			continue;
		if (!kpi)
			kpi = cJSON_AddObjectToObject(rec, "kpi");
		if (kpi)
			cJSON_AddNumberToObject(kpi, c->string, c->valuedouble);
	}
	return rec;
}

typedef int (*legacy_fn)(void *ctx, const cJSON *rec, unsigned long num, struct soak_err *err);

/*
 * The legacy layout: ITER_SUMMARY_<n>.json files, in order of n, each normalized
 * and given to fn (rec NULL for a file that cannot be used). -1 error, else how many files.
 */
static long legacy_each(const char *dir, legacy_fn fn, void *ctx, struct soak_err *err)
{
	uint64_t *nums = NULL, n;
	size_t count = 0, cap = 0, i;
	char **names;
	size_t nnames;
	long rc = -1;

	if (soak_os_list_dir(dir, &names, &nnames) < 0)
		return soak_err_errno(err, SOAK_EXIT_INPUT, errno, "cannot open '%s'", dir);
	for (size_t k = 0; k < nnames; k++) {
		const char *p = names[k];
		char *end;

		if (strncmp(p, "ITER_SUMMARY_", 13) || !isdigit((unsigned char)p[13]))
			continue;
		errno = 0;
		n = strtoull(p + 13, &end, 10);
		if (errno || strcmp(end, ".json"))
			continue;
		if (count == cap) {
			uint64_t *t = realloc(nums, (cap = cap ? cap * 2 : 64) * sizeof(*t));

			if (!t) {
				soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
				goto out;
			}
			nums = t;
		}
		nums[count++] = n;
	}
	if (count)
		qsort(nums, count, sizeof(*nums), cmp_u64);
	for (i = 0; i < count; i++) {
		char name[64], *path;
		cJSON *doc = NULL, *rec = NULL;
		struct soak_err e;
		int used;

		snprintf(name, sizeof(name), "ITER_SUMMARY_%llu.json", (unsigned long long)nums[i]);
		path = soak_path_join(dir, name);
		if (!path) {
			soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
			goto out;
		}
		if (!soak_json_load(path, MAX_DOC, &doc, &e)) {
			if (schema_major(doc) > SOAK_SCHEMA_MAJOR) {
				char what[600];

				snprintf(what, sizeof(what), "'%s'", path);
				newer_schema(what, schema_major(doc), err);
				cJSON_Delete(doc);
				free(path);
				goto out;
			}
			rec = legacy_record(doc, nums[i]);
			cJSON_Delete(doc);
		}
		free(path);
		used = fn(ctx, rec, (unsigned long)nums[i], err);
		cJSON_Delete(rec);
		if (used < 0)
			goto out;
	}
	rc = (long)count;
out:
	free(nums);
	soak_os_names_free(names, nnames);
	return rc;
}

struct legacy_load {
	struct soak_report *r;
	unsigned shard;
};

static int legacy_take(void *ctx, const cJSON *rec, unsigned long num, struct soak_err *err)
{
	struct legacy_load *l = ctx;
	struct soak_report_source *s = &l->r->src[l->shard];
	char *text = rec ? cJSON_PrintUnformatted(rec) : NULL;
	struct soak_rec view;
	int used = 0;

	s->lines++;
	if (text) {
		if (soak_rec_from_json(&l->r->scan, rec, &view))
			used = soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		else
			used = take_record(l->r, l->shard, &view, text, strlen(text), err);
	}
	free(text);
	if (used < 0)
		return -1;
	if (!used)
		note_bad(s, num);
	return used;
}

static long read_legacy(struct soak_report *r, unsigned shard, struct soak_err *err)
{
	struct legacy_load l = {r, shard};

	return legacy_each(r->src[shard].dir, legacy_take, &l, err);
}

/* summary.json's live gates (soak-run --gate / --warn-gate), merged into r's gates. */
static int load_live_gates(struct soak_report *r, unsigned shard, const cJSON *sum,
                           struct soak_err *err)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(sum, "gates"), *o;
	int i = 0;

	if (!a)
		return 0;
	if (!cJSON_IsArray(a))
		return soak_err_set(err, SOAK_EXIT_INPUT,
		                    "'%s': summary.json: 'gates' is not an array",
		                    r->src[shard].dir);
	cJSON_ArrayForEach(o, a)
	{
		const char *expr = jstr(o, "gate"), *level = jstr(o, "level"),
		           *outcome = jstr(o, "outcome");
		double first = 0, value = NAN;

		if (!expr || !level || !outcome ||
		    (strcmp(level, "abort") && strcmp(level, "warn")))
			return soak_err_set(err, SOAK_EXIT_INPUT,
			                    "'%s': summary.json: gates[%d] needs 'gate', 'level' "
			                    "(abort or warn) and 'outcome'",
			                    r->src[shard].dir, i);
		jnum(o, "first_failed_iteration", &first);
		jnum(o, "value", &value);
		if (soak_report_live_gate(r, shard, expr, !strcmp(level, "abort"), outcome, first,
		                          value, err))
			return -1;
		i++;
	}
	return 0;
}

static int load_source(struct soak_report *r, unsigned shard, struct soak_err *err)
{
	struct soak_report_source *s = &r->src[shard];
	cJSON *run = NULL, *sum = NULL;
	char *path;
	struct soak_os_stat st;
	int rc = -1;

	if (soak_os_stat(s->dir, &st))
		return soak_err_errno(err, SOAK_EXIT_INPUT, errno, "cannot open '%s'", s->dir);
	if (st.type != SOAK_OS_DIR)
		return soak_err_set(err, SOAK_EXIT_INPUT, "'%s' is not a directory", s->dir);
	if (load_doc(s->dir, "run.json", &run, err) || load_doc(s->dir, "summary.json", &sum, err))
		goto out;
	if (run) {
		const char *id = jstr(run, "run_id");

		s->run_id = id ? strdup(id) : NULL;
		s->timeout_ms = conf_duration(run, "timeout");
		s->heartbeat_ms = conf_duration(run, "heartbeat");
	}
	if (sum && jstr(sum, "state"))
		s->state = strdup(jstr(sum, "state"));
	if (sum && load_live_gates(r, shard, sum, err))
		goto out;
	path = soak_path_join(s->dir, "metrics.jsonl");
	if (!path) {
		soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		goto out;
	}
	if (soak_path_exists(path)) {
		rc = read_metrics(r, shard, path, err);
	} else {
		long n = read_legacy(r, shard, err);

		s->legacy = 1;
		rc = n < 0 ? -1 : 0;
		if (!n)
			rc = soak_err_set(err, SOAK_EXIT_INPUT,
			                  "no 'metrics.jsonl' or 'ITER_SUMMARY_<n>.json' in '%s'",
			                  s->dir);
	}
	free(path);
	if (rc)
		goto out;
	path = soak_path_join(s->dir, "samples.jsonl");
	if (path && soak_path_exists(path))
		rc = read_samples(r, shard, path, err);
	free(path);
	if (!rc)
		rc = read_tuning(r, shard, err);
out:
	cJSON_Delete(run);
	cJSON_Delete(sum);
	return rc;
}

static int compute_last(struct soak_report *r, struct soak_err *err)
{
	size_t i, k;

	for (i = 0; i < r->nsrc; i++) {
		struct soak_report_source *s = &r->src[i];
		size_t first =
		    (s->ring_pos + r->o.last_n - s->ring_len) % (r->o.last_n ? r->o.last_n : 1);

		for (k = 0; k < s->ring_len; k++) {
			const struct soak_report_text *t = &s->ring[(first + k) % r->o.last_n];
			struct soak_rec rec;
			struct iter it;
			double disk0 = s->disk0;

			if (soak_rec_parse(&r->scan, t->s, t->len, &rec) <= 0)
				return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
			if (parse_iter(s, &rec, &it))
				scope_add(&r->last, (unsigned)i, &it, 0);
			s->disk0 = disk0;
		}
	}
	return 0;
}

int soak_report_load(struct soak_report *r, struct soak_err *err)
{
	unsigned i;
	int m;

	if ((r->o.formats & SOAK_REPORT_F_JUNIT) && soak_report_junit_begin(r))
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	for (i = 0; i < r->nsrc; i++) {
		if (load_source(r, i, err))
			return -1;
		r->bad += r->src[i].bad;
		r->lines += r->src[i].lines;
	}
	if (r->bad && (double)r->bad > r->o.max_bad_share * (double)r->lines) {
		struct soak_report_source *s = NULL;
		char where[128] = "";
		size_t k, o = 0;

		for (i = 0; i < r->nsrc && !s; i++)
			if (r->src[i].bad)
				s = &r->src[i];
		for (k = 0; k < s->nbad_lines && o < sizeof(where) - 24; k++)
			o += (size_t)snprintf(where + o, sizeof(where) - o, "%s%lu", k ? ", " : "",
			                      s->bad_lines[k]);
		return soak_err_set(
		    err, SOAK_EXIT_INPUT,
		    "%llu of %llu records are malformed, more than the %g%% allowed "
		    "(--max-bad-share); in '%s' first at %s %s",
		    (unsigned long long)r->bad, (unsigned long long)r->lines,
		    r->o.max_bad_share * 100, s->dir, s->legacy ? "iterations" : "lines", where);
	}
	if (compute_last(r, err))
		return -1;
	for (m = 0; m < SOAK_M_N; m++) {
		struct soak_report_trend *t = &r->trend[m];

		if (!t->per_shard)
			continue;
		if (soak_series_trend_multi(t->per_shard, r->nsrc, r->o.settle_frac, &t->t))
			return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		t->have = t->t.n >= 3;
		t->significant = soak_gate_trend_significant(&t->t, r->o.alpha);
	}
	return 0;
}
