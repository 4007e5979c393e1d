#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse.h"
#include "exitcode.h"
#include "banned.h"

#define DURATION_HELP                                                                              \
	"expected a number with a unit ms, s, m, h, d or w (e.g. 250ms, 90s, 20m, 24h)"
#define SIZE_HELP                                                                                  \
	"expected a number with an optional unit B, KB, MB, GB, TB (x1000) or K, M, G, T, KiB, "   \
	"MiB, GiB, TiB (x1024) (e.g. 500MB, 10GiB, 1.5G)"

/* The error messages quote the value; keep a hostile or huge one from swamping them. */
#define QUOTE_MAX 64

static const char *q(const char *s, char *buf, size_t n)
{
	size_t len = strlen(s);

	if (len < QUOTE_MAX)
		return s;
	snprintf(buf, n, "%.*s...", QUOTE_MAX - 4, s);
	return buf;
}

static void range_text(long long min, long long max, char *buf, size_t n)
{
	if (min == LLONG_MIN && max == LLONG_MAX)
		snprintf(buf, n, "a whole number");
	else if (max == LLONG_MAX)
		snprintf(buf, n, "a whole number >= %lld", min);
	else if (min == LLONG_MIN)
		snprintf(buf, n, "a whole number <= %lld", max);
	else
		snprintf(buf, n, "a whole number from %lld to %lld", min, max);
}

int soak_parse_int(const char *s, long long min, long long max, long long *out,
                   struct soak_err *err)
{
	char range[128], qb[QUOTE_MAX + 4];
	const char *p = s ? s : "";
	char *end;
	long long v;

	range_text(min, max, range, sizeof(range));
	if (*p == '+' || *p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		goto bad;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end)
		goto bad;
	if (errno == ERANGE || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	return soak_err_set(err, SOAK_EXIT_USAGE, "invalid number '%s': expected %s",
	                    q(s ? s : "", qb, sizeof(qb)), range);
}

/* [+-]digits[.digits][(e|E)[+-]digits]: what strtod should see (no hex, inf, nan, spaces). */
static int plain_decimal(const char *p)
{
	int digits = 0;

	if (*p == '+' || *p == '-')
		p++;
	while (isdigit((unsigned char)*p)) {
		p++;
		digits++;
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p)) {
			p++;
			digits++;
		}
	}
	if (!digits)
		return 0;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit((unsigned char)*p))
			return 0;
		while (isdigit((unsigned char)*p))
			p++;
	}
	return *p == '\0';
}

int soak_parse_double(const char *s, double min, double max, double *out, struct soak_err *err)
{
	char range[128], qb[QUOTE_MAX + 4];
	char *end;
	double v;

	if (min <= -DBL_MAX && max >= DBL_MAX)
		snprintf(range, sizeof(range), "a number");
	else if (max >= DBL_MAX)
		snprintf(range, sizeof(range), "a number >= %g", min);
	else if (min <= -DBL_MAX)
		snprintf(range, sizeof(range), "a number <= %g", max);
	else
		snprintf(range, sizeof(range), "a number from %g to %g", min, max);
	if (!s || !plain_decimal(s))
		goto bad;
	errno = 0;
	v = strtod(s, &end);
	if (*end || !isfinite(v) || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	return soak_err_set(err, SOAK_EXIT_USAGE, "invalid number '%s': expected %s",
	                    q(s ? s : "", qb, sizeof(qb)), range);
}

struct num {
	uint64_t ip;  /* integer part */
	double frac;  /* fraction part, [0, 1) */
	int digits;   /* digits seen */
	int overflow; /* integer part did not fit */
};

/* A non-negative decimal "12", "1.5", ".5" from p; returns the first byte after it. */
static const char *scan_num(const char *p, struct num *n)
{
	uint64_t fd = 0, scale = 1;

	memset(n, 0, sizeof(*n));
	while (isdigit((unsigned char)*p)) {
		unsigned d = (unsigned)(*p - '0');
		if (n->ip > (UINT64_MAX - d) / 10)
			n->overflow = 1;
		else
			n->ip = n->ip * 10 + d;
		n->digits++;
		p++;
	}
	if (*p == '.' && isdigit((unsigned char)p[1])) {
		p++;
		while (isdigit((unsigned char)*p)) {
			if (scale < 1000000000000000000ULL) {
				fd = fd * 10 + (uint64_t)(*p - '0');
				scale *= 10;
			}
			n->digits++;
			p++;
		}
		n->frac = (double)fd / (double)scale;
	}
	return p;
}

/* ip * unit + round(frac * unit), or -1 when it does not fit in max. */
static int scale_num(const struct num *n, uint64_t unit, uint64_t max, uint64_t *out)
{
	uint64_t v, f;

	if (n->overflow || (unit && n->ip > max / unit))
		return -1;
	v = n->ip * unit;
	f = (uint64_t)(n->frac * (double)unit + 0.5); /* round half up, without libm */
	if (f > max - v)
		return -1;
	*out = v + f;
	return 0;
}

int soak_parse_duration(const char *s, int64_t *ms, struct soak_err *err)
{
	static const struct {
		const char *name;
		uint64_t ms;
	} units[] = {
	    {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}, {"w", 604800000},
	};
	char qb[QUOTE_MAX + 4];
	const char *p = s ? s : "";
	uint64_t total = 0;
	int parts = 0;

	if (*p == '-')
		return soak_err_set(err, SOAK_EXIT_USAGE,
		                    "invalid duration '%s': must not be negative",
		                    q(s, qb, sizeof(qb)));
	if (!*p)
		goto bad;
	while (*p) {
		struct num n;
		uint64_t part;
		size_t i, len = 0;

		p = scan_num(p, &n);
		if (!n.digits)
			goto bad;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			len = strlen(units[i].name);
			if (!strncmp(p, units[i].name, len) && !isalpha((unsigned char)p[len]))
				break;
		}
		if (i == sizeof(units) / sizeof(units[0])) {
			if (*p)
				goto bad;
			if (!parts && !n.overflow && n.ip == 0 && n.frac == 0) {
				*ms = 0;
				return 0;
			}
			if (!parts)
				return soak_err_set(
				    err, SOAK_EXIT_USAGE,
				    "invalid duration '%s': a number needs a unit ms, "
				    "s, m, h, d or w (e.g. %ss, %sm)",
				    q(s, qb, sizeof(qb)), strlen(s) <= 16 ? s : "30",
				    strlen(s) <= 16 ? s : "30");
			goto bad;
		}
		if (scale_num(&n, units[i].ms, (uint64_t)INT64_MAX, &part) < 0 ||
		    part > (uint64_t)INT64_MAX - total)
			return soak_err_set(err, SOAK_EXIT_USAGE,
			                    "invalid duration '%s': too large",
			                    q(s, qb, sizeof(qb)));
		total += part;
		parts++;
		p += len;
	}
	*ms = (int64_t)total;
	return 0;
bad:
	return soak_err_set(err, SOAK_EXIT_USAGE, "invalid duration '%s': " DURATION_HELP,
	                    q(s ? s : "", qb, sizeof(qb)));
}

int soak_parse_size(const char *s, uint64_t *bytes, struct soak_err *err)
{
	static const struct {
		const char *name;
		uint64_t mult;
	} units[] = {
	    {"", 1},
	    {"b", 1},
	    {"k", 1ULL << 10},
	    {"kb", 1000ULL},
	    {"kib", 1ULL << 10},
	    {"m", 1ULL << 20},
	    {"mb", 1000000ULL},
	    {"mib", 1ULL << 20},
	    {"g", 1ULL << 30},
	    {"gb", 1000000000ULL},
	    {"gib", 1ULL << 30},
	    {"t", 1ULL << 40},
	    {"tb", 1000000000000ULL},
	    {"tib", 1ULL << 40},
	};
	char qb[QUOTE_MAX + 4];
	const char *p = s ? s : "";
	struct num n;
	size_t i;

	if (*p == '-')
		return soak_err_set(err, SOAK_EXIT_USAGE, "invalid size '%s': must not be negative",
		                    q(s, qb, sizeof(qb)));
	p = scan_num(p, &n);
	if (!n.digits)
		goto bad;
	if (*p == ' ' && p[1])
		p++;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcasecmp(p, units[i].name))
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		goto bad;
	if (scale_num(&n, units[i].mult, UINT64_MAX, bytes) < 0)
		return soak_err_set(err, SOAK_EXIT_USAGE, "invalid size '%s': too large",
		                    q(s, qb, sizeof(qb)));
	return 0;
bad:
	return soak_err_set(err, SOAK_EXIT_USAGE, "invalid size '%s': " SIZE_HELP,
	                    q(s ? s : "", qb, sizeof(qb)));
}

int soak_parse_bool(const char *s, int *out, struct soak_err *err)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};
	char qb[QUOTE_MAX + 4];
	size_t i;

	for (i = 0; s && i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = 1;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return soak_err_set(err, SOAK_EXIT_USAGE,
	                    "invalid boolean '%s': expected true or false (or yes/no, on/off, 1/0)",
	                    q(s ? s : "", qb, sizeof(qb)));
}
