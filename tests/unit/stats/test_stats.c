/*
 * Unit tests of common/stats/stats.c. Expected numbers were computed independently with
 * a Python 3 script (stdlib only: statistics.median, math.erfc, a pairwise loop
 * for Theil-Sen and Mann-Kendall, collections.Counter for the ties correction),
 * over the same splitmix64 sequence implemented below; the script is reproduced
 * in the comments where it matters.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "stats.h"
#include "banned.h"

/* splitmix64, as in Python: st += 0x9E37...; z = mix(st); u = (z >> 11) * 2^-53 */
static uint64_t sm_state;

static uint64_t sm_next(void)
{
	uint64_t z;

	sm_state += 0x9E3779B97F4A7C15ULL;
	z = sm_state;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static double sm_u(void)
{
	return (double)(sm_next() >> 11) * 0x1p-53;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void test_basic(void)
{
	struct soak_stats s;
	/* 1..100 added in a scrambled order (i * 37 mod 101 is a permutation of 1..100) */
	int i;

	soak_stats_init(&s);
	CHECK(isnan(soak_stats_mean(&s)));
	CHECK(isnan(soak_stats_quantile(&s, 0.5)));
	for (i = 1; i <= 100; i++)
		CHECK_INT(soak_stats_add(&s, (double)(i * 37 % 101)), 0);
	CHECK_INT(s.n, 100);
	CHECK_NEAR(soak_stats_mean(&s), 50.5, 1e-12);
	/* sample variance of 1..100 = 100 * 101 / 12 = 841.6666... */
	CHECK_NEAR(soak_stats_variance(&s), 841.6666666666666, 1e-9);
	CHECK_NEAR(s.min, 1, 0);
	CHECK_NEAR(s.max, 100, 0);
	CHECK_NEAR(s.last, 100 * 37 % 101, 0);
	/* type 7: h = q * 99; p50 = 50.5, p90 = 90.1, p95 = 95.05, p99 = 99.01 */
	CHECK_NEAR(soak_stats_quantile(&s, 0.5), 50.5, 1e-9);
	CHECK_NEAR(soak_stats_quantile(&s, 0.9), 90.1, 1e-9);
	CHECK_NEAR(soak_stats_quantile(&s, 0.95), 95.05, 1e-9);
	CHECK_NEAR(soak_stats_quantile(&s, 0.99), 99.01, 1e-9);
	CHECK_NEAR(soak_stats_quantile(&s, 0), 1, 0);
	CHECK_NEAR(soak_stats_quantile(&s, 1), 100, 0);
	CHECK(soak_stats_is_exact(&s));
	CHECK_INT(soak_stats_add(&s, NAN), -1);
	CHECK_INT(soak_stats_add(&s, INFINITY), -1);
	CHECK_INT(s.n, 100);
	soak_stats_free(&s);

	soak_stats_init(&s);
	soak_stats_add(&s, 7);
	CHECK_NEAR(soak_stats_quantile(&s, 0.95), 7, 0);
	CHECK(isnan(soak_stats_variance(&s)));
	soak_stats_free(&s);
}

/*
 * 100000 values exp(10 u), u from splitmix64 seed 1. Python:
 *   mean 2212.825743, sample variance 19563274.24,
 *   type-7 p50 148.9295374, p90 8133.446297, p95 13445.65125, p99 19987.12331
 */
static void test_sketch(void)
{
	struct soak_stats s, a, b;
	static const double qs[] = {0.5, 0.9, 0.95, 0.99};
	static const double want[] = {148.9295374, 8133.446297, 13445.65125, 19987.12331};
	double *v = malloc(100000 * sizeof(*v));
	size_t i;

	sm_state = 1;
	soak_stats_init(&s);
	soak_stats_init(&a);
	soak_stats_init(&b);
	for (i = 0; i < 100000; i++) {
		v[i] = exp(sm_u() * 10);
		soak_stats_add(&s, v[i]);
		soak_stats_add(i % 3 ? &a : &b, v[i]);
	}
	CHECK(!soak_stats_is_exact(&s));
	CHECK_NEAR(soak_stats_mean(&s), 2212.825743, 1e-5);
	CHECK_NEAR(soak_stats_variance(&s) / 19563274.24, 1, 1e-8);
	/* 116 buckets per decade; exp(0..10) spans 4.34 decades: a few hundred counters */
	CHECK(s.pos.len < 1200);
	for (i = 0; i < 4; i++) {
		double got = soak_stats_quantile(&s, qs[i]);

		CHECK(fabs(got - want[i]) <= SOAK_STATS_REL_ERR * want[i]);
	}
	qsort(v, 100000, sizeof(*v), cmp_d);
	CHECK_NEAR(soak_stats_quantile(&s, 0), v[0], 0);
	CHECK_NEAR(soak_stats_quantile(&s, 1), v[99999], 0);

	/* merged shards agree with the whole */
	CHECK_INT(soak_stats_merge(&a, &b), 0);
	CHECK_INT(a.n, 100000);
	CHECK_NEAR(soak_stats_mean(&a), 2212.825743, 1e-5);
	CHECK_NEAR(soak_stats_variance(&a) / 19563274.24, 1, 1e-8);
	CHECK_NEAR(a.min, v[0], 0);
	CHECK_NEAR(a.max, v[99999], 0);
	for (i = 0; i < 4; i++)
		CHECK_NEAR(soak_stats_quantile(&a, qs[i]), soak_stats_quantile(&s, qs[i]),
		           1e-9 * want[i]);
	soak_stats_free(&s);
	soak_stats_free(&a);
	soak_stats_free(&b);
	free(v);

	/* negative values and zeros in the sketch: -2000..1999 shifted, 8000 values */
	soak_stats_init(&s);
	for (i = 0; i < 8000; i++)
		soak_stats_add(&s, (double)((long)(i % 4000) - 2000));
	CHECK(!soak_stats_is_exact(&s));
	/* type 7 over each of -2000..1999 twice: p50 = -0.5 (between -1 and 0 -> -1 and 0) */
	CHECK_NEAR(soak_stats_quantile(&s, 0.5), -0.5, 0.01);
	/* p10: h = 0.1 * 7999 = 799.9 -> sorted[799] = -1600, sorted[800] = -1600 */
	CHECK(fabs(soak_stats_quantile(&s, 0.1) + 1600) <= 16);
	CHECK_NEAR(soak_stats_quantile(&s, 0), -2000, 0);
	soak_stats_free(&s);

	/* exact merge of small metrics */
	soak_stats_init(&a);
	soak_stats_init(&b);
	soak_stats_add(&a, 1);
	soak_stats_add(&a, 2);
	soak_stats_add(&b, 3);
	soak_stats_add(&b, 4);
	CHECK_INT(soak_stats_merge(&a, &b), 0);
	CHECK(soak_stats_is_exact(&a));
	CHECK_NEAR(soak_stats_quantile(&a, 0.5), 2.5, 1e-12);
	CHECK_NEAR(soak_stats_variance(&a), 1.6666666666666667, 1e-12);
	CHECK_NEAR(a.last, 4, 0);
	soak_stats_free(&a);
	soak_stats_free(&b);
}

/* Python: z = 1.959963984540054; c = (k + z*z/2)/(n + z*z); h = z/(n + z*z)*sqrt(k*(n-k)/n + z*z/4)
 */
static void test_wilson(void)
{
	double lo, hi;

	soak_wilson(0, 10, SOAK_STATS_Z95, &lo, &hi);
	CHECK_NEAR(lo, 0, 1e-9);
	CHECK_NEAR(hi, 0.2775327999, 1e-9);
	soak_wilson(5, 10, SOAK_STATS_Z95, &lo, &hi);
	CHECK_NEAR(lo, 0.2365930905, 1e-9);
	CHECK_NEAR(hi, 0.7634069095, 1e-9);
	soak_wilson(99, 100, SOAK_STATS_Z95, &lo, &hi);
	CHECK_NEAR(lo, 0.9455138038, 1e-9);
	CHECK_NEAR(hi, 0.9982325679, 1e-9);
	soak_wilson(10, 10, SOAK_STATS_Z95, &lo, &hi);
	CHECK_NEAR(lo, 0.7224672001, 1e-9);
	CHECK_NEAR(hi, 1, 1e-9);
	soak_wilson(0, 0, SOAK_STATS_Z95, &lo, &hi);
	CHECK_NEAR(lo, 0, 0);
	CHECK_NEAR(hi, 1, 0);
}

static void test_median(void)
{
	double a[] = {5, 1, 4, 2, 3}, b[] = {4, 1, 3, 2}, c[] = {2, 2, 2, 1, 2, 2};

	CHECK_NEAR(soak_median_inplace(a, 5), 3, 0);
	CHECK_NEAR(soak_median_inplace(b, 4), 2.5, 0);
	CHECK_NEAR(soak_median_inplace(c, 6), 2, 0);
	CHECK(isnan(soak_median_inplace(a, 0)));
}

/*
 * Python, over y = [1, 2, 2, 3, 3, 3, 4]: S = 17, Var = (7*6*19 - (2*1*9 + 3*2*11)) / 18
 * = 39.6666..., Z = 16 / sqrt(Var) = 2.540429395319823, p = 0.011071644553191887;
 * Theil-Sen with x = 0..6: slope 0.5, intercept 1.0.
 */
static void test_mann_kendall_ties(void)
{
	double x[] = {0, 1, 2, 3, 4, 5, 6}, y[] = {1, 2, 2, 3, 3, 3, 4};
	double s, var, z, p, slope, icpt;

	CHECK_INT(soak_mann_kendall(y, 7, &s, &var, &z, &p), 0);
	CHECK_NEAR(s, 17, 0);
	CHECK_NEAR(var, 39.666666666666664, 1e-9);
	CHECK_NEAR(z, 2.540429395319823, 1e-9);
	CHECK_NEAR(p, 0.011071644553191887, 1e-12);
	CHECK_INT(soak_theil_sen(x, y, 7, &slope, &icpt), 0);
	CHECK_NEAR(slope, 0.5, 1e-12);
	CHECK_NEAR(icpt, 1.0, 1e-12);
	/* constant series: no trend, p = 1 */
	double k[] = {3, 3, 3, 3};
	CHECK_INT(soak_mann_kendall(k, 4, &s, &var, &z, &p), 0);
	CHECK_NEAR(p, 1, 0);
}

/*
 * Leaky: x = i, y = 100 + 0.5 i + (u - 0.5) * 40 for i in 0..499, splitmix64 seed 42.
 * Python: Theil-Sen slope 0.499165725, intercept 100.6297609; S = 111958,
 * Var = 13930416.67, Z = 29.99640435, p = 1.09324e-197.
 * Flat: y = 100 + (u - 0.5) * 40, seed 7: slope -0.003045539245, intercept 100.3365947,
 * S = -2962, Z = -0.7933345239, p = 0.427583.
 */
static void test_trend(void)
{
	struct soak_series s;
	struct soak_trend t;
	int i;

	sm_state = 42;
	CHECK_INT(soak_series_init(&s, 0, 0, 0), 0);
	for (i = 0; i < 500; i++)
		soak_series_add(&s, i, 100 + 0.5 * i + (sm_u() - 0.5) * 40);
	CHECK_INT(soak_series_trend(&s, 0, &t), 0);
	CHECK_INT(t.n, 500);
	CHECK_NEAR(t.slope, 0.499165725, 1e-8);
	CHECK_NEAR(t.intercept, 100.6297609, 1e-6);
	CHECK_NEAR(t.s, 111958, 0);
	CHECK_NEAR(t.var_s, 13930416.67, 0.01);
	CHECK_NEAR(t.z, 29.99640435, 1e-7);
	CHECK(t.p < 0.01);
	CHECK_NEAR(t.p / 1.09324e-197, 1, 1e-4);
	soak_series_free(&s);

	sm_state = 7;
	CHECK_INT(soak_series_init(&s, 0, 0, 0), 0);
	for (i = 0; i < 500; i++)
		soak_series_add(&s, i, 100 + (sm_u() - 0.5) * 40);
	CHECK_INT(soak_series_trend(&s, 0, &t), 0);
	CHECK_NEAR(t.slope, -0.003045539245, 1e-11);
	CHECK_NEAR(t.intercept, 100.3365947, 1e-6);
	CHECK_NEAR(t.s, -2962, 0);
	CHECK_NEAR(t.z, -0.7933345239, 1e-9);
	CHECK_NEAR(t.p, 0.427583, 1e-6);
	CHECK(t.p > 0.05);
	soak_series_free(&s);
}

static void test_reduction(void)
{
	struct soak_series s;
	struct soak_trend t;
	int i;

	/*
	 * 10001 points of y = 3x + 5 into at most 2000 (simulated in Python): the store
	 * fills and halves at raw 2000 (width 2), 6000 (width 4) ... ending with width 8,
	 * 1250 full buckets (10000 raw) and one open bucket of 1.
	 */
	CHECK_INT(soak_series_init(&s, 2000, 0, 0), 0);
	for (i = 0; i < 10001; i++)
		soak_series_add(&s, i, 3.0 * i + 5);
	CHECK_INT(s.width, 8);
	CHECK_INT(s.npts, 1250);
	CHECK_INT(s.cur_n, 1);
	CHECK_INT(soak_series_trend(&s, 0, &t), 0);
	CHECK_INT(t.n, 1251);
	CHECK_INT(t.raw, 10001);
	/* averages of a line lie on the line */
	CHECK_NEAR(t.slope, 3, 1e-9);
	CHECK_NEAR(t.intercept, 5, 1e-6);
	CHECK(t.p < 1e-10);
	CHECK_NEAR(t.tau, 1, 1e-12);
	/* settle 50%: cutoff raw index 5001; buckets of 8 starting at >= 5001 -> first at 5008 */
	CHECK_INT(soak_series_trend(&s, 0.5, &t), 0);
	CHECK_INT(t.raw, 10001 - 5008);
	CHECK_INT(t.n, (8000 - 5008) / 8 + 250 + 1);
	soak_series_free(&s);

	/* settle by count and by x: y jumps in the settle period, flat after */
	CHECK_INT(soak_series_init(&s, 0, 10, 0), 0);
	for (i = 0; i < 100; i++)
		soak_series_add(&s, i, i < 10 ? i * 100.0 : 7);
	CHECK_INT(soak_series_trend(&s, 0, &t), 0);
	CHECK_INT(t.raw, 90);
	CHECK_NEAR(t.slope, 0, 0);
	CHECK_NEAR(t.p, 1, 0);
	soak_series_free(&s);
	CHECK_INT(soak_series_init(&s, 0, 0, 20.0), 0);
	for (i = 0; i < 100; i++)
		soak_series_add(&s, 100 + i, i < 20 ? i * 100.0 : 7);
	CHECK_INT(soak_series_trend(&s, 0, &t), 0);
	CHECK_INT(t.raw, 80);
	CHECK_NEAR(t.slope, 0, 0);
	soak_series_free(&s);
}

/*
 * Two shards with different levels and the same growth: shard 1 y = 100 + 0.5 i + noise
 * (seed 42, 300 points), shard 2 y = 5000 + 0.5 i + noise (seed 43, 200 points).
 * Python: median of the within-shard pairwise slopes 0.5142545893, S = 52620,
 * Var = 3910416.667, Z = 26.60915435, p = 5.31893e-156.
 */
static void test_trend_multi(void)
{
	struct soak_series s[2];
	struct soak_trend t;
	int i;

	CHECK_INT(soak_series_init(&s[0], 0, 0, 0), 0);
	CHECK_INT(soak_series_init(&s[1], 0, 0, 0), 0);
	sm_state = 42;
	for (i = 0; i < 300; i++)
		soak_series_add(&s[0], i, 100 + 0.5 * i + (sm_u() - 0.5) * 40);
	sm_state = 43;
	for (i = 0; i < 200; i++)
		soak_series_add(&s[1], i, 5000 + 0.5 * i + (sm_u() - 0.5) * 40);
	CHECK_INT(soak_series_trend_multi(s, 2, 0, &t), 0);
	CHECK_INT(t.n, 500);
	CHECK_NEAR(t.slope, 0.5142545893, 1e-9);
	CHECK_NEAR(t.s, 52620, 0);
	CHECK_NEAR(t.var_s, 3910416.667, 0.001);
	CHECK_NEAR(t.z, 26.60915435, 1e-7);
	CHECK_NEAR(t.p / 5.31893e-156, 1, 1e-4);
	soak_series_free(&s[0]);
	soak_series_free(&s[1]);
}

/* A million values stay small: the sketch, not the values. */
static void test_million(void)
{
	struct soak_stats s;
	int i;

	soak_stats_init(&s);
	for (i = 0; i < 1000000; i++)
		soak_stats_add(&s, 1000 + (i % 1000));
	CHECK_INT(s.n, 1000000);
	CHECK(s.vals == NULL);
	CHECK(s.pos.len < 200);
	/* p50 of 1000..1999 each 1000 times: 1499.5 (within 1%) */
	CHECK(fabs(soak_stats_quantile(&s, 0.5) - 1499.5) <= 15);
	CHECK_NEAR(soak_stats_mean(&s), 1499.5, 1e-6);
	soak_stats_free(&s);
}

int main(void)
{
	test_basic();
	test_sketch();
	test_wilson();
	test_median();
	test_mann_kendall_ties();
	test_trend();
	test_reduction();
	test_trend_multi();
	test_million();
	return check_done();
}
