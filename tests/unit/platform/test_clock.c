#include <stdint.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "clock.h"
#include "os.h"
#include "banned.h"

int main(void)
{
	char buf[SOAK_ISO8601_LEN];
	int64_t ms, a, b, w;

	a = soak_mono_ms();
	b = soak_mono_ms();
	CHECK(b >= a);
	int64_t n1 = soak_mono_ns();
	soak_os_sleep_ms(20);
	int64_t n2 = soak_mono_ns();
	CHECK(n2 - n1 >= 20 * 1000 * 1000);
	CHECK(n2 - n1 < 2000LL * 1000 * 1000);

	w = soak_wall_ms();
	CHECK(w > 1700000000000LL);                 /* after Nov 2023 */
	CHECK(w / 1000 - (int64_t)time(NULL) <= 1); /* agrees with time() */
	CHECK((int64_t)time(NULL) - w / 1000 <= 1);

	CHECK_STR(soak_iso8601(0, buf, sizeof(buf)), "1970-01-01T00:00:00.000Z");
	CHECK_STR(soak_iso8601(1795321701123LL, buf, sizeof(buf)), "2026-11-22T04:28:21.123Z");
	CHECK_STR(soak_iso8601(951782400000LL, buf, sizeof(buf)), "2000-02-29T00:00:00.000Z");
	CHECK_STR(soak_iso8601(-1, buf, sizeof(buf)), "1969-12-31T23:59:59.999Z");

	CHECK_INT(soak_iso8601_parse("2026-11-22T04:28:21.123Z", &ms), 0);
	CHECK_INT(ms, 1795321701123LL);
	CHECK_INT(soak_iso8601_parse("2026-11-22T04:28:21Z", &ms), 0);
	CHECK_INT(ms, 1795321701000LL);
	CHECK_INT(soak_iso8601_parse("2026-11-22T04:28:21.5Z", &ms), 0);
	CHECK_INT(ms, 1795321701500LL);
	CHECK_INT(soak_iso8601_parse("2026-11-22T04:28:21.123456Z", &ms), 0);
	CHECK_INT(ms, 1795321701123LL);
	CHECK_INT(soak_iso8601_parse("2000-02-29T00:00:00.000Z", &ms), 0);
	CHECK_INT(ms, 951782400000LL);
	/* round trip of now */
	CHECK_INT(soak_iso8601_parse(soak_iso8601(w, buf, sizeof(buf)), &ms), 0);
	CHECK_INT(ms, w);

	ms = 42;
	CHECK_INT(soak_iso8601_parse("2026-11-22T04:28:21.123", &ms), -1); /* no Z */
	CHECK_INT(soak_iso8601_parse("2026-11-22T04:28:21.123+01:00", &ms), -1);
	CHECK_INT(soak_iso8601_parse("2026-11-22 04:28:21Z", &ms), -1);
	CHECK_INT(soak_iso8601_parse("2026-13-22T04:28:21Z", &ms), -1);
	CHECK_INT(soak_iso8601_parse("2026-02-29T04:28:21Z", &ms), -1); /* not a leap year */
	CHECK_INT(soak_iso8601_parse("2026-04-31T00:00:00Z", &ms), -1);
	CHECK_INT(soak_iso8601_parse("2026-11-22T24:00:00Z", &ms), -1);
	CHECK_INT(soak_iso8601_parse("2026-11-22T04:60:00Z", &ms), -1);
	CHECK_INT(soak_iso8601_parse("2026-11-22T04:28:21.Z", &ms), -1);
	CHECK_INT(soak_iso8601_parse("2026-11-22T04:28:21Zjunk", &ms), -1);
	CHECK_INT(soak_iso8601_parse("26-11-22T04:28:21Z", &ms), -1);
	CHECK_INT(soak_iso8601_parse("", &ms), -1);
	CHECK_INT(soak_iso8601_parse(NULL, &ms), -1);
	CHECK_INT(ms, 42);
	return check_done();
}
