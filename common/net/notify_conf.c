#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "exitcode.h"
#include "gha.h"
#include "notify_conf.h"
#include "sig.h"
#include "banned.h"

#define EVENTS_MAX 16

int soak_notify_conf_parse_on(const char *list, const char *const *events, const char *from,
                              unsigned *on, struct soak_err *err)
{
	const char *p = list;

	*on = 0;
	for (;;) {
		size_t len = strcspn(p, ","), i;

		while (len && p[0] == ' ')
			p++, len--;
		while (len && p[len - 1] == ' ')
			len--;
		for (i = 0; i < EVENTS_MAX && events[i]; i++)
			if (strlen(events[i]) == len && !strncmp(p, events[i], len))
				break;
		if (i < EVENTS_MAX && events[i]) {
			*on |= 1u << i;
		} else if (len == 6 && !strncmp(p, "always", 6)) {
			for (i = 0; i < EVENTS_MAX && events[i]; i++)
				*on |= 1u << i;
		} else {
			struct soak_buf allowed;

			soak_buf_init(&allowed, 1024);
			for (i = 0; i < EVENTS_MAX && events[i]; i++)
				soak_buf_addf(&allowed, "%s, ", events[i]);
			soak_err_set(err, SOAK_EXIT_USAGE,
			             "invalid value '%s' for 'notify-on' (from %s): %s%.*s%s "
			             "(a comma-separated list of %salways)",
			             list, from, len ? "unknown outcome '" : "an empty item",
			             (int)len, p, len ? "'" : "", soak_buf_str(&allowed));
			soak_buf_free(&allowed);
			*on = 0;
			return -1;
		}
		p += strcspn(p, ",");
		if (!*p)
			return 0;
		p++;
	}
}

/* Where a setting came from, as bad_value in conf.c names it. */
static void setting_from(const struct soak_conf *c, const char *name, char *buf, size_t n)
{
	const struct soak_setting *s = soak_conf_get(c, name);
	size_t i;

	switch (s ? s->src : SOAK_SRC_NONE) {
	case SOAK_SRC_FLAG:
		snprintf(buf, n, "--%s", name);
		return;
	case SOAK_SRC_ENV:
		snprintf(buf, n, "SOAK_");
		for (i = 5; *name && i + 1 < n; name++, i++)
			buf[i] = *name == '-' ? '_' : (char)toupper((unsigned char)*name);
		buf[i] = 0;
		return;
	case SOAK_SRC_CONFIG:
		snprintf(buf, n, "config '%s'", c->config_path ? c->config_path : "?");
		return;
	case SOAK_SRC_REPLAY:
	case SOAK_SRC_DEFAULT:
	case SOAK_SRC_NONE:
		break;
	}
	snprintf(buf, n, "%s", soak_src_name(s ? s->src : SOAK_SRC_NONE));
}

static const char *str_or_null(const struct soak_conf *c, const char *name)
{
	return soak_conf_is_set(c, name) ? soak_conf_str(c, name) : NULL;
}

int soak_notify_conf_init(struct soak_notify_conf *nc, const struct soak_conf *c,
                          const char *const *events, struct soak_buf *mask, struct soak_err *err)
{
	const struct soak_setting *urls = soak_conf_get(c, "notify");
	char from[1100];

	memset(nc, 0, sizeof(*nc));
	nc->events = events;
	nc->required = soak_conf_flag(c, "notify-required");
	nc->o.telegram_api = str_or_null(c, "telegram-api");
	nc->o.slack_api = str_or_null(c, "slack-api");
	nc->o.discord_api = str_or_null(c, "discord-api");
	nc->o.timeout_ms = soak_conf_ms(c, "notify-timeout");
	nc->o.connect_timeout_ms = nc->o.timeout_ms;
	nc->o.retries = (int)soak_conf_int(c, "notify-retries");
	nc->o.backoff_ms = soak_conf_ms(c, "notify-backoff");
	nc->o.max_backoff_ms = 60000;
	nc->o.jitter = 0.2;
	nc->o.sleep_ms = soak_sig_sleep;
	setting_from(c, "notify-on", from, sizeof(from));
	if (soak_notify_conf_parse_on(soak_conf_str(c, "notify-on"), events, from, &nc->on, err) <
	    0)
		return -1;
	if (!urls || !urls->nlist)
		return 0;
	nc->t = calloc(urls->nlist, sizeof(*nc->t));
	if (!nc->t)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	for (size_t i = 0; i < urls->nlist; i++) {
		if (soak_notify_parse(urls->list[i], &nc->o, &nc->t[i], err) < 0) {
			soak_notify_conf_free(nc);
			return -1;
		}
		nc->n++;
		for (size_t k = 0; soak_gha_active() && k < nc->t[i].nsecrets; k++)
			if (soak_gha_add_mask(mask, nc->t[i].secrets[k]) < 0) {
				soak_notify_conf_free(nc);
				return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
			}
	}
	return 0;
}

void soak_notify_conf_free(struct soak_notify_conf *nc)
{
	for (size_t i = 0; i < nc->n; i++)
		soak_notify_target_free(&nc->t[i]);
	free(nc->t);
	nc->t = NULL;
	nc->n = 0;
}

int soak_notify_conf_wants(const struct soak_notify_conf *nc, const char *event)
{
	if (!nc->n)
		return 0;
	for (size_t i = 0; i < EVENTS_MAX && nc->events[i]; i++)
		if (!strcmp(nc->events[i], event))
			return (nc->on >> i) & 1;
	return 0;
}

int soak_notify_conf_record(const struct soak_notify_conf *nc, cJSON *config)
{
	cJSON *e = cJSON_GetObjectItemCaseSensitive(config, "notify"), *shown;

	if (!cJSON_IsObject(e))
		return 0;
	shown = cJSON_CreateArray();
	for (size_t i = 0; shown && i < nc->n; i++) {
		cJSON *s = cJSON_CreateString(nc->t[i].shown);

		if (!s || !cJSON_AddItemToArray(shown, s)) {
			cJSON_Delete(s);
			cJSON_Delete(shown);
			return -1;
		}
	}
	if (!shown || !cJSON_ReplaceItemInObjectCaseSensitive(e, "value", shown)) {
		cJSON_Delete(shown);
		return -1;
	}
	return 0;
}

size_t soak_notify_conf_send(struct soak_notify_conf *nc, const char *title, const char *message,
                             const char *kind, soak_notify_conf_done_fn *done, void *ctx)
{
	int64_t per = nc->o.timeout_ms;
	size_t failed = 0;

	nc->o.deadline_ms = 0;
	if (per > 0)
		nc->o.deadline_ms =
		    soak_mono_ms() + (soak_sig_caught() ? per : per * (nc->o.retries + 1));
	for (size_t i = 0; i < nc->n; i++) {
		struct soak_notify_result res;
		struct soak_err err = {0};

		if (soak_notify_send(&nc->t[i], &nc->o, title, message, kind, &res, &err) < 0) {
			failed++;
			if (done)
				done(ctx, &nc->t[i], &res, &err);
		} else if (done) {
			done(ctx, &nc->t[i], &res, NULL);
		}
	}
	return failed;
}
