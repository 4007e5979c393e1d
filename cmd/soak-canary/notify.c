/*
 * soak-canary notify, and the notifications of checklist, judge and watch:
 * the --notify flags to common/notify.c, masking, messages and exit codes, and
 * --notify-on, which outcomes are worth a message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canary_cmd.h"
#include "file.h"
#include "gha.h"
#include "sig.h"
#include "banned.h"

/* soak_error or soak_warning */
typedef void say_fn(const char *fmt, ...) SOAK_PRINTF(1, 2);

static void opts_of(const struct soak_conf *c, struct soak_notify_opts *o)
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

void canary_notify_free(struct soak_notify_target *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		soak_notify_target_free(&t[i]);
	free(t);
}

int canary_notify_targets(const struct soak_conf *c, struct soak_notify_target **out, size_t *n)
{
	const struct soak_setting *s = soak_conf_get(c, "notify");
	struct soak_notify_opts o;
	struct soak_buf mask;
	struct soak_err err = {0};

	*out = NULL;
	*n = 0;
	if (!s->nlist)
		return 0;
	opts_of(c, &o);
	*out = calloc(s->nlist, sizeof(**out));
	if (!*out) {
		soak_error("out of memory");
		return SOAK_EXIT_ENV;
	}
	soak_buf_init(&mask, 1024 * 1024);
	for (size_t i = 0; i < s->nlist; i++) {
		if (soak_notify_parse(s->list[i], &o, &(*out)[i], &err) < 0) {
			soak_buf_free(&mask);
			canary_notify_free(*out, *n);
			*out = NULL;
			*n = 0;
			return canary_fail(&err);
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

/* Send to every target; 0, or SOAK_EXIT_ENV when one failed and required (a
 * warning otherwise). */
static int send_all(const struct soak_conf *c, struct soak_notify_target *t, size_t n,
                    const char *title, const char *msg, const char *kind, int required)
{
	say_fn *say = required ? soak_error : soak_warning;
	struct soak_notify_opts o;
	int rc = 0;

	opts_of(c, &o);
	for (size_t i = 0; i < n; i++) {
		struct soak_notify_result res;
		struct soak_err err = {0};

		if (soak_notify_send(&t[i], &o, title, msg, kind, &res, &err) < 0) {
			say("notification to '%s' failed after %d attempt%s: %s", t[i].shown,
			    res.attempts, res.attempts == 1 ? "" : "s", err.msg);
			if (required)
				rc = SOAK_EXIT_ENV;
			continue;
		}
		if (!soak_conf_flag(c, "quiet"))
			printf("notified: %s (%d attempt%s%s)\n", t[i].shown, res.attempts,
			       res.attempts == 1 ? "" : "s",
			       res.truncated ? ", message shortened" : "");
	}
	return rc;
}

int canary_notify_outcome(const struct soak_conf *c, const char *title, const char *msg,
                          const char *kind, int rc)
{
	struct soak_notify_target *t;
	size_t n;
	int r = canary_notify_targets(c, &t, &n);

	if (!r && n)
		r = send_all(c, t, n, title, msg, kind, soak_conf_flag(c, "notify-required"));
	canary_notify_free(t, n);
	return r ? r : rc;
}

/* POST the health document (a file, or DIR/health.json) as is to every target. */
static int post_health(const struct soak_conf *c, struct soak_notify_target *t, size_t n,
                       const char *health)
{
	struct soak_notify_opts o;
	struct soak_buf body;
	struct soak_err err = {0};
	char *path = NULL;
	int rc = 0;

	opts_of(c, &o);
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

		if (soak_notify_post_json(&t[i], &o, soak_buf_str(&body), body.len, &res, &err) <
		    0) {
			rc = canary_fail(&err);
			break;
		}
		if (!soak_conf_flag(c, "quiet"))
			printf("health posted: %s (%d attempt%s)\n", t[i].shown, res.attempts,
			       res.attempts == 1 ? "" : "s");
	}
	free(path);
	soak_buf_free(&body);
	return rc;
}

static int is_outcome(const char *s, size_t n)
{
	static const char *const outcomes[] = {"fail", "warn", "pass", "cancelled"};

	for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++)
		if (strlen(outcomes[i]) == n && !strncmp(s, outcomes[i], n))
			return 1;
	return 0;
}

/*
 * --notify-on LIST and --outcome: 1 to send, 0 to skip (said on stdout), or the
 * exit code of a usage error. Without --notify-on everything is sent.
 */
static int notify_wanted(const struct soak_conf *c, int *code)
{
	const char *on = canary_opt(c, "notify-on"), *outcome = canary_opt(c, "outcome");
	int found = 0;

	*code = 0;
	if (outcome && !is_outcome(outcome, strlen(outcome))) {
		*code =
		    soak_usage_error("bad --outcome '%s' (fail, warn, pass or cancelled)", outcome);
		return 0;
	}
	if (!on)
		return 1;
	for (const char *p = on; *p;) {
		size_t n;
		while (*p == ' ' || *p == ',')
			p++;
		n = strcspn(p, ", ");
		if (n && !is_outcome(p, n)) {
			*code = soak_usage_error("bad --notify-on '%s': '%.*s' is not fail, warn, "
			                         "pass or cancelled",
			                         on, (int)n, p);
			return 0;
		}
		if (n && outcome && strlen(outcome) == n && !strncmp(p, outcome, n))
			found = 1;
		p += n;
	}
	if (!outcome) {
		*code = soak_usage_error("--notify-on needs --outcome (fail, warn, pass or "
		                         "cancelled)");
		return 0;
	}
	if (!found && !soak_conf_flag(c, "quiet"))
		printf("not notified: outcome '%s' is not in --notify-on '%s'\n", outcome, on);
	return found;
}

int canary_notify_run(const struct soak_conf *c)
{
	struct soak_notify_target *t;
	const char *health = canary_opt(c, "health"), *type = soak_conf_str(c, "type");
	size_t n;
	int rc;

	if (!soak_conf_get(c, "notify")->nlist)
		return soak_usage_error("no --notify URL given");
	if (!health && !canary_opt(c, "message"))
		return soak_usage_error("no --message given (or --health FILE)");
	if (strcmp(type, "info") && strcmp(type, "success") && strcmp(type, "warning") &&
	    strcmp(type, "failure"))
		return soak_usage_error("bad --type '%s' (info, success, warning or failure)",
		                        type);
	if ((rc = canary_notify_targets(c, &t, &n)))
		return rc;
	if (!notify_wanted(c, &rc)) {
		canary_notify_free(t, n);
		return rc;
	}
	if (health)
		rc = post_health(c, t, n, health);
	else
		rc = send_all(c, t, n, soak_conf_str(c, "title"), soak_conf_str(c, "message"), type,
		              1);
	canary_notify_free(t, n);
	return rc;
}
