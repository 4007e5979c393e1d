#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/random.h>
#include <unistd.h>

#include "runner.h"
#include "buf.h"
#include "clock.h"
#include "exitcode.h"
#include "file.h"
#include "json.h"
#include "jsonl.h"
#include "logcap.h"
#include "parse.h"
#include "proc.h"
#include "res.h"
#include "sig.h"
#include "banned.h"

#define KPI_FILE_MAX (1024 * 1024)
#define METRICS_LINE_MAX (16 * 1024 * 1024)
#define RECENT 20 /* iterations behind health.json's recent_success_rate */
#define UNHEALTHY_DEFAULT 3
#define CANCEL_GRACE_MS 1500 /* SIGTERM-to-SIGKILL grace when cancelled: exit well within 5 s */
#define SERVICE_POLL_MS 200
#define SUMMARY_EVERY_MS 100
#define HEALTH_EVERY_MS 1000

struct runner {
	const struct soak_runner_cfg *cfg;
	const struct soak_runner_ui *ui;
	char *dir; /* absolute */
	char *kpi_dir;
	char run_id[64];
	struct soak_jsonl_writer metrics, samples, events;
	int64_t t0_mono;
	int64_t started_wall;
	int64_t elapsed_before_ms; /* run time before a --resume */
	int resumed;

	long long iter; /* number of the last finished iteration */
	long long passed, failed, timed_out, errors, skipped;
	long long consec, max_consec, first_failure, last_failure;
	const char *last_status;
	int64_t last_success_wall;
	uint64_t peak_rss;
	unsigned char recent[RECENT];
	int nrecent, recent_pos;

	int64_t next_sample;
	struct soak_res iter_peak;
	int iter_sampled;
	long long cur_iter;

	struct soak_proc *svc;
	struct soak_logcap svc_log;
	int svc_starts;
	int svc_down; /* the service has died and was not (yet) restarted */
	char svc_reason[160];
	struct soak_res svc_last;
	int watch_gone;

	const char *stop_reason;
	int sig;
	int io_failed;
	struct soak_err io_err;
	int64_t summary_at, health_at; /* when they were last written (monotonic ms) */
	uint64_t mem_avail;            /* host available memory at the last sample */
};

/* ---------- small helpers ---------- */

static double elapsed_s(const struct runner *r)
{
	return (double)(r->elapsed_before_ms + soak_mono_ms() - r->t0_mono) / 1000.0;
}

static void note(struct runner *r, enum soak_note kind, const char *title, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void note(struct runner *r, enum soak_note kind, const char *title, const char *fmt, ...)
{
	char text[2048];
	va_list ap;

	if (!r->ui || !r->ui->note)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	r->ui->note(r->ui->ctx, kind, title, text);
}

static void io_fail(struct runner *r, const struct soak_err *err)
{
	if (r->io_failed)
		return;
	r->io_failed = 1;
	r->io_err = *err;
	if (r->io_err.code == 0)
		r->io_err.code = SOAK_EXIT_ENV;
}

static void add_time(cJSON *o, const char *name, int64_t wall_ms)
{
	char ts[SOAK_ISO8601_LEN];
	cJSON_AddStringToObject(o, name, soak_iso8601(wall_ms, ts, sizeof(ts)));
}

static cJSON *record_new(void)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "schema", SOAK_SCHEMA);
	return o;
}

static int append(struct runner *r, struct soak_jsonl_writer *w, cJSON *o)
{
	struct soak_err err;
	int rc = 0;

	if (w->fd >= 0 && (rc = soak_jsonl_append(w, o, &err)) < 0)
		io_fail(r, &err);
	cJSON_Delete(o);
	return rc;
}

static void event(struct runner *r, const char *name, long long iteration, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void event(struct runner *r, const char *name, long long iteration, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	cJSON *o = record_new();

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	add_time(o, "t", soak_wall_ms());
	cJSON_AddStringToObject(o, "program", "soak-run");
	cJSON_AddStringToObject(o, "event", name);
	if (iteration > 0)
		cJSON_AddNumberToObject(o, "iteration", (double)iteration);
	cJSON_AddStringToObject(o, "message", msg);
	append(r, &r->events, o);
}

static void shell_quote(struct soak_buf *b, char *const *argv)
{
	for (char *const *a = argv; *a; a++) {
		const char *s = *a;
		int plain = *s != '\0';
		for (const char *p = s; *p; p++)
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			            "_-./=:,+@%",
			            *p))
				plain = 0;
		if (a != argv)
			soak_buf_adds(b, " ");
		if (plain) {
			soak_buf_adds(b, s);
			continue;
		}
		soak_buf_adds(b, "'");
		for (const char *p = s; *p; p++) {
			if (*p == '\'')
				soak_buf_adds(b, "'\\''");
			else
				soak_buf_add(b, p, 1);
		}
		soak_buf_adds(b, "'");
	}
}

static char *make_env(const char *name, const char *value)
{
	size_t n = strlen(name) + strlen(value) + 2;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s=%s", name, value);
	return s;
}

/* ---------- sampling ---------- */

static void sample_write(struct runner *r, const char *scope, long pid, const struct soak_res *s,
                         uint64_t mem_avail, uint64_t disk_free)
{
	cJSON *o = record_new();

	add_time(o, "t", soak_wall_ms());
	cJSON_AddNumberToObject(o, "elapsed_s", elapsed_s(r));
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
	append(r, &r->samples, o);
}

/* Take the samples that are due: the iteration's tree (iter_pid > 0), the service, the watched pid.
 */
static void sample_tick(struct runner *r, long iter_pid)
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
	}
	if (c->watch_pid > 0 && !r->watch_gone) {
		if (soak_res_tree(c->watch_pid, &s, &err) == 0 && s.procs > 0) {
			r->svc_last = s;
			sample_write(r, "watch", c->watch_pid, &s, mem_avail, disk_free);
		} else {
			r->watch_gone = 1;
			event(r, "warning", r->cur_iter, "watched process %ld is gone",
			      c->watch_pid);
			note(r, SOAK_NOTE_WARNING, NULL, "watched process %ld is gone",
			     c->watch_pid);
		}
	}
}

/* ---------- the service under test ---------- */

static void svc_output(void *ctx, const char *data, size_t n)
{
	soak_logcap_write(ctx, data, n);
}

static int svc_start(struct runner *r, struct soak_err *err)
{
	const struct soak_runner_cfg *c = r->cfg;
	char *argv[] = {"sh", "-c", (char *)c->service, NULL};
	char *env[64];
	size_t ne = 0;
	char *path = soak_path_join(r->dir, "logs/service.log");
	struct soak_spawn sp = {
	    .argv = argv, .cwd = c->workdir, .output = SOAK_PROC_CAPTURE, .stdin_null = 1};
	int ret;

	if (r->svc_starts == 0)
		ret = soak_logcap_open(&r->svc_log, path, c->log_max, err);
	else
		ret = 0;
	free(path);
	if (ret < 0)
		return -1;
	env[ne++] = make_env("SOAK_RUN_ID", r->run_id);
	env[ne++] = make_env("SOAK_DIR", r->dir);
	for (char **e = c->env; e && *e && ne < 62; e++)
		env[ne++] = strdup(*e);
	env[ne] = NULL;
	sp.env_set = env;
	ret = soak_proc_start(&sp, &r->svc, err);
	for (size_t i = 0; i < ne; i++)
		free(env[i]);
	if (ret < 0)
		return -1;
	r->svc_starts++;
	r->svc_down = 0;
	r->svc_reason[0] = '\0';
	event(r, r->svc_starts == 1 ? "service_start" : "service_restart", r->cur_iter,
	      "service started (pid %ld): %s", soak_proc_pid(r->svc), c->service);
	return 0;
}

static void svc_describe(const struct soak_proc *p, char *buf, size_t n)
{
	struct soak_proc_status st;
	soak_proc_get_status(p, &st);
	if (st.signal)
		snprintf(buf, n, "service (pid %ld) was killed by %s", soak_proc_pid(p),
		         soak_sig_name(st.signal));
	else
		snprintf(buf, n, "service (pid %ld) exited with code %d", soak_proc_pid(p),
		         st.exit_code);
}

/* Pump the service's output and notice its death. */
static void svc_poll(struct runner *r)
{
	struct soak_proc_io io = {svc_output, &r->svc_log};
	struct soak_err err;
	int killed;

	if (!r->svc || r->svc_down)
		return;
	if (soak_proc_wait(r->svc, 0, -1, &io, &err) == 1) {
		svc_describe(r->svc, r->svc_reason, sizeof(r->svc_reason));
		soak_proc_kill_tree(r->svc, r->cfg->kill_after_ms, &io, &killed, &err);
		r->svc_down = 1;
		event(r, "service_exit", r->cur_iter, "%s", r->svc_reason);
		note(r, SOAK_NOTE_ERROR, "service died", "%s", r->svc_reason);
	}
}

static void svc_stop(struct runner *r)
{
	struct soak_proc_io io = {svc_output, &r->svc_log};
	struct soak_err err;
	int killed = 0;

	if (!r->svc)
		return;
	/* no iteration runs now: every orphan re-parented to us is the service's */
	soak_proc_set_adopt_orphans(r->svc, 1);
	if (!r->svc_down)
		soak_proc_kill_tree(r->svc, r->sig ? CANCEL_GRACE_MS : r->cfg->kill_after_ms, &io,
		                    &killed, &err);
	soak_proc_free(r->svc);
	r->svc = NULL;
	if (soak_logcap_close(&r->svc_log, &err) < 0)
		io_fail(r, &err);
}

/*
 * Wait ms (less when a signal arrives), sampling and watching the service.
 * Returns 1 when interrupted by a signal.
 */
static int idle(struct runner *r, int64_t ms)
{
	int64_t end = soak_mono_ms() + ms;

	for (;;) {
		int64_t now = soak_mono_ms(), slice = end - now;
		if (slice <= 0)
			return soak_sig_caught() != 0;
		if (r->cfg->sample_ms > 0 && r->next_sample - now < slice)
			slice = r->next_sample - now > 0 ? r->next_sample - now : 0;
		if (r->svc && slice > SERVICE_POLL_MS)
			slice = SERVICE_POLL_MS;
		if (soak_sig_sleep(slice))
			return 1;
		sample_tick(r, 0);
		svc_poll(r);
	}
}

/* ---------- running one command ---------- */

struct exec {
	const char *status; /* pass, fail, timeout, error; NULL when cancelled */
	int exit_code;      /* -1 when none */
	int signal;
	int timed_out;
	double duration_ms;
	double cpu_user_s, cpu_sys_s;
	uint64_t max_rss_bytes; /* of the root process, from the kernel's accounting */
	uint64_t log_bytes, log_dropped;
	int killed;
	char reason[512]; /* why it did not pass */
	char tail[SOAK_LOGCAP_TAIL];
};

static void exec_output(void *ctx, const char *data, size_t n)
{
	soak_logcap_write(ctx, data, n);
}

static int exec_one(struct runner *r, char *const *argv, const char *cwd, char **env,
                    int64_t timeout_ms, const char *log_path, struct exec *x)
{
	const struct soak_runner_cfg *c = r->cfg;
	/* without a service, every orphan re-parented to us comes from this iteration */
	struct soak_spawn sp = {.argv = argv,
	                        .cwd = cwd,
	                        .env_set = env,
	                        .output = SOAK_PROC_CAPTURE,
	                        .stdin_null = 1,
	                        .adopt_orphans = r->svc == NULL};
	struct soak_logcap log;
	struct soak_proc_io io = {exec_output, &log};
	struct soak_proc *p = NULL;
	struct soak_proc_status st;
	struct soak_err err;
	int64_t start = soak_mono_ms(), deadline = timeout_ms > 0 ? start + timeout_ms : -1;
	int64_t start_ns = soak_mono_ns();
	int exited = 0, cancelled = 0;

	memset(x, 0, sizeof(*x));
	x->exit_code = -1;
	if (soak_logcap_open(&log, log_path, c->log_max, &err) < 0) {
		io_fail(r, &err);
		return -1;
	}
	if (soak_proc_start(&sp, &p, &err) < 0) {
		x->status = "error";
		snprintf(x->reason, sizeof(x->reason), "%s", err.msg);
		soak_logcap_write(&log, err.msg, strlen(err.msg));
		soak_logcap_write(&log, "\n", 1);
		if (soak_logcap_close(&log, &err) < 0)
			io_fail(r, &err);
		return 0;
	}
	for (;;) {
		int64_t now = soak_mono_ms(), slice = -1;
		int rc;

		if (deadline >= 0)
			slice = deadline - now > 0 ? deadline - now : 0;
		if (c->sample_ms > 0) {
			int64_t s = r->next_sample - now > 0 ? r->next_sample - now : 0;
			if (slice < 0 || s < slice)
				slice = s;
		}
		if (r->svc && (slice < 0 || slice > SERVICE_POLL_MS))
			slice = SERVICE_POLL_MS;
		rc = soak_proc_wait(p, slice, 1, &io, &err);
		if (rc == 1) {
			exited = 1;
			break;
		}
		if (rc < 0) {
			snprintf(x->reason, sizeof(x->reason), "%s", err.msg);
			x->status = "error";
			break;
		}
		if (soak_sig_caught()) {
			cancelled = 1;
			break;
		}
		sample_tick(r, soak_proc_pid(p));
		svc_poll(r);
		if (deadline >= 0 && soak_mono_ms() >= deadline) {
			x->timed_out = 1;
			break;
		}
	}
	/* One last look at the tree before the root is gone, for short iterations. */
	if (!exited && !r->iter_sampled) {
		struct soak_res s;
		if (soak_res_tree(soak_proc_pid(p), &s, &err) == 0 && s.procs > 0) {
			soak_res_peak(&r->iter_peak, &s);
			r->iter_sampled = 1;
		}
	}
	if (soak_proc_kill_tree(p, cancelled ? CANCEL_GRACE_MS : c->kill_after_ms, &io, &x->killed,
	                        &err) < 0)
		event(r, "error", r->cur_iter, "%s", err.msg);
	soak_proc_get_status(p, &st);
	soak_proc_free(p);
	x->duration_ms = (double)(soak_mono_ns() - start_ns) / 1e6;
	x->cpu_user_s = st.cpu_user_s;
	x->cpu_sys_s = st.cpu_sys_s;
	x->max_rss_bytes = st.max_rss_bytes;
	x->exit_code = st.exited && !st.signal ? st.exit_code : -1;
	x->signal = st.signal;
	if (cancelled) {
		x->status = NULL;
	} else if (x->status) {
		/* error already set */
	} else if (x->timed_out) {
		char d[32];
		x->status = "timeout";
		snprintf(x->reason, sizeof(x->reason), "timed out after %s; killed %d process%s",
		         soak_format_duration(timeout_ms, d, sizeof(d)), x->killed,
		         x->killed == 1 ? "" : "es");
	} else if (exited && x->exit_code == 0) {
		x->status = "pass";
	} else {
		x->status = "fail";
		if (x->signal)
			snprintf(x->reason, sizeof(x->reason), "killed by %s",
			         soak_sig_name(x->signal));
		else
			snprintf(x->reason, sizeof(x->reason), "exit code %d", x->exit_code);
	}
	if (x->status && !x->timed_out && x->killed > 0)
		event(r, "kill", r->cur_iter, "killed %d leftover process%s of iteration %lld",
		      x->killed, x->killed == 1 ? "" : "es", r->cur_iter);
	soak_logcap_tail(&log, x->tail, sizeof(x->tail));
	x->log_bytes = log.total;
	x->log_dropped = soak_logcap_dropped(&log);
	if (soak_logcap_close(&log, &err) < 0)
		io_fail(r, &err);
	return 0;
}

/* Tell the user exactly what failed and how to look at it. */
static void failure_note(struct runner *r, const char *what, char *const *argv, const char *cwd,
                         const struct exec *x, const char *log_rel)
{
	struct soak_buf cmd, tail;
	char title[160], here[PATH_MAX];
	const char *t = x->tail;
	int lines = 0;

	soak_buf_init(&cmd, 8192);
	shell_quote(&cmd, argv);
	/* the last 20 lines of output */
	for (const char *p = x->tail + strlen(x->tail); p > x->tail; p--) {
		if (p[-1] == '\n' && p[0] != '\0' && ++lines > 20) {
			t = p;
			break;
		}
	}
	soak_buf_init(&tail, 2 * SOAK_LOGCAP_TAIL);
	soak_buf_adds(&tail, t);
	if (!cwd)
		cwd = getcwd(here, sizeof(here)) ? here : ".";
	snprintf(title, sizeof(title), "%s %s", what, x->status);
	if (x->log_bytes > 0)
		note(r, SOAK_NOTE_ERROR, title,
		     "command: %s\ncwd: %s\nstatus: %s%s%s\nlog: %s/%s\n--- last output ---\n%s",
		     soak_buf_str(&cmd), cwd, x->status, *x->reason ? ", " : "", x->reason, r->dir,
		     log_rel, soak_buf_str(&tail));
	else
		note(r, SOAK_NOTE_ERROR, title, "command: %s\ncwd: %s\nstatus: %s%s%s\n(no output)",
		     soak_buf_str(&cmd), cwd, x->status, *x->reason ? ", " : "", x->reason);
	soak_buf_free(&cmd);
	soak_buf_free(&tail);
}

static void exec_json(cJSON *o, const struct exec *x)
{
	cJSON_AddStringToObject(o, "status", x->status);
	soak_json_add_num_or_null(o, "exit_code", x->exit_code >= 0, x->exit_code);
	soak_json_add_num_or_null(o, "signal", x->signal != 0, x->signal);
	cJSON_AddBoolToObject(o, "timed_out", x->timed_out);
	cJSON_AddNumberToObject(o, "duration_ms", x->duration_ms);
}

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
		unlink(path);
		return NULL;
	}
	unlink(path);
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

/* Fold one finished iteration into the running totals. */
static void tally(struct runner *r, long long n, const char *status, uint64_t rss, int64_t end_wall)
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
	cJSON *o = record_new();

	cJSON_AddStringToObject(o, "run_id", r->run_id);
	cJSON_AddStringToObject(o, "state", state);
	add_time(o, "started", r->started_wall);
	add_time(o, "updated", now);
	if (strcmp(state, "running"))
		add_time(o, "ended", now);
	else
		cJSON_AddNullToObject(o, "ended");
	cJSON_AddNumberToObject(o, "elapsed_s", elapsed_s(r));
	cJSON_AddNumberToObject(o, "iterations", (double)r->iter);
	cJSON_AddNumberToObject(o, "passed", (double)r->passed);
	cJSON_AddNumberToObject(o, "failed", (double)r->failed);
	cJSON_AddNumberToObject(o, "timed_out", (double)r->timed_out);
	cJSON_AddNumberToObject(o, "errors", (double)r->errors);
	cJSON_AddNumberToObject(o, "skipped", (double)r->skipped);
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
	soak_json_add_num_or_null(o, "exit_code", exit_code >= 0, exit_code);
	path = soak_path_join(r->dir, "summary.json");
	if (state_write(path, o, strcmp(state, "running") != 0, &err) < 0)
		io_fail(r, &err);
	free(path);
	cJSON_Delete(o);
}

static void write_health(struct runner *r, int final)
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
	o = record_new();
	cJSON_AddStringToObject(
	    o, "status",
	    r->consec >= unhealthy_at || (r->svc_starts && !svc_alive) ? "unhealthy" : "healthy");
	add_time(o, "updated", now);
	if (r->last_success_wall)
		add_time(o, "last_success", r->last_success_wall);
	else
		cJSON_AddNullToObject(o, "last_success");
	soak_json_add_num_or_null(o, "success_rate", done > 0, done ? (double)r->passed / done : 0);
	soak_json_add_num_or_null(o, "recent_success_rate", r->nrecent > 0,
	                          r->nrecent ? (double)ok / r->nrecent : 0);
	cJSON_AddNumberToObject(o, "uptime_s", elapsed_s(r));
	cJSON_AddNumberToObject(o, "consecutive_failures", (double)r->consec);
	if (r->svc_starts)
		cJSON_AddBoolToObject(o, "service_alive", svc_alive);
	path = soak_path_join(r->dir, "health.json");
	if (state_write(path, o, final, &err) < 0)
		io_fail(r, &err);
	free(path);
	cJSON_Delete(o);
}

/*
 * Rewrite summary.json and health.json: at the end always; while running at
 * most every SUMMARY_EVERY_MS and HEALTH_EVERY_MS, and at once after a failure.
 * (metrics.jsonl holds every iteration; --resume recomputes the totals from it.)
 */
static void write_state(struct runner *r, const char *state, int exit_code)
{
	int final = strcmp(state, "running") != 0;
	int failed = r->last_status && strcmp(r->last_status, "pass");
	int64_t now = soak_mono_ms();

	if (final || failed || r->summary_at == 0 || now - r->summary_at >= SUMMARY_EVERY_MS) {
		write_summary(r, state, exit_code);
		r->summary_at = now;
	}
	if (final || failed || r->health_at == 0 || now - r->health_at >= HEALTH_EVERY_MS) {
		write_health(r, final);
		r->health_at = now;
	}
}

/* The environment of one iteration or step: SOAK_* first, then the run's, then the step's. */
static char **iter_env(struct runner *r, long long n, const char *kpi_path, const char *step,
                       char **step_env)
{
	const struct soak_runner_cfg *c = r->cfg;
	size_t count = 5, i = 0;
	char num[32];
	char **env;

	for (char **e = c->env; e && *e; e++)
		count++;
	for (char **e = step_env; e && *e; e++)
		count++;
	env = calloc(count + 1, sizeof(char *));
	if (!env)
		return NULL;
	snprintf(num, sizeof(num), "%lld", n);
	env[i++] = make_env("SOAK_RUN_ID", r->run_id);
	env[i++] = make_env("SOAK_ITERATION", num);
	env[i++] = make_env("SOAK_DIR", r->dir);
	env[i++] = make_env("SOAK_KPI_FILE", kpi_path);
	if (step)
		env[i++] = make_env("SOAK_STEP", step);
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
                      struct exec *total, char *log_rel, size_t log_rel_n)
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
		struct exec x;
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
			exec_one(r, st->argv, cwd, env, timeout, path, &x);
			free(path);
			if (!x.status || !strcmp(x.status, "pass") || attempt > st->retries)
				break;
			int64_t wait = st->backoff_ms << (attempt - 1 < 20 ? attempt - 1 : 20);
			event(r, "retry", n,
			      "step '%s' %s (%s); attempt %d of %d in %" PRId64 " ms", st->name,
			      x.status, x.reason, attempt + 1, st->retries + 1, wait);
			if (wait > 0 && idle(r, wait))
				break;
		}
		env_free(env);
		total->cpu_user_s += x.cpu_user_s;
		total->cpu_sys_s += x.cpu_sys_s;
		if (x.max_rss_bytes > total->max_rss_bytes)
			total->max_rss_bytes = x.max_rss_bytes;
		total->log_bytes += x.log_bytes;
		total->log_dropped += x.log_dropped;
		if (!x.status) { /* cancelled */
			total->status = NULL;
			break;
		}
		cJSON *so = cJSON_CreateObject();
		cJSON_AddStringToObject(so, "name", st->name);
		exec_json(so, &x);
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
			event(r, "step_fail", n, "step '%s' %s: %s", st->name, x.status, x.reason);
			failure_note(r, what, st->argv, cwd, &x, rel);
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
	}
	if (total->status && soak_sig_caught())
		total->status = NULL;
	total->duration_ms = (double)(soak_mono_ms() - start);
}

/* Run iteration n and record it. Returns 0, or 1 when cancelled. */
static int iteration(struct runner *r, long long n)
{
	const struct soak_runner_cfg *c = r->cfg;
	char kname[64], log_rel[256] = "";
	char *kpi_path, *log_path;
	struct exec x;
	int64_t start_wall = soak_wall_ms(), end_wall;
	uint64_t disk_free = 0, disk_total = 0, mem_avail = 0, peak;
	struct soak_err err;
	cJSON *rec = record_new(), *warnings = cJSON_CreateArray(), *kpi;

	r->cur_iter = n;
	memset(&r->iter_peak, 0, sizeof(r->iter_peak));
	r->iter_sampled = 0;
	if (r->ui && r->ui->iteration_start)
		r->ui->iteration_start(r->ui->ctx, n);
	snprintf(kname, sizeof(kname), "iter-%06lld.json", n);
	kpi_path = soak_path_join(r->kpi_dir, kname);
	unlink(kpi_path);
	cJSON_AddStringToObject(rec, "run_id", r->run_id);
	cJSON_AddNumberToObject(rec, "iteration", (double)n);
	if (c->steps.n) {
		run_steps(r, n, kpi_path, rec, &x, log_rel, sizeof(log_rel));
	} else {
		char **env = iter_env(r, n, kpi_path, NULL, NULL);
		snprintf(log_rel, sizeof(log_rel), "logs/iter-%06lld.log", n);
		log_path = soak_path_join(r->dir, log_rel);
		exec_one(r, c->command, c->workdir, env, c->timeout_ms, log_path, &x);
		free(log_path);
		env_free(env);
		if (x.status && strcmp(x.status, "pass")) {
			char what[64];
			snprintf(what, sizeof(what), "iteration %lld", n);
			failure_note(r, what, c->command, c->workdir, &x, log_rel);
		}
	}
	end_wall = soak_wall_ms();
	if (!x.status) {
		event(r, "cancel", n, "iteration %lld was cut short by %s and is not recorded", n,
		      soak_sig_name(soak_sig_caught()));
		unlink(kpi_path);
		free(kpi_path);
		cJSON_Delete(rec);
		cJSON_Delete(warnings);
		r->cur_iter = 0;
		return 1;
	}
	if (x.timed_out && !c->steps.n)
		event(r, "timeout", n, "iteration %lld %s", n, x.reason);
	svc_poll(r);
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

	add_time(rec, "start", start_wall);
	add_time(rec, "end", end_wall);
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
			note(r, SOAK_NOTE_WARNING, NULL, "iteration %lld: %s", n, w->valuestring);
		cJSON_AddItemToObject(rec, "warnings", warnings);
	} else {
		cJSON_Delete(warnings);
	}
	/* an iteration that metrics.jsonl does not hold is not counted (--resume reruns it) */
	if (append(r, &r->metrics, rec) == 0)
		tally(r, n, x.status, peak, end_wall);
	r->cur_iter = 0;
	write_state(r, "running", -1);
	if (r->ui && r->ui->iteration_end) {
		struct soak_progress p = {n,
		                          c->iterations,
		                          r->passed,
		                          r->failed,
		                          (int64_t)(elapsed_s(r) * 1000),
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
			if (svc_start(r, &err) < 0) {
				note(r, SOAK_NOTE_ERROR, "service",
				     "cannot restart the service: %s", err.msg);
				r->stop_reason = "service_exit";
			}
		} else {
			r->stop_reason = "service_exit";
		}
	}
	return 0;
}

/* ---------- the run ---------- */

static void make_run_id(char *buf, size_t n)
{
	unsigned char rnd[3] = {0, 0, 0};
	char ts[SOAK_ISO8601_LEN];
	char compact[32];
	size_t j = 0;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		long p = (long)getpid();
		rnd[0] = (unsigned char)p;
		rnd[1] = (unsigned char)(p >> 8);
		rnd[2] = (unsigned char)soak_mono_ns();
	}
	soak_iso8601(soak_wall_ms(), ts, sizeof(ts));
	/* 2026-11-22T04:18:21.123Z -> 20261122T041821Z */
	for (size_t i = 0; ts[i] && ts[i] != '.' && j < sizeof(compact) - 2; i++)
		if (ts[i] != '-' && ts[i] != ':')
			compact[j++] = ts[i];
	compact[j++] = 'Z';
	compact[j] = '\0';
	snprintf(buf, n, "%s-%02x%02x%02x", compact, rnd[0], rnd[1], rnd[2]);
}

static cJSON *ci_facts(void)
{
	static const char *const vars[][2] = {
	    {"run_id", "GITHUB_RUN_ID"},
	    {"run_number", "GITHUB_RUN_NUMBER"},
	    {"run_attempt", "GITHUB_RUN_ATTEMPT"},
	    {"workflow", "GITHUB_WORKFLOW"},
	    {"job", "GITHUB_JOB"},
	    {"runner_name", "RUNNER_NAME"},
	    {"runner_os", "RUNNER_OS"},
	    {"runner_arch", "RUNNER_ARCH"},
	    {"sha", "GITHUB_SHA"},
	    {"ref", "GITHUB_REF"},
	    {"repository", "GITHUB_REPOSITORY"},
	    {"event", "GITHUB_EVENT_NAME"},
	};
	const char *gha = getenv("GITHUB_ACTIONS");
	cJSON *o;

	if (!gha || strcmp(gha, "true"))
		return NULL;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "provider", "github");
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i][1]);
		if (v)
			cJSON_AddStringToObject(o, vars[i][0], v);
	}
	return o;
}

static int write_run_json(struct runner *r, cJSON *resumed, struct soak_err *err)
{
	const struct soak_runner_cfg *c = r->cfg;
	struct soak_host h;
	uint64_t disk_free = 0, disk_total = 0;
	char here[PATH_MAX];
	cJSON *o = record_new(), *ci;
	char *path;
	int ret;

	cJSON_AddStringToObject(o, "run_id", r->run_id);
	add_time(o, "started", r->started_wall);
	cJSON_AddItemToObject(o, "resumed", resumed ? resumed : cJSON_CreateArray());
	cJSON *tool = cJSON_AddObjectToObject(o, "tool");
	cJSON_AddStringToObject(tool, "name", "soak-run");
	cJSON_AddStringToObject(tool, "version", SOAK_VERSION);
	cJSON_AddStringToObject(o, "dir", r->dir);
	cJSON_AddStringToObject(o, "cwd", getcwd(here, sizeof(here)) ? here : ".");
	if (c->command) {
		cJSON *cmd = cJSON_AddArrayToObject(o, "command");
		for (char **a = c->command; *a; a++)
			cJSON_AddItemToArray(cmd, cJSON_CreateString(*a));
	}
	if (c->steps.n)
		cJSON_AddItemToObject(o, "steps", soak_steps_to_json(&c->steps));
	if (c->config)
		cJSON_AddItemReferenceToObject(o, "config", c->config);
	cJSON *host = cJSON_AddObjectToObject(o, "host");
	if (soak_host_read(&h, err) == 0) {
		cJSON_AddStringToObject(host, "os", h.os);
		cJSON_AddStringToObject(host, "kernel", h.kernel);
		cJSON_AddStringToObject(host, "arch", h.arch);
		cJSON_AddStringToObject(host, "hostname", h.hostname);
		cJSON_AddNumberToObject(host, "cpus", h.cpus);
		cJSON_AddNumberToObject(host, "mem_total_bytes", (double)h.mem_total);
		cJSON_AddNumberToObject(host, "mem_avail_bytes", (double)h.mem_avail);
	}
	if (soak_disk_free(r->dir, &disk_free, &disk_total, err) == 0) {
		cJSON_AddNumberToObject(host, "disk_free_bytes", (double)disk_free);
		cJSON_AddNumberToObject(host, "disk_total_bytes", (double)disk_total);
	}
	if ((ci = ci_facts()))
		cJSON_AddItemToObject(o, "ci", ci);
	path = soak_path_join(r->dir, "run.json");
	ret = soak_json_write(path, o, 1, err);
	free(path);
	cJSON_Delete(o);
	return ret;
}

static const char *const run_files[] = {
    "run.json", "metrics.jsonl", "samples.jsonl", "events.jsonl", "summary.json", "health.json",
    NULL};

static int remove_dir_files(const char *dir, struct soak_err *err);

static int start_over(struct runner *r, struct soak_err *err)
{
	char *p;

	for (const char *const *f = run_files; *f; f++) {
		p = soak_path_join(r->dir, *f);
		if (unlink(p) < 0 && errno != ENOENT) {
			soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot remove '%s'", p);
			free(p);
			return -1;
		}
		free(p);
	}
	p = soak_path_join(r->dir, "logs");
	int ret = remove_dir_files(p, err);
	free(p);
	return ret;
}

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
		event(r, "warning", 0, "cut a partial last line of %zu bytes from metrics.jsonl",
		      cut);
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
				tally(r, (long long)it->valuedouble, st->valuestring,
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

static int open_run(struct runner *r, struct soak_err *err)
{
	const struct soak_runner_cfg *c = r->cfg;
	char *run_path = soak_path_join(r->dir, "run.json");
	char *metrics_path = soak_path_join(r->dir, "metrics.jsonl");
	char *p;
	cJSON *resumed = NULL, *old = NULL;
	int existing = soak_path_exists(run_path) || soak_path_exists(metrics_path);
	int ret = -1;

	if (existing && !c->resume && !c->force) {
		soak_err_set(err, SOAK_EXIT_USAGE,
		             "soak directory '%s' already holds a run: use --resume to continue "
		             "it, --force to start over, or another --dir",
		             c->dir);
		goto out;
	}
	if (existing && c->force && !c->resume && start_over(r, err) < 0)
		goto out;
	if (existing && c->resume) {
		const cJSON *id, *started, *res;
		if (soak_json_load(run_path, 16 * 1024 * 1024, &old, err) < 0 ||
		    soak_schema_check(old, "run.json", err) < 0)
			goto out;
		id = cJSON_GetObjectItemCaseSensitive(old, "run_id");
		started = cJSON_GetObjectItemCaseSensitive(old, "started");
		if (!cJSON_IsString(id) || !cJSON_IsString(started) ||
		    soak_iso8601_parse(started->valuestring, &r->started_wall) < 0) {
			soak_err_set(err, SOAK_EXIT_INPUT,
			             "'%s' has no valid run_id and started: cannot resume",
			             run_path);
			goto out;
		}
		snprintf(r->run_id, sizeof(r->run_id), "%s", id->valuestring);
		res = cJSON_GetObjectItemCaseSensitive(old, "resumed");
		resumed = cJSON_IsArray(res) ? cJSON_Duplicate(res, 1) : cJSON_CreateArray();
		char ts[SOAK_ISO8601_LEN];
		cJSON_AddItemToArray(
		    resumed, cJSON_CreateString(soak_iso8601(soak_wall_ms(), ts, sizeof(ts))));
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
	} else {
		r->started_wall = soak_wall_ms();
		if (c->run_id)
			snprintf(r->run_id, sizeof(r->run_id), "%s", c->run_id);
		else
			make_run_id(r->run_id, sizeof(r->run_id));
	}
	ret = write_run_json(r, resumed, err);
	resumed = NULL; /* run.json's document took it */
	if (ret < 0)
		goto out;
	ret = -1;
	if (soak_jsonl_open(&r->metrics, metrics_path, err) < 0)
		goto out;
	p = soak_path_join(r->dir, "samples.jsonl");
	ret = soak_jsonl_open(&r->samples, p, err);
	free(p);
	if (ret < 0)
		goto out;
	p = soak_path_join(r->dir, "events.jsonl");
	ret = soak_jsonl_open(&r->events, p, err);
	free(p);
out:
	cJSON_Delete(resumed);
	cJSON_Delete(old);
	free(run_path);
	free(metrics_path);
	return ret;
}

static int remove_dir_files(const char *dir, struct soak_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return errno == ENOENT
		           ? 0
		           : soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot open '%s'", dir);
	while ((e = readdir(d))) {
		char *p;
		if (e->d_name[0] == '.')
			continue;
		p = soak_path_join(dir, e->d_name);
		if (unlink(p) < 0 && errno != ENOENT && errno != EISDIR && errno != EPERM) {
			soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot remove '%s'", p);
			free(p);
			closedir(d);
			return -1;
		}
		free(p);
	}
	closedir(d);
	return 0;
}

static char *absolute(const char *path)
{
	char here[PATH_MAX];

	if (path[0] == '/')
		return strdup(path);
	if (!getcwd(here, sizeof(here)))
		return NULL;
	return soak_path_join(here, path);
}

/*
 * Remove what a soak-run killed while replacing run.json, summary.json or
 * health.json left behind: "NAME.tmp.PID.RANDOM" (file.c), when PID is gone.
 */
static void remove_stale_tmp(const char *dir)
{
	static const char *const names[] = {"run.json.tmp.", "summary.json.tmp.",
	                                    "health.json.tmp."};
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			size_t n = strlen(names[i]);
			char *end;
			long pid;

			if (strncmp(e->d_name, names[i], n))
				continue;
			errno = 0;
			pid = strtol(e->d_name + n, &end, 10);
			if (errno || *end != '.' || pid <= 0 || pid == (long)getpid())
				continue;
			if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
				unlinkat(dirfd(d), e->d_name, 0);
		}
	}
	closedir(d);
}

static int prepare_dir(struct runner *r, struct soak_err *err)
{
	char *logs;
	int ret;

	r->dir = absolute(r->cfg->dir);
	if (!r->dir)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot resolve '%s'",
		                      r->cfg->dir);
	if (soak_mkdir_p(r->dir, err) < 0 || soak_dir_check_writable(r->dir, err) < 0)
		return soak_err_prefix(err, "soak directory");
	remove_stale_tmp(r->dir);
	logs = soak_path_join(r->dir, "logs");
	r->kpi_dir = soak_path_join(r->dir, "kpi");
	ret = soak_mkdir_p(logs, err);
	free(logs);
	if (ret == 0)
		ret = soak_mkdir_p(r->kpi_dir, err);
	return ret;
}

/* The reason to stop before starting iteration n, or NULL to go on. */
static const char *stop_before(struct runner *r, long long n)
{
	const struct soak_runner_cfg *c = r->cfg;
	uint64_t disk_free, disk_total;
	struct soak_err err;
	char a[32], b[32];

	if (c->iterations > 0 && n > c->iterations)
		return "iterations";
	if (c->duration_ms > 0 && elapsed_s(r) * 1000 >= (double)c->duration_ms)
		return "duration";
	if (c->min_free_disk > 0 && soak_disk_free(r->dir, &disk_free, &disk_total, &err) == 0 &&
	    disk_free < c->min_free_disk) {
		note(r, SOAK_NOTE_ERROR, "disk guard",
		     "free disk of '%s' is %s, below --min-free-disk %s: stopping before it fills",
		     r->dir, soak_format_size(disk_free, a, sizeof(a)),
		     soak_format_size(c->min_free_disk, b, sizeof(b)));
		return "min_free_disk";
	}
	return NULL;
}

/* The reason to stop after an iteration, or NULL. */
static const char *stop_after(struct runner *r)
{
	const struct soak_runner_cfg *c = r->cfg;

	if (r->stop_reason)
		return r->stop_reason;
	if (c->fail_fast && r->failed > 0)
		return "fail_fast";
	if (c->max_failures >= 0 && r->failed > c->max_failures)
		return "max_failures";
	if (c->max_consecutive > 0 && r->consec >= c->max_consecutive)
		return "max_consecutive_failures";
	return NULL;
}

static int final_exit(const struct runner *r, const char **state)
{
	const struct soak_runner_cfg *c = r->cfg;

	if (r->sig) {
		*state = "cancelled";
		return soak_sig_exit_code(r->sig);
	}
	if (r->io_failed) {
		*state = "aborted";
		return SOAK_EXIT_ENV;
	}
	if (r->stop_reason && strcmp(r->stop_reason, "iterations") &&
	    strcmp(r->stop_reason, "duration")) {
		*state = "aborted";
		return SOAK_EXIT_FAIL;
	}
	*state = "completed";
	if (r->failed == 0 || (c->max_failures >= 0 && r->failed <= c->max_failures))
		return SOAK_EXIT_OK;
	return SOAK_EXIT_FAIL;
}

int soak_runner_run(const struct soak_runner_cfg *cfg, const struct soak_runner_ui *ui,
                    struct soak_runner_result *res, struct soak_err *err)
{
	struct runner r;
	const char *state = "completed";
	int code;

	memset(&r, 0, sizeof(r));
	memset(res, 0, sizeof(*res));
	r.cfg = cfg;
	r.ui = ui;
	r.metrics.fd = r.samples.fd = r.events.fd = -1;
	if (soak_sig_init(err) < 0)
		return -1;
	if (prepare_dir(&r, err) < 0 || open_run(&r, err) < 0) {
		soak_jsonl_close(&r.metrics);
		soak_jsonl_close(&r.samples);
		soak_jsonl_close(&r.events);
		free(r.dir);
		free(r.kpi_dir);
		return -1;
	}
	r.t0_mono = soak_mono_ms();
	r.next_sample = r.t0_mono;
	if (r.resumed)
		event(&r, "resume", 0, "resumed run %s after iteration %lld", r.run_id, r.iter);
	else
		event(&r, "start", 0, "run %s started", r.run_id);
	write_state(&r, "running", -1);

	if (cfg->service) {
		if (svc_start(&r, err) < 0) {
			event(&r, "error", 0, "cannot start the service: %s", err->msg);
			r.stop_reason = "service_exit";
			note(&r, SOAK_NOTE_ERROR, "service", "cannot start the service: %s",
			     err->msg);
		} else if (cfg->service_wait_ms > 0) {
			idle(&r, cfg->service_wait_ms);
		}
	}
	while (!r.io_failed && !soak_sig_caught() && !r.stop_reason) {
		long long n = r.iter + 1;
		const char *why = stop_before(&r, n);
		if (why) {
			r.stop_reason = why;
			break;
		}
		if (iteration(&r, n))
			break;
		if ((why = stop_after(&r))) {
			r.stop_reason = why;
			break;
		}
		if (cfg->heartbeat_ms > 0) {
			int64_t hb = cfg->heartbeat_ms;
			if (cfg->duration_ms > 0) {
				int64_t left = cfg->duration_ms - (int64_t)(elapsed_s(&r) * 1000);
				if (left < hb)
					hb = left > 0 ? left : 0;
			}
			if (!(cfg->iterations > 0 && n >= cfg->iterations) && idle(&r, hb))
				break;
		} else {
			sample_tick(&r, 0);
		}
	}
	r.sig = soak_sig_caught();
	svc_stop(&r);
	if (r.stop_reason && strcmp(r.stop_reason, "iterations") &&
	    strcmp(r.stop_reason, "duration"))
		event(&r, "stop", 0, "stopped: %s", r.stop_reason);
	code = final_exit(&r, &state);
	if (r.sig)
		event(&r, "cancel", 0, "cancelled by %s after %lld iterations",
		      soak_sig_name(r.sig), r.iter);
	event(&r, "end", 0, "run %s %s after %lld iterations: %lld passed, %lld failed", r.run_id,
	      state, r.iter, r.passed, r.failed);
	write_state(&r, state, r.io_failed ? SOAK_EXIT_ENV : code);
	soak_jsonl_close(&r.metrics);
	soak_jsonl_close(&r.samples);
	soak_jsonl_close(&r.events);

	res->state = state;
	res->stop_reason = r.stop_reason;
	res->iterations = r.iter;
	res->passed = r.passed;
	res->failed = r.failed;
	snprintf(res->run_id, sizeof(res->run_id), "%s", r.run_id);
	res->exit_code = code;
	free(r.dir);
	free(r.kpi_dir);
	if (r.io_failed) {
		*err = r.io_err;
		res->exit_code = err->code;
		return -1;
	}
	return 0;
}

static int check_command(char *const *argv, const char *what, struct soak_err *err)
{
	char *path = soak_proc_which(argv[0]);

	if (!path)
		return soak_err_errno(err, SOAK_EXIT_USAGE, errno, "%s: cannot run '%s'", what,
		                      argv[0]);
	free(path);
	return 0;
}

int soak_runner_check(const struct soak_runner_cfg *cfg, struct soak_err *err)
{
	char *dir, *probe = NULL;
	uint64_t disk_free = 0, disk_total = 0;
	char a[32], b[32];

	if (cfg->command && check_command(cfg->command, "command", err) < 0)
		return -1;
	for (size_t i = 0; i < cfg->steps.n; i++) {
		char what[160];
		snprintf(what, sizeof(what), "step '%s'", cfg->steps.v[i].name);
		if (check_command(cfg->steps.v[i].argv, what, err) < 0)
			return -1;
	}
	if (cfg->service) {
		char *argv[] = {"sh", NULL};
		if (check_command(argv, "service", err) < 0)
			return -1;
	}
	/* the directory, or its nearest existing parent, must be writable */
	dir = absolute(cfg->dir);
	if (!dir)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot resolve '%s'", cfg->dir);
	probe = strdup(dir);
	while (!soak_path_exists(probe)) {
		char *slash = strrchr(probe, '/');
		if (slash == probe) {
			probe[1] = '\0';
			break;
		}
		*slash = '\0';
	}
	if (soak_dir_check_writable(probe, err) < 0) {
		soak_err_prefix(err, "soak directory '%s'", cfg->dir);
		free(probe);
		free(dir);
		return -1;
	}
	if (soak_disk_free(probe, &disk_free, &disk_total, err) < 0) {
		free(probe);
		free(dir);
		return -1;
	}
	free(probe);
	free(dir);
	if (cfg->min_free_disk > 0 && disk_free < cfg->min_free_disk)
		return soak_err_set(err, SOAK_EXIT_ENV, "free disk is %s, below --min-free-disk %s",
		                    soak_format_size(disk_free, a, sizeof(a)),
		                    soak_format_size(cfg->min_free_disk, b, sizeof(b)));
	return 0;
}

int soak_runner_replay_command(const char *run_json, struct soak_runner_cfg *cfg,
                               struct soak_err *err)
{
	const cJSON *cmd, *steps;
	cJSON *doc;
	int ret = -1;

	if (soak_json_load(run_json, 16 * 1024 * 1024, &doc, err) < 0)
		return -1;
	if (soak_schema_check(doc, run_json, err) < 0) {
		cJSON_Delete(doc);
		return -1;
	}
	cmd = cJSON_GetObjectItemCaseSensitive(doc, "command");
	steps = cJSON_GetObjectItemCaseSensitive(doc, "steps");
	if (cJSON_IsArray(steps)) {
		ret = soak_steps_from_json(doc, run_json, &cfg->steps, err);
		if (ret < 0)
			err->code = SOAK_EXIT_INPUT;
	} else if (cJSON_IsArray(cmd) && cJSON_GetArraySize(cmd) > 0) {
		size_t n = (size_t)cJSON_GetArraySize(cmd), i = 0;
		cfg->owned_command = calloc(n + 1, sizeof(char *));
		if (!cfg->owned_command) {
			soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
			goto out;
		}
		for (const cJSON *a = cmd->child; a; a = a->next) {
			if (!cJSON_IsString(a)) {
				soak_err_set(err, SOAK_EXIT_INPUT,
				             "'%s': \"command\" must hold strings", run_json);
				goto out;
			}
			cfg->owned_command[i++] = strdup(a->valuestring);
		}
		cfg->command = cfg->owned_command;
		ret = 0;
	} else {
		soak_err_set(err, SOAK_EXIT_INPUT, "'%s' records neither a command nor steps",
		             run_json);
	}
out:
	cJSON_Delete(doc);
	return ret;
}

void soak_runner_cfg_free(struct soak_runner_cfg *cfg)
{
	soak_steps_free(&cfg->steps);
	for (char **a = cfg->owned_command; a && *a; a++)
		free(*a);
	free(cfg->owned_command);
	cfg->owned_command = NULL;
}
