/*
 * The canary judge's statistics against reference values computed
 * independently by tests/soak-canary/mw-reference.py (brute-force exact
 * distribution with itertools, explicit sorted differences, Python's
 * statistics.NormalDist). Its output, pasted:
 *   A mode=exact u=39 sd=7 z=0 p=0.00815850815851 hl=1.45 k=5 lo=0.2 hi=2.4
 *     achieved=0.986013986014 ratio=1.1302578019
 *   B mode=normal u=96 sd=17.0778269669 z=1.37605329094 p=0.168805135083 hl=1 k=32
 *     lo=-1 hi=3 achieved=nan ratio=1.175
 *   C mode=normal u=2269 sd=190.525588833 z=2.45898728287 p=0.0139329553125 hl=4.75
 *     k=1356 lo=0.25 hi=8.75 achieved=nan ratio=1.03890716636
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "judge.h"

static const double a_can[] = {11.8, 12.4, 10.7, 12.9, 11.5, 12.1};
static const double a_base[] = {10.1, 11.3, 9.8, 10.5, 10.9, 10.0, 11.1};
static const double b_can[] = {5, 6, 6, 7, 7, 7, 8, 8, 9, 9, 10, 12};
static const double b_base[] = {4, 5, 5, 6, 6, 6, 7, 7, 8, 8, 9, 9};

static void case_a(void)
{
	struct soak_mw mw;

	CHECK_INT(soak_mann_whitney(a_can, 6, a_base, 7, 0.98, &mw), 0);
	CHECK_INT(mw.exact, 1);
	CHECK_NEAR(mw.u, 39, 1e-12);
	CHECK_NEAR(mw.sd_u, 7, 1e-12);
	CHECK_NEAR(mw.p, 0.00815850815851, 1e-12);
	CHECK_NEAR(mw.shift, 1.45, 1e-12);
	CHECK_INT(mw.k, 5);
	CHECK_NEAR(mw.ci_lo, 0.2, 1e-12);
	CHECK_NEAR(mw.ci_hi, 2.4, 1e-12);
	CHECK_NEAR(mw.achieved_conf, 0.986013986014, 1e-12);
	/* swapping the sides mirrors everything */
	CHECK_INT(soak_mann_whitney(a_base, 7, a_can, 6, 0.98, &mw), 0);
	CHECK_NEAR(mw.u, 42 - 39, 1e-12);
	CHECK_NEAR(mw.p, 0.00815850815851, 1e-12);
	CHECK_NEAR(mw.shift, -1.45, 1e-12);
	CHECK_NEAR(mw.ci_lo, -2.4, 1e-12);
	CHECK_NEAR(mw.ci_hi, -0.2, 1e-12);
}

static void case_b(void)
{
	struct soak_mw mw;

	CHECK_INT(soak_mann_whitney(b_can, 12, b_base, 12, 0.98, &mw), 0);
	CHECK_INT(mw.exact, 0);
	CHECK_NEAR(mw.u, 96, 1e-12);
	CHECK_NEAR(mw.sd_u, 17.0778269669, 1e-9);
	CHECK_NEAR(mw.z, 1.37605329094, 1e-10);
	CHECK_NEAR(mw.p, 0.168805135083, 1e-10);
	CHECK_NEAR(mw.shift, 1, 1e-12);
	CHECK_INT(mw.k, 32);
	CHECK_NEAR(mw.ci_lo, -1, 1e-12);
	CHECK_NEAR(mw.ci_hi, 3, 1e-12);
	CHECK(isnan(mw.achieved_conf));
}

static void case_c(void)
{
	double c[60], b[60];
	struct soak_mw mw;

	for (int i = 0; i < 60; i++) {
		c[i] = 100 + ((i * 37) % 61) * 0.5 + 6;
		b[i] = 100 + ((i * 41) % 67) * 0.5 + 0.25;
	}
	CHECK_INT(soak_mann_whitney(c, 60, b, 60, 0.98, &mw), 0);
	CHECK_INT(mw.exact, 0);
	CHECK_NEAR(mw.u, 2269, 1e-9);
	CHECK_NEAR(mw.sd_u, 190.525588833, 1e-8);
	CHECK_NEAR(mw.z, 2.45898728287, 1e-10);
	CHECK_NEAR(mw.p, 0.0139329553125, 1e-10);
	CHECK_NEAR(mw.shift, 4.75, 1e-12);
	CHECK_INT(mw.k, 1356);
	CHECK_NEAR(mw.ci_lo, 0.25, 1e-12);
	CHECK_NEAR(mw.ci_hi, 8.75, 1e-12);
}

static void distribution(void)
{
	/* m = n = 3: 20 placements; U <= 1 in 2 of them, U <= 4 in 10 */
	CHECK_NEAR(soak_wilcox_cdf(1, 3, 3), 2.0 / 20, 1e-15);
	CHECK_NEAR(soak_wilcox_cdf(4, 3, 3), 10.0 / 20, 1e-15);
	CHECK_NEAR(soak_wilcox_cdf(9, 3, 3), 1, 1e-15);
	CHECK_NEAR(soak_wilcox_cdf(-1, 3, 3), 0, 0);
	CHECK_NEAR(soak_normal_quantile(0.99), 2.326347874040841, 1e-12);
	CHECK_NEAR(soak_normal_quantile(0.975), 1.959963984540054, 1e-12);
	CHECK_NEAR(soak_normal_quantile(0.5), 0, 1e-14);
}

static void bad_input(void)
{
	double x[] = {1, NAN};
	struct soak_mw mw;

	errno = 0;
	CHECK_INT(soak_mann_whitney(x, 0, x, 1, 0.98, &mw), -1);
	CHECK_INT(errno, EINVAL);
	errno = 0;
	CHECK_INT(soak_mann_whitney(x, 2, x, 1, 0.98, &mw), -1);
	CHECK_INT(errno, EINVAL);
}

static struct soak_judge_metric metric(const char *name, const char *group, enum soak_judge_dir dir)
{
	struct soak_judge_metric m = {0};

	m.name = name;
	m.group = group;
	m.dir = dir;
	m.allowed_increase = 1;
	m.allowed_decrease = 1;
	return m;
}

static void classify(void)
{
	struct soak_judge_metric m = metric("lat", NULL, SOAK_JUDGE_INCREASE);
	struct soak_judge_result r;
	double with_nan[] = {11.8, NAN, 12.4, 10.7, 12.9, INFINITY, 11.5, 12.1};

	/* A: canary higher, significant, ratio 1.13 */
	CHECK_INT(soak_judge_metric(&m, a_base, 7, a_can, 6, 0.98, &r), 0);
	CHECK_INT(r.cls, SOAK_JUDGE_HIGH);
	CHECK_NEAR(r.effect, 1.1302578019, 1e-9);
	CHECK_NEAR(r.mean_b, 10.528571428571428, 1e-12);
	CHECK_NEAR(r.median_c, 11.95, 1e-12);
	/* a decrease-only metric does not mind */
	m.dir = SOAK_JUDGE_DECREASE;
	CHECK_INT(soak_judge_metric(&m, a_base, 7, a_can, 6, 0.98, &r), 0);
	CHECK_INT(r.cls, SOAK_JUDGE_PASS);
	/* either direction catches the swapped case as LOW */
	m.dir = SOAK_JUDGE_EITHER;
	CHECK_INT(soak_judge_metric(&m, a_can, 6, a_base, 7, 0.98, &r), 0);
	CHECK_INT(r.cls, SOAK_JUDGE_LOW);
	/* the effect threshold: 13% higher is allowed under 1.2 */
	m.dir = SOAK_JUDGE_INCREASE;
	m.allowed_increase = 1.2;
	CHECK_INT(soak_judge_metric(&m, a_base, 7, a_can, 6, 0.98, &r), 0);
	CHECK_INT(r.cls, SOAK_JUDGE_PASS);
	m.allowed_increase = 1;
	/* NaN and infinity removed: the same result as A */
	CHECK_INT(soak_judge_metric(&m, a_base, 7, with_nan, 8, 0.98, &r), 0);
	CHECK_INT(r.nan_c, 2);
	CHECK_INT(r.nc, 6);
	CHECK_NEAR(r.mw.p, 0.00815850815851, 1e-12);
	/* replaced by 0: two zeros, a tie, so the normal approximation (reference:
	 * u=39 sd=8.63326898302916 p=0.2238991155035701 lo=-10.5 hi=2.3) */
	m.nan = SOAK_JUDGE_NAN_REPLACE;
	CHECK_INT(soak_judge_metric(&m, a_base, 7, with_nan, 8, 0.98, &r), 0);
	CHECK_INT(r.nc, 8);
	CHECK_INT(r.mw.exact, 0);
	CHECK_NEAR(r.mw.u, 39, 1e-12);
	CHECK_NEAR(r.mw.p, 0.2238991155035701, 1e-10);
	CHECK_NEAR(r.mw.ci_lo, -10.5, 1e-12);
	CHECK_NEAR(r.mw.ci_hi, 2.3, 1e-12);
	CHECK_INT(r.cls, SOAK_JUDGE_PASS);
	m.nan = SOAK_JUDGE_NAN_REMOVE;
	/* no data */
	CHECK_INT(soak_judge_metric(&m, a_base, 7, with_nan + 1, 1, 0.98, &r), 0);
	CHECK_INT(r.cls, SOAK_JUDGE_NODATA);
	CHECK_STR(r.reason, "no data for the canary");
	m.must_have_data = 1;
	CHECK_INT(soak_judge_metric(&m, a_base, 7, with_nan + 1, 1, 0.98, &r), 0);
	CHECK_INT(r.cls, SOAK_JUDGE_FAIL_NODATA);
	/* identical, and one shared value */
	CHECK_INT(soak_judge_metric(&m, a_base, 7, a_base, 7, 0.98, &r), 0);
	CHECK_INT(r.cls, SOAK_JUDGE_PASS);
	CHECK_INT(r.tested, 0);
	CHECK_STR(r.reason, "the baseline and canary data are identical");
	{
		double x[] = {3, 3, 3}, y[] = {3, 3};

		CHECK_INT(soak_judge_metric(&m, x, 3, y, 2, 0.98, &r), 0);
		CHECK_INT(r.cls, SOAK_JUDGE_PASS);
		CHECK_STR(r.reason, "every value is 3");
	}
}

static void scoring(void)
{
	struct soak_judge_metric m[5];
	struct soak_judge_result r[5] = {0};
	struct soak_judge_score s;
	char *names[] = {"latency"};
	double w[] = {60};

	m[0] = metric("p50", "latency", SOAK_JUDGE_INCREASE);
	m[1] = metric("p99", "latency", SOAK_JUDGE_INCREASE);
	m[2] = metric("rss", "resources", SOAK_JUDGE_INCREASE);
	m[3] = metric("fds", "resources", SOAK_JUDGE_INCREASE);
	m[4] = metric("errors", "resources", SOAK_JUDGE_INCREASE);
	r[1].cls = SOAK_JUDGE_HIGH;
	r[4].cls = SOAK_JUDGE_NODATA;
	/* latency 50 x 60% + resources 100 x 40% = 70 */
	CHECK_INT(soak_judge_score(m, r, 5, names, w, 1, 75, 95, &s), 0);
	CHECK_INT(s.ngroups, 2);
	CHECK_NEAR(s.groups[0].score, 50, 1e-12);
	CHECK_NEAR(s.groups[1].weight, 40, 1e-12);
	CHECK_INT(s.groups[1].nodata, 1);
	CHECK_NEAR(s.score, 70, 1e-12);
	CHECK_INT(s.verdict, SOAK_JUDGE_V_FAIL);
	CHECK_STR(s.reason, "score 70.00 is under the marginal threshold 75");
	soak_judge_score_free(&s);
	/* equal weights: 50 / 2 + 100 / 2 = 75: MARGINAL */
	CHECK_INT(soak_judge_score(m, r, 5, NULL, NULL, 0, 75, 95, &s), 0);
	CHECK_NEAR(s.score, 75, 1e-12);
	CHECK_INT(s.verdict, SOAK_JUDGE_V_MARGINAL);
	soak_judge_score_free(&s);
	/* a critical failure: 0 and FAIL */
	m[1].critical = 1;
	CHECK_INT(soak_judge_score(m, r, 5, NULL, NULL, 0, 75, 95, &s), 0);
	CHECK_NEAR(s.score, 0, 0);
	CHECK_INT(s.verdict, SOAK_JUDGE_V_FAIL);
	CHECK_STR(s.reason, "1 critical metric failed");
	soak_judge_score_free(&s);
	m[1].critical = 0;
	/* a group with no data leaves: resources only, weight scaled up to 100 */
	r[1].cls = SOAK_JUDGE_NODATA;
	r[0].cls = SOAK_JUDGE_NODATA;
	CHECK_INT(soak_judge_score(m, r, 5, names, w, 1, 75, 95, &s), 0);
	CHECK_NEAR(s.groups[1].eff_weight, 100, 1e-12);
	CHECK_NEAR(s.score, 100, 1e-12);
	CHECK_INT(s.verdict, SOAK_JUDGE_V_PASS);
	soak_judge_score_free(&s);
	/* a weight for a group that does not exist */
	{
		char *bad[] = {"nope"};

		errno = 0;
		CHECK_INT(soak_judge_score(m, r, 5, bad, w, 1, 75, 95, &s), -1);
		CHECK_INT(errno, EINVAL);
	}
}

int main(void)
{
	case_a();
	case_b();
	case_c();
	distribution();
	bad_input();
	classify();
	scoring();
	return check_done();
}
