/*
 * Durations, sizes, numbers and booleans (parse.h), as every flag, variable and
 * config value goes through them. Invariants: a parse that succeeds gives a value
 * in range; formatting it and parsing that again gives a close value; a failure
 * fills the error with a message.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "fmt.h"
#include "parse.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), buf[64];
	struct soak_err err;
	long long i;
	double d;
	int64_t ms, ms2;
	uint64_t bytes;
	int b;

	memset(&err, 0, sizeof(err));
	if (soak_parse_duration(s, &ms, &err) == 0) {
		if (ms < 0)
			fuzz_fail("duration '%s' gave %lld ms", s, (long long)ms);
		soak_format_duration(ms, buf, sizeof(buf));
		/* the human form rounds to a unit; it must parse again (under ~30000 years) */
		if (ms < INT64_C(1000000000000000) && soak_parse_duration(buf, &ms2, &err) != 0)
			fuzz_fail("formatted duration '%s' (of '%s') does not parse: %s", buf, s,
			          err.msg);
	} else if (!err.msg[0]) {
		fuzz_fail("duration '%s' refused without a message", s);
	}
	memset(&err, 0, sizeof(err));
	if (soak_parse_size(s, &bytes, &err) == 0)
		soak_format_size(bytes, buf, sizeof(buf));
	else if (!err.msg[0])
		fuzz_fail("size '%s' refused without a message", s);
	memset(&err, 0, sizeof(err));
	if (soak_parse_int(s, -1000, 1000000, &i, &err) == 0 && (i < -1000 || i > 1000000))
		fuzz_fail("int '%s' gave %lld, out of range", s, i);
	soak_parse_int(s, INT64_MIN, INT64_MAX, &i, &err);
	if (soak_parse_double(s, 0, 1, &d, &err) == 0 && !(d >= 0 && d <= 1))
		fuzz_fail("double '%s' gave %g, out of [0, 1]", s, d);
	soak_parse_double(s, -1e300, 1e300, &d, &err);
	soak_parse_bool(s, &b, &err);
	free(s);
	return 0;
}
