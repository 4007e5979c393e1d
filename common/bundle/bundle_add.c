#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle_int.h"
#include "clock.h"
#include "exitcode.h"
#include "file.h"
#include "json.h"
#include "os.h"
#include "str.h"
#include "banned.h"

#define MANIFEST_MAX (64 * 1024 * 1024)

static const enum soak_archive_format formats[] = {SOAK_ARCHIVE_TAR, SOAK_ARCHIVE_TAR_GZ,
                                                   SOAK_ARCHIVE_TAR_ZST, SOAK_ARCHIVE_ZIP};

struct add {
	const char *dir; /* without trailing slashes */
	struct soak_bundle_result *res;
	int64_t epoch;
	struct soak_bundle_item *items; /* rel owned */
	size_t n;
};

static int oom(struct soak_err *err)
{
	return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
}

static int check_name(const char *name, struct soak_err *err)
{
	if (!*name || strchr(name, '/') || strchr(name, '\n') || strchr(name, '\\') ||
	    !strcmp(name, ".") || !strcmp(name, ".."))
		return soak_err_set(err, SOAK_EXIT_USAGE,
		                    "cannot add '%s' to a bundle: a plain file name is expected",
		                    name);
	if (!strcmp(name, "MANIFEST.json") || !strcmp(name, "SHA256SUMS"))
		return soak_err_set(err, SOAK_EXIT_USAGE,
		                    "cannot add '%s' to a bundle: the bundle writes it itself",
		                    name);
	return 0;
}

static int has(const char *dir, const char *name)
{
	struct soak_os_stat st;
	char *p = soak_path_join(dir, name);
	int rc = p && soak_os_lstat(p, &st) == 0;

	free(p);
	return rc;
}

/* Seconds, rounded down, from the manifest's "created". */
static int epoch_of(const cJSON *man, const char *dir, int64_t *epoch, struct soak_err *err)
{
	const char *c = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(man, "created"));
	int64_t ms;

	if (!c || soak_iso8601_parse(c, &ms) < 0)
		return soak_err_set(err, SOAK_EXIT_INPUT,
		                    "'%s/MANIFEST.json' has no \"created\" time: not a bundle "
		                    "soak-bundle release made",
		                    dir);
	*epoch = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	return 0;
}

static struct soak_bundle_item *grow(struct add *a, struct soak_err *err)
{
	struct soak_bundle_item *g = realloc(a->items, (a->n + 1) * sizeof(*g));

	if (!g) {
		oom(err);
		return NULL;
	}
	a->items = g;
	memset(&g[a->n], 0, sizeof(*g));
	return &g[a->n++];
}

/* The files MANIFEST.json lists (verified already), but name. */
static int items_of(struct add *a, const cJSON *man, const char *name, struct soak_err *err)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(man, "files"))
	{
		const char *p = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "path"));
		const char *h = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "sha256"));
		const char *m = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "mode"));
		const cJSON *size = cJSON_GetObjectItemCaseSensitive(f, "size");
		struct soak_bundle_item *it;

		if (!p || !h || strlen(h) != SOAK_SHA256_HEX_LEN - 1 || !cJSON_IsNumber(size) ||
		    size->valuedouble < 0)
			return soak_err_set(err, SOAK_EXIT_INPUT,
			                    "'%s/MANIFEST.json': a file without a path, size or "
			                    "sha256",
			                    a->dir);
		if (!strcmp(p, name))
			continue;
		if (!(it = grow(a, err)))
			return -1;
		if (!(it->rel = strdup(p)))
			return oom(err);
		it->size = (uint64_t)size->valuedouble;
		it->mode = m && !strcmp(m, "0755") ? 0755 : 0644;
		memcpy(it->hex, h, SOAK_SHA256_HEX_LEN);
	}
	return 0;
}

/* Write dir/rel atomically as the bundle's files are: mode 0644, the bundle's time. */
static int put(struct add *a, const char *rel, const void *data, size_t len, struct soak_err *err)
{
	char *p = soak_path_join(a->dir, rel);
	int rc;

	if (!p)
		return oom(err);
	rc = soak_file_write_atomic(p, data, len, err);
	if (!rc && soak_os_chmod(p, 0644) < 0)
		rc = soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot change mode of '%s'", p);
	if (!rc)
		rc = soak_bundle_stamp(p, a->epoch, err);
	free(p);
	return rc;
}

static int add_item(struct add *a, const char *rel, const void *data, size_t len,
                    struct soak_err *err)
{
	struct soak_bundle_item *it = grow(a, err);

	if (!it)
		return -1;
	if (!(it->rel = strdup(rel)))
		return oom(err);
	it->mode = 0644;
	it->size = len;
	if (soak_sha256_buf(data, len, it->hex, err))
		return -1;
	qsort(a->items, a->n, sizeof(*a->items), soak_bundle_item_cmp);
	return 0;
}

/* Rewrite each archive release wrote beside the bundle, as release writes it. */
static int archives(struct add *a, struct soak_err *err)
{
	char *real = soak_os_realpath(a->dir);
	const char *top, *base = soak_path_base(a->dir);
	const char *beside = a->dir; /* the archive's name: dir as given, unless "." or ".." */
	int ret = 0;

	if (!real)
		return soak_err_errno(err, SOAK_EXIT_INPUT, errno, "bundle '%s'", a->dir);
	top = soak_path_base(real);
	if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
		beside = real;
	for (size_t i = 0; *top && !ret && i < sizeof(formats) / sizeof(formats[0]); i++) {
		const char *ext = soak_archive_format_ext(formats[i]);
		char *path, *tmp;
		struct soak_os_stat st;

		if (asprintf(&path, "%s%s", beside, ext) < 0) {
			ret = oom(err);
			break;
		}
		if (soak_os_lstat(path, &st) < 0) {
			free(path);
			continue;
		}
		if (st.type != SOAK_OS_FILE) {
			if (soak_bundle_add_line(&a->res->warnings, &a->res->nwarnings,
			                         "'%s' is not a regular file: not rewritten", path))
				ret = oom(err);
			free(path);
			continue;
		}
		if (!(tmp = soak_bundle_side_name(path, ".tmp-"))) {
			ret = soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot write beside '%s'",
			                     path);
		} else if (soak_bundle_write_archive(a->items, a->n, formats[i], a->epoch, a->dir,
		                                     tmp, top, err) ||
		           (soak_os_rename(tmp, path) < 0 &&
		            soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot replace '%s'",
		                           path))) {
			soak_os_unlink(tmp);
			ret = -1;
		} else if (soak_bundle_add_line(&a->res->archives, &a->res->narchives, "%s",
		                                path)) {
			ret = oom(err);
		}
		if (ret && err->code != SOAK_EXIT_ENV)
			err->code = SOAK_EXIT_ENV;
		if (ret)
			soak_err_prefix(err,
			                "'%s' no longer matches '%s' (remake it with "
			                "'soak-bundle release --force')",
			                path, a->dir);
		free(tmp);
		free(path);
	}
	free(real);
	return ret;
}

static int seal(struct add *a, const char *name, const void *data, size_t len, struct soak_err *err)
{
	struct soak_buf sums;
	cJSON *man = NULL, *files;
	char *p, *text = NULL;
	int ret = -1;

	soak_buf_init(&sums, MANIFEST_MAX);
	if (!(p = soak_path_join(a->dir, "MANIFEST.json")))
		return oom(err);
	if (soak_json_load(p, MANIFEST_MAX, &man, err)) {
		free(p);
		return -1;
	}
	free(p);
	if (epoch_of(man, a->dir, &a->epoch, err) || items_of(a, man, name, err) ||
	    add_item(a, name, data, len, err))
		goto out;
	if (!(files = soak_bundle_manifest_files(a->items, a->n)))
		goto nomem;
	if (!cJSON_ReplaceItemInObjectCaseSensitive(man, "files", files)) {
		cJSON_Delete(files);
		goto nomem;
	}
	if (!(text = cJSON_Print(man)) || soak_buf_adds(&sums, text) < 0 ||
	    soak_buf_adds(&sums, "\n") < 0)
		goto nomem;
	/* the file first, then the lists naming it: an interruption leaves a bundle that
	   fails verification, never one whose lists vouch for what is not there */
	if (put(a, name, data, len, err) || put(a, "MANIFEST.json", sums.data, sums.len, err) ||
	    add_item(a, "MANIFEST.json", sums.data, sums.len, err))
		goto out;
	soak_buf_reset(&sums);
	if (soak_bundle_sums(a->items, a->n, &sums) < 0)
		goto nomem;
	if (put(a, "SHA256SUMS", sums.data, sums.len, err) ||
	    add_item(a, "SHA256SUMS", sums.data, sums.len, err) ||
	    soak_bundle_stamp(a->dir, a->epoch, err))
		goto out;
	a->res->sealed = 1;
	a->res->epoch = a->epoch;
	a->res->nfiles = a->n;
	for (size_t i = 0; i < a->n; i++)
		a->res->bytes += a->items[i].size;
	ret = archives(a, err);
	goto out;
nomem:
	oom(err);
out:
	free(text);
	cJSON_Delete(man);
	soak_buf_free(&sums);
	return ret;
}

int soak_bundle_add_file(const char *dir, const char *name, const void *data, size_t len,
                         struct soak_bundle_result *res, struct soak_err *err)
{
	struct add a = {.res = res};
	size_t n = strlen(dir);
	char *d, *p;
	int ret;

	memset(res, 0, sizeof(*res));
	if (check_name(name, err))
		return -1;
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (!(d = soak_strndup(dir, n)))
		return oom(err);
	a.dir = d;
	if (!has(d, "MANIFEST.json") && !has(d, "SHA256SUMS")) {
		if (!(p = soak_path_join(d, name))) {
			free(d);
			return oom(err);
		}
		ret = soak_file_write_atomic(p, data, len, err);
		free(p);
		free(d);
		return ret;
	}
	ret = soak_bundle_verify_skip(d, name, res, err);
	if (!ret) {
		soak_bundle_result_free(res);
		ret = seal(&a, name, data, len, err);
	}
	for (size_t i = 0; i < a.n; i++)
		free(a.items[i].rel);
	free(a.items);
	free(d);
	return ret;
}
