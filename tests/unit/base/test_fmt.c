#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "fmt.h"
#include "parse.h"
#include "banned.h"

static void test_duration(void)
{
	char buf[64];
	int64_t back;
	struct soak_err err;

	CHECK_STR(soak_format_duration(0, buf, sizeof(buf)), "0ms");
	CHECK_STR(soak_format_duration(250, buf, sizeof(buf)), "250ms");
	CHECK_STR(soak_format_duration(1500, buf, sizeof(buf)), "1.5s");
	CHECK_STR(soak_format_duration(45000, buf, sizeof(buf)), "45s");
	/* rounded, never truncated */
	CHECK_STR(soak_format_duration(2188, buf, sizeof(buf)), "2.19s");
	CHECK_STR(soak_format_duration(59940, buf, sizeof(buf)), "59.9s");
	CHECK_STR(soak_format_duration(59999, buf, sizeof(buf)), "1m");
	CHECK_STR(soak_format_duration(90000, buf, sizeof(buf)), "1m30s");
	CHECK_STR(soak_format_duration(1200000, buf, sizeof(buf)), "20m");
	CHECK_STR(soak_format_duration(3723000, buf, sizeof(buf)), "1h02m03s");
	CHECK_STR(soak_format_duration(3723499, buf, sizeof(buf)), "1h02m03s");
	CHECK_STR(soak_format_duration(3723500, buf, sizeof(buf)), "1h02m04s");
	CHECK_STR(soak_format_duration(86400000, buf, sizeof(buf)), "1d");
	CHECK_STR(soak_format_duration(86400000 + 300000, buf, sizeof(buf)), "1d00h05m");
	CHECK_STR(soak_format_duration(-1500, buf, sizeof(buf)), "-1.5s");
	CHECK_STR(soak_format_duration(INT64_MIN, buf, sizeof(buf)), "-106751991167d07h12m56s");
	/* the human form reads back */
	CHECK_INT(
	    soak_parse_duration(soak_format_duration(97445000, buf, sizeof(buf)), &back, &err), 0);
	CHECK_INT(back, 97445000);
	/* a short buffer is cut, still terminated */
	char small[4];
	CHECK_STR(soak_format_duration(3723000, small, sizeof(small)), "1h0");

	/* the same rule for fractions of a millisecond and for doubles */
	CHECK_STR(soak_fmt(SOAK_U_MS, 2188.7, buf, sizeof(buf)), "2.19s");
	CHECK_STR(soak_fmt(SOAK_U_MS, 0.25, buf, sizeof(buf)), "0.25ms");
	CHECK_STR(soak_fmt(SOAK_U_MS, 12.345, buf, sizeof(buf)), "12.3ms");
	CHECK_STR(soak_fmt(SOAK_U_MS, 999.7, buf, sizeof(buf)), "1s");
	CHECK_STR(soak_fmt(SOAK_U_MS, 3723500.0, buf, sizeof(buf)), "1h02m04s");
	CHECK_STR(soak_fmt(SOAK_U_MS, -2188.7, buf, sizeof(buf)), "-2.19s");
	CHECK_STR(soak_fmt(SOAK_U_SECONDS, 2.1887, buf, sizeof(buf)), "2.19s");
	CHECK_STR(soak_fmt(SOAK_U_SECONDS, 0.012, buf, sizeof(buf)), "12ms");
	CHECK_STR(soak_fmt(SOAK_U_MS, NAN, buf, sizeof(buf)), "n/a");
}

static void test_size(void)
{
	char buf[64];
	struct soak_err err;
	uint64_t b;

	CHECK_STR(soak_format_size(0, buf, sizeof(buf)), "0 B");
	CHECK_STR(soak_format_size(512, buf, sizeof(buf)), "512 B");
	CHECK_STR(soak_format_size(1023, buf, sizeof(buf)), "1023 B");
	CHECK_STR(soak_format_size(1024, buf, sizeof(buf)), "1 KiB");
	CHECK_STR(soak_format_size(1536, buf, sizeof(buf)), "1.5 KiB");
	CHECK_STR(soak_format_size(1610612736ULL, buf, sizeof(buf)), "1.5 GiB");
	CHECK_STR(soak_format_size(10ULL << 30, buf, sizeof(buf)), "10 GiB");
	CHECK_STR(soak_format_size((1ULL << 20) - 1, buf, sizeof(buf)), "1 MiB");
	CHECK_STR(soak_format_size(UINT64_MAX, buf, sizeof(buf)), "16 EiB");
	CHECK_INT(soak_parse_size(soak_format_size(1610612736ULL, buf, sizeof(buf)), &b, &err), 0);
	CHECK_INT(b, 1610612736ULL);

	CHECK_STR(soak_fmt(SOAK_U_BYTES, 1.45228e9, buf, sizeof(buf)), "1.4 GiB");
	CHECK_STR(soak_fmt(SOAK_U_BYTES, 3.14996e6, buf, sizeof(buf)), "3 MiB");
	CHECK_STR(soak_fmt(SOAK_U_BYTES, -1536, buf, sizeof(buf)), "-1.5 KiB");
	CHECK_STR(soak_fmt(SOAK_U_BYTES, 0.2, buf, sizeof(buf)), "0 B");
	CHECK_STR(soak_fmt_per_hour(SOAK_U_BYTES, 1.5 * 1073741824.0, buf, sizeof(buf)),
	          "1.5 GiB/h");
}

static void test_other(void)
{
	char buf[64];
	int per_hour;

	CHECK_STR(soak_fmt(SOAK_U_RATIO, 0.733333, buf, sizeof(buf)), "73.33%");
	CHECK_STR(soak_fmt(SOAK_U_RATIO, 1, buf, sizeof(buf)), "100.00%");
	CHECK_STR(soak_fmt(SOAK_U_COUNT, 3284992, buf, sizeof(buf)), "3284992");
	CHECK_STR(soak_fmt(SOAK_U_COUNT, 3149960.4, buf, sizeof(buf)), "3149960");
	CHECK_STR(soak_fmt(SOAK_U_COUNT, 0.733333, buf, sizeof(buf)), "0.7333");
	CHECK_STR(soak_fmt(SOAK_U_COUNT, -12, buf, sizeof(buf)), "-12");
	CHECK_STR(soak_fmt(SOAK_U_COUNT, INFINITY, buf, sizeof(buf)), "n/a");
	CHECK_STR(soak_fmt_per_hour(SOAK_U_COUNT, NAN, buf, sizeof(buf)), "n/a");

	CHECK_INT(soak_fmt_unit_of("duration_ms", &per_hour), SOAK_U_MS);
	CHECK_INT(per_hour, 0);
	CHECK_INT(soak_fmt_unit_of("duration_ms:p(99)@last<2s", &per_hour), SOAK_U_MS);
	CHECK_INT(soak_fmt_unit_of("duration_ms:count>0", &per_hour), SOAK_U_COUNT);
	CHECK_INT(soak_fmt_unit_of("step.build.duration_ms:p(95)<1s", &per_hour), SOAK_U_MS);
	CHECK_INT(soak_fmt_unit_of("rss:slope<1MB/h", &per_hour), SOAK_U_BYTES);
	CHECK_INT(per_hour, 1);
	CHECK_INT(soak_fmt_unit_of("rss:trend_p<0.01", &per_hour), SOAK_U_COUNT);
	CHECK_INT(soak_fmt_unit_of("pass_rate>=0.99", &per_hour), SOAK_U_RATIO);
	CHECK_INT(soak_fmt_unit_of("cpu_user_s", NULL), SOAK_U_SECONDS);
	CHECK_INT(soak_fmt_unit_of("service.rss", NULL), SOAK_U_BYTES);
	CHECK_INT(soak_fmt_unit_of("service.fds", NULL), SOAK_U_COUNT);
	CHECK_INT(soak_fmt_unit_of("rssx", NULL), SOAK_U_COUNT);
	CHECK_INT(soak_fmt_unit_of("kpi.latency_ms", NULL), SOAK_U_COUNT);
	CHECK_STR(soak_fmt_named("rss:slope<1MB/h", 1048576, buf, sizeof(buf)), "1 MiB/h");
	CHECK_STR(soak_fmt_named("pass_rate>=0.99", 0.733333, buf, sizeof(buf)), "73.33%");
	CHECK_STR(soak_fmt_named("duration_ms:p(99)<3s", 2188.7, buf, sizeof(buf)), "2.19s");
}

int main(void)
{
	test_duration();
	test_size();
	test_other();
	return check_done();
}
