#include <float.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "parse.h"
#include "exitcode.h"
#include "banned.h"

static int64_t dur(const char *s)
{
	struct soak_err err = {0};
	int64_t ms = -12345;

	if (soak_parse_duration(s, &ms, &err) < 0) {
		fprintf(stderr, "unexpected error for '%s': %s\n", s, err.msg);
		return -1;
	}
	return ms;
}

static const char *dur_err(const char *s)
{
	static struct soak_err err;
	int64_t ms = 777;

	soak_err_clear(&err);
	if (soak_parse_duration(s, &ms, &err) == 0)
		return "(accepted)";
	CHECK_INT(err.code, SOAK_EXIT_USAGE);
	CHECK_INT(ms, 777); /* untouched on error */
	return err.msg;
}

static uint64_t size(const char *s)
{
	struct soak_err err = {0};
	uint64_t b = 12345;

	if (soak_parse_size(s, &b, &err) < 0) {
		fprintf(stderr, "unexpected error for '%s': %s\n", s, err.msg);
		return (uint64_t)-1;
	}
	return b;
}

static const char *size_err(const char *s)
{
	static struct soak_err err;
	uint64_t b = 777;

	soak_err_clear(&err);
	if (soak_parse_size(s, &b, &err) == 0)
		return "(accepted)";
	CHECK_INT(err.code, SOAK_EXIT_USAGE);
	CHECK_INT(b, 777);
	return err.msg;
}

static void test_int(void)
{
	struct soak_err err = {0};
	long long v = 0;

	CHECK_INT(soak_parse_int("42", 0, 100, &v, &err), 0);
	CHECK_INT(v, 42);
	CHECK_INT(soak_parse_int("-5", -10, 10, &v, &err), 0);
	CHECK_INT(v, -5);
	CHECK_INT(soak_parse_int("+7", 0, 10, &v, &err), 0);
	CHECK_INT(v, 7);
	CHECK_INT(soak_parse_int("9223372036854775807", LLONG_MIN, LLONG_MAX, &v, &err), 0);
	CHECK_INT(v, LLONG_MAX);
	CHECK_INT(soak_parse_int("-9223372036854775808", LLONG_MIN, LLONG_MAX, &v, &err), 0);
	CHECK_INT(v, LLONG_MIN);

	v = 99;
	CHECK_INT(soak_parse_int("101", 0, 100, &v, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_USAGE);
	CHECK_STR(err.msg, "invalid number '101': expected a whole number from 0 to 100");
	CHECK_INT(v, 99);
	CHECK_INT(soak_parse_int("-1", 0, LLONG_MAX, &v, &err), -1);
	CHECK_STR(err.msg, "invalid number '-1': expected a whole number >= 0");
	CHECK_INT(soak_parse_int("9223372036854775808", 0, LLONG_MAX, &v, &err), -1);
	CHECK_STR(err.msg, "invalid number '9223372036854775808': expected a whole number >= 0");
	CHECK_INT(soak_parse_int("", 0, 10, &v, &err), -1);
	CHECK_STR(err.msg, "invalid number '': expected a whole number from 0 to 10");
	CHECK_INT(soak_parse_int("12abc", LLONG_MIN, LLONG_MAX, &v, &err), -1);
	CHECK_STR(err.msg, "invalid number '12abc': expected a whole number");
	CHECK_INT(soak_parse_int(" 12", 0, 100, &v, &err), -1);
	CHECK_INT(soak_parse_int("12 ", 0, 100, &v, &err), -1);
	CHECK_INT(soak_parse_int("1.5", 0, 100, &v, &err), -1);
	CHECK_INT(soak_parse_int("0x10", 0, 100, &v, &err), -1);
	CHECK_INT(soak_parse_int("-", -10, 100, &v, &err), -1);
	CHECK_INT(soak_parse_int(NULL, 0, 100, &v, &err), -1);
	CHECK_INT(v, 99);
}

static void test_double(void)
{
	struct soak_err err = {0};
	double d = 0;

	CHECK_INT(soak_parse_double("0.95", 0, 1, &d, &err), 0);
	CHECK_NEAR(d, 0.95, 1e-12);
	CHECK_INT(soak_parse_double("-2.5e3", -DBL_MAX, DBL_MAX, &d, &err), 0);
	CHECK_NEAR(d, -2500, 1e-9);
	CHECK_INT(soak_parse_double(".5", 0, 1, &d, &err), 0);
	CHECK_NEAR(d, 0.5, 1e-12);
	CHECK_INT(soak_parse_double("7", 0, 10, &d, &err), 0);
	CHECK_NEAR(d, 7, 0);

	d = 3;
	CHECK_INT(soak_parse_double("1.5", 0, 1, &d, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_USAGE);
	CHECK_STR(err.msg, "invalid number '1.5': expected a number from 0 to 1");
	CHECK_INT(soak_parse_double("nan", -DBL_MAX, DBL_MAX, &d, &err), -1);
	CHECK_STR(err.msg, "invalid number 'nan': expected a number");
	CHECK_INT(soak_parse_double("inf", -DBL_MAX, DBL_MAX, &d, &err), -1);
	CHECK_INT(soak_parse_double("-infinity", -DBL_MAX, DBL_MAX, &d, &err), -1);
	CHECK_INT(soak_parse_double("1e999", -DBL_MAX, DBL_MAX, &d, &err), -1);
	CHECK_INT(soak_parse_double("0x1p3", -DBL_MAX, DBL_MAX, &d, &err), -1);
	CHECK_INT(soak_parse_double("", 0, DBL_MAX, &d, &err), -1);
	CHECK_STR(err.msg, "invalid number '': expected a number >= 0");
	CHECK_INT(soak_parse_double("1.2.3", 0, DBL_MAX, &d, &err), -1);
	CHECK_INT(soak_parse_double("1e", 0, DBL_MAX, &d, &err), -1);
	CHECK_INT(soak_parse_double(" 1", 0, DBL_MAX, &d, &err), -1);
	CHECK_INT(soak_parse_double("-0.1", 0, DBL_MAX, &d, &err), -1);
	CHECK_NEAR(d, 3, 0);
}

static void test_duration(void)
{
	CHECK_INT(dur("250ms"), 250);
	CHECK_INT(dur("90s"), 90000);
	CHECK_INT(dur("20m"), 1200000);
	CHECK_INT(dur("24h"), 86400000);
	CHECK_INT(dur("1h30m"), 5400000);
	CHECK_INT(dur("1.5h"), 5400000);
	CHECK_INT(dur("7d"), 604800000);
	CHECK_INT(dur("2w"), 1209600000);
	CHECK_INT(dur("1h2m3s4ms"), 3723004);
	CHECK_INT(dur("0.5s"), 500);
	CHECK_INT(dur(".25s"), 250);
	CHECK_INT(dur("0"), 0);
	CHECK_INT(dur("0.0"), 0);
	CHECK_INT(dur("0s"), 0);
	CHECK_INT(dur("1.0005s"), 1001); /* rounded to the nearest millisecond */
	CHECK_INT(dur("106751991167d"), 106751991167LL * 86400000);

	CHECK_STR(dur_err("24x"), "invalid duration '24x': expected a number with a unit ms, s, m, "
	                          "h, d or w (e.g. 250ms, 90s, 20m, 24h)");
	CHECK_STR(dur_err(""), "invalid duration '': expected a number with a unit ms, s, m, h, d "
	                       "or w (e.g. 250ms, 90s, 20m, 24h)");
	CHECK_STR(
	    dur_err("30"),
	    "invalid duration '30': a number needs a unit ms, s, m, h, d or w (e.g. 30s, 30m)");
	CHECK_STR(dur_err("-5s"), "invalid duration '-5s': must not be negative");
	CHECK_STR(dur_err("99999999999999999999s"),
	          "invalid duration '99999999999999999999s': too large");
	CHECK_STR(dur_err("106752000000d"), "invalid duration '106752000000d': too large");
	CHECK(strstr(dur_err("1h30"), "expected a number with a unit") != NULL);
	CHECK(strstr(dur_err("h"), "expected a number with a unit") != NULL);
	CHECK(strstr(dur_err("1 h"), "expected a number with a unit") != NULL);
	CHECK(strstr(dur_err("1H"), "expected a number with a unit") != NULL);
	CHECK(strstr(dur_err("1min"), "expected a number with a unit") != NULL);
	CHECK(strstr(dur_err("1.s"), "expected a number with a unit") != NULL);
	CHECK(strstr(dur_err("nan"), "expected a number with a unit") != NULL);
	CHECK(strstr(dur_err("infs"), "expected a number with a unit") != NULL);
	CHECK(strstr(dur_err("5s "), "expected a number with a unit") != NULL);
	CHECK(strstr(dur_err(NULL), "expected a number with a unit") != NULL);
	/* a huge value is shortened in the message */
	char big[300];
	memset(big, '7', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(strlen(dur_err(big)) < 200);
}

static void test_size(void)
{
	CHECK_INT(size("0"), 0);
	CHECK_INT(size("512"), 512);
	CHECK_INT(size("512B"), 512);
	CHECK_INT(size("500MB"), 500000000ULL);
	CHECK_INT(size("500mb"), 500000000ULL);
	CHECK_INT(size("10GiB"), 10ULL << 30);
	CHECK_INT(size("1.5G"), 1610612736ULL);
	CHECK_INT(size("1k"), 1024);
	CHECK_INT(size("1KB"), 1000);
	CHECK_INT(size("1KiB"), 1024);
	CHECK_INT(size("2M"), 2ULL << 20);
	CHECK_INT(size("3MiB"), 3ULL << 20);
	CHECK_INT(size("1TB"), 1000000000000ULL);
	CHECK_INT(size("1T"), 1ULL << 40);
	CHECK_INT(size("1.5 GiB"), 1610612736ULL);
	CHECK_INT(size("16777215T"), 16777215ULL << 40);

	CHECK_STR(size_err("10XB"), "invalid size '10XB': expected a number with an optional unit "
	                            "B, KB, MB, GB, TB (x1000) or K, M, G, T, KiB, MiB, GiB, TiB "
	                            "(x1024) (e.g. 500MB, 10GiB, 1.5G)");
	CHECK_STR(size_err("-1MB"), "invalid size '-1MB': must not be negative");
	CHECK_STR(size_err("16777216T"), "invalid size '16777216T': too large");
	CHECK_STR(size_err("18446744073709551616"),
	          "invalid size '18446744073709551616': too large");
	CHECK(strstr(size_err(""), "expected a number") != NULL);
	CHECK(strstr(size_err("MB"), "expected a number") != NULL);
	CHECK(strstr(size_err("5 "), "expected a number") != NULL);
	CHECK(strstr(size_err("5  MB"), "expected a number") != NULL);
	CHECK(strstr(size_err("5PB"), "expected a number") != NULL);
	CHECK(strstr(size_err("nan"), "expected a number") != NULL);
	CHECK(strstr(size_err("1e3"), "expected a number") != NULL);
}

static void test_bool(void)
{
	struct soak_err err = {0};
	const char *yes[] = {"true", "TRUE", "yes", "on", "1", "True"};
	const char *no[] = {"false", "no", "OFF", "0"};
	int b;

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		b = 0;
		CHECK_INT(soak_parse_bool(yes[i], &b, &err), 0);
		CHECK_INT(b, 1);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		b = 1;
		CHECK_INT(soak_parse_bool(no[i], &b, &err), 0);
		CHECK_INT(b, 0);
	}
	b = 5;
	CHECK_INT(soak_parse_bool("maybe", &b, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_USAGE);
	CHECK_STR(err.msg,
	          "invalid boolean 'maybe': expected true or false (or yes/no, on/off, 1/0)");
	CHECK_INT(soak_parse_bool("", &b, &err), -1);
	CHECK_INT(soak_parse_bool("2", &b, &err), -1);
	CHECK_INT(b, 5);
}

int main(void)
{
	test_int();
	test_double();
	test_duration();
	test_size();
	test_bool();
	return check_done();
}
