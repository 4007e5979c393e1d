#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "report_junit.h"
#include "banned.h"

#define JUNIT_MAX_BYTES ((size_t)128 * 1024 * 1024)

/* The testcases of one shard, listed one way: every iteration, or failures only. */
struct jmode {
	struct soak_buf cases;
	uint64_t tests, failures, errors, skipped, listed, unlisted_pass, unlisted_fail;
	double time_s;
};

/*
 * The document is collected in one pass, before it is known whether the run has
 * more than --junit-max iterations: both listings are kept per shard, the one of
 * every iteration only while the iterations so far fit.
 */
struct soak_report_junit {
	struct jmode *every, *failures; /* per shard */
	size_t nshards;
	uint64_t seen;  /* iterations so far */
	int every_gone; /* more than junit_max: the listing of every iteration was dropped */
	int oom;
};

static void xesc(struct soak_buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '<')
			soak_buf_adds(b, "&lt;");
		else if (c == '>')
			soak_buf_adds(b, "&gt;");
		else if (c == '&')
			soak_buf_adds(b, "&amp;");
		else if (c == '"')
			soak_buf_adds(b, "&quot;");
		else if (c < 0x20 && c != '\n' && c != '\t')
			soak_buf_adds(b, "?"); /* not allowed in XML 1.0 */
		else
			soak_buf_add(b, s, 1);
	}
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(x) ? x->valuestring : NULL;
}

static double jnum(const cJSON *o, const char *k)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

static void cause(const char *st, double sig, double code, char *buf, size_t n)
{
	if (!strcmp(st, "timeout"))
		snprintf(buf, n, "timed out");
	else if (!strcmp(st, "error"))
		snprintf(buf, n, "could not run");
	else if (isfinite(sig))
		snprintf(buf, n, "killed by signal %.0f", sig);
	else if (isfinite(code))
		snprintf(buf, n, "exit code %.0f", code);
	else
		snprintf(buf, n, "failed");
}

/*
 * One testcase, named "iteration IT" or "iteration IT step STEP", of status st
 * (duration ms, signal sig and exit code code, NAN when unknown).
 */
static void testcase(struct jmode *j, uint64_t max, int all, const char *run_id, double it,
                     const char *step, const char *st, double ms, double sig, double code,
                     const char *log)
{
	int fail = !strcmp(st, "fail") || !strcmp(st, "timeout"), err = !strcmp(st, "error"),
	    skip = !strcmp(st, "skipped");
	struct soak_buf *b = &j->cases;
	char why[96], name[160];

	j->tests++;
	j->failures += fail;
	j->errors += err;
	j->skipped += skip;
	if (isfinite(ms))
		j->time_s += ms / 1000;
	if (!all && !fail && !err) {
		j->unlisted_pass++;
		return;
	}
	if (j->listed >= max) {
		if (fail || err)
			j->unlisted_fail++;
		else
			j->unlisted_pass++;
		return;
	}
	j->listed++;
	if (step)
		snprintf(name, sizeof(name), "iteration %.0f step %s", isfinite(it) ? it : 0, step);
	else
		snprintf(name, sizeof(name), "iteration %.0f", isfinite(it) ? it : 0);
	soak_buf_adds(b, "    <testcase classname=\"soak.");
	xesc(b, run_id ? run_id : "run");
	soak_buf_adds(b, "\" name=\"");
	xesc(b, name);
	soak_buf_addf(b, "\" time=\"%.3f\"", isfinite(ms) ? ms / 1000 : 0.0);
	if (!fail && !err && !skip) {
		soak_buf_adds(b, "/>\n");
		return;
	}
	soak_buf_adds(b, ">\n");
	cause(st, sig, code, why, sizeof(why));
	if (skip) {
		soak_buf_adds(b, "      <skipped/>\n");
	} else {
		soak_buf_addf(b, "      <%s message=\"%s\" type=\"%s\">", err ? "error" : "failure",
		              why, st);
		if (log) {
			soak_buf_adds(b, "log: ");
			xesc(b, log);
		}
		soak_buf_addf(b, "</%s>\n", err ? "error" : "failure");
	}
	soak_buf_adds(b, "    </testcase>\n");
}

/* Append shard i's testsuite, listed as j says, to out; adds to the totals. */
static int flush_suite(struct soak_report *r, size_t i, struct jmode *j, struct soak_buf *out,
                       struct jmode *total)
{
	struct soak_report_source *s = &r->src[i];
	uint64_t tests = j->tests, failures = j->failures;
	int rc = 0;

	soak_buf_adds(out, "  <testsuite name=\"soak: ");
	xesc(out, s->dir);
	if (j->unlisted_pass)
		tests = tests - j->unlisted_pass + 1;
	if (j->unlisted_fail) {
		tests = tests - j->unlisted_fail + 1;
		failures = failures - j->unlisted_fail + 1;
	}
	soak_buf_addf(
	    out,
	    "\" tests=\"%llu\" failures=\"%llu\" errors=\"%llu\" skipped=\"%llu\" time=\"%.3f\">\n",
	    (unsigned long long)tests, (unsigned long long)failures, (unsigned long long)j->errors,
	    (unsigned long long)j->skipped, j->time_s);
	if (soak_buf_add(out, soak_buf_str(&j->cases), j->cases.len))
		rc = -1;
	if (j->unlisted_pass)
		/* one testcase stands for the passing iterations not listed one by one */
		soak_buf_addf(out,
		              "    <testcase classname=\"soak\" name=\"%llu passing iterations "
		              "(not listed)\" time=\"0\"/>\n",
		              (unsigned long long)j->unlisted_pass);
	if (j->unlisted_fail)
		soak_buf_addf(
		    out,
		    "    <testcase classname=\"soak\" name=\"%llu more failing iterations "
		    "(not listed)\" time=\"0\">\n      <failure message=\"see FAILURES.md\" "
		    "type=\"fail\"/>\n    </testcase>\n",
		    (unsigned long long)j->unlisted_fail);
	if (soak_buf_adds(out, "  </testsuite>\n"))
		rc = -1;
	total->tests += tests;
	total->failures += failures;
	total->errors += j->errors;
	total->skipped += j->skipped;
	total->time_s += j->time_s;
	return rc;
}

static void jmode_init(struct jmode *m)
{
	memset(m, 0, sizeof(*m));
	soak_buf_init(&m->cases, JUNIT_MAX_BYTES);
}

int soak_report_junit_begin(struct soak_report *r)
{
	struct soak_report_junit *j = calloc(1, sizeof(*j));
	size_t i;

	if (!j)
		return -1;
	r->junit = j;
	j->nshards = r->nsrc;
	j->every = calloc(r->nsrc ? r->nsrc : 1, sizeof(*j->every));
	j->failures = calloc(r->nsrc ? r->nsrc : 1, sizeof(*j->failures));
	if (!j->every || !j->failures)
		return -1;
	for (i = 0; i < r->nsrc; i++) {
		jmode_init(&j->every[i]);
		jmode_init(&j->failures[i]);
	}
	return 0;
}

void soak_report_junit_free(struct soak_report *r)
{
	struct soak_report_junit *j = r->junit;
	size_t i;

	if (!j)
		return;
	for (i = 0; i < j->nshards; i++) {
		if (j->every)
			soak_buf_free(&j->every[i].cases);
		if (j->failures)
			soak_buf_free(&j->failures[i].cases);
	}
	free(j->every);
	free(j->failures);
	free(j);
	r->junit = NULL;
}

static double jnum_raw(const struct soak_rec *rec, enum soak_rec_key k)
{
	return rec->k[k].type == SOAK_RT_NUMBER ? rec->k[k].num : NAN;
}

/* The testcases of one iteration into one listing. */
static void add_cases(struct soak_report *r, struct jmode *m, int all, const char *run_id,
                      const struct soak_rec *rec)
{
	const cJSON *steps = rec->steps, *st;
	double it = jnum_raw(rec, SOAK_RK_ITERATION);
	uint64_t max = r->o.junit_max;

	if (r->o.junit_steps && cJSON_GetArraySize(steps) > 0) {
		cJSON_ArrayForEach(st, steps)
		{
			const char *sn = jstr(st, "name"), *ss = jstr(st, "status");

			if (!sn || !ss)
				continue;
			testcase(m, max, all, run_id, it, sn, ss, jnum(st, "duration_ms"),
			         jnum(st, "signal"), jnum(st, "exit_code"), jstr(st, "log"));
		}
	} else {
		testcase(m, max, all, run_id, it, NULL, soak_rec_str(rec, SOAK_RK_STATUS),
		         jnum_raw(rec, SOAK_RK_DURATION_MS), jnum_raw(rec, SOAK_RK_SIGNAL),
		         jnum_raw(rec, SOAK_RK_EXIT_CODE), soak_rec_str(rec, SOAK_RK_LOG));
	}
}

int soak_report_junit_add(struct soak_report *r, unsigned shard, const struct soak_rec *rec)
{
	struct soak_report_junit *j = r->junit;
	const char *run_id = r->src[shard].run_id;
	size_t i;

	j->seen++;
	if (!j->every_gone && j->seen > r->o.junit_max) {
		/* past --junit-max iterations only the failures are listed */
		for (i = 0; i < j->nshards; i++)
			soak_buf_free(&j->every[i].cases);
		j->every_gone = 1;
	}
	if (!j->every_gone)
		add_cases(r, &j->every[shard], 1, run_id, rec);
	add_cases(r, &j->failures[shard], 0, run_id, rec);
	if (j->every[shard].cases.len >= JUNIT_MAX_BYTES ||
	    j->failures[shard].cases.len >= JUNIT_MAX_BYTES)
		j->oom = 1;
	return 0;
}

int soak_report_junit(struct soak_report *r, struct soak_buf *out, struct soak_err *err)
{
	struct soak_report_junit *j = r->junit;
	struct jmode total;
	struct soak_buf body;
	int all = r->all.n <= r->o.junit_max, rc = 0;
	size_t i;

	if (!j)
		return soak_err_set(err, SOAK_EXIT_ENV, "junit.xml was not collected");
	if (j->oom || (all && j->every_gone))
		return soak_err_set(err, SOAK_EXIT_ENV, "cannot build 'junit.xml': too large");
	memset(&total, 0, sizeof(total));
	soak_buf_init(&body, JUNIT_MAX_BYTES);
	for (i = 0; i < r->nsrc; i++)
		if (flush_suite(r, i, all ? &j->every[i] : &j->failures[i], &body, &total))
			rc = -1;
	soak_buf_reset(out);
	out->max = JUNIT_MAX_BYTES;
	soak_buf_addf(
	    out,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"soak\" tests=\"%llu\" "
	    "failures=\"%llu\" errors=\"%llu\" skipped=\"%llu\" time=\"%.3f\">\n",
	    (unsigned long long)total.tests, (unsigned long long)total.failures,
	    (unsigned long long)total.errors, (unsigned long long)total.skipped, total.time_s);
	if (rc || soak_buf_add(out, soak_buf_str(&body), body.len) ||
	    soak_buf_adds(out, "</testsuites>\n")) {
		soak_buf_free(&body);
		return soak_err_set(err, SOAK_EXIT_ENV, "cannot build 'junit.xml': too large");
	}
	soak_buf_free(&body);
	return 0;
}
