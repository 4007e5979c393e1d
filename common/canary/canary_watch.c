/* soak-canary watch: conditions over Prometheus queries, measured at an interval. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canary.h"
#include "clock.h"
#include "exitcode.h"
#include "jsonl.h"
#include "proc.h"
#include "str.h"
#include "banned.h"

/* ---- expressions ---- */

enum node_kind { N_NUM, N_VAR, N_INDEX, N_FUNC, N_NEG, N_NOT, N_BIN };
enum func { F_LEN, F_MIN, F_MAX, F_SUM, F_AVG, F_LAST, F_ISNAN, F_ISINF, F_ABS };

struct soak_expr {
	enum node_kind kind;
	double num;
	size_t var;   /* N_VAR, N_INDEX, and aggregate functions */
	long index;   /* N_INDEX */
	enum func fn; /* N_FUNC */
	char op[3];   /* N_BIN */
	struct soak_expr *a, *b;
};

struct parser {
	const char *text, *p;
	char *const *names;
	size_t nnames;
	struct soak_err *err;
	int depth;
};

void soak_expr_free(struct soak_expr *e)
{
	if (!e)
		return;
	soak_expr_free(e->a);
	soak_expr_free(e->b);
	free(e);
}

static struct soak_expr *node(enum node_kind k)
{
	return calloc(1, sizeof(struct soak_expr));
}

static void skip(struct parser *ps)
{
	while (isspace((unsigned char)*ps->p))
		ps->p++;
}

static struct soak_expr *fail(struct parser *ps, const char *why)
{
	soak_err_set(ps->err, SOAK_EXIT_USAGE, "bad condition '%s': column %d: %s", ps->text,
	             (int)(ps->p - ps->text) + 1, why);
	return NULL;
}

static struct soak_expr *parse_or(struct parser *ps);

static int name_index(struct parser *ps, const char *s, size_t len, size_t *out)
{
	for (size_t i = 0; i < ps->nnames; i++)
		if (strlen(ps->names[i]) == len && !strncmp(ps->names[i], s, len)) {
			*out = i;
			return 0;
		}
	return -1;
}

static struct soak_expr *parse_primary(struct parser *ps)
{
	static const char *const fns[] = {"len",  "min",   "max",   "sum", "avg",
	                                  "last", "isNaN", "isInf", "abs"};
	struct soak_expr *e;
	const char *s;
	size_t len;

	skip(ps);
	if (++ps->depth > 64)
		return fail(ps, "nested too deeply");
	if (*ps->p == '(') {
		ps->p++;
		e = parse_or(ps);
		if (!e)
			return NULL;
		skip(ps);
		if (*ps->p != ')') {
			soak_expr_free(e);
			return fail(ps, "expected ')'");
		}
		ps->p++;
		ps->depth--;
		return e;
	}
	if (*ps->p == '-' || *ps->p == '!') {
		enum node_kind k = *ps->p == '-' ? N_NEG : N_NOT;

		ps->p++;
		e = node(k);
		if (!e)
			return fail(ps, "out of memory");
		e->kind = k;
		e->a = parse_primary(ps);
		if (!e->a) {
			free(e);
			return NULL;
		}
		ps->depth--;
		return e;
	}
	if (isdigit((unsigned char)*ps->p) || *ps->p == '.') {
		char *end;
		double v = strtod(ps->p, &end);

		if (end == ps->p)
			return fail(ps, "expected a number");
		ps->p = end;
		e = node(N_NUM);
		if (!e)
			return fail(ps, "out of memory");
		e->kind = N_NUM;
		e->num = v;
		ps->depth--;
		return e;
	}
	s = ps->p;
	while (isalnum((unsigned char)*ps->p) || *ps->p == '_' || *ps->p == ':' || *ps->p == '.')
		ps->p++;
	len = (size_t)(ps->p - s);
	if (!len)
		return fail(ps,
		            *ps->p ? "expected a number, a metric name or '('" : "unexpected end");
	skip(ps);
	if (*ps->p == '(') {
		size_t f;

		for (f = 0; f < sizeof(fns) / sizeof(fns[0]); f++)
			if (strlen(fns[f]) == len && !strncmp(fns[f], s, len))
				break;
		if (f == sizeof(fns) / sizeof(fns[0])) {
			ps->p = s;
			return fail(ps, "unknown function (len, min, max, sum, avg, last, isNaN, "
			                "isInf, abs)");
		}
		ps->p++;
		e = node(N_FUNC);
		if (!e)
			return fail(ps, "out of memory");
		e->kind = N_FUNC;
		e->fn = (enum func)f;
		if (e->fn <= F_LAST) {
			const char *v;

			skip(ps);
			v = ps->p;
			while (isalnum((unsigned char)*ps->p) || *ps->p == '_' || *ps->p == ':' ||
			       *ps->p == '.')
				ps->p++;
			if (name_index(ps, v, (size_t)(ps->p - v), &e->var) < 0) {
				free(e);
				ps->p = v;
				return fail(ps, "expected a metric name");
			}
		} else {
			e->a = parse_or(ps);
			if (!e->a) {
				free(e);
				return NULL;
			}
		}
		skip(ps);
		if (*ps->p != ')') {
			soak_expr_free(e);
			return fail(ps, "expected ')'");
		}
		ps->p++;
		ps->depth--;
		return e;
	}
	e = node(N_VAR);
	if (!e)
		return fail(ps, "out of memory");
	e->kind = N_VAR;
	if (name_index(ps, s, len, &e->var) < 0) {
		free(e);
		ps->p = s;
		return fail(ps, "unknown metric name (define it with --metric NAME=QUERY)");
	}
	if (*ps->p == '[') {
		char *end;
		long idx;

		ps->p++;
		idx = strtol(ps->p, &end, 10);
		if (end == ps->p || idx < 0 || *end != ']') {
			free(e);
			return fail(ps, "expected an index like [0]");
		}
		ps->p = end + 1;
		e->kind = N_INDEX;
		e->index = idx;
	}
	ps->depth--;
	return e;
}

static const char *match_op(struct parser *ps, const char *const *ops, size_t n)
{
	skip(ps);
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(ops[i]);

		if (!strncmp(ps->p, ops[i], l)) {
			/* "<" must not take the "<" of "<=" */
			if (l == 1 && ps->p[1] == '=' && (ops[i][0] == '<' || ops[i][0] == '>'))
				continue;
			ps->p += l;
			return ops[i];
		}
	}
	return NULL;
}

static struct soak_expr *binary(struct parser *ps, struct soak_expr *(*next)(struct parser *),
                                const char *const *ops, size_t nops)
{
	struct soak_expr *l = next(ps);
	const char *op;

	while (l && (op = match_op(ps, ops, nops))) {
		struct soak_expr *e = node(N_BIN), *r = next(ps);

		if (!e || !r) {
			soak_expr_free(l);
			soak_expr_free(r);
			free(e);
			return e ? NULL : fail(ps, "out of memory");
		}
		e->kind = N_BIN;
		snprintf(e->op, sizeof(e->op), "%s", op);
		e->a = l;
		e->b = r;
		l = e;
	}
	return l;
}

static struct soak_expr *parse_mul(struct parser *ps)
{
	static const char *const ops[] = {"*", "/"};
	return binary(ps, parse_primary, ops, 2);
}

static struct soak_expr *parse_add(struct parser *ps)
{
	static const char *const ops[] = {"+", "-"};
	return binary(ps, parse_mul, ops, 2);
}

static struct soak_expr *parse_cmp(struct parser *ps)
{
	static const char *const ops[] = {"<=", ">=", "==", "!=", "<", ">"};
	return binary(ps, parse_add, ops, 6);
}

static struct soak_expr *parse_and(struct parser *ps)
{
	static const char *const ops[] = {"&&"};
	return binary(ps, parse_cmp, ops, 1);
}

static struct soak_expr *parse_or(struct parser *ps)
{
	static const char *const ops[] = {"||"};
	return binary(ps, parse_and, ops, 1);
}

int soak_expr_parse(const char *text, char *const *names, size_t nnames, struct soak_expr **out,
                    struct soak_err *err)
{
	struct parser ps = {text, text, names, nnames, err, 0};

	*out = parse_or(&ps);
	if (!*out)
		return -1;
	skip(&ps);
	if (*ps.p) {
		soak_expr_free(*out);
		*out = NULL;
		fail(&ps, "unexpected text");
		return -1;
	}
	return 0;
}

static double value_at(const struct soak_prom_result *r, size_t idx)
{
	for (size_t s = 0; s < r->nseries; s++) {
		if (idx < r->series[s].n)
			return r->series[s].v[idx];
		idx -= r->series[s].n;
	}
	return NAN;
}

static double aggregate(enum func fn, const struct soak_prom_result *r)
{
	double acc = fn == F_MIN ? INFINITY : fn == F_MAX ? -INFINITY : 0;
	size_t n = r->nvalues;

	if (fn == F_LEN)
		return (double)n;
	if (!n)
		return NAN;
	if (fn == F_LAST)
		return value_at(r, n - 1);
	for (size_t i = 0; i < n; i++) {
		double v = value_at(r, i);

		if (fn == F_MIN)
			acc = v < acc || isnan(v) ? v : acc;
		else if (fn == F_MAX)
			acc = v > acc || isnan(v) ? v : acc;
		else
			acc += v;
		if (isnan(acc))
			return NAN;
	}
	return fn == F_AVG ? acc / (double)n : acc;
}

static int truth(double v)
{
	return !isnan(v) && v != 0;
}

double soak_expr_eval(const struct soak_expr *e, const struct soak_prom_result *vals)
{
	double a, b;

	switch (e->kind) {
	case N_NUM:
		return e->num;
	case N_VAR:
		return value_at(&vals[e->var], 0);
	case N_INDEX:
		return value_at(&vals[e->var], (size_t)e->index);
	case N_NEG:
		return -soak_expr_eval(e->a, vals);
	case N_NOT:
		return truth(soak_expr_eval(e->a, vals)) ? 0 : 1;
	case N_FUNC:
		if (e->fn <= F_LAST)
			return aggregate(e->fn, &vals[e->var]);
		a = soak_expr_eval(e->a, vals);
		return e->fn == F_ISNAN ? isnan(a) : e->fn == F_ISINF ? isinf(a) != 0 : fabs(a);
	case N_BIN:
		a = soak_expr_eval(e->a, vals);
		if (!strcmp(e->op, "&&"))
			return truth(a) && truth(soak_expr_eval(e->b, vals));
		if (!strcmp(e->op, "||"))
			return truth(a) || truth(soak_expr_eval(e->b, vals));
		b = soak_expr_eval(e->b, vals);
		switch (e->op[0]) {
		case '+':
			return a + b;
		case '-':
			return a - b;
		case '*':
			return a * b;
		case '/':
			return a / b;
		case '<':
			return e->op[1] ? a <= b : a < b;
		case '>':
			return e->op[1] ? a >= b : a > b;
		case '=':
			return a == b;
		case '!':
			return a != b;
		}
	}
	return NAN;
}

/* ---- hooks ---- */

int soak_canary_hook(const char *cmd, const char *decision, const char *reason, const char *record,
                     int64_t timeout_ms, int *code, struct soak_err *err)
{
	char *argv[] = {"sh", "-c", (char *)cmd, NULL};
	char e1[64], e2[400], e3[4200];
	char *env[] = {e1, e2, e3, NULL};
	struct soak_spawn sp = {
	    .argv = argv, .env_set = env, .output = SOAK_PROC_INHERIT, .stdin_null = 1};
	struct soak_proc_status st;
	int rc;

	snprintf(e1, sizeof(e1), "SOAK_CANARY_DECISION=%s", decision);
	snprintf(e2, sizeof(e2), "SOAK_CANARY_REASON=%s", reason);
	snprintf(e3, sizeof(e3), "SOAK_CANARY_RECORD=%s", record ? record : "");
	*code = -1;
	rc = soak_proc_run(&sp, timeout_ms > 0 ? timeout_ms : -1, 2000, NULL, &st, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return soak_err_set(err, SOAK_EXIT_ENV, "%s hook did not finish within %lld s",
		                    decision, (long long)(timeout_ms / 1000));
	*code = st.exited && !st.signal ? st.exit_code : -1;
	if (*code)
		return soak_err_set(err, SOAK_EXIT_ENV, "%s hook '%s' %s %d", decision, cmd,
		                    st.signal ? "was killed by signal" : "exited with",
		                    st.signal ? st.signal : st.exit_code);
	return 0;
}

/* ---- the watch ---- */

const char *soak_watch_decision_name(enum soak_watch_decision d)
{
	return d == SOAK_WATCH_PROMOTE    ? "promote"
	       : d == SOAK_WATCH_ROLLBACK ? "rollback"
	                                  : "inconclusive";
}

static void add_value(cJSON *arr, double v)
{
	if (isnan(v))
		cJSON_AddItemToArray(arr, cJSON_CreateString("NaN"));
	else if (isinf(v))
		cJSON_AddItemToArray(arr, cJSON_CreateString(v > 0 ? "+Inf" : "-Inf"));
	else
		cJSON_AddItemToArray(arr, cJSON_CreateNumber(v));
}

static void add_cond(cJSON *rec, const char *name, const struct soak_expr *e,
                     const struct soak_prom_result *vals)
{
	if (!e)
		cJSON_AddNullToObject(rec, name);
	else
		cJSON_AddBoolToObject(rec, name, truth(soak_expr_eval(e, vals)));
}

int soak_watch_run(const struct soak_watch_opts *o, struct soak_watch_result *res,
                   struct soak_err *err)
{
	struct soak_expr *succ = NULL, *failc = NULL;
	struct soak_prom_result *vals = NULL;
	struct soak_jsonl_writer w = {-1, NULL};
	char **names = NULL, **queries = NULL;
	int ret = -1, stop = 0;

	memset(res, 0, sizeof(*res));
	res->hook_exit = -1;
	if (!o->nmetrics)
		return soak_err_set(err, SOAK_EXIT_USAGE, "no --metric NAME=QUERY given");
	if (!o->success && !o->failure)
		return soak_err_set(err, SOAK_EXIT_USAGE, "no --success or --failure condition");
	names = calloc(o->nmetrics, sizeof(*names));
	queries = calloc(o->nmetrics, sizeof(*queries));
	vals = calloc(o->nmetrics, sizeof(*vals));
	if (!names || !queries || !vals) {
		soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < o->nmetrics; i++) {
		const char *eq = strchr(o->metrics[i], '=');

		if (!eq || eq == o->metrics[i] || !eq[1]) {
			soak_err_set(err, SOAK_EXIT_USAGE, "bad metric '%s': expected NAME=QUERY",
			             o->metrics[i]);
			goto out;
		}
		names[i] = soak_strndup(o->metrics[i], (size_t)(eq - o->metrics[i]));
		queries[i] = (char *)eq + 1;
		if (!names[i]) {
			soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
			goto out;
		}
		for (const char *c = names[i]; *c; c++)
			if (!isalnum((unsigned char)*c) && *c != '_') {
				soak_err_set(err, SOAK_EXIT_USAGE,
				             "bad metric name '%s': letters, digits and '_' only",
				             names[i]);
				goto out;
			}
	}
	if ((o->success && soak_expr_parse(o->success, names, o->nmetrics, &succ, err) < 0) ||
	    (o->failure && soak_expr_parse(o->failure, names, o->nmetrics, &failc, err) < 0))
		goto out;
	if (o->record && soak_jsonl_open(&w, o->record, err) < 0)
		goto out;

	for (long i = 1; i <= o->count && !stop; i++) {
		cJSON *rec = cJSON_CreateObject(), *mobj;
		char ts[SOAK_ISO8601_LEN], detail[300] = "";
		const char *phase;
		int error = 0, empty = 0, attempts_total = 0;
		char first_err[SOAK_ERR_MAX] = "";

		if (!rec) {
			soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
			goto out;
		}
		cJSON_AddStringToObject(rec, "schema", SOAK_SCHEMA);
		cJSON_AddStringToObject(rec, "t", soak_iso8601(soak_wall_ms(), ts, sizeof(ts)));
		cJSON_AddNumberToObject(rec, "measurement", (double)i);
		mobj = cJSON_AddObjectToObject(rec, "metrics");
		for (size_t k = 0; k < o->nmetrics; k++) {
			struct soak_err qe = {0};
			cJSON *m = cJSON_AddObjectToObject(mobj, names[k]), *arr;
			int attempts = 0;

			soak_prom_result_free(&vals[k]);
			cJSON_AddStringToObject(m, "query", queries[k]);
			if (soak_prom_query(&o->prom, queries[k], 0, &vals[k], &attempts, &qe) <
			    0) {
				error = 1;
				cJSON_AddStringToObject(m, "error", qe.msg);
				if (!first_err[0])
					snprintf(first_err, sizeof(first_err), "%s", qe.msg);
			} else {
				cJSON_AddStringToObject(m, "result_type", vals[k].type);
				cJSON_AddNumberToObject(m, "series", (double)vals[k].nseries);
				arr = cJSON_AddArrayToObject(m, "values");
				for (size_t s = 0; s < vals[k].nseries; s++)
					for (size_t v = 0; v < vals[k].series[s].n; v++)
						add_value(arr, vals[k].series[s].v[v]);
				if (!vals[k].nvalues)
					empty = 1;
			}
			cJSON_AddNumberToObject(m, "attempts", attempts);
			attempts_total += attempts;
			if (o->sleep_ms && o->sleep_ms(0)) {
				error = 1;
				break;
			}
		}
		res->measurements = i;
		if (error) {
			phase = "error";
			res->errors++;
			res->consecutive_errors++;
			snprintf(detail, sizeof(detail), "%s", first_err);
		} else {
			res->consecutive_errors = 0;
			add_cond(rec, "success", succ, vals);
			add_cond(rec, "failure", failc, vals);
			if (empty && o->empty_inconclusive) {
				phase = "inconclusive";
				snprintf(detail, sizeof(detail), "a query returned no data");
			} else if (failc && truth(soak_expr_eval(failc, vals))) {
				phase = "failed";
				snprintf(detail, sizeof(detail), "failure condition met: %s",
				         o->failure);
			} else if (succ && truth(soak_expr_eval(succ, vals))) {
				phase = "successful";
			} else if (succ && failc) {
				phase = "inconclusive";
				snprintf(detail, sizeof(detail),
				         "neither the success nor the failure condition is met");
			} else if (succ) {
				phase = "failed";
				snprintf(detail, sizeof(detail), "success condition not met: %s",
				         o->success);
			} else {
				phase = "successful";
			}
			if (!strcmp(phase, "failed"))
				res->failed++;
			else if (!strcmp(phase, "inconclusive"))
				res->inconclusive++;
			else
				res->successful++;
		}
		cJSON_AddStringToObject(rec, "phase", phase);
		if (detail[0])
			cJSON_AddStringToObject(rec, "detail", detail);
		cJSON_AddNumberToObject(rec, "attempts", attempts_total);
		if (res->failed > o->failure_limit) {
			res->decision = SOAK_WATCH_ROLLBACK;
			snprintf(res->reason, sizeof(res->reason),
			         "%ld failed measurement%s, more than the failure limit %ld",
			         res->failed, res->failed == 1 ? "" : "s", o->failure_limit);
			stop = 1;
		} else if (res->consecutive_errors > o->error_limit) {
			res->decision = SOAK_WATCH_ROLLBACK;
			snprintf(res->reason, sizeof(res->reason),
			         "%ld consecutive errors, more than the error limit %ld: %.150s",
			         res->consecutive_errors, o->error_limit, first_err);
			stop = 1;
		} else if (res->inconclusive > o->inconclusive_limit) {
			res->decision = SOAK_WATCH_INCONCLUSIVE;
			snprintf(
			    res->reason, sizeof(res->reason),
			    "%ld inconclusive measurement%s, more than the inconclusive limit %ld",
			    res->inconclusive, res->inconclusive == 1 ? "" : "s",
			    o->inconclusive_limit);
			stop = 1;
		}
		if (w.fd >= 0 && soak_jsonl_append(&w, rec, err) < 0) {
			cJSON_Delete(rec);
			goto out;
		}
		cJSON_Delete(rec);
		if (o->on_measure)
			o->on_measure(o->ctx, i, phase, detail);
		if (!stop && i < o->count && o->sleep_ms && o->sleep_ms(o->interval_ms)) {
			res->interrupted = 1;
			break;
		}
		if (o->sleep_ms && o->sleep_ms(0)) {
			res->interrupted = 1;
			break;
		}
	}
	if (res->interrupted) {
		snprintf(res->reason, sizeof(res->reason), "interrupted after %ld measurement%s",
		         res->measurements, res->measurements == 1 ? "" : "s");
	} else if (!stop) {
		res->decision = SOAK_WATCH_PROMOTE;
		snprintf(
		    res->reason, sizeof(res->reason),
		    "%ld measurements: %ld successful, %ld failed, %ld inconclusive, %ld errors, "
		    "all within their limits",
		    res->measurements, res->successful, res->failed, res->inconclusive,
		    res->errors);
	}
	if (w.fd >= 0) {
		cJSON *fin = cJSON_CreateObject();
		char ts[SOAK_ISO8601_LEN];
		int a;

		cJSON_AddStringToObject(fin, "schema", SOAK_SCHEMA);
		cJSON_AddStringToObject(fin, "t", soak_iso8601(soak_wall_ms(), ts, sizeof(ts)));
		cJSON_AddStringToObject(fin, "decision",
		                        res->interrupted ? "interrupted"
		                                         : soak_watch_decision_name(res->decision));
		cJSON_AddStringToObject(fin, "reason", res->reason);
		cJSON_AddNumberToObject(fin, "measurements", (double)res->measurements);
		cJSON_AddNumberToObject(fin, "successful", (double)res->successful);
		cJSON_AddNumberToObject(fin, "failed", (double)res->failed);
		cJSON_AddNumberToObject(fin, "inconclusive", (double)res->inconclusive);
		cJSON_AddNumberToObject(fin, "errors", (double)res->errors);
		a = soak_jsonl_append(&w, fin, err);
		cJSON_Delete(fin);
		if (a < 0)
			goto out;
	}
	ret = 0;
	if (!res->interrupted && o->hooks[res->decision]) {
		res->hook_ran = 1;
		ret = soak_canary_hook(o->hooks[res->decision],
		                       soak_watch_decision_name(res->decision), res->reason,
		                       o->record, o->hook_timeout_ms, &res->hook_exit, err);
	}
out:
	soak_jsonl_close(&w);
	for (size_t i = 0; i < o->nmetrics && names; i++)
		free(names[i]);
	for (size_t i = 0; i < o->nmetrics && vals; i++)
		soak_prom_result_free(&vals[i]);
	free(names);
	free(queries);
	free(vals);
	soak_expr_free(succ);
	soak_expr_free(failc);
	return ret;
}
