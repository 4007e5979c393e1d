/*
 * Notifications, Apprise-style: one URL per target.
 *   json://HOST[:PORT]/PATH, jsons://...   generic webhook: POST
 *       {"version":"1.0","title":T,"message":M,"type":KIND} to http(s)://HOST/PATH
 *       (user:password@ in the URL becomes basic authentication)
 *   slack://TOKEN_A/TOKEN_B/TOKEN_C        POST {"text": ...} to API/services/A/B/C
 *       (API: https://hooks.slack.com); also any https://hooks.slack.com/... URL
 *   discord://WEBHOOK_ID/WEBHOOK_TOKEN     POST {"content": ...} to API/api/webhooks/ID/TOKEN
 *       (API: https://discord.com)
 *   tgram://BOT_TOKEN/CHAT_ID[/CHAT_ID...] POST {"chat_id": C, "text": ...} to
 *       API/botTOKEN/sendMessage for each chat (API: https://api.telegram.org)
 *   http://..., https://...                the generic JSON body, POSTed as is
 * The API bases can be pointed elsewhere (a proxy, a local server for tests).
 * Messages are cut to each service's limit (Slack 40000, Discord 2000, Telegram
 * 4096 characters, the generic webhook 65536 bytes) at a UTF-8 boundary, with
 * a final "…". Every token, password and webhook path is a secret: shown URLs
 * replace them with "****", and soak_notify_secrets lists them for ::add-mask::.
 * Sending retries network errors, 408, 429 and 5xx with a doubling backoff and
 * jitter, honouring Retry-After and Telegram's parameters.retry_after; any other
 * 4xx is final.
 */
#ifndef SOAK_NOTIFY_H
#define SOAK_NOTIFY_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"

enum soak_notify_kind {
	SOAK_NOTIFY_JSON,
	SOAK_NOTIFY_SLACK,
	SOAK_NOTIFY_DISCORD,
	SOAK_NOTIFY_TELEGRAM
};

struct soak_notify_target {
	enum soak_notify_kind kind;
	char *shown;  /* the URL with its secrets replaced by "****" */
	char **posts; /* the URLs to POST to (one per Telegram chat) */
	char **chats; /* Telegram chat ids, parallel to posts */
	char **shown_posts;
	size_t nposts;
	char *userpwd;  /* basic authentication "user:password", or NULL */
	char **secrets; /* every secret part, for masking */
	size_t nsecrets;
};

struct soak_notify_opts {
	const char *slack_api, *discord_api, *telegram_api; /* NULL: the services' own */
	int64_t connect_timeout_ms, timeout_ms;             /* per attempt */
	int retries;
	int64_t backoff_ms, max_backoff_ms;
	double jitter;
	int (*sleep_ms)(int64_t ms); /* interruptible sleep, or NULL */
	int64_t deadline_ms; /* soak_mono_ms() time bounding every attempt and wait; 0: none */
};

/* Parse a target URL. SOAK_EXIT_USAGE naming the shown URL when malformed. */
int soak_notify_parse(const char *url, const struct soak_notify_opts *o,
                      struct soak_notify_target *t, struct soak_err *err);
void soak_notify_target_free(struct soak_notify_target *t);

struct soak_notify_result {
	int attempts;  /* over all posts */
	long status;   /* the last HTTP status, 0 when none */
	int truncated; /* the message was cut to the service's limit */
};

/*
 * Send title and message (UTF-8) to the target. kind is "info", "success",
 * "warning" or "failure" (the generic webhook's "type"; others prefix an emoji-free
 * "[FAILURE]" tag). -1 with SOAK_EXIT_ENV naming the shown URL on failure.
 */
int soak_notify_send(const struct soak_notify_target *t, const struct soak_notify_opts *o,
                     const char *title, const char *message, const char *kind,
                     struct soak_notify_result *res, struct soak_err *err);

/*
 * POST a JSON document as is (e.g. health.json) to an http(s):// or json(s)://
 * target, with the same retries. SOAK_EXIT_USAGE for another kind of target.
 */
int soak_notify_post_json(const struct soak_notify_target *t, const struct soak_notify_opts *o,
                          const char *json, size_t len, struct soak_notify_result *res,
                          struct soak_err *err);

/* The limit (in characters) a target kind puts on a message. */
size_t soak_notify_limit(enum soak_notify_kind kind);

/* Cut s to at most max characters (code points) at a UTF-8 boundary, ending in "…"
 * when cut; returns a new string (NULL: out of memory); *cut set when it was cut. */
char *soak_notify_truncate(const char *s, size_t max, int *cut);

#endif
