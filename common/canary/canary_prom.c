/* The Prometheus HTTP API (/api/v1/query, /api/v1/query_range) through soak_http. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canary_prom.h"
#include "exitcode.h"
#include "http.h"
#include "json.h"
#include "banned.h"

#define PROM_BODY_MAX (32 * 1024 * 1024)

void soak_prom_result_free(struct soak_prom_result *r)
{
	for (size_t i = 0; i < r->nseries; i++)
		free(r->series[i].v);
	free(r->series);
	memset(r, 0, sizeof(*r));
}

/* A sample value: Prometheus sends strings ("1.5", "NaN", "+Inf", "-Inf"). */
static int sample_value(const cJSON *pair, double *v)
{
	const cJSON *s = cJSON_GetArrayItem(pair, 1);
	char *end;

	if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2 || !cJSON_IsString(s))
		return -1;
	if (!strcmp(s->valuestring, "NaN")) {
		*v = NAN;
		return 0;
	}
	if (!strcmp(s->valuestring, "+Inf") || !strcmp(s->valuestring, "Inf")) {
		*v = INFINITY;
		return 0;
	}
	if (!strcmp(s->valuestring, "-Inf")) {
		*v = -INFINITY;
		return 0;
	}
	*v = strtod(s->valuestring, &end);
	return *end || end == s->valuestring ? -1 : 0;
}

static int add_series(struct soak_prom_result *r, const cJSON *pairs, int single)
{
	struct soak_prom_series *s;
	size_t n = single ? 1 : (size_t)cJSON_GetArraySize(pairs), k = 0;
	const cJSON *p;

	s = realloc(r->series, (r->nseries + 1) * sizeof(*s));
	if (!s)
		return -1;
	r->series = s;
	s = &r->series[r->nseries];
	s->n = 0;
	s->v = malloc((n ? n : 1) * sizeof(double));
	if (!s->v)
		return -1;
	r->nseries++;
	if (single) {
		if (sample_value(pairs, &s->v[0]) < 0)
			return -2;
		s->n = 1;
	} else {
		cJSON_ArrayForEach(p, pairs)
		{
			if (sample_value(p, &s->v[k]) < 0)
				return -2;
			k++;
		}
		s->n = k;
	}
	r->nvalues += s->n;
	return 0;
}

int soak_prom_decode(const char *what, const struct soak_buf *body, struct soak_prom_result *r,
                     struct soak_err *err)
{
	const cJSON *status, *data, *type, *res, *item;
	cJSON *doc = NULL;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (soak_json_parse(soak_buf_str(body), body->len, what, SOAK_EXIT_ENV, &doc, err) < 0)
		return -1;
	status = cJSON_GetObjectItemCaseSensitive(doc, "status");
	if (!cJSON_IsString(status) || strcmp(status->valuestring, "success")) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
		const cJSON *et = cJSON_GetObjectItemCaseSensitive(doc, "errorType");

		soak_err_set(err, SOAK_EXIT_ENV, "%s: prometheus error%s%s: %.300s", what,
		             cJSON_IsString(et) ? " " : "",
		             cJSON_IsString(et) ? et->valuestring : "",
		             cJSON_IsString(e) ? e->valuestring : "no status \"success\"");
		goto out;
	}
	data = cJSON_GetObjectItemCaseSensitive(doc, "data");
	type = cJSON_GetObjectItemCaseSensitive(data, "resultType");
	res = cJSON_GetObjectItemCaseSensitive(data, "result");
	if (!cJSON_IsString(type) || !res)
		goto malformed;
	snprintf(r->type, sizeof(r->type), "%s", type->valuestring);
	if (!strcmp(r->type, "scalar")) {
		int a = add_series(r, res, 1);

		if (a == -1)
			goto oom;
		if (a < 0)
			goto malformed;
	} else if (!strcmp(r->type, "vector") || !strcmp(r->type, "matrix")) {
		int vec = !strcmp(r->type, "vector");

		if (!cJSON_IsArray(res))
			goto malformed;
		cJSON_ArrayForEach(item, res)
		{
			const cJSON *v =
			    cJSON_GetObjectItemCaseSensitive(item, vec ? "value" : "values");
			int a;

			if (!v)
				goto malformed;
			a = add_series(r, v, vec);
			if (a == -1)
				goto oom;
			if (a < 0)
				goto malformed;
		}
	} else {
		soak_err_set(err, SOAK_EXIT_ENV, "%s: result type '%s' has no numbers", what,
		             r->type);
		goto out;
	}
	rc = 0;
	goto out;
malformed:
	soak_err_set(err, SOAK_EXIT_ENV, "%s: malformed prometheus answer", what);
	goto out;
oom:
	soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
out:
	cJSON_Delete(doc);
	if (rc)
		soak_prom_result_free(r);
	return rc;
}

static int get(const struct soak_prom *p, const char *path, const char *query, const char *params,
               struct soak_prom_result *r, int *attempts, struct soak_err *err)
{
	struct soak_http_call c = {0};
	struct soak_http_retry rp = {0};
	struct soak_http_resp resp;
	struct soak_buf url;
	const char *base = p->url;
	size_t bl = strlen(base);
	int rc = -1;

	memset(r, 0, sizeof(*r));
	soak_buf_init(&url, 1024 * 1024);
	if (soak_buf_addf(&url, "%.*s%s?query=", (int)(bl && base[bl - 1] == '/' ? bl - 1 : bl),
	                  base, path) < 0 ||
	    soak_http_escape(query, &url) < 0 || soak_buf_adds(&url, params) < 0) {
		soak_buf_free(&url);
		return soak_err_set(err, SOAK_EXIT_USAGE, "query too long");
	}
	c.method = "GET";
	c.url = soak_buf_str(&url);
	c.timeout_ms = p->timeout_ms;
	c.connect_timeout_ms = p->timeout_ms;
	c.max_body = PROM_BODY_MAX;
	rp.retries = p->retries;
	rp.backoff_ms = p->backoff_ms;
	rp.max_backoff_ms = 30000;
	rp.jitter = 0.2;
	rp.sleep_ms = p->sleep_ms;
	soak_http_resp_init(&resp);
	if (soak_http_fetch(&c, &rp, &resp, attempts, err) < 0) {
		/* Prometheus explains a 400 or 422 (bad query) in the body */
		if (resp.status == 400 || resp.status == 422) {
			struct soak_err e2 = {0};
			struct soak_prom_result tmp;

			if (soak_prom_decode("query", &resp.body, &tmp, &e2) < 0)
				soak_err_set(err, SOAK_EXIT_USAGE, "%s", e2.msg);
			else
				soak_prom_result_free(&tmp);
		}
		goto out;
	}
	{
		char what[256];

		snprintf(what, sizeof(what), "query '%.200s'", query);
		rc = soak_prom_decode(what, &resp.body, r, err);
	}
out:
	soak_http_resp_free(&resp);
	soak_buf_free(&url);
	return rc;
}

int soak_prom_query(const struct soak_prom *p, const char *query, int64_t time_s,
                    struct soak_prom_result *r, int *attempts, struct soak_err *err)
{
	char params[64] = "";

	if (time_s > 0)
		snprintf(params, sizeof(params), "&time=%lld", (long long)time_s);
	return get(p, "/api/v1/query", query, params, r, attempts, err);
}

int soak_prom_query_range(const struct soak_prom *p, const char *query, int64_t start_s,
                          int64_t end_s, int64_t step_s, struct soak_prom_result *r, int *attempts,
                          struct soak_err *err)
{
	char params[128];

	snprintf(params, sizeof(params), "&start=%lld&end=%lld&step=%lld", (long long)start_s,
	         (long long)end_s, (long long)(step_s > 0 ? step_s : 1));
	return get(p, "/api/v1/query_range", query, params, r, attempts, err);
}
