/*
 * The tuning step (tune.h): the apply check of the finished iteration, panic,
 * the proposal (the first rule whose condition holds, or the tuner's), the
 * guards in their order, freeze-ready; and the line of tuning.jsonl it makes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "tune.h"
#include "banned.h"

const char *soak_tune_guard_name(enum soak_tune_guard g)
{
	static const char *const n[SOAK_TG_N] = {NULL,          "bounds",   "step",
	                                         "velocity",    "cooldown", "freeze",
	                                         "oscillation", "late_run", "panic"};
	return n[g];
}

const char *soak_tune_decision_name(enum soak_tune_decision d)
{
	static const char *const n[SOAK_TD_N] = {"noop", "blocked", "clamped", "applied",
	                                         "reverted"};
	return n[d];
}

/* A value as the parameter holds it: ints whole, floats to 12 significant digits (so that
 * 0.1 + 0.2 is 0.3 and a value read back from JSON is the same). */
static double norm(const struct soak_tune_param *p, double v)
{
	char b[32];

	if (p->type == SOAK_TUNE_INT)
		return (double)llround(v);
	snprintf(b, sizeof(b), "%.12g", v);
	return strtod(b, NULL);
}

static int same(const struct soak_tune_param *p, double a, double b)
{
	if (p->type == SOAK_TUNE_INT)
		return a == b;
	return fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b)) || a == b;
}

int soak_tune_state_init(struct soak_tune_state *st, const struct soak_tune_cfg *cfg)
{
	memset(st, 0, sizeof(*st));
	st->p = calloc(cfg->np, sizeof(*st->p));
	if (!st->p)
		return -1;
	st->np = cfg->np;
	for (size_t i = 0; i < cfg->np; i++)
		st->p[i].value = st->p[i].last_good = cfg->p[i].initial;
	return 0;
}

void soak_tune_state_free(struct soak_tune_state *st)
{
	for (size_t i = 0; i < st->np; i++)
		free(st->p[i].moves);
	free(st->p);
	memset(st, 0, sizeof(*st));
}

int soak_tune_push_move(struct soak_tune_pstate *ps, long long iter, double delta)
{
	if (ps->nmoves == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 8;
		struct soak_tune_move *m = realloc(ps->moves, cap * sizeof(*m));
		if (!m)
			return -1;
		ps->moves = m;
		ps->cap = cap;
	}
	ps->moves[ps->nmoves].iter = iter;
	ps->moves[ps->nmoves++].delta = delta;
	return 0;
}

/* Keep the moves the windows can still see after step n. */
static void prune(const struct soak_tune_cfg *cfg, const struct soak_tune_param *p,
                  struct soak_tune_pstate *ps, long long n)
{
	long long keep = p->vel_window > cfg->osc_window ? p->vel_window : cfg->osc_window;
	size_t k = 0;

	for (size_t i = 0; i < ps->nmoves; i++)
		if (ps->moves[i].iter > n - keep)
			ps->moves[k++] = ps->moves[i];
	ps->nmoves = k;
}

/* 1 when condition i holds (a gate that passes); no data does not hold. */
static int holds(const struct soak_tune_cfg *cfg, size_t i, const struct soak_gate_src *src)
{
	struct soak_gate *g = &cfg->conds[i];

	soak_gate_eval(g, src);
	return g->outcome == SOAK_GATE_PASS;
}

/* The next iteration (n+1) is in the late part of the run. */
static int late(const struct soak_tune_cfg *cfg, const struct soak_tune_input *in)
{
	long long next = in->iteration + 1;

	if (in->iterations > 0 && cfg->late_iterations > 0 &&
	    next > in->iterations - cfg->late_iterations)
		return 1;
	if (cfg->late_fraction > 0) {
		if (in->iterations > 0)
			return (double)next > (double)in->iterations * (1 - cfg->late_fraction);
		if (in->duration_ms > 0)
			return (double)in->elapsed_ms >=
			       (double)in->duration_ms * (1 - cfg->late_fraction);
	}
	return 0;
}

struct outcome {
	enum soak_tune_decision d;
	enum soak_tune_guard g;
	double proposed, to;
};

/* What the guards make of a proposal to move parameter i to proposed at step n. */
static struct outcome guard(const struct soak_tune_cfg *cfg, struct soak_tune_state *st, size_t i,
                            double proposed, int is_late, long long n)
{
	const struct soak_tune_param *p = &cfg->p[i];
	struct soak_tune_pstate *ps = &st->p[i];
	double from = ps->value, to = norm(p, proposed), d;
	struct outcome o = {SOAK_TD_BLOCKED, SOAK_TG_NONE, proposed, from};

	if (st->freeze_ready || ps->frozen || st->fixed) {
		o.g = SOAK_TG_FREEZE;
		return o;
	}
	if (is_late) {
		o.g = SOAK_TG_LATE_RUN;
		return o;
	}
	if (cfg->cooldown > 0 && ps->last_change > 0 && n - ps->last_change <= cfg->cooldown) {
		o.g = SOAK_TG_COOLDOWN;
		return o;
	}
	if (to > p->max || to < p->min) {
		to = to > p->max ? p->max : p->min;
		o.g = SOAK_TG_BOUNDS;
	}
	if (p->max_step > 0 && fabs(to - from) > p->max_step) {
		to = norm(p, to > from ? from + p->max_step : from - p->max_step);
		o.g = SOAK_TG_STEP;
	}
	if (p->vel_max > 0) {
		double used = 0, allow;
		for (size_t k = 0; k < ps->nmoves; k++)
			if (ps->moves[k].iter > n - p->vel_window)
				used += fabs(ps->moves[k].delta);
		allow = p->vel_max - used;
		if (p->type == SOAK_TUNE_INT)
			allow = floor(allow + 1e-9);
		if (allow <= 1e-12 && !same(p, to, from)) {
			o.g = SOAK_TG_VELOCITY;
			return o;
		}
		if (fabs(to - from) > allow + 1e-12) {
			to = norm(p, to > from ? from + allow : from - allow);
			o.g = SOAK_TG_VELOCITY;
		}
	}
	if (same(p, to, from)) {
		o.d = SOAK_TD_NOOP;
		return o;
	}
	d = to - from;
	if (cfg->osc_window > 0) {
		long long flips = 0;
		int dir = 0;
		for (size_t k = 0; k < ps->nmoves; k++) {
			int s;
			if (ps->moves[k].iter <= n - cfg->osc_window)
				continue;
			s = ps->moves[k].delta > 0 ? 1 : -1;
			flips += dir && s != dir;
			dir = s;
		}
		flips += dir && (d > 0 ? 1 : -1) != dir;
		if (flips >= cfg->osc_flips) {
			ps->frozen = 1;
			o.g = SOAK_TG_OSCILLATION;
			return o;
		}
	}
	o.d = o.g == SOAK_TG_NONE ? SOAK_TD_APPLIED : SOAK_TD_CLAMPED;
	o.to = to;
	ps->value = to;
	ps->last_change = n;
	st->last_change = n;
	soak_tune_push_move(ps, n, d);
	return o;
}

cJSON *soak_tune_value_json(const struct soak_tune_param *p, double v)
{
	return cJSON_CreateNumber(p->type == SOAK_TUNE_INT ? (double)llround(v) : v);
}

cJSON *soak_tune_values_json(const struct soak_tune_cfg *cfg, const struct soak_tune_state *st,
                             int initial)
{
	cJSON *o = cJSON_CreateObject();

	for (size_t i = 0; i < cfg->np; i++)
		cJSON_AddItemToObject(
		    o, cfg->p[i].name,
		    soak_tune_value_json(&cfg->p[i], initial ? cfg->p[i].initial : st->p[i].value));
	return o;
}

static void add_guard(cJSON *o, enum soak_tune_guard g)
{
	if (g == SOAK_TG_NONE)
		cJSON_AddNullToObject(o, "guard");
	else
		cJSON_AddStringToObject(o, "guard", soak_tune_guard_name(g));
}

static void add_change(const struct soak_tune_cfg *cfg, struct soak_tune_state *st, cJSON *a,
                       size_t i, double from, const struct outcome *o, enum soak_tune_decision *ld,
                       enum soak_tune_guard *lg)
{
	const struct soak_tune_param *p = &cfg->p[i];
	cJSON *c = cJSON_CreateObject();

	cJSON_AddStringToObject(c, "param", p->name);
	cJSON_AddItemToObject(c, "from", soak_tune_value_json(p, from));
	cJSON_AddItemToObject(c, "proposed", cJSON_CreateNumber(o->proposed));
	cJSON_AddItemToObject(c, "to", soak_tune_value_json(p, o->to));
	cJSON_AddStringToObject(c, "decision", soak_tune_decision_name(o->d));
	add_guard(c, o->g);
	cJSON_AddItemToArray(a, c);
	st->guards[o->g]++;
	if (cJSON_GetArraySize(a) == 1 || o->d > *ld) { /* the first, or a stronger one */
		*ld = o->d;
		*lg = o->g;
	}
}

/* The apply check of the finished iteration: what it reported against what it was given. */
static cJSON *apply_check(const struct soak_tune_cfg *cfg, struct soak_tune_state *st,
                          const struct soak_tune_input *in)
{
	cJSON *a = cJSON_CreateObject(), *mis = cJSON_CreateArray();
	long long checked = 0, matched = 0;

	for (size_t i = 0; i < cfg->np; i++) {
		const cJSON *v;
		if (!cfg->p[i].applied_kpi || !in->kpi)
			continue;
		v = cJSON_GetObjectItemCaseSensitive(in->kpi, cfg->p[i].applied_kpi);
		if (!cJSON_IsNumber(v))
			continue;
		checked++;
		if (same(&cfg->p[i], norm(&cfg->p[i], v->valuedouble), in->ran[i]))
			matched++;
		else
			cJSON_AddItemToArray(mis, cJSON_CreateString(cfg->p[i].name));
	}
	st->apply_checked += checked;
	st->apply_matched += matched;
	cJSON_AddNumberToObject(a, "checked", (double)checked);
	cJSON_AddNumberToObject(a, "matched", (double)matched);
	cJSON_AddItemToObject(a, "mismatched", mis);
	return a;
}

cJSON *soak_tune_step(const struct soak_tune_cfg *cfg, struct soak_tune_state *st,
                      const struct soak_tune_input *in)
{
	long long n = in->iteration;
	cJSON *line = cJSON_CreateObject(), *changes = cJSON_CreateArray(), *apply, *frozen;
	enum soak_tune_decision ld = SOAK_TD_NOOP;
	enum soak_tune_guard lg = SOAK_TG_NONE;
	const char *source = NULL, *rule = NULL;
	int panic = 0, is_late = late(cfg, in);
	size_t i;

	apply = apply_check(cfg, st, in);
	for (i = 0; i < cfg->npanic && !panic; i++)
		panic = holds(cfg, cfg->panic[i], in->src);
	if (!panic)
		for (i = 0; i < cfg->np; i++)
			st->p[i].last_good = in->ran[i];
	if (st->fixed) {
		/* --tune-freeze: nothing proposes */
	} else if (panic) {
		source = "panic";
		rule = cfg->conds[cfg->panic[i - 1]].expr;
		st->freeze_ready = 0;
		for (i = 0; i < cfg->np; i++) {
			struct soak_tune_pstate *ps = &st->p[i];
			double target = cfg->revert_to == SOAK_TUNE_REVERT_INITIAL
			                    ? cfg->p[i].initial
			                    : ps->last_good;
			double from = ps->value;
			struct outcome o = {SOAK_TD_REVERTED, SOAK_TG_PANIC, target, target};
			if (same(&cfg->p[i], from, target))
				continue;
			ps->value = target;
			ps->last_change = n;
			st->last_change = n;
			add_change(cfg, st, changes, i, from, &o, &ld, &lg);
		}
	} else if (cfg->tuner_argv) {
		source = "tuner";
		for (const cJSON *m = in->tuner ? in->tuner->child : NULL; m; m = m->next) {
			long pi = soak_tune_param_index(cfg, m->string);
			double amount, from;
			char op, why[256];
			struct outcome o;
			if (pi < 0 || !cJSON_IsString(m) ||
			    soak_tune_change_text(&cfg->p[pi], m->valuestring, &op, &amount, why,
			                          sizeof(why)) < 0)
				continue; /* soak_tune_tuner_parse refused these already */
			from = st->p[pi].value;
			o = guard(cfg, st, (size_t)pi, op == '=' ? amount : from + amount, is_late,
			          n);
			add_change(cfg, st, changes, (size_t)pi, from, &o, &ld, &lg);
		}
	} else {
		for (i = 0; i < cfg->nrules; i++) {
			const struct soak_tune_rule *r = &cfg->rules[i];
			if (!holds(cfg, r->cond, in->src))
				continue;
			source = "rule";
			rule = cfg->conds[r->cond].expr;
			for (size_t k = 0; k < r->nch; k++) {
				const struct soak_tune_change *c = &r->ch[k];
				double from = st->p[c->param].value;
				struct outcome o =
				    guard(cfg, st, c->param,
				          c->op == '=' ? c->amount : from + c->amount, is_late, n);
				add_change(cfg, st, changes, c->param, from, &o, &ld, &lg);
			}
			break;
		}
	}
	/* freeze-ready: K iterations without a change, and every target met */
	if (cfg->fr_iterations > 0 && !st->freeze_ready && !st->fixed && !panic &&
	    n - st->last_change >= cfg->fr_iterations) {
		int ok = 1;
		for (i = 0; i < cfg->nfr_targets && ok; i++)
			ok = holds(cfg, cfg->fr_targets[i], in->src);
		st->freeze_ready = ok;
	}
	for (i = 0; i < cfg->np; i++)
		prune(cfg, &cfg->p[i], &st->p[i], n);
	st->step = n;
	st->steps++;
	st->decisions[ld]++;
	if (ld == SOAK_TD_REVERTED)
		st->reverts++;

	cJSON_AddNumberToObject(line, "iteration", (double)n);
	if (source)
		cJSON_AddStringToObject(line, "source", source);
	else
		cJSON_AddNullToObject(line, "source");
	if (rule)
		cJSON_AddStringToObject(line, "rule", rule);
	else
		cJSON_AddNullToObject(line, "rule");
	cJSON_AddStringToObject(line, "decision", soak_tune_decision_name(ld));
	add_guard(line, lg);
	cJSON_AddItemToObject(line, "changes", changes);
	cJSON_AddItemToObject(line, "values", soak_tune_values_json(cfg, st, 0));
	cJSON_AddItemToObject(line, "apply", apply);
	frozen = cJSON_AddArrayToObject(line, "frozen");
	for (i = 0; i < cfg->np; i++)
		if (st->p[i].frozen)
			cJSON_AddItemToArray(frozen, cJSON_CreateString(cfg->p[i].name));
	cJSON_AddBoolToObject(line, "freeze_ready", st->freeze_ready);
	if (cfg->tuner_argv && !st->fixed && !panic && in->tuner_error)
		cJSON_AddStringToObject(line, "error", in->tuner_error);
	return line;
}

/* A number so that it reads back the same: ints whole, floats in the shortest of %.15g/%.17g. */
static void num_text(const struct soak_tune_param *p, double v, char *b, size_t n)
{
	if (p->type == SOAK_TUNE_INT) {
		snprintf(b, n, "%lld", llround(v));
		return;
	}
	snprintf(b, n, "%.15g", v);
	if (strtod(b, NULL) != v)
		snprintf(b, n, "%.17g", v);
}

char *soak_tune_overrides(const struct soak_tune_cfg *cfg, const struct soak_tune_state *st)
{
	size_t cap = 16, len = 0;
	char *s;

	for (size_t i = 0; i < cfg->np; i++)
		cap += strlen(cfg->p[i].name) + 40;
	if (!(s = malloc(cap)))
		return NULL;
	s[len++] = '{';
	for (size_t i = 0; i < cfg->np; i++) {
		char b[40];
		num_text(&cfg->p[i], st->p[i].value, b, sizeof(b));
		len += (size_t)snprintf(s + len, cap - len, "%s\"%s\":%s", i ? "," : "",
		                        cfg->p[i].name, b);
	}
	snprintf(s + len, cap - len, "}\n");
	return s;
}

cJSON *soak_tune_summary_json(const struct soak_tune_cfg *cfg, const struct soak_tune_state *st)
{
	cJSON *o = cJSON_CreateObject(), *d, *g, *a, *fr;

	cJSON_AddNumberToObject(o, "steps", (double)st->steps);
	d = cJSON_AddObjectToObject(o, "decisions");
	cJSON_AddNumberToObject(d, "applied", (double)st->decisions[SOAK_TD_APPLIED]);
	cJSON_AddNumberToObject(d, "clamped", (double)st->decisions[SOAK_TD_CLAMPED]);
	cJSON_AddNumberToObject(d, "noop", (double)st->decisions[SOAK_TD_NOOP]);
	cJSON_AddNumberToObject(d, "blocked", (double)st->decisions[SOAK_TD_BLOCKED]);
	cJSON_AddNumberToObject(d, "reverted", (double)st->decisions[SOAK_TD_REVERTED]);
	g = cJSON_AddObjectToObject(o, "guards");
	for (int i = SOAK_TG_BOUNDS; i < SOAK_TG_N; i++)
		cJSON_AddNumberToObject(g, soak_tune_guard_name((enum soak_tune_guard)i),
		                        (double)st->guards[i]);
	cJSON_AddItemToObject(o, "values", soak_tune_values_json(cfg, st, 0));
	cJSON_AddItemToObject(o, "initial", soak_tune_values_json(cfg, st, 1));
	fr = cJSON_AddArrayToObject(o, "frozen");
	for (size_t i = 0; i < cfg->np; i++)
		if (st->p[i].frozen)
			cJSON_AddItemToArray(fr, cJSON_CreateString(cfg->p[i].name));
	cJSON_AddBoolToObject(o, "freeze_ready", st->freeze_ready);
	cJSON_AddBoolToObject(o, "fixed", st->fixed); /* --tune-freeze */
	a = cJSON_AddObjectToObject(o, "apply");
	cJSON_AddNumberToObject(a, "checked", (double)st->apply_checked);
	cJSON_AddNumberToObject(a, "matched", (double)st->apply_matched);
	cJSON_AddNumberToObject(o, "reverts", (double)st->reverts);
	return o;
}
