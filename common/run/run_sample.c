/*
 * samples.jsonl: resources of the iteration's process tree, the service and a
 * watched pid, every --sample interval.
 */
#include <stdio.h>

#include "run_int.h"
#include "file.h"
#include "json.h"
#include "banned.h"

static void sample_write(struct runner *r, const char *scope, long pid, const struct soak_res *s,
                         uint64_t mem_avail, uint64_t disk_free)
{
	cJSON *o = run_record_new();

	run_record_time(o, "t", soak_wall_ms());
	cJSON_AddNumberToObject(o, "elapsed_s", run_elapsed_s(r));
	if (r->cur_iter > 0)
		cJSON_AddNumberToObject(o, "iteration", (double)r->cur_iter);
	cJSON_AddStringToObject(o, "scope", scope);
	cJSON_AddNumberToObject(o, "pid", (double)pid);
	cJSON_AddNumberToObject(o, "rss_bytes", (double)s->rss_bytes);
	cJSON_AddNumberToObject(o, "cpu_user_s", s->cpu_user_s);
	cJSON_AddNumberToObject(o, "cpu_sys_s", s->cpu_sys_s);
	cJSON_AddNumberToObject(o, "threads", (double)s->threads);
	cJSON_AddNumberToObject(o, "open_fds", (double)s->open_fds);
	cJSON_AddNumberToObject(o, "procs", (double)s->procs);
	cJSON_AddNumberToObject(o, "mem_avail_bytes", (double)mem_avail);
	cJSON_AddNumberToObject(o, "free_disk_bytes", (double)disk_free);
	run_append(r, &r->samples, o);
}

/* Take the samples that are due: the iteration's tree (iter_pid > 0), the service, the watched pid.
 */
void run_sample_tick(struct runner *r, long iter_pid)
{
	const struct soak_runner_cfg *c = r->cfg;
	uint64_t mem_avail = 0, disk_free = 0, disk_total = 0;
	struct soak_err err;
	struct soak_res s;
	int64_t now = soak_mono_ms();

	if (c->sample_ms <= 0 || now < r->next_sample)
		return;
	r->next_sample += c->sample_ms;
	if (r->next_sample <= now)
		r->next_sample = now + c->sample_ms;
	soak_host_mem_avail(&mem_avail, &err);
	r->mem_avail = mem_avail;
	soak_disk_free(r->dir, &disk_free, &disk_total, &err);
	if (iter_pid > 0 && soak_res_tree(iter_pid, &s, &err) == 0 && s.procs > 0) {
		soak_res_peak(&r->iter_peak, &s);
		r->iter_sampled = 1;
		sample_write(r, "iteration", iter_pid, &s, mem_avail, disk_free);
	}
	if (r->svc && !r->svc_down && soak_res_tree(soak_proc_pid(r->svc), &s, &err) == 0) {
		r->svc_last = s;
		sample_write(r, "service", soak_proc_pid(r->svc), &s, mem_avail, disk_free);
		run_gate_sample(r, &s);
	}
	if (c->watch_pid > 0 && !r->watch_gone) {
		if (soak_res_tree(c->watch_pid, &s, &err) == 0 && s.procs > 0) {
			r->svc_last = s;
			sample_write(r, "watch", c->watch_pid, &s, mem_avail, disk_free);
			run_gate_sample(r, &s);
		} else {
			r->watch_gone = 1;
			run_event(r, "warning", r->cur_iter, "watched process %ld is gone",
			          c->watch_pid);
			run_note(r, SOAK_NOTE_WARNING, NULL, "watched process %ld is gone",
			         c->watch_pid);
		}
	}
}
