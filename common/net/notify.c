#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "exitcode.h"
#include "http.h"
#include "notify.h"
#include "url.h"
#include "str.h"
#include "banned.h"

#define SLACK_API "https://hooks.slack.com"
#define DISCORD_API "https://discord.com"
#define TELEGRAM_API "https://api.telegram.org"
#define MASK "****"

size_t soak_notify_limit(enum soak_notify_kind kind)
{
	switch (kind) {
	case SOAK_NOTIFY_SLACK:
		return 40000;
	case SOAK_NOTIFY_DISCORD:
		return 2000;
	case SOAK_NOTIFY_TELEGRAM:
		return 4096;
	case SOAK_NOTIFY_JSON:
		break;
	}
	return 65536;
}

char *soak_notify_truncate(const char *s, size_t max, int *cut)
{
	size_t chars = 0, i, keep = 0;

	*cut = 0;
	for (i = 0; s[i]; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			/* s[i] starts character number chars (0-based) */
			if (chars == (max ? max - 1 : 0))
				keep = i;
			chars++;
		}
	if (chars <= max)
		return strdup(s);
	*cut = 1;
	{
		char *out = malloc(keep + 4);

		if (!out)
			return NULL;
		memcpy(out, s, keep);
		memcpy(out + keep, "\xE2\x80\xA6", 4); /* "…" and the NUL */
		return out;
	}
}

static int add_str(char ***list, size_t *n, const char *s, size_t len)
{
	char **l = realloc(*list, (*n + 1) * sizeof(*l));

	if (!l)
		return -1;
	*list = l;
	l[*n] = soak_strndup(s, len);
	if (!l[*n])
		return -1;
	(*n)++;
	return 0;
}

void soak_notify_target_free(struct soak_notify_target *t)
{
	for (size_t i = 0; i < t->nposts; i++) {
		free(t->posts[i]);
		free(t->chats[i]);
		free(t->shown_posts[i]);
	}
	for (size_t i = 0; i < t->nsecrets; i++)
		free(t->secrets[i]);
	free(t->posts);
	free(t->chats);
	free(t->shown_posts);
	free(t->secrets);
	free(t->shown);
	free(t->userpwd);
	memset(t, 0, sizeof(*t));
}

static int bad(struct soak_err *err, const char *shown, const char *why)
{
	return soak_err_set(err, SOAK_EXIT_USAGE, "bad notification URL '%s': %s", shown, why);
}

/* Split "a/b/c" (after the scheme) into parts; empty parts are dropped. */
static int split(const char *s, char ***parts, size_t *n)
{
	while (*s) {
		size_t len = strcspn(s, "/");

		if (len && add_str(parts, n, s, len) < 0)
			return -1;
		s += len;
		if (*s == '/')
			s++;
	}
	return 0;
}

static void free_parts(char **p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(p[i]);
	free(p);
}

static char *join(const char *a, const char *b, const char *c, const char *d)
{
	struct soak_buf x;

	soak_buf_init(&x, 16384);
	if (soak_buf_adds(&x, a) < 0 || soak_buf_adds(&x, b) < 0 ||
	    soak_buf_adds(&x, c ? c : "") < 0 || soak_buf_adds(&x, d ? d : "") < 0) {
		soak_buf_free(&x);
		return NULL;
	}
	return soak_buf_detach(&x, NULL);
}

static int add_post(struct soak_notify_target *t, char *url, char *shown, const char *chat)
{
	if (!url || !shown)
		goto fail;
	if (add_str(&t->posts, &t->nposts, url, strlen(url)) < 0)
		goto fail;
	t->nposts--;
	if (add_str(&t->shown_posts, &t->nposts, shown, strlen(shown)) < 0)
		goto fail;
	t->nposts--;
	if (add_str(&t->chats, &t->nposts, chat ? chat : "", chat ? strlen(chat) : 0) < 0)
		goto fail;
	free(url);
	free(shown);
	return 0;
fail:
	free(url);
	free(shown);
	return -1;
}

static const char *base(const char *api, const char *def)
{
	return api && *api ? api : def;
}

/*
 * Append host..end to shown as it is, and the path and query after end with
 * every piece (between / ? & = # ;) of SECRET_PIECE or more characters, and
 * every query value of a secret name (url.h), as MASK and listed among t's secrets: webhooks carry
 * tokens there, and names such as "hook" or "v1" stay readable. -1: out of memory.
 */
#define SECRET_PIECE 16
static int show_masked(struct soak_buf *shown, struct soak_notify_target *t, const char *host,
                       const char *end)
{
	const char *p = end;
	int query = 0, secret_value = 0;

	if (soak_buf_add(shown, host, (size_t)(end - host)) < 0)
		return -1;
	while (*p) {
		size_t n = strcspn(p, "/?&=#;");
		int rc, secret = n >= SECRET_PIECE || (secret_value && n);

		secret_value = query && p[n] == '=' && soak_url_secret_name(p, n);
		if (p[n] == '?')
			query = 1;
		else if (p[n] == '#')
			query = 0;
		if (secret) {
			if (add_str(&t->secrets, &t->nsecrets, p, n) < 0)
				return -1;
			rc = soak_buf_adds(shown, MASK);
		} else {
			rc = soak_buf_add(shown, p, n);
		}
		p += n;
		if (rc < 0 || (*p && soak_buf_add(shown, p++, 1) < 0))
			return -1;
	}
	return 0;
}

/* json(s)://, http(s)://: [user[:password]@]host[:port][/path] */
static int parse_web(const char *url, const char *scheme_out, const char *rest,
                     struct soak_notify_target *t, struct soak_err *err)
{
	const char *host = rest, *at = soak_url_userinfo(url, NULL), *slash;
	struct soak_buf shown, hp; /* hp: host and path, tokens masked */
	int rc = -1;

	soak_buf_init(&hp, 16384);
	slash = (at ? at + 1 : host) + strcspn(at ? at + 1 : host, "/?#");
	soak_buf_init(&shown, 16384);
	if (at) {
		const char *colon = memchr(host, ':', (size_t)(at - host));

		t->userpwd = soak_strndup(host, (size_t)(at - host));
		if (!t->userpwd)
			goto oom;
		if (colon) {
			if (add_str(&t->secrets, &t->nsecrets, colon + 1,
			            (size_t)(at - colon - 1)) < 0)
				goto oom;
			soak_buf_addf(&shown, "%.*s%.*s:" MASK "@", (int)(rest - url), url,
			              (int)(colon - host), host);
		} else {
			soak_buf_addf(&shown, "%.*s%.*s@", (int)(rest - url), url, (int)(at - host),
			              host);
		}
		host = at + 1;
	} else {
		soak_buf_addf(&shown, "%.*s", (int)(rest - url), url);
	}
	if (host == slash) {
		rc = bad(err, url, "no host");
		goto out;
	}
	if (show_masked(&hp, t, host, slash) < 0 || soak_buf_adds(&shown, soak_buf_str(&hp)) < 0)
		goto oom;
	t->shown = soak_buf_detach(&shown, NULL);
	if (!t->shown)
		goto oom;
	/* the post URL as shown carries neither the credentials nor the tokens */
	if (add_post(t, join(scheme_out, host, NULL, NULL),
	             join(scheme_out, soak_buf_str(&hp), NULL, NULL), NULL) < 0)
		goto oom;
	rc = 0;
	goto out;
oom:
	rc = soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
out:
	soak_buf_free(&hp);
	soak_buf_free(&shown);
	return rc;
}

int soak_notify_parse(const char *url, const struct soak_notify_opts *o,
                      struct soak_notify_target *t, struct soak_err *err)
{
	static const char slack_hooks[] = "https://hooks.slack.com/services/";
	char **parts = NULL;
	size_t np = 0;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	if (!strncmp(url, "json://", 7) || !strncmp(url, "jsons://", 8)) {
		t->kind = SOAK_NOTIFY_JSON;
		return parse_web(url, url[4] == 's' ? "https://" : "http://",
		                 url + (url[4] == 's' ? 8 : 7), t, err)
		           ? (soak_notify_target_free(t), -1)
		           : 0;
	}
	if (!strncmp(url, slack_hooks, sizeof(slack_hooks) - 1) || !strncmp(url, "slack://", 8)) {
		const char *rest = url[0] == 's' ? url + 8 : url + sizeof(slack_hooks) - 1;

		t->kind = SOAK_NOTIFY_SLACK;
		if (split(rest, &parts, &np) < 0)
			goto oom;
		if (np < 3 || strchr(parts[0], '?'))
			goto bad_slack;
		for (size_t i = 0; i < 3; i++)
			if (add_str(&t->secrets, &t->nsecrets, parts[i], strlen(parts[i])) < 0)
				goto oom;
		t->shown = strdup("slack://" MASK "/" MASK "/" MASK);
		if (!t->shown)
			goto oom;
		{
			char path[1024];

			snprintf(path, sizeof(path), "/services/%s/%s/%s", parts[0], parts[1],
			         parts[2]);
			if (add_post(t, join(base(o->slack_api, SLACK_API), path, NULL, NULL),
			             join(base(o->slack_api, SLACK_API),
			                  "/services/" MASK "/" MASK "/" MASK, NULL, NULL),
			             NULL) < 0)
				goto oom;
		}
		rc = 0;
		goto out;
	bad_slack:
		rc = bad(err, "slack://...", "expected slack://TOKEN_A/TOKEN_B/TOKEN_C");
		goto out;
	}
	if (!strncmp(url, "discord://", 10)) {
		t->kind = SOAK_NOTIFY_DISCORD;
		if (split(url + 10, &parts, &np) < 0)
			goto oom;
		if (np != 2) {
			rc = bad(err, "discord://...",
			         "expected discord://WEBHOOK_ID/WEBHOOK_TOKEN");
			goto out;
		}
		if (add_str(&t->secrets, &t->nsecrets, parts[1], strlen(parts[1])) < 0)
			goto oom;
		t->shown = join("discord://", parts[0], "/" MASK, NULL);
		if (!t->shown || add_post(t,
		                          join(base(o->discord_api, DISCORD_API), "/api/webhooks/",
		                               parts[0], NULL),
		                          join(base(o->discord_api, DISCORD_API), "/api/webhooks/",
		                               parts[0], "/" MASK),
		                          NULL) < 0)
			goto oom;
		{
			/* the token goes after the id */
			char *full = join(t->posts[0], "/", parts[1], NULL);

			if (!full)
				goto oom;
			free(t->posts[0]);
			t->posts[0] = full;
		}
		rc = 0;
		goto out;
	}
	if (!strncmp(url, "tgram://", 8)) {
		t->kind = SOAK_NOTIFY_TELEGRAM;
		if (split(url + 8, &parts, &np) < 0)
			goto oom;
		if (np < 2 || !strchr(parts[0], ':')) {
			rc =
			    bad(err, "tgram://...",
			        "expected tgram://BOT_TOKEN/CHAT_ID (a token reads 123456:ABC...)");
			goto out;
		}
		if (add_str(&t->secrets, &t->nsecrets, parts[0], strlen(parts[0])) < 0)
			goto oom;
		{
			struct soak_buf s;

			soak_buf_init(&s, 16384);
			soak_buf_adds(&s, "tgram://" MASK);
			for (size_t i = 1; i < np; i++)
				soak_buf_addf(&s, "/%s", parts[i]);
			t->shown = soak_buf_detach(&s, NULL);
			if (!t->shown)
				goto oom;
		}
		for (size_t i = 1; i < np; i++)
			if (add_post(t,
			             join(base(o->telegram_api, TELEGRAM_API), "/bot", parts[0],
			                  "/sendMessage"),
			             join(base(o->telegram_api, TELEGRAM_API), "/bot" MASK,
			                  "/sendMessage", NULL),
			             parts[i]) < 0)
				goto oom;
		rc = 0;
		goto out;
	}
	if (!strncmp(url, "http://", 7) || !strncmp(url, "https://", 8)) {
		size_t sl = url[4] == 's' ? 8 : 7;

		t->kind = SOAK_NOTIFY_JSON;
		return parse_web(url, url[4] == 's' ? "https://" : "http://", url + sl, t, err)
		           ? (soak_notify_target_free(t), -1)
		           : 0;
	}
	{
		size_t sl = strcspn(url, ":");

		soak_err_set(err, SOAK_EXIT_USAGE,
		             "bad notification URL: unknown scheme '%.*s' (json, jsons, slack, "
		             "discord, tgram, http, https)",
		             (int)(sl > 20 ? 20 : sl), url);
	}
	goto out;
oom:
	rc = soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
out:
	free_parts(parts, np);
	if (rc)
		soak_notify_target_free(t);
	return rc;
}

static int64_t telegram_retry_after(const struct soak_http_resp *r, void *ctx)
{
	cJSON *doc = cJSON_ParseWithLength(soak_buf_str(&r->body), r->body.len);
	const cJSON *p, *ra;
	int64_t ms = -1;

	(void)ctx;
	p = cJSON_GetObjectItemCaseSensitive(doc, "parameters");
	ra = cJSON_GetObjectItemCaseSensitive(p, "retry_after");
	if (cJSON_IsNumber(ra) && ra->valuedouble >= 0 && ra->valuedouble < 86400)
		ms = (int64_t)(ra->valuedouble * 1000);
	cJSON_Delete(doc);
	return ms;
}

static int post(const struct soak_notify_target *t, size_t i, const struct soak_notify_opts *o,
                const char *body, struct soak_notify_result *res, struct soak_err *err)
{
	struct soak_http_call c = {0};
	struct soak_http_retry rp = {0};
	struct soak_http_resp r;
	const char *hdr[2] = {NULL, NULL};
	char *auth = NULL;
	int attempts = 0, rc;

	c.method = "POST";
	c.url = t->posts[i];
	c.shown_url = t->shown_posts[i];
	c.content_type = "application/json";
	c.body = body;
	c.len = strlen(body);
	c.connect_timeout_ms = o->connect_timeout_ms;
	c.timeout_ms = o->timeout_ms;
	c.max_body = 64 * 1024;
	if (t->userpwd) {
		/* basic authentication through a header keeps the URL free of secrets */
		struct soak_buf b64;
		static const char tbl[] =
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		const unsigned char *s = (const unsigned char *)t->userpwd;
		size_t n = strlen(t->userpwd);

		soak_buf_init(&b64, 16384);
		soak_buf_adds(&b64, "Authorization: Basic ");
		for (size_t k = 0; k < n; k += 3) {
			unsigned v = (unsigned)s[k] << 16 |
			             (k + 1 < n ? (unsigned)s[k + 1] << 8 : 0) |
			             (k + 2 < n ? s[k + 2] : 0);
			char q[4] = {tbl[v >> 18 & 63], tbl[v >> 12 & 63],
			             k + 1 < n ? tbl[v >> 6 & 63] : '=',
			             k + 2 < n ? tbl[v & 63] : '='};

			soak_buf_add(&b64, q, 4);
		}
		auth = soak_buf_detach(&b64, NULL);
		if (!auth)
			return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		hdr[0] = auth;
		c.headers = hdr;
	}
	rp.retries = o->retries;
	rp.backoff_ms = o->backoff_ms;
	rp.max_backoff_ms = o->max_backoff_ms;
	rp.jitter = o->jitter;
	rp.sleep_ms = o->sleep_ms;
	rp.deadline_ms = o->deadline_ms;
	if (t->kind == SOAK_NOTIFY_TELEGRAM)
		rp.retry_after = telegram_retry_after;
	soak_http_resp_init(&r);
	rc = soak_http_fetch(&c, &rp, &r, &attempts, err);
	res->attempts += attempts;
	res->status = r.status;
	if (rc && t->kind == SOAK_NOTIFY_TELEGRAM && r.status) {
		/* Telegram says why in "description" */
		cJSON *doc = cJSON_ParseWithLength(soak_buf_str(&r.body), r.body.len);
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(doc, "description");

		if (cJSON_IsString(d))
			soak_err_prefix(err, "telegram: %.200s", d->valuestring);
		cJSON_Delete(doc);
	}
	soak_http_resp_free(&r);
	free(auth);
	return rc;
}

int soak_notify_send(const struct soak_notify_target *t, const struct soak_notify_opts *o,
                     const char *title, const char *message, const char *kind,
                     struct soak_notify_result *res, struct soak_err *err)
{
	struct soak_buf text;
	char *cut = NULL;
	int rc = 0;

	memset(res, 0, sizeof(*res));
	soak_buf_init(&text, 16 * 1024 * 1024);
	if (t->kind == SOAK_NOTIFY_JSON) {
		if (soak_buf_adds(&text, message) < 0)
			goto oom;
	} else {
		int tag = kind && strcmp(kind, "info");
		const char *em = t->kind == SOAK_NOTIFY_SLACK     ? "*"
		                 : t->kind == SOAK_NOTIFY_DISCORD ? "**"
		                                                  : "";
		char up[16] = "";

		for (size_t i = 0; tag && kind[i] && i < sizeof(up) - 1; i++)
			up[i] = (char)(kind[i] >= 'a' && kind[i] <= 'z' ? kind[i] - 32 : kind[i]);
		if (title && *title) {
			if (soak_buf_addf(&text, "%s%s%s%s%s%s\n", em, tag ? "[" : "", up,
			                  tag ? "] " : "", title, em) < 0)
				goto oom;
		} else if (tag && soak_buf_addf(&text, "[%s] ", up) < 0) {
			goto oom;
		}
		if (soak_buf_adds(&text, message) < 0)
			goto oom;
	}
	cut =
	    soak_notify_truncate(soak_buf_str(&text), soak_notify_limit(t->kind), &res->truncated);
	if (!cut)
		goto oom;
	for (size_t i = 0; i < t->nposts && !rc; i++) {
		cJSON *doc = cJSON_CreateObject();
		char *body;

		if (!doc)
			goto oom;
		switch (t->kind) {
		case SOAK_NOTIFY_JSON:
			cJSON_AddStringToObject(doc, "version", "1.0");
			cJSON_AddStringToObject(doc, "title", title ? title : "");
			cJSON_AddStringToObject(doc, "message", cut);
			cJSON_AddStringToObject(doc, "type", kind ? kind : "info");
			break;
		case SOAK_NOTIFY_SLACK:
			cJSON_AddStringToObject(doc, "text", cut);
			break;
		case SOAK_NOTIFY_DISCORD:
			cJSON_AddStringToObject(doc, "content", cut);
			break;
		case SOAK_NOTIFY_TELEGRAM:
			cJSON_AddStringToObject(doc, "chat_id", t->chats[i]);
			cJSON_AddStringToObject(doc, "text", cut);
			cJSON_AddBoolToObject(doc, "disable_web_page_preview", 1);
			break;
		}
		body = cJSON_PrintUnformatted(doc);
		cJSON_Delete(doc);
		if (!body)
			goto oom;
		rc = post(t, i, o, body, res, err);
		cJSON_free(body);
	}
	free(cut);
	soak_buf_free(&text);
	return rc;
oom:
	free(cut);
	soak_buf_free(&text);
	return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
}

int soak_notify_post_json(const struct soak_notify_target *t, const struct soak_notify_opts *o,
                          const char *json, size_t len, struct soak_notify_result *res,
                          struct soak_err *err)
{
	char *body;
	int rc;

	memset(res, 0, sizeof(*res));
	if (t->kind != SOAK_NOTIFY_JSON)
		return soak_err_set(err, SOAK_EXIT_USAGE,
		                    "'%s': a JSON document goes to a json://, jsons://, http:// or "
		                    "https:// target only",
		                    t->shown);
	body = soak_strndup(json, len);
	if (!body)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	rc = post(t, 0, o, body, res, err);
	free(body);
	return rc;
}
