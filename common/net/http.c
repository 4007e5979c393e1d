#include <curl/curl.h>
#include <ctype.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "exitcode.h"
#include "http.h"
#include "http_int.h"
#include "os.h"
#include "url.h"
#include "banned.h"

/* The URL with its secrets masked, for messages. */
static void safe_url(const char *url, char *out, size_t n)
{
	soak_url_mask_to(url, out, n);
}

int soak_http_set_url(CURL *c, const char *url)
{
	struct soak_buf bare;
	char *user, *password;
	int rc;

	soak_buf_init(&bare, strlen(url) + 1);
	rc = soak_url_credentials(url, &bare, &user, &password);
	if (!rc) {
		curl_easy_setopt(c, CURLOPT_URL, soak_buf_str(&bare));
		if (user)
			curl_easy_setopt(c, CURLOPT_USERNAME, user);
		if (password)
			curl_easy_setopt(c, CURLOPT_PASSWORD, password);
	}
	if (password)
		memset(password, 0, strlen(password));
	free(user);
	free(password);
	soak_buf_free(&bare);
	return rc;
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
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
			soak_os_sleep_ms(backoff);
			backoff *= 2;
		}
		ebuf[0] = 0;
		curl_easy_reset(c);
		if (soak_http_set_url(c, req->url) < 0) {
			cc = CURLE_OUT_OF_MEMORY;
			break;
		}
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

/* ---- requests with answers ---- */

#define HTTP_BODY_DEFAULT (1024 * 1024)

void soak_http_resp_init(struct soak_http_resp *r)
{
	r->status = 0;
	r->retry_after_ms = -1;
	soak_buf_init(&r->body, HTTP_BODY_DEFAULT);
}

void soak_http_resp_free(struct soak_http_resp *r)
{
	soak_buf_free(&r->body);
}

struct sink {
	struct soak_http_resp *r;
	int over;
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct sink *k = ctx;

	if (soak_buf_add(&k->r->body, p, size * n) < 0) {
		k->over = 1;
		return 0; /* makes libcurl stop with CURLE_WRITE_ERROR */
	}
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct soak_http_resp *r = ctx;
	size_t len = size * n;
	static const char name[] = "retry-after:";
	char val[128];
	size_t i, k = 0;

	if (len <= sizeof(name) - 1 || curl_strnequal(p, name, sizeof(name) - 1) == 0)
		return len;
	for (i = sizeof(name) - 1; i < len && k < sizeof(val) - 1; i++)
		if (p[i] != '\r' && p[i] != '\n')
			val[k++] = p[i];
	val[k] = 0;
	for (i = 0; val[i] == ' ' || val[i] == '\t'; i++)
		;
	if (isdigit((unsigned char)val[i])) {
		char *end;
		long long sec = strtoll(val + i, &end, 10);

		if (sec >= 0 && sec < 86400LL * 365)
			r->retry_after_ms = sec * 1000;
	} else {
		time_t t = curl_getdate(val + i, NULL);

		if (t >= 0) {
			int64_t d = (int64_t)t * 1000 - soak_wall_ms();
			r->retry_after_ms = d > 0 ? d : 0;
		}
	}
	return len;
}

int soak_http_call(const struct soak_http_call *c, struct soak_http_resp *r, struct soak_err *err)
{
	char url[512], ebuf[CURL_ERROR_SIZE];
	struct curl_slist *hdr = NULL;
	struct sink sink = {r, 0};
	CURLcode cc;
	CURL *h;

	r->status = 0;
	r->retry_after_ms = -1;
	soak_buf_reset(&r->body);
	r->body.max = c->max_body ? c->max_body : HTTP_BODY_DEFAULT;
	if (c->shown_url)
		snprintf(url, sizeof(url), "%s", c->shown_url);
	else
		safe_url(c->url, url, sizeof(url));
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return soak_err_set(err, SOAK_EXIT_ENV, "cannot initialize libcurl");
	h = curl_easy_init();
	if (!h)
		return soak_err_set(err, SOAK_EXIT_ENV, "cannot initialize libcurl");
	if (c->content_type) {
		char line[256];

		snprintf(line, sizeof(line), "Content-Type: %s", c->content_type);
		hdr = curl_slist_append(hdr, line);
	}
	for (const char *const *x = c->headers; x && *x; x++)
		hdr = curl_slist_append(hdr, *x);
	hdr = curl_slist_append(hdr, "Expect:"); /* no 100-continue round trip */
	ebuf[0] = 0;
	if (soak_http_set_url(h, c->url) < 0) {
		curl_slist_free_all(hdr);
		curl_easy_cleanup(h);
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	}
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, c->method);
	if (c->body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, c->body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->len);
	} else if (!strcmp(c->method, "GET")) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "soak-action/" SOAK_VERSION);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->body.max);
	if (c->connect_timeout_ms > 0)
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)c->connect_timeout_ms);
	if (c->timeout_ms > 0)
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	if (sink.over || cc == CURLE_FILESIZE_EXCEEDED)
		return soak_err_set(err, SOAK_EXIT_ENV, "%s '%s': answer longer than %zu bytes",
		                    c->method, url, r->body.max);
	if (cc != CURLE_OK) {
		r->status = 0;
		/* libcurl's message may quote the URL: name the shown one only */
		return soak_err_set(err, SOAK_EXIT_ENV, "%s '%s': %s", c->method, url,
		                    c->shown_url ? curl_easy_strerror(cc)
		                    : ebuf[0]    ? ebuf
		                                 : curl_easy_strerror(cc));
	}
	return 0;
}

static int retryable(long status)
{
	return status == 0 || status == 408 || status == 429 || (status >= 500 && status < 600);
}

static int plain_sleep(int64_t ms)
{
	soak_os_sleep_ms(ms);
	return 0;
}

static double jitter_factor(double jitter)
{
	static uint64_t seed;

	if (jitter <= 0)
		return 1;
	if (!seed)
		seed = (uint64_t)soak_mono_ns() ^ ((uint64_t)soak_os_getpid() << 32) ^
		       0x9e3779b97f4a7c15ULL;
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return 1 + jitter * (2 * ((double)(seed >> 11) / 9007199254740992.0) - 1);
}

int soak_http_fetch(const struct soak_http_call *c, const struct soak_http_retry *rp,
                    struct soak_http_resp *r, int *attempts, struct soak_err *err)
{
	int64_t backoff = rp && rp->backoff_ms > 0 ? rp->backoff_ms : 500;
	int64_t cap = rp && rp->max_backoff_ms > 0 ? rp->max_backoff_ms : 60000;
	int (*nap)(int64_t) = rp && rp->sleep_ms ? rp->sleep_ms : plain_sleep;
	int retries = rp ? rp->retries : 0, n = 0;
	int64_t deadline = rp ? rp->deadline_ms : 0;
	struct soak_http_call call = *c;
	char url[512];

	if (c->shown_url)
		snprintf(url, sizeof(url), "%s", c->shown_url);
	else
		safe_url(c->url, url, sizeof(url));
	for (;;) {
		int64_t wait, asked;
		int rc;

		if (deadline) {
			int64_t left = deadline - soak_mono_ms();

			if (left <= 0) {
				if (!n)
					soak_err_set(err, SOAK_EXIT_ENV,
					             "%s '%s': no time left to try", c->method,
					             url);
				break;
			}
			if (!c->timeout_ms || c->timeout_ms > left)
				call.timeout_ms = left;
			if (!c->connect_timeout_ms || c->connect_timeout_ms > left)
				call.connect_timeout_ms = left;
		}
		n++;
		soak_err_clear(err);
		rc = soak_http_call(&call, r, err);
		if (!rc && r->status >= 200 && r->status < 300)
			break;
		if (!rc && !retryable(r->status)) {
			soak_err_set(err, SOAK_EXIT_ENV, "%s '%s': HTTP status %ld", c->method, url,
			             r->status);
			break;
		}
		if (!rc)
			soak_err_set(err, SOAK_EXIT_ENV, "%s '%s': HTTP status %ld", c->method, url,
			             r->status);
		if (rc && r->status)
			break; /* an answer too long to keep will not get shorter */
		if (n > retries)
			break;
		wait = (int64_t)((double)backoff * jitter_factor(rp->jitter));
		asked = r->retry_after_ms;
		if (rp->retry_after) {
			int64_t b = rp->retry_after(r, rp->ctx);

			if (b >= 0)
				asked = b;
		}
		if (asked >= 0)
			wait = asked;
		if (wait > cap)
			wait = cap;
		backoff *= 2;
		if (deadline && soak_mono_ms() + wait >= deadline)
			break; /* no time for another attempt after the wait */
		if (nap(wait))
			break;
	}
	if (attempts)
		*attempts = n;
	return r->status >= 200 && r->status < 300 && !err->code ? 0 : -1;
}

int soak_http_escape(const char *s, struct soak_buf *out)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
			if (soak_buf_add(out, s, 1) < 0)
				return -1;
		} else if (soak_buf_addf(out, "%%%02X", ch) < 0) {
			return -1;
		}
	}
	return 0;
}
