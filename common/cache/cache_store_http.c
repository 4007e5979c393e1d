/*
 * The HTTP store: objects at BASE/<version>/<object> with GET, PUT, HEAD and
 * DELETE (nginx with WebDAV: dav_methods PUT DELETE; create_full_put_path on).
 * Listing a version directory is a GET of BASE/<version>/ answered by nginx's
 * autoindex in JSON (autoindex on; autoindex_format json), which restore keys
 * need; exact keys need no listing.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "cache_store.h"
#include "exitcode.h"
#include "http.h"
#include "json.h"
#include "os.h"
#include "str.h"
#include "url.h"
#include "banned.h"

#define LIST_MAX (32 * 1024 * 1024)

struct remote {
	char *base; /* the --store URL */
};

/* BASE/name: name goes into the path, before any query (a token) of BASE. */
static char *url_of(const struct remote *r, const char *name)
{
	struct soak_buf u;

	soak_buf_init(&u, strlen(r->base) + strlen(name) + 2);
	if (soak_url_add_path(&u, r->base, name) < 0) {
		soak_buf_free(&u);
		return NULL;
	}
	return soak_buf_detach(&u, NULL);
}

static void on_progress(void *ctx, uint64_t now, uint64_t total)
{
	struct soak_cache_prog *pr = ctx;

	pr->p.bytes = now;
	if (total)
		pr->p.total = total;
	soak_cache_prog_tick(pr, 0);
}

static void setup(struct soak_cache_store *s, struct soak_http_xfer *x, const char *method,
                  const char *url)
{
	memset(x, 0, sizeof(*x));
	x->method = method;
	x->url = url;
	x->download_fd = -1;
	x->timeout_ms = s->o->timeout_ms;
	x->connect_timeout_ms = 10000;
	x->retries = s->o->retries;
	x->backoff_ms = 500;
	if (s->prog && s->o->progress) {
		x->progress = on_progress;
		x->progress_ctx = s->prog;
	}
}

static int h_fetch(struct soak_cache_store *s, const char *name, uint64_t max, int *fd,
                   struct soak_err *err)
{
	char *url = url_of(s->impl, name);
	struct soak_http_xfer x;
	int rc;

	if (!url)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	setup(s, &x, "GET", url);
	rc = soak_cache_http_get(&x, max, fd, err);
	free(url);
	return rc;
}

static int h_put(struct soak_cache_store *s, const char *name, const char *path, const char *sha256,
                 int excl, struct soak_err *err)
{
	char *url = url_of(s->impl, name);
	struct soak_http_xfer x;
	long status;
	int rc = 0;

	(void)sha256;
	if (!url)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	if (excl) {
		setup(s, &x, "HEAD", url);
		x.ok_status = 404;
		rc = soak_http_xfer(&x, &status, err);
		if (rc == 0)
			rc = 1; /* there already */
		else if (rc == 1)
			rc = 0;
	}
	if (rc == 0) {
		setup(s, &x, "PUT", url);
		x.upload_path = path;
		rc = soak_http_xfer(&x, &status, err) ? -1 : 0;
	}
	free(url);
	return rc;
}

static int h_del(struct soak_cache_store *s, const char *name, struct soak_err *err)
{
	char *url = url_of(s->impl, name);
	struct soak_http_xfer x;
	int rc;

	if (!url)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	setup(s, &x, "DELETE", url);
	rc = soak_cache_http_del(&x, err);
	free(url);
	return rc;
}

static int h_list(struct soak_cache_store *s, const char *prefix, struct soak_cache_objs *out,
                  struct soak_err *err)
{
	const char *slash = strchr(prefix, '/'), *part = slash ? slash + 1 : "";
	size_t dn = slash ? (size_t)(slash - prefix) : strlen(prefix);
	struct remote *r = s->impl;
	struct soak_http_xfer x;
	struct soak_buf b;
	const cJSON *it;
	cJSON *j = NULL;
	char *url, *dir;
	long status;
	int rc;

	if (!(dir = soak_strndup(prefix, dn + 1)) || !(url = url_of(r, dir))) {
		free(dir);
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	}
	if (dir[dn] != '/')
		dir[dn] = '/';
	soak_buf_init(&b, LIST_MAX);
	setup(s, &x, "GET", url);
	x.body = &b;
	x.ok_status = 404;
	x.progress = NULL;
	rc = soak_http_xfer(&x, &status, err);
	if (rc == 1) {
		rc = 0;
		goto out;
	}
	if (rc < 0)
		goto out;
	if (soak_json_parse(soak_buf_str(&b), b.len, "the directory listing", SOAK_EXIT_ENV, &j,
	                    err) ||
	    !cJSON_IsArray(j)) {
		char shown[512];

		soak_url_mask_to(url, shown, sizeof(shown));
		if (j)
			soak_err_set(
			    err, SOAK_EXIT_ENV,
			    "'%s' is no JSON listing (nginx: autoindex on; autoindex_format json)",
			    shown);
		rc = -1;
		goto out;
	}
	cJSON_ArrayForEach(it, j)
	{
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "name");
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(it, "type");
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(it, "mtime");
		const cJSON *z = cJSON_GetObjectItemCaseSensitive(it, "size");
		char name[1024];
		time_t when;

		if (!cJSON_IsString(n) || !cJSON_IsString(t) || strcmp(t->valuestring, "file") ||
		    strncmp(n->valuestring, part, strlen(part)))
			continue;
		when = cJSON_IsString(m) ? curl_getdate(m->valuestring, NULL) : 0;
		snprintf(name, sizeof(name), "%.*s/%s", (int)dn, prefix, n->valuestring);
		if (soak_cache_objs_add(out, name, strlen(name),
		                        cJSON_IsNumber(z) ? (uint64_t)z->valuedouble : 0,
		                        when > 0 ? (int64_t)when * 1000 : 0)) {
			rc = soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
			goto out;
		}
	}
out:
	cJSON_Delete(j);
	soak_buf_free(&b);
	free(url);
	free(dir);
	return rc;
}

static void h_close(struct soak_cache_store *s)
{
	struct remote *r = s->impl;

	if (r)
		free(r->base);
	free(r);
	free(s->desc);
	free(s->tmpdir);
	free(s);
}

static const struct soak_cache_store_ops http_ops = {
    h_fetch, h_put, h_del, h_list, NULL, h_close,
};

int soak_cache_store_http_open(const struct soak_cache_opts *o, const char *url,
                               struct soak_cache_store **out, struct soak_err *err)
{
	struct soak_cache_store *s = calloc(1, sizeof(*s));
	struct remote *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!s || !r) {
		free(s);
		free(r);
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	}
	s->ops = &http_ops;
	s->impl = r;
	s->o = o;
	r->base = strdup(url);
	s->tmpdir = soak_os_tmpdir();
	if (r->base) {
		/* no password or token in messages */
		struct soak_buf shown;

		soak_buf_init(&shown, 64 * 1024);
		s->desc = soak_url_mask(&shown, r->base) ? NULL : soak_buf_detach(&shown, NULL);
		soak_buf_free(&shown);
	}
	if (!r->base || !s->tmpdir || !s->desc) {
		h_close(s);
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	}
	*out = s;
	return 0;
}
