/*
 * --resume: take over an interrupted run, its identity from run.json and its
 * totals from metrics.jsonl.
 */
#include <stdio.h>
#include <stdlib.h>

#include "run_int.h"
#include "exitcode.h"
#include "file.h"
#include "json.h"
#include "banned.h"

#define METRICS_LINE_MAX (16 * 1024 * 1024)

/* Recompute the totals of an interrupted run from metrics.jsonl. */
static int resume_totals(struct runner *r, const char *metrics_path, struct soak_err *err)
{
	struct soak_jsonl_reader rd;
	const char *line;
	size_t len, cut = 0;
	int64_t last_end = 0;
	int rc;

	if (soak_jsonl_repair(metrics_path, &cut, err) < 0)
		return -1;
	if (cut)
		run_event(r, "warning", 0,
		          "cut a partial last line of %zu bytes from metrics.jsonl", cut);
	if (!soak_path_exists(metrics_path))
		return 0;
	if (soak_jsonl_reader_open(&rd, metrics_path, METRICS_LINE_MAX, err) < 0)
		return -1;
	while ((rc = soak_jsonl_next(&rd, &line, &len, err)) == 1) {
		cJSON *o = cJSON_ParseWithLength(line, len);
		const cJSON *it, *st, *rss, *end;
		int64_t end_ms = 0;

		if (!o)
			continue;
		it = cJSON_GetObjectItemCaseSensitive(o, "iteration");
		st = cJSON_GetObjectItemCaseSensitive(o, "status");
		rss = cJSON_GetObjectItemCaseSensitive(o, "peak_rss_bytes");
		end = cJSON_GetObjectItemCaseSensitive(o, "end");
		if (cJSON_IsNumber(it) && cJSON_IsString(st)) {
			if (cJSON_IsString(end))
				soak_iso8601_parse(end->valuestring, &end_ms);
			if ((long long)it->valuedouble > r->iter || r->iter == 0)
				run_state_tally(
				    r, (long long)it->valuedouble, st->valuestring,
				    cJSON_IsNumber(rss) ? (uint64_t)rss->valuedouble : 0, end_ms);
			if (end_ms > last_end)
				last_end = end_ms;
		}
		cJSON_Delete(o);
	}
	soak_jsonl_reader_close(&rd);
	if (rc < 0)
		return -1;
	if (last_end > r->started_wall)
		r->elapsed_before_ms = last_end - r->started_wall;
	return 0;
}

int run_resume(struct runner *r, const char *run_path, const char *metrics_path, cJSON **resumed,
               struct soak_err *err)
{
	const cJSON *id, *started, *res;
	cJSON *old = NULL;
	char ts[SOAK_ISO8601_LEN];
	char *p;
	int ret = -1;

	if (soak_json_load(run_path, 16 * 1024 * 1024, &old, err) < 0 ||
	    soak_schema_check(old, "run.json", err) < 0)
		goto out;
	id = cJSON_GetObjectItemCaseSensitive(old, "run_id");
	started = cJSON_GetObjectItemCaseSensitive(old, "started");
	if (!cJSON_IsString(id) || !cJSON_IsString(started) ||
	    soak_iso8601_parse(started->valuestring, &r->started_wall) < 0) {
		soak_err_set(err, SOAK_EXIT_INPUT,
		             "'%s' has no valid run_id and started: cannot resume", run_path);
		goto out;
	}
	snprintf(r->run_id, sizeof(r->run_id), "%s", id->valuestring);
	res = cJSON_GetObjectItemCaseSensitive(old, "resumed");
	*resumed = cJSON_IsArray(res) ? cJSON_Duplicate(res, 1) : cJSON_CreateArray();
	cJSON_AddItemToArray(*resumed,
	                     cJSON_CreateString(soak_iso8601(soak_wall_ms(), ts, sizeof(ts))));
	r->resumed = 1;
	if (resume_totals(r, metrics_path, err) < 0)
		goto out;
	static const char *const logs[] = {"samples.jsonl", "events.jsonl", NULL};
	for (const char *const *f = logs; *f; f++) {
		size_t cut;
		p = soak_path_join(r->dir, *f);
		soak_jsonl_repair(p, &cut, err);
		free(p);
	}
	ret = 0;
out:
	cJSON_Delete(old);
	return ret;
}
