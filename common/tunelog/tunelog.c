/* tuning.jsonl read back into one model (tunelog.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "fmt.h"
#include "buf.h"
#include "jsonl.h"
#include "tunelog.h"
#include "banned.h"

#define MAX_LINE (1024 * 1024)

const char *const soak_tunelog_decision_names[SOAK_TL_N] = {"applied", "clamped", "noop", "blocked",
                                                            "reverted"};
const char *const soak_tunelog_source_names[SOAK_TL_SRC_N] = {"rule", "tuner", "panic", "none"};

static const char *const known_guards[SOAK_TUNELOG_KNOWN_GUARDS] = {
    "velocity", "cooldown", "freeze", "oscillation", "late_run", "bounds", "step", "panic"};

static int decision_of(const cJSON *o)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "decision");
	int i;

	if (!cJSON_IsString(d))
		return -1;
	for (i = 0; i < SOAK_TL_N; i++)
		if (!strcmp(d->valuestring, soak_tunelog_decision_names[i]))
			return i;
	return -1;
}

/* A finite number member; 0 when absent or not one. */
static int jnum(const cJSON *o, const char *k, double *v)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble))
		return 0;
	*v = x->valuedouble;
	return 1;
}

/* A count member: a whole number from 0 up, or absent (0). -1 when it is something else. */
static int jcount(const cJSON *o, const char *k, uint64_t *v)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);

	*v = 0;
	if (!x || cJSON_IsNull(x))
		return 0;
	if (!cJSON_IsNumber(x) || !(x->valuedouble >= 0) || x->valuedouble >= 1.8e19 ||
	    x->valuedouble != floor(x->valuedouble))
		return -1;
	*v = (uint64_t)x->valuedouble;
	return 0;
}

static long schema_major(const cJSON *o)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, "schema");
	char *end;
	long v;

	if (!cJSON_IsString(s) || !isdigit((unsigned char)s->valuestring[0]))
		return -1;
	errno = 0;
	v = strtol(s->valuestring, &end, 10);
	if (errno || (*end && *end != '.'))
		return -1;
	return v;
}

/* 1 when the line has the shape tunelog.h describes. */
static int well_formed(const cJSON *o)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "values"), *c, *x;
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "apply");
	double it;
	uint64_t n, m;

	if (!cJSON_IsObject(o) || !jnum(o, "iteration", &it) || it < 0 || it >= 1.8e19 ||
	    it != floor(it) || decision_of(o) < 0 || !cJSON_IsObject(v))
		return 0;
	cJSON_ArrayForEach(c, v)
	{
		if (!cJSON_IsNumber(c) || !isfinite(c->valuedouble))
			return 0;
	}
	x = cJSON_GetObjectItemCaseSensitive(o, "changes");
	if (x && !cJSON_IsNull(x)) {
		if (!cJSON_IsArray(x))
			return 0;
		cJSON_ArrayForEach(c, x)
		{
			const cJSON *g = cJSON_GetObjectItemCaseSensitive(c, "guard");

			if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(c, "param")) ||
			    decision_of(c) < 0 || (g && !cJSON_IsNull(g) && !cJSON_IsString(g)))
				return 0;
		}
	}
	if (a && !cJSON_IsNull(a) &&
	    (!cJSON_IsObject(a) || jcount(a, "checked", &n) || jcount(a, "matched", &m) || m > n))
		return 0;
	x = cJSON_GetObjectItemCaseSensitive(o, "frozen");
	if (x && !cJSON_IsNull(x)) {
		if (!cJSON_IsArray(x))
			return 0;
		cJSON_ArrayForEach(c, x)
		{
			if (!cJSON_IsString(c))
				return 0;
		}
	}
	x = cJSON_GetObjectItemCaseSensitive(o, "freeze_ready");
	return !x || cJSON_IsNull(x) || cJSON_IsBool(x);
}

static struct soak_tunelog_param *param_get(struct soak_tunelog *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nparam; i++)
		if (!strcmp(t->param[i].name, name))
			return &t->param[i];
	return NULL;
}

/* A parameter seen for the first time, starting at value v in iteration x. */
static struct soak_tunelog_param *param_add(struct soak_tunelog *t, const char *name, double v,
                                            double x)
{
	struct soak_tunelog_param *p = realloc(t->param, (t->nparam + 1) * sizeof(*p));
	if (!p)
		return NULL;
	t->param = p;
	p = &t->param[t->nparam];
	memset(p, 0, sizeof(*p));
	p->name = strdup(name);
	if (!p->name || soak_series_init(&p->path, SOAK_TUNELOG_PATH_POINTS, 0, 0)) {
		free(p->name);
		return NULL;
	}
	t->nparam++;
	p->initial = p->final = p->min = p->max = v;
	p->last_x = x;
	soak_series_add(&p->path, x, v);
	return p;
}

static int count_guard(struct soak_tunelog *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nguards; i++)
		if (!strcmp(t->guard_name[i], name)) {
			t->guards[i]++;
			return 0;
		}
	if (t->nguards == SOAK_TUNELOG_MAX_GUARDS) {
		t->guards_other++;
		return 0;
	}
	t->guard_name[t->nguards] = strdup(name);
	if (!t->guard_name[t->nguards])
		return -1;
	t->guards[t->nguards++] = 1;
	return 0;
}

/* The change of parameter name in a step's changes, or NULL. */
static const cJSON *change_of(const cJSON *changes, const char *name)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, changes)
	{
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(c, "param");

		if (cJSON_IsString(p) && !strcmp(p->valuestring, name))
			return c;
	}
	return NULL;
}

/* One well-formed line. */
static int take(struct soak_tunelog *t, const cJSON *o)
{
	const cJSON *values = cJSON_GetObjectItemCaseSensitive(o, "values");
	const cJSON *changes = cJSON_GetObjectItemCaseSensitive(o, "changes");
	const cJSON *apply = cJSON_GetObjectItemCaseSensitive(o, "apply");
	const cJSON *src = cJSON_GetObjectItemCaseSensitive(o, "source");
	const cJSON *sha = cJSON_GetObjectItemCaseSensitive(o, "overrides_sha256");
	const cJSON *frozen = cJSON_GetObjectItemCaseSensitive(o, "frozen"), *c;
	double it = 0;
	uint64_t n, dropped = 0;
	int s;

	jnum(o, "iteration", &it);
	if (!t->steps)
		t->first_iteration = (uint64_t)it;
	t->last_iteration = (uint64_t)it;
	t->steps++;
	t->decisions[decision_of(o)]++;
	for (s = 0; s < SOAK_TL_SRC_NONE; s++)
		if (cJSON_IsString(src) && !strcmp(src->valuestring, soak_tunelog_source_names[s]))
			break;
	t->sources[s]++;
	cJSON_ArrayForEach(c, changes)
	{
		const cJSON *g = cJSON_GetObjectItemCaseSensitive(c, "guard");

		t->changes++;
		if (cJSON_IsString(g) && count_guard(t, g->valuestring))
			return -1;
	}
	jcount(apply, "checked", &n);
	t->checked += n;
	jcount(apply, "matched", &n);
	t->matched += n;
	t->written += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "written"));
	t->freeze_ready = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "freeze_ready"));
	snprintf(t->sha256, sizeof(t->sha256), "%s",
	         cJSON_IsString(sha) && strlen(sha->valuestring) < sizeof(t->sha256)
	             ? sha->valuestring
	             : "");
	cJSON_Delete(t->last_values);
	t->last_values = cJSON_Duplicate(values, 1);
	if (!t->last_values)
		return -1;
	cJSON_ArrayForEach(c, values)
	{
		struct soak_tunelog_param *p = param_get(t, c->string);
		const cJSON *ch = change_of(changes, c->string), *f;
		double v = c->valuedouble, from;
		int d = ch ? decision_of(ch) : -1;

		if (!p) {
			if (t->nparam == SOAK_TUNELOG_MAX_PARAMS) {
				dropped++;
				continue;
			}
			/* new: it started where this step's change of it began, else here */
			if (!(ch && jnum(ch, "from", &from)))
				from = v;
			p = param_add(t, c->string, from, it);
			if (!p)
				return -1;
		}
		if (d >= 0)
			p->decisions[d]++;
		if ((d == SOAK_TL_APPLIED || d == SOAK_TL_CLAMPED) && jnum(ch, "from", &from)) {
			p->have_applied = 1;
			p->applied_iteration = (uint64_t)it;
			p->applied_from = from;
		}
		if (v != p->final)
			p->changes++;
		p->final = v;
		p->min = fmin(p->min, v);
		p->max = fmax(p->max, v);
		p->frozen = 0;
		cJSON_ArrayForEach(f, frozen)
		{
			p->frozen |= !strcmp(f->valuestring, c->string);
		}
		/* the values are those of iteration it + 1; a path never runs back */
		p->last_x = fmax(p->last_x, it + 1);
		soak_series_add(&p->path, p->last_x, v);
	}
	if (dropped > t->params_dropped)
		t->params_dropped = dropped;
	/* after the values, so that a parameter of the first step is known */
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(apply, "mismatched"))
	{
		struct soak_tunelog_param *p =
		    cJSON_IsString(c) ? param_get(t, c->valuestring) : NULL;

		if (p)
			p->mismatched++;
	}
	return 0;
}

int soak_tunelog_load(const char *path, struct soak_tunelog *t, struct soak_err *err)
{
	struct soak_jsonl_reader rd;
	const char *line;
	size_t len, i;
	int rc;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < SOAK_TUNELOG_KNOWN_GUARDS; i++) {
		t->guard_name[i] = strdup(known_guards[i]);
		if (!t->guard_name[i])
			return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		t->nguards++;
	}
	if (soak_jsonl_reader_open(&rd, path, MAX_LINE, err))
		return -1;
	while ((rc = soak_jsonl_next(&rd, &line, &len, err)) == 1) {
		cJSON *o = cJSON_ParseWithLength(line, len);
		long major = o ? schema_major(o) : -1;

		t->lines++;
		if (major > SOAK_SCHEMA_MAJOR) {
			cJSON_Delete(o);
			soak_jsonl_reader_close(&rd);
			return soak_err_set(err, SOAK_EXIT_INPUT,
			                    "'%s' line %lu: schema major version %ld is newer than "
			                    "this program reads (%d); use a newer version",
			                    path, rd.lineno, major, SOAK_SCHEMA_MAJOR);
		}
		if (major < 0 || !well_formed(o)) {
			t->bad++;
			if (t->nbad_lines < sizeof(t->bad_lines) / sizeof(t->bad_lines[0]))
				t->bad_lines[t->nbad_lines++] = rd.lineno;
		} else if (take(t, o)) {
			rc = soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		}
		cJSON_Delete(o);
		if (rc < 0)
			break;
	}
	t->lines += rd.overlong;
	t->bad += rd.overlong;
	t->partial = rd.partial;
	soak_jsonl_reader_close(&rd);
	return rc < 0 ? -1 : 0;
}

void soak_tunelog_free(struct soak_tunelog *t)
{
	size_t i;

	for (i = 0; i < t->nguards; i++)
		free(t->guard_name[i]);
	for (i = 0; i < t->nparam; i++) {
		free(t->param[i].name);
		soak_series_free(&t->param[i].path);
	}
	free(t->param);
	cJSON_Delete(t->last_values);
	memset(t, 0, sizeof(*t));
}

double soak_tunelog_apply_ratio(const struct soak_tunelog *t)
{
	return t->checked ? (double)t->matched / (double)t->checked : NAN;
}

uint64_t soak_tunelog_guard(const struct soak_tunelog *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nguards; i++)
		if (!strcmp(t->guard_name[i], name))
			return t->guards[i];
	return 0;
}

char *soak_tunelog_overrides(const struct soak_tunelog *t)
{
	struct soak_buf b;
	const cJSON *c;
	char num[40];
	int rc;

	if (!t->last_values)
		return NULL;
	soak_buf_init(&b, MAX_LINE);
	rc = soak_buf_adds(&b, "{");
	cJSON_ArrayForEach(c, t->last_values)
	{
		cJSON *name = cJSON_CreateString(c->string);
		char *q = name ? cJSON_PrintUnformatted(name) : NULL;

		cJSON_Delete(name);
		if (!q) {
			soak_buf_free(&b);
			return NULL;
		}
		soak_fmt_setting(c->valuedouble, num, sizeof(num));
		rc |= soak_buf_addf(&b, "%s%s:%s", c == t->last_values->child ? "" : ",", q, num);
		cJSON_free(q);
	}
	rc |= soak_buf_adds(&b, "}\n");
	if (rc) {
		soak_buf_free(&b);
		return NULL;
	}
	return soak_buf_detach(&b, NULL);
}
