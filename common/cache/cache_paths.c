#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cache_int.h"
#include "exitcode.h"
#include "match.h"
#include "os.h"
#include "str.h"
#include "banned.h"

#define MAX_DEPTH 512

char *soak_cache_path_norm(const char *abs)
{
	size_t n = strlen(abs), len, root = soak_os_path_root_len(abs);
	char *out = malloc(n + 2);
	const char *p;

	if (!out)
		return NULL;
	/* a root other than "/" ("C:/", "//server/share/") is kept, '/'-separated */
	len = root;
	memcpy(out, abs, root);
	for (size_t i = 0; i < root; i++)
		if (soak_os_is_sep((unsigned char)out[i]))
			out[i] = '/';
	while (len > 0 && out[len - 1] == '/')
		len--;
	p = abs + root;
	while (*p) {
		const char *s;
		size_t k;

		while (soak_os_is_sep((unsigned char)*p))
			p++;
		s = p;
		while (*p && !soak_os_is_sep((unsigned char)*p))
			p++;
		k = (size_t)(p - s);
		if (k == 0 || (k == 1 && s[0] == '.'))
			continue;
		if (k == 2 && s[0] == '.' && s[1] == '.') {
			size_t floor = root ? root - 1 : 0;

			while (len > floor && out[len - 1] != '/')
				len--;
			if (len > floor)
				len--; /* the '/' before the dropped component */
			continue;
		}
		out[len++] = '/';
		memcpy(out + len, s, k);
		len += k;
	}
	if (len == 0 || (root > 1 && len < root))
		out[len++] = '/';
	out[len] = '\0';
	return out;
}

char *soak_cache_path_rel(const char *root, const char *abs)
{
	size_t common = 0, ups = 0, len;
	const char *rest;
	struct soak_buf b;
	char *trimmed = NULL, *out;

	/* a root directory ("/", "C:/") ends in the separator its children add */
	if (!strcmp(root, "/")) {
		root = "";
	} else if (*root && root[strlen(root) - 1] == '/') {
		if (!(trimmed = soak_strndup(root, strlen(root) - 1)))
			return NULL;
		root = trimmed;
	}
	/* the longest run of whole components the two share */
	for (size_t i = 0;; i++) {
		if ((root[i] == '\0' || root[i] == '/') && (abs[i] == '\0' || abs[i] == '/'))
			common = i;
		if (root[i] == '\0' || abs[i] == '\0' || root[i] != abs[i])
			break;
	}
	for (size_t i = common; root[i]; i++)
		if (root[i] == '/')
			ups++;
	rest = abs + common;
	while (*rest == '/')
		rest++;
	soak_buf_init(&b, 2 * strlen(abs) + 3 * strlen(root) + 8);
	for (size_t i = 0; i < ups; i++)
		if (soak_buf_adds(&b, i ? "/.." : ".."))
			goto oom;
	if (*rest && ((ups && soak_buf_adds(&b, "/")) || soak_buf_adds(&b, rest)))
		goto oom;
	if (!b.len && soak_buf_adds(&b, "."))
		goto oom;
	out = soak_buf_detach(&b, &len);
	free(trimmed);
	return out;
oom:
	soak_buf_free(&b);
	free(trimmed);
	return NULL;
}

static int has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

int soak_cache_glob_match(const char *pattern, const char *path)
{
	return soak_match_path(pattern, path, 0);
}

static int push(char ***v, size_t *n, char *s)
{
	char **t = realloc(*v, (*n + 1) * sizeof(**v));

	if (!t) {
		free(s);
		return -1;
	}
	*v = t;
	(*v)[(*n)++] = s;
	return 0;
}

/* The pattern made absolute and normalized: "~" is the home directory. */
static char *absolute(const char *root, const char *pat, struct soak_err *err)
{
	size_t n = strlen(root) + strlen(pat) + 2;
	char *home, *joined, *out;

	if (pat[0] == '~' && (pat[1] == '/' || pat[1] == '\0')) {
		if (!(home = soak_os_home())) {
			soak_err_set(err, SOAK_EXIT_USAGE, "cannot expand '%s': no home directory",
			             pat);
			return NULL;
		}
		n = strlen(home) + strlen(pat) + 2;
		joined = malloc(n);
		if (joined)
			snprintf(joined, n, "%s/%s", home, pat + 1);
		free(home);
	} else if (soak_os_path_is_abs(pat)) {
		joined = strdup(pat);
	} else {
		joined = malloc(n);
		if (joined)
			snprintf(joined, n, "%s/%s", root, pat);
	}
	if (!joined || !(out = soak_cache_path_norm(joined))) {
		free(joined);
		soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		return NULL;
	}
	free(joined);
	return out;
}

/* The components of a pattern before the first with a wildcard. */
static char *literal_head(const char *pat)
{
	const char *g = strpbrk(pat, "*?["), *end;
	char *out;

	if (!g)
		return strdup(pat);
	end = g;
	while (end > pat && end[-1] != '/')
		end--;
	if (end > pat + 1)
		end--; /* drop the '/' */
	out = soak_strndup(pat, (size_t)(end - pat));
	if (out && !out[0]) {
		free(out);
		out = strdup("/");
	}
	return out;
}

int soak_cache_paths_init(struct soak_cache_paths *p, const char *root, const char *const *patterns,
                          size_t n, struct soak_err *err)
{
	char *cwd = NULL;

	memset(p, 0, sizeof(*p));
	if (!root || !*root)
		root = soak_os_getenv("GITHUB_WORKSPACE");
	if (!root || !*root || !soak_os_path_is_abs(root)) {
		if (!(cwd = soak_os_getcwd()))
			return soak_err_errno(err, SOAK_EXIT_ENV, errno,
			                      "cannot get the current directory");
	}
	if (!root || !*root) {
		p->root = soak_cache_path_norm(cwd);
	} else if (!soak_os_path_is_abs(root)) {
		size_t len = strlen(cwd) + strlen(root) + 2;
		char *joined = malloc(len);

		if (joined) {
			snprintf(joined, len, "%s/%s", cwd, root);
			p->root = soak_cache_path_norm(joined);
		}
		free(joined);
	} else {
		p->root = soak_cache_path_norm(root);
	}
	free(cwd);
	if (!p->root)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *s = patterns[i];
		int neg = 0;
		char *a, *head;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			continue;
		if (*s == '!') {
			neg = 1;
			s++;
		}
		if (!*s)
			continue;
		if (!(a = absolute(p->root, s, err)))
			goto fail;
		if (neg) {
			if (push(&p->exclude, &p->nexclude, a))
				goto oom;
			continue;
		}
		if (!(head = literal_head(a))) {
			free(a);
			goto oom;
		}
		if (push(&p->include, &p->ninclude, a) || push(&p->bases, &p->nbases, head))
			goto oom;
	}
	if (!p->ninclude) {
		soak_err_set(err, SOAK_EXIT_USAGE, "no path given: the files to cache (--path)");
		goto fail;
	}
	return 0;
oom:
	soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
fail:
	soak_cache_paths_free(p);
	return -1;
}

void soak_cache_paths_free(struct soak_cache_paths *p)
{
	for (size_t i = 0; i < p->ninclude; i++)
		free(p->include[i]);
	for (size_t i = 0; i < p->nexclude; i++)
		free(p->exclude[i]);
	for (size_t i = 0; i < p->nbases; i++)
		free(p->bases[i]);
	free(p->include);
	free(p->exclude);
	free(p->bases);
	free(p->root);
	memset(p, 0, sizeof(*p));
}

static int excluded(const struct soak_cache_paths *p, const char *abs)
{
	for (size_t i = 0; i < p->nexclude; i++)
		if (soak_cache_glob_match(p->exclude[i], abs))
			return 1;
	return 0;
}

/* The sorted names in dir, without "." and ".."; -1 with err. */
static int read_dir(const char *dir, char ***names, size_t *n, struct soak_err *err)
{
	if (soak_os_list_dir(dir, names, n) < 0)
		return soak_err_errno(err, SOAK_EXIT_INPUT, errno, "cannot read directory '%s'",
		                      dir);
	return 0;
}

static char *child(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *c = malloc(n);

	if (c)
		snprintf(c, n, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", name);
	return c;
}

struct walk {
	const struct soak_cache_paths *p;
	soak_cache_visit fn;
	void *ctx;
};

static int emit_tree(struct walk *w, const char *abs, int depth, struct soak_err *err)
{
	char **names;
	struct soak_os_stat st;
	char *rel;
	size_t n;
	int rc = 0;

	if (depth > MAX_DEPTH)
		return soak_err_set(err, SOAK_EXIT_INPUT, "'%s': directories nested too deep", abs);
	if (excluded(w->p, abs))
		return 0;
	if (soak_os_lstat(abs, &st) < 0) {
		if (errno == ENOENT) /* gone since it was listed */
			return 0;
		return soak_err_errno(err, SOAK_EXIT_INPUT, errno, "cannot stat '%s'", abs);
	}
	if (!(rel = soak_cache_path_rel(w->p->root, abs)))
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	if (strcmp(rel, "."))
		rc = w->fn(w->ctx, abs, rel, &st, err);
	free(rel);
	if (rc || st.type != SOAK_OS_DIR)
		return rc;
	if (read_dir(abs, &names, &n, err))
		return -1;
	for (size_t i = 0; i < n && !rc; i++) {
		char *c;

		if (!(c = child(abs, names[i])))
			rc = soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		else
			rc = emit_tree(w, c, depth + 1, err);
		free(c);
	}
	soak_os_names_free(names, n);
	return rc;
}

/* Collect the paths a glob matches under dir (matches are not descended). */
static int glob_collect(const char *pat, const char *dir, int depth, char ***out, size_t *nout,
                        struct soak_err *err)
{
	char **names;
	size_t n;
	int rc = 0;

	if (depth > MAX_DEPTH)
		return 0;
	if (read_dir(dir, &names, &n, err))
		return -1;
	for (size_t i = 0; i < n && !rc; i++) {
		struct soak_os_stat st;
		char *c = NULL;

		if (!(c = child(dir, names[i]))) {
			rc = soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
			goto next;
		}
		if (soak_cache_glob_match(pat, c)) {
			rc = push(out, nout, c);
			if (rc)
				soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
			c = NULL;
		} else if (soak_os_lstat(c, &st) == 0 && st.type == SOAK_OS_DIR) {
			rc = glob_collect(pat, c, depth + 1, out, nout, err);
		}
	next:
		free(c);
	}
	soak_os_names_free(names, n);
	return rc;
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* 1 when a is b or lies under it. */
static int under(const char *a, const char *b)
{
	size_t n = strlen(b);

	if (!strcmp(b, "/"))
		return 1;
	return !strncmp(a, b, n) && (a[n] == '\0' || a[n] == '/');
}

int soak_cache_paths_walk(const struct soak_cache_paths *p, soak_cache_visit fn, void *ctx,
                          struct soak_err *err)
{
	struct walk w = {p, fn, ctx};
	char **found = NULL;
	size_t nfound = 0, k = 0;
	int rc = 0;

	for (size_t i = 0; i < p->ninclude && !rc; i++) {
		const char *pat = p->include[i];
		struct soak_os_stat st;

		if (!has_glob(pat)) {
			char *c;

			if (soak_os_lstat(pat, &st) < 0)
				continue;
			if (!(c = strdup(pat)) || push(&found, &nfound, c))
				rc = soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		} else if (soak_os_stat(p->bases[i], &st) == 0 && st.type == SOAK_OS_DIR) {
			rc = glob_collect(pat, p->bases[i], 0, &found, &nfound, err);
		}
	}
	if (!rc && nfound) {
		/* sorted, and without what another match already holds */
		qsort(found, nfound, sizeof(*found), by_str);
		for (size_t i = 0; i < nfound; i++) {
			if (k && under(found[i], found[k - 1])) {
				free(found[i]);
				continue;
			}
			found[k++] = found[i];
		}
		nfound = k;
	}
	for (size_t i = 0; i < nfound; i++) {
		if (!rc)
			rc = emit_tree(&w, found[i], 0, err);
		free(found[i]);
	}
	free(found);
	return rc;
}
