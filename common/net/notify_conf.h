/*
 * Notifications as settings of a program: the --notify options of its option
 * table, their targets parsed before any work starts, the outcomes that call for
 * a message (--notify-on), one message sent to every target within a bounded
 * time, and the masked URLs for run.json. Sending is notify.h's; nothing here
 * prints: the caller prints the ::add-mask:: lines and each target's outcome.
 */
#ifndef SOAK_NOTIFY_CONF_H
#define SOAK_NOTIFY_CONF_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "buf.h"
#include "conf.h"
#include "err.h"
#include "notify.h"

/*
 * The settings, for an option table; ON is the default of --notify-on and ON_HELP
 * its help line. Names and defaults are soak-canary's (notify, notify-timeout,
 * notify-retries, notify-backoff, telegram-api, slack-api, discord-api), plus
 * notify-on. A program whose exit code may change adds "notify-required" itself.
 * soak-canary notify, which sends whatever it is told to, takes
 * SOAK_NOTIFY_URL_OPTION and SOAK_NOTIFY_SEND_OPTIONS without notify-on.
 */
// clang-format off
#define SOAK_NOTIFY_URL_OPTION \
	{"notify", 0, SOAK_OPT_LIST, "URL", NULL, \
		"notification target (repeatable); secret", SOAK_OPT_SECRET, 0, 0}
#define SOAK_NOTIFY_SEND_OPTIONS \
	{"notify-timeout", 0, SOAK_OPT_DURATION, "DURATION", "10s", \
		"per notification attempt", 0, 0, 0}, \
	{"notify-retries", 0, SOAK_OPT_INT, "N", "3", \
		"retries of a notification", 0, 0, 10}, \
	{"notify-backoff", 0, SOAK_OPT_DURATION, "DURATION", "1s", \
		"first wait before a retry (doubles, 20% jitter)", 0, 0, 0}, \
	{"telegram-api", 0, SOAK_OPT_STRING, "URL", "https://api.telegram.org", \
		"Telegram Bot API base", 0, 0, 0}, \
	{"slack-api", 0, SOAK_OPT_STRING, "URL", "https://hooks.slack.com", \
		"Slack webhook base", 0, 0, 0}, \
	{"discord-api", 0, SOAK_OPT_STRING, "URL", "https://discord.com", \
		"Discord webhook base", 0, 0, 0}
#define SOAK_NOTIFY_CONF_OPTIONS(ON, ON_HELP) \
	SOAK_NOTIFY_URL_OPTION, \
	{"notify-on", 0, SOAK_OPT_STRING, "LIST", ON, ON_HELP, 0, 0, 0}, \
	SOAK_NOTIFY_SEND_OPTIONS
// clang-format on

struct soak_notify_conf {
	struct soak_notify_target *t; /* one per --notify URL, in order */
	size_t n;
	struct soak_notify_opts o; /* from the settings; deadline_ms set when sending */
	const char *const *events; /* the outcomes the program names, NULL-terminated */
	unsigned on;               /* bit i: events[i] calls for a message */
	int required;              /* --notify-required (0 when the program has no such option) */
};

/*
 * Parse --notify-on LIST: outcome names of events (a NULL-terminated list of at
 * most 16), comma-separated, or "always" for all of them. SOAK_EXIT_USAGE naming
 * the unknown name and what is allowed; from says where the value came from.
 */
int soak_notify_conf_parse_on(const char *list, const char *const *events, const char *from,
                              unsigned *on, struct soak_err *err);

/*
 * Read the settings of c (the options of SOAK_NOTIFY_CONF_OPTIONS must be in its
 * table) and parse every --notify URL. Under GitHub Actions, an ::add-mask:: line
 * per secret is appended to mask, for the caller to print before anything else.
 * SOAK_EXIT_USAGE for a bad URL (named by its shown form) or a bad --notify-on.
 * On error nc holds nothing; soak_notify_conf_free is safe either way.
 */
int soak_notify_conf_init(struct soak_notify_conf *nc, const struct soak_conf *c,
                          const char *const *events, struct soak_buf *mask, struct soak_err *err);
void soak_notify_conf_free(struct soak_notify_conf *nc);

/* 1 when there are targets and event is one --notify-on names. */
int soak_notify_conf_wants(const struct soak_notify_conf *nc, const char *event);

/*
 * In config (soak_conf_to_json's object), replace the value of "notify" (which
 * reads "***") with the targets' shown URLs, secrets masked. -1: out of memory.
 */
int soak_notify_conf_record(const struct soak_notify_conf *nc, cJSON *config);

/* Told about each target once it has been tried: err is NULL when it was sent. */
typedef void soak_notify_conf_done_fn(void *ctx, const struct soak_notify_target *t,
                                      const struct soak_notify_result *res,
                                      const struct soak_err *err);

/*
 * Send title and message (kind as soak_notify_send's) to every target, in
 * order, all of them together within (retries + 1) x notify-timeout; after a
 * caught SIGINT/SIGTERM (sig.h) within one notify-timeout, one attempt each.
 * done (may be NULL) hears about each. Returns the number of targets that failed.
 */
size_t soak_notify_conf_send(struct soak_notify_conf *nc, const char *title, const char *message,
                             const char *kind, soak_notify_conf_done_fn *done, void *ctx);

#endif
