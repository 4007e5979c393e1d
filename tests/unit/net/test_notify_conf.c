/* notify_conf: --notify-on lists, the settings into targets, masked URLs for run.json. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "exitcode.h"
#include "notify.h"
#include "notify_conf.h"
#include "os.h"
#include "banned.h"

static const char *const outcomes[] = {"pass", "fail", "abort", "cancel", NULL};

static const struct soak_opt opts[] = {
    SOAK_NOTIFY_CONF_OPTIONS("fail,abort", "when to notify"),
    {"notify-required", 0, SOAK_OPT_FLAG, NULL, NULL, "exit 4", 0, 0, 0},
    {NULL, 0, 0, NULL, NULL, NULL, 0, 0, 0},
};

static void test_parse_on(void)
{
	struct soak_err err = {0};
	unsigned on = 99;

	CHECK_INT(soak_notify_conf_parse_on("fail", outcomes, "--notify-on", &on, &err), 0);
	CHECK_INT(on, 0x2);
	CHECK_INT(soak_notify_conf_parse_on("cancel, pass ,fail", outcomes, "x", &on, &err), 0);
	CHECK_INT(on, 0xb);
	CHECK_INT(soak_notify_conf_parse_on("always", outcomes, "x", &on, &err), 0);
	CHECK_INT(on, 0xf);
	CHECK_INT(soak_notify_conf_parse_on("pass,always", outcomes, "x", &on, &err), 0);
	CHECK_INT(on, 0xf);

	CHECK_INT(soak_notify_conf_parse_on("fail,warn", outcomes, "--notify-on", &on, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_USAGE);
	CHECK_STR(err.msg, "invalid value 'fail,warn' for 'notify-on' (from --notify-on): unknown "
	                   "outcome 'warn' (a comma-separated list of pass, fail, abort, cancel, "
	                   "always)");
	CHECK_INT(on, 0);
	CHECK_INT(soak_notify_conf_parse_on("", outcomes, "SOAK_NOTIFY_ON", &on, &err), -1);
	CHECK(strstr(err.msg, "(from SOAK_NOTIFY_ON): an empty item (") != NULL);
	CHECK_INT(soak_notify_conf_parse_on("fail,", outcomes, "x", &on, &err), -1);
	CHECK_INT(soak_notify_conf_parse_on("FAIL", outcomes, "x", &on, &err), -1);
	CHECK_INT(soak_notify_conf_parse_on("failx", outcomes, "x", &on, &err), -1);
}

/* A generic webhook's path and query pieces of 16 or more characters are
 * tokens: masked wherever the URL is shown, and secrets for ::add-mask::. */
static void test_web_tokens(void)
{
	struct soak_notify_opts o = {0};
	struct soak_notify_target t;
	struct soak_err err = {0};

	CHECK_INT(soak_notify_parse("jsons://u:pw@hooks.example:8443/v1/hook/"
	                            "AbCdEf0123456789xyz?token=0123456789abcdef&x=1#frag",
	                            &o, &t, &err),
	          0);
	CHECK_STR(t.shown, "jsons://u:****@hooks.example:8443/v1/hook/****?token=****&x=1#frag");
	CHECK_INT(t.nposts, 1);
	CHECK_STR(t.shown_posts[0], "https://hooks.example:8443/v1/hook/****?token=****&x=1#frag");
	CHECK_STR(t.posts[0], "https://hooks.example:8443/v1/hook/"
	                      "AbCdEf0123456789xyz?token=0123456789abcdef&x=1#frag");
	CHECK_INT(t.nsecrets, 3);
	CHECK_STR(t.secrets[0], "pw");
	CHECK_STR(t.secrets[1], "AbCdEf0123456789xyz");
	CHECK_STR(t.secrets[2], "0123456789abcdef");
	soak_notify_target_free(&t);

	/* 15 characters are a name, shown */
	CHECK_INT(soak_notify_parse("json://127.0.0.1:9/abcdefghijklmno", &o, &t, &err), 0);
	CHECK_STR(t.shown, "json://127.0.0.1:9/abcdefghijklmno");
	CHECK_INT(t.nsecrets, 0);
	soak_notify_target_free(&t);
	/* the shared masker's rules: a short value of a secret query name is masked too,
	 * and the userinfo ends at the last '@' (an unescaped '@' in the password) */
	CHECK_INT(soak_notify_parse("json://u:pa@ssPW2@127.0.0.1:9/x?token=abc&v=1", &o, &t, &err),
	          0);
	CHECK_STR(t.shown, "json://u:****@127.0.0.1:9/x?token=****&v=1");
	CHECK_STR(t.userpwd, "u:pa@ssPW2");
	CHECK_INT(t.nsecrets, 2);
	CHECK_STR(t.secrets[0], "pa@ssPW2");
	CHECK_STR(t.secrets[1], "abc");
	soak_notify_target_free(&t);
}

static void test_init(void)
{
	char *argv[] = {"prog",
	                "--notify",
	                "json://u:pw123@127.0.0.1:9/h",
	                "--notify",
	                "tgram://111:AAsecret/5",
	                "--notify-on",
	                "cancel",
	                "--notify-required",
	                NULL};
	struct soak_notify_conf nc;
	struct soak_conf c;
	struct soak_err err = {0};
	struct soak_buf mask;
	cJSON *cfg, *v;
	char *text;

	soak_os_unsetenv("GITHUB_ACTIONS");
	soak_buf_init(&mask, 4096);
	CHECK_INT(soak_conf_parse(&c, "soak-run", opts, 8, argv, 0, &err), 0);
	CHECK_INT(soak_notify_conf_init(&nc, &c, outcomes, &mask, &err), 0);
	CHECK_INT(nc.n, 2);
	CHECK_INT(nc.required, 1);
	CHECK_INT(nc.o.timeout_ms, 10000);
	CHECK_INT(nc.o.retries, 3);
	CHECK_INT(mask.len, 0); /* not under Actions */
	CHECK(soak_notify_conf_wants(&nc, "cancel"));
	CHECK(!soak_notify_conf_wants(&nc, "fail"));
	CHECK(!soak_notify_conf_wants(&nc, "nonsense"));

	/* run.json: the masked URLs instead of "***", never the secrets */
	cfg = soak_conf_to_json(&c);
	CHECK(cfg != NULL);
	CHECK_INT(soak_notify_conf_record(&nc, cfg), 0);
	v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(cfg, "notify"),
	                                     "value");
	CHECK_INT(cJSON_GetArraySize(v), 2);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(v, 0)), "json://u:****@127.0.0.1:9/h");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(v, 1)), "tgram://****/5");
	text = cJSON_PrintUnformatted(cfg);
	CHECK(text && !strstr(text, "pw123") && !strstr(text, "AAsecret"));
	cJSON_free(text);
	cJSON_Delete(cfg);
	soak_notify_conf_free(&nc);
	soak_conf_free(&c);

	/* under Actions every secret becomes an ::add-mask:: line */
	soak_os_setenv("GITHUB_ACTIONS", "true");
	CHECK_INT(soak_conf_parse(&c, "soak-run", opts, 3, argv, 0, &err), 0);
	CHECK_INT(soak_notify_conf_init(&nc, &c, outcomes, &mask, &err), 0);
	CHECK_STR(soak_buf_str(&mask), "::add-mask::pw123\n");
	CHECK(!soak_notify_conf_wants(&nc, "cancel")); /* the default: fail,abort */
	CHECK(soak_notify_conf_wants(&nc, "abort"));
	soak_notify_conf_free(&nc);
	soak_conf_free(&c);
	soak_os_unsetenv("GITHUB_ACTIONS");

	/* no targets: nothing is wanted; a bad URL is a usage error, nothing kept */
	CHECK_INT(soak_conf_parse(&c, "soak-run", opts, 1, argv, 0, &err), 0);
	CHECK_INT(soak_notify_conf_init(&nc, &c, outcomes, &mask, &err), 0);
	CHECK(!soak_notify_conf_wants(&nc, "fail"));
	cfg = soak_conf_to_json(&c);
	CHECK_INT(soak_notify_conf_record(&nc, cfg), 0);
	CHECK(cJSON_GetObjectItemCaseSensitive(cfg, "notify") == NULL);
	cJSON_Delete(cfg);
	soak_notify_conf_free(&nc);
	soak_conf_free(&c);
	{
		char *bad[] = {"prog",     "--notify",         "json://ok/x",
		               "--notify", "slack://only/two", NULL};

		CHECK_INT(soak_conf_parse(&c, "soak-run", opts, 5, bad, 0, &err), 0);
		CHECK_INT(soak_notify_conf_init(&nc, &c, outcomes, &mask, &err), -1);
		CHECK_INT(err.code, SOAK_EXIT_USAGE);
		CHECK_INT(nc.n, 0);
		CHECK(nc.t == NULL);
		soak_notify_conf_free(&nc);
		soak_conf_free(&c);
	}
	soak_buf_free(&mask);
}

int main(void)
{
	static const char *const envs[] = {
	    "SOAK_NOTIFY",         "SOAK_NOTIFY_ON",      "SOAK_NOTIFY_TIMEOUT",
	    "SOAK_NOTIFY_RETRIES", "SOAK_NOTIFY_BACKOFF", "SOAK_NOTIFY_REQUIRED",
	    "SOAK_TELEGRAM_API",   "SOAK_SLACK_API",      "SOAK_DISCORD_API"};

	for (size_t i = 0; i < sizeof(envs) / sizeof(envs[0]); i++)
		soak_os_unsetenv(envs[i]); /* the settings come from the arguments only */
	test_parse_on();
	test_init();
	test_web_tokens();
	return check_done();
}
