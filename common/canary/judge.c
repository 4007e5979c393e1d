#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "judge.h"
#include "banned.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double soak_normal_quantile(double p)
{
	double lo = -40, hi = 40;

	if (!(p > 0 && p < 1))
		return NAN;
	for (int i = 0; i < 200; i++) {
		double mid = (lo + hi) / 2;

		if (0.5 * erfc(-mid / sqrt(2.0)) < p)
			lo = mid;
		else
			hi = mid;
		if (hi - lo < 1e-15)
			break;
	}
	return (lo + hi) / 2;
}

/* Counts of U = 0..m*n for sizes m, n; caller frees. */
static double *wilcox_counts(size_t m, size_t n)
{
	size_t len = m * n + 1;
	double **row = calloc(m + 1, sizeof(*row)), *res = NULL;

	if (!row)
		return NULL;
	for (size_t i = 0; i <= m; i++) {
		row[i] = calloc(len, sizeof(double));
		if (!row[i])
			goto out;
		row[i][0] = 1; /* c(i, 0, u) */
	}
	/* row[i] holds c(i, j, .) for the current j; c(0, j, .) is 1 at 0 */
	for (size_t j = 1; j <= n; j++)
		for (size_t i = 1; i <= m; i++)
			for (size_t u = j; u <= i * j; u++)
				row[i][u] +=
				    row[i - 1][u - j]; /* c(i, j - 1, u) + c(i - 1, j, u - j) */
	res = row[m];
	row[m] = NULL;
out:
	for (size_t i = 0; i <= m; i++)
		free(row[i]);
	free(row);
	return res;
}

static double cdf_from_counts(const double *cnt, size_t m, size_t n, double q)
{
	double total = 0, below = 0;

	for (size_t u = 0; u <= m * n; u++) {
		total += cnt[u];
		if ((double)u <= q)
			below += cnt[u];
	}
	return below / total;
}

double soak_wilcox_cdf(double q, size_t m, size_t n)
{
	double *cnt, p;

	if (m >= 200 || n >= 200)
		return NAN;
	if (q < 0)
		return 0;
	cnt = wilcox_counts(m, n);
	if (!cnt)
		return NAN;
	p = cdf_from_counts(cnt, m, n, q);
	free(cnt);
	return p;
}

/* Doubles in an unsigned order that matches their numeric order. */
static uint64_t ord_key(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	return (u >> 63) ? ~u : u | (1ULL << 63);
}

static double key_double(uint64_t k)
{
	uint64_t u = (k >> 63) ? k & ~(1ULL << 63) : ~k;
	double d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

/* Pairs with c[i] - b[j] <= d (both sorted ascending). */
static uint64_t count_le(const double *c, size_t n1, const double *b, size_t n2, double d)
{
	uint64_t cnt = 0;
	size_t j = 0;

	for (size_t i = 0; i < n1; i++) {
		while (j < n2 && c[i] - b[j] > d)
			j++;
		cnt += n2 - j;
	}
	return cnt;
}

/* The k-th smallest (1-based) of the differences c[i] - b[j]. */
static double kth_diff(const double *c, size_t n1, const double *b, size_t n2, uint64_t k)
{
	uint64_t lo = ord_key(c[0] - b[n2 - 1]), hi = ord_key(c[n1 - 1] - b[0]);

	/* the smallest d with count_le(d) >= k; count_le(max) is n1 n2 >= k */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (count_le(c, n1, b, n2, key_double(mid)) >= k)
			hi = mid;
		else
			lo = mid + 1;
	}
	return key_double(lo) + 0.0;
}

int soak_mann_whitney(const double *canary, size_t n1, const double *baseline, size_t n2,
                      double conf, struct soak_mw *out)
{
	double *c = NULL, *b = NULL, rank_sum = 0, tie_sum = 0, nn;
	size_t n = n1 + n2, i;
	uint64_t npairs = (uint64_t)n1 * n2, k;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (!n1 || !n2) {
		errno = EINVAL;
		return -1;
	}
	c = malloc(n1 * sizeof(*c));
	b = malloc(n2 * sizeof(*b));
	if (!c || !b) {
		errno = ENOMEM;
		goto out;
	}
	for (i = 0; i < n1; i++)
		if (!isfinite(canary[i]))
			goto inval;
	for (i = 0; i < n2; i++)
		if (!isfinite(baseline[i]))
			goto inval;
	memcpy(c, canary, n1 * sizeof(*c));
	memcpy(b, baseline, n2 * sizeof(*b));
	qsort(c, n1, sizeof(*c), cmp_double);
	qsort(b, n2, sizeof(*b), cmp_double);

	/* midranks over the pooled sample */
	{
		size_t ic = 0, ib = 0, pos = 0;

		while (ic < n1 || ib < n2) {
			double v = ic < n1 && (ib >= n2 || c[ic] <= b[ib]) ? c[ic] : b[ib];
			size_t tc = 0, tb = 0, t;

			while (ic < n1 && c[ic] == v)
				ic++, tc++;
			while (ib < n2 && b[ib] == v)
				ib++, tb++;
			t = tc + tb;
			/* ranks pos+1 .. pos+t share the midrank */
			rank_sum += (double)tc * ((double)pos + (double)(t + 1) / 2);
			if (t > 1) {
				tie_sum += (double)t * (double)t * (double)t - (double)t;
				out->ties += t;
			}
			pos += t;
		}
	}
	nn = (double)n;
	out->n1 = n1;
	out->n2 = n2;
	out->conf = conf;
	out->u = rank_sum - (double)n1 * ((double)n1 + 1) / 2;
	out->mean_u = (double)npairs / 2;
	out->sd_u = sqrt((double)npairs / 12 * ((nn + 1) - tie_sum / (nn * (nn - 1))));
	out->achieved_conf = NAN;
	out->exact = !out->ties && n1 < SOAK_JUDGE_EXACT_MAX && n2 < SOAK_JUDGE_EXACT_MAX;

	if (out->exact) {
		double *cnt = wilcox_counts(n1, n2), lower, upper, target = (1 - conf) / 2, cum = 0,
		       total = 0;
		uint64_t q;

		if (!cnt) {
			errno = ENOMEM;
			goto out;
		}
		lower = cdf_from_counts(cnt, n1, n2, out->u);
		upper = 1 - cdf_from_counts(cnt, n1, n2, out->u - 1);
		out->p = 2 * (lower < upper ? lower : upper);
		if (out->p > 1)
			out->p = 1;
		for (q = 0; q <= npairs; q++)
			total += cnt[q];
		for (q = 0; q <= npairs; q++) {
			cum += cnt[q];
			if (cum / total >= target)
				break;
		}
		k = q ? q : 1;
		out->achieved_conf = 1 - 2 * cdf_from_counts(cnt, n1, n2, (double)k - 1);
		free(cnt);
	} else {
		double d = out->u - out->mean_u, kk;

		if (out->sd_u > 0) {
			double corr = d > 0 ? 0.5 : d < 0 ? -0.5 : 0;

			out->z = (d - corr) / out->sd_u;
			out->p = erfc(fabs(out->z) / sqrt(2.0));
			if (out->p > 1)
				out->p = 1;
		} else {
			out->z = 0;
			out->p = 1;
		}
		kk = floor(out->mean_u - soak_normal_quantile(1 - (1 - conf) / 2) * out->sd_u);
		k = kk < 1 ? 1 : (uint64_t)kk;
	}
	if (k > (npairs + 1) / 2)
		k = (npairs + 1) / 2;
	out->k = (size_t)k;
	out->ci_lo = kth_diff(c, n1, b, n2, k);
	out->ci_hi = kth_diff(c, n1, b, n2, npairs + 1 - k);
	if (npairs % 2)
		out->shift = kth_diff(c, n1, b, n2, npairs / 2 + 1);
	else
		out->shift =
		    (kth_diff(c, n1, b, n2, npairs / 2) + kth_diff(c, n1, b, n2, npairs / 2 + 1)) /
		    2;
	ret = 0;
	goto out;
inval:
	errno = EINVAL;
out:
	free(c);
	free(b);
	return ret;
}

const char *soak_judge_class_name(enum soak_judge_class c)
{
	switch (c) {
	case SOAK_JUDGE_PASS:
		return "pass";
	case SOAK_JUDGE_HIGH:
		return "high";
	case SOAK_JUDGE_LOW:
		return "low";
	case SOAK_JUDGE_NODATA:
		return "nodata";
	case SOAK_JUDGE_FAIL_NODATA:
		return "nodata-fail";
	}
	return "unknown";
}

const char *soak_judge_dir_name(enum soak_judge_dir d)
{
	return d == SOAK_JUDGE_INCREASE   ? "increase"
	       : d == SOAK_JUDGE_DECREASE ? "decrease"
	                                  : "either";
}

const char *soak_judge_verdict_name(enum soak_judge_verdict v)
{
	return v == SOAK_JUDGE_V_PASS ? "PASS" : v == SOAK_JUDGE_V_MARGINAL ? "MARGINAL" : "FAIL";
}

int soak_judge_failed(enum soak_judge_class c)
{
	return c == SOAK_JUDGE_HIGH || c == SOAK_JUDGE_LOW || c == SOAK_JUDGE_FAIL_NODATA;
}

/* Copy the usable values of src into a new array; counts the non-finite ones. */
static double *clean(const double *src, size_t n, enum soak_judge_nan how, size_t *out_n,
                     size_t *bad)
{
	double *v = malloc((n ? n : 1) * sizeof(*v));
	size_t k = 0;

	*bad = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (isfinite(src[i])) {
			v[k++] = src[i];
			continue;
		}
		(*bad)++;
		if (how == SOAK_JUDGE_NAN_REPLACE)
			v[k++] = 0;
	}
	*out_n = k;
	return v;
}

static double mean_of(const double *v, size_t n)
{
	double s = 0;

	if (!n)
		return NAN;
	for (size_t i = 0; i < n; i++)
		s += v[i];
	return s / (double)n;
}

int soak_judge_metric(const struct soak_judge_metric *m, const double *base, size_t nb,
                      const double *can, size_t nc, double conf, struct soak_judge_result *r)
{
	double *b, *c;
	int ret = -1;

	memset(r, 0, sizeof(*r));
	r->mean_b = r->mean_c = r->median_b = r->median_c = r->effect = NAN;
	b = clean(base, nb, m->nan, &r->nb, &r->nan_b);
	c = clean(can, nc, m->nan, &r->nc, &r->nan_c);
	if (!b || !c) {
		errno = ENOMEM;
		goto out;
	}
	qsort(b, r->nb, sizeof(*b), cmp_double);
	qsort(c, r->nc, sizeof(*c), cmp_double);
	r->mean_b = mean_of(b, r->nb);
	r->mean_c = mean_of(c, r->nc);
	if (r->nb)
		r->median_b = r->nb % 2 ? b[r->nb / 2] : (b[r->nb / 2 - 1] + b[r->nb / 2]) / 2;
	if (r->nc)
		r->median_c = r->nc % 2 ? c[r->nc / 2] : (c[r->nc / 2 - 1] + c[r->nc / 2]) / 2;
	if (r->nb && r->nc) {
		if (r->mean_b != 0)
			r->effect = r->mean_c / r->mean_b;
		else if (r->mean_c == 0)
			r->effect = 1;
	}
	if (!r->nb || !r->nc) {
		r->cls = m->must_have_data ? SOAK_JUDGE_FAIL_NODATA : SOAK_JUDGE_NODATA;
		snprintf(r->reason, sizeof(r->reason), "no data for the %s%s",
		         !r->nb && !r->nc ? "baseline and the canary"
		         : !r->nb         ? "baseline"
		                          : "canary",
		         m->must_have_data ? " (must have data)" : "");
		ret = 0;
		goto out;
	}
	if (r->nb == r->nc && !memcmp(b, c, r->nb * sizeof(*b))) {
		r->cls = SOAK_JUDGE_PASS;
		snprintf(r->reason, sizeof(r->reason),
		         "the baseline and canary data are identical");
		ret = 0;
		goto out;
	}
	if (b[0] == b[r->nb - 1] && c[0] == c[r->nc - 1] && b[0] == c[0]) {
		r->cls = SOAK_JUDGE_PASS;
		snprintf(r->reason, sizeof(r->reason), "every value is %.6g", b[0]);
		ret = 0;
		goto out;
	}
	if (soak_mann_whitney(c, r->nc, b, r->nb, conf, &r->mw) < 0)
		goto out;
	r->tested = 1;
	/* an effect that cannot be computed (baseline mean 0) counts as exceeding */
	if ((m->dir == SOAK_JUDGE_INCREASE || m->dir == SOAK_JUDGE_EITHER) && r->mw.ci_lo > 0 &&
	    (isnan(r->effect) || r->effect > m->allowed_increase)) {
		r->cls = SOAK_JUDGE_HIGH;
		snprintf(
		    r->reason, sizeof(r->reason),
		    "canary higher: shift %.6g, %g%% interval [%.6g, %.6g] above 0, mean ratio "
		    "%.4g > %.4g",
		    r->mw.shift, conf * 100, r->mw.ci_lo, r->mw.ci_hi, r->effect,
		    m->allowed_increase);
	} else if ((m->dir == SOAK_JUDGE_DECREASE || m->dir == SOAK_JUDGE_EITHER) &&
	           r->mw.ci_hi < 0 && (isnan(r->effect) || r->effect < m->allowed_decrease)) {
		r->cls = SOAK_JUDGE_LOW;
		snprintf(r->reason, sizeof(r->reason),
		         "canary lower: shift %.6g, %g%% interval [%.6g, %.6g] below 0, mean ratio "
		         "%.4g < %.4g",
		         r->mw.shift, conf * 100, r->mw.ci_lo, r->mw.ci_hi, r->effect,
		         m->allowed_decrease);
	} else {
		r->cls = SOAK_JUDGE_PASS;
		snprintf(
		    r->reason, sizeof(r->reason),
		    "no significant %s: shift %.6g, %g%% interval [%.6g, %.6g], mean ratio %.4g",
		    m->dir == SOAK_JUDGE_INCREASE   ? "increase"
		    : m->dir == SOAK_JUDGE_DECREASE ? "decrease"
		                                    : "change",
		    r->mw.shift, conf * 100, r->mw.ci_lo, r->mw.ci_hi, r->effect);
	}
	ret = 0;
out:
	free(b);
	free(c);
	return ret;
}

static const char *group_of(const struct soak_judge_metric *m)
{
	return m->group && *m->group ? m->group : "default";
}

void soak_judge_score_free(struct soak_judge_score *s)
{
	for (size_t i = 0; i < s->ngroups; i++)
		free(s->groups[i].name);
	free(s->groups);
	s->groups = NULL;
	s->ngroups = 0;
}

int soak_judge_score(const struct soak_judge_metric *m, const struct soak_judge_result *r, size_t n,
                     char *const *names, const double *weights, size_t nweights, double marginal_at,
                     double pass_at, struct soak_judge_score *out)
{
	double given = 0, share, total = 0;
	size_t i, g, unweighted = 0, counted = 0;

	memset(out, 0, sizeof(*out));
	out->groups = calloc(n ? n : 1, sizeof(*out->groups));
	if (!out->groups) {
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char *name = group_of(&m[i]);
		struct soak_judge_group *gr;

		for (g = 0; g < out->ngroups && strcmp(out->groups[g].name, name); g++)
			;
		gr = &out->groups[g];
		if (g == out->ngroups) {
			gr->name = strdup(name);
			if (!gr->name) {
				soak_judge_score_free(out);
				errno = ENOMEM;
				return -1;
			}
			out->ngroups++;
		}
		if (r[i].cls == SOAK_JUDGE_NODATA)
			gr->nodata++;
		else if (soak_judge_failed(r[i].cls))
			gr->fail++;
		else
			gr->pass++;
		if (m[i].critical && soak_judge_failed(r[i].cls))
			out->critical_failed++;
	}
	for (i = 0; i < nweights; i++) {
		for (g = 0; g < out->ngroups && strcmp(out->groups[g].name, names[i]); g++)
			;
		if (g == out->ngroups) {
			soak_judge_score_free(out);
			errno = EINVAL;
			return -1;
		}
		out->groups[g].weight = weights[i];
		out->groups[g].weight_given = 1;
		given += weights[i];
	}
	for (g = 0; g < out->ngroups; g++)
		unweighted += !out->groups[g].weight_given;
	share = unweighted && given < 100 ? (100 - given) / (double)unweighted : 0;
	for (g = 0; g < out->ngroups; g++) {
		struct soak_judge_group *gr = &out->groups[g];

		if (!gr->weight_given)
			gr->weight = share;
		gr->score = gr->pass + gr->fail
		                ? 100.0 * (double)gr->pass / (double)(gr->pass + gr->fail)
		                : NAN;
		counted += gr->pass + gr->fail;
		if (!isnan(gr->score))
			total += gr->weight;
	}
	out->score = 0;
	for (g = 0; g < out->ngroups; g++) {
		struct soak_judge_group *gr = &out->groups[g];

		gr->eff_weight = !isnan(gr->score) && total > 0 ? gr->weight * 100 / total : 0;
		if (!isnan(gr->score))
			out->score += gr->score * gr->eff_weight / 100;
	}
	if (out->critical_failed) {
		out->score = 0;
		out->verdict = SOAK_JUDGE_V_FAIL;
		snprintf(out->reason, sizeof(out->reason), "%zu critical metric%s failed",
		         out->critical_failed, out->critical_failed == 1 ? "" : "s");
	} else if (!counted) {
		out->score = 0;
		out->verdict = SOAK_JUDGE_V_FAIL;
		snprintf(out->reason, sizeof(out->reason), "no metric had data to judge");
	} else if (total <= 0) {
		out->score = 0;
		out->verdict = SOAK_JUDGE_V_FAIL;
		snprintf(out->reason, sizeof(out->reason), "every group with data has weight 0");
	} else {
		out->verdict = out->score >= pass_at       ? SOAK_JUDGE_V_PASS
		               : out->score >= marginal_at ? SOAK_JUDGE_V_MARGINAL
		                                           : SOAK_JUDGE_V_FAIL;
		snprintf(out->reason, sizeof(out->reason), "score %.2f %s %s threshold %g",
		         out->score, out->verdict == SOAK_JUDGE_V_FAIL ? "is under the" : ">=",
		         out->verdict == SOAK_JUDGE_V_PASS       ? "the pass"
		         : out->verdict == SOAK_JUDGE_V_MARGINAL ? "the marginal"
		                                                 : "marginal",
		         out->verdict == SOAK_JUDGE_V_PASS ? pass_at : marginal_at);
	}
	return 0;
}
