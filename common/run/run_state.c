/*
 * The run's totals, and the state files rewritten as it goes: summary.json
 * and health.json.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_int.h"
#include "file.h"
#include "json.h"
#include "banned.h"

#define UNHEALTHY_DEFAULT 3
#define SUMMARY_EVERY_MS 100
#define HEALTH_EVERY_MS 1000

/* Fold one finished iteration into the running totals. */
void run_state_tally(struct runner *r, long long n, const char *status, uint64_t rss,
                     int64_t end_wall)
{
	r->iter = n;
	if (!strcmp(status, "pass")) {
		r->passed++;
		r->consec = 0;
		r->last_success_wall = end_wall;
	} else if (!strcmp(status, "skipped")) {
		r->skipped++;
	} else {
		r->failed++;
		if (!strcmp(status, "timeout"))
			r->timed_out++;
		else if (!strcmp(status, "error"))
			r->errors++;
		r->consec++;
		if (r->consec > r->max_consec)
			r->max_consec = r->consec;
		if (!r->first_failure)
			r->first_failure = n;
		r->last_failure = n;
	}
	r->last_status = !strcmp(status, "pass")      ? "pass"
	                 : !strcmp(status, "fail")    ? "fail"
	                 : !strcmp(status, "timeout") ? "timeout"
	                 : !strcmp(status, "error")   ? "error"
	                                              : "skipped";
	if (rss > r->peak_rss)
		r->peak_rss = rss;
	if (strcmp(status, "skipped")) {
		r->recent[r->recent_pos] = !strcmp(status, "pass");
		r->recent_pos = (r->recent_pos + 1) % RECENT;
		if (r->nrecent < RECENT)
			r->nrecent++;
	}
}

/* State files are replaced after every iteration; only the final version is synced to disk. */
static int state_write(const char *path, const cJSON *o, int final, struct soak_err *err)
{
	return final ? soak_json_write(path, o, 1, err) : soak_json_replace(path, o, 1, err);
}

static void write_summary(struct runner *r, const char *state, int exit_code)
{
	struct soak_err err;
	long long done = r->passed + r->failed;
	int64_t now = soak_wall_ms();
	char *path;
	cJSON *o = run_record_new();

	cJSON_AddStringToObject(o, "run_id", r->run_id);
	cJSON_AddStringToObject(o, "state", state);
	run_record_time(o, "started", r->started_wall);
	run_record_time(o, "updated", now);
	if (strcmp(state, "running"))
		run_record_time(o, "ended", now);
	else
		cJSON_AddNullToObject(o, "ended");
	cJSON_AddNumberToObject(o, "elapsed_s", run_elapsed_s(r));
	cJSON_AddNumberToObject(o, "iterations", (double)r->iter);
	cJSON_AddNumberToObject(o, "passed", (double)r->passed);
	/* disjoint: passed + failed + timed_out + errors + skipped = iterations */
	cJSON_AddNumberToObject(o, "failed", (double)(r->failed - r->timed_out - r->errors));
	cJSON_AddNumberToObject(o, "timed_out", (double)r->timed_out);
	cJSON_AddNumberToObject(o, "errors", (double)r->errors);
	cJSON_AddNumberToObject(o, "skipped", (double)r->skipped);
	cJSON_AddNumberToObject(o, "failures", (double)r->failed); /* failed + timed_out + errors */
	soak_json_add_num_or_null(o, "pass_rate", done > 0, done ? (double)r->passed / done : 0);
	cJSON_AddNumberToObject(o, "consecutive_failures", (double)r->consec);
	cJSON_AddNumberToObject(o, "max_consecutive_failures", (double)r->max_consec);
	soak_json_add_num_or_null(o, "first_failure", r->first_failure > 0,
	                          (double)r->first_failure);
	soak_json_add_num_or_null(o, "last_failure", r->last_failure > 0, (double)r->last_failure);
	if (r->last_status)
		cJSON_AddStringToObject(o, "last_status", r->last_status);
	else
		cJSON_AddNullToObject(o, "last_status");
	cJSON_AddNumberToObject(o, "peak_rss_bytes", (double)r->peak_rss);
	if (r->stop_reason)
		cJSON_AddStringToObject(o, "stop_reason", r->stop_reason);
	else
		cJSON_AddNullToObject(o, "stop_reason");
	if (r->gate_reason[0])
		cJSON_AddStringToObject(o, "reason", r->gate_reason);
	if (r->gates)
		cJSON_AddItemToObject(o, "gates", run_gate_json(r));
	if (r->tune)
		cJSON_AddItemToObject(o, "tune", run_tune_json(r));
	if (r->cfg->every_ms > 0) {
		cJSON *e = cJSON_AddObjectToObject(o, "every");
		cJSON_AddNumberToObject(e, "runs", (double)r->every_runs);
		cJSON_AddNumberToObject(e, "failures", (double)r->every_failures);
	}
	soak_json_add_num_or_null(o, "exit_code", exit_code >= 0, exit_code);
	path = soak_path_join(r->dir, "summary.json");
	if (state_write(path, o, strcmp(state, "running") != 0, &err) < 0)
		run_io_fail(r, &err);
	free(path);
	cJSON_Delete(o);
}

static void write_health(struct runner *r, const char *state, int final)
{
	const struct soak_runner_cfg *c = r->cfg;
	struct soak_err err;
	long long done = r->passed + r->failed;
	int64_t now = soak_wall_ms();
	char *path;
	cJSON *o;
	int unhealthy_at = c->max_consecutive > 0 ? (int)c->max_consecutive : UNHEALTHY_DEFAULT;
	int ok = 0, svc_alive = !r->svc_down;

	for (int i = 0; i < r->nrecent; i++)
		ok += r->recent[i];
	o = run_record_new();
	cJSON_AddStringToObject(
	    o, "status",
	    r->consec >= unhealthy_at || (r->svc_starts && !svc_alive) ? "unhealthy" : "healthy");
	run_record_time(o, "updated", now);
	if (r->last_success_wall)
		run_record_time(o, "last_success", r->last_success_wall);
	else
		cJSON_AddNullToObject(o, "last_success");
	soak_json_add_num_or_null(o, "success_rate", done > 0, done ? (double)r->passed / done : 0);
	soak_json_add_num_or_null(o, "recent_success_rate", r->nrecent > 0,
	                          r->nrecent ? (double)ok / r->nrecent : 0);
	cJSON_AddNumberToObject(o, "uptime_s", run_elapsed_s(r));
	cJSON_AddNumberToObject(o, "consecutive_failures", (double)r->consec);
	/* enough to publish as is (soak-canary notify --health): the run's state and totals */
	cJSON_AddStringToObject(o, "run_id", r->run_id);
	cJSON_AddStringToObject(o, "state", state);
	cJSON_AddNumberToObject(o, "iterations", (double)r->iter);
	cJSON_AddNumberToObject(o, "passed", (double)r->passed);
	cJSON_AddNumberToObject(o, "failures", (double)r->failed);
	if (r->last_status)
		cJSON_AddStringToObject(o, "last_status", r->last_status);
	else
		cJSON_AddNullToObject(o, "last_status");
	if (r->svc_starts)
		cJSON_AddBoolToObject(o, "service_alive", svc_alive);
	path = soak_path_join(r->dir, "health.json");
	if (state_write(path, o, final, &err) < 0)
		run_io_fail(r, &err);
	free(path);
	cJSON_Delete(o);
}

/*
 * Rewrite summary.json and health.json: at the end always; while running at
 * most every SUMMARY_EVERY_MS and HEALTH_EVERY_MS, and at once after a failure.
 * (metrics.jsonl holds every iteration; --resume recomputes the totals from it.)
 */
void run_state_write(struct runner *r, const char *state, int exit_code)
{
	int final = strcmp(state, "running") != 0;
	int failed = r->last_status && strcmp(r->last_status, "pass");
	int64_t now = soak_mono_ms();

	if (final || failed || r->summary_at == 0 || now - r->summary_at >= SUMMARY_EVERY_MS) {
		write_summary(r, state, exit_code);
		r->summary_at = now;
	}
	if (final || failed || r->health_at == 0 || now - r->health_at >= HEALTH_EVERY_MS) {
		write_health(r, state, final);
		r->health_at = now;
	}
}
