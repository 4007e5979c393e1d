/*
 * Streaming statistics with bounded memory, for soak-report.
 *
 * struct soak_stats summarizes one metric: count, sum, min, max, last value,
 * mean and variance (Welford's online algorithm; merged with Chan et al.'s
 * pairwise formula), and quantiles. Quantiles are exact while the metric has
 * at most SOAK_STATS_EXACT_MAX values (they are kept); past that the values
 * move into a log-bucketed sketch (DDSketch-style) whose buckets are
 * [g^(i-1), g^i) with g = (1 + a) / (1 - a), a = SOAK_STATS_REL_ERR = 1%, and
 * every order statistic read back from it lies within 1% (relative) of the
 * true one. Memory per metric: at most SOAK_STATS_EXACT_MAX doubles, then one
 * 64-bit counter per occupied bucket range (about 116 buckets per factor of
 * ten in magnitude: some kilobytes).
 *
 * Quantile definition: "type 7" of Hyndman and Fan (numpy's and R's default):
 * with the n values sorted x[0] <= ... <= x[n-1], h = q * (n - 1),
 * Q(q) = x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)]).
 * In sketch mode x[k] are the sketch's estimates of the order statistics,
 * clamped to [min, max], so p0 and p100 stay exact.
 *
 * Trends: struct soak_series collects (x, y) points in order of x and reduces
 * them to at most max_points by bucket averaging: each point stored is the mean
 * x and mean y of `width` consecutive raw points; when the store is full,
 * neighbouring pairs are averaged together and width doubles. With n raw
 * points the series holds between max_points/2 and max_points points once
 * n > max_points (every raw point when n <= max_points). The last bucket may
 * be partial; it is used as one point. A settle period is skipped: the first
 * settle_points raw points and raw points with x < first x + settle_x at
 * insertion, and at computation the buckets whose first raw point lies in the
 * first settle_frac share of the raw points.
 *
 * Over the reduced series: the Theil-Sen slope (median of the slopes of all
 * pairs with different x; intercept the median of y - slope * x), and the
 * Mann-Kendall test: S = sum over i < j of sign(y[j] - y[i]),
 * Var(S) = (n(n-1)(2n+5) - sum over tie groups t(t-1)(2t+5)) / 18,
 * Z = (S - 1) / sqrt(Var) for S > 0, (S + 1) / sqrt(Var) for S < 0, else 0,
 * and the two-sided p-value p = erfc(|Z| / sqrt(2)) (normal approximation).
 *
 * Functions that allocate return -1 with errno ENOMEM when memory runs out.
 */
#ifndef SOAK_STATS_H
#define SOAK_STATS_H

#include <stddef.h>
#include <stdint.h>

#define SOAK_STATS_EXACT_MAX 4096
#define SOAK_STATS_REL_ERR 0.01
#define SOAK_STATS_Z95 1.959963984540054 /* the 97.5% normal quantile */

/* One bucket range of the sketch: counts[k] is for bucket index off + k. */
struct soak_stats_store {
	int32_t off;
	uint32_t len;
	uint64_t *counts;
};

struct soak_stats {
	uint64_t n;
	double sum, mean, m2; /* Welford: m2 = sum of squared deviations */
	double min, max, last;
	double inv_sum;  /* sum of 1/x over the positive values (harmonic mean) */
	uint64_t nonpos; /* values <= 0 (no harmonic mean then) */
	double *vals;    /* exact values while !sketched */
	size_t nvals, cap;
	int sorted; /* vals is sorted (quantile sorts it in place; later values are inserted in
	               order, so quantiles read after every value, as live gates do, stay cheap) */
	int sketched;
	uint64_t zero; /* sketch: values with |x| below the smallest bucket */
	struct soak_stats_store pos, neg;
};

void soak_stats_init(struct soak_stats *s);
void soak_stats_free(struct soak_stats *s);
/* Add a value; NaN and infinities are refused (-1, errno EINVAL). */
int soak_stats_add(struct soak_stats *s, double x);
/* Add everything src holds to dst (exactly when both are exact and fit). */
int soak_stats_merge(struct soak_stats *dst, const struct soak_stats *src);

/* NAN when there are no values; variance/stddev are the sample (n - 1) ones, NAN for n < 2. */
double soak_stats_mean(const struct soak_stats *s);
double soak_stats_variance(const struct soak_stats *s);
double soak_stats_stddev(const struct soak_stats *s);
/* Harmonic mean n / sum(1/x); NAN when empty or when a value is <= 0. */
double soak_stats_hmean(const struct soak_stats *s);
/* Quantile q in [0, 1] as defined above; NAN when empty. May sort the kept values. */
double soak_stats_quantile(struct soak_stats *s, double q);
/* 1 while every value is kept (quantiles exact). */
int soak_stats_is_exact(const struct soak_stats *s);

/* Type-7 quantile of a sorted array (n > 0). */
double soak_quantile_sorted(const double *v, size_t n, double q);
/* Median of v (reordered in place); NAN when n == 0. */
double soak_median_inplace(double *v, size_t n);

/*
 * Wilson score interval for k successes out of n at normal quantile z
 * (SOAK_STATS_Z95 for 95%): center (k + z^2/2) / (n + z^2),
 * half width z / (n + z^2) * sqrt(k (n - k) / n + z^2 / 4). n == 0 gives [0, 1].
 */
void soak_wilson(uint64_t k, uint64_t n, double z, double *lo, double *hi);

#define SOAK_SERIES_MAX 2000

struct soak_series_pt {
	double x, y;    /* means over the bucket */
	uint64_t first; /* index of the bucket's first raw point (after the settle skip) */
	uint64_t count; /* raw points in the bucket */
};

struct soak_series {
	struct soak_series_pt *pts;
	size_t npts, max_points; /* max_points is even, >= 4 */
	uint64_t width;          /* raw points per full bucket */
	uint64_t nraw;           /* raw points accepted */
	uint64_t seen;           /* raw points offered, settle skip included */
	uint64_t settle_points;
	double settle_x, first_x;
	double cur_sx, cur_sy; /* the open bucket */
	uint64_t cur_n, cur_first;
};

/* max_points 0 means SOAK_SERIES_MAX. settle_points / settle_x as described above (0: none). */
int soak_series_init(struct soak_series *s, size_t max_points, uint64_t settle_points,
                     double settle_x);
void soak_series_free(struct soak_series *s);
/* Points must come in non-decreasing x. Non-finite values are refused (-1, EINVAL). */
int soak_series_add(struct soak_series *s, double x, double y);

struct soak_trend {
	size_t n;     /* points used (after settle and reduction) */
	uint64_t raw; /* raw points those stand for */
	double slope; /* Theil-Sen, y units per x unit; NAN when n < 2 */
	double intercept;
	double s;     /* Mann-Kendall S */
	double var_s; /* with the ties correction */
	double z;
	double p;   /* two-sided; 1 when n < 3 */
	double tau; /* Kendall's tau-a: S / (n(n-1)/2) */
};

/* settle_frac in [0, 1). */
int soak_series_trend(const struct soak_series *s, double settle_frac, struct soak_trend *out);

/*
 * One trend over several independent series (shards of one run; the regional
 * Kendall test of Hirsch et al.): S and Var(S) are the sums over the series, Z
 * and p follow from them as above, the slope is the median of the pairwise
 * slopes within each series (never across), the intercept the median of
 * y - slope * x over all points; n, raw are totals and tau is S over the sum of
 * n_k (n_k - 1) / 2. With one series this is soak_series_trend.
 */
int soak_series_trend_multi(const struct soak_series *s, size_t nseries, double settle_frac,
                            struct soak_trend *out);

/* The building blocks, over plain arrays (x non-decreasing for Mann-Kendall's order). */
int soak_theil_sen(const double *x, const double *y, size_t n, double *slope, double *intercept);
int soak_mann_kendall(const double *y, size_t n, double *s, double *var_s, double *z, double *p);

#endif
