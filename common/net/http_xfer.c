#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "exitcode.h"
#include "http.h"
#include "http_int.h"
#include "os.h"
#include "url.h"
#include "banned.h"

#define ERR_BODY_MAX 300

struct sink {
	const struct soak_http_xfer *x;
	CURL *c;
	uint64_t got;
	int too_big, write_errno;
	char errbody[ERR_BODY_MAX + 1];
	size_t nerr;
};

static void url_for_messages(const char *url, char *out, size_t n)
{
	size_t q;

	soak_url_mask_to(url, out, n);
	q = strcspn(out, "?");
	out[q] = '\0'; /* a presigned query is all tokens, and long */
}

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct sink *s = ctx;
	size_t len = size * n;
	long status = 0;

	curl_easy_getinfo(s->c, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status >= 300) {
		size_t k = len < ERR_BODY_MAX - s->nerr ? len : ERR_BODY_MAX - s->nerr;

		memcpy(s->errbody + s->nerr, p, k);
		s->nerr += k;
		s->errbody[s->nerr] = '\0';
		return len;
	}
	if (s->x->max_download && s->got + len > s->x->max_download) {
		s->too_big = 1;
		return 0;
	}
	if (s->x->download_fd >= 0) {
		const char *q = p;
		size_t left = len;

		while (left) {
			ptrdiff_t w = soak_os_write(s->x->download_fd, q, left);

			if (w < 0) {
				s->write_errno = errno;
				return 0;
			}
			q += w;
			left -= (size_t)w;
		}
	} else if (s->x->body && soak_buf_add(s->x->body, p, len)) {
		s->too_big = 1;
		return 0;
	}
	s->got += len;
	return len;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
	const struct soak_http_xfer *x = ctx;

	if (ultotal > 0)
		x->progress(x->progress_ctx, (uint64_t)ulnow, (uint64_t)ultotal);
	else if (dlnow > 0)
		x->progress(x->progress_ctx, (uint64_t)dlnow, dltotal > 0 ? (uint64_t)dltotal : 0);
	return 0;
}

/* Make the sinks empty again before an attempt. */
static int rewind_sinks(const struct soak_http_xfer *x, struct soak_err *err)
{
	if (x->download_fd >= 0 &&
	    (soak_os_ftruncate(x->download_fd, 0) < 0 || soak_os_seek(x->download_fd, 0, 0) < 0))
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot rewind a download file");
	if (x->body)
		soak_buf_reset(x->body);
	return 0;
}

int soak_http_xfer(const struct soak_http_xfer *x, long *status, struct soak_err *err)
{
	char url[512], ebuf[CURL_ERROR_SIZE];
	struct curl_slist *hdr = NULL;
	int64_t backoff = x->backoff_ms > 0 ? x->backoff_ms : 500;
	struct sink s;
	CURLcode cc = CURLE_OK;
	FILE *up = NULL;
	CURL *c;
	int ret = -1;

	*status = 0;
	url_for_messages(x->url, url, sizeof(url));
	if (curl_global_init(CURL_GLOBAL_DEFAULT) || !(c = curl_easy_init()))
		return soak_err_set(err, SOAK_EXIT_ENV, "cannot initialize libcurl");
	for (const char *const *h = x->headers; h && *h; h++) {
		struct curl_slist *t = curl_slist_append(hdr, *h);

		if (!t) {
			curl_slist_free_all(hdr);
			curl_easy_cleanup(c);
			return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		}
		hdr = t;
	}
	for (int attempt = 0; attempt <= x->retries; attempt++) {
		if (attempt) {
			soak_os_sleep_ms(backoff);
			backoff *= 2;
		}
		if (rewind_sinks(x, err))
			goto out;
		memset(&s, 0, sizeof(s));
		s.x = x;
		s.c = c;
		ebuf[0] = '\0';
		curl_easy_reset(c);
		if (soak_http_set_url(c, x->url) < 0) {
			soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
			goto out;
		}
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_USERAGENT, "soak-action/" SOAK_VERSION);
		if (x->timeout_ms > 0)
			curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)x->timeout_ms);
		if (x->connect_timeout_ms > 0)
			curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)x->connect_timeout_ms);
		if (x->aws_sigv4)
			curl_easy_setopt(c, CURLOPT_AWS_SIGV4, x->aws_sigv4);
		if (x->userpwd)
			curl_easy_setopt(c, CURLOPT_USERPWD, x->userpwd);
		if (x->progress) {
			curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
			curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)x);
			curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
		}
		if (!strcmp(x->method, "HEAD")) {
			curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
		} else if (x->upload_path) {
			if (up)
				fclose(up);
			up = soak_os_fopen(x->upload_path, "rb");
			if (!up) {
				soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot open '%s'",
				               x->upload_path);
				goto out;
			}
			if (fseeko(up, 0, SEEK_END) < 0) {
				soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot read '%s'",
				               x->upload_path);
				goto out;
			}
			curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)ftello(up));
			rewind(up);
			curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
			curl_easy_setopt(c, CURLOPT_READDATA, up);
			if (strcmp(x->method, "PUT"))
				curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, x->method);
		} else if (strcmp(x->method, "GET")) {
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, x->method);
		}
		cc = curl_easy_perform(c);
		*status = 0;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
		if (s.too_big) {
			soak_err_set(err, SOAK_EXIT_INPUT,
			             "cannot %s '%s': the answer is larger than %llu bytes",
			             x->method, url, (unsigned long long)x->max_download);
			goto out;
		}
		if (s.write_errno) {
			soak_err_errno(err, SOAK_EXIT_ENV, s.write_errno,
			               "cannot %s '%s': cannot write the answer", x->method, url);
			goto out;
		}
		if (cc == CURLE_OK && (*status < 500 || *status >= 600))
			break;
	}
	if (cc != CURLE_OK) {
		soak_err_set(err, SOAK_EXIT_ENV, "cannot %s '%s': %s", x->method, url,
		             ebuf[0] ? ebuf : curl_easy_strerror(cc));
	} else if (*status >= 200 && *status < 300) {
		ret = 0;
	} else if (x->ok_status && *status == x->ok_status) {
		ret = 1;
	} else {
		/* one line of the server's explanation, if it gave one */
		for (size_t i = 0; i < s.nerr; i++)
			if (s.errbody[i] == '\n' || s.errbody[i] == '\r')
				s.errbody[i] = ' ';
		soak_err_set(err, SOAK_EXIT_ENV, "cannot %s '%s': HTTP status %ld%s%s", x->method,
		             url, *status, s.nerr ? ": " : "", s.errbody);
	}
out:
	if (up)
		fclose(up);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	return ret;
}
