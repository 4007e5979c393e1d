/*
 * soak-report's metrics record parser (report_scan.h, entry point soak_rec_parse
 * as read_metrics in report_load.c calls it) and what the report does with records.
 *
 * 1. Each line of the input through the fast scanner and through cJSON (the
 *    --full-parse path): report_scan.h promises both give the same view for any
 *    line, so every member, KPI and return value must agree.
 * 2. The input as the metrics.jsonl of a soak directory: load, judge with gates,
 *    and build every report (snapshot, Markdown, HTML, JUnit, Prometheus,
 *    failures, recommendations, GitHub annotations) in memory: no crash, no leak,
 *    and the snapshot counts every line.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "fuzz_util.h"
#include "report.h"
#include "report_scan.h"
#include "buf.h"
#include "banned.h"

static int same_num(double a, double b)
{
	return (isnan(a) && isnan(b)) || !memcmp(&a, &b, sizeof(a));
}

static void compare(const char *line, size_t len)
{
	struct soak_rec_ctx fast, full;
	struct soak_rec a, b;
	int ra, rb;

	soak_rec_ctx_init(&fast, 0);
	soak_rec_ctx_init(&full, 1);
	ra = soak_rec_parse(&fast, line, len, &a);
	rb = soak_rec_parse(&full, line, len, &b);
	if (ra != rb)
		fuzz_fail("scanner says %d, cJSON says %d for '%.*s'", ra, rb, (int)len, line);
	if (ra == 1) {
		if (a.object != b.object)
			fuzz_fail("object: %d vs %d", a.object, b.object);
		for (int k = 0; k < SOAK_RK_N; k++) {
			const struct soak_rec_val *x = &a.k[k], *y = &b.k[k];

			if (k == SOAK_RK_KPI || k == SOAK_RK_STEPS) {
				if (x->type != y->type)
					fuzz_fail("'%s': type %d vs %d", soak_rec_key_name(k),
					          x->type, y->type);
				continue;
			}
			if (x->type != y->type)
				fuzz_fail("'%s': type %d vs %d in '%.*s'", soak_rec_key_name(k),
				          x->type, y->type, (int)len, line);
			if (x->type == SOAK_RT_NUMBER && !same_num(x->num, y->num))
				fuzz_fail("'%s': %.17g vs %.17g in '%.*s'", soak_rec_key_name(k),
				          x->num, y->num, (int)len, line);
			if (x->type == SOAK_RT_STRING && strcmp(x->str, y->str))
				fuzz_fail("'%s': '%s' vs '%s'", soak_rec_key_name(k), x->str,
				          y->str);
		}
		if (a.nkpi != b.nkpi)
			fuzz_fail("%zu KPIs vs %zu in '%.*s'", a.nkpi, b.nkpi, (int)len, line);
		for (size_t i = 0; i < a.nkpi; i++)
			if (strcmp(a.kpi[i].name, b.kpi[i].name) ||
			    !same_num(a.kpi[i].value, b.kpi[i].value))
				fuzz_fail("KPI %zu: '%s'=%.17g vs '%s'=%.17g", i, a.kpi[i].name,
				          a.kpi[i].value, b.kpi[i].name, b.kpi[i].value);
		if (!a.steps != !b.steps)
			fuzz_fail("steps: %p vs %p", (const void *)a.steps, (const void *)b.steps);
	}
	soak_rec_ctx_free(&fast);
	soak_rec_ctx_free(&full);
}

static void report(const uint8_t *data, size_t size)
{
	static const char *const gates[] = {"pass_rate>=0.9", "duration_ms:p(95)<2s",
	                                    "kpi.lat:avg<100", "peak_rss_bytes:slope<1MB",
	                                    "step.build.duration_ms:max<=1m"};
	char *dirs[1];
	char dir[200];
	struct soak_report_opts o;
	struct soak_report r;
	struct soak_err err;
	struct soak_buf b;

	fuzz_file("metrics.jsonl", data, size);
	snprintf(dir, sizeof(dir), "%s", fuzz_dir());
	dirs[0] = dir;
	memset(&o, 0, sizeof(o));
	o.dirs = dirs;
	o.ndirs = 1;
	o.formats = SOAK_REPORT_F_ALL;
	o.last_n = 8;
	o.settle_frac = 0.1;
	o.alpha = 0.01;
	o.max_bad_share = 1;
	o.junit_max = 50;
	o.now_ms = 1700000000000;
	o.version = "fuzz";
	o.full_parse = (int)(size & 1);
	if (soak_report_init(&r, &o, &err) < 0)
		fuzz_fail("init: %s", err.msg);
	for (size_t i = 0; i < sizeof(gates) / sizeof(gates[0]); i++)
		if (soak_report_add_gate(&r, gates[i], (int)(i & 1), &err) < 0)
			fuzz_fail("gate '%s': %s", gates[i], err.msg);
	if (soak_report_load(&r, &err) == 0) {
		cJSON *snap;

		soak_report_judge(&r);
		soak_report_exit_code(&r);
		snap = soak_report_snapshot(&r);
		if (!snap)
			fuzz_fail("no snapshot");
		cJSON_Delete(snap);
		soak_buf_init(&b, 64 * 1024 * 1024);
		soak_report_markdown(&r, &b, 0);
		soak_buf_reset(&b);
		soak_report_markdown(&r, &b, 4096);
		soak_buf_reset(&b);
		soak_report_html(&r, &b);
		soak_buf_reset(&b);
		soak_report_prom(&r, &b);
		soak_buf_reset(&b);
		soak_report_failures_md(&r, &b);
		soak_buf_reset(&b);
		soak_report_recommendations_md(&r, &b);
		soak_buf_reset(&b);
		soak_report_summary(&r, &b);
		soak_buf_reset(&b);
		if (soak_report_junit(&r, &b, &err) < 0)
			fuzz_fail("junit: %s", err.msg);
		soak_buf_reset(&b);
		soak_report_gha(&r, &b, &err);
		soak_buf_free(&b);
	}
	soak_report_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;

	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		compare((const char *)p, len);
		p += len + 1;
	}
	report(data, size);
	return 0;
}
