/* soak-canary judge: samples from soak directories or Prometheus, judge.h, reports. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canary.h"
#include "clock.h"
#include "exitcode.h"
#include "file.h"
#include "fmt.h"
#include "json.h"
#include "jsonl.h"
#include "parse.h"
#include "str.h"
#include "banned.h"

#define LINE_MAX_BYTES (1024 * 1024)
#define STR_(x) #x
#define STR(x) STR_(x)
#define EXACT_MAX STR(SOAK_JUDGE_EXACT_MAX)

static int oom(struct soak_err *err)
{
	return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
}

int soak_canary_metric_parse(const char *spec, struct soak_judge_metric *m, char **name,
                             char **group, struct soak_err *err)
{
	const char *colon = strchr(spec, ':'), *p;
	size_t nl = colon ? (size_t)(colon - spec) : strlen(spec);

	memset(m, 0, sizeof(*m));
	*name = *group = NULL;
	m->allowed_increase = m->allowed_decrease = 1;
	if (!nl)
		return soak_err_set(err, SOAK_EXIT_USAGE, "bad metric '%s': no name", spec);
	*name = soak_strndup(spec, nl);
	if (!*name)
		return oom(err);
	m->name = *name;
	for (p = colon ? colon + 1 : spec + nl; *p;) {
		size_t len = strcspn(p, ",");
		char opt[256];
		const char *eq;

		if (len >= sizeof(opt))
			goto bad;
		memcpy(opt, p, len);
		opt[len] = 0;
		eq = strchr(opt, '=');
		if (!strcmp(opt, "increase"))
			m->dir = SOAK_JUDGE_INCREASE;
		else if (!strcmp(opt, "decrease"))
			m->dir = SOAK_JUDGE_DECREASE;
		else if (!strcmp(opt, "either"))
			m->dir = SOAK_JUDGE_EITHER;
		else if (!strcmp(opt, "critical"))
			m->critical = 1;
		else if (!strcmp(opt, "must-have-data") || !strcmp(opt, "required"))
			m->must_have_data = 1;
		else if (!strcmp(opt, "nan=remove"))
			m->nan = SOAK_JUDGE_NAN_REMOVE;
		else if (!strcmp(opt, "nan=replace"))
			m->nan = SOAK_JUDGE_NAN_REPLACE;
		else if (eq && !strncmp(opt, "group=", 6) && opt[6]) {
			free(*group);
			*group = strdup(opt + 6);
			if (!*group)
				return oom(err);
			m->group = *group;
		} else if (eq && (!strncmp(opt, "allowed-increase=", 17) ||
		                  !strncmp(opt, "allowed-decrease=", 17))) {
			double v;

			if (soak_parse_double(eq + 1, 0, 1e9, &v, err) < 0)
				return soak_err_prefix(err, "bad metric '%s'", spec);
			if (opt[8] == 'i')
				m->allowed_increase = v;
			else
				m->allowed_decrease = v;
		} else {
			goto bad;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
bad:
	return soak_err_set(
	    err, SOAK_EXIT_USAGE,
	    "bad metric '%s': unknown option (increase, decrease, either, critical, "
	    "must-have-data, nan=remove|replace, group=NAME, allowed-increase=R, "
	    "allowed-decrease=R)",
	    spec);
}

/* The metrics.jsonl member a metric name stands for. */
static const char *field_of(const char *name)
{
	static const char *const alias[][2] = {
	    {"rss", "peak_rss_bytes"},        {"fds", "open_fds"},
	    {"mem_avail", "mem_avail_bytes"}, {"duration", "duration_ms"},
	    {"disk", "free_disk_bytes"},
	};

	for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (!strcmp(name, alias[i][0]))
			return alias[i][1];
	return name;
}

struct series {
	double *v;
	size_t n, cap;
};

static int push(struct series *s, double v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		double *nv = realloc(s->v, cap * sizeof(*nv));

		if (!nv)
			return -1;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = v;
	return 0;
}

/*
 * Every non-skipped record of DIR/metrics.jsonl, one value per metric when the
 * record has it (null counts as NaN). Malformed lines are an input error.
 */
static int load_dir(const char *dir, const struct soak_judge_metric *m, size_t nm,
                    struct series *out, struct soak_err *err)
{
	struct soak_jsonl_reader rd;
	char *path = soak_path_join(dir, "metrics.jsonl");
	const char *line;
	size_t len;
	int rc, ret = -1;

	if (!path)
		return oom(err);
	if (soak_jsonl_reader_open(&rd, path, LINE_MAX_BYTES, err) < 0) {
		err->code = SOAK_EXIT_INPUT;
		free(path);
		return -1;
	}
	while ((rc = soak_jsonl_next(&rd, &line, &len, err)) == 1) {
		cJSON *rec;
		const cJSON *st, *kpi;
		char what[1200];

		if (!len)
			continue;
		snprintf(what, sizeof(what), "'%s' line %lu", path, rd.lineno);
		if (soak_json_parse(line, len, what, SOAK_EXIT_INPUT, &rec, err) < 0)
			goto out;
		if (soak_schema_check(rec, what, err) < 0) {
			cJSON_Delete(rec);
			goto out;
		}
		st = cJSON_GetObjectItemCaseSensitive(rec, "status");
		if (cJSON_IsString(st) && !strcmp(st->valuestring, "skipped")) {
			cJSON_Delete(rec);
			continue;
		}
		kpi = cJSON_GetObjectItemCaseSensitive(rec, "kpi");
		for (size_t i = 0; i < nm; i++) {
			const char *f = field_of(m[i].name);
			const cJSON *v = !strncmp(f, "kpi.", 4)
			                     ? cJSON_GetObjectItemCaseSensitive(kpi, f + 4)
			                     : cJSON_GetObjectItemCaseSensitive(rec, f);

			if (!v)
				continue;
			if (push(&out[i], cJSON_IsNumber(v) ? v->valuedouble : NAN) < 0) {
				cJSON_Delete(rec);
				oom(err);
				goto out;
			}
		}
		cJSON_Delete(rec);
	}
	if (rc < 0)
		goto out;
	ret = 0;
out:
	soak_jsonl_reader_close(&rd);
	free(path);
	return ret;
}

const char *const soak_canary_judge_notes[] = {
    "metrics: duration_ms, rss, cpu_user_s, cpu_sys_s, fds, threads (increase) and every KPI "
    "(either), when no --judge-metric is given",
    "metric direction: either (default)",
    "metric nan: remove (default; replace puts 0 in their place)",
    "metric group: default (default); groups without a weight share what is left of 100 equally",
    "metric allowed-increase / allowed-decrease: 1.0 (default)",
    "exact Mann-Whitney distribution: both samples under " EXACT_MAX " values and no ties; "
    "else the normal approximation with tie and continuity corrections",
    "soak directories: every record of metrics.jsonl but skipped ones",
    NULL,
};

int soak_canary_default_metrics(const char *baseline_dir, char ***specs, size_t *n,
                                struct soak_err *err)
{
	static const char *const base[] = {"duration_ms:increase", "rss:increase",
	                                   "cpu_user_s:increase",  "cpu_sys_s:increase",
	                                   "fds:increase",         "threads:increase"};
	struct soak_jsonl_reader rd;
	char *path = soak_path_join(baseline_dir, "metrics.jsonl");
	const char *line;
	size_t len;
	int rc;

	*specs = NULL;
	*n = 0;
	if (!path)
		return oom(err);
	*specs = calloc(sizeof(base) / sizeof(base[0]), sizeof(char *));
	if (!*specs) {
		free(path);
		return oom(err);
	}
	for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		if (!((*specs)[(*n)++] = strdup(base[i]))) {
			free(path);
			return oom(err);
		}
	if (soak_jsonl_reader_open(&rd, path, LINE_MAX_BYTES, err) < 0) {
		err->code = SOAK_EXIT_INPUT;
		free(path);
		return -1;
	}
	free(path);
	while ((rc = soak_jsonl_next(&rd, &line, &len, err)) == 1) {
		cJSON *rec = cJSON_ParseWithLength(line, len);
		const cJSON *k;

		cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(rec, "kpi"))
		{
			char spec[300];
			size_t j;
			char **l;

			snprintf(spec, sizeof(spec), "kpi.%s:either", k->string);
			for (j = 0; j < *n && strcmp((*specs)[j], spec); j++)
				;
			if (j < *n || *n >= 256)
				continue;
			l = realloc(*specs, (*n + 1) * sizeof(*l));
			if (!l || !(l[*n] = strdup(spec))) {
				if (l)
					*specs = l;
				cJSON_Delete(rec);
				soak_jsonl_reader_close(&rd);
				return oom(err);
			}
			*specs = l;
			(*n)++;
		}
		cJSON_Delete(rec);
	}
	soak_jsonl_reader_close(&rd);
	return rc < 0 ? -1 : 0;
}

/* Replace every "${scope}" in q by scope. */
static char *scoped(const char *q, const char *scope)
{
	struct soak_buf b;

	soak_buf_init(&b, 1024 * 1024);
	while (*q) {
		const char *s = strstr(q, "${scope}");

		if (!s) {
			soak_buf_adds(&b, q);
			break;
		}
		soak_buf_add(&b, q, (size_t)(s - q));
		soak_buf_adds(&b, scope);
		q = s + 8;
	}
	return soak_buf_detach(&b, NULL);
}

static int load_prom(const struct soak_canary_judge_opts *o, size_t i, const char *scope,
                     struct series *out, struct soak_err *err)
{
	struct soak_prom p = {o->prometheus, o->http_timeout_ms, o->retries, 500, NULL};
	struct soak_prom_result r;
	char *q = scoped(o->queries[i], scope);
	int rc;

	if (!q)
		return oom(err);
	rc = soak_prom_query_range(&p, q, o->start_s, o->end_s, o->step_s, &r, NULL, err);
	free(q);
	if (rc < 0)
		return -1;
	for (size_t s = 0; s < r.nseries; s++)
		for (size_t k = 0; k < r.series[s].n; k++)
			if (push(out, r.series[s].v[k]) < 0) {
				soak_prom_result_free(&r);
				return oom(err);
			}
	soak_prom_result_free(&r);
	return 0;
}

void soak_canary_judgement_free(struct soak_canary_judgement *j)
{
	for (size_t i = 0; i < j->n && j->sources; i++)
		free(j->sources[i]);
	free(j->sources);
	free(j->results);
	soak_judge_score_free(&j->score);
	memset(j, 0, sizeof(*j));
}

int soak_canary_judge(const struct soak_canary_judge_opts *o, struct soak_canary_judgement *j,
                      struct soak_err *err)
{
	struct series *b = calloc(o->nmetrics + 1, sizeof(*b)),
	              *c = calloc(o->nmetrics + 1, sizeof(*c));
	int ret = -1;

	memset(j, 0, sizeof(*j));
	j->results = calloc(o->nmetrics + 1, sizeof(*j->results));
	j->sources = calloc(o->nmetrics + 1, sizeof(*j->sources));
	if (!b || !c || !j->results || !j->sources) {
		oom(err);
		goto out;
	}
	j->n = o->nmetrics;
	if (o->prometheus) {
		for (size_t i = 0; i < o->nmetrics; i++) {
			if (load_prom(o, i, o->baseline, &b[i], err) < 0 ||
			    load_prom(o, i, o->canary, &c[i], err) < 0) {
				soak_err_prefix(err, "metric '%s'", o->metrics[i].name);
				goto out;
			}
			j->sources[i] = strdup(o->queries[i]);
		}
	} else {
		if (load_dir(o->baseline, o->metrics, o->nmetrics, b, err) < 0 ||
		    load_dir(o->canary, o->metrics, o->nmetrics, c, err) < 0)
			goto out;
		for (size_t i = 0; i < o->nmetrics; i++) {
			const char *f = field_of(o->metrics[i].name);
			char buf[300];

			snprintf(buf, sizeof(buf), "metrics.jsonl %s", f);
			j->sources[i] = strdup(buf);
		}
	}
	for (size_t i = 0; i < o->nmetrics; i++) {
		if (!j->sources[i]) {
			oom(err);
			goto out;
		}
		if (soak_judge_metric(&o->metrics[i], b[i].v, b[i].n, c[i].v, c[i].n, o->conf,
		                      &j->results[i]) < 0) {
			oom(err);
			goto out;
		}
	}
	if (soak_judge_score(o->metrics, j->results, j->n, o->group_names, o->group_weights,
	                     o->nweights, o->marginal, o->pass, &j->score) < 0) {
		if (errno == EINVAL)
			soak_err_set(err, SOAK_EXIT_USAGE,
			             "a group weight names a group no metric belongs to");
		else
			oom(err);
		goto out;
	}
	ret = 0;
out:
	for (size_t i = 0; i < o->nmetrics && b && c; i++) {
		free(b[i].v);
		free(c[i].v);
	}
	free(b);
	free(c);
	if (ret)
		soak_canary_judgement_free(j);
	return ret;
}

/* ---- reports ---- */

static cJSON *metric_json(const struct soak_judge_metric *m, const struct soak_judge_result *r,
                          const char *source)
{
	cJSON *o = cJSON_CreateObject(), *t;

	cJSON_AddStringToObject(o, "name", m->name);
	cJSON_AddStringToObject(o, "group", m->group && *m->group ? m->group : "default");
	cJSON_AddStringToObject(o, "source", source);
	cJSON_AddStringToObject(o, "direction", soak_judge_dir_name(m->dir));
	cJSON_AddBoolToObject(o, "critical", m->critical);
	cJSON_AddBoolToObject(o, "must_have_data", m->must_have_data);
	cJSON_AddStringToObject(o, "nan_strategy",
	                        m->nan == SOAK_JUDGE_NAN_REPLACE ? "replace" : "remove");
	cJSON_AddNumberToObject(o, "allowed_increase", m->allowed_increase);
	cJSON_AddNumberToObject(o, "allowed_decrease", m->allowed_decrease);
	cJSON_AddStringToObject(o, "classification", soak_judge_class_name(r->cls));
	cJSON_AddBoolToObject(o, "failed", soak_judge_failed(r->cls));
	cJSON_AddStringToObject(o, "reason", r->reason);
	cJSON_AddNumberToObject(o, "baseline_count", (double)r->nb);
	cJSON_AddNumberToObject(o, "canary_count", (double)r->nc);
	cJSON_AddNumberToObject(o, "baseline_nan", (double)r->nan_b);
	cJSON_AddNumberToObject(o, "canary_nan", (double)r->nan_c);
	soak_json_add_num_or_null(o, "baseline_mean", !isnan(r->mean_b), r->mean_b);
	soak_json_add_num_or_null(o, "canary_mean", !isnan(r->mean_c), r->mean_c);
	soak_json_add_num_or_null(o, "baseline_median", !isnan(r->median_b), r->median_b);
	soak_json_add_num_or_null(o, "canary_median", !isnan(r->median_c), r->median_c);
	soak_json_add_num_or_null(o, "effect_size", isfinite(r->effect), r->effect);
	if (r->tested) {
		t = cJSON_AddObjectToObject(o, "mann_whitney");
		cJSON_AddStringToObject(t, "method", r->mw.exact ? "exact" : "normal");
		cJSON_AddNumberToObject(t, "u", r->mw.u);
		cJSON_AddNumberToObject(t, "mean_u", r->mw.mean_u);
		cJSON_AddNumberToObject(t, "sd_u", r->mw.sd_u);
		cJSON_AddNumberToObject(t, "tied_values", (double)r->mw.ties);
		cJSON_AddNumberToObject(t, "z", r->mw.z);
		cJSON_AddNumberToObject(t, "p", r->mw.p);
		cJSON_AddNumberToObject(t, "shift", r->mw.shift);
		cJSON_AddNumberToObject(t, "ci_low", r->mw.ci_lo);
		cJSON_AddNumberToObject(t, "ci_high", r->mw.ci_hi);
		cJSON_AddNumberToObject(t, "confidence", r->mw.conf);
		soak_json_add_num_or_null(t, "achieved_confidence", !isnan(r->mw.achieved_conf),
		                          r->mw.achieved_conf);
		cJSON_AddNumberToObject(t, "k", (double)r->mw.k);
	} else {
		cJSON_AddNullToObject(o, "mann_whitney");
	}
	return o;
}

static cJSON *judgement_json(const struct soak_canary_judge_opts *o,
                             const struct soak_canary_judgement *j)
{
	cJSON *doc = cJSON_CreateObject(), *a, *x;
	char ts[SOAK_ISO8601_LEN];
	size_t failed = 0;

	cJSON_AddStringToObject(doc, "schema", SOAK_SCHEMA);
	x = cJSON_AddObjectToObject(doc, "tool");
	cJSON_AddStringToObject(x, "name", "soak-canary");
	cJSON_AddStringToObject(x, "version", o->version ? o->version : "");
	cJSON_AddStringToObject(doc, "generated", soak_iso8601(o->now_ms, ts, sizeof(ts)));
	cJSON_AddStringToObject(doc, "verdict", soak_judge_verdict_name(j->score.verdict));
	cJSON_AddStringToObject(doc, "reason", j->score.reason);
	cJSON_AddNumberToObject(doc, "score", j->score.score);
	x = cJSON_AddObjectToObject(doc, "thresholds");
	cJSON_AddNumberToObject(x, "marginal", o->marginal);
	cJSON_AddNumberToObject(x, "pass", o->pass);
	cJSON_AddNumberToObject(doc, "confidence", o->conf);
	x = cJSON_AddObjectToObject(doc, "input");
	cJSON_AddStringToObject(x, "kind", o->prometheus ? "prometheus" : "soak-directories");
	cJSON_AddStringToObject(x, "baseline", o->baseline);
	cJSON_AddStringToObject(x, "canary", o->canary);
	if (o->prometheus) {
		cJSON_AddStringToObject(x, "prometheus", o->prometheus);
		cJSON_AddNumberToObject(x, "start", (double)o->start_s);
		cJSON_AddNumberToObject(x, "end", (double)o->end_s);
		cJSON_AddNumberToObject(x, "step_s", (double)o->step_s);
	}
	a = cJSON_AddArrayToObject(doc, "groups");
	for (size_t g = 0; g < j->score.ngroups; g++) {
		const struct soak_judge_group *gr = &j->score.groups[g];

		x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "name", gr->name);
		cJSON_AddNumberToObject(x, "weight", gr->weight);
		cJSON_AddBoolToObject(x, "weight_given", gr->weight_given);
		cJSON_AddNumberToObject(x, "effective_weight", gr->eff_weight);
		cJSON_AddNumberToObject(x, "pass", (double)gr->pass);
		cJSON_AddNumberToObject(x, "fail", (double)gr->fail);
		cJSON_AddNumberToObject(x, "nodata", (double)gr->nodata);
		soak_json_add_num_or_null(x, "score", !isnan(gr->score), gr->score);
		cJSON_AddItemToArray(a, x);
	}
	a = cJSON_AddArrayToObject(doc, "metrics");
	for (size_t i = 0; i < j->n; i++) {
		cJSON_AddItemToArray(a, metric_json(&o->metrics[i], &j->results[i], j->sources[i]));
		failed += soak_judge_failed(j->results[i].cls);
	}
	cJSON_AddNumberToObject(doc, "failed_metrics", (double)failed);
	cJSON_AddNumberToObject(doc, "critical_failed", (double)j->score.critical_failed);
	a = cJSON_AddArrayToObject(doc, "defaults");
	for (size_t i = 0; i < o->ndefaults; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(o->defaults[i]));
	return doc;
}

static void num_md(struct soak_buf *b, double v)
{
	char num[48];

	soak_buf_adds(b, soak_fmt(SOAK_U_COUNT, v, num, sizeof(num)));
}

static int judgement_md(const struct soak_canary_judge_opts *o,
                        const struct soak_canary_judgement *j, struct soak_buf *b)
{
	soak_buf_addf(b, "# Canary judgement: %s\n\n", soak_judge_verdict_name(j->score.verdict));
	soak_buf_addf(b, "Score **%.2f** of 100 (PASS at %g, MARGINAL at %g): %s.\n\n",
	              j->score.score, o->pass, o->marginal, j->score.reason);
	soak_buf_addf(b, "Baseline `%s`, canary `%s`%s%s%s.\n\n", o->baseline, o->canary,
	              o->prometheus ? " (Prometheus `" : "", o->prometheus ? o->prometheus : "",
	              o->prometheus ? "`)" : "");
	soak_buf_adds(b, "## Groups\n\n| group | weight | effective | pass | fail | no data | "
	                 "score |\n|---|---:|---:|---:|---:|---:|---:|\n");
	for (size_t g = 0; g < j->score.ngroups; g++) {
		const struct soak_judge_group *gr = &j->score.groups[g];

		soak_buf_addf(b, "| %s | %g%s | %.2f | %zu | %zu | %zu | ", gr->name, gr->weight,
		              gr->weight_given ? "" : " (default)", gr->eff_weight, gr->pass,
		              gr->fail, gr->nodata);
		num_md(b, gr->score);
		soak_buf_adds(b, " |\n");
	}
	soak_buf_addf(b,
	              "\n## Metrics\n\nMann-Whitney U of canary against baseline; shift = "
	              "Hodges-Lehmann estimate of canary minus baseline with its %g%% "
	              "confidence interval; effect = mean ratio canary / baseline.\n\n",
	              o->conf * 100);
	soak_buf_adds(b, "| metric | group | direction | result | n (b/c) | mean b | mean c | "
	                 "effect | U | p | shift | CI | method |\n"
	                 "|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---|---|\n");
	for (size_t i = 0; i < j->n; i++) {
		const struct soak_judge_metric *m = &o->metrics[i];
		const struct soak_judge_result *r = &j->results[i];

		soak_buf_addf(b, "| %s%s | %s | %s | %s%s | %zu/%zu | ", m->name,
		              m->critical ? " (critical)" : "",
		              m->group && *m->group ? m->group : "default",
		              soak_judge_dir_name(m->dir), soak_judge_failed(r->cls) ? "**" : "",
		              soak_judge_class_name(r->cls), r->nb, r->nc);
		num_md(b, r->mean_b);
		soak_buf_adds(b, " | ");
		num_md(b, r->mean_c);
		soak_buf_adds(b, " | ");
		num_md(b, r->effect);
		if (r->tested) {
			soak_buf_adds(b, " | ");
			num_md(b, r->mw.u);
			soak_buf_addf(b, " | %.4g | ", r->mw.p); /* a p-value, not a quantity */
			num_md(b, r->mw.shift);
			soak_buf_adds(b, " | [");
			num_md(b, r->mw.ci_lo);
			soak_buf_adds(b, ", ");
			num_md(b, r->mw.ci_hi);
			soak_buf_addf(b, "] | %s |\n", r->mw.exact ? "exact" : "normal");
		} else
			soak_buf_adds(b, " | | | | | not tested |\n");
	}
	soak_buf_adds(b, "\n### Reasons\n\n");
	for (size_t i = 0; i < j->n; i++)
		soak_buf_addf(b, "- %s: %s%s\n", o->metrics[i].name, j->results[i].reason,
		              j->results[i].nan_b + j->results[i].nan_c ? " (NaN values handled)"
		                                                        : "");
	soak_buf_adds(b, "\n## Settings and defaults used\n\n");
	for (size_t i = 0; i < o->ndefaults; i++)
		soak_buf_addf(b, "- %s\n", o->defaults[i]);
	return soak_buf_adds(b, "") < 0 ? -1 : 0;
}

int soak_canary_judge_write(const struct soak_canary_judge_opts *o,
                            const struct soak_canary_judgement *j, struct soak_err *err)
{
	cJSON *doc;
	struct soak_buf md;
	char *p;
	int rc = -1;

	if (!o->out_dir)
		return 0;
	if (soak_mkdir_p(o->out_dir, err) < 0)
		return -1;
	doc = judgement_json(o, j);
	p = soak_path_join(o->out_dir, "judge.json");
	if (!doc || !p) {
		cJSON_Delete(doc);
		free(p);
		return oom(err);
	}
	rc = soak_json_write(p, doc, 1, err);
	cJSON_Delete(doc);
	free(p);
	if (rc < 0)
		return -1;
	soak_buf_init(&md, 16 * 1024 * 1024);
	if (judgement_md(o, j, &md) < 0) {
		soak_buf_free(&md);
		return oom(err);
	}
	p = soak_path_join(o->out_dir, "judge.md");
	rc = p ? soak_file_write_atomic(p, md.data ? md.data : "", md.len, err) : oom(err);
	free(p);
	soak_buf_free(&md);
	return rc;
}
