#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "banned.h"

static int64_t ns_of(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) < 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t soak_mono_ns(void)
{
	return ns_of(CLOCK_MONOTONIC);
}

int64_t soak_mono_ms(void)
{
	return soak_mono_ns() / 1000000;
}

int64_t soak_wall_ms(void)
{
	return ns_of(CLOCK_REALTIME) / 1000000;
}

char *soak_iso8601(int64_t wall_ms, char *buf, size_t n)
{
	int64_t sec = wall_ms / 1000, frac = wall_ms % 1000;
	struct tm tm;
	time_t t;

	if (!buf || !n)
		return buf;
	if (frac < 0) { /* floor for times before 1970 */
		frac += 1000;
		sec--;
	}
	t = (time_t)sec;
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, n, "1970-01-01T00:00:00.000Z");
		return buf;
	}
	snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)frac);
	return buf;
}

/* Exactly n digits at *p into *v; advances *p. */
static int digits(const char **p, int n, int *v)
{
	int x = 0;

	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return -1;
		x = x * 10 + (c - '0');
	}
	*p += n;
	*v = x;
	return 0;
}

static int expect(const char **p, char c)
{
	if (**p != c)
		return -1;
	(*p)++;
	return 0;
}

int soak_iso8601_parse(const char *s, int64_t *wall_ms)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int year, mon, day, hour, min, sec, ms = 0;
	const char *p = s;
	struct tm tm;
	time_t t;
	int leap;

	if (!s || digits(&p, 4, &year) || expect(&p, '-') || digits(&p, 2, &mon) ||
	    expect(&p, '-') || digits(&p, 2, &day) || expect(&p, 'T') || digits(&p, 2, &hour) ||
	    expect(&p, ':') || digits(&p, 2, &min) || expect(&p, ':') || digits(&p, 2, &sec))
		return -1;
	if (*p == '.') {
		int nd = 0;
		p++;
		while (*p >= '0' && *p <= '9') {
			if (nd < 3)
				ms = ms * 10 + (*p - '0');
			nd++;
			p++;
		}
		if (!nd || nd > 9)
			return -1;
		for (; nd < 3; nd++)
			ms *= 10;
	}
	if (strcmp(p, "Z"))
		return -1;
	leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	if (mon < 1 || mon > 12 || day < 1 || day > mdays[mon - 1] ||
	    (mon == 2 && day == 29 && !leap) || hour > 23 || min > 59 || sec > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*wall_ms = (int64_t)t * 1000 + ms;
	return 0;
}
