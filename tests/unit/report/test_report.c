/*
 * soak-report's record scanner and line reader (report_scan.h): the scanner
 * must give the same view as cJSON for every line, fall back for what it does
 * not read itself, and convert numbers exactly as strtod; the block reader must
 * split lines exactly as soak_jsonl_next.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "jsonl.h"
#include "report_scan.h"

static const char line1[] =
    "{\"schema\":\"1.0\",\"run_id\":\"20261122T045941Z-ef4706\",\"iteration\":1,"
    "\"start\":\"2026-11-22T04:59:41.850Z\",\"end\":\"2026-11-22T04:59:41.875Z\","
    "\"duration_ms\":24.6028,\"status\":\"pass\",\"exit_code\":0,\"signal\":null,"
    "\"timed_out\":false,\"peak_rss_bytes\":2449408,\"cpu_user_s\":0,\"cpu_sys_s\":0.009242,"
    "\"threads\":1,\"open_fds\":5,\"procs\":1,\"free_disk_bytes\":84671127552,"
    "\"mem_avail_bytes\":24905670656,\"kpi\":{\"latency_ms\":16,\"requests\":69,\"heap_kb\":"
    "512},\"log\":\"logs/iter-000001.log\",\"log_bytes\":75,\"log_dropped_bytes\":0}";

static const char line_steps[] =
    "{\"schema\":\"1.0\",\"iteration\":3,\"status\":\"fail\",\"exit_code\":null,\"signal\":9,"
    "\"timed_out\":true,\"duration_ms\":1e3,\"kpi\":{\"a\":-1.5E-3,\"s\":\"x\",\"n\":{\"b\":1},"
    "\"a\":2},\"service\":{\"pid\":1,\"alive\":true,\"x\":[1,[2,{}],[]]},\"warnings\":[\"w\"],"
    "\"steps\":[{\"name\":\"build\",\"status\":\"pass\",\"duration_ms\":800.1,\"attempts\":1}"
    ",{\"name\":\"t\",\"status\":\"fail\",\"exit_code\":2}],\"status\":\"pass\"}";

static int same_double(double a, double b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

/* Compare the scanner's view with the full parser's, for one line. */
static int views_agree(const char *line, size_t len, int *fast_used)
{
	struct soak_rec_ctx fast, full;
	struct soak_rec a, b;
	int ra, rb, ok = 1, k;
	size_t i;

	soak_rec_ctx_init(&fast, 0);
	soak_rec_ctx_init(&full, 1);
	ra = soak_rec_parse(&fast, line, len, &a);
	rb = soak_rec_parse(&full, line, len, &b);
	if (fast_used)
		*fast_used = fast.fast > 0;
	if (ra != rb || a.object != b.object || a.nkpi != b.nkpi || !a.steps != !b.steps)
		ok = 0;
	for (k = 0; ok && k < SOAK_RK_N; k++) {
		if (a.k[k].type != b.k[k].type)
			ok = 0;
		else if (a.k[k].type == SOAK_RT_NUMBER && !same_double(a.k[k].num, b.k[k].num))
			ok = 0;
		else if (a.k[k].type == SOAK_RT_STRING && strcmp(a.k[k].str, b.k[k].str))
			ok = 0;
	}
	for (i = 0; ok && i < a.nkpi; i++)
		if (strcmp(a.kpi[i].name, b.kpi[i].name) ||
		    !same_double(a.kpi[i].value, b.kpi[i].value))
			ok = 0;
	if (ok && a.steps) {
		char *sa = cJSON_PrintUnformatted(a.steps), *sb = cJSON_PrintUnformatted(b.steps);

		ok = sa && sb && !strcmp(sa, sb);
		free(sa);
		free(sb);
	}
	if (!ok)
		fprintf(stderr, "views differ for: %.*s\n", (int)len, line);
	soak_rec_ctx_free(&fast);
	soak_rec_ctx_free(&full);
	return ok;
}

static void test_typical(void)
{
	struct soak_rec_ctx c;
	struct soak_rec r;
	double d;

	soak_rec_ctx_init(&c, 0);
	CHECK_INT(soak_rec_scan(&c, line1, strlen(line1), &r), 1);
	CHECK_INT(r.object, 1);
	CHECK_STR(soak_rec_str(&r, SOAK_RK_SCHEMA), "1.0");
	CHECK_STR(soak_rec_str(&r, SOAK_RK_STATUS), "pass");
	CHECK_STR(soak_rec_str(&r, SOAK_RK_END), "2026-11-22T04:59:41.875Z");
	CHECK_STR(soak_rec_str(&r, SOAK_RK_LOG), "logs/iter-000001.log");
	CHECK(soak_rec_num(&r, SOAK_RK_DURATION_MS, &d) && d == 24.6028);
	CHECK(soak_rec_num(&r, SOAK_RK_CPU_SYS_S, &d) && d == 0.009242);
	CHECK(soak_rec_num(&r, SOAK_RK_FREE_DISK_BYTES, &d) && d == 84671127552.0);
	CHECK_INT(r.k[SOAK_RK_SIGNAL].type, SOAK_RT_NULL);
	CHECK_INT(r.k[SOAK_RK_TIMED_OUT].type, SOAK_RT_FALSE);
	CHECK_INT(r.k[SOAK_RK_KPI].type, SOAK_RT_OBJECT);
	CHECK_INT(r.k[SOAK_RK_SCOPE].type, SOAK_RT_ABSENT);
	CHECK_INT(r.nkpi, 3);
	CHECK_STR(r.kpi[2].name, "heap_kb");
	CHECK(r.kpi[2].value == 512);
	CHECK(r.steps == NULL);
	CHECK(views_agree(line1, strlen(line1), NULL));

	/* nested values skipped, repeated members: the first counts, kpi keeps non-numbers out */
	CHECK_INT(soak_rec_scan(&c, line_steps, strlen(line_steps), &r), 1);
	CHECK_STR(soak_rec_str(&r, SOAK_RK_STATUS), "fail");
	CHECK_INT(r.k[SOAK_RK_TIMED_OUT].type, SOAK_RT_TRUE);
	CHECK_INT(r.k[SOAK_RK_WARNINGS].type, SOAK_RT_ARRAY);
	CHECK(soak_rec_num(&r, SOAK_RK_DURATION_MS, &d) && d == 1000);
	CHECK_INT(r.nkpi, 2);
	CHECK(r.kpi[0].value == -1.5e-3 && r.kpi[1].value == 2);
	CHECK_INT(cJSON_GetArraySize(r.steps), 2);
	CHECK(views_agree(line_steps, strlen(line_steps), NULL));
	soak_rec_ctx_free(&c);
}

/* Lines the scanner leaves to cJSON, and what cJSON makes of them. */
static void test_fallback(void)
{
	static const struct {
		const char *line;
		int parse; /* soak_rec_parse's answer */
	} cases[] = {
	    {"{\"status\":\"pa\\u0073s\"}", 1},       /* an escape */
	    {"{\"st\\u0061tus\":\"pass\"}", 1},       /* an escaped key */
	    {"{\"iteration\":01}", 1},                /* a leading zero: strtod reads it */
	    {"{\"iteration\":1} trailing", 1},        /* cJSON ignores what follows */
	    {"\xef\xbb\xbf{\"status\":\"pass\"}", 1}, /* a byte order mark */
	    {"{\"log\":\"a\tb\"}", 1},                /* a control character in a string */
	    {"{\"iteration\":1.}", 1},
	    {"{\"iteration\":.5}", 0},
	    {"{\"iteration\":+1}", 0},
	    {"{\"iteration\":1e}", 0},
	    {"{\"iteration\":1,}", 0},
	    {"{\"iteration\" 1}", 0},
	    {"{\"a\":[1,2,]}", 0},
	    {"{\"a\":tru}", 0},
	    {"[1,2]", 1},
	    {"\"pass\"", 1},
	    {"{", 0},
	    {"", 0},
	    {"{\"duration_ms\":123456789012345678901234567890}", 1},
	    {"{\"duration_ms\":1e400}", 1},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct soak_rec_ctx c;
		struct soak_rec r;
		size_t len = strlen(cases[i].line);
		int fast;

		soak_rec_ctx_init(&c, 0);
		CHECK_INT(soak_rec_parse(&c, cases[i].line, len, &r), cases[i].parse);
		soak_rec_ctx_free(&c);
		CHECK(views_agree(cases[i].line, len, &fast));
		/* only the huge and the overflowing number are read by the scanner itself */
		if (fast && !strstr(cases[i].line, "duration_ms")) {
			fprintf(stderr, "the scanner took '%s'\n", cases[i].line);
			CHECK(0);
		}
	}
	{
		struct soak_rec_ctx c;
		struct soak_rec r;
		char deep[400];
		size_t n = 0;
		double d;

		/* nesting deeper than the scanner goes: cJSON reads it */
		n += (size_t)snprintf(deep, sizeof(deep), "{\"a\":");
		for (i = 0; i < 70; i++)
			deep[n++] = '[';
		deep[n++] = '1';
		for (i = 0; i < 70; i++)
			deep[n++] = ']';
		n += (size_t)snprintf(deep + n, sizeof(deep) - n, ",\"status\":\"pass\"}");
		soak_rec_ctx_init(&c, 0);
		CHECK_INT(soak_rec_parse(&c, deep, n, &r), 1);
		CHECK_INT(c.fast, 0);
		CHECK_STR(soak_rec_str(&r, SOAK_RK_STATUS), "pass");
		CHECK(views_agree(deep, n, NULL));
		CHECK_INT(soak_rec_parse(&c, cases[0].line, strlen(cases[0].line), &r), 1);
		CHECK_STR(soak_rec_str(&r, SOAK_RK_STATUS), "pass");
		CHECK_INT(soak_rec_parse(&c, "{\"duration_ms\":1e400}", 21, &r), 1);
		CHECK_INT(r.k[SOAK_RK_DURATION_MS].type, SOAK_RT_NUMBER);
		CHECK(!soak_rec_num(&r, SOAK_RK_DURATION_MS, &d)); /* infinite: not a value */
		CHECK_INT(soak_rec_parse(&c, "[1,2]", 5, &r), 1);
		CHECK_INT(r.object, 0);
		soak_rec_ctx_free(&c);
	}
}

static uint64_t rs = 0x243F6A8885A308D3ULL;

static uint64_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

/* Numbers: the scanner's value is strtod's, bit for bit. */
static void test_numbers(void)
{
	char num[80], line[128];
	int i, bad = 0, fast_count = 0;

	for (i = 0; i < 200000; i++) {
		int n = 0, d, nd = 1 + (int)(rnd() % 19), fd = (int)(rnd() % 12);
		struct soak_rec_ctx c;
		struct soak_rec r;

		if (rnd() % 4 == 0)
			num[n++] = '-';
		if (rnd() % 5 == 0) {
			num[n++] = '0';
		} else {
			num[n++] = (char)('1' + rnd() % 9);
			for (d = 1; d < nd; d++)
				num[n++] = (char)('0' + rnd() % 10);
		}
		if (fd) {
			num[n++] = '.';
			for (d = 0; d < fd; d++)
				num[n++] = (char)('0' + (rnd() % 3 ? rnd() % 10 : 0));
		}
		if (rnd() % 3 == 0)
			n += snprintf(num + n, sizeof(num) - (size_t)n, "e%s%d",
			              rnd() % 2 ? "-" : (rnd() % 2 ? "+" : ""), (int)(rnd() % 40));
		num[n] = 0;
		snprintf(line, sizeof(line), "{\"duration_ms\":%s}", num);
		soak_rec_ctx_init(&c, 0);
		if (soak_rec_scan(&c, line, strlen(line), &r) != 1 ||
		    !same_double(r.k[SOAK_RK_DURATION_MS].num, strtod(num, NULL))) {
			if (bad++ < 5)
				fprintf(stderr, "number %s: scanned %.17g, strtod %.17g\n", num,
				        r.k[SOAK_RK_DURATION_MS].num, strtod(num, NULL));
		}
		fast_count++;
		soak_rec_ctx_free(&c);
	}
	CHECK_INT(bad, 0);
	CHECK_INT(fast_count, 200000);
}

/* Random damage to valid lines: the scanner and cJSON still agree on every one. */
static void test_mutations(void)
{
	static const char alphabet[] = "{}[]\":,.-+eE0123456789 \\tnfalsru\x01\x7f";
	const char *base[] = {line1, line_steps};
	char buf[2048];
	int i, disagree = 0, fast = 0;

	for (i = 0; i < 60000; i++) {
		const char *b = base[i % 2];
		size_t len = strlen(b), pos, k, edits = 1 + rnd() % 3;
		int used;

		memcpy(buf, b, len);
		for (k = 0; k < edits; k++) {
			pos = (size_t)(rnd() % len);
			switch (rnd() % 3) {
			case 0: /* replace */
				buf[pos] = alphabet[rnd() % (sizeof(alphabet) - 1)];
				break;
			case 1: /* delete */
				memmove(buf + pos, buf + pos + 1, len - pos - 1);
				len--;
				break;
			default: /* insert */
				memmove(buf + pos + 1, buf + pos, len - pos);
				buf[pos] = alphabet[rnd() % (sizeof(alphabet) - 1)];
				len++;
			}
		}
		if (!views_agree(buf, len, &used))
			disagree++;
		fast += used;
	}
	CHECK_INT(disagree, 0);
	CHECK(fast > 10000); /* most damaged lines are still JSON the scanner reads */
}

static void write_file(const char *path, const char *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	CHECK(f != NULL);
	if (f) {
		CHECK(fwrite(data, 1, n, f) == n);
		fclose(f);
	}
}

/* The block reader returns the same lines as soak_jsonl_next. */
static void test_lines(void)
{
	char dir[] = "/tmp/test_report.XXXXXX", path[64];
	static char data[400000];
	size_t n = 0, max_line = 100;
	int i, round;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/m.jsonl", dir);
	for (round = 0; round < 40; round++) {
		struct soak_jsonl_reader a;
		struct soak_report_lines b;
		struct soak_err err;
		const char *la, *lb;
		size_t lena, lenb;
		int ra, rb, same = 1;

		n = 0;
		/* lines of 0 to 130 bytes around max_line 100, some with \r, some empty */
		for (i = 0; i < 3000 && n < sizeof(data) - 200; i++) {
			size_t len = rnd() % 8 == 0 ? 0 : (size_t)(rnd() % 131), k;

			if (rnd() % 50 == 0)
				len = 100 + rnd() % 3; /* right at the limit */
			for (k = 0; k < len; k++)
				data[n++] = (char)('a' + rnd() % 26);
			if (rnd() % 6 == 0)
				data[n++] = '\r';
			data[n++] = '\n';
		}
		if (round % 2) /* a partial last line, long or short */
			for (i = 0; i < (round % 4 == 1 ? 30 : 150); i++)
				data[n++] = 'z';
		write_file(path, data, n);
		CHECK_INT(soak_jsonl_reader_open(&a, path, max_line, &err), 0);
		CHECK_INT(soak_report_lines_open(&b, path, max_line, &err), 0);
		do {
			ra = soak_jsonl_next(&a, &la, &lena, &err);
			rb = soak_report_lines_next(&b, &lb, &lenb, &err);
			if (ra != rb || a.lineno != b.lineno ||
			    (ra == 1 && (lena != lenb || memcmp(la, lb, lena))))
				same = 0;
		} while (same && ra == 1);
		CHECK(same);
		CHECK_INT(b.overlong, a.overlong);
		CHECK_INT(b.partial, a.partial);
		CHECK_INT(b.partial, round % 2);
		soak_jsonl_reader_close(&a);
		soak_report_lines_close(&b);
	}
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	test_typical();
	test_fallback();
	test_numbers();
	test_mutations();
	test_lines();
	return check_done();
}
