/*
 * The S3-compatible store: s3://BUCKET[/PREFIX], objects PREFIX/<version>/<object>,
 * requests signed with AWS Signature V4 by libcurl (CURLOPT_AWS_SIGV4) from
 * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. Path-style
 * (ENDPOINT/BUCKET/KEY) or virtual-hosted (BUCKET.HOST/KEY) addressing.
 * Listing is ListObjectsV2 (the query is written in canonical order, sorted
 * and escaped, so it signs the same on every libcurl). A put that must not
 * replace sends If-None-Match: * (honoured by S3 since 2024) after a HEAD.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cache_store.h"
#include "exitcode.h"
#include "hash.h"
#include "http.h"
#include "os.h"
#include "str.h"
#include "utc.h"
#include "banned.h"

#define LIST_MAX (16 * 1024 * 1024)
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct s3 {
	char *obj_base;  /* URL that an escaped object key is appended to */
	char *list_base; /* URL of the bucket, for ?list-type=2 */
	char *prefix;    /* "" or "dir/" */
	char *sigv4;     /* "aws:amz:REGION:s3" */
	char *userpwd;   /* "ACCESS:SECRET" */
	char *token_hdr; /* "x-amz-security-token: ..." or NULL */
};

static void on_progress(void *ctx, uint64_t now, uint64_t total)
{
	struct soak_cache_prog *pr = ctx;

	pr->p.bytes = now;
	if (total)
		pr->p.total = total;
	soak_cache_prog_tick(pr, 0);
}

/* A request with the signing set up; hdr holds the header lines (kept by caller). */
static void setup(struct soak_cache_store *s, struct soak_http_xfer *x, const char *method,
                  const char *url, const char *sha, const char **hdr, char *shahdr, size_t shan,
                  const char *extra)
{
	struct s3 *b = s->impl;
	size_t k = 0;

	memset(x, 0, sizeof(*x));
	x->method = method;
	x->url = url;
	x->download_fd = -1;
	x->timeout_ms = s->o->timeout_ms;
	x->connect_timeout_ms = 10000;
	x->retries = s->o->retries;
	x->backoff_ms = 500;
	x->aws_sigv4 = b->sigv4;
	x->userpwd = b->userpwd;
	snprintf(shahdr, shan, "x-amz-content-sha256: %s", sha ? sha : EMPTY_SHA256);
	hdr[k++] = shahdr;
	if (b->token_hdr)
		hdr[k++] = b->token_hdr;
	if (extra)
		hdr[k++] = extra;
	hdr[k] = NULL;
	x->headers = hdr;
	if (s->prog && s->o->progress) {
		x->progress = on_progress;
		x->progress_ctx = s->prog;
	}
}

static char *obj_url(const struct s3 *b, const char *name)
{
	size_t n = strlen(b->obj_base) + 3 * (strlen(b->prefix) + strlen(name)) + 1;
	char *key = malloc(strlen(b->prefix) + strlen(name) + 1), *esc, *u = NULL;

	if (!key)
		return NULL;
	snprintf(key, strlen(b->prefix) + strlen(name) + 1, "%s%s", b->prefix, name);
	esc = soak_cache_uri_escape(key, 1);
	if (esc && (u = malloc(n)))
		snprintf(u, n, "%s%s", b->obj_base, esc);
	free(esc);
	free(key);
	return u;
}

static int s_fetch(struct soak_cache_store *s, const char *name, uint64_t max, int *fd,
                   struct soak_err *err)
{
	char *url = obj_url(s->impl, name), shahdr[128];
	const char *hdr[4];
	struct soak_http_xfer x;
	int rc;

	if (!url)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	setup(s, &x, "GET", url, NULL, hdr, shahdr, sizeof(shahdr), NULL);
	rc = soak_cache_http_get(&x, max, fd, err);
	free(url);
	return rc;
}

static int s_put(struct soak_cache_store *s, const char *name, const char *path, const char *sha256,
                 int excl, struct soak_err *err)
{
	char *url = obj_url(s->impl, name), shahdr[128], hex[65];
	const char *hdr[4];
	struct soak_http_xfer x;
	long status;
	int rc = 0;

	if (!url)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	if (!sha256) {
		if (soak_sha256_file(path, hex, NULL, err)) {
			free(url);
			return -1;
		}
		sha256 = hex;
	}
	if (excl) {
		setup(s, &x, "HEAD", url, NULL, hdr, shahdr, sizeof(shahdr), NULL);
		x.ok_status = 404;
		rc = soak_http_xfer(&x, &status, err);
		rc = rc == 0 ? 1 : rc == 1 ? 0 : -1;
	}
	if (rc == 0) {
		setup(s, &x, "PUT", url, sha256, hdr, shahdr, sizeof(shahdr),
		      excl ? "If-None-Match: *" : NULL);
		x.upload_path = path;
		x.ok_status = 412; /* the conditional put lost */
		rc = soak_http_xfer(&x, &status, err);
	}
	free(url);
	return rc;
}

static int s_del(struct soak_cache_store *s, const char *name, struct soak_err *err)
{
	char *url = obj_url(s->impl, name), shahdr[128];
	const char *hdr[4];
	struct soak_http_xfer x;
	int rc;

	if (!url)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	setup(s, &x, "DELETE", url, NULL, hdr, shahdr, sizeof(shahdr), NULL);
	rc = soak_cache_http_del(&x, err);
	free(url);
	return rc;
}

/* The text of the next <tag>...</tag> at or after *p, XML entities undone; *p moves past it. */
static char *xml_next(const char **p, const char *end, const char *tag)
{
	char open[64], close[64];
	const char *a, *z;
	char *out, *q;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	a = strstr(*p, open);
	if (!a || (end && a > end))
		return NULL;
	a += strlen(open);
	z = strstr(a, close);
	if (!z || (end && z > end))
		return NULL;
	*p = z + strlen(close);
	out = malloc((size_t)(z - a) + 1);
	if (!out)
		return NULL;
	for (q = out; a < z;) {
		static const struct {
			const char *ent;
			char c;
		} ents[] = {{"&amp;", '&'},
		            {"&lt;", '<'},
		            {"&gt;", '>'},
		            {"&quot;", '"'},
		            {"&apos;", '\''}};
		size_t i;

		for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
			if (!strncmp(a, ents[i].ent, strlen(ents[i].ent)))
				break;
		if (i < sizeof(ents) / sizeof(ents[0])) {
			*q++ = ents[i].c;
			a += strlen(ents[i].ent);
		} else {
			*q++ = *a++;
		}
	}
	*q = '\0';
	return out;
}

/* "2024-05-01T12:34:56.789Z" to ms since the epoch; 0 when unreadable. */
static int64_t iso_ms(const char *s)
{
	struct tm tm = {0};
	int y, mo, d, h, mi, sec, ms = 0;
	char frac[8] = "";

	if (sscanf(s, "%d-%d-%dT%d:%d:%d.%3[0-9]", &y, &mo, &d, &h, &mi, &sec, frac) < 6)
		return 0;
	for (int i = 0; i < 3; i++)
		ms = ms * 10 + (frac[i] >= '0' && frac[i] <= '9' ? frac[i] - '0' : 0);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	return soak_utc_join(&tm) * 1000 + ms;
}

static int s_list(struct soak_cache_store *s, const char *prefix, struct soak_cache_objs *out,
                  struct soak_err *err)
{
	struct s3 *b = s->impl;
	char *token = NULL, *full = NULL, *efull = NULL, shahdr[128];
	size_t plen = strlen(b->prefix);
	int ret = -1;

	if (!(full = malloc(plen + strlen(prefix) + 1)))
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	snprintf(full, plen + strlen(prefix) + 1, "%s%s", b->prefix, prefix);
	if (!(efull = soak_cache_uri_escape(full, 0)))
		goto oom;
	for (int page = 0; page < 10000; page++) {
		struct soak_http_xfer x;
		struct soak_buf body, url;
		const char *hdr[4], *p;
		char *etok = NULL, *trunc;
		long status;
		int rc;

		soak_buf_init(&url, 64 * 1024);
		if (token && !(etok = soak_cache_uri_escape(token, 0)))
			goto oom;
		/* parameters in sorted order, escaped: the canonical query */
		rc = soak_buf_addf(&url, "%s?%s%s%slist-type=2&prefix=%s", b->list_base,
		                   etok ? "continuation-token=" : "", etok ? etok : "",
		                   etok ? "&" : "", efull);
		free(etok);
		if (rc) {
			soak_buf_free(&url);
			goto oom;
		}
		soak_buf_init(&body, LIST_MAX);
		setup(s, &x, "GET", url.data, NULL, hdr, shahdr, sizeof(shahdr), NULL);
		x.body = &body;
		x.progress = NULL;
		rc = soak_http_xfer(&x, &status, err);
		soak_buf_free(&url);
		if (rc) {
			soak_buf_free(&body);
			goto out;
		}
		p = soak_buf_str(&body);
		for (;;) {
			const char *c = strstr(p, "<Contents>"), *e;
			char *key, *lm, *sz;

			if (!c || !(e = strstr(c, "</Contents>")))
				break;
			p = c;
			key = xml_next(&p, e, "Key");
			p = c;
			lm = xml_next(&p, e, "LastModified");
			p = c;
			sz = xml_next(&p, e, "Size");
			if (key && !strncmp(key, b->prefix, plen) &&
			    soak_cache_objs_add(out, key + plen, strlen(key + plen),
			                        sz ? strtoull(sz, NULL, 10) : 0,
			                        lm ? iso_ms(lm) : 0)) {
				free(key);
				free(lm);
				free(sz);
				soak_buf_free(&body);
				goto oom;
			}
			free(key);
			free(lm);
			free(sz);
			p = e + strlen("</Contents>");
		}
		p = soak_buf_str(&body);
		trunc = xml_next(&p, NULL, "IsTruncated");
		free(token);
		token = NULL;
		if (trunc && !strcmp(trunc, "true")) {
			p = soak_buf_str(&body);
			token = xml_next(&p, NULL, "NextContinuationToken");
		}
		free(trunc);
		soak_buf_free(&body);
		if (!token)
			break;
	}
	ret = 0;
	goto out;
oom:
	soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
out:
	free(token);
	free(full);
	free(efull);
	return ret;
}

static void s_close(struct soak_cache_store *s)
{
	struct s3 *b = s->impl;

	if (b) {
		free(b->obj_base);
		free(b->list_base);
		free(b->prefix);
		free(b->sigv4);
		free(b->userpwd);
		free(b->token_hdr);
	}
	free(b);
	free(s->desc);
	free(s->tmpdir);
	free(s);
}

static const struct soak_cache_store_ops s3_ops = {
    s_fetch, s_put, s_del, s_list, NULL, s_close,
};

static char *fmt(const char *f, ...) SOAK_PRINTF(1, 2);

static char *fmt(const char *f, ...)
{
	struct soak_buf b;
	va_list ap;
	char tmp[4096];
	size_t n;

	va_start(ap, f);
	vsnprintf(tmp, sizeof(tmp), f, ap);
	va_end(ap);
	soak_buf_init(&b, sizeof(tmp));
	if (soak_buf_adds(&b, tmp))
		return NULL;
	return soak_buf_detach(&b, &n);
}

static int bucket_ok(const char *b)
{
	size_t n = strlen(b);

	if (n < 3 || n > 63)
		return 0;
	for (const char *p = b; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '.'))
			return 0;
	return 1;
}

int soak_cache_store_s3_open(const struct soak_cache_opts *o, const char *spec,
                             struct soak_cache_store **out, struct soak_err *err)
{
	const char *id = soak_os_getenv("AWS_ACCESS_KEY_ID"),
	           *secret = soak_os_getenv("AWS_SECRET_ACCESS_KEY");
	const char *token = soak_os_getenv("AWS_SESSION_TOKEN"), *region = o->s3_region;
	const char *rest = spec + 5, *slash = strchr(rest, '/');
	char *bucket, *endpoint, *scheme_end, *prefix;
	struct soak_cache_store *s;
	struct s3 *b;
	size_t pn;

	*out = NULL;
	if (!region || !*region)
		region = soak_os_getenv("AWS_REGION");
	if (!region || !*region)
		region = soak_os_getenv("AWS_DEFAULT_REGION");
	if (!region || !*region)
		region = "us-east-1";
	if (!id || !*id || !secret || !*secret)
		return soak_err_set(err, SOAK_EXIT_USAGE,
		                    "store '%s': set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
		                    spec);
	bucket = slash ? soak_strndup(rest, (size_t)(slash - rest)) : strdup(rest);
	if (!bucket)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	if (!bucket_ok(bucket)) {
		soak_err_set(err, SOAK_EXIT_USAGE,
		             "store '%s': '%s' is no bucket name (3 to 63 of a-z 0-9 . -)", spec,
		             bucket);
		free(bucket);
		return -1;
	}
	s = calloc(1, sizeof(*s));
	b = calloc(1, sizeof(*b));
	if (o->s3_endpoint && *o->s3_endpoint)
		endpoint = strdup(o->s3_endpoint);
	else
		endpoint = fmt("https://s3.%s.amazonaws.com", region);
	if (!s || !b || !endpoint) {
		free(s);
		free(b);
		free(endpoint);
		free(bucket);
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	}
	pn = strlen(endpoint);
	while (pn && endpoint[pn - 1] == '/')
		endpoint[--pn] = '\0';
	s->ops = &s3_ops;
	s->impl = b;
	s->o = o;
	prefix = slash ? fmt("%s", slash + 1) : fmt("%s", "");
	if (prefix && *prefix && prefix[strlen(prefix) - 1] != '/') {
		char *t = fmt("%s/", prefix);

		free(prefix);
		prefix = t;
	}
	b->prefix = prefix;
	scheme_end = strstr(endpoint, "://");
	if (!scheme_end) {
		free(endpoint);
		free(bucket);
		s_close(s);
		return soak_err_set(err, SOAK_EXIT_USAGE,
		                    "bad --s3-endpoint '%s': expected https://HOST",
		                    o->s3_endpoint);
	}
	if (o->s3_path_style) {
		b->list_base = fmt("%s/%s/", endpoint, bucket);
	} else {
		b->list_base = fmt("%.*s%s.%s/", (int)(scheme_end + 3 - endpoint), endpoint, bucket,
		                   scheme_end + 3);
	}
	b->obj_base = b->list_base ? fmt("%s", b->list_base) : NULL;
	b->sigv4 = fmt("aws:amz:%s:s3", region);
	b->userpwd = fmt("%s:%s", id, secret);
	if (token && *token)
		b->token_hdr = fmt("x-amz-security-token: %s", token);
	s->desc = fmt("s3://%s/%s", bucket, b->prefix ? b->prefix : "");
	s->tmpdir = soak_os_tmpdir();
	free(endpoint);
	free(bucket);
	if (!b->prefix || !b->list_base || !b->obj_base || !b->sigv4 || !b->userpwd || !s->desc ||
	    !s->tmpdir || (token && *token && !b->token_hdr)) {
		s_close(s);
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	}
	*out = s;
	return 0;
}
