#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "exitcode.h"
#include "http.h"
#include "banned.h"

/* The URL without credentials, for messages. */
static void safe_url(const char *url, char *out, size_t n)
{
	const char *scheme = strstr(url, "://"), *at, *host;

	host = scheme ? scheme + 3 : url;
	at = strchr(host, '@');
	if (at && at < host + strcspn(host, "/"))
		snprintf(out, n, "%.*s%s", (int)(host - url), url, at + 1);
	else
		snprintf(out, n, "%s", url);
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts))
		;
}

int soak_http_send(const struct soak_http_req *req, long *status, struct soak_err *err)
{
	char url[512], ebuf[CURL_ERROR_SIZE];
	struct curl_slist *hdr = NULL;
	int64_t backoff = req->backoff_ms > 0 ? req->backoff_ms : 500;
	int attempt;
	CURLcode cc = CURLE_OK;
	CURL *c;

	*status = 0;
	safe_url(req->url, url, sizeof(url));
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return soak_err_set(err, SOAK_EXIT_ENV, "cannot initialize libcurl");
	c = curl_easy_init();
	if (!c)
		return soak_err_set(err, SOAK_EXIT_ENV, "cannot initialize libcurl");
	if (req->content_type) {
		char h[256];

		snprintf(h, sizeof(h), "Content-Type: %s", req->content_type);
		hdr = curl_slist_append(hdr, h);
	}
	for (attempt = 0; attempt <= req->retries; attempt++) {
		if (attempt) {
			sleep_ms(backoff);
			backoff *= 2;
		}
		ebuf[0] = 0;
		curl_easy_reset(c);
		curl_easy_setopt(c, CURLOPT_URL, req->url);
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->len);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_USERAGENT, "soak-report/" SOAK_VERSION);
		if (req->timeout_ms > 0)
			curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)req->timeout_ms);
		cc = curl_easy_perform(c);
		if (cc == CURLE_OK) {
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
			if (*status >= 200 && *status < 300)
				break;
			if (*status < 500)
				break;
		}
	}
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	if (cc != CURLE_OK)
		return soak_err_set(err, SOAK_EXIT_ENV, "cannot %s '%s': %s", req->method, url,
		                    ebuf[0] ? ebuf : curl_easy_strerror(cc));
	if (*status < 200 || *status >= 300)
		return soak_err_set(err, SOAK_EXIT_ENV, "cannot %s '%s': HTTP status %ld",
		                    req->method, url, *status);
	return 0;
}
