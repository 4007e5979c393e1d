#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conf.h"
#include "exitcode.h"
#include "os.h"
#include "banned.h"

static char tmpdir[] = "/tmp/soak-test-conf-XXXXXX";
static char cfg[600];    /* the config file of the current case */
static char cfgmsg[700]; /* "config '<cfg>'" */

static const struct soak_opt opts[] = {
    {"help", 'h', SOAK_OPT_FLAG, NULL, NULL, "show this help", SOAK_OPT_CLI_ONLY, 0, 0},
    {"config", 'c', SOAK_OPT_STRING, "FILE", NULL, "JSON config file", SOAK_OPT_CLI_ONLY, 0, 0},
    {"timeout", 't', SOAK_OPT_DURATION, "DURATION", "0", "per-iteration timeout", 0, 0, 0},
    {"iterations", 'n', SOAK_OPT_INT, "N", "10", "iterations to run", 0, 0, 1000000},
    {"max-failures", 0, SOAK_OPT_INT, "N", NULL, "stop after N failures", 0, 0, 1000},
    {"pass-rate", 0, SOAK_OPT_DOUBLE, "RATE", "0.95", "required pass rate", 0, 0, 1},
    {"log-cap", 0, SOAK_OPT_SIZE, "SIZE", "10MiB", "log size cap", 0, 0, 0},
    {"fail-fast", 'f', SOAK_OPT_FLAG, NULL, NULL, "stop at the first failure", 0, 0, 0},
    {"verbose", 'v', SOAK_OPT_FLAG, NULL, NULL, "say more", 0, 0, 0},
    {"name", 0, SOAK_OPT_STRING, "NAME", "soak", "a name", 0, 0, 0},
    {"env", 'e', SOAK_OPT_LIST, "KEY=VALUE", NULL, "extra environment", 0, 0, 0},
    {"token", 0, SOAK_OPT_STRING, "TOKEN", NULL, "API token", SOAK_OPT_SECRET, 0, 0},
    {"offset", 0, SOAK_OPT_INT, "N", NULL, "any whole number", 0, 0, 0},
    {NULL, 0, 0, NULL, NULL, NULL, 0, 0, 0},
};

static const char *const envs[] = {
    "SOAK_CONFIG",  "SOAK_TIMEOUT",   "SOAK_ITERATIONS", "SOAK_MAX_FAILURES", "SOAK_PASS_RATE",
    "SOAK_LOG_CAP", "SOAK_FAIL_FAST", "SOAK_VERBOSE",    "SOAK_NAME",         "SOAK_ENV",
    "SOAK_TOKEN",   "SOAK_OFFSET",    "SOAK_HELP"};

static void clear_env(void)
{
	for (size_t i = 0; i < sizeof(envs) / sizeof(envs[0]); i++)
		soak_os_unsetenv(envs[i]);
}

static void write_cfg(const char *name, const char *text)
{
	FILE *f;

	snprintf(cfg, sizeof(cfg), "%s/%s", tmpdir, name);
	snprintf(cfgmsg, sizeof(cfgmsg), "config '%s'", cfg);
	f = fopen(cfg, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	CHECK_INT(fclose(f), 0);
}

/* Parse a NULL-terminated argument list after the program name. */
static int vparse(struct soak_conf *c, const char *prog, const struct soak_opt *table, int stop,
                  struct soak_err *err, va_list ap)
{
	char *argv[64];
	int argc = 0;
	const char *a;

	argv[argc++] = (char *)prog;
	while ((a = va_arg(ap, const char *)) && argc < 63)
		argv[argc++] = (char *)a;
	argv[argc] = NULL;
	err->code = 0;
	err->msg[0] = '\0';
	return soak_conf_parse(c, prog, table, argc, argv, stop, err);
}

static int parse(struct soak_conf *c, struct soak_err *err, ...)
{
	va_list ap;
	int r;

	va_start(ap, err);
	r = vparse(c, "soak-run", opts, 0, err, ap);
	va_end(ap);
	return r;
}

/* Expect failure with code and exactly msg; frees. */
static void fails(int code, const char *msg, ...)
{
	struct soak_conf c;
	struct soak_err err;
	va_list ap;
	int r;

	va_start(ap, msg);
	r = vparse(&c, "soak-run", opts, 0, &err, ap);
	va_end(ap);
	CHECK_INT(r, -1);
	CHECK_INT(err.code, code);
	CHECK_STR(err.msg, msg);
	soak_conf_free(&c);
}

static char *json_of(const struct soak_conf *c)
{
	static char out[4096];
	cJSON *j = soak_conf_to_json(c);
	char *s = j ? cJSON_PrintUnformatted(j) : NULL;

	snprintf(out, sizeof(out), "%s", s ? s : "(null)");
	cJSON_free(s);
	cJSON_Delete(j);
	return out;
}

static void test_defaults(void)
{
	struct soak_conf c;
	struct soak_err err;

	clear_env();
	CHECK_INT(parse(&c, &err, NULL), 0);
	CHECK_INT(soak_conf_ms(&c, "timeout"), 0);
	CHECK_INT(soak_conf_int(&c, "iterations"), 10);
	CHECK_NEAR(soak_conf_double(&c, "pass-rate"), 0.95, 1e-12);
	CHECK_INT(soak_conf_bytes(&c, "log-cap"), 10 << 20);
	CHECK_STR(soak_conf_str(&c, "name"), "soak");
	CHECK_INT(soak_conf_flag(&c, "fail-fast"), 0);
	CHECK_INT(soak_conf_is_set(&c, "fail-fast"), 0);
	CHECK_INT(soak_conf_is_set(&c, "max-failures"), 0);
	CHECK_INT(soak_conf_is_set(&c, "iterations"), 1);
	CHECK(soak_conf_str(&c, "max-failures") == NULL);
	CHECK(soak_conf_get(&c, "no-such-option") == NULL);
	CHECK_INT(soak_conf_get(&c, "iterations")->src, SOAK_SRC_DEFAULT);
	CHECK(c.config_path == NULL);
	CHECK_INT(c.nrest, 0);
	CHECK_STR(json_of(&c), "{\"timeout\":{\"value\":\"0\",\"source\":\"default\"},"
	                       "\"iterations\":{\"value\":\"10\",\"source\":\"default\"},"
	                       "\"pass-rate\":{\"value\":\"0.95\",\"source\":\"default\"},"
	                       "\"log-cap\":{\"value\":\"10MiB\",\"source\":\"default\"},"
	                       "\"name\":{\"value\":\"soak\",\"source\":\"default\"}}");
	soak_conf_free(&c);
	soak_conf_free(&c); /* twice is harmless */
}

/* Every combination of flag, env and config for a scalar, a LIST and a FLAG. */
static void test_precedence(void)
{
	static const char *const want_src[] = {"default", "config", "env",  "env",
	                                       "flag",    "flag",   "flag", "flag"};
	static const int64_t want_ms[] = {0, 3000, 2000, 2000, 1000, 1000, 1000, 1000};

	for (int mask = 0; mask < 8; mask++) {
		int has_flag = mask & 4, has_env = mask & 2, has_cfg = mask & 1;
		struct soak_conf c;
		struct soak_err err;
		char want[512];

		clear_env();
		write_cfg("prec.json", "{\"timeout\":\"3s\",\"env\":[\"C=1\",\"C=2\"],"
		                       "\"fail-fast\":true,\"iterations\":7}");
		if (has_env) {
			soak_os_setenv("SOAK_TIMEOUT", "2s");
			soak_os_setenv("SOAK_ENV", "E=1\n\nE=2\n");
			soak_os_setenv("SOAK_FAIL_FAST", "false");
		}
		CHECK_INT(parse(&c, &err, has_cfg ? "--config" : "--name", has_cfg ? cfg : "x",
		                has_flag ? "--timeout" : "--name", has_flag ? "1s" : "y",
		                has_flag ? "-e" : "--name", has_flag ? "F=1" : "z",
		                has_flag ? "--fail-fast" : "--verbose", NULL),
		          0);
		if (err.code)
			fprintf(stderr, "mask %d: %s\n", mask, err.msg);
		const struct soak_setting *t = soak_conf_get(&c, "timeout");
		const struct soak_setting *l = soak_conf_get(&c, "env");
		const struct soak_setting *f = soak_conf_get(&c, "fail-fast");
		CHECK_INT(t->ms, want_ms[mask]);
		CHECK_STR(soak_src_name(t->src), want_src[mask]);
		if (has_flag) {
			CHECK_INT(l->nlist, 1);
			CHECK_STR(l->list[0], "F=1");
			CHECK_INT(l->src, SOAK_SRC_FLAG);
			CHECK_INT(f->i, 1);
			CHECK_INT(f->src, SOAK_SRC_FLAG);
		} else if (has_env) {
			CHECK_INT(l->nlist, 2);
			CHECK_STR(l->list[0], "E=1");
			CHECK_STR(l->list[1], "E=2");
			CHECK_INT(l->src, SOAK_SRC_ENV);
			CHECK_INT(f->i, 0); /* env false beats config true */
			CHECK_INT(f->src, SOAK_SRC_ENV);
		} else if (has_cfg) {
			CHECK_INT(l->nlist, 2);
			CHECK_STR(l->list[1], "C=2");
			CHECK_INT(l->src, SOAK_SRC_CONFIG);
			CHECK_INT(f->i, 1);
			CHECK_INT(f->src, SOAK_SRC_CONFIG);
		} else {
			CHECK_INT(l->nlist, 0);
			CHECK_INT(l->src, SOAK_SRC_NONE);
			CHECK_INT(f->i, 0);
			CHECK_INT(f->src, SOAK_SRC_NONE);
		}
		CHECK_INT(soak_conf_int(&c, "iterations"), has_cfg ? 7 : 10);
		if (has_cfg)
			CHECK_STR(c.config_path, cfg);
		/* provenance in run.json */
		snprintf(want, sizeof(want), "\"timeout\":{\"value\":\"%s\",\"source\":\"%s\"}",
		         has_flag  ? "1s"
		         : has_env ? "2s"
		         : has_cfg ? "3s"
		                   : "0",
		         want_src[mask]);
		CHECK(strstr(json_of(&c), want) != NULL);
		soak_conf_free(&c);
	}
	clear_env();
}

static void test_provenance_json(void)
{
	struct soak_conf c;
	struct soak_err err;

	clear_env();
	write_cfg("prov.json", "{\"iterations\":25,\"pass-rate\":0.5,\"log-cap\":\"1GB\"}");
	soak_os_setenv("SOAK_MAX_FAILURES", "3");
	soak_os_setenv("SOAK_TOKEN", "hunter2");
	CHECK_INT(parse(&c, &err, "-c", cfg, "-t", "30s", "-e", "A=1", "--env=B=2", "-f", NULL), 0);
	CHECK_STR(json_of(&c), "{\"timeout\":{\"value\":\"30s\",\"source\":\"flag\"},"
	                       "\"iterations\":{\"value\":\"25\",\"source\":\"config\"},"
	                       "\"max-failures\":{\"value\":\"3\",\"source\":\"env\"},"
	                       "\"pass-rate\":{\"value\":\"0.5\",\"source\":\"config\"},"
	                       "\"log-cap\":{\"value\":\"1GB\",\"source\":\"config\"},"
	                       "\"fail-fast\":{\"value\":\"true\",\"source\":\"flag\"},"
	                       "\"name\":{\"value\":\"soak\",\"source\":\"default\"},"
	                       "\"env\":{\"value\":[\"A=1\",\"B=2\"],\"source\":\"flag\"},"
	                       "\"token\":{\"value\":\"***\",\"source\":\"env\"}}");
	CHECK_STR(soak_conf_str(&c, "token"), "hunter2");
	CHECK_INT(soak_conf_bytes(&c, "log-cap"), 1000000000ULL);
	CHECK_INT(soak_conf_int(&c, "max-failures"), 3);
	soak_conf_free(&c);
	clear_env();
}

static void test_argv(void)
{
	struct soak_conf c;
	struct soak_err err;
	char *argv[] = {"soak-run", "-t", "5s", "./cmd", "--foo", "-x", NULL};

	clear_env();
	/* stop at the first positional: the rest is the command's */
	CHECK_INT(soak_conf_parse(&c, "soak-run", opts, 6, argv, 1, &err), 0);
	CHECK_INT(c.nrest, 3);
	CHECK_STR(c.rest[0], "./cmd");
	CHECK_STR(c.rest[1], "--foo");
	CHECK_STR(c.rest[2], "-x");
	CHECK(c.rest[0] == argv[3]); /* not copied */
	CHECK_INT(soak_conf_ms(&c, "timeout"), 5000);
	soak_conf_free(&c);

	/* positionals interleaved with options; "-" is a positional; "--" ends options */
	CHECK_INT(
	    parse(&c, &err, "a", "-n", "3", "-", "--timeout=1m", "b", "--", "-v", "--x", NULL), 0);
	CHECK_INT(c.nrest, 5);
	CHECK_STR(c.rest[0], "a");
	CHECK_STR(c.rest[1], "-");
	CHECK_STR(c.rest[2], "b");
	CHECK_STR(c.rest[3], "-v");
	CHECK_STR(c.rest[4], "--x");
	CHECK_INT(soak_conf_int(&c, "iterations"), 3);
	CHECK_INT(soak_conf_ms(&c, "timeout"), 60000);
	CHECK_INT(soak_conf_flag(&c, "verbose"), 0);
	soak_conf_free(&c);

	/* bundled short flags, attached short value; repeats: last wins, LIST accumulates */
	CHECK_INT(parse(&c, &err, "-fv", "-t250ms", "-n", "1", "--iterations", "2", "-eA=1", "-e",
	                "B=2", "--env", "C=3", "--name=", NULL),
	          0);
	CHECK_INT(soak_conf_flag(&c, "fail-fast"), 1);
	CHECK_INT(soak_conf_flag(&c, "verbose"), 1);
	CHECK_INT(soak_conf_ms(&c, "timeout"), 250);
	CHECK_INT(soak_conf_int(&c, "iterations"), 2);
	CHECK_STR(soak_conf_str(&c, "name"), "");
	const struct soak_setting *l = soak_conf_get(&c, "env");
	CHECK_INT(l->nlist, 3);
	CHECK_STR(l->list[0], "A=1");
	CHECK_STR(l->list[1], "B=2");
	CHECK_STR(l->list[2], "C=3");
	soak_conf_free(&c);

	/* a value that looks like an option is still the value */
	CHECK_INT(parse(&c, &err, "--offset", "-5", "--name", "--verbose", NULL), 0);
	CHECK_INT(soak_conf_int(&c, "offset"), -5);
	CHECK_STR(soak_conf_str(&c, "name"), "--verbose");
	CHECK_INT(soak_conf_flag(&c, "verbose"), 0);
	soak_conf_free(&c);
}

static void test_argv_errors(void)
{
	clear_env();
	fails(SOAK_EXIT_USAGE, "unknown option '--foo'", "--foo", NULL);
	fails(SOAK_EXIT_USAGE, "unknown option '--foo'", "--foo=bar", NULL);
	fails(SOAK_EXIT_USAGE, "unknown option '-x'", "-x", NULL);
	fails(SOAK_EXIT_USAGE, "unknown option '-x'", "-fx", NULL);
	fails(SOAK_EXIT_USAGE, "unknown option '--time'", "--time", "5s", NULL); /* no prefixes */
	fails(SOAK_EXIT_USAGE, "option '--timeout' needs a value (DURATION)", "--timeout", NULL);
	fails(SOAK_EXIT_USAGE, "option '-t' needs a value (DURATION)", "-t", NULL);
	fails(SOAK_EXIT_USAGE, "option '-e' needs a value (KEY=VALUE)", "-fe", NULL);
	fails(SOAK_EXIT_USAGE, "option '--fail-fast' takes no value", "--fail-fast=yes", NULL);
	fails(SOAK_EXIT_USAGE,
	      "invalid value '24x' for 'timeout' (from --timeout): expected a number with a unit "
	      "ms, s, m, h, d or w (e.g. 250ms, 90s, 20m, 24h)",
	      "--timeout", "24x", NULL);
	fails(SOAK_EXIT_USAGE,
	      "invalid value '30' for 'timeout' (from -t): a number needs a unit ms, s, m, h, d or "
	      "w (e.g. 30s, 30m)",
	      "-t", "30", NULL);
	fails(SOAK_EXIT_USAGE,
	      "invalid value '-1' for 'iterations' (from --iterations): expected a whole number "
	      "from 0 to 1000000",
	      "--iterations=-1", NULL);
	fails(
	    SOAK_EXIT_USAGE,
	    "invalid value '1.5' for 'pass-rate' (from --pass-rate): expected a number from 0 to 1",
	    "--pass-rate", "1.5", NULL);
	fails(
	    SOAK_EXIT_USAGE,
	    "invalid value 'nan' for 'pass-rate' (from --pass-rate): expected a number from 0 to 1",
	    "--pass-rate", "nan", NULL);
	fails(SOAK_EXIT_USAGE,
	      "invalid value '5XB' for 'log-cap' (from --log-cap): expected a number with an "
	      "optional unit B, KB, MB, GB, TB (x1000) or K, M, G, T, KiB, MiB, GiB, TiB (x1024) "
	      "(e.g. 500MB, 10GiB, 1.5G)",
	      "--log-cap", "5XB", NULL);
	fails(SOAK_EXIT_USAGE,
	      "invalid value 'abc' for 'offset' (from --offset): expected a whole number",
	      "--offset", "abc", NULL);
}

static void test_env(void)
{
	struct soak_conf c;
	struct soak_err err;

	clear_env();
	soak_os_setenv("SOAK_MAX_FAILURES", "4");
	soak_os_setenv("SOAK_PASS_RATE", "0.5");
	soak_os_setenv("SOAK_LOG_CAP", "1.5G");
	soak_os_setenv("SOAK_VERBOSE", "yes");
	soak_os_setenv("SOAK_NAME", "");                /* empty is unset: the default stays */
	soak_os_setenv("SOAK_ENV", "A=1\r\n\nB=2 x\n"); /* one per line; empty lines skipped */
	soak_os_setenv("SOAK_HELP", "1");               /* CLI-only: not read */
	CHECK_INT(parse(&c, &err, NULL), 0);
	CHECK_INT(soak_conf_int(&c, "max-failures"), 4);
	CHECK_NEAR(soak_conf_double(&c, "pass-rate"), 0.5, 0);
	CHECK_INT(soak_conf_bytes(&c, "log-cap"), 1610612736ULL);
	CHECK_INT(soak_conf_flag(&c, "verbose"), 1);
	CHECK_INT(soak_conf_flag(&c, "help"), 0);
	CHECK_STR(soak_conf_str(&c, "name"), "soak");
	CHECK_INT(soak_conf_get(&c, "name")->src, SOAK_SRC_DEFAULT);
	const struct soak_setting *l = soak_conf_get(&c, "env");
	CHECK_INT(l->nlist, 2);
	CHECK_STR(l->list[0], "A=1");
	CHECK_STR(l->list[1], "B=2 x");
	soak_conf_free(&c);

	clear_env();
	soak_os_setenv("SOAK_TIMEOUT", "24x");
	fails(
	    SOAK_EXIT_USAGE,
	    "invalid value '24x' for 'timeout' (from SOAK_TIMEOUT): expected a number with a unit "
	    "ms, s, m, h, d or w (e.g. 250ms, 90s, 20m, 24h)",
	    NULL);
	/* the flag wins, so the bad env value is never looked at */
	struct soak_conf c2;
	CHECK_INT(parse(&c2, &err, "-t", "1s", NULL), 0);
	soak_conf_free(&c2);
	clear_env();
	soak_os_setenv("SOAK_FAIL_FAST", "maybe");
	fails(SOAK_EXIT_USAGE,
	      "invalid value 'maybe' for 'fail-fast' (from SOAK_FAIL_FAST): expected true or false "
	      "(or yes/no, on/off, 1/0)",
	      NULL);
	clear_env();
	soak_os_setenv("SOAK_ITERATIONS", "2000000");
	fails(SOAK_EXIT_USAGE,
	      "invalid value '2000000' for 'iterations' (from SOAK_ITERATIONS): expected a whole "
	      "number from 0 to 1000000",
	      NULL);
	clear_env();

	/* --help answers even when the environment is bad */
	soak_os_setenv("SOAK_TIMEOUT", "24x");
	CHECK_INT(parse(&c, &err, "--help", NULL), 0);
	CHECK_INT(soak_conf_flag(&c, "help"), 1);
	CHECK_INT(soak_conf_ms(&c, "timeout"), 0);
	soak_conf_free(&c);
	clear_env();
}

static void test_secret(void)
{
	static const struct soak_opt t[] = {
	    {"pin", 0, SOAK_OPT_INT, "PIN", NULL, "a secret number", SOAK_OPT_SECRET, 0, 9999},
	    {NULL, 0, 0, NULL, NULL, NULL, 0, 0, 0},
	};
	char *argv[] = {"soak-run", "--pin", "12345", NULL};
	struct soak_conf c;
	struct soak_err err;

	clear_env();
	CHECK_INT(soak_conf_parse(&c, "soak-run", t, 3, argv, 0, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_USAGE);
	CHECK_STR(err.msg,
	          "invalid value for 'pin' (from --pin): expected a whole number from 0 to 9999");
	CHECK(strstr(err.msg, "12345") == NULL);
	soak_conf_free(&c);
}

static void test_config(void)
{
	struct soak_conf c;
	struct soak_err err;

	clear_env();
	/* top level, own section overriding, other programs' sections ignored, '_' spelling */
	write_cfg("soak.json",
	          "{\n  \"schema\": \"1.0\",\n  \"timeout\": \"1m\",\n  \"max_failures\": 2,\n"
	          "  \"pass-rate\": \"0.9\",\n  \"iterations\": \"12\",\n  \"log-cap\": 0,\n"
	          "  \"env\": \"ONE=1\",\n  \"verbose\": false,\n"
	          "  \"run\": { \"timeout\": \"90s\", \"env\": [\"A=1\", \"B=2\"] },\n"
	          "  \"report\": { \"gates\": \"whatever\", \"timeout\": 5 }\n}\n");
	CHECK_INT(parse(&c, &err, "--config", cfg, NULL), 0);
	if (err.code)
		fprintf(stderr, "%s\n", err.msg);
	CHECK_INT(soak_conf_ms(&c, "timeout"), 90000);
	CHECK_INT(soak_conf_int(&c, "max-failures"), 2);
	CHECK_NEAR(soak_conf_double(&c, "pass-rate"), 0.9, 1e-12);
	CHECK_INT(soak_conf_int(&c, "iterations"), 12);
	CHECK_INT(soak_conf_bytes(&c, "log-cap"), 0);
	CHECK_INT(soak_conf_flag(&c, "verbose"), 0);
	CHECK_INT(soak_conf_get(&c, "verbose")->src, SOAK_SRC_CONFIG);
	const struct soak_setting *l = soak_conf_get(&c, "env");
	CHECK_INT(l->nlist, 2);
	CHECK_STR(l->list[0], "A=1");
	CHECK_STR(l->list[1], "B=2");
	CHECK_STR(c.config_path, cfg);
	CHECK_STR(soak_conf_str(&c, "config"), cfg);
	CHECK_INT(soak_conf_get(&c, "config")->src, SOAK_SRC_FLAG);
	soak_conf_free(&c);

	/* the same file as soak-report reads the report section: its bad value is reported */
	char *argv[] = {"soak-report", "--config", cfg, NULL};
	CHECK_INT(soak_conf_parse(&c, "soak-report", opts, 3, argv, 0, &err), -1);
	char want[1400];
	snprintf(want, sizeof(want),
	         "%s: unknown setting 'gates' in section 'report' (known: "
	         "timeout, iterations, max-failures, pass-rate, log-cap, "
	         "fail-fast, verbose, name, env, token, offset)",
	         cfgmsg);
	CHECK_STR(err.msg, want);
	CHECK_INT(err.code, SOAK_EXIT_USAGE);
	soak_conf_free(&c);

	/* SOAK_CONFIG names the file; a single string for a LIST */
	write_cfg("env.json", "{\"env\":\"X=1\",\"offset\":-3,\"timeout\":0}");
	soak_os_setenv("SOAK_CONFIG", cfg);
	CHECK_INT(parse(&c, &err, NULL), 0);
	CHECK_STR(c.config_path, cfg);
	CHECK_INT(soak_conf_get(&c, "config")->src, SOAK_SRC_ENV);
	CHECK_INT(soak_conf_get(&c, "env")->nlist, 1);
	CHECK_STR(soak_conf_get(&c, "env")->list[0], "X=1");
	CHECK_INT(soak_conf_int(&c, "offset"), -3);
	CHECK_INT(soak_conf_get(&c, "timeout")->src, SOAK_SRC_CONFIG);
	soak_conf_free(&c);
	clear_env();

	/* an empty array is an empty list, from the config */
	write_cfg("empty.json", "{\"env\":[]}");
	CHECK_INT(parse(&c, &err, "-c", cfg, NULL), 0);
	CHECK_INT(soak_conf_get(&c, "env")->nlist, 0);
	CHECK_INT(soak_conf_get(&c, "env")->src, SOAK_SRC_CONFIG);
	soak_conf_free(&c);
}

/* One config text that must fail with "config '<file>': <tail>". */
static void cfg_fails(int code, const char *text, const char *tail)
{
	char want[1400];

	write_cfg("bad.json", text);
	if (!strncmp(tail, "invalid value", 13))
		snprintf(want, sizeof(want), "%s", tail);
	else
		snprintf(want, sizeof(want), "%s: %s", cfgmsg, tail);
	/* "CFG" in tail stands for config '<file>' */
	char *p = strstr(want, "CFG");
	if (p) {
		char rest[1400];
		snprintf(rest, sizeof(rest), "%s", p + 3);
		snprintf(p, sizeof(want) - (size_t)(p - want), "%s%s", cfgmsg, rest);
	}
	fails(code, want, "--config", cfg, NULL);
}

static void test_config_errors(void)
{
	clear_env();
	cfg_fails(SOAK_EXIT_USAGE, "{\"foo\":1}",
	          "unknown setting 'foo' (known: timeout, iterations, max-failures, pass-rate, "
	          "log-cap, fail-fast, verbose, name, env, token, offset)");
	cfg_fails(
	    SOAK_EXIT_USAGE, "{\"run\":{\"foo\":1}}",
	    "unknown setting 'foo' in section 'run' (known: timeout, iterations, "
	    "max-failures, pass-rate, log-cap, fail-fast, verbose, name, env, token, offset)");
	cfg_fails(SOAK_EXIT_USAGE, "{\"Timeout\":\"1s\"}",
	          "unknown setting 'Timeout' (known: timeout, iterations, max-failures, pass-rate, "
	          "log-cap, fail-fast, verbose, name, env, token, offset)");
	cfg_fails(SOAK_EXIT_USAGE, "{\"help\":true}",
	          "'help' can only be given on the command line (--help)");
	cfg_fails(SOAK_EXIT_USAGE, "{\"run\":{\"config\":\"other.json\"}}",
	          "'config' cannot be set in a config file");
	cfg_fails(SOAK_EXIT_USAGE, "{\"max-failures\":1,\"max_failures\":2}",
	          "setting 'max-failures' is given twice");
	cfg_fails(SOAK_EXIT_USAGE, "{\"run\":{\"timeout\":\"1s\",\"timeout\":\"2s\"}}",
	          "setting 'timeout' is given twice in section 'run'");
	cfg_fails(SOAK_EXIT_USAGE, "{\"run\":[1]}", "section 'run' must be a JSON object");
	cfg_fails(SOAK_EXIT_USAGE, "{\"clean\":\"x\"}", "section 'clean' must be a JSON object");
	cfg_fails(SOAK_EXIT_USAGE, "[1, 2]", "expected a JSON object");
	cfg_fails(SOAK_EXIT_INPUT, "{\n  \"timeout\": \"1s\",\n  \"iterations\" 5\n}\n",
	          "JSON syntax error at line 3, column 16");
	cfg_fails(SOAK_EXIT_INPUT, "", "JSON syntax error at line 1, column 1");
	cfg_fails(SOAK_EXIT_USAGE, "{\"timeout\":\"24x\"}",
	          "invalid value '24x' for 'timeout' (from CFG): expected a number with a unit ms, "
	          "s, m, h, d or w (e.g. 250ms, 90s, 20m, 24h)");
	cfg_fails(
	    SOAK_EXIT_USAGE, "{\"timeout\":30}",
	    "invalid value 30 for 'timeout' (from CFG): expected a string with a unit, such as "
	    "\"250ms\", \"90s\", \"20m\" or \"24h\"");
	cfg_fails(
	    SOAK_EXIT_USAGE, "{\"log-cap\":1024}",
	    "invalid value 1024 for 'log-cap' (from CFG): expected a string such as \"500MB\" "
	    "or \"10GiB\"");
	cfg_fails(SOAK_EXIT_USAGE, "{\"fail-fast\":\"yes\"}",
	          "invalid value 'yes' for 'fail-fast' (from CFG): expected true or false");
	cfg_fails(SOAK_EXIT_USAGE, "{\"fail-fast\":1}",
	          "invalid value 1 for 'fail-fast' (from CFG): expected true or false");
	cfg_fails(SOAK_EXIT_USAGE, "{\"name\":5}",
	          "invalid value 5 for 'name' (from CFG): expected a string");
	cfg_fails(SOAK_EXIT_USAGE, "{\"iterations\":true}",
	          "invalid value true for 'iterations' (from CFG): expected a number");
	cfg_fails(SOAK_EXIT_USAGE, "{\"iterations\":1.5}",
	          "invalid value '1.5' for 'iterations' (from CFG): expected a whole number from 0 "
	          "to 1000000");
	cfg_fails(
	    SOAK_EXIT_USAGE, "{\"iterations\":\"many\"}",
	    "invalid value 'many' for 'iterations' (from CFG): expected a whole number from 0 "
	    "to 1000000");
	cfg_fails(SOAK_EXIT_USAGE, "{\"pass-rate\":2}",
	          "invalid value '2' for 'pass-rate' (from CFG): expected a number from 0 to 1");
	cfg_fails(SOAK_EXIT_USAGE, "{\"env\":[\"A=1\",2]}",
	          "invalid value [\"A=1\",2] for 'env' (from CFG): expected a list of strings");
	cfg_fails(SOAK_EXIT_USAGE, "{\"env\":{\"A\":\"1\"}}",
	          "invalid value {\"A\":\"1\"} for 'env' (from CFG): expected a list of strings");

	/* a config file that cannot be read is an input error */
	char missing[600];
	snprintf(missing, sizeof(missing), "%s/nope.json", tmpdir);
	char want[800];
	snprintf(want, sizeof(want), "cannot open '%s': No such file or directory", missing);
	fails(SOAK_EXIT_INPUT, want, "--config", missing, NULL);
	/* a bad value in the file loses to a flag and to the environment */
	write_cfg("lose.json", "{\"timeout\":\"24x\"}");
	struct soak_conf c;
	struct soak_err err;
	CHECK_INT(parse(&c, &err, "-c", cfg, "-t", "1s", NULL), 0);
	soak_conf_free(&c);
	soak_os_setenv("SOAK_TIMEOUT", "2s");
	CHECK_INT(parse(&c, &err, "-c", cfg, NULL), 0);
	CHECK_INT(soak_conf_ms(&c, "timeout"), 2000);
	soak_conf_free(&c);
	clear_env();
}

static void test_bad_default(void)
{
	static const struct soak_opt t[] = {
	    {"wait", 0, SOAK_OPT_DURATION, "DURATION", "5", "wait", 0, 0, 0},
	    {NULL, 0, 0, NULL, NULL, NULL, 0, 0, 0},
	};
	char *argv[] = {"soak-x", NULL};
	struct soak_conf c;
	struct soak_err err;

	clear_env();
	CHECK_INT(soak_conf_parse(&c, "soak-x", t, 1, argv, 0, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_USAGE);
	CHECK_STR(err.msg, "invalid value '5' for 'wait' (from default): a number needs a unit ms, "
	                   "s, m, h, d or w (e.g. 5s, 5m)");
	soak_conf_free(&c);
}

static void test_help(void)
{
	static const struct soak_opt t[] = {
	    {"help", 'h', SOAK_OPT_FLAG, NULL, NULL, "show this help", SOAK_OPT_CLI_ONLY, 0, 0},
	    {"timeout", 't', SOAK_OPT_DURATION, "DURATION", "0", "per-iteration timeout", 0, 0, 0},
	    {"max-failures", 0, SOAK_OPT_INT, "N", NULL, "stop after N failures", 0, 0, 10},
	    {"env", 'e', SOAK_OPT_LIST, "KEY=VALUE", NULL, "extra environment", 0, 0, 0},
	    {"size", 0, SOAK_OPT_SIZE, NULL, "1MiB", "a size", 0, 0, 0},
	    {NULL, 0, 0, NULL, NULL, NULL, 0, 0, 0},
	};
	struct soak_buf b;

	soak_buf_init(&b, 1 << 16);
	CHECK_INT(soak_conf_help(t, &b), 0);
	CHECK_STR(soak_buf_str(&b),
	          "  -h, --help                 show this help\n"
	          "  -t, --timeout DURATION     per-iteration timeout (default: 0)\n"
	          "      --max-failures N       stop after N failures\n"
	          "  -e, --env KEY=VALUE        extra environment\n"
	          "      --size SIZE            a size (default: 1MiB)\n");
	soak_buf_free(&b);
	/* an option longer than the column gets two spaces */
	static const struct soak_opt t2[] = {
	    {"max-consecutive-failures", 0, SOAK_OPT_INT, "N", NULL, "in a row", 0, 0, 10},
	    {"x", 'x', SOAK_OPT_FLAG, NULL, NULL, "ex", 0, 0, 0},
	    {NULL, 0, 0, NULL, NULL, NULL, 0, 0, 0},
	};
	soak_buf_reset(&b);
	CHECK_INT(soak_conf_help(t2, &b), 0);
	CHECK_STR(soak_buf_str(&b), "      --max-consecutive-failures N  in a row\n"
	                            "  -x, --x                         ex\n");
	soak_buf_free(&b);
	/* the ceiling is honoured */
	soak_buf_init(&b, 40);
	CHECK_INT(soak_conf_help(t, &b), -1);
	soak_buf_free(&b);
}

int main(void)
{
	if (soak_os_mkdtemp(tmpdir) < 0) {
		perror("mkdtemp");
		return 1;
	}
	test_defaults();
	test_precedence();
	test_provenance_json();
	test_argv();
	test_argv_errors();
	test_env();
	test_secret();
	test_config();
	test_config_errors();
	test_bad_default();
	test_help();
	CHECK_INT(soak_os_remove_tree(tmpdir), 0);
	return check_done();
}
