/*
 * Unit tests of common/tune: the tune file's checks, the change texts, a step's
 * guards over a gate source of this test's own (one KPI value per step), the
 * overrides document, the tuner's output and the state's round trip through JSON.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "exitcode.h"
#include "stats.h"
#include "tune.h"
#include "banned.h"

/* A gate source where every KPI series holds one value: kpi_now. */
static double kpi_now;
static struct soak_stats one;

static void src_counts(void *ctx, int last, struct soak_gate_counts *c)
{
	(void)ctx;
	(void)last;
	memset(c, 0, sizeof(*c));
	c->n = c->passed = 1;
}

static struct soak_stats *src_series(void *ctx, const struct soak_gate *g)
{
	(void)ctx;
	(void)g;
	soak_stats_free(&one);
	soak_stats_init(&one);
	soak_stats_add(&one, kpi_now);
	return &one;
}

static int src_trend(void *ctx, int m, struct soak_trend *t)
{
	(void)ctx;
	(void)m;
	(void)t;
	return 0;
}

static const char *src_kpi_name(void *ctx, size_t i)
{
	(void)ctx;
	(void)i;
	return NULL;
}

static const struct soak_gate_src src = {
    .ctx = NULL,
    .counts = src_counts,
    .series = src_series,
    .trend = src_trend,
    .kpi_name = src_kpi_name,
    .alpha = SOAK_GATE_ALPHA,
    .tune = NULL,
};

static int parse(const char *text, struct soak_tune_cfg *cfg, struct soak_err *err)
{
	cJSON *doc = cJSON_Parse(text);
	int rc = soak_tune_parse(doc, "tune file 't.json'", cfg, err);

	cJSON_Delete(doc);
	return rc;
}

static void test_refused(void)
{
	struct soak_tune_cfg cfg;
	struct soak_err err;

	CHECK_INT(
	    parse("{\"parameters\": [{\"name\": \"a\", \"initial\": 1, \"min\": 0, \"max\": 2}], "
	          "\"rules\": [{\"when\": \"kpi.x:avg>1\", \"change\": {\"a\": \"*2\"}}]}",
	          &cfg, &err),
	    -1);
	CHECK_INT(err.code, SOAK_EXIT_USAGE);
	CHECK_STR(err.msg, "tune file 't.json': $.rules[0].change.a: expected \"+X\", \"-X\" or "
	                   "\"=X\" (a delta or a value) for 'a', got '*2'");
	CHECK_INT(
	    parse("{\"parameters\": [{\"name\": \"a\", \"initial\": 1, \"min\": 0, \"max\": 2, "
	          "\"velocity\": {\"max\": 0, \"window\": 3}}], \"rules\": [{\"when\": "
	          "\"kpi.x:avg>1\", \"change\": {\"a\": \"+1\"}}]}",
	          &cfg, &err),
	    -1);
	CHECK(strstr(err.msg, "$.parameters[0].velocity: 'max' must be more than 0") != NULL);
}

static void test_change_text(void)
{
	struct soak_tune_param fp = {"f", SOAK_TUNE_FLOAT, 0, 0, 1, 0, 0, 0, NULL};
	struct soak_tune_param ip = {"i", SOAK_TUNE_INT, 0, 0, 1, 0, 0, 0, NULL};
	char op, why[256];
	double x;

	CHECK_INT(soak_tune_change_text(&fp, "+0.25", &op, &x, why, sizeof(why)), 0);
	CHECK(op == '+' && x == 0.25);
	CHECK_INT(soak_tune_change_text(&fp, "-2", &op, &x, why, sizeof(why)), 0);
	CHECK(op == '-' && x == -2);
	CHECK_INT(soak_tune_change_text(&fp, "=-3.5", &op, &x, why, sizeof(why)), 0);
	CHECK(op == '=' && x == -3.5);
	CHECK_INT(soak_tune_change_text(&fp, "+-1", &op, &x, why, sizeof(why)), -1);
	CHECK_INT(soak_tune_change_text(&fp, "+1x", &op, &x, why, sizeof(why)), -1);
	CHECK_INT(soak_tune_change_text(&fp, "5", &op, &x, why, sizeof(why)), -1);
	CHECK_INT(soak_tune_change_text(&ip, "+0.5", &op, &x, why, sizeof(why)), -1);
	CHECK_STR(why, "'+0.5' for int parameter 'i' must be a whole number");
}

static const char *decision_of(cJSON *line)
{
	return cJSON_GetObjectItemCaseSensitive(line, "decision")->valuestring;
}

/* A rule that raises a with velocity 1.0 per 3 steps, cooldown 0, and the state's round
 * trip at every step: the step after a reload decides what the step without one does. */
static void test_steps(void)
{
	struct soak_tune_cfg cfg;
	struct soak_tune_state st, st2;
	struct soak_err err;
	/* any 3 consecutive steps move it by at most 1.0 */
	static const char *const want[] = {"applied", "applied", "clamped", "applied",
	                                   "applied", "clamped", "applied", "applied"};
	static const double values[] = {0.4, 0.8, 1.0, 1.4, 1.8, 2.0, 2.4, 2.8};

	CHECK_INT(parse("{\"window\": 1, \"parameters\": [{\"name\": \"a\", \"initial\": 0, "
	                "\"min\": 0, \"max\": 10, \"velocity\": {\"max\": 1.0, \"window\": 3}}, "
	                "{\"name\": \"n\", \"type\": \"int\", \"initial\": 3, \"min\": 0, \"max\": "
	                "5}], \"rules\": [{\"when\": \"kpi.x:avg@last>0.5\", \"change\": {\"a\": "
	                "\"+0.4\"}}]}",
	                &cfg, &err),
	          0);
	CHECK_INT(soak_tune_state_init(&st, &cfg), 0);
	for (int i = 0; i < 8; i++) {
		double ran[2] = {st.p[0].value, st.p[1].value};
		struct soak_tune_input in = {i + 1, 0, 0, 0, NULL, ran, &src, NULL, NULL};
		cJSON *line, *js;
		char *a, *b;

		kpi_now = 1;
		/* through JSON and back: the same state */
		js = soak_tune_state_json(&st, &cfg);
		CHECK_INT(soak_tune_state_init(&st2, &cfg), 0);
		CHECK_INT(soak_tune_state_load(&st2, &cfg, js, &err), 0);
		a = cJSON_PrintUnformatted(js);
		cJSON_Delete(js);
		js = soak_tune_state_json(&st2, &cfg);
		b = cJSON_PrintUnformatted(js);
		CHECK_STR(a, b);
		cJSON_free(a);
		cJSON_free(b);
		cJSON_Delete(js);
		soak_tune_state_free(&st);
		st = st2;
		line = soak_tune_step(&cfg, &st, &in);
		CHECK_STR(decision_of(line), want[i]);
		CHECK_NEAR(st.p[0].value, values[i], 1e-12);
		cJSON_Delete(line);
	}
	CHECK_INT(st.decisions[SOAK_TD_APPLIED], 6);
	CHECK_INT(st.guards[SOAK_TG_VELOCITY], 2);
	/* a condition that does not hold proposes nothing */
	kpi_now = 0;
	{
		double ran[2] = {st.p[0].value, st.p[1].value};
		struct soak_tune_input in = {9, 0, 0, 0, NULL, ran, &src, NULL, NULL};
		cJSON *line = soak_tune_step(&cfg, &st, &in);
		CHECK_STR(decision_of(line), "noop");
		CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(line, "source")));
		cJSON_Delete(line);
	}
	/* the overrides: floats to 12 digits, ints whole */
	st.p[0].value = 0.1 + 0.2;
	{
		char *o = soak_tune_overrides(&cfg, &st);
		CHECK_STR(o, "{\"a\":0.30000000000000004,\"n\":3}\n");
		free(o);
	}
	soak_tune_state_free(&st);
	soak_tune_cfg_free(&cfg);
}

static void test_tuner_output(void)
{
	struct soak_tune_cfg cfg;
	struct soak_err err;
	char why[256];
	cJSON *c;

	CHECK_INT(parse("{\"parameters\": [{\"name\": \"a\", \"initial\": 1, \"min\": 0, \"max\": "
	                "2}], \"tuner\": {\"command\": [\"t\"]}}",
	                &cfg, &err),
	          0);
	CHECK_INT(cfg.tuner_timeout_ms, 10000);
	c = soak_tune_tuner_parse(&cfg, "{\"changes\": {\"a\": \"+1\"}}", 24, why, sizeof(why));
	CHECK(c && cJSON_GetObjectItemCaseSensitive(c, "a"));
	cJSON_Delete(c);
	CHECK(!soak_tune_tuner_parse(&cfg, "{\"changes\": {\"b\": \"+1\"}}", 24, why, sizeof(why)));
	CHECK_STR(why, "it proposed a change to 'b', which is not a parameter");
	CHECK(!soak_tune_tuner_parse(&cfg, "{\"change\": {}}", 14, why, sizeof(why)));
	CHECK(!soak_tune_tuner_parse(&cfg, "{\"changes\": {\"a\": 1}}", 21, why, sizeof(why)));
	soak_tune_cfg_free(&cfg);
}

int main(void)
{
	soak_stats_init(&one);
	test_refused();
	test_change_text();
	test_steps();
	test_tuner_output();
	soak_stats_free(&one);
	return check_done();
}
