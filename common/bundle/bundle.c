#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle_int.h"
#include "clock.h"
#include "exitcode.h"
#include "file.h"
#include "hash.h"
#include "json.h"
#include "match.h"
#include "os.h"
#include "str.h"
#include "banned.h"

#define SNAPSHOT "POST_SOAK_SNAPSHOT.json"
#define SNAPSHOT_MAX (256 * 1024 * 1024)
#define DOC_MAX (64 * 1024 * 1024)
#define WALK_DEPTH_MAX 40
#define TUNING_OVERRIDES "tuning/overrides.json"
#define TUNING_MD "tuning/TUNING.md"

static const char *const reports[] = {SNAPSHOT, "POST_SOAK_AUDIT.md", "RECOMMENDATIONS.md",
                                      "FAILURES.md"};
static const char *const generated[] = {"CHANGELOG.md", "rollback_plan.md", "MANIFEST.json",
                                        "SHA256SUMS",   TUNING_OVERRIDES,   TUNING_MD};

struct rel {
	const struct soak_bundle_release_opts *o;
	struct soak_bundle_result *res;
	char *root;    /* realpath of src */
	char *reports; /* where the reports are: root or root/reports */
	int soakdir;   /* root is a soak directory (reports in reports/) */
	char *out_rel; /* out relative to root when out lies inside it, else NULL */
	char *arch;    /* the archive path, or NULL */
	struct soak_bundle_item *items;
	size_t nitems;
	char **carried; /* included files, for the rollback plan */
	size_t ncarried;
	struct soak_tunelog *tune; /* the soak directory's tuning.jsonl, or NULL */
};

void soak_bundle_result_free(struct soak_bundle_result *res)
{
	for (size_t i = 0; i < res->nproblems; i++)
		free(res->problems[i]);
	for (size_t i = 0; i < res->nwarnings; i++)
		free(res->warnings[i]);
	free(res->problems);
	free(res->warnings);
	free(res->archive_path);
	for (size_t i = 0; i < res->narchives; i++)
		free(res->archives[i]);
	free(res->archives);
	memset(res, 0, sizeof(*res));
}

static int oom(struct soak_err *err)
{
	return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
}

static int problem(struct rel *r, const char *fmt, ...) SOAK_PRINTF(2, 3);

static int problem(struct rel *r, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = soak_bundle_add_vline(&r->res->problems, &r->res->nproblems, fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- gathering the files ---- */

static int is_generated(const char *rel)
{
	for (size_t i = 0; i < sizeof(generated) / sizeof(generated[0]); i++)
		if (!strcmp(rel, generated[i]))
			return 1;
	return 0;
}

/* Skip out, its temporary directory and its archive when they lie inside the source. */
static int excluded(const struct rel *r, const char *rel)
{
	size_t n;

	if (!r->out_rel)
		return 0;
	n = strlen(r->out_rel);
	if (strncmp(rel, r->out_rel, n))
		return 0;
	return rel[n] == '\0' || rel[n] == '/' || !strncmp(rel + n, ".tmp-", 5) ||
	       !strncmp(rel + n, ".old-", 5) ||
	       (r->o->archive && !strncmp(rel + n, soak_archive_format_ext(r->o->format),
	                                  strlen(soak_archive_format_ext(r->o->format))));
}

/*
 * Resolve abs and make sure it stays under root; *real gets the resolved path.
 * shown is the name in messages (relative to the source).
 */
static int resolve_inside(const struct rel *r, const char *abs, const char *shown, char **real,
                          struct soak_err *err)
{
	size_t n = strlen(r->root);
	char *p = soak_os_realpath(abs);
	struct soak_os_stat st;
	int e = errno;

	*real = NULL;
	if (!p) {
		if (e == ENOMEM)
			return oom(err);
		if (soak_os_lstat(abs, &st) == 0 && st.type == SOAK_OS_LINK) {
			errno = e;
			return soak_err_errno(err, SOAK_EXIT_INPUT, errno,
			                      "cannot read '%s' in '%s': a symlink to nowhere",
			                      shown, r->o->src);
		}
		errno = e;
		return soak_err_errno(err, SOAK_EXIT_INPUT, errno, "cannot read '%s' in '%s'",
		                      shown, r->o->src);
	}
	if (strncmp(p, r->root, n) || (!soak_os_is_sep((unsigned char)p[n]) && p[n] != '\0')) {
		soak_err_set(err, SOAK_EXIT_INPUT,
		             "'%s' leaves the source directory '%s' through a symlink (to '%s')",
		             shown, r->o->src, p);
		free(p);
		return -1;
	}
	*real = p;
	return 0;
}

/* 0 when the file at path can be opened for reading, else -1 with errno. */
static int readable(const char *path)
{
	int fd = soak_os_open(path, SOAK_O_RDONLY, 0);

	if (fd < 0)
		return -1;
	soak_os_close(fd);
	return 0;
}

static int add_item(struct rel *r, const char *rel, const char *real, const struct soak_os_stat *st,
                    struct soak_err *err)
{
	struct soak_bundle_item *grown;

	for (size_t i = 0; i < r->nitems; i++)
		if (!strcmp(r->items[i].rel, rel))
			return 0; /* matched twice (a report and an include, two patterns) */
	if (strchr(rel, '\n') || strchr(rel, '\\'))
		return soak_err_set(err, SOAK_EXIT_INPUT,
		                    "'%s': a file name with a newline or a backslash cannot be "
		                    "listed in SHA256SUMS",
		                    rel);
	if (is_generated(rel))
		return soak_err_set(
		    err, SOAK_EXIT_USAGE,
		    "'%s' in '%s' would overwrite the generated '%s'; leave it out of "
		    "--include",
		    rel, r->o->src, rel);
	grown = realloc(r->items, (r->nitems + 1) * sizeof(*grown));
	if (!grown)
		return oom(err);
	r->items = grown;
	memset(&grown[r->nitems], 0, sizeof(*grown));
	grown[r->nitems].rel = strdup(rel);
	grown[r->nitems].abs = strdup(real);
	grown[r->nitems].mode = (st->mode & 0111) ? 0755 : 0644;
	grown[r->nitems].size = st->size;
	if (!grown[r->nitems].rel || !grown[r->nitems].abs) {
		free(grown[r->nitems].rel);
		free(grown[r->nitems].abs);
		return oom(err);
	}
	r->nitems++;
	return 0;
}

/* A file (or a directory, walked) at abs, named rel in the bundle. */
static int take(struct rel *r, const char *abs, const char *rel, int depth, struct soak_err *err)
{
	struct soak_os_stat st;
	char *real;
	int ret = -1;

	if (excluded(r, rel))
		return 0;
	if (depth > WALK_DEPTH_MAX)
		return soak_err_set(err, SOAK_EXIT_INPUT,
		                    "'%s' in '%s': directories nested too deep (a symlink loop?)",
		                    rel, r->o->src);
	if (resolve_inside(r, abs, rel, &real, err))
		return -1;
	if (soak_os_stat(real, &st) < 0) {
		soak_err_errno(err, SOAK_EXIT_INPUT, errno, "cannot read '%s' in '%s'", rel,
		               r->o->src);
		goto out;
	}
	if (st.type == SOAK_OS_FILE) {
		if (readable(real) < 0) {
			soak_err_errno(err, SOAK_EXIT_INPUT, errno, "cannot read '%s' in '%s'", rel,
			               r->o->src);
			goto out;
		}
		ret = add_item(r, rel, real, &st, err);
	} else if (st.type == SOAK_OS_DIR) {
		char **names;
		size_t n;

		if (soak_os_list_dir(real, &names, &n) < 0) {
			soak_err_errno(err, SOAK_EXIT_INPUT, errno,
			               "cannot read directory '%s' in '%s'", rel, r->o->src);
			goto out;
		}
		ret = 0;
		for (size_t i = 0; !ret && i < n; i++) {
			char *cabs, *crel;

			if (asprintf(&cabs, "%s/%s", real, names[i]) < 0)
				ret = oom(err);
			else if (asprintf(&crel, "%s/%s", rel, names[i]) < 0) {
				free(cabs);
				ret = oom(err);
			} else {
				ret = take(r, cabs, crel, depth + 1, err);
				free(cabs);
				free(crel);
			}
		}
		soak_os_names_free(names, n);
	} else {
		soak_err_set(err, SOAK_EXIT_INPUT, "'%s' in '%s' is not a regular file", rel,
		             r->o->src);
	}
out:
	free(real);
	return ret;
}

static int check_pattern(const char *pat, struct soak_err *err)
{
	const char *p = pat;

	if (!*pat || pat[0] == '/')
		return soak_err_set(err, SOAK_EXIT_USAGE,
		                    "bad --include '%s': a pattern relative to --src is expected",
		                    pat);
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return soak_err_set(
			    err, SOAK_EXIT_USAGE,
			    "bad --include '%s': '..' would leave the source directory", pat);
		p += n + (p[n] == '/');
	}
	return 0;
}

/* root with glob's special characters escaped, then '/' and the pattern. */
static char *glob_path(const char *root, const char *pat)
{
	size_t n = strlen(root), m = strlen(pat), k = 0;
	char *s = malloc(2 * n + m + 2);

	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (strchr("*?[]\\", root[i]))
			s[k++] = '\\';
		s[k++] = root[i];
	}
	s[k++] = '/';
	memcpy(s + k, pat, m + 1);
	return s;
}

static int include(struct rel *r, const char *pat, struct soak_err *err)
{
	size_t n = strlen(r->root);
	char *gp = glob_path(r->root, pat);
	char **found = NULL;
	size_t nfound = 0;
	int rc, ret = 0;

	if (!gp)
		return oom(err);
	rc = soak_match_glob(gp, &found, &nfound);
	free(gp);
	if (rc < 0)
		return oom(err);
	if (nfound) {
		for (size_t i = 0; i < nfound && !ret; i++) {
			const char *m = found[i];
			size_t before = r->nitems;

			if (strncmp(m, r->root, n) || !soak_os_is_sep((unsigned char)m[n]))
				continue; /* cannot happen: every match starts with the root */
			if (excluded(r, m + n + 1))
				continue;
			ret = take(r, m, m + n + 1, 0, err);
			for (size_t j = before; !ret && j < r->nitems; j++)
				if (soak_bundle_add_line(&r->carried, &r->ncarried, "%s",
				                         r->items[j].rel))
					ret = oom(err);
		}
	}
	soak_os_names_free(found, nfound);
	/* a pattern matching only files that were already taken still matched */
	if (!ret && !nfound && problem(r, "--include '%s' matched no file in '%s'", pat, r->o->src))
		ret = oom(err);
	return ret;
}

int soak_bundle_item_cmp(const void *a, const void *b)
{
	return strcmp(((const struct soak_bundle_item *)a)->rel,
	              ((const struct soak_bundle_item *)b)->rel);
}

/* ---- the source ---- */

static int open_source(struct rel *r, struct soak_err *err)
{
	struct soak_os_stat st;
	char *p;

	if (soak_os_stat(r->o->src, &st) < 0)
		return soak_err_errno(err, SOAK_EXIT_INPUT, errno, "source directory '%s'",
		                      r->o->src);
	if (st.type != SOAK_OS_DIR)
		return soak_err_set(err, SOAK_EXIT_INPUT, "source '%s' is not a directory",
		                    r->o->src);
	r->root = soak_os_realpath(r->o->src);
	if (!r->root)
		return soak_err_errno(err, SOAK_EXIT_INPUT, errno, "source directory '%s'",
		                      r->o->src);
	if (asprintf(&p, "%s/%s", r->root, SNAPSHOT) < 0)
		return oom(err);
	if (soak_os_lstat(p, &st) < 0) {
		free(p);
		if (asprintf(&p, "%s/reports", r->root) < 0)
			return oom(err);
		if (soak_os_stat(p, &st) == 0 && st.type == SOAK_OS_DIR) {
			r->reports = p;
			r->soakdir = 1;
			return 0;
		}
	}
	free(p);
	r->reports = strdup(r->root);
	return r->reports ? 0 : oom(err);
}

/* The soak directory's tuning.jsonl, when it has one: its final overrides and a
 * verification report go into the bundle (tuning/). */
static int load_tuning(struct rel *r, struct soak_err *err)
{
	char *abs, *real = NULL, *shown;
	struct soak_os_stat st;
	int rc;

	if (asprintf(&abs, "%s/tuning.jsonl", r->root) < 0)
		return oom(err);
	if (soak_os_lstat(abs, &st) < 0) {
		free(abs);
		return 0;
	}
	rc = resolve_inside(r, abs, "tuning.jsonl", &real, err);
	free(abs);
	if (rc)
		return -1;
	free(real);
	if (asprintf(&shown, "%s/tuning.jsonl", r->o->src) < 0)
		return oom(err);
	r->tune = malloc(sizeof(*r->tune));
	rc = r->tune ? soak_tunelog_load(shown, r->tune, err) : oom(err);
	free(shown);
	if (!rc && r->tune->steps &&
	    soak_bundle_add_line(&r->carried, &r->ncarried, "%s", TUNING_OVERRIDES))
		rc = oom(err);
	if (!rc && !r->tune->steps &&
	    soak_bundle_add_line(&r->res->warnings, &r->res->nwarnings,
	                         "'%s/tuning.jsonl' has no tuning step: the bundle has no %s",
	                         r->o->src, TUNING_OVERRIDES))
		rc = oom(err);
	return rc;
}

static int gather(struct rel *r, struct soak_err *err)
{
	for (size_t i = 0; i < sizeof(reports) / sizeof(reports[0]); i++) {
		const char *prefix = r->soakdir ? "reports/" : "";
		char *abs, *shown;
		struct soak_os_stat st;
		int rc;

		if (asprintf(&abs, "%s/%s", r->reports, reports[i]) < 0)
			return oom(err);
		if (asprintf(&shown, "%s%s", prefix, reports[i]) < 0) {
			free(abs);
			return oom(err);
		}
		if (soak_os_lstat(abs, &st) < 0 && errno == ENOENT) {
			rc = problem(r, "missing '%s' in '%s'", shown, r->o->src) ? oom(err) : 0;
		} else {
			char *real;

			rc = resolve_inside(r, abs, shown, &real, err);
			if (!rc && (soak_os_stat(real, &st) < 0 || st.type != SOAK_OS_FILE))
				rc = soak_err_set(err, SOAK_EXIT_INPUT,
				                  "'%s' in '%s' is not a regular file", shown,
				                  r->o->src);
			if (!rc && readable(real) < 0)
				rc = soak_err_errno(err, SOAK_EXIT_INPUT, errno,
				                    "cannot read '%s' in '%s'", shown, r->o->src);
			if (!rc)
				rc = add_item(r, reports[i], real, &st, err);
			free(real);
		}
		free(abs);
		free(shown);
		if (rc)
			return -1;
	}
	if (r->soakdir) {
		char *abs;
		struct soak_os_stat st;
		int rc = 0;

		if (asprintf(&abs, "%s/run.json", r->root) < 0)
			return oom(err);
		if (soak_os_lstat(abs, &st) == 0) {
			rc = take(r, abs, "run.json", 0, err);
			if (!rc && soak_bundle_add_line(&r->carried, &r->ncarried, "run.json"))
				rc = oom(err);
		}
		free(abs);
		if (rc || load_tuning(r, err))
			return -1;
	}
	for (size_t i = 0; i < r->o->ninclude; i++)
		if (include(r, r->o->include[i], err))
			return -1;
	if (r->nitems)
		qsort(r->items, r->nitems, sizeof(*r->items), soak_bundle_item_cmp);
	return 0;
}

/* Load the snapshot (when present) and judge the verdict. */
static int load_snapshot(struct rel *r, cJSON **snap, struct soak_err *err)
{
	const char *rv = r->o->require_verdict, *v;
	const struct soak_bundle_item *it = NULL;
	char *shown;
	long major;
	int rc;

	*snap = NULL;
	for (size_t i = 0; i < r->nitems; i++)
		if (!strcmp(r->items[i].rel, SNAPSHOT))
			it = &r->items[i];
	if (!it)
		return 0;
	/* the name the user knows in messages; it resolves to it->abs, checked inside */
	if (asprintf(&shown, "%s/%s%s", r->o->src, r->soakdir ? "reports/" : "", SNAPSHOT) < 0)
		return oom(err);
	rc = soak_json_load(shown, SNAPSHOT_MAX, snap, err);
	free(shown);
	if (rc)
		return -1;
	major = soak_bundle_schema_major(*snap);
	if (major < 0 || !cJSON_IsObject(*snap))
		return soak_err_set(err, SOAK_EXIT_INPUT,
		                    "'%s' in '%s': not a soak-report snapshot (no \"schema\")",
		                    SNAPSHOT, r->o->src);
	if (major > SOAK_BUNDLE_SCHEMA_MAJOR)
		return soak_err_set(err, SOAK_EXIT_INPUT,
		                    "'%s' in '%s': schema major version %ld is newer than this "
		                    "soak-bundle (%d); use a newer soak-bundle",
		                    SNAPSHOT, r->o->src, major, SOAK_BUNDLE_SCHEMA_MAJOR);
	v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(*snap, "verdict"));
	if (!v || (strcmp(v, "PASS") && strcmp(v, "WARN") && strcmp(v, "FAIL")))
		return soak_err_set(err, SOAK_EXIT_INPUT,
		                    "'%s' in '%s': no verdict (PASS, WARN or FAIL)", SNAPSHOT,
		                    r->o->src);
	snprintf(r->res->verdict, sizeof(r->res->verdict), "%s", v);
	if ((!strcmp(rv, "PASS") && strcmp(v, "PASS")) ||
	    (!strcmp(rv, "WARN") && !strcmp(v, "FAIL")))
		if (problem(r, "verdict is %s; --require-verdict %s", v,
		            !strcmp(rv, "PASS") ? "PASS accepts PASS only"
		                                : "WARN accepts PASS or WARN"))
			return oom(err);
	return 0;
}

/* ---- the output ---- */

static char *strip_slashes(const char *s)
{
	size_t n = strlen(s);
	char *p;

	while (n > 1 && s[n - 1] == '/')
		n--;
	p = soak_strndup(s, n);
	return p;
}

/* Refuse an out that exists (unless force on a bundle) or that would swallow the source. */
static int check_out(struct rel *r, const char *out, int *exists, struct soak_err *err)
{
	const char *base = soak_path_base(out);
	char *parent, *pr;
	struct soak_os_stat st;

	*exists = 0;
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..") || !strcmp(out, "/"))
		return soak_err_set(err, SOAK_EXIT_USAGE,
		                    "bad --out '%s': a new directory's name is expected",
		                    r->o->out);
	if (soak_os_lstat(out, &st) == 0) {
		char *real;

		*exists = 1;
		if (!r->o->force)
			return soak_err_set(err, SOAK_EXIT_USAGE,
			                    "'%s' already exists; use --force to replace it",
			                    r->o->out);
		if (st.type != SOAK_OS_DIR)
			return soak_err_set(err, SOAK_EXIT_USAGE,
			                    "refusing to replace '%s': not a directory", r->o->out);
		real = soak_os_realpath(out);
		if (real && r->root) {
			size_t n = strlen(real);
			int holds = !strncmp(r->root, real, n) &&
			            (soak_os_is_sep((unsigned char)r->root[n]) ||
			             r->root[n] == '\0' || n == 1);

			free(real);
			if (holds)
				return soak_err_set(
				    err, SOAK_EXIT_USAGE,
				    "refusing to replace '%s': it holds the source '%s'", r->o->out,
				    r->o->src);
		} else {
			free(real);
		}
		{
			char *m, **names;
			size_t n;
			int empty = 1, bundle;

			if (asprintf(&m, "%s/MANIFEST.json", out) < 0)
				return oom(err);
			bundle = soak_os_lstat(m, &st) == 0;
			free(m);
			if (soak_os_list_dir(out, &names, &n) == 0) {
				empty = n == 0;
				soak_os_names_free(names, n);
			}
			if (!bundle && !empty)
				return soak_err_set(
				    err, SOAK_EXIT_USAGE,
				    "refusing to replace '%s': it is not a bundle (no "
				    "MANIFEST.json)",
				    r->o->out);
		}
	}
	if (r->arch && soak_os_lstat(r->arch, &st) == 0) {
		if (!r->o->force)
			return soak_err_set(err, SOAK_EXIT_USAGE,
			                    "'%s' already exists; use --force to replace it",
			                    r->arch);
		if (st.type != SOAK_OS_FILE)
			return soak_err_set(err, SOAK_EXIT_USAGE,
			                    "refusing to replace '%s': not a regular file",
			                    r->arch);
	}
	/* out inside the source: keep it (and its temporary names) out of the includes */
	parent = base == out ? strdup(".") : soak_strndup(out, (size_t)(base - out));
	if (!parent)
		return oom(err);
	pr = soak_os_realpath(parent[0] ? parent : "/");
	free(parent);
	if (pr && r->root) {
		size_t n = strlen(r->root);

		if (!strncmp(pr, r->root, n) &&
		    (soak_os_is_sep((unsigned char)pr[n]) || pr[n] == '\0')) {
			if (asprintf(&r->out_rel, "%s%s%s", pr[n] ? pr + n + 1 : "",
			             pr[n] ? "/" : "", base) < 0) {
				free(pr);
				return oom(err);
			}
		}
	}
	free(pr);
	return 0;
}

static int mkdirs(const char *tmp, const char *rel, struct soak_err *err)
{
	char *p;

	if (asprintf(&p, "%s/%s", tmp, rel) < 0)
		return oom(err);
	for (char *s = p + strlen(tmp) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (soak_os_mkdir(p, 0755) < 0 && errno != EEXIST) {
			soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot create directory '%s'",
			               p);
			free(p);
			return -1;
		}
		soak_os_chmod(p, 0755);
		*s = '/';
	}
	free(p);
	return 0;
}

/* Copy (src != NULL) or write data into tmp/it->rel, hashing what is written. */
static int put(const char *tmp, struct soak_bundle_item *it, const char *src, const void *data,
               size_t len, struct soak_err *err)
{
	char block[65536], *dst;
	struct soak_sha256 h;
	int in = -1, fd, ret = -1;

	if (mkdirs(tmp, it->rel, err))
		return -1;
	if (asprintf(&dst, "%s/%s", tmp, it->rel) < 0)
		return oom(err);
	if (soak_sha256_init(&h, err)) {
		free(dst);
		return -1;
	}
	fd = soak_os_open(dst, SOAK_O_WRONLY | SOAK_O_CREAT | SOAK_O_EXCL, 0600);
	if (fd < 0) {
		soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot create '%s'", dst);
		goto out;
	}
	it->size = 0;
	if (src) {
		in = soak_os_open(src, SOAK_O_RDONLY, 0);
		if (in < 0) {
			soak_err_errno(err, SOAK_EXIT_INPUT, errno, "cannot open '%s'", src);
			goto out;
		}
		for (;;) {
			ptrdiff_t n = soak_os_read(in, block, sizeof(block));

			if (n < 0) {
				soak_err_errno(err, SOAK_EXIT_INPUT, errno, "cannot read '%s'",
				               src);
				goto out;
			}
			if (!n)
				break;
			if (soak_sha256_update(&h, block, (size_t)n, err))
				goto out;
			if (soak_os_write_all(fd, block, (size_t)n) < 0) {
				soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot write '%s'", dst);
				goto out;
			}
			it->size += (uint64_t)n;
		}
	} else {
		if (soak_sha256_update(&h, data, len, err))
			goto out;
		if (soak_os_write_all(fd, data, len) < 0) {
			soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot write '%s'", dst);
			goto out;
		}
		it->size = len;
	}
	if (soak_os_fchmod(fd, it->mode) < 0 || soak_os_fsync(fd) < 0) {
		soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot write '%s'", dst);
		goto out;
	}
	if (soak_sha256_final(&h, it->hex, err))
		goto out;
	ret = 0;
out:
	soak_sha256_free(&h);
	if (in >= 0)
		soak_os_close(in);
	if (fd >= 0 && soak_os_close(fd) < 0 && !ret)
		ret = soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot write '%s'", dst);
	free(dst);
	return ret;
}

static int add_generated(struct rel *r, const char *rel, const char *tmp, const void *data,
                         size_t len, struct soak_err *err)
{
	struct soak_bundle_item *grown = realloc(r->items, (r->nitems + 1) * sizeof(*grown));

	if (!grown)
		return oom(err);
	r->items = grown;
	memset(&grown[r->nitems], 0, sizeof(*grown));
	grown[r->nitems].rel = strdup(rel);
	grown[r->nitems].mode = 0644;
	if (!grown[r->nitems].rel)
		return oom(err);
	r->nitems++;
	return put(tmp, &grown[r->nitems - 1], NULL, data, len, err);
}

cJSON *soak_bundle_manifest_files(const struct soak_bundle_item *items, size_t n)
{
	cJSON *files = cJSON_CreateArray();

	for (size_t i = 0; files && i < n; i++) {
		cJSON *f = cJSON_CreateObject();
		char mode[8];

		if (!f) {
			cJSON_Delete(files);
			return NULL;
		}
		snprintf(mode, sizeof(mode), "%04o", items[i].mode);
		cJSON_AddStringToObject(f, "path", items[i].rel);
		cJSON_AddNumberToObject(f, "size", (double)items[i].size);
		cJSON_AddStringToObject(f, "sha256", items[i].hex);
		cJSON_AddStringToObject(f, "mode", mode);
		cJSON_AddItemToArray(files, f);
	}
	return files;
}

int soak_bundle_sums(const struct soak_bundle_item *items, size_t n, struct soak_buf *out)
{
	for (size_t i = 0; i < n; i++)
		if (soak_buf_addf(out, "%s  %s\n", items[i].hex, items[i].rel) < 0)
			return -1;
	return 0;
}

static cJSON *manifest(const struct rel *r, const cJSON *snap, const struct soak_bundle_git *g)
{
	cJSON *m = cJSON_CreateObject(), *tool, *ids, *src, *files, *s;
	char iso[SOAK_ISO8601_LEN];
	const char *reason = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(snap, "reason"));
	const char *first = NULL;

	if (!m)
		return NULL;
	cJSON_AddStringToObject(m, "schema", SOAK_BUNDLE_SCHEMA);
	tool = cJSON_AddObjectToObject(m, "tool");
	cJSON_AddStringToObject(tool, "name", "soak-bundle");
	cJSON_AddStringToObject(tool, "version", r->o->version ? r->o->version : "unknown");
	cJSON_AddStringToObject(m, "created", soak_iso8601(r->res->epoch * 1000, iso, sizeof(iso)));
	ids = cJSON_CreateArray();
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(snap, "sources"))
	{
		const char *id =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "run_id"));

		if (!id)
			continue;
		if (!first)
			first = id;
		cJSON_AddItemToArray(ids, cJSON_CreateString(id));
	}
	if (first)
		cJSON_AddStringToObject(m, "run_id", first);
	else
		cJSON_AddNullToObject(m, "run_id");
	cJSON_AddItemToObject(m, "run_ids", ids);
	cJSON_AddStringToObject(m, "verdict", r->res->verdict);
	if (reason)
		cJSON_AddStringToObject(m, "reason", reason);
	else
		cJSON_AddNullToObject(m, "reason");
	src = cJSON_AddObjectToObject(m, "source");
	if (g->ok) {
		cJSON_AddStringToObject(src, "commit", g->commit);
		cJSON_AddStringToObject(src, "commit_time",
		                        soak_iso8601(g->commit_time * 1000, iso, sizeof(iso)));
	} else {
		cJSON_AddNullToObject(src, "commit");
		cJSON_AddNullToObject(src, "commit_time");
	}
	if (g->tag)
		cJSON_AddStringToObject(src, "tag", g->tag);
	else
		cJSON_AddNullToObject(src, "tag");
	if (g->prev)
		cJSON_AddStringToObject(src, "previous_tag", g->prev);
	else
		cJSON_AddNullToObject(src, "previous_tag");
	files = soak_bundle_manifest_files(r->items, r->nitems);
	if (!files) {
		cJSON_Delete(m);
		return NULL;
	}
	cJSON_AddItemToObject(m, "files", files);
	return m;
}

/* Directories of the bundle (every parent of a file), sorted, without duplicates. */
static int dirs_of(const struct soak_bundle_item *items, size_t nitems, char ***dirs, size_t *n)
{
	*dirs = NULL;
	*n = 0;
	for (size_t i = 0; i < nitems; i++) {
		const char *rel = items[i].rel;

		for (const char *s = rel; (s = strchr(s, '/')); s++) {
			size_t len = (size_t)(s - rel), j;

			for (j = 0; j < *n; j++)
				if (strlen((*dirs)[j]) == len && !strncmp((*dirs)[j], rel, len))
					break;
			if (j < *n)
				continue;
			if (soak_bundle_add_line(dirs, n, "%.*s", (int)len, rel))
				return -1;
		}
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_list(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

int soak_bundle_stamp(const char *path, int64_t epoch, struct soak_err *err)
{
	/* the OS layer counts nanoseconds: times up to the year 2262 */
	if (epoch > INT64_MAX / 1000000000 || epoch < INT64_MIN / 1000000000)
		return soak_err_errno(err, SOAK_EXIT_ENV, EOVERFLOW, "cannot set the time of '%s'",
		                      path);
	if (soak_os_utimes(path, epoch * 1000000000, epoch * 1000000000, 1) < 0)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot set the time of '%s'",
		                      path);
	return 0;
}

/* Every file, then the directories deepest first, then the top, get the epoch. */
static int stamp_all(const struct rel *r, const char *tmp, char **dirs, size_t ndirs,
                     struct soak_err *err)
{
	char *p;
	int rc;

	for (size_t i = 0; i < r->nitems; i++) {
		if (asprintf(&p, "%s/%s", tmp, r->items[i].rel) < 0)
			return oom(err);
		rc = soak_bundle_stamp(p, r->res->epoch, err);
		free(p);
		if (rc)
			return -1;
	}
	for (size_t i = ndirs; i-- > 0;) {
		if (asprintf(&p, "%s/%s", tmp, dirs[i]) < 0)
			return oom(err);
		rc = soak_bundle_stamp(p, r->res->epoch, err);
		free(p);
		if (rc)
			return -1;
	}
	return soak_bundle_stamp(tmp, r->res->epoch, err);
}

struct aentry {
	char *path;
	const struct soak_bundle_item *it; /* NULL for a directory */
};

static int cmp_aentry(const void *a, const void *b)
{
	return strcmp(((const struct aentry *)a)->path, ((const struct aentry *)b)->path);
}

static int write_archive(const struct soak_bundle_item *items, size_t nitems,
                         enum soak_archive_format format, int64_t epoch, const char *tmp,
                         const char *path, const char *top, char **dirs, size_t ndirs,
                         struct soak_err *err)
{
	size_t n = 1 + ndirs + nitems, k = 0;
	struct aentry *ents = calloc(n, sizeof(*ents));
	struct soak_archive_writer *w = NULL;
	int ret = -1;

	if (!ents)
		return oom(err);
	if (!(ents[k++].path = strdup(top)))
		goto nomem;
	for (size_t i = 0; i < ndirs; i++)
		if (asprintf(&ents[k++].path, "%s/%s", top, dirs[i]) < 0)
			goto nomem;
	for (size_t i = 0; i < nitems; i++) {
		ents[k].it = &items[i];
		if (asprintf(&ents[k++].path, "%s/%s", top, items[i].rel) < 0)
			goto nomem;
	}
	qsort(ents, n, sizeof(*ents), cmp_aentry);
	if (soak_archive_writer_open(&w, path, format, NULL, err))
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct soak_archive_entry e = {0};
		char *name = NULL, *src = NULL;
		int rc;

		e.mtime = epoch;
		if (!ents[i].it) {
			if (asprintf(&name, "%s/", ents[i].path) < 0)
				goto nomem;
			e.path = name;
			e.type = SOAK_ARCHIVE_DIR;
			e.mode = 0755;
			rc = soak_archive_write_header(w, &e, err);
		} else {
			if (asprintf(&src, "%s/%s", tmp, ents[i].it->rel) < 0)
				goto nomem;
			e.path = ents[i].path;
			e.type = SOAK_ARCHIVE_FILE;
			e.mode = ents[i].it->mode;
			e.size = ents[i].it->size;
			rc = soak_archive_write_file(w, &e, src, err);
		}
		free(name);
		free(src);
		if (rc)
			goto out;
	}
	ret = soak_archive_writer_close(w, err);
	w = NULL;
	goto out;
nomem:
	oom(err);
out:
	soak_archive_writer_free(w);
	for (size_t i = 0; i < n; i++)
		free(ents[i].path);
	free(ents);
	return ret;
}

int soak_bundle_write_archive(const struct soak_bundle_item *items, size_t nitems,
                              enum soak_archive_format format, int64_t epoch, const char *dir,
                              const char *path, const char *top, struct soak_err *err)
{
	char **dirs;
	size_t ndirs;
	int rc;

	if (dirs_of(items, nitems, &dirs, &ndirs) < 0) {
		free_list(dirs, ndirs);
		return oom(err);
	}
	if (ndirs)
		qsort(dirs, ndirs, sizeof(*dirs), cmp_str);
	rc = write_archive(items, nitems, format, epoch, dir, path, top, dirs, ndirs, err);
	free_list(dirs, ndirs);
	return rc;
}

/* A fresh name beside path ("path.old-XXXXXX"), not created. */
char *soak_bundle_side_name(const char *path, const char *tag)
{
	char *p;
	int fd;

	if (asprintf(&p, "%s%sXXXXXX", path, tag) < 0)
		return NULL;
	fd = soak_os_mkstemp(p);
	if (fd < 0) {
		free(p);
		return NULL;
	}
	soak_os_close(fd);
	soak_os_unlink(p);
	return p;
}

/* Write tuning/overrides.json (the last step's values, as soak-run writes the overrides
 * file) and tuning/TUNING.md; warn when the overrides do not hash to what soak-run
 * recorded. */
static int add_tuning(struct rel *r, const char *tmp, const cJSON *snap, struct soak_buf *doc,
                      struct soak_err *err)
{
	char *ovr = soak_tunelog_overrides(r->tune), hex[SOAK_SHA256_HEX_LEN] = "";
	int rc = 0;

	if (ovr) {
		rc = soak_sha256_buf(ovr, strlen(ovr), hex, err);
		if (!rc)
			rc = add_generated(r, TUNING_OVERRIDES, tmp, ovr, strlen(ovr), err);
		free(ovr);
		if (!rc && strcmp(hex, r->tune->sha256) &&
		    soak_bundle_add_line(&r->res->warnings, &r->res->nwarnings,
		                         "%s has SHA-256 %s, not the last tuning step's "
		                         "overrides_sha256 '%s'",
		                         TUNING_OVERRIDES, hex, r->tune->sha256))
			rc = oom(err);
	} else if (r->tune->steps) {
		rc = oom(err);
	}
	if (rc)
		return -1;
	soak_buf_reset(doc);
	if (soak_bundle_tuning_md(snap, r->tune, hex, doc) < 0)
		return oom(err);
	return add_generated(r, TUNING_MD, tmp, doc->data, doc->len, err);
}

static int build(struct rel *r, const char *out, int out_exists, const cJSON *snap,
                 const struct soak_bundle_git *g, struct soak_err *err)
{
	char *tmp = NULL, *arch_tmp = NULL, *old = NULL, **dirs = NULL, *parent;
	const char *base = soak_path_base(out);
	struct soak_buf doc;
	size_t ndirs = 0;
	cJSON *m = NULL;
	char *text = NULL;
	int ret = -1;

	soak_buf_init(&doc, DOC_MAX);
	parent = base == out ? strdup(".") : soak_strndup(out, (size_t)(base - out));
	if (!parent)
		return oom(err);
	if (parent[0] && soak_mkdir_p(parent, err)) {
		free(parent);
		return -1;
	}
	free(parent);
	if (asprintf(&tmp, "%s.tmp-XXXXXX", out) < 0) {
		tmp = NULL;
		goto nomem;
	}
	if (soak_os_mkdtemp(tmp) < 0) {
		soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot create directory '%s'", tmp);
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (soak_os_chmod(tmp, 0755) < 0) {
		soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot change mode of '%s'", tmp);
		goto out;
	}
	for (size_t i = 0; i < r->nitems; i++)
		if (put(tmp, &r->items[i], r->items[i].abs, NULL, 0, err))
			goto out;
	if (soak_bundle_changelog(snap, g, &doc) < 0)
		goto nomem;
	if (add_generated(r, "CHANGELOG.md", tmp, doc.data, doc.len, err))
		goto out;
	soak_buf_reset(&doc);
	if (soak_bundle_rollback(snap, g, r->o, r->carried, r->ncarried, r->tune, &doc) < 0)
		goto nomem;
	if (add_generated(r, "rollback_plan.md", tmp, doc.data, doc.len, err))
		goto out;
	if (r->tune && add_tuning(r, tmp, snap, &doc, err))
		goto out;
	qsort(r->items, r->nitems, sizeof(*r->items), soak_bundle_item_cmp);
	m = manifest(r, snap, g);
	text = m ? cJSON_Print(m) : NULL;
	if (!text)
		goto nomem;
	soak_buf_reset(&doc);
	if (soak_buf_adds(&doc, text) < 0 || soak_buf_adds(&doc, "\n") < 0)
		goto nomem;
	if (add_generated(r, "MANIFEST.json", tmp, doc.data, doc.len, err))
		goto out;
	qsort(r->items, r->nitems, sizeof(*r->items), soak_bundle_item_cmp);
	soak_buf_reset(&doc);
	if (soak_bundle_sums(r->items, r->nitems, &doc) < 0)
		goto nomem;
	if (add_generated(r, "SHA256SUMS", tmp, doc.data, doc.len, err))
		goto out;
	qsort(r->items, r->nitems, sizeof(*r->items), soak_bundle_item_cmp);
	if (dirs_of(r->items, r->nitems, &dirs, &ndirs) < 0)
		goto nomem;
	if (ndirs)
		qsort(dirs, ndirs, sizeof(*dirs), cmp_str);
	if (stamp_all(r, tmp, dirs, ndirs, err))
		goto out;
	if (r->arch) {
		if (!(arch_tmp = soak_bundle_side_name(r->arch, ".tmp-")))
			goto nomem;
		if (write_archive(r->items, r->nitems, r->o->format, r->res->epoch, tmp, arch_tmp,
		                  base, dirs, ndirs, err))
			goto out;
		if (soak_sha256_file(arch_tmp, r->res->archive_sha256, NULL, err))
			goto out;
	}
	if (out_exists) {
		if (!(old = soak_bundle_side_name(out, ".old-")))
			goto nomem;
		if (soak_os_rename(out, old) < 0) {
			soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot replace '%s'", r->o->out);
			free(old);
			old = NULL;
			goto out;
		}
	}
	if (soak_os_rename(tmp, out) < 0) {
		int e = errno;

		if (old)
			soak_os_rename(old, out);
		if (e == EEXIST || e == ENOTEMPTY)
			soak_err_set(err, SOAK_EXIT_USAGE,
			             "'%s' already exists; use --force to replace it", r->o->out);
		else
			soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot create '%s'", r->o->out);
		free(old);
		old = NULL;
		goto out;
	}
	free(tmp);
	tmp = NULL;
	if (arch_tmp) {
		if (soak_os_rename(arch_tmp, r->arch) < 0) {
			soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot create '%s'", r->arch);
			goto out;
		}
		free(arch_tmp);
		arch_tmp = NULL;
		if (!(r->res->archive_path = strdup(r->arch)))
			goto nomem;
	}
	for (size_t i = 0; i < r->nitems; i++)
		r->res->bytes += r->items[i].size;
	r->res->nfiles = r->nitems;
	ret = 0;
	goto out;
nomem:
	oom(err);
out:
	if (old)
		soak_os_remove_tree(old);
	if (tmp)
		soak_os_remove_tree(tmp);
	if (arch_tmp)
		soak_os_unlink(arch_tmp);
	free(old);
	free(tmp);
	free(arch_tmp);
	free(text);
	cJSON_Delete(m);
	free_list(dirs, ndirs);
	soak_buf_free(&doc);
	return ret;
}

int soak_bundle_release(const struct soak_bundle_release_opts *o, struct soak_bundle_result *res,
                        struct soak_err *err)
{
	struct rel r = {.o = o, .res = res};
	struct soak_bundle_git g = {0};
	cJSON *snap = NULL;
	char *out = NULL;
	int exists, ret = -1;

	memset(res, 0, sizeof(*res));
	for (size_t i = 0; i < o->ninclude; i++)
		if (check_pattern(o->include[i], err))
			return -1;
	if (!(out = strip_slashes(o->out)))
		return oom(err);
	if (o->archive && asprintf(&r.arch, "%s%s", out, soak_archive_format_ext(o->format)) < 0) {
		r.arch = NULL;
		goto nomem;
	}
	if (open_source(&r, err) || check_out(&r, out, &exists, err) || gather(&r, err) ||
	    load_snapshot(&r, &snap, err))
		goto out;
	if (res->nproblems) {
		soak_err_set(err, SOAK_EXIT_FAIL, "bundle incomplete: %zu problem%s",
		             res->nproblems, res->nproblems == 1 ? "" : "s");
		goto out;
	}
	if (soak_bundle_git_read(o->repo, o->previous_tag, &g, err))
		goto out;
	if (!g.ok) {
		if (o->repo_required) {
			soak_err_set(err, SOAK_EXIT_INPUT, "'%s' is not a git repository: %s",
			             o->repo, g.why);
			goto out;
		}
		if (soak_bundle_add_line(&res->warnings, &res->nwarnings,
		                         "no git repository in '%s' (%s): the changelog lists no "
		                         "changes and the source commit is unknown",
		                         o->repo, g.why))
			goto nomem;
	} else {
		memcpy(res->commit, g.commit, sizeof(res->commit));
	}
	if (o->have_epoch) {
		res->epoch = o->epoch;
	} else if (g.ok) {
		res->epoch = g.commit_time;
	} else {
		const char *gen =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(snap, "generated"));
		int64_t ms;

		res->epoch = gen && soak_iso8601_parse(gen, &ms) == 0 && ms >= 0 ? ms / 1000 : 0;
	}
	ret = build(&r, out, exists, snap, &g, err);
	goto out;
nomem:
	oom(err);
out:
	soak_bundle_git_free(&g);
	cJSON_Delete(snap);
	for (size_t i = 0; i < r.nitems; i++) {
		free(r.items[i].rel);
		free(r.items[i].abs);
	}
	free(r.items);
	free_list(r.carried, r.ncarried);
	if (r.tune)
		soak_tunelog_free(r.tune);
	free(r.tune);
	free(r.root);
	free(r.reports);
	free(r.out_rel);
	free(r.arch);
	free(out);
	return ret;
}
