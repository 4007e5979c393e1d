#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "clock.h"
#include "cache_int.h"
#include "exitcode.h"
#include "hash.h"
#include "json.h"
#include "os.h"
#include "utc.h"
#include "banned.h"

#define META_MAX (64 * 1024)
#define NAME_SPLIT 160 /* a longer name is cut to a head and a hash */
#define NAME_HEAD 128

#if defined(__linux__)
#define CACHE_OS "linux"
#elif defined(__APPLE__)
#define CACHE_OS "macos"
#elif defined(_WIN32)
#define CACHE_OS "windows"
#else
#define CACHE_OS "unix"
#endif

static int add_warning(struct soak_cache_result *res, const char *fmt, ...) SOAK_PRINTF(2, 3);

static int add_warning(struct soak_cache_result *res, const char *fmt, ...)
{
	char msg[SOAK_ERR_MAX + 256], **t;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	t = realloc(res->warnings, (res->nwarnings + 1) * sizeof(*t));
	if (!t)
		return -1;
	res->warnings = t;
	if (!(t[res->nwarnings] = strdup(msg)))
		return -1;
	res->nwarnings++;
	return 0;
}

void soak_cache_result_free(struct soak_cache_result *res)
{
	for (size_t i = 0; i < res->nwarnings; i++)
		free(res->warnings[i]);
	free(res->warnings);
	free(res->matched_key);
	memset(res, 0, sizeof(*res));
}

int soak_cache_check_key(const char *key, const char *what, struct soak_err *err)
{
	size_t chars = 0;
	int more = 0;

	if (!key || !*key)
		return soak_err_set(err, SOAK_EXIT_USAGE, "the %s is empty", what);
	/* a character: a UTF-8 lead byte with the continuation bytes it announces, or
	 * any other byte (so a stray continuation byte counts, and a key is at most
	 * 4 x 512 bytes) */
	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		if (more && (*p & 0xc0) == 0x80) {
			more--;
			continue;
		}
		chars++;
		more = (*p & 0xf8) == 0xf0   ? 3
		       : (*p & 0xf0) == 0xe0 ? 2
		       : (*p & 0xe0) == 0xc0 ? 1
		                             : 0;
	}
	if (chars > SOAK_CACHE_KEY_MAX)
		return soak_err_set(err, SOAK_EXIT_USAGE,
		                    "the %s has %zu characters; at most %d are allowed", what,
		                    chars, SOAK_CACHE_KEY_MAX);
	if (strchr(key, ','))
		return soak_err_set(err, SOAK_EXIT_USAGE,
		                    "the %s '%s' has a comma; commas are not allowed", what, key);
	return 0;
}

static const char *compression_name(enum soak_cache_compression c)
{
	return c == SOAK_CACHE_GZIP ? "gzip" : "zstd";
}

static const char *blob_ext(enum soak_cache_compression c)
{
	return c == SOAK_CACHE_GZIP ? ".tar.gz" : ".tar.zst";
}

int soak_cache_version(const struct soak_cache_opts *o, char out[65], struct soak_err *err)
{
	struct soak_buf b;
	int rc;

	soak_buf_init(&b, 1024 * 1024);
	for (size_t i = 0; i < o->npaths; i++) {
		const char *s = o->paths[i];
		size_t n;

		while (*s == ' ' || *s == '\t')
			s++;
		n = strlen(s);
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
			n--;
		if (!n)
			continue;
		if (soak_buf_add(&b, s, n) || soak_buf_adds(&b, "|")) {
			soak_buf_free(&b);
			return soak_err_set(err, SOAK_EXIT_USAGE, "the path list is too long");
		}
	}
	if (soak_buf_addf(&b, "%s|%s|soak-cache-1", compression_name(o->compression),
	                  o->cross_os ? "any-os" : CACHE_OS)) {
		soak_buf_free(&b);
		return soak_err_set(err, SOAK_EXIT_USAGE, "the path list is too long");
	}
	rc = soak_sha256_buf(b.data, b.len, out, err);
	soak_buf_free(&b);
	return rc;
}

static int plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* The escaped form of s, without the long-name rule. */
static char *escape_key(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(3 * n + 1), *q = out;

	if (!out)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (plain(*p)) {
			*q++ = (char)*p;
		} else {
			snprintf(q, 4, "~%02x", *p);
			q += 3;
		}
	}
	*q = '\0';
	return out;
}

/* The length of the longest prefix of an escaped name within max bytes that ends between escapes.
 */
static size_t cut(const char *esc, size_t max)
{
	size_t i = 0;

	while (esc[i]) {
		size_t step = esc[i] == '~' ? 3 : 1;

		if (i + step > max)
			break;
		i += step;
	}
	return i;
}

char *soak_cache_key_name(const char *key)
{
	char *esc = escape_key(key), hex[65], *out;
	size_t head;

	if (!esc || strlen(esc) <= NAME_SPLIT)
		return esc;
	if (soak_sha256_buf(key, strlen(key), hex, NULL)) {
		free(esc);
		return NULL;
	}
	head = cut(esc, NAME_HEAD);
	out = malloc(head + 2 + 32 + 1);
	if (out)
		snprintf(out, head + 2 + 32 + 1, "%.*s~~%.32s", (int)head, esc, hex);
	free(esc);
	return out;
}

/* ---- metadata ---- */

struct meta {
	char *key, *blob, *compression;
	char sha256[65];
	uint64_t size, files, bytes;
	int64_t created_ns;
};

static void meta_free(struct meta *m)
{
	free(m->key);
	free(m->blob);
	free(m->compression);
	memset(m, 0, sizeof(*m));
}

static int json_u64(const cJSON *o, const char *name, uint64_t *v)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!cJSON_IsNumber(x) || x->valuedouble < 0)
		return -1;
	*v = (uint64_t)x->valuedouble;
	return 0;
}

static const char *json_str(const cJSON *o, const char *name)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(x) ? x->valuestring : NULL;
}

/* A blob name this version could have written: "<version>/<name>.<16 hex><ext>". */
static int blob_name_ok(const char *blob, const char *version)
{
	size_t vn = strlen(version);

	if (strncmp(blob, version, vn) || blob[vn] != '/')
		return 0;
	for (const char *p = blob + vn + 1; *p; p++)
		if (!plain((unsigned char)*p) && *p != '~' && *p != '.')
			return 0;
	return !strstr(blob, "..");
}

/* Read and check the metadata in fd: 0, or -1 with a reason in err. */
static int meta_read(int fd, const char *version, struct meta *m, struct soak_err *err)
{
	struct soak_buf b;
	char block[8192];
	cJSON *j = NULL;
	const cJSON *sch;
	const char *s;
	uint64_t created;
	ptrdiff_t n;

	memset(m, 0, sizeof(*m));
	soak_buf_init(&b, META_MAX);
	while ((n = soak_os_read(fd, block, sizeof(block))) != 0) {
		if (n < 0 || soak_buf_add(&b, block, (size_t)n)) {
			soak_buf_free(&b);
			return soak_err_set(err, SOAK_EXIT_INPUT, "unreadable or too large");
		}
	}
	if (soak_json_parse(soak_buf_str(&b), b.len, "metadata", SOAK_EXIT_INPUT, &j, err)) {
		soak_buf_free(&b);
		return -1;
	}
	soak_buf_free(&b);
	sch = cJSON_GetObjectItemCaseSensitive(j, "schema");
	if (!cJSON_IsNumber(sch) || sch->valueint != 1)
		goto bad;
	if (!(s = json_str(j, "version")) || strcmp(s, version))
		goto bad;
	if (!(s = json_str(j, "key")) || !(m->key = strdup(s)))
		goto bad;
	if (!(s = json_str(j, "archive")) || !blob_name_ok(s, version) || !(m->blob = strdup(s)))
		goto bad;
	if (!(s = json_str(j, "compression")) || !(m->compression = strdup(s)))
		goto bad;
	if (!(s = json_str(j, "sha256")) || !soak_sha256_is_hex(s, strlen(s)))
		goto bad;
	memcpy(m->sha256, s, 65);
	if (json_u64(j, "size", &m->size) || json_u64(j, "files", &m->files) ||
	    json_u64(j, "bytes", &m->bytes) || json_u64(j, "created_ns", &created))
		goto bad;
	m->created_ns = (int64_t)created;
	cJSON_Delete(j);
	return 0;
bad:
	cJSON_Delete(j);
	meta_free(m);
	return soak_err_set(err, SOAK_EXIT_INPUT, "not valid cache metadata");
}

static char *meta_name(const char *version, const char *kname)
{
	size_t n = strlen(version) + strlen(kname) + 8;
	char *s = malloc(n);

	if (s)
		snprintf(s, n, "%s/%s.json", version, kname);
	return s;
}

/* Fetch and read a metadata object: 1, 0 when missing, -1 on a store error.
 * Damaged metadata is a warning and 0. */
static int meta_fetch(struct soak_cache_store *s, const char *name, const char *version,
                      struct meta *m, struct soak_cache_result *res, struct soak_err *err)
{
	struct soak_err why = {0};
	int fd = -1, rc;

	rc = s->ops->fetch(s, name, META_MAX, &fd, err);
	if (rc <= 0) {
		if (rc < 0 && err->code == SOAK_EXIT_INPUT) {
			add_warning(res, "cache entry '%s' in '%s': %s; ignored", name, s->desc,
			            err->msg);
			soak_err_clear(err);
			return 0;
		}
		return rc;
	}
	rc = meta_read(fd, version, m, &why);
	soak_os_close(fd);
	if (rc) {
		add_warning(res, "cache entry '%s' in '%s': %s; ignored", name, s->desc, why.msg);
		return 0;
	}
	return 1;
}

static int write_meta(const struct soak_cache_opts *o, const char *path, const char *key,
                      const char *version, const char *blob, const struct soak_cache_tar_stats *st,
                      struct soak_err *err)
{
	cJSON *j = cJSON_CreateObject(), *paths = cJSON_AddArrayToObject(j, "paths");
	int64_t now_ns = soak_wall_ns();
	char created[32];
	struct tm tm;
	int rc;

	soak_utc_split(now_ns / 1000000000, &tm);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	for (size_t i = 0; i < o->npaths; i++)
		cJSON_AddItemToArray(paths, cJSON_CreateString(o->paths[i]));
	cJSON_AddNumberToObject(j, "schema", 1);
	cJSON_AddStringToObject(j, "key", key);
	cJSON_AddStringToObject(j, "version", version);
	cJSON_AddStringToObject(j, "compression", compression_name(o->compression));
	cJSON_AddStringToObject(j, "os", o->cross_os ? "any" : CACHE_OS);
	cJSON_AddStringToObject(j, "archive", blob);
	cJSON_AddStringToObject(j, "sha256", st->sha256);
	cJSON_AddNumberToObject(j, "size", (double)st->size);
	cJSON_AddNumberToObject(j, "files", (double)st->files);
	cJSON_AddNumberToObject(j, "bytes", (double)st->bytes);
	cJSON_AddStringToObject(j, "created", created);
	cJSON_AddNumberToObject(j, "created_ns", (double)now_ns);
	cJSON_AddStringToObject(j, "tool", "soak-bundle " SOAK_VERSION);
	rc = soak_json_replace(path, j, 1, err);
	cJSON_Delete(j);
	return rc;
}

/* ---- save ---- */

static int open_all(const struct soak_cache_opts *o, struct soak_cache_paths *p,
                    struct soak_cache_store **s, struct soak_cache_result *res,
                    struct soak_err *err)
{
	if (soak_cache_version(o, res->version, err))
		return -1;
	if (soak_cache_paths_init(p, o->root, o->paths, o->npaths, err))
		return -1;
	if (soak_cache_store_open(o, s, err)) {
		soak_cache_paths_free(p);
		return -1;
	}
	return 0;
}

/* After our metadata went in: someone else's may have won (or been there). */
static int settle(struct soak_cache_store *s, const char *mname, const char *blob,
                  const char *version, struct soak_cache_result *res, struct soak_err *err)
{
	struct meta m;
	int rc = meta_fetch(s, mname, version, &m, res, err);

	if (rc < 0)
		return -1;
	if (rc == 1 && !strcmp(m.blob, blob)) {
		meta_free(&m);
		return 0; /* ours */
	}
	if (rc == 1)
		meta_free(&m);
	res->exists = 1;
	res->saved = 0;
	return s->ops->del(s, blob, err);
}

int soak_cache_save(const struct soak_cache_opts *o, const char *key, struct soak_cache_result *res,
                    struct soak_err *err)
{
	struct soak_cache_paths p;
	struct soak_cache_store *s = NULL;
	struct soak_cache_tar_stats st;
	struct soak_cache_prog pr;
	char *kname = NULL, *mname = NULL, *tmp = NULL, *mtmp = NULL, blob[512];
	struct meta m;
	int ret = -1, fd, rc;

	memset(res, 0, sizeof(*res));
	soak_cache_prog_start(&pr, o);
	if (soak_cache_check_key(key, "key", err))
		return -1;
	if (open_all(o, &p, &s, res, err))
		return -1;
	s->prog = &pr;
	if (!(kname = soak_cache_key_name(key)) || !(mname = meta_name(res->version, kname))) {
		soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		goto out;
	}
	rc = meta_fetch(s, mname, res->version, &m, res, err);
	if (rc < 0)
		goto out;
	if (rc == 1) {
		meta_free(&m);
		res->exists = 1;
		ret = 0;
		goto out;
	}
	if (soak_cache_tmpfile(s->tmpdir, "archive", &tmp, &fd, err))
		goto out;
	soak_os_close(fd);
	if (soak_cache_tar_write(o, &p, tmp, &pr, &st, &res->warnings, &res->nwarnings, err))
		goto out;
	res->files = st.files;
	res->bytes = st.bytes;
	res->size = st.size;
	if (!st.files) {
		add_warning(res, "no file matches the paths; nothing was saved");
		ret = 0;
		goto out;
	}
	if (s->local && o->max_store_size && st.size > o->max_store_size) {
		add_warning(res,
		            "the archive (%" PRIu64 " bytes) is larger than the store's budget "
		            "of %" PRIu64 " bytes (--max-store-size); nothing was saved",
		            st.size, o->max_store_size);
		ret = 0;
		goto out;
	}
	snprintf(blob, sizeof(blob), "%s/%s.%.16s%s", res->version, kname, st.sha256,
	         blob_ext(o->compression));
	pr.p.phase = "uploading";
	pr.p.total = st.size;
	if (s->ops->put(s, blob, tmp, st.sha256, 0, err))
		goto out;
	if (soak_cache_tmpfile(s->tmpdir, "meta", &mtmp, &fd, err))
		goto out;
	soak_os_close(fd);
	if (write_meta(o, mtmp, key, res->version, blob, &st, err))
		goto out;
	rc = s->ops->put(s, mname, mtmp, NULL, 1, err);
	if (rc < 0)
		goto out;
	res->saved = 1;
	if (rc == 1 || !s->local) {
		/* another save was first (or, remotely, may have raced us): one entry stays */
		if (settle(s, mname, blob, res->version, res, err))
			goto out;
	}
	if (res->saved && s->local && o->max_store_size &&
	    soak_cache_store_local_evict(s, o->max_store_size, mname, res, err))
		goto out;
	ret = 0;
out:
	if (tmp) {
		soak_os_unlink(tmp);
		free(tmp);
	}
	if (mtmp) {
		soak_os_unlink(mtmp);
		free(mtmp);
	}
	res->ms = soak_cache_now_ms() - pr.t0;
	free(kname);
	free(mname);
	soak_cache_store_close(s);
	soak_cache_paths_free(&p);
	return ret;
}

/* ---- restore ---- */

static int by_mtime_desc(const void *a, const void *b)
{
	const struct soak_cache_obj *x = a, *y = b;
	int64_t sx = x->mtime_ms / 1000, sy = y->mtime_ms / 1000;

	return sx < sy ? 1 : sx > sy ? -1 : strcmp(x->name, y->name);
}

static int starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/*
 * The newest entry whose key starts with prefix: 1 with *m, 0 when none.
 * Entries are ordered by the store's time (to the second), then by creation.
 */
static int find_prefix(struct soak_cache_store *s, const char *version, const char *prefix,
                       struct meta *best, struct soak_cache_result *res, struct soak_err *err)
{
	struct soak_cache_objs l = {0};
	char *esc = escape_key(prefix), *lp = NULL;
	size_t vn = strlen(version), n, k = 0;
	int found = 0, ret = -1;

	if (!esc)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	n = strlen(esc);
	if (n > NAME_HEAD)
		n = cut(esc, NAME_HEAD);
	if (!(lp = malloc(vn + n + 2))) {
		soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		goto out;
	}
	snprintf(lp, vn + n + 2, "%s/%.*s", version, (int)n, esc);
	if (s->ops->list(s, lp, &l, err))
		goto out;
	/* the metadata objects whose key may start with prefix: a long key's name
	 * holds only a head of it, so those are settled by their metadata */
	for (size_t i = 0; i < l.n; i++) {
		const char *nm = l.v[i].name + vn + 1, *dbl;
		size_t len = strlen(l.v[i].name) > vn ? strlen(nm) : 0, head;
		int maybe;

		maybe = len > 5 && !strcmp(nm + len - 5, ".json") &&
		        !strncmp(l.v[i].name, version, vn) && l.v[i].name[vn] == '/';
		if (maybe) {
			dbl = strstr(nm, "~~");
			head = dbl ? (size_t)(dbl - nm) : len;
			maybe = !strncmp(nm, esc, head < strlen(esc) ? head : strlen(esc)) &&
			        (dbl || head >= strlen(esc));
		}
		if (!maybe) {
			free(l.v[i].name);
			continue;
		}
		l.v[k++] = l.v[i];
	}
	l.n = k;
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), by_mtime_desc);
	for (size_t i = 0; i < l.n && !found;) {
		int64_t sec = l.v[i].mtime_ms / 1000;

		/* all of one second, the newest creation winning */
		for (; i < l.n && l.v[i].mtime_ms / 1000 == sec; i++) {
			struct meta m;
			int rc = meta_fetch(s, l.v[i].name, version, &m, res, err);

			if (rc < 0)
				goto out;
			if (rc == 0)
				continue;
			if (!starts(m.key, prefix)) {
				meta_free(&m);
				continue;
			}
			if (!found || m.created_ns > best->created_ns) {
				if (found)
					meta_free(best);
				*best = m;
				found = 1;
			} else {
				meta_free(&m);
			}
		}
	}
	ret = found;
out:
	soak_cache_objs_free(&l);
	free(esc);
	free(lp);
	return ret;
}

/* Check the archive in fd against the metadata. 0, or -1 with the reason. */
static int verify_blob(int fd, const struct meta *m, struct soak_cache_prog *pr,
                       struct soak_err *err)
{
	char block[1 << 16], hex[65];
	struct soak_sha256 h;
	uint64_t total = 0;
	struct soak_os_stat st;

	if (soak_os_fstat(fd, &st) < 0)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot stat the archive");
	if ((uint64_t)st.size != m->size)
		return soak_err_set(err, SOAK_EXIT_INPUT,
		                    "the archive has %" PRIu64 " bytes, its metadata says %" PRIu64,
		                    (uint64_t)st.size, m->size);
	if (soak_sha256_init(&h, err))
		return -1;
	pr->p.phase = "verifying";
	for (;;) {
		ptrdiff_t n = soak_os_pread(fd, block, sizeof(block), total);

		if (n < 0) {
			soak_sha256_free(&h);
			return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot read the archive");
		}
		if (n == 0)
			break;
		if (soak_sha256_update(&h, block, (size_t)n, err)) {
			soak_sha256_free(&h);
			return -1;
		}
		total += (uint64_t)n;
	}
	if (soak_sha256_final(&h, hex, err))
		return -1;
	if (strcmp(hex, m->sha256))
		return soak_err_set(err, SOAK_EXIT_INPUT,
		                    "the archive's SHA-256 is %s, its metadata says %s", hex,
		                    m->sha256);
	return 0;
}

int soak_cache_restore(const struct soak_cache_opts *o, const char *key,
                       const char *const *restore_keys, size_t nrestore, int lookup_only,
                       struct soak_cache_result *res, struct soak_err *err)
{
	struct soak_cache_paths p;
	struct soak_cache_store *s = NULL;
	struct soak_cache_tar_stats st;
	struct soak_cache_prog pr;
	struct soak_err why = {0};
	char *kname = NULL, *mname = NULL;
	struct meta m = {0};
	int ret = -1, rc, fd = -1;

	memset(res, 0, sizeof(*res));
	soak_cache_prog_start(&pr, o);
	if (soak_cache_check_key(key, "key", err))
		return -1;
	for (size_t i = 0; i < nrestore; i++)
		if (soak_cache_check_key(restore_keys[i], "restore key", err))
			return -1;
	if (open_all(o, &p, &s, res, err))
		return -1;
	s->prog = &pr;
	if (!(kname = soak_cache_key_name(key)) || !(mname = meta_name(res->version, kname))) {
		soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		goto out;
	}
	rc = meta_fetch(s, mname, res->version, &m, res, err);
	if (rc < 0)
		goto out;
	if (rc == 1 && strcmp(m.key, key)) {
		meta_free(&m);
		rc = 0;
	}
	res->exact = rc == 1;
	for (size_t i = 0; i < nrestore && rc == 0; i++)
		if ((rc = find_prefix(s, res->version, restore_keys[i], &m, res, err)) < 0)
			goto out;
	if (rc == 0) {
		ret = 0;
		goto out;
	}
	res->hit = 1;
	res->size = m.size;
	res->files = m.files;
	res->bytes = m.bytes;
	if (!(res->matched_key = strdup(m.key))) {
		soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		goto out;
	}
	if (lookup_only) {
		ret = 0;
		goto out;
	}
	pr.p.phase = "downloading";
	pr.p.total = m.size;
	rc = s->ops->fetch(s, m.blob, m.size, &fd, &why);
	if (rc < 0 && why.code != SOAK_EXIT_INPUT) {
		*err = why;
		goto out;
	}
	if (rc == 0)
		soak_err_set(&why, SOAK_EXIT_INPUT, "its archive '%s' is missing", m.blob);
	if (rc <= 0 || verify_blob(fd, &m, &pr, &why) ||
	    soak_cache_tar_extract(o, &p, fd, m.size, &pr, &st, &why)) {
		if (why.code != SOAK_EXIT_INPUT) {
			*err = why;
			goto out;
		}
		add_warning(res,
		            "cache entry '%s' in '%s' cannot be restored: %s; treated as a miss",
		            m.key, s->desc, why.msg);
		res->hit = res->exact = 0;
		free(res->matched_key);
		res->matched_key = NULL;
		ret = 0;
		goto out;
	}
	res->files = st.files;
	res->bytes = st.bytes;
	if (s->ops->touch)
		s->ops->touch(s, m.blob);
	ret = 0;
out:
	if (fd >= 0)
		soak_os_close(fd);
	meta_free(&m);
	res->ms = soak_cache_now_ms() - pr.t0;
	free(kname);
	free(mname);
	soak_cache_store_close(s);
	soak_cache_paths_free(&p);
	return ret;
}
