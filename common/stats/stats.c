#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "banned.h"

/* Magnitudes below this count as zero in the sketch. */
#define SKETCH_MIN 1e-9

static double sketch_gamma(void)
{
	return (1.0 + SOAK_STATS_REL_ERR) / (1.0 - SOAK_STATS_REL_ERR);
}

static int32_t sketch_key(double a)
{
	return (int32_t)ceil(log(a) / log(sketch_gamma()));
}

static double sketch_value(int32_t key)
{
	double g = sketch_gamma();

	return 2.0 * exp((double)key * log(g)) / (1.0 + g);
}

static int store_add(struct soak_stats_store *st, int32_t key, uint64_t count)
{
	if (!st->len) {
		st->counts = calloc(16, sizeof(*st->counts));
		if (!st->counts)
			return -1;
		st->off = key;
		st->len = 16;
	} else if (key < st->off || key >= st->off + (int32_t)st->len) {
		int32_t lo = key < st->off ? key : st->off;
		int32_t hi =
		    key >= st->off + (int32_t)st->len ? key + 1 : st->off + (int32_t)st->len;
		uint32_t len = (uint32_t)(hi - lo);
		uint64_t *c;

		/* grow with slack on the side that grew, to amortize */
		if (key < st->off)
			lo -= (int32_t)(len / 2 + 8);
		else
			hi += (int32_t)(len / 2 + 8);
		len = (uint32_t)(hi - lo);
		c = calloc(len, sizeof(*c));
		if (!c)
			return -1;
		memcpy(c + (st->off - lo), st->counts, st->len * sizeof(*c));
		free(st->counts);
		st->counts = c;
		st->off = lo;
		st->len = len;
	}
	st->counts[key - st->off] += count;
	return 0;
}

static int sketch_add(struct soak_stats *s, double x, uint64_t count)
{
	double a = fabs(x);

	if (a < SKETCH_MIN) {
		s->zero += count;
		return 0;
	}
	return store_add(x > 0 ? &s->pos : &s->neg, sketch_key(a), count);
}

static int to_sketch(struct soak_stats *s)
{
	size_t i;

	if (s->sketched)
		return 0;
	for (i = 0; i < s->nvals; i++)
		if (sketch_add(s, s->vals[i], 1))
			return -1;
	free(s->vals);
	s->vals = NULL;
	s->nvals = s->cap = 0;
	s->sketched = 1;
	return 0;
}

void soak_stats_init(struct soak_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->min = NAN;
	s->max = NAN;
	s->last = NAN;
}

void soak_stats_free(struct soak_stats *s)
{
	free(s->vals);
	free(s->pos.counts);
	free(s->neg.counts);
	soak_stats_init(s);
}

static int keep_value(struct soak_stats *s, double x)
{
	if (s->sketched)
		return sketch_add(s, x, 1);
	if (s->nvals == SOAK_STATS_EXACT_MAX) {
		if (to_sketch(s))
			return -1;
		return sketch_add(s, x, 1);
	}
	if (s->nvals == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		double *v;

		if (cap > SOAK_STATS_EXACT_MAX)
			cap = SOAK_STATS_EXACT_MAX;
		v = realloc(s->vals, cap * sizeof(*v));
		if (!v)
			return -1;
		s->vals = v;
		s->cap = cap;
	}
	if (s->sorted) {
		/* a quantile was read: keep the order, so the next read need not sort again */
		size_t lo = 0, hi = s->nvals;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (s->vals[mid] <= x)
				lo = mid + 1;
			else
				hi = mid;
		}
		memmove(s->vals + lo + 1, s->vals + lo, (s->nvals - lo) * sizeof(*s->vals));
		s->vals[lo] = x;
		s->nvals++;
		return 0;
	}
	s->vals[s->nvals++] = x;
	return 0;
}

int soak_stats_add(struct soak_stats *s, double x)
{
	double d;

	if (!isfinite(x)) {
		errno = EINVAL;
		return -1;
	}
	if (keep_value(s, x))
		return -1;
	s->n++;
	s->sum += x;
	d = x - s->mean;
	s->mean += d / (double)s->n;
	s->m2 += d * (x - s->mean);
	if (s->n == 1 || x < s->min)
		s->min = x;
	if (s->n == 1 || x > s->max)
		s->max = x;
	s->last = x;
	if (x > 0)
		s->inv_sum += 1 / x;
	else
		s->nonpos++;
	return 0;
}

static int store_merge(struct soak_stats_store *dst, const struct soak_stats_store *src)
{
	uint32_t k;

	for (k = 0; k < src->len; k++)
		if (src->counts[k] && store_add(dst, src->off + (int32_t)k, src->counts[k]))
			return -1;
	return 0;
}

int soak_stats_merge(struct soak_stats *dst, const struct soak_stats *src)
{
	double na = (double)dst->n, nb = (double)src->n, delta;
	size_t i;

	if (!src->n)
		return 0;
	if (!src->sketched && !dst->sketched && dst->nvals + src->nvals <= SOAK_STATS_EXACT_MAX) {
		dst->sorted = 0; /* append all, sort once when read */
		for (i = 0; i < src->nvals; i++)
			if (keep_value(dst, src->vals[i]))
				return -1;
	} else {
		if (to_sketch(dst))
			return -1;
		for (i = 0; i < src->nvals; i++)
			if (sketch_add(dst, src->vals[i], 1))
				return -1;
		if (src->sketched) {
			dst->zero += src->zero;
			if (store_merge(&dst->pos, &src->pos) || store_merge(&dst->neg, &src->neg))
				return -1;
		}
	}
	dst->inv_sum += src->inv_sum;
	dst->nonpos += src->nonpos;
	delta = src->mean - dst->mean;
	dst->mean += delta * nb / (na + nb);
	dst->m2 += src->m2 + delta * delta * na * nb / (na + nb);
	dst->sum += src->sum;
	if (!dst->n || src->min < dst->min)
		dst->min = src->min;
	if (!dst->n || src->max > dst->max)
		dst->max = src->max;
	dst->last = src->last;
	dst->n += src->n;
	return 0;
}

double soak_stats_mean(const struct soak_stats *s)
{
	return s->n ? s->mean : NAN;
}

double soak_stats_variance(const struct soak_stats *s)
{
	return s->n > 1 ? s->m2 / (double)(s->n - 1) : NAN;
}

double soak_stats_hmean(const struct soak_stats *s)
{
	return s->n && !s->nonpos ? (double)s->n / s->inv_sum : NAN;
}

double soak_stats_stddev(const struct soak_stats *s)
{
	return sqrt(soak_stats_variance(s));
}

int soak_stats_is_exact(const struct soak_stats *s)
{
	return !s->sketched;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double soak_quantile_sorted(const double *v, size_t n, double q)
{
	double h, f;
	size_t lo;

	if (q <= 0)
		return v[0];
	if (q >= 1)
		return v[n - 1];
	h = q * (double)(n - 1);
	lo = (size_t)floor(h);
	f = h - (double)lo;
	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + f * (v[lo + 1] - v[lo]);
}

/* The k-th smallest value (0-based) as the sketch estimates it. */
static double sketch_order_stat(const struct soak_stats *s, uint64_t k)
{
	uint64_t seen = 0;
	uint32_t i;

	for (i = s->neg.len; i-- > 0;) {
		seen += s->neg.counts[i];
		if (seen > k)
			return -sketch_value(s->neg.off + (int32_t)i);
	}
	seen += s->zero;
	if (seen > k)
		return 0.0;
	for (i = 0; i < s->pos.len; i++) {
		seen += s->pos.counts[i];
		if (seen > k)
			return sketch_value(s->pos.off + (int32_t)i);
	}
	return s->max;
}

static double clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

double soak_stats_quantile(struct soak_stats *s, double q)
{
	double h, f, a, b;
	uint64_t lo;

	if (!s->n)
		return NAN;
	if (!s->sketched) {
		if (!s->sorted) {
			qsort(s->vals, s->nvals, sizeof(*s->vals), cmp_double);
			s->sorted = 1;
		}
		return soak_quantile_sorted(s->vals, s->nvals, q);
	}
	if (q <= 0)
		return s->min;
	if (q >= 1)
		return s->max;
	h = q * (double)(s->n - 1);
	lo = (uint64_t)floor(h);
	f = h - (double)lo;
	a = clamp(sketch_order_stat(s, lo), s->min, s->max);
	if (f == 0 || lo + 1 >= s->n)
		return a;
	b = clamp(sketch_order_stat(s, lo + 1), s->min, s->max);
	return a + f * (b - a);
}

static void swap_d(double *a, double *b)
{
	double t = *a;

	*a = *b;
	*b = t;
}

/* Wirth's selection: afterwards v[k] is the k-th smallest, v[< k] <= v[k] <= v[> k]. */
static double select_kth(double *v, size_t n, size_t k)
{
	ptrdiff_t l = 0, m = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;

	while (l < m) {
		double x = v[kk];
		ptrdiff_t i = l, j = m;

		do {
			while (v[i] < x)
				i++;
			while (x < v[j])
				j--;
			if (i <= j) {
				swap_d(&v[i], &v[j]);
				i++;
				j--;
			}
		} while (i <= j);
		if (j < kk)
			l = i;
		if (kk < i)
			m = j;
	}
	return v[k];
}

double soak_median_inplace(double *v, size_t n)
{
	double a, b;
	size_t i;

	if (!n)
		return NAN;
	a = select_kth(v, n, (n - 1) / 2);
	if (n % 2)
		return a;
	/* the upper middle is the smallest value above index (n-1)/2 */
	b = v[n / 2];
	for (i = n / 2; i < n; i++)
		if (v[i] < b)
			b = v[i];
	return (a + b) / 2;
}

void soak_wilson(uint64_t k, uint64_t n, double z, double *lo, double *hi)
{
	double nn = (double)n, kk = (double)k, z2 = z * z, c, h;

	if (!n) {
		*lo = 0;
		*hi = 1;
		return;
	}
	c = (kk + z2 / 2) / (nn + z2);
	h = z / (nn + z2) * sqrt(kk * (nn - kk) / nn + z2 / 4);
	*lo = c - h < 0 ? 0 : c - h;
	*hi = c + h > 1 ? 1 : c + h;
}

int soak_series_init(struct soak_series *s, size_t max_points, uint64_t settle_points,
                     double settle_x)
{
	memset(s, 0, sizeof(*s));
	if (!max_points)
		max_points = SOAK_SERIES_MAX;
	if (max_points < 4)
		max_points = 4;
	max_points += max_points % 2;
	s->pts = malloc(max_points * sizeof(*s->pts));
	if (!s->pts)
		return -1;
	s->max_points = max_points;
	s->width = 1;
	s->settle_points = settle_points;
	s->settle_x = settle_x;
	return 0;
}

void soak_series_free(struct soak_series *s)
{
	free(s->pts);
	memset(s, 0, sizeof(*s));
}

static void pt_merge(struct soak_series_pt *d, const struct soak_series_pt *a,
                     const struct soak_series_pt *b)
{
	double ca = (double)a->count, cb = (double)b->count;

	d->x = (a->x * ca + b->x * cb) / (ca + cb);
	d->y = (a->y * ca + b->y * cb) / (ca + cb);
	d->first = a->first;
	d->count = a->count + b->count;
}

int soak_series_add(struct soak_series *s, double x, double y)
{
	struct soak_series_pt *p;
	size_t i;

	if (!isfinite(x) || !isfinite(y)) {
		errno = EINVAL;
		return -1;
	}
	if (!s->seen++)
		s->first_x = x;
	if (s->seen <= s->settle_points)
		return 0;
	if (s->settle_x > 0 && x < s->first_x + s->settle_x)
		return 0;
	if (!s->cur_n)
		s->cur_first = s->nraw;
	s->cur_sx += x;
	s->cur_sy += y;
	s->cur_n++;
	s->nraw++;
	if (s->cur_n < s->width)
		return 0;
	p = &s->pts[s->npts++];
	p->x = s->cur_sx / (double)s->cur_n;
	p->y = s->cur_sy / (double)s->cur_n;
	p->first = s->cur_first;
	p->count = s->cur_n;
	s->cur_sx = s->cur_sy = 0;
	s->cur_n = 0;
	if (s->npts == s->max_points) {
		for (i = 0; i < s->npts / 2; i++) {
			struct soak_series_pt m;

			pt_merge(&m, &s->pts[2 * i], &s->pts[2 * i + 1]);
			s->pts[i] = m;
		}
		s->npts /= 2;
		s->width *= 2;
	}
	return 0;
}

int soak_theil_sen(const double *x, const double *y, size_t n, double *slope, double *intercept)
{
	size_t i, j, m = 0;
	double *v;

	*slope = NAN;
	*intercept = NAN;
	if (n < 2)
		return 0;
	v = malloc(n * (n - 1) / 2 * sizeof(*v));
	if (!v)
		return -1;
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (x[j] != x[i])
				v[m++] = (y[j] - y[i]) / (x[j] - x[i]);
	if (m) {
		*slope = soak_median_inplace(v, m);
		for (i = 0; i < n; i++)
			v[i] = y[i] - *slope * x[i];
		*intercept = soak_median_inplace(v, n);
	}
	free(v);
	return 0;
}

int soak_mann_kendall(const double *y, size_t n, double *s_out, double *var_out, double *z_out,
                      double *p_out)
{
	double s = 0, var, ties = 0, nn = (double)n, z = 0;
	size_t i, j;
	double *v;

	*s_out = 0;
	*var_out = 0;
	*z_out = 0;
	*p_out = 1;
	if (n < 3)
		return 0;
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			s += (y[j] > y[i]) - (y[j] < y[i]);
	v = malloc(n * sizeof(*v));
	if (!v)
		return -1;
	memcpy(v, y, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_double);
	for (i = 0; i < n; i = j) {
		double t;

		for (j = i + 1; j < n && v[j] == v[i]; j++)
			;
		t = (double)(j - i);
		if (t > 1)
			ties += t * (t - 1) * (2 * t + 5);
	}
	free(v);
	var = (nn * (nn - 1) * (2 * nn + 5) - ties) / 18;
	if (var > 0) {
		if (s > 0)
			z = (s - 1) / sqrt(var);
		else if (s < 0)
			z = (s + 1) / sqrt(var);
	}
	*s_out = s;
	*var_out = var;
	*z_out = z;
	*p_out = var > 0 ? erfc(fabs(z) / sqrt(2.0)) : 1;
	return 0;
}

/* The points of s after the settle cut, appended to x, y; returns how many. */
static size_t series_points(const struct soak_series *s, double settle_frac, double *x, double *y,
                            uint64_t *raw)
{
	uint64_t cutoff = 0;
	size_t n = 0, i;

	if (settle_frac > 0 && settle_frac < 1)
		cutoff = (uint64_t)ceil(settle_frac * (double)s->nraw);
	for (i = 0; i < s->npts; i++) {
		if (s->pts[i].first < cutoff)
			continue;
		x[n] = s->pts[i].x;
		y[n] = s->pts[i].y;
		*raw += s->pts[i].count;
		n++;
	}
	if (s->cur_n && s->cur_first >= cutoff) {
		x[n] = s->cur_sx / (double)s->cur_n;
		y[n] = s->cur_sy / (double)s->cur_n;
		*raw += s->cur_n;
		n++;
	}
	return n;
}

int soak_series_trend_multi(const struct soak_series *s, size_t nseries, double settle_frac,
                            struct soak_trend *out)
{
	size_t total = 0, npairs = 0, n = 0, m = 0, k, i, j;
	double *x = NULL, *y = NULL, *v = NULL, pairs = 0;
	size_t *start = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->slope = out->intercept = NAN;
	out->p = 1;
	for (k = 0; k < nseries; k++)
		total += s[k].npts + 1;
	x = malloc((total + 1) * sizeof(*x));
	y = malloc((total + 1) * sizeof(*y));
	start = malloc((nseries + 1) * sizeof(*start));
	if (!x || !y || !start)
		goto out;
	for (k = 0; k < nseries; k++) {
		size_t nk;

		start[k] = n;
		nk = series_points(&s[k], settle_frac, x + n, y + n, &out->raw);
		n += nk;
		npairs += nk * (nk ? nk - 1 : 0) / 2;
	}
	start[nseries] = n;
	out->n = n;
	v = malloc((npairs > n ? npairs : n) * sizeof(*v) + sizeof(*v));
	if (!v)
		goto out;
	for (k = 0; k < nseries; k++) {
		size_t a = start[k], b = start[k + 1];
		double sk, vk, zk, pk;

		for (i = a; i < b; i++)
			for (j = i + 1; j < b; j++)
				if (x[j] != x[i])
					v[m++] = (y[j] - y[i]) / (x[j] - x[i]);
		if (soak_mann_kendall(y + a, b - a, &sk, &vk, &zk, &pk))
			goto out;
		out->s += sk;
		out->var_s += vk;
		pairs += (double)(b - a) * (double)(b - a > 0 ? b - a - 1 : 0) / 2;
	}
	if (m) {
		out->slope = soak_median_inplace(v, m);
		for (i = 0; i < n; i++)
			v[i] = y[i] - out->slope * x[i];
		out->intercept = soak_median_inplace(v, n);
	}
	if (out->var_s > 0) {
		if (out->s > 0)
			out->z = (out->s - 1) / sqrt(out->var_s);
		else if (out->s < 0)
			out->z = (out->s + 1) / sqrt(out->var_s);
		out->p = erfc(fabs(out->z) / sqrt(2.0));
	}
	if (pairs > 0)
		out->tau = out->s / pairs;
	rc = 0;
out:
	free(x);
	free(y);
	free(v);
	free(start);
	return rc;
}

int soak_series_trend(const struct soak_series *s, double settle_frac, struct soak_trend *out)
{
	return soak_series_trend_multi(s, 1, settle_frac, out);
}
