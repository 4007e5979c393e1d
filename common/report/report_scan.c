#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "os.h"
#include "report_scan.h"
#include "banned.h"

#define MAX_DEPTH 64
#define MAX_NUMBER 40

static const char *const key_names[SOAK_RK_N] = {
    [SOAK_RK_SCHEMA] = "schema",
    [SOAK_RK_STATUS] = "status",
    [SOAK_RK_ITERATION] = "iteration",
    [SOAK_RK_START] = "start",
    [SOAK_RK_END] = "end",
    [SOAK_RK_LOG] = "log",
    [SOAK_RK_EXIT_CODE] = "exit_code",
    [SOAK_RK_SIGNAL] = "signal",
    [SOAK_RK_TIMED_OUT] = "timed_out",
    [SOAK_RK_LOG_DROPPED_BYTES] = "log_dropped_bytes",
    [SOAK_RK_WARNINGS] = "warnings",
    [SOAK_RK_DURATION_MS] = "duration_ms",
    [SOAK_RK_PEAK_RSS_BYTES] = "peak_rss_bytes",
    [SOAK_RK_OPEN_FDS] = "open_fds",
    [SOAK_RK_THREADS] = "threads",
    [SOAK_RK_PROCS] = "procs",
    [SOAK_RK_CPU_USER_S] = "cpu_user_s",
    [SOAK_RK_CPU_SYS_S] = "cpu_sys_s",
    [SOAK_RK_FREE_DISK_BYTES] = "free_disk_bytes",
    [SOAK_RK_MEM_AVAIL_BYTES] = "mem_avail_bytes",
    [SOAK_RK_LOG_BYTES] = "log_bytes",
    [SOAK_RK_SCOPE] = "scope",
    [SOAK_RK_ELAPSED_S] = "elapsed_s",
    [SOAK_RK_RSS_BYTES] = "rss_bytes",
    [SOAK_RK_KPI] = "kpi",
    [SOAK_RK_STEPS] = "steps",
};

const char *soak_rec_key_name(enum soak_rec_key k)
{
	return (unsigned)k < SOAK_RK_N ? key_names[k] : NULL;
}

/* An open-addressing table of the key names, built on first use. */
#define KEY_SLOTS 64
static signed char key_slot[KEY_SLOTS];
static unsigned char key_len[SOAK_RK_N];
static int key_slots_ready;

static unsigned key_hash(const char *name, size_t len)
{
	return ((unsigned)len * 7u + (unsigned char)name[0] * 3u +
	        (unsigned char)name[len - 1] * 5u + (unsigned char)name[len / 2]) %
	       KEY_SLOTS;
}

int soak_rec_key_of(const char *name, size_t len)
{
	unsigned h;
	int k;

	if (!key_slots_ready) {
		memset(key_slot, -1, sizeof(key_slot));
		for (k = 0; k < SOAK_RK_N; k++) {
			key_len[k] = (unsigned char)strlen(key_names[k]);
			h = key_hash(key_names[k], key_len[k]);
			while (key_slot[h] >= 0)
				h = (h + 1) % KEY_SLOTS;
			key_slot[h] = (signed char)k;
		}
		key_slots_ready = 1;
	}
	if (len < 3 || len > 17)
		return -1;
	for (h = key_hash(name, len); (k = key_slot[h]) >= 0; h = (h + 1) % KEY_SLOTS)
		if (key_len[k] == len) {
			const char *a = key_names[k];
			size_t i = 0;

			while (i < len && a[i] == name[i])
				i++;
			if (i == len)
				return k;
		}
	return -1;
}

void soak_rec_ctx_init(struct soak_rec_ctx *c, int full)
{
	memset(c, 0, sizeof(*c));
	c->full = full;
}

void soak_rec_ctx_free(struct soak_rec_ctx *c)
{
	free(c->arena);
	free(c->kpi);
	cJSON_Delete(c->tree);
	memset(c, 0, sizeof(*c));
}

static void view_reset(struct soak_rec_ctx *c, struct soak_rec *r)
{
	memset(r, 0, sizeof(*r));
	c->arena_len = 0;
	cJSON_Delete(c->tree);
	c->tree = NULL;
}

static int kpi_push(struct soak_rec_ctx *c, struct soak_rec *r, const char *name, double v)
{
	if (r->nkpi == c->kpi_cap) {
		size_t cap = c->kpi_cap ? c->kpi_cap * 2 : 16;
		struct soak_rec_kpi *k = realloc(c->kpi, cap * sizeof(*k));

		if (!k)
			return -1;
		c->kpi = k;
		c->kpi_cap = cap;
	}
	c->kpi[r->nkpi].name = name;
	c->kpi[r->nkpi].value = v;
	r->nkpi++;
	r->kpi = c->kpi;
	return 0;
}

/* ---- the view from a cJSON tree ---- */

static void val_from_json(struct soak_rec_val *v, const cJSON *x)
{
	if (cJSON_IsString(x) && x->valuestring) {
		v->type = SOAK_RT_STRING;
		v->str = x->valuestring;
	} else if (cJSON_IsNumber(x)) {
		v->type = SOAK_RT_NUMBER;
		v->num = x->valuedouble;
	} else if (cJSON_IsTrue(x)) {
		v->type = SOAK_RT_TRUE;
	} else if (cJSON_IsFalse(x)) {
		v->type = SOAK_RT_FALSE;
	} else if (cJSON_IsNull(x)) {
		v->type = SOAK_RT_NULL;
	} else if (cJSON_IsObject(x)) {
		v->type = SOAK_RT_OBJECT;
	} else if (cJSON_IsArray(x)) {
		v->type = SOAK_RT_ARRAY;
	}
}

static int fill_from_json(struct soak_rec_ctx *c, const cJSON *obj, struct soak_rec *r)
{
	const cJSON *x;
	int k;

	if (!cJSON_IsObject(obj))
		return 0;
	r->object = 1;
	for (k = 0; k < SOAK_RK_N; k++) {
		x = cJSON_GetObjectItemCaseSensitive(obj, key_names[k]);
		if (x)
			val_from_json(&r->k[k], x);
	}
	r->steps = cJSON_GetObjectItemCaseSensitive(obj, "steps");
	/* as cJSON_ArrayForEach over the "kpi" value: only named numeric members count */
	x = cJSON_GetObjectItemCaseSensitive(obj, "kpi");
	if (cJSON_IsObject(x)) {
		const cJSON *m;

		cJSON_ArrayForEach(m, x)
		{
			if (cJSON_IsNumber(m) && m->string &&
			    kpi_push(c, r, m->string, m->valuedouble))
				return -1;
		}
	}
	return 0;
}

int soak_rec_from_json(struct soak_rec_ctx *c, const cJSON *obj, struct soak_rec *r)
{
	view_reset(c, r);
	return fill_from_json(c, obj, r);
}

/* ---- the scanner ---- */

struct scan {
	const char *p, *end;
	struct soak_rec_ctx *c;
	struct soak_rec *r;
};

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static void skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\r' || *s->p == '\n'))
		s->p++;
}

/*
 * A string at s->p (the opening quote): 1 with [*b, *e) its bytes, 0 for anything
 * the scanner leaves to cJSON (an escape, a control character, no closing quote).
 */
static int scan_string(struct scan *s, const char **b, const char **e)
{
	const char *p = s->p + 1, *q;

	q = p;
	while (q < s->end && *q != '"') {
		if (*q == '\\' || (unsigned char)*q < 0x20)
			return 0;
		q++;
	}
	if (q == s->end)
		return 0;
	*b = p;
	*e = q;
	s->p = q + 1;
	return 1;
}

/* A JSON number at s->p: 1 with its value as strtod gives it, 0 to leave it to cJSON. */
static int scan_number(struct scan *s, double *out)
{
	const char *p = s->p, *start = p;
	uint64_t w = 0;
	int neg = 0, digits = 0, frac = 0, exp = 0, eneg = 0, exact = 1;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (p == s->end || *p < '0' || *p > '9')
		return 0;
	if (*p == '0') {
		p++;
		if (p < s->end && *p >= '0' && *p <= '9')
			return 0; /* a leading zero: not JSON */
	} else {
		while (p < s->end && *p >= '0' && *p <= '9') {
			if (digits < 15)
				w = w * 10 + (uint64_t)(*p - '0');
			else
				exact = 0;
			digits++;
			p++;
		}
	}
	if (p < s->end && *p == '.') {
		p++;
		if (p == s->end || *p < '0' || *p > '9')
			return 0;
		while (p < s->end && *p >= '0' && *p <= '9') {
			if (digits == 0 && *p == '0') {
				frac++; /* leading zeros of 0.000x do not count as digits */
			} else if (digits < 15) {
				w = w * 10 + (uint64_t)(*p - '0');
				digits++;
				frac++;
			} else {
				exact = 0;
			}
			p++;
		}
	}
	if (p < s->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < s->end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		if (p == s->end || *p < '0' || *p > '9')
			return 0;
		while (p < s->end && *p >= '0' && *p <= '9') {
			if (exp < 10000)
				exp = exp * 10 + (*p - '0');
			p++;
		}
	}
	if (p - start > MAX_NUMBER)
		return 0;
	if (p < s->end && (*p == '.' || *p == 'e' || *p == 'E' || *p == '+' || *p == '-'))
		return 0; /* cJSON would read these characters as part of the number */
	exp = (eneg ? -exp : exp) - frac;
	if (exact && exp >= -22 && exp <= 22) {
		double v = (double)w;

		v = exp < 0 ? v / pow10_exact[-exp] : v * pow10_exact[exp];
		*out = neg ? -v : v;
	} else {
		char tmp[MAX_NUMBER + 1];

		memcpy(tmp, start, (size_t)(p - start));
		tmp[p - start] = 0;
		*out = strtod(tmp, NULL);
	}
	s->p = p;
	return 1;
}

static int scan_literal(struct scan *s, const char *lit, size_t n)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n))
		return 0;
	s->p += n;
	return 1;
}

/* Skip any value, checking it; 1 done, 0 to leave to cJSON. */
static int skip_value(struct scan *s, int depth)
{
	const char *b, *e;
	double d;

	if (s->p == s->end)
		return 0;
	switch (*s->p) {
	case '"':
		return scan_string(s, &b, &e);
	case 't':
		return scan_literal(s, "true", 4);
	case 'f':
		return scan_literal(s, "false", 5);
	case 'n':
		return scan_literal(s, "null", 4);
	case '{':
	case '[': {
		char close = *s->p == '{' ? '}' : ']';
		int obj = close == '}';

		if (depth >= MAX_DEPTH)
			return 0;
		s->p++;
		skip_ws(s);
		if (s->p < s->end && *s->p == close) {
			s->p++;
			return 1;
		}
		for (;;) {
			if (obj) {
				if (s->p == s->end || *s->p != '"' || !scan_string(s, &b, &e))
					return 0;
				skip_ws(s);
				if (s->p == s->end || *s->p != ':')
					return 0;
				s->p++;
				skip_ws(s);
			}
			if (!skip_value(s, depth + 1))
				return 0;
			skip_ws(s);
			if (s->p == s->end)
				return 0;
			if (*s->p == close) {
				s->p++;
				return 1;
			}
			if (*s->p != ',')
				return 0;
			s->p++;
			skip_ws(s);
		}
	}
	default:
		return scan_number(s, &d);
	}
}

static const char *arena_str(struct soak_rec_ctx *c, const char *b, const char *e)
{
	/* the arena holds at least the line's length plus one: every string fits */
	char *d = c->arena + c->arena_len;

	memcpy(d, b, (size_t)(e - b));
	d[e - b] = 0;
	c->arena_len += (size_t)(e - b) + 1;
	return d;
}

/* The members of "kpi" (an object): named numbers are kept. 1 done, 0 cJSON, -1 OOM. */
static int scan_kpi(struct scan *s)
{
	const char *b, *e;

	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		return 1;
	}
	for (;;) {
		if (s->p == s->end || *s->p != '"' || !scan_string(s, &b, &e))
			return 0;
		skip_ws(s);
		if (s->p == s->end || *s->p != ':')
			return 0;
		s->p++;
		skip_ws(s);
		if (s->p < s->end && (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))) {
			double v;

			if (!scan_number(s, &v))
				return 0;
			if (kpi_push(s->c, s->r, arena_str(s->c, b, e), v))
				return -1;
		} else if (!skip_value(s, 1)) {
			return 0;
		}
		skip_ws(s);
		if (s->p == s->end)
			return 0;
		if (*s->p == '}') {
			s->p++;
			return 1;
		}
		if (*s->p != ',')
			return 0;
		s->p++;
		skip_ws(s);
	}
}

/* One member's value for key k (-1: not a key of the view). */
static int scan_member(struct scan *s, int k)
{
	struct soak_rec_val *v = k >= 0 ? &s->r->k[k] : NULL;
	const char *b, *e, *start = s->p;
	char ch;

	if (s->p == s->end)
		return 0;
	if (v && v->type != SOAK_RT_ABSENT)
		v = NULL; /* a repeated member: the first one counts */
	if (!v)
		return skip_value(s, 0);
	ch = *s->p;
	if (ch == '"') {
		if (!scan_string(s, &b, &e))
			return 0;
		v->type = SOAK_RT_STRING;
		v->str = arena_str(s->c, b, e);
	} else if (ch == '-' || (ch >= '0' && ch <= '9')) {
		if (!scan_number(s, &v->num))
			return 0;
		v->type = SOAK_RT_NUMBER;
	} else if (ch == 't') {
		if (!scan_literal(s, "true", 4))
			return 0;
		v->type = SOAK_RT_TRUE;
	} else if (ch == 'f') {
		if (!scan_literal(s, "false", 5))
			return 0;
		v->type = SOAK_RT_FALSE;
	} else if (ch == 'n') {
		if (!scan_literal(s, "null", 4))
			return 0;
		v->type = SOAK_RT_NULL;
	} else if (ch == '{' && k == SOAK_RK_KPI) {
		int rc = scan_kpi(s);

		if (rc <= 0)
			return rc;
		v->type = SOAK_RT_OBJECT;
	} else if (ch == '{' || ch == '[') {
		if (!skip_value(s, 0))
			return 0;
		v->type = ch == '{' ? SOAK_RT_OBJECT : SOAK_RT_ARRAY;
	} else {
		return 0;
	}
	if (k == SOAK_RK_STEPS) {
		/* steps stay a tree: parse just this value */
		s->c->tree = cJSON_ParseWithLength(start, (size_t)(s->p - start));
		if (!s->c->tree)
			return 0;
		s->r->steps = s->c->tree;
	}
	return 1;
}

int soak_rec_scan(struct soak_rec_ctx *c, const char *line, size_t len, struct soak_rec *r)
{
	struct scan s = {line, line + len, c, r};
	const char *b, *e;

	view_reset(c, r);
	if (c->arena_cap < len + 1) {
		size_t cap = len + 1 < 4096 ? 4096 : len + 1;
		char *a = realloc(c->arena, cap);

		if (!a)
			return -1;
		c->arena = a;
		c->arena_cap = cap;
	}
	skip_ws(&s);
	if (s.p == s.end || *s.p != '{')
		return 0;
	s.p++;
	skip_ws(&s);
	if (s.p < s.end && *s.p == '}') {
		s.p++;
	} else {
		for (;;) {
			int rc;

			if (s.p == s.end || *s.p != '"' || !scan_string(&s, &b, &e))
				goto slow;
			skip_ws(&s);
			if (s.p == s.end || *s.p != ':')
				goto slow;
			s.p++;
			skip_ws(&s);
			rc = scan_member(&s, soak_rec_key_of(b, (size_t)(e - b)));
			if (rc < 0)
				return -1;
			if (!rc)
				goto slow;
			skip_ws(&s);
			if (s.p == s.end)
				goto slow;
			if (*s.p == '}') {
				s.p++;
				break;
			}
			if (*s.p != ',')
				goto slow;
			s.p++;
			skip_ws(&s);
		}
	}
	skip_ws(&s);
	if (s.p != s.end)
		goto slow;
	r->object = 1;
	return 1;
slow:
	view_reset(c, r);
	return 0;
}

int soak_rec_parse(struct soak_rec_ctx *c, const char *line, size_t len, struct soak_rec *r)
{
	cJSON *tree;
	int rc;

	if (!c->full) {
		rc = soak_rec_scan(c, line, len, r);
		if (rc) {
			c->fast += rc > 0;
			return rc;
		}
	}
	c->slow++;
	view_reset(c, r);
	tree = cJSON_ParseWithLength(line, len);
	if (!tree)
		return 0;
	c->tree = tree;
	return fill_from_json(c, tree, r) < 0 ? -1 : 1;
}

int soak_rec_num(const struct soak_rec *r, enum soak_rec_key k, double *v)
{
	if (r->k[k].type != SOAK_RT_NUMBER || !isfinite(r->k[k].num))
		return 0;
	*v = r->k[k].num;
	return 1;
}

const char *soak_rec_str(const struct soak_rec *r, enum soak_rec_key k)
{
	return r->k[k].type == SOAK_RT_STRING ? r->k[k].str : NULL;
}

/* ---- lines ---- */

#define LINES_BLOCK (256 * 1024)

int soak_report_lines_open(struct soak_report_lines *l, const char *path, size_t max_line,
                           struct soak_err *err)
{
	memset(l, 0, sizeof(*l));
	l->fd = -1;
	l->max_line = max_line;
	l->cap = max_line + 1 + LINES_BLOCK;
	l->fd = soak_os_open(path, SOAK_O_RDONLY, 0);
	if (l->fd < 0)
		return soak_err_errno(err, SOAK_EXIT_INPUT, errno, "cannot open '%s'", path);
	l->buf = malloc(l->cap);
	l->path = strdup(path);
	if (!l->buf || !l->path) {
		soak_report_lines_close(l);
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	}
	return 0;
}

/* Read more after the unread bytes (moved to the front); 0 at the end of the file. */
static int lines_fill(struct soak_report_lines *l, struct soak_err *err)
{
	ptrdiff_t n;

	if (l->pos) {
		memmove(l->buf, l->buf + l->pos, l->end - l->pos);
		l->end -= l->pos;
		l->pos = 0;
	}
	n = soak_os_read(l->fd, l->buf + l->end, l->cap - l->end);
	/* a directory where the file should be is bad input, not a failing disk */
	if (n < 0)
		return soak_err_errno(err, errno == EISDIR ? SOAK_EXIT_INPUT : SOAK_EXIT_ENV, errno,
		                      "cannot read '%s'", l->path);
	l->end += (size_t)n;
	return n > 0;
}

int soak_report_lines_next(struct soak_report_lines *l, const char **line, size_t *len,
                           struct soak_err *err)
{
	for (;;) {
		char *nl = l->pos < l->end ? memchr(l->buf + l->pos, '\n', l->end - l->pos) : NULL;
		size_t n;
		int rc;

		if (!nl) {
			if (l->skipping) {
				l->pos =
				    l->end; /* still inside an overlong line: drop what we have */
			} else if (l->end - l->pos > l->max_line) {
				l->skipping = 1;
				l->pos = l->end;
			}
			if (l->eof || (rc = lines_fill(l, err)) == 0) {
				l->eof = 1;
				l->partial = l->skipping || l->end > l->pos;
				return 0;
			}
			if (rc < 0)
				return -1;
			continue;
		}
		n = (size_t)(nl - (l->buf + l->pos));
		*line = l->buf + l->pos;
		l->pos += n + 1;
		l->partial = 0;
		l->lineno++;
		if (l->skipping || n > l->max_line) {
			l->skipping = 0;
			if (l->noverlong_at < sizeof(l->overlong_at) / sizeof(l->overlong_at[0]))
				l->overlong_at[l->noverlong_at++] = l->lineno;
			l->overlong++;
			continue;
		}
		if (n && (*line)[n - 1] == '\r')
			n--;
		if (!n)
			continue;
		*len = n;
		return 1;
	}
}

void soak_report_lines_close(struct soak_report_lines *l)
{
	if (l->fd >= 0)
		soak_os_close(l->fd);
	free(l->buf);
	free(l->path);
	memset(l, 0, sizeof(*l));
	l->fd = -1;
}
