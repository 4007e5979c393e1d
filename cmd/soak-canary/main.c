/*
 * soak-canary: the release tag, the canary checklist, the canary judgement,
 * the Prometheus watch and notifications. Subcommands share the config section
 * "canary": the parse uses the union of the tables, then refuses a flag that
 * is not the subcommand's own. Each subcommand's driver is in its own file
 * (canary_cmd.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canary_cmd.h"
#include "conf.h"
#include "exitcode.h"
#include "msg.h"
#include "notify_conf.h"
#include "subcmd.h"
#include "os.h"
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

/* name, short, type, argument, default, help, flags, min, max */
// clang-format off

/* Every subcommand's last options, and the table's end. */
#define COMMON_OPTS \
	SOAK_NOTIFY_URL_OPTION, \
	{"notify-required", 0, SOAK_OPT_FLAG, NULL, NULL, \
		"a failed notification exits 4 (else a warning)", 0, 0, 0}, \
	SOAK_NOTIFY_SEND_OPTIONS, \
	{"config", 'c', SOAK_OPT_STRING, "FILE", NULL, \
		"JSON config file (section \"canary\")", SOAK_OPT_CLI_ONLY, 0, 0}, \
	{"quiet", 'q', SOAK_OPT_FLAG, NULL, NULL, "no summary on stdout", 0, 0, 0}, \
	SOAK_OPT_HELP_VERSION_END

/* The canary's watch: measured by watch, described by checklist. */
#define PLAN_OPTS \
	{"interval", 'i', SOAK_OPT_DURATION, "DURATION", "5m", \
		"time between measurements", 0, 0, 0}, \
	{"duration", 0, SOAK_OPT_DURATION, "DURATION", "24h", \
		"how long the canary runs (count = duration / interval)", 0, 0, 0}, \
	{"count", 'n', SOAK_OPT_INT, "N", NULL, \
		"measurements (default: duration / interval)", 0, 1, 1000000}, \
	{"failure-limit", 0, SOAK_OPT_INT, "N", "0", \
		"rollback after more failures than N", 0, 0, 1000000}, \
	{"inconclusive-limit", 0, SOAK_OPT_INT, "N", "0", \
		"stop after more inconclusive measurements than N", 0, 0, 1000000}, \
	{"error-limit", 0, SOAK_OPT_INT, "N", "4", \
		"rollback after more consecutive errors than N", 0, 0, 1000000}, \
	{"prometheus", 'p', SOAK_OPT_STRING, "URL", NULL, "Prometheus base URL", 0, 0, 0}, \
	{"metric", 'm', SOAK_OPT_LIST, "NAME=QUERY", NULL, "a PromQL query (repeatable)", 0, 0, 0}, \
	{"success", 0, SOAK_OPT_STRING, "EXPR", NULL, \
		"condition of a successful measurement", 0, 0, 0}, \
	{"failure", 0, SOAK_OPT_STRING, "EXPR", NULL, "condition of a failed measurement", 0, 0, 0}, \
	{"on-rollback", 0, SOAK_OPT_STRING, "CMD", NULL, "shell command run on rollback", 0, 0, 0}, \
	{"on-promote", 0, SOAK_OPT_STRING, "CMD", NULL, "shell command run on promote", 0, 0, 0}, \
	{"marginal", 0, SOAK_OPT_DOUBLE, "SCORE", "75", "judge: MARGINAL from this score", 0, 0, 100}, \
	{"pass", 0, SOAK_OPT_DOUBLE, "SCORE", "95", "judge: PASS from this score", 0, 0, 100}

/* Prometheus queries of judge and watch. */
#define QUERY_OPTS \
	{"query-timeout", 0, SOAK_OPT_DURATION, "DURATION", "30s", "per query attempt", 0, 0, 0}, \
	{"query-retries", 0, SOAK_OPT_INT, "N", "3", "retries of a query", 0, 0, 10}

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
	QUERY_OPTS,
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
	QUERY_OPTS,
	COMMON_OPTS,
};

static const struct soak_opt notify_opts[] = {
	{"message", 0, SOAK_OPT_STRING, "TEXT", NULL, "the message", 0, 0, 0},
	{"title", 0, SOAK_OPT_STRING, "TEXT", "soak-canary", "the title", 0, 0, 0},
	{"type", 0, SOAK_OPT_STRING, "KIND", "info", "info, success, warning or failure", 0, 0, 0},
	{"health", 0, SOAK_OPT_STRING, "FILE", NULL,
		"POST this health.json (or DIR/health.json) as is instead of a message", 0, 0, 0},
	{"notify-on", 0, SOAK_OPT_STRING, "LIST", NULL,
		"send only when --outcome is one of these (comma list: fail, warn, pass, cancelled)",
		0, 0, 0},
	{"outcome", 0, SOAK_OPT_STRING, "OUTCOME", NULL,
		"what happened, for --notify-on: fail, warn, pass or cancelled", 0, 0, 0},
	COMMON_OPTS,
};
// clang-format on

static const struct soak_subcmd cmds[] = {
    {"tag", "soak-canary tag --bundle DIR --tag NAME [--dry-run] [--push REMOTE]",
     "Create an annotated tag (git tag -a --cleanup=verbatim) whose message carries the\n"
     "soak's verdict, gates and key statistics, with the trailers Soak-Run-Id and\n"
     "Soak-Verdict. An existing tag is never moved (exit 2).\n",
     tag_opts, canary_tag_run, 0},
    {"checklist", "soak-canary checklist --bundle DIR [options]",
     "Write CANARY_CHECKLIST.md: monitoring targets from the gates and KPIs, rollback\n"
     "triggers, interval, duration and steps, from the bundle and the configuration.\n"
     "Written into the bundle, it is sealed in MANIFEST.json and SHA256SUMS and the\n"
     "archive beside it rewritten; a bundle that does not verify is refused (exit 1).\n",
     checklist_opts, canary_checklist_run, 0},
    {"judge", "soak-canary judge --baseline A --canary B [options]",
     "Compare the canary's samples with the baseline's, metric by metric (Mann-Whitney U,\n"
     "Hodges-Lehmann shift with a confidence interval, mean ratio), and score 0-100.\n"
     "Exit 0 PASS or MARGINAL (1 with --strict), 1 FAIL.\n",
     judge_opts, canary_judge_run, 0},
    {"watch", "soak-canary watch --prometheus URL --metric NAME=QUERY --success EXPR [options]",
     "Query Prometheus every --interval, --count times; classify each measurement;\n"
     "decide promote (exit 0), rollback or inconclusive (exit 1), and run the hook.\n",
     watch_opts, canary_watch_run, 0},
    {"notify", "soak-canary notify --notify URL --message TEXT",
     "Send a message (or --health FILE as is) to each --notify URL; with --notify-on, only\n"
     "for those outcomes. Exit 4 when one fails.\n",
     notify_opts, canary_notify_run, 0},
};

int main(int argc, char **argv)
{
	static const struct soak_subcmds prog = {"soak-canary", usage,
	                                         "tag, checklist, judge, watch or notify", cmds,
	                                         sizeof(cmds) / sizeof(cmds[0])};

	soak_os_main_init(&argc, &argv);
	return soak_subcmd_main(&prog, argc, argv);
}
