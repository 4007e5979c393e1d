/* Numbers for people (fmt.h). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "banned.h"

/* Whole seconds as "1d00h05m", "1h02m04s", "1m": later parts zero-padded, trailing zeros left out.
 */
static char *dhms(const char *sign, uint64_t s, char *buf, size_t n)
{
	static const struct {
		char unit;
		uint64_t s;
	} parts[] = {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
	size_t len, i;
	int started = 0;

	len = (size_t)snprintf(buf, n, "%s", sign);
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]) && len < n; i++) {
		uint64_t q = s / parts[i].s;

		if (!started && !q)
			continue;
		len += (size_t)snprintf(buf + len, n - len,
		                        started ? "%02" PRIu64 "%c" : "%" PRIu64 "%c", q,
		                        parts[i].unit);
		started = 1;
		s %= parts[i].s;
		if (!s)
			break;
	}
	return buf;
}

/* Under a minute (after rounding to three significant digits): "0.25ms", "340ms", "2.19s". */
#define MS_SHORT 59950.0

static char *fmt_ms(double v, char *buf, size_t n)
{
	const char *sign = v < 0 ? "-" : "";
	double a = fabs(v);

	if (a < 0.0005)
		snprintf(buf, n, "0ms");
	else if (a < 999.5)
		snprintf(buf, n, "%s%.3gms", sign, a);
	else if (a < MS_SHORT)
		snprintf(buf, n, "%s%.3gs", sign, a / 1000);
	else if (a < 9e18) /* converting more to uint64_t is undefined */
		dhms(sign, (uint64_t)llround(a / 1000), buf, n);
	else
		snprintf(buf, n, "%s%.0fs", sign, a / 1000);
	return buf;
}

char *soak_format_duration(int64_t ms, char *buf, size_t n)
{
	uint64_t v;

	if (!buf || !n)
		return buf;
	v = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
	if ((double)v < MS_SHORT)
		return fmt_ms((double)ms, buf, n);
	return dhms(ms < 0 ? "-" : "", (v + 500) / 1000, buf, n);
}

char *soak_format_size(uint64_t bytes, char *buf, size_t n)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	double v = (double)bytes;
	uint64_t tenths;
	size_t i = 0;

	if (!buf || !n)
		return buf;
	if (bytes < 1024) {
		snprintf(buf, n, "%" PRIu64 " B", bytes);
		return buf;
	}
	v /= 1024.0;
	while (v >= 1023.95 && i + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024.0;
		i++;
	}
	/* one decimal, none when it is .0: "1.5 GiB", "10 GiB" */
	tenths = (uint64_t)(v * 10 + 0.5);
	if (tenths % 10 == 0)
		snprintf(buf, n, "%" PRIu64 " %s", tenths / 10, units[i]);
	else
		snprintf(buf, n, "%" PRIu64 ".%" PRIu64 " %s", tenths / 10, tenths % 10, units[i]);
	return buf;
}

static char *fmt_bytes(double v, char *buf, size_t n)
{
	char tmp[48];

	if (fabs(v) < 1.8e19) /* converting more to uint64_t is undefined */
		snprintf(buf, n, "%s%s", v <= -0.5 ? "-" : "",
		         soak_format_size((uint64_t)llround(fabs(v)), tmp, sizeof(tmp)));
	else
		snprintf(buf, n, "%.0f EiB", v / 1152921504606846976.0);
	return buf;
}

static char *fmt_count(double v, char *buf, size_t n)
{
	if ((v == floor(v) || fabs(v) >= 1e4) && fabs(v) < 1e15)
		snprintf(buf, n, "%.0f", v);
	else
		snprintf(buf, n, "%.4g", v);
	return buf;
}

char *soak_fmt(enum soak_unit u, double v, char *buf, size_t n)
{
	if (!buf || !n)
		return buf;
	if (!isfinite(v)) {
		snprintf(buf, n, "n/a");
		return buf;
	}
	switch (u) {
	case SOAK_U_MS:
		return fmt_ms(v, buf, n);
	case SOAK_U_SECONDS:
		return fmt_ms(v * 1000, buf, n);
	case SOAK_U_BYTES:
		return fmt_bytes(v, buf, n);
	case SOAK_U_RATIO:
		snprintf(buf, n, "%.2f%%", v * 100);
		return buf;
	default:
		return fmt_count(v, buf, n);
	}
}

char *soak_fmt_setting(double v, char *buf, size_t n)
{
	if (!buf || !n)
		return buf;
	if (!isfinite(v)) {
		snprintf(buf, n, "n/a");
		return buf;
	}
	snprintf(buf, n, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, n, "%.17g", v);
	return buf;
}

char *soak_fmt_per_hour(enum soak_unit u, double v, char *buf, size_t n)
{
	size_t len;

	soak_fmt(u, v, buf, n);
	len = strlen(buf);
	if (isfinite(v) && len < n)
		snprintf(buf + len, n - len, "/h");
	return buf;
}

static int name_is(const char *name, size_t len, const char *s)
{
	return strlen(s) == len && !strncmp(name, s, len);
}

enum soak_unit soak_fmt_unit_of(const char *expr, int *per_hour)
{
	static const char *const sizes[] = {
	    "rss",       "peak_rss_bytes",  "disk",      "free_disk_bytes",
	    "mem_avail", "mem_avail_bytes", "log_bytes", "service.rss"};
	size_t len = strcspn(expr, ":@<>=!"), i;
	const char *agg = expr + len + (expr[len] == ':'); /* no aggregate: at '@', '<', ... */
	int dummy;

	if (!per_hour)
		per_hour = &dummy;
	*per_hour = !strncmp(agg, "slope", 5);
	if (!strncmp(agg, "count", 5) || !strncmp(agg, "trend_p", 7))
		return SOAK_U_COUNT;
	if (name_is(expr, len, "duration_ms") || (len > 17 && !strncmp(expr, "step.", 5) &&
	                                          !strncmp(expr + len - 12, ".duration_ms", 12)))
		return SOAK_U_MS;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (name_is(expr, len, sizes[i]))
			return SOAK_U_BYTES;
	if (name_is(expr, len, "cpu_user_s") || name_is(expr, len, "cpu_sys_s"))
		return SOAK_U_SECONDS;
	if (name_is(expr, len, "pass_rate") || name_is(expr, len, "fail_rate") ||
	    name_is(expr, len, "pass_rate_lo") || name_is(expr, len, "pass_rate_hi") ||
	    name_is(expr, len, "tune.apply_ratio"))
		return SOAK_U_RATIO;
	return SOAK_U_COUNT;
}

char *soak_fmt_named(const char *expr, double v, char *buf, size_t n)
{
	int per_hour;
	enum soak_unit u = soak_fmt_unit_of(expr, &per_hour);

	return per_hour ? soak_fmt_per_hour(u, v, buf, n) : soak_fmt(u, v, buf, n);
}
