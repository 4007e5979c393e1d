/*
 * One iteration: its command or its steps (with retries), the KPI file it may
 * write, and its record in metrics.jsonl; a dead service is restarted after it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_int.h"
#include "file.h"
#include "json.h"
#include "os.h"
#include "sig.h"
#include "steps.h"
#include "banned.h"

#define KPI_FILE_MAX (1024 * 1024)

/* Read the KPI file the command may have written; problems become warnings. */
static cJSON *read_kpis(const char *path, cJSON *warnings)
{
	struct soak_err err;
	cJSON *doc = NULL, *kpi;
	char w[SOAK_ERR_MAX + 64];

	if (!soak_path_exists(path))
		return NULL;
	if (soak_json_load(path, KPI_FILE_MAX, &doc, &err) < 0) {
		snprintf(w, sizeof(w), "kpi file: %s", err.msg);
		cJSON_AddItemToArray(warnings, cJSON_CreateString(w));
		soak_os_unlink(path);
		return NULL;
	}
	soak_os_unlink(path);
	if (!cJSON_IsObject(doc)) {
		cJSON_AddItemToArray(
		    warnings, cJSON_CreateString("kpi file: expected a JSON object of numbers"));
		cJSON_Delete(doc);
		return NULL;
	}
	kpi = cJSON_CreateObject();
	for (cJSON *m = doc->child; m; m = m->next) {
		if (cJSON_IsNumber(m) && m->string && *m->string) {
			cJSON_AddNumberToObject(kpi, m->string, m->valuedouble);
		} else {
			snprintf(w, sizeof(w), "kpi file: '%.200s' is not a number; ignored",
			         m->string ? m->string : "");
			cJSON_AddItemToArray(warnings, cJSON_CreateString(w));
		}
	}
	cJSON_Delete(doc);
	return kpi;
}

/* The environment of one iteration or step: SOAK_* first, then the run's, then the step's. */
static char **iter_env(struct runner *r, long long n, const char *kpi_path, const char *step,
                       char **step_env)
{
	const struct soak_runner_cfg *c = r->cfg;
	size_t count = 6, i = 0;
	char num[32];
	char **env, *ovr = run_tune_env(r);

	for (char **e = c->env; e && *e; e++)
		count++;
	for (char **e = step_env; e && *e; e++)
		count++;
	env = calloc(count + 1, sizeof(char *));
	if (!env) {
		free(ovr);
		return NULL;
	}
	snprintf(num, sizeof(num), "%lld", n);
	env[i++] = run_env_entry("SOAK_RUN_ID", r->run_id);
	env[i++] = run_env_entry("SOAK_ITERATION", num);
	env[i++] = run_env_entry("SOAK_DIR", r->dir);
	env[i++] = run_env_entry("SOAK_KPI_FILE", kpi_path);
	if (step)
		env[i++] = run_env_entry("SOAK_STEP", step);
	if (ovr)
		env[i++] = ovr;
	for (char **e = c->env; e && *e; e++)
		env[i++] = strdup(*e);
	for (char **e = step_env; e && *e; e++)
		env[i++] = strdup(*e);
	return env;
}

static void env_free(char **env)
{
	for (char **e = env; e && *e; e++)
		free(*e);
	free(env);
}

/* Run the steps of iteration n; fills rec's "steps" and returns the iteration's exec summary. */
static void run_steps(struct runner *r, long long n, const char *kpi_path, cJSON *rec,
                      struct run_exec_res *total, char *log_rel, size_t log_rel_n)
{
	const struct soak_runner_cfg *c = r->cfg;
	cJSON *steps = cJSON_AddArrayToObject(rec, "steps");
	int64_t start = soak_mono_ms();

	memset(total, 0, sizeof(*total));
	total->status = "pass";
	total->exit_code = 0;
	for (size_t i = 0; i < c->steps.n && !soak_sig_caught(); i++) {
		const struct soak_step *st = &c->steps.v[i];
		char fname[128], rel[256], *path;
		struct run_exec_res x;
		int attempt;
		char **env = iter_env(r, n, kpi_path, st->name, st->env);
		const char *cwd = st->cwd ? st->cwd : c->workdir;

		soak_steps_file_name(st->name, fname, sizeof(fname));
		for (attempt = 1;; attempt++) {
			int64_t timeout = st->timeout_ms;
			if (c->timeout_ms > 0) {
				int64_t left = start + c->timeout_ms - soak_mono_ms();
				if (left < 1)
					left = 1;
				if (timeout == 0 || left < timeout)
					timeout = left;
			}
			if (attempt == 1)
				snprintf(rel, sizeof(rel), "logs/iter-%06lld-%s.log", n, fname);
			else
				snprintf(rel, sizeof(rel), "logs/iter-%06lld-%s.attempt%d.log", n,
				         fname, attempt);
			path = soak_path_join(r->dir, rel);
			run_exec(r, st->argv, cwd, env, timeout, path, &x);
			free(path);
			if (!x.status || x.log_failed || !strcmp(x.status, "pass") ||
			    attempt > st->retries)
				break;
			int64_t wait = st->backoff_ms << (attempt - 1 < 20 ? attempt - 1 : 20);
			run_event(r, "retry", n,
			          "step '%s' %s (%s); attempt %d of %d in %" PRId64 " ms", st->name,
			          x.status, x.reason, attempt + 1, st->retries + 1, wait);
			if (wait > 0 && run_wait(r, wait))
				break;
		}
		env_free(env);
		total->cpu_user_s += x.cpu_user_s;
		total->cpu_sys_s += x.cpu_sys_s;
		if (x.max_rss_bytes > total->max_rss_bytes)
			total->max_rss_bytes = x.max_rss_bytes;
		total->log_bytes += x.log_bytes;
		total->log_dropped += x.log_dropped;
		if (x.log_failed && !total->log_failed) {
			total->log_failed = 1;
			snprintf(total->log_error, sizeof(total->log_error), "%s", x.log_error);
		}
		if (!x.status) { /* cancelled */
			total->status = NULL;
			break;
		}
		cJSON *so = cJSON_CreateObject();
		cJSON_AddStringToObject(so, "name", st->name);
		run_exec_json(so, &x);
		cJSON_AddNumberToObject(so, "attempts", attempt);
		cJSON_AddBoolToObject(so, "allow_failure", st->allow_failure);
		if (x.log_bytes > 0)
			cJSON_AddStringToObject(so, "log", rel);
		if (*x.reason)
			cJSON_AddStringToObject(so, "reason", x.reason);
		cJSON_AddItemToArray(steps, so);
		if (strcmp(x.status, "pass")) {
			char what[192];
			snprintf(what, sizeof(what), "iteration %lld step '%s'%s", n, st->name,
			         st->allow_failure ? " (allowed to fail)" : "");
			run_event(r, "step_fail", n, "step '%s' %s: %s", st->name, x.status,
			          x.reason);
			run_exec_failure_note(r, what, st->argv, cwd, &x, rel);
			if (!st->allow_failure) {
				total->status = x.status;
				total->exit_code = x.exit_code;
				total->signal = x.signal;
				total->timed_out = x.timed_out;
				snprintf(total->reason, sizeof(total->reason), "step '%s': %s",
				         st->name, x.reason);
				if (x.log_bytes > 0)
					snprintf(log_rel, log_rel_n, "%s", rel);
				break;
			}
		}
		if (x.log_bytes > 0)
			snprintf(log_rel, log_rel_n, "%s", rel);
		if (x.log_failed) /* the run ends: no more steps */
			break;
	}
	if (total->status && soak_sig_caught())
		total->status = NULL;
	total->duration_ms = (double)(soak_mono_ms() - start);
}

/* Run iteration n and record it. Returns 0, or 1 when cancelled. */
int run_iter(struct runner *r, long long n)
{
	const struct soak_runner_cfg *c = r->cfg;
	char kname[64], log_rel[256] = "";
	char *kpi_path, *log_path;
	struct run_exec_res x;
	int64_t start_wall = soak_wall_ms(), end_wall;
	uint64_t disk_free = 0, disk_total = 0, mem_avail = 0, peak;
	struct soak_err err;
	cJSON *rec = run_record_new(), *warnings = cJSON_CreateArray(), *kpi;

	r->cur_iter = n;
	memset(&r->iter_peak, 0, sizeof(r->iter_peak));
	r->iter_sampled = 0;
	if (r->ui && r->ui->iteration_start)
		r->ui->iteration_start(r->ui->ctx, n);
	snprintf(kname, sizeof(kname), "iter-%06lld.json", n);
	kpi_path = soak_path_join(r->kpi_dir, kname);
	soak_os_unlink(kpi_path);
	cJSON_AddStringToObject(rec, "run_id", r->run_id);
	cJSON_AddNumberToObject(rec, "iteration", (double)n);
	if (c->steps.n) {
		run_steps(r, n, kpi_path, rec, &x, log_rel, sizeof(log_rel));
	} else {
		char **env = iter_env(r, n, kpi_path, NULL, NULL);
		snprintf(log_rel, sizeof(log_rel), "logs/iter-%06lld.log", n);
		log_path = soak_path_join(r->dir, log_rel);
		run_exec(r, c->command, c->workdir, env, c->timeout_ms, log_path, &x);
		free(log_path);
		env_free(env);
		if (x.status && strcmp(x.status, "pass")) {
			char what[64];
			snprintf(what, sizeof(what), "iteration %lld", n);
			run_exec_failure_note(r, what, c->command, c->workdir, &x, log_rel);
		}
	}
	end_wall = soak_wall_ms();
	/* not recorded, so --resume runs it again: cut short, or its log is lost (a record
	 * would read as a complete iteration) */
	if (x.log_failed)
		run_event(r, "error", n,
		          "iteration %lld%s%s%s is not recorded: %s; --resume runs it again", n,
		          x.status ? " (" : "", x.status ? x.status : "", x.status ? ")" : "",
		          x.log_error);
	else if (!x.status)
		run_event(r, "cancel", n, "iteration %lld was cut short by %s and is not recorded",
		          n, soak_sig_name(soak_sig_caught()));
	if (x.log_failed || !x.status) {
		soak_os_unlink(kpi_path);
		free(kpi_path);
		cJSON_Delete(rec);
		cJSON_Delete(warnings);
		r->cur_iter = 0;
		return !x.status && !x.log_failed;
	}
	if (x.timed_out && !c->steps.n)
		run_event(r, "timeout", n, "iteration %lld %s", n, x.reason);
	run_service_poll(r);
	if (r->svc_down && !strcmp(x.status, "pass")) {
		x.status = "error";
		snprintf(x.reason, sizeof(x.reason), "%s", r->svc_reason);
	}
	kpi = read_kpis(kpi_path, warnings);
	free(kpi_path);
	soak_disk_free(r->dir, &disk_free, &disk_total, &err);
	/* /proc/meminfo is read at each sample; without sampling, here */
	if (c->sample_ms > 0)
		mem_avail = r->mem_avail;
	else
		soak_host_mem_avail(&mem_avail, &err);

	run_record_time(rec, "start", start_wall);
	run_record_time(rec, "end", end_wall);
	cJSON_AddNumberToObject(rec, "duration_ms", x.duration_ms);
	cJSON_AddStringToObject(rec, "status", x.status);
	soak_json_add_num_or_null(rec, "exit_code", x.exit_code >= 0, x.exit_code);
	soak_json_add_num_or_null(rec, "signal", x.signal != 0, x.signal);
	cJSON_AddBoolToObject(rec, "timed_out", x.timed_out);
	if (*x.reason)
		cJSON_AddStringToObject(rec, "reason", x.reason);
	/*
	 * The tree's sampled peak, or the root's own peak when that is higher (short
	 * iterations); null when neither is known (an unsampled command smaller than us).
	 */
	peak = r->iter_peak.rss_bytes > x.max_rss_bytes ? r->iter_peak.rss_bytes : x.max_rss_bytes;
	soak_json_add_num_or_null(rec, "peak_rss_bytes", peak > 0, (double)peak);
	cJSON_AddNumberToObject(rec, "cpu_user_s", x.cpu_user_s);
	cJSON_AddNumberToObject(rec, "cpu_sys_s", x.cpu_sys_s);
	if (r->iter_sampled) {
		cJSON_AddNumberToObject(rec, "threads", (double)r->iter_peak.threads);
		cJSON_AddNumberToObject(rec, "open_fds", (double)r->iter_peak.open_fds);
		cJSON_AddNumberToObject(rec, "procs", (double)r->iter_peak.procs);
	}
	cJSON_AddNumberToObject(rec, "free_disk_bytes", (double)disk_free);
	cJSON_AddNumberToObject(rec, "mem_avail_bytes", (double)mem_avail);
	if (kpi)
		cJSON_AddItemToObject(rec, "kpi", kpi);
	if (x.log_bytes > 0 && log_rel[0])
		cJSON_AddStringToObject(rec, "log", log_rel);
	cJSON_AddNumberToObject(rec, "log_bytes", (double)x.log_bytes);
	cJSON_AddNumberToObject(rec, "log_dropped_bytes", (double)x.log_dropped);
	if (r->svc_starts || c->watch_pid > 0) {
		cJSON *s = cJSON_AddObjectToObject(rec, "service");
		long pid = r->svc ? soak_proc_pid(r->svc) : c->watch_pid;
		cJSON_AddNumberToObject(s, "pid", (double)pid);
		cJSON_AddBoolToObject(s, "alive", r->svc ? !r->svc_down : !r->watch_gone);
		cJSON_AddNumberToObject(s, "restarts", r->svc_starts > 1 ? r->svc_starts - 1 : 0);
		cJSON_AddNumberToObject(s, "rss_bytes", (double)r->svc_last.rss_bytes);
		cJSON_AddNumberToObject(s, "open_fds", (double)r->svc_last.open_fds);
		cJSON_AddNumberToObject(s, "threads", (double)r->svc_last.threads);
	}
	if (cJSON_GetArraySize(warnings) > 0) {
		for (cJSON *w = warnings->child; w; w = w->next)
			run_note(r, SOAK_NOTE_WARNING, NULL, "iteration %lld: %s", n,
			         w->valuestring);
		cJSON_AddItemToObject(rec, "warnings", warnings);
	} else {
		cJSON_Delete(warnings);
	}
	/* the tuning step first: live tune.* gates judge the run with this iteration's step */
	run_tune_step(r, n, rec);
	run_gate_iteration(r, n, rec);
	/* an iteration that metrics.jsonl does not hold is not counted (--resume reruns it) */
	if (run_append(r, &r->metrics, rec) == 0) {
		run_state_tally(r, n, x.status, peak, end_wall);
		run_tune_commit(r);
	}
	r->cur_iter = 0;
	run_state_write(r, "running", -1);
	if (r->ui && r->ui->iteration_end) {
		struct soak_progress p = {n,
		                          c->iterations,
		                          r->passed,
		                          r->failed,
		                          (int64_t)(run_elapsed_s(r) * 1000),
		                          c->duration_ms,
		                          x.status,
		                          x.duration_ms / 1000.0};
		r->ui->iteration_end(r->ui->ctx, &p);
	}
	/* the service died: restart it, or end the run */
	if (r->svc && r->svc_down) {
		if (r->svc_starts <= c->service_restarts && !soak_sig_caught()) {
			soak_proc_free(r->svc);
			r->svc = NULL;
			if (run_service_start(r, &err) < 0) {
				run_note(r, SOAK_NOTE_ERROR, "service",
				         "cannot restart the service: %s", err.msg);
				r->stop_reason = "service_exit";
			}
		} else {
			r->stop_reason = "service_exit";
		}
	}
	return 0;
}
