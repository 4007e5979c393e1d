/* What the three stores share: opening by the form of the store's name,
 * object lists, temporary files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache_store.h"
#include "exitcode.h"
#include "http.h"
#include "os.h"
#include "str.h"
#include "url.h"
#include "banned.h"

int soak_cache_objs_add(struct soak_cache_objs *l, const char *name, size_t namelen, uint64_t size,
                        int64_t mtime_ms)
{
	char *n;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct soak_cache_obj *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	if (!(n = soak_strndup(name, namelen)))
		return -1;
	l->v[l->n].name = n;
	l->v[l->n].size = size;
	l->v[l->n].mtime_ms = mtime_ms;
	l->n++;
	return 0;
}

void soak_cache_objs_free(struct soak_cache_objs *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int soak_cache_tmpfile(const char *dir, const char *what, char **path, int *fd,
                       struct soak_err *err)
{
	size_t n = strlen(dir) + strlen(what) + 32;

	*path = malloc(n);
	if (!*path)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	snprintf(*path, n, "%s/.%s-XXXXXX", dir, what);
	*fd = soak_os_mkstemp(*path);
	if (*fd < 0) {
		int e = errno;

		free(*path);
		*path = NULL;
		return soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot create a file in '%s'", dir);
	}
	return 0;
}

int soak_cache_anon_file(int *fd, struct soak_err *err)
{
	char *dir = soak_os_tmpdir(), *path;
	int rc;

	if (!dir)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno,
		                      "cannot find the directory for temporary files");
	rc = soak_cache_tmpfile(dir, "soak-cache", &path, fd, err);
	free(dir);
	if (rc)
		return -1;
	soak_os_unlink(path);
	free(path);
	return 0;
}

int soak_cache_http_get(struct soak_http_xfer *x, uint64_t max, int *fd, struct soak_err *err)
{
	long status;
	int rc;

	if (soak_cache_anon_file(fd, err))
		return -1;
	x->download_fd = *fd;
	x->max_download = max;
	x->ok_status = 404;
	rc = soak_http_xfer(x, &status, err);
	if (rc == 0 && soak_os_seek(*fd, 0, 0) == 0)
		return 1;
	soak_os_close(*fd);
	*fd = -1;
	return rc == 1 ? 0 : -1;
}

int soak_cache_http_del(struct soak_http_xfer *x, struct soak_err *err)
{
	long status;

	x->ok_status = 404;
	return soak_http_xfer(x, &status, err) < 0 ? -1 : 0;
}

char *soak_cache_uri_escape(const char *s, int keep_slash)
{
	size_t n = strlen(s);
	char *out = malloc(3 * n + 1), *q = out;

	if (!out)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '~' ||
		    (keep_slash && *p == '/')) {
			*q++ = (char)*p;
		} else {
			snprintf(q, 4, "%%%02X", *p);
			q += 3;
		}
	}
	*q = '\0';
	return out;
}

static char *join2(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *s = malloc(n);

	if (s)
		snprintf(s, n, "%s/%s", a, b);
	return s;
}

char *soak_cache_default_dir(void)
{
	const char *v = soak_os_getenv("SOAK_CACHE_DIR");

	if (v && *v)
		return strdup(v);
	if ((v = soak_os_getenv("RUNNER_TOOL_CACHE")) && *v)
		return join2(v, "soak-cache");
	if ((v = soak_os_getenv("XDG_CACHE_HOME")) && *v && v[0] == '/')
		return join2(v, "soak-cache");
	if ((v = soak_os_getenv("HOME")) && *v) {
#ifdef __APPLE__
		return join2(v, "Library/Caches/soak-cache");
#else
		return join2(v, ".cache/soak-cache");
#endif
	}
	return NULL;
}

int soak_cache_store_open(const struct soak_cache_opts *o, struct soak_cache_store **s,
                          struct soak_err *err)
{
	const char *spec = o->store;
	char *dir;
	int rc;

	*s = NULL;
	if (spec && (!strncmp(spec, "http://", 7) || !strncmp(spec, "https://", 8)))
		return soak_cache_store_http_open(o, spec, s, err);
	if (spec && !strncmp(spec, "s3://", 5))
		return soak_cache_store_s3_open(o, spec, s, err);
	if (spec && strstr(spec, "://")) {
		char shown[512];

		soak_url_mask_to(spec, shown, sizeof(shown));
		return soak_err_set(
		    err, SOAK_EXIT_USAGE,
		    "unknown store '%s' (a directory, http(s)://... or s3://bucket)", shown);
	}
	if (spec && *spec)
		return soak_cache_store_local_open(o, spec, s, err);
	if (!(dir = soak_cache_default_dir()))
		return soak_err_set(err, SOAK_EXIT_USAGE,
		                    "no store: give --store, or set SOAK_CACHE_DIR or HOME");
	rc = soak_cache_store_local_open(o, dir, s, err);
	free(dir);
	return rc;
}

void soak_cache_store_close(struct soak_cache_store *s)
{
	if (s)
		s->ops->close(s);
}
