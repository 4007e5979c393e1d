/*
 * Running one command of an iteration: its timeout, the kill of its process
 * tree, its capped log, and the note that tells the user why it failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_int.h"
#include "buf.h"
#include "json.h"
#include "os.h"
#include "fmt.h"
#include "parse.h"
#include "sig.h"
#include "banned.h"

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

static void exec_output(void *ctx, const char *data, size_t n)
{
	soak_logcap_write(ctx, data, n);
}

/* The log of x could not be written whole: the run fails, and x says why. */
static void log_failed(struct runner *r, struct run_exec_res *x, const struct soak_err *err)
{
	x->log_failed = 1;
	snprintf(x->log_error, sizeof(x->log_error), "%s", err->msg);
	run_io_fail(r, err);
}

int run_exec(struct runner *r, char *const *argv, const char *cwd, char **env, int64_t timeout_ms,
             const char *log_path, struct run_exec_res *x)
{
	const struct soak_runner_cfg *c = r->cfg;
	/* without a service or a periodic command, every orphan re-parented to us comes
	 * from this iteration */
	struct soak_spawn sp = {.argv = argv,
	                        .cwd = cwd,
	                        .env_set = env,
	                        .output = SOAK_PROC_CAPTURE,
	                        .stdin_null = 1,
	                        .adopt_orphans = r->svc == NULL && c->every_ms <= 0};
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
		log_failed(r, x, &err);
		return -1;
	}
	if (soak_proc_start(&sp, &p, &err) < 0) {
		x->status = "error";
		snprintf(x->reason, sizeof(x->reason), "%s", err.msg);
		soak_logcap_write(&log, err.msg, strlen(err.msg));
		soak_logcap_write(&log, "\n", 1);
		if (soak_logcap_close(&log, &err) < 0) {
			log_failed(r, x, &err);
		}
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
		if (r->gate_kill_at > 0) {
			int64_t g = r->gate_kill_at - now > 0 ? r->gate_kill_at - now : 0;
			if (slice < 0 || g < slice)
				slice = g;
		}
		slice = run_every_slice(r, slice);
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
		run_sample_tick(r, soak_proc_pid(p));
		run_service_poll(r);
		run_every_poll(r);
		if (deadline >= 0 && soak_mono_ms() >= deadline) {
			x->timed_out = 1;
			break;
		}
		if (r->gate_kill_at > 0 && soak_mono_ms() >= r->gate_kill_at) {
			x->status = "error";
			snprintf(x->reason, sizeof(x->reason),
			         "cut at --gate-kill: a gate aborted the run");
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
		run_event(r, "error", r->cur_iter, "%s", err.msg);
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
		run_event(r, "kill", r->cur_iter, "killed %d leftover process%s of iteration %lld",
		          x->killed, x->killed == 1 ? "" : "es", r->cur_iter);
	soak_logcap_tail(&log, x->tail, sizeof(x->tail));
	x->log_bytes = log.total;
	x->log_dropped = soak_logcap_dropped(&log);
	if (soak_logcap_close(&log, &err) < 0) {
		log_failed(r, x, &err);
	}
	return 0;
}

/* Tell the user exactly what failed and how to look at it. */
void run_exec_failure_note(struct runner *r, const char *what, char *const *argv, const char *cwd,
                           const struct run_exec_res *x, const char *log_rel)
{
	struct soak_buf cmd, tail;
	char title[160], *here = NULL;
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
		cwd = (here = soak_os_getcwd()) ? here : ".";
	snprintf(title, sizeof(title), "%s %s", what, x->status);
	if (x->log_bytes > 0)
		run_note(
		    r, SOAK_NOTE_ERROR, title,
		    "command: %s\ncwd: %s\nstatus: %s%s%s\nlog: %s/%s\n--- last output ---\n%s",
		    soak_buf_str(&cmd), cwd, x->status, *x->reason ? ", " : "", x->reason, r->dir,
		    log_rel, soak_buf_str(&tail));
	else
		run_note(r, SOAK_NOTE_ERROR, title,
		         "command: %s\ncwd: %s\nstatus: %s%s%s\n(no output)", soak_buf_str(&cmd),
		         cwd, x->status, *x->reason ? ", " : "", x->reason);
	soak_buf_free(&cmd);
	soak_buf_free(&tail);
	free(here);
}

void run_exec_json(cJSON *o, const struct run_exec_res *x)
{
	cJSON_AddStringToObject(o, "status", x->status);
	soak_json_add_num_or_null(o, "exit_code", x->exit_code >= 0, x->exit_code);
	soak_json_add_num_or_null(o, "signal", x->signal != 0, x->signal);
	cJSON_AddBoolToObject(o, "timed_out", x->timed_out);
	cJSON_AddNumberToObject(o, "duration_ms", x->duration_ms);
}
