/*
 * Canary judgement (after Netflix Kayenta's NetflixACAJudge): per metric a
 * Mann-Whitney U test of the canary's samples against the baseline's, the
 * Hodges-Lehmann shift with a confidence interval, the mean ratio as effect
 * size, a classification, and a 0-100 score over weighted metric groups.
 * Pure computation: no I/O, no JSON. docs/soak-canary.md is the user's view.
 *
 * Mann-Whitney (as R's wilcox.test(canary, baseline, conf.int = TRUE)):
 *   U = #{(i, j): c_i > b_j} + #{(i, j): c_i == b_j} / 2 (the canary's U, R's W).
 *   Exact (no ties, n1 < 50 and n2 < 50): the null distribution of U is counted
 *   with c(i, j, u) = c(i - 1, j, u - j) + c(i, j - 1, u); p = 2 min(P(U <= u),
 *   P(U >= u)), capped at 1.
 *   Otherwise the normal approximation with the tie correction
 *   Var(U) = n1 n2 / 12 ((n + 1) - sum(t^3 - t) / (n (n - 1))), n = n1 + n2, and
 *   the continuity correction: z = (U - n1 n2 / 2 - 0.5 sign(U - n1 n2 / 2)) / sd,
 *   p = erfc(|z| / sqrt(2)); Var(U) == 0 (every value equal) gives z = 0, p = 1.
 * Shift (canary minus baseline): the Hodges-Lehmann estimate, the median of the
 * n1 n2 differences c_i - b_j. Its confidence interval at level conf is
 * [D(k), D(n1 n2 + 1 - k)] over the sorted differences D(1..n1 n2):
 *   exact: k = the smallest q with P(U <= q) >= (1 - conf) / 2, at least 1
 *   (R's qwilcox), achieved level 1 - 2 P(U <= k - 1);
 *   normal: k = floor(n1 n2 / 2 - z(1 - (1 - conf) / 2) sd), at least 1
 *   (Hollander & Wolfe), achieved level left NAN.
 * The differences are never stored: the k-th smallest is found by bisection
 * over the doubles, counting pairs with two pointers over the sorted samples
 * (O((n1 + n2) log) time, O(n1 + n2) memory).
 */
#ifndef SOAK_JUDGE_H
#define SOAK_JUDGE_H

#include <stddef.h>

#define SOAK_JUDGE_EXACT_MAX 50 /* exact distribution below this sample size, without ties */

struct soak_mw {
	size_t n1, n2; /* canary, baseline */
	double u;      /* the canary's U */
	double mean_u; /* n1 n2 / 2 */
	double sd_u;   /* with the tie correction */
	size_t ties;   /* values that share their value with another one */
	int exact;     /* p and interval from the exact distribution */
	double z;      /* normal approximation (0 when exact) */
	double p;      /* two-sided */
	double shift;  /* Hodges-Lehmann estimate */
	double ci_lo, ci_hi;
	double conf;          /* the level asked for */
	double achieved_conf; /* exact only, else NAN */
	size_t k;             /* the order statistic used for the interval */
};

/*
 * Run the test on two non-empty samples of finite values (the arrays are
 * copied, not changed). -1 with errno EINVAL for an empty sample or a
 * non-finite value, ENOMEM when memory runs out.
 */
int soak_mann_whitney(const double *canary, size_t n1, const double *baseline, size_t n2,
                      double conf, struct soak_mw *out);

/* The standard normal quantile, Phi^-1(p) for 0 < p < 1 (bisection on erfc). */
double soak_normal_quantile(double p);

/* P(U <= q) under the null hypothesis for sizes m and n (exact; m, n < 200). */
double soak_wilcox_cdf(double q, size_t m, size_t n);

enum soak_judge_dir { SOAK_JUDGE_EITHER, SOAK_JUDGE_INCREASE, SOAK_JUDGE_DECREASE };
enum soak_judge_nan { SOAK_JUDGE_NAN_REMOVE, SOAK_JUDGE_NAN_REPLACE };

enum soak_judge_class {
	SOAK_JUDGE_PASS,        /* no significant shift in a direction that matters */
	SOAK_JUDGE_HIGH,        /* canary significantly higher (a failure) */
	SOAK_JUDGE_LOW,         /* canary significantly lower (a failure) */
	SOAK_JUDGE_NODATA,      /* a side has no values: left out of the score */
	SOAK_JUDGE_FAIL_NODATA, /* no data for a must-have-data metric (a failure) */
};

struct soak_judge_metric {
	const char *name;
	const char *group; /* "default" when NULL */
	enum soak_judge_dir dir;
	enum soak_judge_nan nan;
	int critical;            /* a failure makes the whole judgement FAIL with score 0 */
	int must_have_data;      /* no data is a failure, not NODATA */
	double allowed_increase; /* HIGH needs mean ratio > this too (Kayenta's 1.0) */
	double allowed_decrease; /* LOW needs mean ratio < this too (1.0) */
};

struct soak_judge_result {
	enum soak_judge_class cls;
	char reason[256];
	size_t nb, nc;         /* values used */
	size_t nan_b, nan_c;   /* NaN (or infinite) values removed or replaced */
	double mean_b, mean_c; /* NAN when no values */
	double median_b, median_c;
	double effect; /* mean ratio canary / baseline; NAN when undefined */
	int tested;    /* mw holds a test */
	struct soak_mw mw;
};

/*
 * Classify one metric. base and can may hold NaN and infinities (handled by
 * m->nan: removed, or replaced by 0 like Kayenta's "replace"); they are not
 * changed. Order of the rules: a side without values is NODATA (FAIL_NODATA
 * when must_have_data); identical samples (as multisets) or a single value
 * shared by all pass untested; else the test: HIGH when the direction is
 * increase or either, the interval's lower bound > 0 and the effect >
 * allowed_increase; LOW when decrease or either, the upper bound < 0 and the
 * effect < allowed_decrease; else PASS. -1 with errno ENOMEM only.
 */
int soak_judge_metric(const struct soak_judge_metric *m, const double *base, size_t nb,
                      const double *can, size_t nc, double conf, struct soak_judge_result *r);

int soak_judge_failed(enum soak_judge_class c);             /* HIGH, LOW, FAIL_NODATA */
const char *soak_judge_class_name(enum soak_judge_class c); /* "pass", "high", ... */
const char *soak_judge_dir_name(enum soak_judge_dir d);     /* "increase", ... */

enum soak_judge_verdict { SOAK_JUDGE_V_PASS, SOAK_JUDGE_V_MARGINAL, SOAK_JUDGE_V_FAIL };
const char *soak_judge_verdict_name(enum soak_judge_verdict v); /* "PASS", ... */

struct soak_judge_group {
	char *name;
	double weight;     /* as configured or derived, before normalization */
	int weight_given;  /* 1: from the configuration */
	size_t pass, fail; /* metrics counted */
	size_t nodata;     /* metrics left out */
	double score;      /* 100 pass / (pass + fail); NAN when nothing was counted */
	double eff_weight; /* weight share in the final score, percent (0 when NAN score) */
};

struct soak_judge_score {
	struct soak_judge_group *groups; /* in order of first appearance */
	size_t ngroups;
	double score; /* 0-100 */
	enum soak_judge_verdict verdict;
	char reason[256];
	size_t critical_failed;
};

/*
 * Score the results (after Kayenta's weighted sum scorer). Group weights come
 * from names[i] = weights[i] (percent, >= 0); groups without one share what is
 * left of 100 equally (0 each when the given ones take 100 or more). Groups with
 * no counted metric are left out, and the weights of the others are scaled to
 * sum to 100. score = sum of group score x weight / 100. A failed critical
 * metric makes the score 0 and the verdict FAIL; no counted metric at all is
 * FAIL too. Otherwise PASS when score >= pass_at, MARGINAL when >= marginal_at,
 * else FAIL. -1 with errno ENOMEM, or EINVAL for a weight naming no group.
 */
int soak_judge_score(const struct soak_judge_metric *m, const struct soak_judge_result *r, size_t n,
                     char *const *names, const double *weights, size_t nweights, double marginal_at,
                     double pass_at, struct soak_judge_score *out);
void soak_judge_score_free(struct soak_judge_score *s);

#endif
