/*
 * Prometheus HTTP API answers (/api/v1/query and /api/v1/query_range) through
 * soak_prom_decode (canary_prom.h), the decoder behind soak_prom_query and
 * soak_prom_query_range, then what soak-canary does with the values: the
 * watch's condition functions (soak_expr_eval) and the judge (soak_judge_metric).
 *
 * Invariants: a refusal is SOAK_EXIT_ENV with a message and leaves the result
 * empty; a decoded result is a vector, matrix or scalar (one series of one value)
 * whose series add up to nvalues, with as many values as the answer has samples
 * (checked against a walk of the same JSON); len(), last() and NAME[i] see those
 * values; the judge removes or replaces every NaN and infinity (counted), so the
 * values it tests with are finite, and a test gives a p-value in [0, 1].
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "fuzz_util.h"
#include "buf.h"
#include "canary_prom.h"
#include "exitcode.h"
#include "judge.h"
#include "banned.h"

/* The samples the answer holds, counted without the decoder: -1 when it cannot be one. */
static long samples(const struct soak_buf *body, const char *type)
{
	cJSON *doc = cJSON_ParseWithLength(soak_buf_str(body), body->len);
	const cJSON *res, *item;
	long n = 0;

	if (!doc)
		return -1;
	res = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "data"),
	                                       "result");
	if (!strcmp(type, "scalar")) {
		n = 1;
	} else {
		cJSON_ArrayForEach(item, res)
		{
			n += strcmp(type, "vector")
			         ? cJSON_GetArraySize(
			               cJSON_GetObjectItemCaseSensitive(item, "values"))
			         : 1;
		}
	}
	cJSON_Delete(doc);
	return n;
}

static int same(double a, double b)
{
	return (isnan(a) && isnan(b)) || !memcmp(&a, &b, sizeof(a));
}

static double eval(const char *text, const struct soak_prom_result *r)
{
	static char *const names[] = {"m"};
	struct soak_expr *e;
	struct soak_err err = {0};
	double v;

	if (soak_expr_parse(text, names, 1, &e, &err) < 0)
		fuzz_fail("expression '%s': %s", text, err.msg);
	v = soak_expr_eval(e, r);
	soak_expr_free(e);
	return v;
}

static void watch(const struct soak_prom_result *r, const double *all)
{
	double v;

	if (eval("len(m)", r) != (double)r->nvalues)
		fuzz_fail("len(m) is %g, the result has %zu values", eval("len(m)", r), r->nvalues);
	v = eval("m", r);
	if (!same(v, r->nvalues ? all[0] : NAN))
		fuzz_fail("m is %g, its first value %g", v, r->nvalues ? all[0] : NAN);
	v = eval("m[2]", r);
	if (!same(v, r->nvalues > 2 ? all[2] : NAN))
		fuzz_fail("m[2] is %g, the third value %g", v, r->nvalues > 2 ? all[2] : NAN);
	v = eval("last(m)", r);
	if (!same(v, r->nvalues ? all[r->nvalues - 1] : NAN))
		fuzz_fail("last(m) is %g", v);
	v = eval("min(m)", r);
	if (!isnan(v) && v > eval("max(m)", r))
		fuzz_fail("min(m) %g above max(m) %g", v, eval("max(m)", r));
	eval("sum(m) / avg(m) > 1 && !isNaN(m) || isInf(abs(m[1]))", r);
}

static void judge(const double *all, size_t n, int how)
{
	struct soak_judge_metric m = {.name = "m",
	                              .dir = (enum soak_judge_dir)(how % 3),
	                              .nan =
	                                  how & 4 ? SOAK_JUDGE_NAN_REPLACE : SOAK_JUDGE_NAN_REMOVE,
	                              .allowed_increase = 1,
	                              .allowed_decrease = 1};
	struct soak_judge_result r;
	size_t half = n / 2, bad_b = 0, bad_c = 0;

	for (size_t i = 0; i < n; i++)
		*(i < half ? &bad_b : &bad_c) += !isfinite(all[i]);
	if (soak_judge_metric(&m, all, half, all + half, n - half, 0.95, &r) < 0)
		fuzz_fail("judge: out of memory");
	if (r.nan_b != bad_b || r.nan_c != bad_c)
		fuzz_fail("judge: %zu and %zu NaN or infinite values counted, %zu and %zu given",
		          r.nan_b, r.nan_c, bad_b, bad_c);
	if (r.nb + (m.nan == SOAK_JUDGE_NAN_REMOVE ? bad_b : 0) != half ||
	    r.nc + (m.nan == SOAK_JUDGE_NAN_REMOVE ? bad_c : 0) != n - half)
		fuzz_fail("judge: %zu + %zu values used of %zu + %zu", r.nb, r.nc, half, n - half);
	/* finite values only: an overflow may give an infinity, never NaN */
	if ((r.nb && (isnan(r.mean_b) || isnan(r.median_b))) ||
	    (r.nc && (isnan(r.mean_c) || isnan(r.median_c))))
		fuzz_fail("judge: a NaN mean or median of %zu and %zu values", r.nb, r.nc);
	if ((unsigned)r.cls > SOAK_JUDGE_FAIL_NODATA || !r.reason[0])
		fuzz_fail("judge: class %d, reason '%s'", (int)r.cls, r.reason);
	if (r.tested && !(r.mw.p >= 0 && r.mw.p <= 1))
		fuzz_fail("judge: p-value %g", r.mw.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct soak_prom_result r;
	struct soak_err err = {0};
	struct soak_buf body;
	double *all;
	size_t k = 0;
	long want;

	soak_buf_init(&body, 1 << 20);
	if (soak_buf_add(&body, data, size) < 0)
		fuzz_fail("input too large");
	if (soak_prom_decode("query 'fuzz'", &body, &r, &err) < 0) {
		if (err.code != SOAK_EXIT_ENV || !err.msg[0])
			fuzz_fail("refused with code %d, message '%s'", err.code, err.msg);
		if (r.series || r.nseries || r.nvalues)
			fuzz_fail("refused, but the result holds %zu series", r.nseries);
		soak_buf_free(&body);
		return 0;
	}
	want = samples(&body, r.type);
	soak_buf_free(&body);
	if (strcmp(r.type, "vector") && strcmp(r.type, "matrix") && strcmp(r.type, "scalar"))
		fuzz_fail("result type '%s' decoded", r.type);
	if (!strcmp(r.type, "scalar") && (r.nseries != 1 || r.nvalues != 1))
		fuzz_fail("a scalar with %zu series, %zu values", r.nseries, r.nvalues);
	if (want != (long)r.nvalues)
		fuzz_fail("%zu values decoded, the answer has %ld samples", r.nvalues, want);
	all = malloc((r.nvalues ? r.nvalues : 1) * sizeof(*all));
	if (!all)
		fuzz_fail("out of memory");
	for (size_t s = 0; s < r.nseries; s++) {
		if (r.series[s].n && !r.series[s].v)
			fuzz_fail("series %zu: %zu values and no array", s, r.series[s].n);
		for (size_t i = 0; i < r.series[s].n; i++) {
			if (k == r.nvalues)
				fuzz_fail("the series hold more than nvalues %zu", r.nvalues);
			all[k++] = r.series[s].v[i];
		}
	}
	if (k != r.nvalues)
		fuzz_fail("the series hold %zu values, nvalues is %zu", k, r.nvalues);
	watch(&r, all);
	judge(all, k, (int)(size % 7));
	free(all);
	soak_prom_result_free(&r);
	return 0;
}
