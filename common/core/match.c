#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "os.h"
#include "banned.h"

/* 1 when c is in the class name (C locale), 0 when not, -1 for no such class. */
static int in_class(const char *name, size_t n, unsigned char c)
{
	static const struct {
		const char *name;
		int (*fn)(int);
	} classes[] = {
	    {"alnum", isalnum}, {"alpha", isalpha}, {"blank", isblank}, {"cntrl", iscntrl},
	    {"digit", isdigit}, {"graph", isgraph}, {"lower", islower}, {"print", isprint},
	    {"punct", ispunct}, {"space", isspace}, {"upper", isupper}, {"xdigit", isxdigit},
	};

	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (strlen(classes[i].name) == n && !strncmp(classes[i].name, name, n))
			return c < 128 && classes[i].fn(c);
	return -1;
}

/* One character of a set at *pp: c, \c, [.c.] or [=c=]; 0, -1 at the end of
 * the pattern, -2 for a "[." that is not a collating symbol of one byte. */
static int set_char(const char **pp, int flags, unsigned char *out)
{
	const char *p = *pp;

	if (p[0] == '[' && (p[1] == '.' || p[1] == '=')) {
		if (p[2] && p[3] == p[1] && p[4] == ']') {
			*out = (unsigned char)p[2];
			*pp = p + 5;
			return 0;
		}
		if (p[1] == '.')
			return -2;
	}
	if (*p == '\\' && !(flags & SOAK_MATCH_NOESCAPE))
		p++;
	if (!*p)
		return -1;
	*out = (unsigned char)*p;
	*pp = p + 1;
	return 0;
}

/* The set at *pp (just after its '['): 1 when c is in it, 0 when not, -1
 * when there is no set there (no closing ']': the '[' is a literal), -2 when
 * the pattern can match nothing (an unknown class, a bad collating symbol). */
static int bracket(const char **pp, unsigned char c, int flags)
{
	const char *p = *pp, *first;
	int neg = 0, in = 0, r;

	if (*p == '!' || *p == '^') {
		neg = 1;
		p++;
	}
	first = p;
	for (;;) {
		unsigned char lo, hi;

		if (!*p)
			return -1;
		if (*p == ']' && p > first) {
			p++;
			break;
		}
		if (p[0] == '[' && p[1] == ':') {
			const char *end = strstr(p + 2, ":]");

			if (end) {
				r = in_class(p + 2, (size_t)(end - p - 2), c);
				if (r < 0)
					return -2;
				in |= r;
				p = end + 2;
				continue;
			}
		}
		if ((r = set_char(&p, flags, &lo)) < 0)
			return r;
		hi = lo;
		if (p[0] == '-' && !p[1])
			return -2; /* a range without its end: glibc matches nothing */
		if (p[0] == '-' && p[1] != ']') {
			p++;
			if ((r = set_char(&p, flags, &hi)) < 0)
				return r;
		}
		if (lo <= c && c <= hi)
			in = 1;
	}
	*pp = p;
	return in != neg;
}

/*
 * fnmatch's rules, glibc's corners included: with PATHNAME, a '/' in s is
 * matched only by a '/' in the pattern, and only one not escaped ends a
 * component (a '.' after "\/" is not leading; "*\/" matches nothing).
 * esc: s[-1] is a '/' the pattern matched with "\/".
 */
static int match(const char *p, const char *s, const char *s0, int flags, int esc)
{
	int path = flags & SOAK_MATCH_PATHNAME;

	for (;;) {
		int lead = (flags & SOAK_MATCH_PERIOD) && *s == '.' &&
		           (s == s0 || (path && s[-1] == '/' && !esc));
		int slash = path && *s == '/';
		char c = *p++;

		esc = 0;
		switch (c) {
		case '\0':
			return *s == '\0';
		case '?':
			if (!*s || slash || lead)
				return 0;
			s++;
			break;
		case '*':
			while (*p == '*')
				p++;
			if (lead)
				return 0;
			for (const char *t = s;; t++) {
				if (path && *t == '/')
					return *p == '/' && match(p, t, s0, flags, 0);
				if (match(p, t, s0, flags, t == s ? esc : 0))
					return 1;
				if (!*t)
					return 0;
			}
		case '[': {
			const char *q = p;
			int r = *s ? bracket(&q, (unsigned char)*s, flags) : 0;

			if (r == -2)
				return 0;
			if (r >= 0 || !*s) {
				if (!*s || slash || lead || !r)
					return 0;
				p = q;
				s++;
				break;
			}
			if (*s != '[')
				return 0;
			s++;
			break;
		}
		case '\\':
			if (!(flags & SOAK_MATCH_NOESCAPE)) {
				if (!(c = *p++))
					return 0;
				esc = c == '/';
			}
			/* fall through */
		default:
			if (*s != c)
				return 0;
			s++;
		}
	}
}

int soak_match(const char *pattern, const char *s, int flags)
{
	return match(pattern, s, s, flags, 0);
}

/* The next component of *s (empty ones skipped): its start and length. */
static size_t next_comp(const char **s, const char **start)
{
	const char *p = *s, *e;

	while (*p == '/')
		p++;
	e = p;
	while (*e && *e != '/')
		e++;
	*start = p;
	*s = e;
	return (size_t)(e - p);
}

static int match_comp(const char *pat, size_t np, const char *name, size_t nn, int flags)
{
	char pb[512], nb[512];
	char *ph = NULL, *nh = NULL, *pc = pb, *nc = nb;
	int ok = 0;

	if (np >= sizeof(pb) && !(pc = ph = malloc(np + 1)))
		return 0;
	if (nn >= sizeof(nb) && !(nc = nh = malloc(nn + 1)))
		goto out;
	memcpy(pc, pat, np);
	pc[np] = '\0';
	memcpy(nc, name, nn);
	nc[nn] = '\0';
	ok = soak_match(pc, nc, flags);
out:
	free(ph);
	free(nh);
	return ok;
}

int soak_match_path(const char *pattern, const char *path, int flags)
{
	const char *pc, *xc, *x = path;
	size_t np = next_comp(&pattern, &pc), nx;

	if (np == 0) {
		const char *rest = x;

		return next_comp(&rest, &xc) == 0;
	}
	if (np == 2 && pc[0] == '*' && pc[1] == '*') {
		for (;;) {
			if (soak_match_path(pattern, x, flags))
				return 1;
			if (next_comp(&x, &xc) == 0)
				return 0;
		}
	}
	nx = next_comp(&x, &xc);
	if (nx == 0 || !match_comp(pc, np, xc, nx, flags))
		return 0;
	return soak_match_path(pattern, x, flags);
}

int soak_match_has_magic(const char *pattern)
{
	for (const char *p = pattern; *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '*' || *p == '?' || *p == '[')
			return 1;
	}
	return 0;
}

struct found {
	char **v;
	size_t n;
};

static int push(struct found *f, const char *s, size_t n)
{
	char **t = realloc(f->v, (f->n + 1) * sizeof(*t));

	if (!t)
		return -1;
	f->v = t;
	if (!(t[f->n] = malloc(n + 1)))
		return -1;
	memcpy(t[f->n], s, n);
	t[f->n++][n] = '\0';
	return 0;
}

/* Append s (n bytes) to the prefix buffer, unescaped when unesc. */
static char *join(const char *pre, size_t npre, const char *s, size_t n, const char *seps,
                  size_t nsep, int unesc)
{
	char *out = malloc(npre + n + nsep + 1);
	size_t k = npre;

	if (!out)
		return NULL;
	memcpy(out, pre, npre);
	for (size_t i = 0; i < n; i++) {
		if (unesc && s[i] == '\\' && i + 1 < n)
			i++;
		out[k++] = s[i];
	}
	memcpy(out + k, seps, nsep);
	out[k + nsep] = '\0';
	return out;
}

/* Expand rest (the pattern after the prefix pre, which ends in '/' or is ""). */
static int expand(const char *pre, const char *rest, struct found *f)
{
	const char *comp = rest, *seps, *after;
	size_t ncomp, npre = strlen(pre);
	struct soak_os_stat st;
	char **names;
	size_t nnames;
	char *pc;
	int rc = 0;

	if (!*rest) {
		if (npre && pre[npre - 1] == '/') {
			if (soak_os_stat(pre, &st) < 0 || st.type != SOAK_OS_DIR)
				return 0;
		} else if (soak_os_lstat(pre, &st) < 0) {
			return 0;
		}
		return push(f, pre, npre);
	}
	seps = comp;
	while (*seps && *seps != '/')
		seps++;
	ncomp = (size_t)(seps - comp);
	after = seps;
	while (*after == '/')
		after++;
	if (!(pc = malloc(ncomp + 1)))
		return -1;
	memcpy(pc, comp, ncomp);
	pc[ncomp] = '\0';
	if (!soak_match_has_magic(pc)) {
		char *next = join(pre, npre, comp, ncomp, seps, (size_t)(after - seps), 1);

		free(pc);
		if (!next)
			return -1;
		rc = expand(next, after, f);
		free(next);
		return rc;
	}
	if (soak_os_list_dir(npre ? pre : ".", &names, &nnames) < 0) {
		free(pc);
		return errno == ENOMEM ? -1 : 0;
	}
	/* "." and ".." too, as readdir lists them: ".*" matches them */
	for (size_t i = 0; i < nnames + 2 && !rc; i++) {
		const char *name = i < 2 ? (i ? ".." : ".") : names[i - 2];
		char *next;

		if (!soak_match(pc, name, SOAK_MATCH_PERIOD))
			continue;
		next = join(pre, npre, name, strlen(name), seps, (size_t)(after - seps), 0);
		rc = next ? expand(next, after, f) : -1;
		free(next);
	}
	soak_os_names_free(names, nnames);
	free(pc);
	return rc;
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int soak_match_glob(const char *pattern, char ***paths, size_t *n)
{
	struct found f = {NULL, 0};
	const char *rest = pattern;
	char *pre;
	int rc;

	while (*rest == '/')
		rest++;
	if (!(pre = join(pattern, (size_t)(rest - pattern), "", 0, "", 0, 0)))
		return -1;
	rc = expand(pre, rest, &f);
	free(pre);
	if (rc) {
		soak_os_names_free(f.v, f.n);
		errno = ENOMEM;
		return -1;
	}
	if (f.n)
		qsort(f.v, f.n, sizeof(*f.v), by_str);
	*paths = f.v;
	*n = f.n;
	return 0;
}
