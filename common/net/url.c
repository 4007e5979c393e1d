#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "url.h"
#include "banned.h"

const char *soak_url_userinfo(const char *url, const char **host)
{
	const char *scheme = strstr(url, "://"), *h, *end, *at = NULL;

	h = scheme ? scheme + 3 : url;
	end = h + strcspn(h, "/?#"); /* the authority ends there, as libcurl reads it */
	for (const char *p = h; p < end; p++)
		if (*p == '@')
			at = p;
	if (host)
		*host = h;
	return at;
}

int soak_url_secret_name(const char *name, size_t n)
{
	static const char *const words[] = {"token", "secret",     "pass",    "pwd", "key",
	                                    "auth",  "credential", "session", "sig", NULL};

	for (size_t w = 0; words[w]; w++) {
		size_t k = strlen(words[w]);

		for (size_t i = 0; i + k <= n; i++) {
			size_t j = 0;

			while (j < k && tolower((unsigned char)name[i + j]) == words[w][j])
				j++;
			if (j == k)
				return 1;
		}
	}
	return 0;
}

/* Append the query (after '?', up to '#') with secret values masked. */
static int add_query(struct soak_buf *out, const char *q, size_t len)
{
	const char *end = q + len;

	while (q < end) {
		size_t n = strcspn(q, "&;");
		const char *eq = memchr(q, '=', n < (size_t)(end - q) ? n : (size_t)(end - q));
		int rc;

		if (n > (size_t)(end - q))
			n = (size_t)(end - q);
		if (eq && soak_url_secret_name(q, (size_t)(eq - q)))
			rc = soak_buf_add(out, q, (size_t)(eq - q) + 1) |
			     soak_buf_adds(out, SOAK_URL_MASK);
		else
			rc = soak_buf_add(out, q, n);
		q += n;
		if (rc < 0 || (q < end && soak_buf_add(out, q++, 1) < 0))
			return -1;
	}
	return 0;
}

int soak_url_mask(struct soak_buf *out, const char *url)
{
	const char *host, *at = soak_url_userinfo(url, &host), *q, *frag;
	int rc = 0;

	if (at) {
		const char *colon = memchr(host, ':', (size_t)(at - host));

		rc |= soak_buf_add(out, url, (size_t)((colon ? colon : at) - url));
		if (colon)
			rc |= soak_buf_adds(out, ":" SOAK_URL_MASK);
		host = at;
	} else {
		rc |= soak_buf_add(out, url, (size_t)(host - url));
	}
	q = host + strcspn(host, "?#");
	rc |= soak_buf_add(out, host, (size_t)(q - host));
	if (*q == '?') {
		frag = q + strcspn(q, "#");
		rc |= soak_buf_add(out, "?", 1);
		rc |= add_query(out, q + 1, (size_t)(frag - q - 1));
		q = frag;
	}
	rc |= soak_buf_adds(out, q);
	return rc < 0 ? -1 : 0;
}

void soak_url_mask_to(const char *url, char *out, size_t n)
{
	struct soak_buf b;

	if (!n)
		return;
	soak_buf_init(&b, 64 * 1024);
	if (soak_url_mask(&b, url) < 0) {
		/* too long or no memory: the part before any credentials or query */
		const char *host;

		soak_url_userinfo(url, &host);
		snprintf(out, n, "%.*s...", (int)(host - url), url);
	} else {
		snprintf(out, n, "%s", soak_buf_str(&b));
	}
	soak_buf_free(&b);
}

int soak_url_add_path(struct soak_buf *out, const char *url, const char *path)
{
	const char *host, *at = soak_url_userinfo(url, &host);
	const char *q = (at ? at + 1 : host) + strcspn(at ? at + 1 : host, "?#");
	int slash = q > url && q[-1] == '/';
	int rc = soak_buf_add(out, url, (size_t)(q - url));

	while (slash && *path == '/')
		path++;
	if (!slash && *path != '/')
		rc |= soak_buf_add(out, "/", 1);
	rc |= soak_buf_adds(out, path);
	rc |= soak_buf_adds(out, q);
	return rc < 0 ? -1 : 0;
}

/* A malloc'ed copy of n bytes of s with %XX decoded. */
static char *pct_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			char hex[3] = {s[i + 1], s[i + 2], 0};

			*o++ = (char)strtol(hex, NULL, 16);
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = 0;
	return out;
}

int soak_url_credentials(const char *url, struct soak_buf *bare, char **user, char **password)
{
	const char *host, *at = soak_url_userinfo(url, &host), *colon;

	*user = *password = NULL;
	if (!at)
		return soak_buf_adds(bare, url);
	colon = memchr(host, ':', (size_t)(at - host));
	*user = pct_decode(host, (size_t)((colon ? colon : at) - host));
	if (colon)
		*password = pct_decode(colon + 1, (size_t)(at - colon - 1));
	if (!*user || (colon && !*password) || soak_buf_add(bare, url, (size_t)(host - url)) < 0 ||
	    soak_buf_adds(bare, at + 1) < 0) {
		free(*user);
		free(*password);
		*user = *password = NULL;
		return -1;
	}
	return 0;
}
