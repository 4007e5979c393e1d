/*
 * The local store: DIR/soak-cache-v1/<version>/<object>, temporary files in
 * DIR/soak-cache-v1/tmp (same file system, so a put is a rename). Metadata
 * goes in with link(2), which never replaces: the first of two concurrent
 * saves wins. An archive's modification time is its last use, for the budget.
 * Nothing is fsync'ed: an entry a power cut damaged fails its checksum (a miss).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache_store.h"
#include "exitcode.h"
#include "clock.h"
#include "file.h"
#include "os.h"
#include "banned.h"

#define LAYOUT "soak-cache-v1"
#define STALE_MS (24LL * 3600 * 1000) /* a temporary or orphaned file this old is litter */

struct local {
	char *root; /* DIR/soak-cache-v1 */
};

static char *obj_path(const struct local *l, const char *name)
{
	size_t n = strlen(l->root) + strlen(name) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/%s", l->root, name);
	return p;
}

static int64_t mtime_ms(const struct soak_os_stat *st)
{
	return st->mtime_ns / 1000000;
}

static int l_fetch(struct soak_cache_store *s, const char *name, uint64_t max, int *fd,
                   struct soak_err *err)
{
	char *p = obj_path(s->impl, name);
	struct soak_os_stat st;

	if (!p)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	*fd = soak_os_open(p, SOAK_O_RDONLY | SOAK_O_NOFOLLOW, 0);
	if (*fd < 0) {
		int e = errno;

		free(p);
		if (e == ENOENT || e == ENOTDIR)
			return 0;
		return soak_err_errno(err, e == ELOOP ? SOAK_EXIT_INPUT : SOAK_EXIT_ENV, e,
		                      "cannot open '%s'", name);
	}
	free(p);
	if (soak_os_fstat(*fd, &st) < 0 || st.type != SOAK_OS_FILE || (max && st.size > max)) {
		soak_os_close(*fd);
		*fd = -1;
		return soak_err_set(err, SOAK_EXIT_INPUT,
		                    "'%s' is not a file of at most %" PRIu64 " bytes", name, max);
	}
	return 1;
}

static int l_put(struct soak_cache_store *s, const char *name, const char *path, const char *sha256,
                 int excl, struct soak_err *err)
{
	char *dst = obj_path(s->impl, name), *dir, *slash;
	int rc = 0;

	(void)sha256;
	if (!dst || !(dir = strdup(dst))) {
		free(dst);
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	}
	if ((slash = strrchr(dir, '/')))
		*slash = '\0';
	if (soak_mkdir_p(dir, err)) {
		rc = -1;
	} else if (excl) {
		if (soak_os_link(path, dst) < 0)
			rc = errno == EEXIST ? 1
			                     : soak_err_errno(err, SOAK_EXIT_ENV, errno,
			                                      "cannot store '%s'", dst);
	} else if (soak_os_rename(path, dst) < 0) {
		rc = soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot store '%s'", dst);
	}
	free(dir);
	free(dst);
	return rc;
}

static int l_del(struct soak_cache_store *s, const char *name, struct soak_err *err)
{
	char *p = obj_path(s->impl, name);
	int rc = 0;

	if (!p)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	if (soak_os_unlink(p) < 0 && errno != ENOENT)
		rc = soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot remove '%s'", p);
	free(p);
	return rc;
}

static int l_list(struct soak_cache_store *s, const char *prefix, struct soak_cache_objs *out,
                  struct soak_err *err)
{
	const struct local *l = s->impl;
	const char *slash = strchr(prefix, '/'), *part = slash ? slash + 1 : "";
	size_t dn = slash ? (size_t)(slash - prefix) : strlen(prefix), pn = strlen(part);
	char dir[4096], name[4096], path[8192];
	char **names;
	size_t nn;

	snprintf(dir, sizeof(dir), "%s/%.*s", l->root, (int)dn, prefix);
	if (soak_os_list_dir(dir, &names, &nn) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot read '%s'", dir);
	}
	for (size_t i = 0; i < nn; i++) {
		const char *d_name = names[i];
		struct soak_os_stat st;

		if (d_name[0] == '.' || strncmp(d_name, part, pn))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d_name);
		if (soak_os_lstat(path, &st) < 0 || st.type != SOAK_OS_FILE)
			continue;
		snprintf(name, sizeof(name), "%.*s/%s", (int)dn, prefix, d_name);
		if (soak_cache_objs_add(out, name, strlen(name), st.size, mtime_ms(&st))) {
			soak_os_names_free(names, nn);
			return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		}
	}
	soak_os_names_free(names, nn);
	return 0;
}

static void l_touch(struct soak_cache_store *s, const char *name)
{
	char *p = obj_path(s->impl, name);

	if (p) {
		int64_t now_ns = soak_wall_ms() * 1000000;

		soak_os_utimes(p, now_ns, now_ns, 1);
	}
	free(p);
}

static void l_close(struct soak_cache_store *s)
{
	struct local *l = s->impl;

	if (l)
		free(l->root);
	free(l);
	free(s->desc);
	free(s->tmpdir);
	free(s);
}

static const struct soak_cache_store_ops local_ops = {
    l_fetch, l_put, l_del, l_list, l_touch, l_close,
};

int soak_cache_store_local_open(const struct soak_cache_opts *o, const char *dir,
                                struct soak_cache_store **out, struct soak_err *err)
{
	struct soak_cache_store *s = calloc(1, sizeof(*s));
	struct local *l = calloc(1, sizeof(*l));

	*out = NULL;
	if (!s || !l) {
		free(s);
		free(l);
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	}
	s->ops = &local_ops;
	s->impl = l;
	s->local = 1;
	s->o = o;
	s->desc = strdup(dir);
	l->root = soak_path_join(dir, LAYOUT);
	s->tmpdir = l->root ? soak_path_join(l->root, "tmp") : NULL;
	if (!s->desc || !l->root || !s->tmpdir) {
		l_close(s);
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	}
	if (soak_mkdir_p(s->tmpdir, err)) {
		soak_err_prefix(err, "cache store");
		l_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

/* ---- the budget ---- */

struct entry {
	char *meta;     /* "<version>/<name>.json", or NULL for an orphaned archive */
	char *blobs[4]; /* its archives (one, normally) */
	size_t nblobs;
	uint64_t size;
	int64_t used_ms;
};

static int by_use(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return x->used_ms < y->used_ms ? -1 : x->used_ms > y->used_ms;
}

/* Every entry of one version directory (and its orphaned archives). */
static int scan_version(const char *root, const char *ver, struct entry **v, size_t *n, size_t *cap,
                        int64_t now_ms)
{
	struct soak_cache_objs objs = {0};
	struct soak_cache_store fake = {0};
	struct local l = {(char *)root};
	struct soak_err err = {0};
	char prefix[300];

	fake.impl = &l;
	snprintf(prefix, sizeof(prefix), "%s/", ver);
	if (l_list(&fake, prefix, &objs, &err))
		return -1;
	for (size_t i = 0; i < objs.n; i++) {
		const char *nm = objs.v[i].name;
		size_t len = strlen(nm);

		if (len > 5 && !strcmp(nm + len - 5, ".json")) {
			struct entry *e;

			if (*n == *cap) {
				size_t c = *cap ? 2 * *cap : 64;
				struct entry *t = realloc(*v, c * sizeof(*t));

				if (!t)
					goto oom;
				*v = t;
				*cap = c;
			}
			e = &(*v)[(*n)++];
			memset(e, 0, sizeof(*e));
			e->meta = objs.v[i].name;
			objs.v[i].name = NULL;
			e->size = objs.v[i].size;
			e->used_ms = objs.v[i].mtime_ms;
		}
	}
	for (size_t i = 0; i < objs.n; i++) {
		const char *nm = objs.v[i].name;
		struct entry *owner = NULL;

		if (!nm)
			continue;
		for (size_t k = 0; k < *n && !owner; k++) {
			size_t ml = strlen((*v)[k].meta) - 5; /* without ".json" */

			if (!strncmp(nm, (*v)[k].meta, ml) && nm[ml] == '.')
				owner = &(*v)[k];
		}
		if (!owner) {
			/* an archive whose metadata never came: a save in flight, or litter */
			if (now_ms - objs.v[i].mtime_ms < STALE_MS)
				continue;
			if (*n == *cap) {
				size_t c = *cap ? 2 * *cap : 64;
				struct entry *t = realloc(*v, c * sizeof(*t));

				if (!t)
					goto oom;
				*v = t;
				*cap = c;
			}
			owner = &(*v)[(*n)++];
			memset(owner, 0, sizeof(*owner));
			owner->used_ms = INT64_MIN; /* first to go */
		}
		if (owner->nblobs < sizeof(owner->blobs) / sizeof(owner->blobs[0])) {
			owner->blobs[owner->nblobs++] = objs.v[i].name;
			objs.v[i].name = NULL;
		}
		owner->size += objs.v[i].size;
		if (owner->meta && objs.v[i].mtime_ms > owner->used_ms)
			owner->used_ms = objs.v[i].mtime_ms;
	}
	soak_cache_objs_free(&objs);
	return 0;
oom:
	soak_cache_objs_free(&objs);
	return -1;
}

int soak_cache_store_local_evict(struct soak_cache_store *s, uint64_t budget, const char *keep,
                                 struct soak_cache_result *res, struct soak_err *err)
{
	const struct local *l = s->impl;
	struct entry *v = NULL;
	size_t n = 0, cap = 0;
	uint64_t total = 0;
	int64_t now_ms = soak_wall_ms();
	char **names;
	size_t nn;
	int ret = -1;

	if (soak_os_list_dir(l->root, &names, &nn) < 0)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot read '%s'", l->root);
	for (size_t i = 0; i < nn; i++) {
		const char *d_name = names[i];

		if (d_name[0] == '.' || !strcmp(d_name, "tmp") || strlen(d_name) > 128)
			continue;
		if (scan_version(l->root, d_name, &v, &n, &cap, now_ms)) {
			soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++)
		total += v[i].size;
	if (n)
		qsort(v, n, sizeof(*v), by_use);
	for (size_t i = 0; i < n && total > budget; i++) {
		if (v[i].meta && !strcmp(v[i].meta, keep))
			continue;
		/* the metadata first: the entry is gone at once, never half there */
		if (v[i].meta && l_del(s, v[i].meta, err))
			goto out;
		for (size_t k = 0; k < v[i].nblobs; k++)
			if (l_del(s, v[i].blobs[k], err))
				goto out;
		total -= v[i].size;
		res->evicted += v[i].meta != NULL;
		res->evicted_bytes += v[i].size;
	}
	ret = 0;
out:
	soak_os_names_free(names, nn);
	for (size_t i = 0; i < n; i++) {
		free(v[i].meta);
		for (size_t k = 0; k < v[i].nblobs; k++)
			free(v[i].blobs[k]);
	}
	free(v);
	return ret;
}
