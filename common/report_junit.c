#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "report.h"
#include "banned.h"

#define JUNIT_MAX_BYTES ((size_t)128 * 1024 * 1024)

struct junit {
	struct soak_report *r;
	struct soak_buf cases; /* the current shard's testcases */
	unsigned shard;
	uint64_t tests, failures, errors, skipped, listed, unlisted_pass, unlisted_fail;
	int oom;
	double time_s;
	int all; /* list every iteration (else failures only) */
	struct soak_buf *out;
	uint64_t total_tests, total_failures, total_errors, total_skipped;
	double total_time;
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

static void cause(const cJSON *o, const char *st, char *buf, size_t n)
{
	double sig = jnum(o, "signal"), code = jnum(o, "exit_code");

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

/* One testcase; counts it. */
static void testcase(struct junit *j, const char *cls, const char *name, const cJSON *o,
                     const char *log)
{
	const char *st = jstr(o, "status");
	double ms = jnum(o, "duration_ms");
	int fail = !strcmp(st, "fail") || !strcmp(st, "timeout"), err = !strcmp(st, "error"),
	    skip = !strcmp(st, "skipped");
	struct soak_buf *b = &j->cases;
	char why[96];

	j->tests++;
	j->failures += fail;
	j->errors += err;
	j->skipped += skip;
	if (isfinite(ms))
		j->time_s += ms / 1000;
	if (!j->all && !fail && !err) {
		j->unlisted_pass++;
		return;
	}
	if (j->listed >= j->r->o.junit_max) {
		if (fail || err)
			j->unlisted_fail++;
		else
			j->unlisted_pass++;
		return;
	}
	j->listed++;
	soak_buf_adds(b, "    <testcase classname=\"");
	xesc(b, cls);
	soak_buf_adds(b, "\" name=\"");
	xesc(b, name);
	soak_buf_addf(b, "\" time=\"%.3f\"", isfinite(ms) ? ms / 1000 : 0.0);
	if (!fail && !err && !skip) {
		soak_buf_adds(b, "/>\n");
		return;
	}
	soak_buf_adds(b, ">\n");
	cause(o, st, why, sizeof(why));
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

static void flush_suite(struct junit *j)
{
	struct soak_report_source *s = &j->r->src[j->shard];
	struct soak_buf *b = j->out;

	if (j->unlisted_pass) {
		/* one testcase stands for the passing iterations not listed one by one */
		soak_buf_addf(&j->cases,
		              "    <testcase classname=\"soak\" name=\"%llu passing iterations "
		              "(not listed)\" "
		              "time=\"0\"/>\n",
		              (unsigned long long)j->unlisted_pass);
		j->tests = j->tests - j->unlisted_pass + 1;
	}
	if (j->unlisted_fail) {
		soak_buf_addf(
		    &j->cases,
		    "    <testcase classname=\"soak\" name=\"%llu more failing iterations (not "
		    "listed)\" "
		    "time=\"0\">\n      <failure message=\"see FAILURES.md\" type=\"fail\"/>\n"
		    "    </testcase>\n",
		    (unsigned long long)j->unlisted_fail);
		j->tests = j->tests - j->unlisted_fail + 1;
		j->failures = j->failures - j->unlisted_fail + 1;
	}
	soak_buf_adds(b, "  <testsuite name=\"soak: ");
	xesc(b, s->dir);
	soak_buf_addf(
	    b,
	    "\" tests=\"%llu\" failures=\"%llu\" errors=\"%llu\" skipped=\"%llu\" time=\"%.3f\">\n",
	    (unsigned long long)j->tests, (unsigned long long)j->failures,
	    (unsigned long long)j->errors, (unsigned long long)j->skipped, j->time_s);
	if (soak_buf_add(b, soak_buf_str(&j->cases), j->cases.len))
		j->oom = 1;
	soak_buf_adds(b, "  </testsuite>\n");
	j->total_tests += j->tests;
	j->total_failures += j->failures;
	j->total_errors += j->errors;
	j->total_skipped += j->skipped;
	j->total_time += j->time_s;
	j->tests = j->failures = j->errors = j->skipped = j->listed = j->unlisted_pass =
	    j->unlisted_fail = 0;
	j->time_s = 0;
	soak_buf_reset(&j->cases);
}

static int each(void *ctx, unsigned shard, const cJSON *rec, struct soak_err *err)
{
	struct junit *j = ctx;
	struct soak_report_source *s = &j->r->src[shard];
	const cJSON *steps = cJSON_GetObjectItemCaseSensitive(rec, "steps"), *st;
	double it = jnum(rec, "iteration");
	char cls[160], name[160];

	while (j->shard != shard) {
		flush_suite(j);
		j->shard++;
	}
	snprintf(cls, sizeof(cls), "soak.%s", s->run_id ? s->run_id : "run");
	if (j->r->o.junit_steps && cJSON_GetArraySize(steps) > 0) {
		cJSON_ArrayForEach(st, steps)
		{
			const char *sn = jstr(st, "name"), *ss = jstr(st, "status");

			if (!sn || !ss)
				continue;
			snprintf(name, sizeof(name), "iteration %.0f step %s",
			         isfinite(it) ? it : 0, sn);
			testcase(j, cls, name, st, jstr(st, "log"));
		}
	} else {
		snprintf(name, sizeof(name), "iteration %.0f", isfinite(it) ? it : 0);
		testcase(j, cls, name, rec, jstr(rec, "log"));
	}
	return 0;
}

int soak_report_junit(struct soak_report *r, struct soak_buf *out, struct soak_err *err)
{
	struct junit j;
	struct soak_buf head;
	int rc;

	memset(&j, 0, sizeof(j));
	j.r = r;
	j.out = out;
	j.all = r->all.n <= r->o.junit_max;
	soak_buf_init(&j.cases, JUNIT_MAX_BYTES);
	rc = soak_report_foreach(r, each, &j, err);
	if (!rc) {
		while (j.shard < r->nsrc) {
			flush_suite(&j);
			j.shard++;
		}
	}
	soak_buf_free(&j.cases);
	if (rc)
		return -1;
	if (j.oom)
		return soak_err_set(err, SOAK_EXIT_ENV, "cannot build 'junit.xml': too large");
	soak_buf_init(&head, JUNIT_MAX_BYTES);
	soak_buf_addf(
	    &head,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"soak\" tests=\"%llu\" "
	    "failures=\"%llu\" errors=\"%llu\" skipped=\"%llu\" time=\"%.3f\">\n",
	    (unsigned long long)j.total_tests, (unsigned long long)j.total_failures,
	    (unsigned long long)j.total_errors, (unsigned long long)j.total_skipped, j.total_time);
	rc = soak_buf_add(&head, soak_buf_str(out), out->len) ||
	     soak_buf_adds(&head, "</testsuites>\n");
	if (rc) {
		soak_buf_free(&head);
		return soak_err_set(err, SOAK_EXIT_ENV, "cannot build 'junit.xml': too large");
	}
	soak_buf_free(out);
	*out = head;
	out->max = JUNIT_MAX_BYTES;
	return 0;
}
