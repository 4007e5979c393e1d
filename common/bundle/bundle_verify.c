#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle_int.h"
#include "exitcode.h"
#include "file.h"
#include "hash.h"
#include "json.h"
#include "os.h"
#include "str.h"
#include "banned.h"

#define LIST_MAX (64 * 1024 * 1024)
#define WALK_DEPTH_MAX 64

enum { T_FILE, T_DIR, T_SYMLINK, T_OTHER };

struct vfile {
	char *path;
	int present; /* times found in the bundle */
	int type;
	char hex[SOAK_SHA256_HEX_LEN];
	uint64_t size;
	int in_sums, in_man, man_has_size;
	char sums_hex[SOAK_SHA256_HEX_LEN], man_hex[SOAK_SHA256_HEX_LEN];
	uint64_t man_size;
};

struct verify {
	const char *path;
	const char *skip; /* listed nowhere: not extra */
	struct soak_bundle_result *res;
	struct vfile *f;
	size_t n;
	struct soak_buf sums, man; /* the two lists' text */
	int have_sums, have_man;
};

static int oom(struct soak_err *err)
{
	return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
}

static struct vfile *find(struct verify *v, const char *path, int create)
{
	struct vfile *grown;

	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->f[i].path, path))
			return &v->f[i];
	if (!create)
		return NULL;
	grown = realloc(v->f, (v->n + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	v->f = grown;
	memset(&grown[v->n], 0, sizeof(*grown));
	if (!(grown[v->n].path = strdup(path)))
		return NULL;
	return &grown[v->n++];
}

static int found(struct verify *v, const char *path, int type, const char *hex, uint64_t size,
                 struct soak_err *err)
{
	struct vfile *f = find(v, path, 1);

	if (!f)
		return oom(err);
	f->present++;
	f->type = type;
	if (hex)
		memcpy(f->hex, hex, SOAK_SHA256_HEX_LEN);
	f->size = size;
	return 0;
}

/* ---- a directory ---- */

static int walk(struct verify *v, const char *abs, const char *rel, int depth, struct soak_err *err)
{
	char **names;
	size_t n;
	int ret = 0;

	if (soak_os_list_dir(abs, &names, &n) < 0)
		return soak_err_errno(err, SOAK_EXIT_INPUT, errno, "cannot read directory '%s'",
		                      abs);
	if (depth > WALK_DEPTH_MAX) {
		soak_os_names_free(names, n);
		return soak_err_set(err, SOAK_EXIT_INPUT, "'%s': directories nested too deep", abs);
	}
	for (size_t i = 0; !ret && i < n; i++) {
		char *cabs = NULL, *crel = NULL;
		struct soak_os_stat st;

		if (asprintf(&cabs, "%s/%s", abs, names[i]) < 0 ||
		    asprintf(&crel, "%s%s%s", rel, *rel ? "/" : "", names[i]) < 0) {
			free(cabs);
			ret = oom(err);
			break;
		}
		if (soak_os_lstat(cabs, &st) < 0) {
			ret = soak_err_errno(err, SOAK_EXIT_INPUT, errno, "cannot read '%s'", cabs);
		} else if (st.type == SOAK_OS_DIR) {
			ret = walk(v, cabs, crel, depth + 1, err);
		} else if (st.type == SOAK_OS_FILE) {
			char hex[SOAK_SHA256_HEX_LEN];
			uint64_t size;

			ret = soak_sha256_file(cabs, hex, &size, err);
			if (!ret)
				ret = found(v, crel, T_FILE, hex, size, err);
			if (!ret &&
			    (!strcmp(crel, "SHA256SUMS") || !strcmp(crel, "MANIFEST.json"))) {
				struct soak_buf *b = crel[0] == 'S' ? &v->sums : &v->man;

				ret = soak_file_read(cabs, b, err);
				if (crel[0] == 'S')
					v->have_sums = 1;
				else
					v->have_man = 1;
			}
		} else {
			ret = found(v, crel, st.type == SOAK_OS_LINK ? T_SYMLINK : T_OTHER, NULL, 0,
			            err);
		}
		free(cabs);
		free(crel);
	}
	soak_os_names_free(names, n);
	return ret;
}

/* ---- an archive ---- */

struct held {
	char *path;
	struct soak_buf text;
};

static int is_list_name(const char *path)
{
	const char *base = soak_path_base(path);
	const char *slash = strchr(path, '/');

	/* at the top, or one directory down */
	if (slash && strchr(slash + 1, '/'))
		return 0;
	return !strcmp(base, "SHA256SUMS") || !strcmp(base, "MANIFEST.json");
}

static int read_archive(struct verify *v, struct held *held, size_t *nheld, struct soak_err *err)
{
	struct soak_archive_reader *ar;
	struct soak_archive_entry e;
	char block[65536];
	int rc;

	if (soak_archive_reader_open(&ar, v->path, err))
		return -1;
	while ((rc = soak_archive_reader_next(ar, &e, err)) == 1) {
		char path[4096];
		size_t n = strlen(e.path);

		while (n && e.path[n - 1] == '/')
			n--;
		if (!n)
			continue;
		if (n >= sizeof(path)) {
			rc = soak_err_set(err, SOAK_EXIT_INPUT, "'%s': an entry name is too long",
			                  v->path);
			break;
		}
		memcpy(path, e.path, n);
		path[n] = '\0';
		if (e.type == SOAK_ARCHIVE_DIR) {
			rc = found(v, path, T_DIR, NULL, 0, err);
		} else if (e.type == SOAK_ARCHIVE_FILE) {
			struct soak_sha256 h;
			char hex[SOAK_SHA256_HEX_LEN];
			uint64_t size = 0;
			struct held *keep = NULL;
			ptrdiff_t k;

			if (is_list_name(path) && *nheld < 8) {
				keep = &held[(*nheld)++];
				soak_buf_init(&keep->text, LIST_MAX);
				if (!(keep->path = strdup(path))) {
					rc = oom(err);
					break;
				}
			}
			if ((rc = soak_sha256_init(&h, err)) < 0)
				break;
			while ((k = soak_archive_reader_read(ar, block, sizeof(block), err)) > 0) {
				if (soak_sha256_update(&h, block, (size_t)k, err) < 0 ||
				    (keep && soak_buf_add(&keep->text, block, (size_t)k) < 0)) {
					k = -1;
					if (!err->code)
						oom(err);
					break;
				}
				size += (uint64_t)k;
			}
			if (k < 0 || soak_sha256_final(&h, hex, err) < 0) {
				soak_sha256_free(&h);
				rc = -1;
				break;
			}
			rc = found(v, path, T_FILE, hex, size, err);
		} else {
			rc = found(v, path, e.type == SOAK_ARCHIVE_SYMLINK ? T_SYMLINK : T_OTHER,
			           NULL, 0, err);
		}
		if (rc < 0)
			break;
		rc = 1;
	}
	soak_archive_reader_close(ar);
	return rc < 0 ? -1 : 0;
}

/* When every entry lies under one top directory T, names are taken relative to T. */
static int strip_top(struct verify *v, struct held *held, size_t nheld, struct soak_err *err)
{
	const char *top = NULL;
	size_t tn = 0, i;
	int below = 0;

	for (i = 0; i < v->n; i++) {
		const char *p = v->f[i].path, *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (!top) {
			top = p;
			tn = n;
		}
		if (n != tn || strncmp(p, top, n))
			return 0;
		if (!slash && v->f[i].type != T_DIR)
			return 0;
		below |= slash != NULL;
	}
	if (!top || !below)
		return 0;
	{
		char *t = soak_strndup(top, tn);
		size_t k = 0;

		if (!t)
			return oom(err);
		for (i = 0; i < v->n; i++) {
			char *p = v->f[i].path;

			if (!p[tn]) {
				free(p);
				continue; /* the top directory itself */
			}
			memmove(p, p + tn + 1, strlen(p + tn + 1) + 1);
			v->f[k++] = v->f[i];
		}
		v->n = k;
		for (i = 0; i < nheld; i++)
			if (!strncmp(held[i].path, t, tn) && held[i].path[tn] == '/')
				memmove(held[i].path, held[i].path + tn + 1,
				        strlen(held[i].path + tn + 1) + 1);
		free(t);
	}
	return 0;
}

/* ---- the lists ---- */

static int problem(struct verify *v, struct soak_err *err, const char *fmt, ...) SOAK_PRINTF(3, 4);

static int problem(struct verify *v, struct soak_err *err, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = soak_bundle_add_vline(&v->res->problems, &v->res->nproblems, fmt, ap);
	va_end(ap);
	return rc ? oom(err) : 0;
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'F')
			*s = (char)(*s - 'A' + 'a');
}

/* sha256sum's "\" form: a name with "\\" and "\n" escapes. */
static int unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (*s != '\\') {
			*d++ = *s;
			continue;
		}
		s++;
		if (*s == '\\')
			*d++ = '\\';
		else if (*s == 'n')
			*d++ = '\n';
		else
			return -1;
	}
	*d = '\0';
	return 0;
}

static int parse_sums(struct verify *v, struct soak_err *err)
{
	char *text = v->sums.data, *line, *next;
	unsigned long lineno = 0;

	if (!text)
		return 0;
	for (line = text; line && *line; line = next) {
		char lno[32], hex[SOAK_SHA256_HEX_LEN];
		int escaped = 0;
		struct vfile *f;
		char *name;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		if (!*line)
			continue;
		if (*line == '\\') {
			escaped = 1;
			line++;
		}
		snprintf(lno, sizeof(lno), "%lu", lineno);
		if (strlen(line) < 67 || !soak_sha256_is_hex(line, 64) || line[64] != ' ' ||
		    (line[65] != ' ' && line[65] != '*') || (escaped && unescape(line + 66))) {
			if (problem(v, err, "malformed: 'SHA256SUMS' line %s%s", lno, ""))
				return -1;
			continue;
		}
		memcpy(hex, line, 64);
		hex[64] = '\0';
		lower(hex);
		name = line + 66;
		while (name[0] == '.' && name[1] == '/')
			name += 2;
		if (!(f = find(v, name, 1)))
			return oom(err);
		f->in_sums = 1;
		memcpy(f->sums_hex, hex, sizeof(hex));
	}
	return 0;
}

static int parse_manifest(struct verify *v, struct soak_err *err)
{
	const cJSON *files, *it;
	struct soak_err perr = {0};
	cJSON *doc = NULL;
	long major;

	if (!v->man.data)
		return 0;
	if (soak_json_parse(v->man.data, v->man.len, "MANIFEST.json", SOAK_EXIT_FAIL, &doc, &perr))
		return problem(v, err, "malformed: %s%s", perr.msg, "");
	major = soak_bundle_schema_major(doc);
	if (major > SOAK_BUNDLE_SCHEMA_MAJOR) {
		cJSON_Delete(doc);
		return soak_err_set(
		    err, SOAK_EXIT_INPUT,
		    "'%s': MANIFEST.json schema major version %ld is newer than this "
		    "soak-bundle (%d); use a newer soak-bundle",
		    v->path, major, SOAK_BUNDLE_SCHEMA_MAJOR);
	}
	files = cJSON_GetObjectItemCaseSensitive(doc, "files");
	if (major < 0 || !cJSON_IsArray(files)) {
		cJSON_Delete(doc);
		return problem(v, err, "malformed: 'MANIFEST.json' has no %s%s",
		               major < 0 ? "\"schema\"" : "\"files\" list", "");
	}
	cJSON_ArrayForEach(it, files)
	{
		const char *p = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "path"));
		const char *h =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "sha256"));
		const cJSON *size = cJSON_GetObjectItemCaseSensitive(it, "size");
		struct vfile *f;

		if (!p || !h || !soak_sha256_is_hex(h, strlen(h))) {
			if (problem(v, err, "malformed: 'MANIFEST.json' has a file without %s%s",
			            "a path or a sha256", "")) {
				cJSON_Delete(doc);
				return -1;
			}
			continue;
		}
		if (!(f = find(v, p, 1))) {
			cJSON_Delete(doc);
			return oom(err);
		}
		f->in_man = 1;
		memcpy(f->man_hex, h, SOAK_SHA256_HEX_LEN);
		lower(f->man_hex);
		if (cJSON_IsNumber(size) && size->valuedouble >= 0) {
			f->man_has_size = 1;
			f->man_size = (uint64_t)size->valuedouble;
		}
	}
	cJSON_Delete(doc);
	return 0;
}

static int cmp_vfile(const void *a, const void *b)
{
	return strcmp(((const struct vfile *)a)->path, ((const struct vfile *)b)->path);
}

static const char *type_name(int t)
{
	return t == T_DIR ? "a directory" : t == T_SYMLINK ? "a symlink" : "not a regular file";
}

static int judge(struct verify *v, struct soak_err *err)
{
	if (v->n)
		qsort(v->f, v->n, sizeof(*v->f), cmp_vfile);
	for (size_t i = 0; i < v->n; i++) {
		struct vfile *f = &v->f[i];
		int listed = f->in_sums || f->in_man;
		int self = !strcmp(f->path, "SHA256SUMS");
		int rc = 0;

		if (f->type == T_DIR && !listed)
			continue;
		if (v->skip && !listed && f->type == T_FILE && f->present == 1 &&
		    !strcmp(f->path, v->skip))
			continue;
		if (f->present > 1) {
			char times[32];

			snprintf(times, sizeof(times), "%d", f->present);
			rc = problem(v, err, "duplicate: '%s' appears %s times", f->path, times);
		} else if (!f->present) {
			rc = problem(v, err, "missing: '%s' (listed in %s)", f->path,
			             f->in_sums && f->in_man ? "SHA256SUMS and MANIFEST.json"
			             : f->in_sums            ? "SHA256SUMS"
			                                     : "MANIFEST.json");
		} else if (!listed && !self && strcmp(f->path, "MANIFEST.json")) {
			rc = problem(v, err, "extra: '%s' (%s)", f->path,
			             f->type == T_FILE ? "in neither SHA256SUMS nor MANIFEST.json"
			                               : type_name(f->type));
		} else if (f->type != T_FILE) {
			rc = problem(v, err, "altered: '%s' (%s)", f->path, type_name(f->type));
		} else {
			int bad_sums = f->in_sums && strcmp(f->hex, f->sums_hex);
			int bad_man = f->in_man && (strcmp(f->hex, f->man_hex) ||
			                            (f->man_has_size && f->man_size != f->size));

			if (bad_sums || bad_man)
				rc = problem(v, err,
				             "altered: '%s' (sha256 or size differs from %s)",
				             f->path,
				             bad_sums && bad_man ? "SHA256SUMS and MANIFEST.json"
				             : bad_sums          ? "SHA256SUMS"
				                                 : "MANIFEST.json");
			else if (v->have_sums && v->have_man && !self && f->in_man != f->in_sums &&
			         strcmp(f->path, "MANIFEST.json"))
				rc = problem(v, err, "unlisted: '%s' is not in %s", f->path,
				             f->in_sums ? "MANIFEST.json" : "SHA256SUMS");
			else if (!self) {
				v->res->nfiles++;
				v->res->bytes += f->size;
			}
		}
		if (rc)
			return -1;
	}
	if (!v->have_sums && problem(v, err, "missing: '%s'%s", "SHA256SUMS", ""))
		return -1;
	if (!v->have_man && problem(v, err, "missing: '%s'%s", "MANIFEST.json", ""))
		return -1;
	return 0;
}

int soak_bundle_verify(const char *path, struct soak_bundle_result *res, struct soak_err *err)
{
	return soak_bundle_verify_skip(path, NULL, res, err);
}

int soak_bundle_verify_skip(const char *path, const char *skip, struct soak_bundle_result *res,
                            struct soak_err *err)
{
	struct verify v = {.path = path, .skip = skip, .res = res};
	struct held held[8];
	size_t nheld = 0;
	struct soak_os_stat st;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	soak_buf_init(&v.sums, LIST_MAX);
	soak_buf_init(&v.man, LIST_MAX);
	if (soak_os_stat(path, &st) < 0)
		return soak_err_errno(err, SOAK_EXIT_INPUT, errno, "bundle '%s'", path);
	if (st.type == SOAK_OS_DIR) {
		if (walk(&v, path, "", 0, err))
			goto out;
	} else {
		if (read_archive(&v, held, &nheld, err) || strip_top(&v, held, nheld, err))
			goto out;
		for (size_t i = 0; i < nheld; i++) {
			struct soak_buf *b = !strcmp(held[i].path, "SHA256SUMS")      ? &v.sums
			                     : !strcmp(held[i].path, "MANIFEST.json") ? &v.man
			                                                              : NULL;
			struct vfile *f = b ? find(&v, held[i].path, 0) : NULL;

			/* a duplicated list is reported as such; the first copy is read */
			if (!b || b->data || !f)
				continue;
			*b = held[i].text;
			soak_buf_init(&held[i].text, LIST_MAX);
			if (b == &v.sums)
				v.have_sums = 1;
			else
				v.have_man = 1;
		}
	}
	if (!v.have_sums && !v.have_man) {
		soak_err_set(err, SOAK_EXIT_INPUT,
		             "'%s' is not a bundle: it has neither SHA256SUMS nor MANIFEST.json",
		             path);
		goto out;
	}
	if (parse_sums(&v, err) || parse_manifest(&v, err) || judge(&v, err))
		goto out;
	if (res->nproblems) {
		soak_err_set(err, SOAK_EXIT_FAIL, "bundle '%s' does not verify: %zu problem%s",
		             path, res->nproblems, res->nproblems == 1 ? "" : "s");
		goto out;
	}
	ret = 0;
out:
	for (size_t i = 0; i < nheld; i++) {
		free(held[i].path);
		soak_buf_free(&held[i].text);
	}
	for (size_t i = 0; i < v.n; i++)
		free(v.f[i].path);
	free(v.f);
	soak_buf_free(&v.sums);
	soak_buf_free(&v.man);
	return ret;
}
