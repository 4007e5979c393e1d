/* UTC calendar arithmetic and ISO-8601 timestamps, without the C library's time zones. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "utc.h"
#include "banned.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int soak_utc_split(int64_t sec, struct tm *tm)
{
	int64_t days = sec / 86400, rem = sec % 86400, era, y;
	unsigned doe, yoe, doy, mp, d, m;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	memset(tm, 0, sizeof(*tm));
	tm->tm_hour = (int)(rem / 3600);
	tm->tm_min = (int)(rem / 60 % 60);
	tm->tm_sec = (int)(rem % 60);
	tm->tm_wday = (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday */
	days += 719468;
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = (unsigned)(days - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	if (y - 1900 < -2147483647 || y - 1900 > 2147483647)
		return -1;
	tm->tm_year = (int)(y - 1900);
	tm->tm_mon = (int)m - 1;
	tm->tm_mday = (int)d;
	tm->tm_yday = (int)(days_from_civil(y, m, d) - days_from_civil(y, 1, 1));
	return 0;
}

int64_t soak_utc_join(const struct tm *tm)
{
	int64_t y = (int64_t)tm->tm_year + 1900, mon = tm->tm_mon;

	/* normalise the month as timegm does */
	y += mon / 12;
	mon %= 12;
	if (mon < 0) {
		mon += 12;
		y--;
	}
	return (days_from_civil(y, (unsigned)mon + 1, 1) + tm->tm_mday - 1) * 86400 +
	       (int64_t)tm->tm_hour * 3600 + (int64_t)tm->tm_min * 60 + tm->tm_sec;
}

char *soak_iso8601(int64_t wall_ms, char *buf, size_t n)
{
	int64_t sec = wall_ms / 1000, frac = wall_ms % 1000;
	struct tm tm;

	if (!buf || !n)
		return buf;
	if (frac < 0) { /* floor for times before 1970 */
		frac += 1000;
		sec--;
	}
	if (soak_utc_split(sec, &tm) < 0) {
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
	*wall_ms = soak_utc_join(&tm) * 1000 + ms;
	return 0;
}
