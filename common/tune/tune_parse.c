/*
 * The tune file (tune.h): every value checked, every message naming the JSON
 * path of the bad value and what is allowed.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "fmt.h"
#include "parse.h"
#include "tune.h"
#include "banned.h"

#define MAX_WINDOW 100000

struct ctx {
	const char *from;
	struct soak_err *err;
	struct soak_tune_cfg *cfg;
};

static int bad(struct ctx *c, const char *path, const char *fmt, ...) SOAK_PRINTF(3, 4);
static int bad(struct ctx *c, const char *path, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return soak_err_set(c->err, SOAK_EXIT_USAGE, "%s: %s: %s", c->from, path, msg);
}

/* What a JSON value is, for messages. */
static const char *kind(const cJSON *v)
{
	return !v                  ? "nothing"
	       : cJSON_IsString(v) ? "a string"
	       : cJSON_IsNumber(v) ? "a number"
	       : cJSON_IsBool(v)   ? "a boolean"
	       : cJSON_IsNull(v)   ? "null"
	       : cJSON_IsArray(v)  ? "an array"
	                           : "an object";
}

/* Refuse a member of o not in known (NULL-terminated). */
static int only_known(struct ctx *c, const cJSON *o, const char *path, const char *const *known)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, o)
	{
		const char *const *k;
		char list[256] = "";
		size_t len = 0;

		for (k = known; *k && strcmp(*k, m->string); k++)
			;
		if (*k)
			continue;
		for (k = known; *k; k++)
			len += (size_t)snprintf(list + len,
			                        len < sizeof(list) ? sizeof(list) - len : 0, "%s%s",
			                        k == known ? "" : ", ", *k);
		return bad(c, path, "unknown member '%s' (allowed: %s)", m->string, list);
	}
	return 0;
}

static int get_int(struct ctx *c, const cJSON *o, const char *name, const char *path, long long min,
                   long long max, long long def, long long *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	char p[256];

	snprintf(p, sizeof(p), "%s.%s", path, name);
	if (!v) {
		*out = def;
		return 0;
	}
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
	    v->valuedouble < (double)min || v->valuedouble > (double)max) {
		char got[64];
		if (cJSON_IsNumber(v))
			soak_fmt(SOAK_U_COUNT, v->valuedouble, got, sizeof(got));
		else
			snprintf(got, sizeof(got), "%s", kind(v));
		return bad(c, p, "expected a whole number from %lld to %lld, got %s", min, max,
		           got);
	}
	*out = (long long)v->valuedouble;
	return 0;
}

static int get_num(struct ctx *c, const cJSON *o, const char *name, const char *path, int required,
                   double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!v && !required)
		return 0;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
		return bad(c, path, "'%s' must be a number, got %s", name, kind(v));
	*out = v->valuedouble;
	return 0;
}

static int valid_name(const char *s)
{
	if (!*s || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
			return 0;
	return 1;
}

static int add_cond(struct ctx *c, const cJSON *v, const char *path, size_t *idx)
{
	struct soak_tune_cfg *cfg = c->cfg;
	struct soak_gate *g;

	if (!cJSON_IsString(v) || !*v->valuestring)
		return bad(c, path,
		           "expected a gate expression (e.g. \"kpi.p99_ms:avg@last>40\"), "
		           "got %s",
		           kind(v));
	g = realloc(cfg->conds, (cfg->nconds + 1) * sizeof(*g));
	if (!g)
		return soak_err_set(c->err, SOAK_EXIT_ENV, "out of memory");
	cfg->conds = g;
	if (soak_gate_parse(v->valuestring, 1, &g[cfg->nconds], c->err) < 0)
		return soak_err_prefix(c->err, "%s: %s", c->from, path);
	*idx = cfg->nconds++;
	return 0;
}

static int parse_param(struct ctx *c, const cJSON *o, size_t i)
{
	static const char *const known[] = {"name",     "type",     "initial",     "min", "max",
	                                    "max_step", "velocity", "applied_kpi", NULL};
	struct soak_tune_param *p = &c->cfg->p[i];
	const cJSON *v;
	char path[64], vp[96], a[32], b[32], x[32];

	snprintf(path, sizeof(path), "$.parameters[%zu]", i);
	if (!cJSON_IsObject(o))
		return bad(c, path, "expected an object with name, initial, min and max, got %s",
		           kind(o));
	if (only_known(c, o, path, known) < 0)
		return -1;
	v = cJSON_GetObjectItemCaseSensitive(o, "name");
	if (!cJSON_IsString(v) || !valid_name(v->valuestring))
		return bad(c, path,
		           "'name' must be a string of letters, digits, '_', '-' or '.' (at most "
		           "64), got %s",
		           kind(v));
	for (size_t j = 0; j < i; j++)
		if (!strcmp(c->cfg->p[j].name, v->valuestring))
			return bad(c, path,
			           "parameter '%s' is given twice (also $.parameters[%zu])",
			           v->valuestring, j);
	if (!(p->name = strdup(v->valuestring)))
		return soak_err_set(c->err, SOAK_EXIT_ENV, "out of memory");
	v = cJSON_GetObjectItemCaseSensitive(o, "type");
	p->type = SOAK_TUNE_FLOAT;
	if (v && (!cJSON_IsString(v) ||
	          (strcmp(v->valuestring, "int") && strcmp(v->valuestring, "float"))))
		return bad(c, path, "'type' must be \"int\" or \"float\", got %s", kind(v));
	if (v && !strcmp(v->valuestring, "int"))
		p->type = SOAK_TUNE_INT;
	if (get_num(c, o, "initial", path, 1, &p->initial) < 0 ||
	    get_num(c, o, "min", path, 1, &p->min) < 0 ||
	    get_num(c, o, "max", path, 1, &p->max) < 0 ||
	    get_num(c, o, "max_step", path, 0, &p->max_step) < 0)
		return -1;
	if (p->type == SOAK_TUNE_INT) {
		static const char *const ints[] = {"initial", "min", "max", "max_step", NULL};
		for (const char *const *k = ints; *k; k++) {
			double w = !strcmp(*k, "initial") ? p->initial
			           : !strcmp(*k, "min")   ? p->min
			           : !strcmp(*k, "max")   ? p->max
			                                  : p->max_step;
			if (w != floor(w) || fabs(w) > 9e15)
				return bad(c, path,
				           "'%s' of int parameter '%s' must be a whole number", *k,
				           p->name);
		}
	}
	if (p->min > p->max)
		return bad(c, path, "'min' (%s) is above 'max' (%s) for parameter '%s'",
		           soak_fmt(SOAK_U_COUNT, p->min, a, sizeof(a)),
		           soak_fmt(SOAK_U_COUNT, p->max, b, sizeof(b)), p->name);
	if (p->initial < p->min || p->initial > p->max)
		return bad(c, path,
		           "'initial' (%s) of parameter '%s' is outside [min, max] = [%s, %s]",
		           soak_fmt(SOAK_U_COUNT, p->initial, x, sizeof(x)), p->name,
		           soak_fmt(SOAK_U_COUNT, p->min, a, sizeof(a)),
		           soak_fmt(SOAK_U_COUNT, p->max, b, sizeof(b)));
	if (p->max_step < 0)
		return bad(c, path,
		           "'max_step' of parameter '%s' must be more than 0 (or absent: no "
		           "limit)",
		           p->name);
	v = cJSON_GetObjectItemCaseSensitive(o, "velocity");
	snprintf(vp, sizeof(vp), "%s.velocity", path);
	if (v) {
		static const char *const vk[] = {"max", "window", NULL};
		if (!cJSON_IsObject(v))
			return bad(c, vp, "expected an object {\"max\": X, \"window\": N}, got %s",
			           kind(v));
		if (only_known(c, v, vp, vk) < 0 || get_num(c, v, "max", vp, 1, &p->vel_max) < 0 ||
		    get_int(c, v, "window", vp, 1, MAX_WINDOW, 0, &p->vel_window) < 0)
			return -1;
		if (p->vel_max <= 0)
			return bad(c, vp, "'max' must be more than 0");
		if (!p->vel_window)
			return bad(c, vp, "'window' (iterations) is required");
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "applied_kpi");
	if (v) {
		if (!cJSON_IsString(v) || !*v->valuestring)
			return bad(c, path, "'applied_kpi' must be a KPI name, got %s", kind(v));
		if (!(p->applied_kpi = strdup(v->valuestring)))
			return soak_err_set(c->err, SOAK_EXIT_ENV, "out of memory");
	}
	return 0;
}

int soak_tune_change_text(const struct soak_tune_param *p, const char *s, char *op, double *amount,
                          char *why, size_t n)
{
	char *end;

	if (!strchr("+-=", s[0]) || !s[1] || s[1] == ' ') {
		snprintf(why, n,
		         "expected \"+X\", \"-X\" or \"=X\" (a delta or a value) for '%s', got "
		         "'%s'",
		         p->name, s);
		return -1;
	}
	*op = s[0];
	*amount = strtod(s + 1, &end);
	if (*end || end == s + 1 || !isfinite(*amount) ||
	    (*op != '=' && (s[1] == '+' || s[1] == '-'))) {
		snprintf(why, n, "'%s' for '%s' is not %s", s, p->name,
		         *op == '=' ? "=NUMBER" : "a sign and a number (\"+0.5\")");
		return -1;
	}
	if (*op == '-')
		*amount = -*amount;
	if (p->type == SOAK_TUNE_INT && *amount != floor(*amount)) {
		snprintf(why, n, "'%s' for int parameter '%s' must be a whole number", s, p->name);
		return -1;
	}
	return 0;
}

/* "+X", "-X" or "=X" for parameter pi. */
static int parse_change(struct ctx *c, const cJSON *v, const char *path, size_t pi,
                        struct soak_tune_change *ch)
{
	const struct soak_tune_param *p = &c->cfg->p[pi];
	char why[256];

	ch->param = pi;
	if (!cJSON_IsString(v))
		return bad(
		    c, path,
		    "expected \"+X\", \"-X\" or \"=X\" (a delta or a value) for '%s', got %s",
		    p->name, kind(v));
	if (soak_tune_change_text(p, v->valuestring, &ch->op, &ch->amount, why, sizeof(why)) < 0)
		return bad(c, path, "%s", why);
	if (!(ch->text = strdup(v->valuestring)))
		return soak_err_set(c->err, SOAK_EXIT_ENV, "out of memory");
	return 0;
}

static int parse_rules(struct ctx *c, const cJSON *a)
{
	struct soak_tune_cfg *cfg = c->cfg;
	size_t n = (size_t)cJSON_GetArraySize(a), i = 0;
	const cJSON *r;

	if (!cJSON_IsArray(a) || !n)
		return bad(c, "$.rules",
		           "expected a non-empty array of {\"when\": ..., \"change\": "
		           "{...}}, got %s",
		           cJSON_IsArray(a) ? "an empty array" : kind(a));
	if (!(cfg->rules = calloc(n, sizeof(*cfg->rules))))
		return soak_err_set(c->err, SOAK_EXIT_ENV, "out of memory");
	cJSON_ArrayForEach(r, a)
	{
		static const char *const known[] = {"when", "change", NULL};
		struct soak_tune_rule *rule = &cfg->rules[i];
		const cJSON *ch = cJSON_GetObjectItemCaseSensitive(r, "change"), *m;
		char path[64], p2[96], p3[192];
		size_t k = 0;

		snprintf(path, sizeof(path), "$.rules[%zu]", i);
		cfg->nrules = ++i;
		if (!cJSON_IsObject(r))
			return bad(c, path, "expected an object, got %s", kind(r));
		if (only_known(c, r, path, known) < 0)
			return -1;
		snprintf(p2, sizeof(p2), "%s.when", path);
		if (add_cond(c, cJSON_GetObjectItemCaseSensitive(r, "when"), p2, &rule->cond) < 0)
			return -1;
		snprintf(p2, sizeof(p2), "%s.change", path);
		if (!cJSON_IsObject(ch) || !cJSON_GetArraySize(ch))
			return bad(c, p2, "expected an object {\"PARAM\": \"+X\"}, got %s",
			           cJSON_IsObject(ch) ? "an empty object" : kind(ch));
		rule->ch = calloc((size_t)cJSON_GetArraySize(ch), sizeof(*rule->ch));
		if (!rule->ch)
			return soak_err_set(c->err, SOAK_EXIT_ENV, "out of memory");
		cJSON_ArrayForEach(m, ch)
		{
			long pi = soak_tune_param_index(cfg, m->string);
			snprintf(p3, sizeof(p3), "%s.%s", p2, m->string);
			if (pi < 0)
				return bad(c, p3, "no parameter '%s' in $.parameters", m->string);
			rule->nch = k + 1;
			if (parse_change(c, m, p3, (size_t)pi, &rule->ch[k++]) < 0)
				return -1;
		}
	}
	return 0;
}

static int parse_tuner(struct ctx *c, const cJSON *t)
{
	static const char *const known[] = {"command", "timeout", NULL};
	struct soak_tune_cfg *cfg = c->cfg;
	const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(t, "command"), *to, *e;
	size_t n = (size_t)cJSON_GetArraySize(cmd), i = 0;

	if (!cJSON_IsObject(t))
		return bad(c, "$.tuner",
		           "expected an object {\"command\": [...], \"timeout\": "
		           "\"10s\"}, got %s",
		           kind(t));
	if (only_known(c, t, "$.tuner", known) < 0)
		return -1;
	if (!cJSON_IsArray(cmd) || !n)
		return bad(c, "$.tuner.command",
		           "expected a non-empty array of strings (program and arguments), got %s",
		           cJSON_IsArray(cmd) ? "an empty array" : kind(cmd));
	if (!(cfg->tuner_argv = calloc(n + 1, sizeof(char *))))
		return soak_err_set(c->err, SOAK_EXIT_ENV, "out of memory");
	cJSON_ArrayForEach(e, cmd)
	{
		if (!cJSON_IsString(e) || (!i && !*e->valuestring))
			return bad(c, "$.tuner.command", "item %zu must be a%s string, got %s", i,
			           i ? "" : " non-empty", kind(e));
		if (!(cfg->tuner_argv[i++] = strdup(e->valuestring)))
			return soak_err_set(c->err, SOAK_EXIT_ENV, "out of memory");
	}
	cfg->tuner_timeout_ms = 10000;
	to = cJSON_GetObjectItemCaseSensitive(t, "timeout");
	if (to) {
		struct soak_err e2;
		if (!cJSON_IsString(to) ||
		    soak_parse_duration(to->valuestring, &cfg->tuner_timeout_ms, &e2) < 0 ||
		    cfg->tuner_timeout_ms <= 0)
			return bad(
			    c, "$.tuner.timeout",
			    "expected a duration above 0 such as \"10s\" or \"500ms\", got %s",
			    cJSON_IsString(to) ? to->valuestring : kind(to));
	}
	return 0;
}

static int cond_list(struct ctx *c, const cJSON *a, const char *path, size_t **idx, size_t *n)
{
	const cJSON *e;
	size_t k = 0;
	char p[128];

	if (cJSON_IsString(a)) {
		if (!(*idx = calloc(1, sizeof(size_t))))
			return soak_err_set(c->err, SOAK_EXIT_ENV, "out of memory");
		*n = 1;
		return add_cond(c, a, path, &(*idx)[0]);
	}
	if (!cJSON_IsArray(a) || !cJSON_GetArraySize(a))
		return bad(c, path, "expected a non-empty array of gate expressions, got %s",
		           cJSON_IsArray(a) ? "an empty array" : kind(a));
	if (!(*idx = calloc((size_t)cJSON_GetArraySize(a), sizeof(size_t))))
		return soak_err_set(c->err, SOAK_EXIT_ENV, "out of memory");
	cJSON_ArrayForEach(e, a)
	{
		snprintf(p, sizeof(p), "%s[%zu]", path, k);
		if (add_cond(c, e, p, &(*idx)[k]) < 0)
			return -1;
		*n = ++k;
	}
	return 0;
}

static int parse_guards(struct ctx *c, const cJSON *g)
{
	static const char *const known[] = {"cooldown", "oscillation", "freeze_ready",
	                                    "panic",    "late_run",    NULL};
	struct soak_tune_cfg *cfg = c->cfg;
	const cJSON *v;
	char got[32];

	if (!cJSON_IsObject(g))
		return bad(c, "$.guards", "expected an object, got %s", kind(g));
	if (only_known(c, g, "$.guards", known) < 0 ||
	    get_int(c, g, "cooldown", "$.guards", 0, MAX_WINDOW, 0, &cfg->cooldown) < 0)
		return -1;
	if ((v = cJSON_GetObjectItemCaseSensitive(g, "oscillation"))) {
		static const char *const k[] = {"window", "flips", NULL};
		if (!cJSON_IsObject(v))
			return bad(c, "$.guards.oscillation",
			           "expected an object {\"window\": N, \"flips\": K}, got %s",
			           kind(v));
		if (only_known(c, v, "$.guards.oscillation", k) < 0 ||
		    get_int(c, v, "window", "$.guards.oscillation", 2, MAX_WINDOW, 0,
		            &cfg->osc_window) < 0 ||
		    get_int(c, v, "flips", "$.guards.oscillation", 1, MAX_WINDOW, 0,
		            &cfg->osc_flips) < 0)
			return -1;
		if (!cfg->osc_window || !cfg->osc_flips)
			return bad(c, "$.guards.oscillation",
			           "'window' and 'flips' are both required");
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(g, "freeze_ready"))) {
		static const char *const k[] = {"iterations", "targets", NULL};
		if (!cJSON_IsObject(v))
			return bad(
			    c, "$.guards.freeze_ready",
			    "expected an object {\"iterations\": K, \"targets\": [...]}, got %s",
			    kind(v));
		if (only_known(c, v, "$.guards.freeze_ready", k) < 0 ||
		    get_int(c, v, "iterations", "$.guards.freeze_ready", 1, MAX_WINDOW, 0,
		            &cfg->fr_iterations) < 0)
			return -1;
		if (!cfg->fr_iterations)
			return bad(c, "$.guards.freeze_ready", "'iterations' is required");
		if (cJSON_GetObjectItemCaseSensitive(v, "targets") &&
		    cond_list(c, cJSON_GetObjectItemCaseSensitive(v, "targets"),
		              "$.guards.freeze_ready.targets", &cfg->fr_targets,
		              &cfg->nfr_targets) < 0)
			return -1;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(g, "panic"))) {
		static const char *const k[] = {"when", "revert_to", NULL};
		const cJSON *rt = cJSON_GetObjectItemCaseSensitive(v, "revert_to");
		if (!cJSON_IsObject(v))
			return bad(
			    c, "$.guards.panic",
			    "expected an object {\"when\": [...], \"revert_to\": \"last_good\"}, "
			    "got %s",
			    kind(v));
		if (only_known(c, v, "$.guards.panic", k) < 0 ||
		    cond_list(c, cJSON_GetObjectItemCaseSensitive(v, "when"), "$.guards.panic.when",
		              &cfg->panic, &cfg->npanic) < 0)
			return -1;
		if (rt && (!cJSON_IsString(rt) || (strcmp(rt->valuestring, "last_good") &&
		                                   strcmp(rt->valuestring, "initial"))))
			return bad(c, "$.guards.panic.revert_to",
			           "expected \"last_good\" or \"initial\", got %s",
			           cJSON_IsString(rt) ? rt->valuestring : kind(rt));
		cfg->revert_to = rt && !strcmp(rt->valuestring, "initial")
		                     ? SOAK_TUNE_REVERT_INITIAL
		                     : SOAK_TUNE_REVERT_LAST_GOOD;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(g, "late_run"))) {
		static const char *const k[] = {"iterations", "fraction", NULL};
		if (!cJSON_IsObject(v))
			return bad(
			    c, "$.guards.late_run",
			    "expected an object {\"iterations\": N, \"fraction\": F}, got %s",
			    kind(v));
		if (only_known(c, v, "$.guards.late_run", k) < 0 ||
		    get_int(c, v, "iterations", "$.guards.late_run", 0, 1000000000, 0,
		            &cfg->late_iterations) < 0 ||
		    get_num(c, v, "fraction", "$.guards.late_run", 0, &cfg->late_fraction) < 0)
			return -1;
		if (cfg->late_fraction < 0 || cfg->late_fraction >= 1)
			return bad(
			    c, "$.guards.late_run.fraction",
			    "expected a fraction of the run from 0 to below 1 (0.1: the last "
			    "tenth), got %s",
			    soak_fmt(SOAK_U_COUNT, cfg->late_fraction, got, sizeof(got)));
	}
	return 0;
}

int soak_tune_parse(const cJSON *doc, const char *from, struct soak_tune_cfg *cfg,
                    struct soak_err *err)
{
	static const char *const known[] = {"schema", "$schema",    "description",
	                                    "window", "parameters", "rules",
	                                    "tuner",  "guards",     NULL};
	struct ctx c = {from, err, cfg};
	const cJSON *ps = cJSON_GetObjectItemCaseSensitive(doc, "parameters"), *p;
	const cJSON *rules = cJSON_GetObjectItemCaseSensitive(doc, "rules");
	const cJSON *tuner = cJSON_GetObjectItemCaseSensitive(doc, "tuner");
	size_t n = (size_t)cJSON_GetArraySize(ps), i = 0;

	memset(cfg, 0, sizeof(*cfg));
	if (!cJSON_IsObject(doc))
		return bad(&c, "$",
		           "expected a JSON object with parameters and rules (or tuner), "
		           "got %s",
		           kind(doc));
	if (only_known(&c, doc, "$", known) < 0 ||
	    get_int(&c, doc, "window", "$", 1, MAX_WINDOW, SOAK_TUNE_WINDOW_DEFAULT, &cfg->window) <
	        0)
		goto fail;
	if (!cJSON_IsArray(ps) || !n) {
		bad(&c, "$.parameters", "expected a non-empty array of parameters, got %s",
		    cJSON_IsArray(ps) ? "an empty array" : kind(ps));
		goto fail;
	}
	if (!(cfg->p = calloc(n, sizeof(*cfg->p)))) {
		soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		goto fail;
	}
	cJSON_ArrayForEach(p, ps)
	{
		cfg->np = i + 1;
		if (parse_param(&c, p, i++) < 0)
			goto fail;
	}
	if (rules && tuner) {
		bad(&c, "$", "'rules' and 'tuner' are alternatives: give one of them");
		goto fail;
	}
	if (!rules && !tuner) {
		bad(&c, "$", "no 'rules' and no 'tuner': nothing would propose a change");
		goto fail;
	}
	if ((rules && parse_rules(&c, rules) < 0) || (tuner && parse_tuner(&c, tuner) < 0))
		goto fail;
	if (cJSON_GetObjectItemCaseSensitive(doc, "guards") &&
	    parse_guards(&c, cJSON_GetObjectItemCaseSensitive(doc, "guards")) < 0)
		goto fail;
	return 0;
fail:
	soak_tune_cfg_free(cfg);
	return -1;
}

void soak_tune_cfg_free(struct soak_tune_cfg *cfg)
{
	for (size_t i = 0; i < cfg->np; i++) {
		free(cfg->p[i].name);
		free(cfg->p[i].applied_kpi);
	}
	for (size_t i = 0; i < cfg->nrules; i++) {
		for (size_t k = 0; k < cfg->rules[i].nch; k++)
			free(cfg->rules[i].ch[k].text);
		free(cfg->rules[i].ch);
	}
	for (char **a = cfg->tuner_argv; a && *a; a++)
		free(*a);
	for (size_t i = 0; i < cfg->nconds; i++)
		soak_gate_free(&cfg->conds[i]);
	free(cfg->tuner_argv);
	free(cfg->p);
	free(cfg->rules);
	free(cfg->fr_targets);
	free(cfg->panic);
	free(cfg->conds);
	memset(cfg, 0, sizeof(*cfg));
}

long soak_tune_param_index(const struct soak_tune_cfg *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->np; i++)
		if (!strcmp(cfg->p[i].name, name))
			return (long)i;
	return -1;
}
