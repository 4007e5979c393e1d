/*
 * soak-canary: the release tag, the canary checklist, the canary judgement,
 * the Prometheus watch and notifications. Subcommands share the config section
 * "canary": the parse uses the union of the tables, then refuses a flag that
 * is not the subcommand's own.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canary.h"
#include "clock.h"
#include "conf.h"
#include "exitcode.h"
#include "file.h"
#include "gha.h"
#include "msg.h"
#include "notify.h"
#include "parse.h"
#include "sig.h"
#include "banned.h"

static const char usage[] =
    "usage: soak-canary tag --bundle DIR --tag NAME [--dry-run] [--push REMOTE]\n"
    "   or: soak-canary checklist --bundle DIR [options]\n"
    "   or: soak-canary judge --baseline A --canary B [options]\n"
    "   or: soak-canary watch --prometheus URL --metric NAME=QUERY --success EXPR [options]\n"
    "   or: soak-canary notify --notify URL --message TEXT\n"
    "\n"
    "tag        an annotated git tag carrying the soak's verdict, gates and statistics\n"
    "checklist  CANARY_CHECKLIST.md in the bundle\n"
    "judge      Mann-Whitney judgement of a canary against a baseline; a 0-100 score\n"
    "watch      Prometheus queries at an interval; promote, rollback or inconclusive\n"
    "notify     send a message to notification URLs (json://, slack://, discord://, tgram://)\n"
    "\n"
    "'soak-canary COMMAND --help' lists a command's options. Exit 0 success (PASS,\n"
    "MARGINAL, promote), 1 FAIL, rollback or inconclusive, 2 usage, 3 input, 4 environment.\n";

#define COMMON_OPTS                                                                                 \
	{"notify",        0,    SOAK_OPT_LIST,                                                      \
	 "URL",           NULL, "notification target (repeatable); secret",                         \
	 SOAK_OPT_SECRET, 0,    0},                                                                 \
	    {"notify-required",                                                                     \
	     0,                                                                                     \
	     SOAK_OPT_FLAG,                                                                         \
	     NULL,                                                                                  \
	     NULL,                                                                                  \
	     "a failed notification exits 4 (else a warning)",                                      \
	     0,                                                                                     \
	     0,                                                                                     \
	     0},                                                                                    \
	    {"notify-timeout",                                                                      \
	     0,                                                                                     \
	     SOAK_OPT_DURATION,                                                                     \
	     "DURATION",                                                                            \
	     "10s",                                                                                 \
	     "per notification attempt",                                                            \
	     0,                                                                                     \
	     0,                                                                                     \
	     0},                                                                                    \
	    {"notify-retries", 0, SOAK_OPT_INT, "N", "3", "retries of a notification", 0, 0, 10},   \
	    {"notify-backoff",                                                                      \
	     0,                                                                                     \
	     SOAK_OPT_DURATION,                                                                     \
	     "DURATION",                                                                            \
	     "1s",                                                                                  \
	     "first wait before a retry (doubles, 20% jitter)",                                     \
	     0,                                                                                     \
	     0,                                                                                     \
	     0},                                                                                    \
	    {"telegram-api",                                                                        \
	     0,                                                                                     \
	     SOAK_OPT_STRING,                                                                       \
	     "URL",                                                                                 \
	     "https://api.telegram.org",                                                            \
	     "Telegram Bot API base",                                                               \
	     0,                                                                                     \
	     0,                                                                                     \
	     0},                                                                                    \
	    {"slack-api",                                                                           \
	     0,                                                                                     \
	     SOAK_OPT_STRING,                                                                       \
	     "URL",                                                                                 \
	     "https://hooks.slack.com",                                                             \
	     "Slack webhook base",                                                                  \
	     0,                                                                                     \
	     0,                                                                                     \
	     0},                                                                                    \
	    {"discord-api",                                                                         \
	     0,                                                                                     \
	     SOAK_OPT_STRING,                                                                       \
	     "URL",                                                                                 \
	     "https://discord.com",                                                                 \
	     "Discord webhook base",                                                                \
	     0,                                                                                     \
	     0,                                                                                     \
	     0},                                                                                    \
	    {"config",                                                                              \
	     'c',                                                                                   \
	     SOAK_OPT_STRING,                                                                       \
	     "FILE",                                                                                \
	     NULL,                                                                                  \
	     "JSON config file (section \"canary\")",                                               \
	     SOAK_OPT_CLI_ONLY,                                                                     \
	     0,                                                                                     \
	     0},                                                                                    \
	    {"quiet", 'q', SOAK_OPT_FLAG, NULL, NULL, "no summary on stdout", 0, 0, 0},             \
	    {"help", 'h', SOAK_OPT_FLAG, NULL, NULL, "print this help and exit", SOAK_OPT_CLI_ONLY, \
	     0,      0},                                                                            \
	    {"version",                                                                             \
	     'V',                                                                                   \
	     SOAK_OPT_FLAG,                                                                         \
	     NULL,                                                                                  \
	     NULL,                                                                                  \
	     "print the version and exit",                                                          \
	     SOAK_OPT_CLI_ONLY,                                                                     \
	     0,                                                                                     \
	     0},                                                                                    \
	{                                                                                           \
		NULL, 0, 0, NULL, NULL, NULL, 0, 0, 0                                               \
	}

#define PLAN_OPTS                                                                                  \
	{"interval", 'i', SOAK_OPT_DURATION, "DURATION", "5m", "time between measurements", 0,     \
	 0,          0},                                                                           \
	    {"duration", 0,     SOAK_OPT_DURATION,                                                 \
	     "DURATION", "24h", "how long the canary runs (count = duration / interval)",          \
	     0,          0,     0},                                                                \
	    {"count", 'n', SOAK_OPT_INT, "N", NULL, "measurements (default: duration / interval)", \
	     0,       1,   1000000},                                                               \
	    {"failure-limit",                                                                      \
	     0,                                                                                    \
	     SOAK_OPT_INT,                                                                         \
	     "N",                                                                                  \
	     "0",                                                                                  \
	     "rollback after more failures than N",                                                \
	     0,                                                                                    \
	     0,                                                                                    \
	     1000000},                                                                             \
	    {"inconclusive-limit",                                                                 \
	     0,                                                                                    \
	     SOAK_OPT_INT,                                                                         \
	     "N",                                                                                  \
	     "0",                                                                                  \
	     "stop after more inconclusive measurements than N",                                   \
	     0,                                                                                    \
	     0,                                                                                    \
	     1000000},                                                                             \
	    {"error-limit",                                                                        \
	     0,                                                                                    \
	     SOAK_OPT_INT,                                                                         \
	     "N",                                                                                  \
	     "4",                                                                                  \
	     "rollback after more consecutive errors than N",                                      \
	     0,                                                                                    \
	     0,                                                                                    \
	     1000000},                                                                             \
	    {"prometheus", 'p', SOAK_OPT_STRING, "URL", NULL, "Prometheus base URL", 0, 0, 0},     \
	    {"metric", 'm', SOAK_OPT_LIST, "NAME=QUERY", NULL, "a PromQL query (repeatable)", 0,   \
	     0,        0},                                                                         \
	    {"success", 0,    SOAK_OPT_STRING,                                                     \
	     "EXPR",    NULL, "condition of a successful measurement",                             \
	     0,         0,    0},                                                                  \
	    {"failure", 0, SOAK_OPT_STRING, "EXPR", NULL, "condition of a failed measurement", 0,  \
	     0,         0},                                                                        \
	    {"on-rollback",                                                                        \
	     0,                                                                                    \
	     SOAK_OPT_STRING,                                                                      \
	     "CMD",                                                                                \
	     NULL,                                                                                 \
	     "shell command run on rollback",                                                      \
	     0,                                                                                    \
	     0,                                                                                    \
	     0},                                                                                   \
	    {"on-promote",                                                                         \
	     0,                                                                                    \
	     SOAK_OPT_STRING,                                                                      \
	     "CMD",                                                                                \
	     NULL,                                                                                 \
	     "shell command run on promote",                                                       \
	     0,                                                                                    \
	     0,                                                                                    \
	     0},                                                                                   \
	    {"marginal", 0,  SOAK_OPT_DOUBLE, "SCORE", "75", "judge: MARGINAL from this score", 0, \
	     0,          100},                                                                     \
	{                                                                                          \
		"pass", 0, SOAK_OPT_DOUBLE, "SCORE", "95", "judge: PASS from this score", 0, 0,    \
		    100                                                                            \
	}

// clang-format off
static const struct soak_opt tag_opts[] = {
	{"bundle", 'b', SOAK_OPT_STRING, "DIR", NULL, "the bundle directory", 0, 0, 0},
	{"tag", 't', SOAK_OPT_STRING, "NAME", NULL, "the tag to create", 0, 0, 0},
	{"repo", 0, SOAK_OPT_STRING, "DIR", ".", "git work tree", 0, 0, 0},
	{"commit", 0, SOAK_OPT_STRING, "REV", NULL,
		"commit to tag (default: the bundle's commit, else HEAD)", 0, 0, 0},
	{"push", 0, SOAK_OPT_STRING, "REMOTE", NULL, "push the tag to REMOTE", 0, 0, 0},
	{"dry-run", 0, SOAK_OPT_FLAG, NULL, NULL, "print the message, create nothing", 0, 0, 0},
	COMMON_OPTS,
};

static const struct soak_opt checklist_opts[] = {
	{"bundle", 'b', SOAK_OPT_STRING, "DIR", NULL, "the bundle directory", 0, 0, 0},
	{"out", 'o', SOAK_OPT_STRING, "FILE", NULL,
		"where to write (default: BUNDLE/CANARY_CHECKLIST.md; '-' for stdout)", 0, 0, 0},
	PLAN_OPTS,
	COMMON_OPTS,
};

static const struct soak_opt judge_opts[] = {
	{"baseline", 'B', SOAK_OPT_STRING, "DIR|SCOPE", NULL,
		"baseline soak directory (with --prometheus: the ${scope} of the queries)", 0, 0, 0},
	{"canary", 'C', SOAK_OPT_STRING, "DIR|SCOPE", NULL, "canary soak directory or scope", 0, 0, 0},
	{"judge-metric", 'j', SOAK_OPT_LIST, "NAME[:OPTS]", NULL,
		"a metric and its options (repeatable; default: duration, resources, KPIs)", 0, 0, 0},
	{"query", 0, SOAK_OPT_LIST, "NAME=QUERY", NULL,
		"with --prometheus: the range query of a metric (repeatable)", 0, 0, 0},
	{"group-weight", 'w', SOAK_OPT_LIST, "GROUP=PERCENT", NULL, "weight of a metric group", 0, 0, 0},
	{"confidence", 0, SOAK_OPT_DOUBLE, "LEVEL", "0.98",
		"confidence level of the shift's interval", 0, 0, 1},
	{"marginal", 0, SOAK_OPT_DOUBLE, "SCORE", "75", "MARGINAL from this score", 0, 0, 100},
	{"pass", 0, SOAK_OPT_DOUBLE, "SCORE", "95", "PASS from this score", 0, 0, 100},
	{"strict", 0, SOAK_OPT_FLAG, NULL, NULL, "MARGINAL exits 1", 0, 0, 0},
	{"report-dir", 0, SOAK_OPT_STRING, "DIR", "artifacts/canary",
		"where judge.json and judge.md go", 0, 0, 0},
	{"prometheus", 'p', SOAK_OPT_STRING, "URL", NULL,
		"compare two Prometheus range queries instead of soak directories", 0, 0, 0},
	{"range", 0, SOAK_OPT_DURATION, "DURATION", "1h", "Prometheus: the window before --end", 0, 0, 0},
	{"step", 0, SOAK_OPT_DURATION, "DURATION", "1m", "Prometheus: the range query's step", 0, 0, 0},
	{"end", 0, SOAK_OPT_STRING, "TIME", NULL,
		"Prometheus: end of the window, Unix seconds or ISO-8601 (default: now)", 0, 0, 0},
	{"query-timeout", 0, SOAK_OPT_DURATION, "DURATION", "30s", "per query attempt", 0, 0, 0},
	{"query-retries", 0, SOAK_OPT_INT, "N", "3", "retries of a query", 0, 0, 10},
	COMMON_OPTS,
};

static const struct soak_opt watch_opts[] = {
	PLAN_OPTS,
	{"on-inconclusive", 0, SOAK_OPT_STRING, "CMD", NULL, "shell command run when inconclusive",
		0, 0, 0},
	{"on-empty", 0, SOAK_OPT_STRING, "inconclusive|evaluate", "inconclusive",
		"a query without data: inconclusive, or evaluate with NaN", 0, 0, 0},
	{"record", 'r', SOAK_OPT_STRING, "FILE", "artifacts/canary/watch.jsonl",
		"JSON Lines record of every measurement", 0, 0, 0},
	{"hook-timeout", 0, SOAK_OPT_DURATION, "DURATION", "10m", "time a hook may take", 0, 0, 0},
	{"query-timeout", 0, SOAK_OPT_DURATION, "DURATION", "30s", "per query attempt", 0, 0, 0},
	{"query-retries", 0, SOAK_OPT_INT, "N", "3", "retries of a query", 0, 0, 10},
	COMMON_OPTS,
};

static const struct soak_opt notify_opts[] = {
	{"message", 0, SOAK_OPT_STRING, "TEXT", NULL, "the message", 0, 0, 0},
	{"title", 0, SOAK_OPT_STRING, "TEXT", "soak-canary", "the title", 0, 0, 0},
	{"type", 0, SOAK_OPT_STRING, "KIND", "info", "info, success, warning or failure", 0, 0, 0},
	{"health", 0, SOAK_OPT_STRING, "FILE", NULL,
		"POST this health.json (or DIR/health.json) as is instead of a message", 0, 0, 0},
	COMMON_OPTS,
};
// clang-format on

static int run_tag(const struct soak_conf *c);
static int run_checklist(const struct soak_conf *c);
static int run_judge(const struct soak_conf *c);
static int run_watch(const struct soak_conf *c);
static int run_notify(const struct soak_conf *c);

static const struct cmd {
	const char *name, *synopsis, *about;
	const struct soak_opt *opts;
	int (*run)(const struct soak_conf *c);
} cmds[] = {
    {"tag", "soak-canary tag --bundle DIR --tag NAME [--dry-run] [--push REMOTE]",
     "Create an annotated tag (git tag -a --cleanup=verbatim) whose message carries the\n"
     "soak's verdict, gates and key statistics, with the trailers Soak-Run-Id and\n"
     "Soak-Verdict. An existing tag is never moved (exit 2).\n",
     tag_opts, run_tag},
    {"checklist", "soak-canary checklist --bundle DIR [options]",
     "Write CANARY_CHECKLIST.md: monitoring targets from the gates and KPIs, rollback\n"
     "triggers, interval, duration and steps, from the bundle and the configuration.\n",
     checklist_opts, run_checklist},
    {"judge", "soak-canary judge --baseline A --canary B [options]",
     "Compare the canary's samples with the baseline's, metric by metric (Mann-Whitney U,\n"
     "Hodges-Lehmann shift with a confidence interval, mean ratio), and score 0-100.\n"
     "Exit 0 PASS or MARGINAL (1 with --strict), 1 FAIL.\n",
     judge_opts, run_judge},
    {"watch", "soak-canary watch --prometheus URL --metric NAME=QUERY --success EXPR [options]",
     "Query Prometheus every --interval, --count times; classify each measurement;\n"
     "decide promote (exit 0), rollback or inconclusive (exit 1), and run the hook.\n",
     watch_opts, run_watch},
    {"notify", "soak-canary notify --notify URL --message TEXT",
     "Send a message (or --health FILE as is) to each --notify URL. Exit 4 when one fails.\n",
     notify_opts, run_notify},
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static int has_opt(const struct soak_opt *t, const char *name)
{
	for (; t->name; t++)
		if (!strcmp(t->name, name))
			return 1;
	return 0;
}

static struct soak_opt *union_opts(void)
{
	size_t n = 1, k = 0;
	struct soak_opt *u;

	for (size_t i = 0; i < NCMDS; i++)
		for (const struct soak_opt *o = cmds[i].opts; o->name; o++)
			n++;
	u = calloc(n, sizeof(*u));
	if (!u)
		return NULL;
	for (size_t i = 0; i < NCMDS; i++)
		for (const struct soak_opt *o = cmds[i].opts; o->name; o++) {
			size_t j;

			for (j = 0; j < k && strcmp(u[j].name, o->name); j++)
				;
			if (j == k)
				u[k++] = *o;
		}
	return u;
}

static const char *opt_str(const struct soak_conf *c, const char *name)
{
	return soak_conf_is_set(c, name) ? soak_conf_str(c, name) : NULL;
}

/* ---- notifications ---- */

static void notify_opts_of(const struct soak_conf *c, struct soak_notify_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->telegram_api = soak_conf_str(c, "telegram-api");
	o->slack_api = soak_conf_str(c, "slack-api");
	o->discord_api = soak_conf_str(c, "discord-api");
	o->timeout_ms = soak_conf_ms(c, "notify-timeout");
	o->connect_timeout_ms = o->timeout_ms;
	o->retries = (int)soak_conf_int(c, "notify-retries");
	o->backoff_ms = soak_conf_ms(c, "notify-backoff");
	o->max_backoff_ms = 60000;
	o->jitter = 0.2;
	o->sleep_ms = soak_sig_sleep;
}

static void notify_free(struct soak_notify_target *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		soak_notify_target_free(&t[i]);
	free(t);
}

/* Parse every --notify URL and mask its secrets (before anything could print them). */
static int notify_targets(const struct soak_conf *c, struct soak_notify_target **out, size_t *n)
{
	const struct soak_setting *s = soak_conf_get(c, "notify");
	struct soak_notify_opts o;
	struct soak_buf mask;
	struct soak_err err = {0};

	*out = NULL;
	*n = 0;
	if (!s->nlist)
		return 0;
	notify_opts_of(c, &o);
	*out = calloc(s->nlist, sizeof(**out));
	if (!*out) {
		soak_error("out of memory");
		return SOAK_EXIT_ENV;
	}
	soak_buf_init(&mask, 1024 * 1024);
	for (size_t i = 0; i < s->nlist; i++) {
		if (soak_notify_parse(s->list[i], &o, &(*out)[i], &err) < 0) {
			soak_buf_free(&mask);
			notify_free(*out, *n);
			*out = NULL;
			*n = 0;
			return err.code == SOAK_EXIT_USAGE ? soak_usage_error("%s", err.msg)
			                                   : soak_report_err(&err);
		}
		(*n)++;
		for (size_t k = 0; k < (*out)[i].nsecrets; k++)
			soak_gha_add_mask(&mask, (*out)[i].secrets[k]);
	}
	if (soak_gha_active() && mask.len) {
		fputs(soak_buf_str(&mask), stdout);
		fflush(stdout);
	}
	soak_buf_free(&mask);
	return 0;
}

/* Send to every target; 0, or SOAK_EXIT_ENV when one failed (a warning otherwise
 * unless required). */
static int notify_all(const struct soak_conf *c, struct soak_notify_target *t, size_t n,
                      const char *title, const char *msg, const char *kind, int required)
{
	struct soak_notify_opts o;
	int rc = 0;

	notify_opts_of(c, &o);
	for (size_t i = 0; i < n; i++) {
		struct soak_notify_result res;
		struct soak_err err = {0};

		if (soak_notify_send(&t[i], &o, title, msg, kind, &res, &err) < 0) {
			if (required) {
				soak_error("notification to '%s' failed after %d attempt%s: %s",
				           t[i].shown, res.attempts, res.attempts == 1 ? "" : "s",
				           err.msg);
				rc = SOAK_EXIT_ENV;
			} else {
				soak_warning("notification to '%s' failed after %d attempt%s: %s",
				             t[i].shown, res.attempts, res.attempts == 1 ? "" : "s",
				             err.msg);
			}
			continue;
		}
		if (!soak_conf_flag(c, "quiet"))
			printf("notified: %s (%d attempt%s%s)\n", t[i].shown, res.attempts,
			       res.attempts == 1 ? "" : "s",
			       res.truncated ? ", message shortened" : "");
	}
	return rc;
}

/* Notify the --notify targets about an outcome; a failure matters only with
 * --notify-required. */
static int notify_outcome(const struct soak_conf *c, const char *title, const char *msg,
                          const char *kind, int rc)
{
	struct soak_notify_target *t;
	size_t n;
	int r = notify_targets(c, &t, &n);

	if (!r && n)
		r = notify_all(c, t, n, title, msg, kind, soak_conf_flag(c, "notify-required"));
	notify_free(t, n);
	return r ? r : rc;
}

static int run_notify(const struct soak_conf *c)
{
	struct soak_notify_target *t;
	const char *health = opt_str(c, "health"), *type = soak_conf_str(c, "type");
	size_t n;
	int rc;

	if (c->nrest)
		return soak_usage_error("unexpected argument '%s'", c->rest[0]);
	if (!soak_conf_get(c, "notify")->nlist)
		return soak_usage_error("no --notify URL given");
	if (!health && !opt_str(c, "message"))
		return soak_usage_error("no --message given (or --health FILE)");
	if (strcmp(type, "info") && strcmp(type, "success") && strcmp(type, "warning") &&
	    strcmp(type, "failure"))
		return soak_usage_error("bad --type '%s' (info, success, warning or failure)",
		                        type);
	if ((rc = notify_targets(c, &t, &n)))
		return rc;
	if (health) {
		struct soak_notify_opts o;
		struct soak_buf body;
		struct soak_err err = {0};
		char *path = NULL;

		notify_opts_of(c, &o);
		soak_buf_init(&body, 16 * 1024 * 1024);
		if (soak_path_exists(health) && !soak_file_read(health, &body, &err)) {
			/* a file */
		} else {
			soak_err_clear(&err);
			path = soak_path_join(health, "health.json");
			if (!path || soak_file_read(path, &body, &err) < 0) {
				rc = path ? SOAK_EXIT_INPUT : SOAK_EXIT_ENV;
				soak_error("cannot read '%s': %s", path ? path : health,
				           err.msg[0] ? err.msg : "out of memory");
			}
		}
		for (size_t i = 0; i < n && !rc; i++) {
			struct soak_notify_result res;

			if (soak_notify_post_json(&t[i], &o, soak_buf_str(&body), body.len, &res,
			                          &err) < 0) {
				rc = err.code == SOAK_EXIT_USAGE ? soak_usage_error("%s", err.msg)
				                                 : soak_report_err(&err);
				break;
			}
			if (!soak_conf_flag(c, "quiet"))
				printf("health posted: %s (%d attempt%s)\n", t[i].shown,
				       res.attempts, res.attempts == 1 ? "" : "s");
		}
		free(path);
		soak_buf_free(&body);
	} else {
		rc = notify_all(c, t, n, soak_conf_str(c, "title"), soak_conf_str(c, "message"),
		                type, 1);
	}
	notify_free(t, n);
	return rc;
}

/* ---- tag, checklist ---- */

static int run_tag(const struct soak_conf *c)
{
	struct soak_canary_tag_opts o = {0};
	struct soak_canary_tag_result res;
	struct soak_canary_bundle b;
	struct soak_err err = {0};
	struct soak_buf msg;
	int rc;

	if (c->nrest)
		return soak_usage_error("unexpected argument '%s'", c->rest[0]);
	if (!opt_str(c, "bundle"))
		return soak_usage_error("no --bundle given: the bundle directory");
	if (!opt_str(c, "tag"))
		return soak_usage_error("no --tag given: the tag to create");
	if (soak_canary_bundle_load(soak_conf_str(c, "bundle"), &b, &err) < 0)
		return soak_report_err(&err);
	soak_buf_init(&msg, 1024 * 1024);
	if (soak_canary_tag_message(&b, soak_conf_str(c, "tag"), &msg) < 0) {
		soak_error("the tag message is over 1 MiB");
		soak_buf_free(&msg);
		soak_canary_bundle_free(&b);
		return SOAK_EXIT_INPUT;
	}
	o.repo = soak_conf_str(c, "repo");
	o.tag = soak_conf_str(c, "tag");
	o.commit = opt_str(c, "commit") ? opt_str(c, "commit") : (*b.commit ? b.commit : NULL);
	o.push = opt_str(c, "push");
	o.dry_run = soak_conf_flag(c, "dry-run");
	rc = soak_canary_tag(&o, soak_buf_str(&msg), &res, &err);
	if (rc < 0) {
		rc = err.code == SOAK_EXIT_USAGE ? soak_usage_error("%s", err.msg)
		                                 : soak_report_err(&err);
	} else if (o.dry_run) {
		printf("would tag %s as '%s' with this message:\n%s", res.commit, o.tag,
		       soak_buf_str(&msg));
	} else {
		if (!soak_conf_flag(c, "quiet"))
			printf("tagged %s as '%s' (tag object %s)%s%s\n", res.commit, o.tag,
			       res.object, res.pushed ? ", pushed to " : "",
			       res.pushed ? o.push : "");
		if (soak_gha_set_output("tag", o.tag, &err) < 0 ||
		    soak_gha_set_output("tag-commit", res.commit, &err) < 0)
			rc = soak_report_err(&err);
	}
	soak_buf_free(&msg);
	soak_canary_bundle_free(&b);
	return rc;
}

static int plan_count(const struct soak_conf *c, long *count)
{
	int64_t iv = soak_conf_ms(c, "interval"), d = soak_conf_ms(c, "duration");

	if (iv <= 0)
		return soak_usage_error("bad --interval: must be more than 0");
	if (soak_conf_is_set(c, "count"))
		*count = (long)soak_conf_int(c, "count");
	else
		*count = d <= 0 ? 1 : (long)((d + iv - 1) / iv);
	if (*count < 1)
		*count = 1;
	return 0;
}

static int run_checklist(const struct soak_conf *c)
{
	const struct soak_setting *m = soak_conf_get(c, "metric");
	struct soak_canary_plan p = {0};
	struct soak_canary_bundle b;
	struct soak_notify_target *t = NULL;
	struct soak_err err = {0};
	struct soak_buf out;
	char **shown = NULL, *path;
	size_t nt = 0;
	int rc;

	if (c->nrest)
		return soak_usage_error("unexpected argument '%s'", c->rest[0]);
	if (!opt_str(c, "bundle"))
		return soak_usage_error("no --bundle given: the bundle directory");
	if ((rc = plan_count(c, &p.count)))
		return rc;
	if ((rc = notify_targets(c, &t, &nt)))
		return rc;
	if (soak_canary_bundle_load(soak_conf_str(c, "bundle"), &b, &err) < 0) {
		notify_free(t, nt);
		return soak_report_err(&err);
	}
	shown = calloc(nt + 1, sizeof(*shown));
	for (size_t i = 0; shown && i < nt; i++)
		shown[i] = t[i].shown;
	p.interval_ms = soak_conf_ms(c, "interval");
	p.duration_ms = soak_conf_ms(c, "duration");
	p.failure_limit = (long)soak_conf_int(c, "failure-limit");
	p.inconclusive_limit = (long)soak_conf_int(c, "inconclusive-limit");
	p.error_limit = (long)soak_conf_int(c, "error-limit");
	p.prometheus = opt_str(c, "prometheus");
	p.metrics = m->list;
	p.nmetrics = m->nlist;
	p.success = opt_str(c, "success");
	p.failure = opt_str(c, "failure");
	p.on_rollback = opt_str(c, "on-rollback");
	p.on_promote = opt_str(c, "on-promote");
	p.notify_shown = shown;
	p.nnotify = shown ? nt : 0;
	p.marginal = soak_conf_double(c, "marginal");
	p.pass = soak_conf_double(c, "pass");
	soak_buf_init(&out, 4 * 1024 * 1024);
	soak_canary_checklist(&b, &p, &out);
	if (opt_str(c, "out") && !strcmp(opt_str(c, "out"), "-")) {
		fputs(soak_buf_str(&out), stdout);
	} else {
		path = opt_str(c, "out") ? strdup(opt_str(c, "out"))
		                         : soak_path_join(b.dir, "CANARY_CHECKLIST.md");
		if (!path || soak_file_write_atomic(path, soak_buf_str(&out), out.len, &err) < 0)
			rc = path ? soak_report_err(&err) : SOAK_EXIT_ENV;
		else if (!soak_conf_flag(c, "quiet"))
			printf("checklist: %s\n", path);
		free(path);
	}
	soak_buf_free(&out);
	free(shown);
	notify_free(t, nt);
	soak_canary_bundle_free(&b);
	return rc;
}

/* ---- judge ---- */

static int parse_end(const char *s, int64_t *end_s)
{
	struct soak_err err = {0};
	long long v;
	int64_t ms;

	if (!soak_parse_int(s, 0, 253402300799LL, &v, &err)) {
		*end_s = v;
		return 0;
	}
	if (!soak_iso8601_parse(s, &ms)) {
		*end_s = ms / 1000;
		return 0;
	}
	return soak_usage_error("bad --end '%s' (Unix seconds or 2026-01-02T03:04:05Z)", s);
}

static int add_default(char ***list, size_t *n, const struct soak_conf *c, const char *name)
{
	const struct soak_setting *s = soak_conf_get(c, name);
	char line[512], **l;

	snprintf(line, sizeof(line), "%s: %s (%s)", name, s->text ? s->text : "",
	         soak_src_name(s->src));
	l = realloc(*list, (*n + 1) * sizeof(*l));
	if (!l)
		return -1;
	*list = l;
	l[*n] = strdup(line);
	if (!l[*n])
		return -1;
	(*n)++;
	return 0;
}

static int run_judge(const struct soak_conf *c)
{
	const struct soak_setting *jm = soak_conf_get(c, "judge-metric"),
	                          *gw = soak_conf_get(c, "group-weight"),
	                          *qs = soak_conf_get(c, "query");
	struct soak_canary_judge_opts o = {0};
	struct soak_canary_judgement j;
	struct soak_err err = {0};
	char **specs = NULL, **names = NULL, **groups = NULL, **gnames = NULL, **queries = NULL;
	char **defaults = NULL;
	double *weights = NULL;
	size_t nspecs = 0, ndef = 0;
	int own_specs = 0, rc = 0;

	if (c->nrest)
		return soak_usage_error("unexpected argument '%s'", c->rest[0]);
	if (!opt_str(c, "baseline") || !opt_str(c, "canary"))
		return soak_usage_error("both --baseline and --canary are needed");
	o.baseline = soak_conf_str(c, "baseline");
	o.canary = soak_conf_str(c, "canary");
	o.prometheus = opt_str(c, "prometheus");
	o.conf = soak_conf_double(c, "confidence");
	o.marginal = soak_conf_double(c, "marginal");
	o.pass = soak_conf_double(c, "pass");
	o.out_dir = soak_conf_str(c, "report-dir");
	o.now_ms = soak_wall_ms();
	o.version = SOAK_VERSION;
	o.http_timeout_ms = soak_conf_ms(c, "query-timeout");
	o.retries = (int)soak_conf_int(c, "query-retries");
	if (!(o.conf > 0 && o.conf < 1))
		return soak_usage_error("bad --confidence %g: between 0 and 1", o.conf);
	if (o.marginal > o.pass)
		return soak_usage_error("--marginal %g is above --pass %g", o.marginal, o.pass);
	if (jm->nlist) {
		specs = jm->list;
		nspecs = jm->nlist;
	} else if (o.prometheus) {
		return soak_usage_error(
		    "with --prometheus, name the metrics with --judge-metric and "
		    "--query");
	} else {
		if (soak_canary_default_metrics(o.baseline, &specs, &nspecs, &err) < 0) {
			rc = soak_report_err(&err);
			goto out;
		}
		own_specs = 1;
	}
	o.metrics = calloc(nspecs, sizeof(*o.metrics));
	names = calloc(nspecs, sizeof(*names));
	groups = calloc(nspecs, sizeof(*groups));
	queries = calloc(nspecs, sizeof(*queries));
	gnames = calloc(gw->nlist + 1, sizeof(*gnames));
	weights = calloc(gw->nlist + 1, sizeof(*weights));
	if (!o.metrics || !names || !groups || !queries || !gnames || !weights) {
		soak_error("out of memory");
		rc = SOAK_EXIT_ENV;
		goto out;
	}
	o.nmetrics = nspecs;
	for (size_t i = 0; i < nspecs; i++)
		if (soak_canary_metric_parse(specs[i], &o.metrics[i], &names[i], &groups[i], &err) <
		    0) {
			rc = err.code == SOAK_EXIT_USAGE ? soak_usage_error("%s", err.msg)
			                                 : soak_report_err(&err);
			goto out;
		}
	if (o.prometheus) {
		int64_t end_s = o.now_ms / 1000;

		if (opt_str(c, "end") && (rc = parse_end(opt_str(c, "end"), &end_s)))
			goto out;
		o.end_s = end_s;
		o.start_s = end_s - soak_conf_ms(c, "range") / 1000;
		o.step_s = soak_conf_ms(c, "step") / 1000;
		if (o.step_s < 1 || o.start_s >= o.end_s) {
			rc = soak_usage_error("--range and --step must be at least 1s");
			goto out;
		}
		for (size_t i = 0; i < nspecs; i++) {
			size_t nl = strlen(names[i]);

			for (size_t k = 0; k < qs->nlist && !queries[i]; k++)
				if (!strncmp(qs->list[k], names[i], nl) && qs->list[k][nl] == '=')
					queries[i] = qs->list[k] + nl + 1;
			if (!queries[i]) {
				rc = soak_usage_error("no --query %s=PROMQL for metric '%s'",
				                      names[i], names[i]);
				goto out;
			}
		}
		o.queries = queries;
	} else if (qs->nlist) {
		rc = soak_usage_error("--query needs --prometheus");
		goto out;
	}
	for (size_t i = 0; i < gw->nlist; i++) {
		const char *eq = strchr(gw->list[i], '=');
		struct soak_err e2 = {0};

		if (!eq || eq == gw->list[i] ||
		    soak_parse_double(eq + 1, 0, 100, &weights[i], &e2) < 0) {
			rc = soak_usage_error("bad --group-weight '%s' (GROUP=PERCENT, 0 to 100)",
			                      gw->list[i]);
			goto out;
		}
		gnames[i] = strndup(gw->list[i], (size_t)(eq - gw->list[i]));
		if (!gnames[i]) {
			rc = SOAK_EXIT_ENV;
			goto out;
		}
	}
	o.group_names = gnames;
	o.group_weights = weights;
	o.nweights = gw->nlist;
	{
		static const char *const shown[] = {"confidence", "marginal", "pass", "strict",
		                                    "report-dir"};

		for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++)
			if (add_default(&defaults, &ndef, c, shown[i]) < 0)
				goto oom;
		if (o.prometheus)
			for (size_t i = 0; i < 5; i++) {
				static const char *const p[] = {"range", "step", "end",
				                                "query-timeout", "query-retries"};
				if (add_default(&defaults, &ndef, c, p[i]) < 0)
					goto oom;
			}
		{
			static const char *const fixed[] = {
			    "metrics: duration_ms, rss, cpu_user_s, cpu_sys_s, fds, threads "
			    "(increase) "
			    "and every KPI (either), when no --judge-metric is given",
			    "metric direction: either (default)",
			    "metric nan: remove (default; replace puts 0 in their place)",
			    "metric group: default (default); groups without a weight share what "
			    "is "
			    "left of 100 equally",
			    "metric allowed-increase / allowed-decrease: 1.0 (default)",
			    "exact Mann-Whitney distribution: both samples under 50 values and no "
			    "ties; "
			    "else the normal approximation with tie and continuity corrections",
			    "soak directories: every record of metrics.jsonl but skipped ones"};
			char **l;

			for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
				l = realloc(defaults, (ndef + 1) * sizeof(*l));
				if (!l)
					goto oom;
				defaults = l;
				if (!(defaults[ndef] = strdup(fixed[i])))
					goto oom;
				ndef++;
			}
		}
		if (own_specs) {
			char line[256], **l;

			snprintf(line, sizeof(line), "judge-metric: %zu metrics (default)", nspecs);
			l = realloc(defaults, (ndef + 1) * sizeof(*l));
			if (!l)
				goto oom;
			defaults = l;
			if (!(defaults[ndef] = strdup(line)))
				goto oom;
			ndef++;
		}
	}
	o.defaults = defaults;
	o.ndefaults = ndef;
	if (soak_canary_judge(&o, &j, &err) < 0) {
		rc = err.code == SOAK_EXIT_USAGE ? soak_usage_error("%s", err.msg)
		                                 : soak_report_err(&err);
		goto out;
	}
	if (soak_canary_judge_write(&o, &j, &err) < 0) {
		rc = soak_report_err(&err);
		soak_canary_judgement_free(&j);
		goto out;
	}
	rc = j.score.verdict == SOAK_JUDGE_V_FAIL ||
	             (j.score.verdict == SOAK_JUDGE_V_MARGINAL && soak_conf_flag(c, "strict"))
	         ? SOAK_EXIT_FAIL
	         : SOAK_EXIT_OK;
	if (!soak_conf_flag(c, "quiet")) {
		printf("verdict: %s, score %.2f (%s)\n", soak_judge_verdict_name(j.score.verdict),
		       j.score.score, j.score.reason);
		for (size_t i = 0; i < j.n; i++)
			printf("%s: %s: %s\n", o.metrics[i].name,
			       soak_judge_class_name(j.results[i].cls), j.results[i].reason);
		printf("reports: %s\n", o.out_dir);
	}
	{
		char score[32];

		snprintf(score, sizeof(score), "%.2f", j.score.score);
		if (soak_gha_set_output("verdict", soak_judge_verdict_name(j.score.verdict), &err) <
		        0 ||
		    soak_gha_set_output("score", score, &err) < 0)
			rc = soak_report_err(&err);
		else {
			char msg[600];

			snprintf(msg, sizeof(msg), "canary %s: score %.2f (%s)",
			         soak_judge_verdict_name(j.score.verdict), j.score.score,
			         j.score.reason);
			rc = notify_outcome(c, "soak-canary judge", msg,
			                    j.score.verdict == SOAK_JUDGE_V_PASS       ? "success"
			                    : j.score.verdict == SOAK_JUDGE_V_MARGINAL ? "warning"
			                                                               : "failure",
			                    rc);
		}
	}
	soak_canary_judgement_free(&j);
	goto out;
oom:
	soak_error("out of memory");
	rc = SOAK_EXIT_ENV;
out:
	for (size_t i = 0; i < nspecs; i++) {
		if (names)
			free(names[i]);
		if (groups)
			free(groups[i]);
		if (own_specs)
			free(specs[i]);
	}
	if (own_specs)
		free(specs);
	for (size_t i = 0; i < gw->nlist && gnames; i++)
		free(gnames[i]);
	for (size_t i = 0; i < ndef; i++)
		free(defaults[i]);
	free(defaults);
	free(names);
	free(groups);
	free(queries);
	free(gnames);
	free(weights);
	free(o.metrics);
	return rc;
}

/* ---- watch ---- */

static void on_measure(void *ctx, long i, const char *phase, const char *detail)
{
	const struct soak_conf *c = ctx;

	if (!soak_conf_flag(c, "quiet")) {
		printf("measurement %ld: %s%s%s\n", i, phase, *detail ? ": " : "", detail);
		fflush(stdout);
	}
}

static int run_watch(const struct soak_conf *c)
{
	const struct soak_setting *m = soak_conf_get(c, "metric");
	const char *empty = soak_conf_str(c, "on-empty"), *record = soak_conf_str(c, "record");
	struct soak_watch_opts o = {0};
	struct soak_watch_result res;
	struct soak_err err = {0};
	char *dir;
	int rc;

	if (c->nrest)
		return soak_usage_error("unexpected argument '%s'", c->rest[0]);
	if (!opt_str(c, "prometheus"))
		return soak_usage_error("no --prometheus URL given");
	if (strcmp(empty, "inconclusive") && strcmp(empty, "evaluate"))
		return soak_usage_error("bad --on-empty '%s' (inconclusive or evaluate)", empty);
	if ((rc = plan_count(c, &o.count)))
		return rc;
	if (soak_sig_init(&err) < 0)
		return soak_report_err(&err);
	o.prom.url = soak_conf_str(c, "prometheus");
	o.prom.timeout_ms = soak_conf_ms(c, "query-timeout");
	o.prom.retries = (int)soak_conf_int(c, "query-retries");
	o.prom.backoff_ms = 500;
	o.prom.sleep_ms = soak_sig_sleep;
	o.metrics = m->list;
	o.nmetrics = m->nlist;
	o.success = opt_str(c, "success");
	o.failure = opt_str(c, "failure");
	o.interval_ms = soak_conf_ms(c, "interval");
	o.failure_limit = (long)soak_conf_int(c, "failure-limit");
	o.inconclusive_limit = (long)soak_conf_int(c, "inconclusive-limit");
	o.error_limit = (long)soak_conf_int(c, "error-limit");
	o.empty_inconclusive = !strcmp(empty, "inconclusive");
	o.record = record;
	o.hooks[SOAK_WATCH_PROMOTE] = opt_str(c, "on-promote");
	o.hooks[SOAK_WATCH_ROLLBACK] = opt_str(c, "on-rollback");
	o.hooks[SOAK_WATCH_INCONCLUSIVE] = opt_str(c, "on-inconclusive");
	o.hook_timeout_ms = soak_conf_ms(c, "hook-timeout");
	o.sleep_ms = soak_sig_sleep;
	o.on_measure = on_measure;
	o.ctx = (void *)c;
	dir = strdup(record);
	if (dir && strrchr(dir, '/')) {
		*strrchr(dir, '/') = 0;
		if (*dir && soak_mkdir_p(dir, &err) < 0) {
			free(dir);
			return soak_report_err(&err);
		}
	}
	free(dir);
	rc = soak_watch_run(&o, &res, &err);
	if (rc < 0 && !res.measurements)
		return err.code == SOAK_EXIT_USAGE ? soak_usage_error("%s", err.msg)
		                                   : soak_report_err(&err);
	if (res.interrupted) {
		soak_error("%s", res.reason);
		return soak_sig_exit_code(soak_sig_caught());
	}
	if (!soak_conf_flag(c, "quiet"))
		printf("decision: %s (%s)\nrecord: %s\n", soak_watch_decision_name(res.decision),
		       res.reason, record);
	{
		struct soak_err e2 = {0};

		if (soak_gha_set_output("decision", soak_watch_decision_name(res.decision), &e2) <
		    0)
			return soak_report_err(&e2);
	}
	if (rc < 0)
		rc = soak_report_err(&err); /* the hook failed */
	else
		rc = res.decision == SOAK_WATCH_PROMOTE ? SOAK_EXIT_OK : SOAK_EXIT_FAIL;
	{
		char msg[600];

		snprintf(msg, sizeof(msg), "canary %s: %s", soak_watch_decision_name(res.decision),
		         res.reason);
		rc = notify_outcome(c, "soak-canary watch", msg,
		                    res.decision == SOAK_WATCH_PROMOTE    ? "success"
		                    : res.decision == SOAK_WATCH_ROLLBACK ? "failure"
		                                                          : "warning",
		                    rc);
	}
	return rc;
}

int main(int argc, char **argv)
{
	const struct cmd *cmd = NULL;
	struct soak_err err = {0};
	struct soak_opt *all;
	struct soak_conf c;
	int rc;

	soak_msg_init("soak-canary");
	if (argc < 2)
		return soak_usage_error(
		    "no command given (tag, checklist, judge, watch or notify)");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return soak_finish(SOAK_EXIT_OK);
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("soak-canary %s\n", SOAK_VERSION);
		return soak_finish(SOAK_EXIT_OK);
	}
	for (size_t i = 0; i < NCMDS; i++)
		if (!strcmp(argv[1], cmds[i].name))
			cmd = &cmds[i];
	if (!cmd)
		return soak_usage_error("unknown command '%s' (tag, checklist, judge, watch or "
		                        "notify)",
		                        argv[1]);
	if (!(all = union_opts())) {
		soak_error("out of memory");
		return SOAK_EXIT_ENV;
	}
	if (soak_conf_parse(&c, "soak-canary", all, argc - 1, argv + 1, 0, &err)) {
		free(all);
		return err.code == SOAK_EXIT_USAGE ? soak_usage_error("%s", err.msg)
		                                   : soak_report_err(&err);
	}
	rc = -1;
	for (size_t i = 0; i < c.nopts && rc < 0; i++)
		if (c.v[i].src == SOAK_SRC_FLAG && !has_opt(cmd->opts, c.v[i].opt->name))
			rc = soak_usage_error("'--%s' is not an option of '%s'", c.v[i].opt->name,
			                      cmd->name);
	if (rc < 0) {
		if (soak_conf_flag(&c, "help")) {
			struct soak_buf h;

			soak_buf_init(&h, 64 * 1024);
			soak_conf_help(cmd->opts, &h);
			printf("usage: %s\n\n%s\noptions:\n%s", cmd->synopsis, cmd->about,
			       soak_buf_str(&h));
			soak_buf_free(&h);
			rc = SOAK_EXIT_OK;
		} else if (soak_conf_flag(&c, "version")) {
			rc = printf("soak-canary %s\n", SOAK_VERSION) < 0 ? SOAK_EXIT_ENV
			                                                  : SOAK_EXIT_OK;
		} else {
			rc = cmd->run(&c);
		}
	}
	soak_conf_free(&c);
	free(all);
	return soak_finish(rc);
}
