/*
 * The tuner's state as JSON (tune-state.json, what --resume continues from),
 * a tuner command's output, and the fixed values of --tune-freeze.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "fmt.h"
#include "tune.h"
#include "banned.h"

cJSON *soak_tune_state_json(const struct soak_tune_state *st, const struct soak_tune_cfg *cfg)
{
	cJSON *o = cJSON_CreateObject(), *d, *g, *ps;

	cJSON_AddNumberToObject(o, "step", (double)st->step);
	cJSON_AddNumberToObject(o, "last_change", (double)st->last_change);
	cJSON_AddBoolToObject(o, "freeze_ready", st->freeze_ready);
	cJSON_AddBoolToObject(o, "fixed", st->fixed);
	cJSON_AddNumberToObject(o, "steps", (double)st->steps);
	d = cJSON_AddObjectToObject(o, "decisions");
	for (int i = 0; i < SOAK_TD_N; i++)
		cJSON_AddNumberToObject(d, soak_tune_decision_name((enum soak_tune_decision)i),
		                        (double)st->decisions[i]);
	g = cJSON_AddObjectToObject(o, "guards");
	for (int i = 1; i < SOAK_TG_N; i++)
		cJSON_AddNumberToObject(g, soak_tune_guard_name((enum soak_tune_guard)i),
		                        (double)st->guards[i]);
	cJSON_AddNumberToObject(o, "apply_checked", (double)st->apply_checked);
	cJSON_AddNumberToObject(o, "apply_matched", (double)st->apply_matched);
	cJSON_AddNumberToObject(o, "reverts", (double)st->reverts);
	ps = cJSON_AddObjectToObject(o, "parameters");
	for (size_t i = 0; i < cfg->np; i++) {
		const struct soak_tune_pstate *p = &st->p[i];
		cJSON *x = cJSON_AddObjectToObject(ps, cfg->p[i].name), *m;
		cJSON_AddNumberToObject(x, "value", p->value);
		cJSON_AddNumberToObject(x, "last_good", p->last_good);
		cJSON_AddNumberToObject(x, "last_change", (double)p->last_change);
		cJSON_AddBoolToObject(x, "frozen", p->frozen);
		m = cJSON_AddArrayToObject(x, "moves");
		for (size_t k = 0; k < p->nmoves; k++) {
			cJSON *pair = cJSON_CreateArray();
			cJSON_AddItemToArray(pair, cJSON_CreateNumber((double)p->moves[k].iter));
			cJSON_AddItemToArray(pair, cJSON_CreateNumber(p->moves[k].delta));
			cJSON_AddItemToArray(m, pair);
		}
	}
	return o;
}

static int num(const cJSON *o, const char *name, double *v)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!cJSON_IsNumber(x))
		return -1;
	*v = x->valuedouble;
	return 0;
}

static int count(const cJSON *o, const char *name, long long *v)
{
	double d;

	if (num(o, name, &d) < 0 || d < 0 || d != floor(d))
		return -1;
	*v = (long long)d;
	return 0;
}

int soak_tune_state_load(struct soak_tune_state *st, const struct soak_tune_cfg *cfg,
                         const cJSON *o, struct soak_err *err)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "decisions");
	const cJSON *g = cJSON_GetObjectItemCaseSensitive(o, "guards");
	const cJSON *ps = cJSON_GetObjectItemCaseSensitive(o, "parameters");

	if (count(o, "step", &st->step) < 0 || count(o, "last_change", &st->last_change) < 0 ||
	    count(o, "steps", &st->steps) < 0 ||
	    count(o, "apply_checked", &st->apply_checked) < 0 ||
	    count(o, "apply_matched", &st->apply_matched) < 0 ||
	    count(o, "reverts", &st->reverts) < 0)
		goto bad;
	st->freeze_ready = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "freeze_ready"));
	st->fixed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "fixed"));
	for (int i = 0; i < SOAK_TD_N; i++)
		if (count(d, soak_tune_decision_name((enum soak_tune_decision)i),
		          &st->decisions[i]) < 0)
			goto bad;
	for (int i = 1; i < SOAK_TG_N; i++)
		if (count(g, soak_tune_guard_name((enum soak_tune_guard)i), &st->guards[i]) < 0)
			goto bad;
	for (size_t i = 0; i < cfg->np; i++) {
		const cJSON *x = cJSON_GetObjectItemCaseSensitive(ps, cfg->p[i].name), *m;
		struct soak_tune_pstate *p = &st->p[i];
		if (!x)
			return soak_err_set(err, SOAK_EXIT_INPUT,
			                    "the tuner state has no parameter '%s': the tune file "
			                    "changed since the run started",
			                    cfg->p[i].name);
		if (num(x, "value", &p->value) < 0 || num(x, "last_good", &p->last_good) < 0 ||
		    count(x, "last_change", &p->last_change) < 0)
			goto bad;
		p->frozen = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "frozen"));
		p->nmoves = 0;
		cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(x, "moves"))
		{
			if (cJSON_GetArraySize(m) != 2 ||
			    !cJSON_IsNumber(cJSON_GetArrayItem(m, 0)) ||
			    !cJSON_IsNumber(cJSON_GetArrayItem(m, 1)))
				goto bad;
			if (soak_tune_push_move(p, (long long)cJSON_GetArrayItem(m, 0)->valuedouble,
			                        cJSON_GetArrayItem(m, 1)->valuedouble) < 0)
				return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		}
	}
	if (cJSON_GetArraySize(ps) != (int)cfg->np)
		return soak_err_set(
		    err, SOAK_EXIT_INPUT,
		    "the tuner state has %d parameters, the tune file %zu: the tune "
		    "file changed since the run started",
		    cJSON_GetArraySize(ps), cfg->np);
	return 0;
bad:
	return soak_err_set(err, SOAK_EXIT_INPUT, "the tuner state is malformed");
}

cJSON *soak_tune_tuner_parse(const struct soak_tune_cfg *cfg, const char *out, size_t n, char *why,
                             size_t why_n)
{
	cJSON *doc = cJSON_ParseWithLength(out, n), *ch, *res;

	if (!doc) {
		snprintf(why, why_n,
		         "its output is not JSON (expected {\"changes\": {\"PARAM\": "
		         "\"+X\"}})");
		return NULL;
	}
	ch = cJSON_GetObjectItemCaseSensitive(doc, "changes");
	if (!cJSON_IsObject(ch)) {
		snprintf(why, why_n,
		         "its output has no \"changes\" object (expected {\"changes\": "
		         "{\"PARAM\": \"+X\"}})");
		cJSON_Delete(doc);
		return NULL;
	}
	for (const cJSON *m = ch->child; m; m = m->next) {
		long pi = soak_tune_param_index(cfg, m->string);
		char op;
		double amount;
		if (pi < 0) {
			snprintf(why, why_n,
			         "it proposed a change to '%.64s', which is not a parameter",
			         m->string);
			cJSON_Delete(doc);
			return NULL;
		}
		if (!cJSON_IsString(m)) {
			snprintf(why, why_n, "its change for '%s' is not a string such as \"+1\"",
			         m->string);
			cJSON_Delete(doc);
			return NULL;
		}
		if (soak_tune_change_text(&cfg->p[pi], m->valuestring, &op, &amount, why, why_n) <
		    0) {
			cJSON_Delete(doc);
			return NULL;
		}
	}
	res = cJSON_DetachItemViaPointer(doc, ch);
	cJSON_Delete(doc);
	return res;
}

int soak_tune_fix(const struct soak_tune_cfg *cfg, struct soak_tune_state *st, const cJSON *vals,
                  struct soak_err *err)
{
	st->fixed = 1;
	for (size_t i = 0; vals && i < cfg->np; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(vals, cfg->p[i].name);
		char x[32], a[32], b[32];
		if (!cJSON_IsNumber(v))
			return soak_err_set(err, SOAK_EXIT_INPUT,
			                    "the replayed run's final tune values have no '%s'",
			                    cfg->p[i].name);
		if (v->valuedouble < cfg->p[i].min || v->valuedouble > cfg->p[i].max)
			return soak_err_set(
			    err, SOAK_EXIT_INPUT,
			    "the replayed run's final value of '%s' (%s) is outside "
			    "the tune file's [min, max] = [%s, %s]",
			    cfg->p[i].name, soak_fmt(SOAK_U_COUNT, v->valuedouble, x, sizeof(x)),
			    soak_fmt(SOAK_U_COUNT, cfg->p[i].min, a, sizeof(a)),
			    soak_fmt(SOAK_U_COUNT, cfg->p[i].max, b, sizeof(b)));
		st->p[i].value = st->p[i].last_good = v->valuedouble;
	}
	return 0;
}
