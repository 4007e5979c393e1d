/*
 * The periodic command (--every, --every-command, --every-timeout): started
 * every period as a process tree of its own, beside the iteration's, with its
 * own timeout. What it does never touches the run's result: each run is a line
 * in logs/every.log (its output between), and a failure, a timeout or a kill is
 * an "every" event in events.jsonl.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_int.h"
#include "exitcode.h"
#include "file.h"
#include "fmt.h"
#include "json.h"
#include "sig.h"
#include "banned.h"

#define EVERY_POLL_MS 200 /* pump a running command's output at least this often */
/* SIGTERM-to-SIGKILL grace for the periodic command: short, the run waits meanwhile */
#define EVERY_GRACE_MS 1500

static void every_output(void *ctx, const char *data, size_t n)
{
	soak_logcap_write(ctx, data, n);
}

/* One line of logs/every.log: "<UTC time> every #N <text>". */
static void every_line(struct runner *r, const char *fmt, ...) SOAK_PRINTF(2, 3);
static void every_line(struct runner *r, const char *fmt, ...)
{
	char ts[SOAK_ISO8601_LEN], text[768], line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	n = snprintf(line, sizeof(line), "%s every #%lld %s\n",
	             soak_iso8601(soak_wall_ms(), ts, sizeof(ts)), r->every_runs, text);
	if (n > 0)
		soak_logcap_write(&r->every_log, line,
		                  (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* An "every" event (a failure): status, exit code, duration and the run's number. */
static void every_event(struct runner *r, const char *status, int exit_code, int64_t ms,
                        const char *what)
{
	char msg[1024];
	cJSON *o;

	snprintf(msg, sizeof(msg), "periodic command #%lld %s", r->every_runs, what);
	o = run_event_new("every", r->cur_iter, msg);

	cJSON_AddNumberToObject(o, "run", (double)r->every_runs);
	cJSON_AddStringToObject(o, "status", status);
	soak_json_add_num_or_null(o, "exit_code", exit_code >= 0, exit_code);
	cJSON_AddNumberToObject(o, "duration_ms", (double)ms);
	run_append(r, &r->events, o);
}

int run_every_init(struct runner *r, struct soak_err *err)
{
	char *path;
	int rc;

	if (r->cfg->every_ms <= 0)
		return 0;
	path = soak_path_join(r->dir, "logs/every.log");
	if (!path)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	rc = soak_logcap_open(&r->every_log, path, r->cfg->log_max, err);
	free(path);
	if (rc < 0)
		return -1;
	r->every_log_open = 1;
	r->every_next = soak_mono_ms() + r->cfg->every_ms;
	return 0;
}

/* End the running command's tree and tell how it went. */
static void every_end(struct runner *r, const char *why, int64_t grace_ms)
{
	struct soak_proc_io io = {every_output, &r->every_log};
	struct soak_proc_status st;
	struct soak_err err;
	int64_t ms = soak_mono_ms() - r->every_started;
	char d[32], t[32], msg[512];
	const char *status = "fail";
	int killed = 0, code;

	if (soak_proc_kill_tree(r->every, grace_ms, &io, &killed, &err) < 0)
		run_event(r, "error", r->cur_iter, "periodic command: %s", err.msg);
	soak_proc_get_status(r->every, &st);
	soak_proc_free(r->every);
	r->every = NULL;
	soak_format_duration(ms, d, sizeof(d));
	code = st.exited && !st.signal ? st.exit_code : -1;
	if (why && !strcmp(why, "timeout")) {
		status = "timeout";
		snprintf(msg, sizeof(msg),
		         "timed out after %s (--every-timeout %s); killed %d process%s", d,
		         soak_format_duration(r->cfg->every_timeout_ms, t, sizeof(t)), killed,
		         killed == 1 ? "" : "es");
	} else if (why) {
		status = "killed";
		snprintf(msg, sizeof(msg), "killed after %s: %s; killed %d process%s", d, why,
		         killed, killed == 1 ? "" : "es");
	} else if (code == 0) {
		status = "pass";
		snprintf(msg, sizeof(msg), "exit code 0 after %s", d);
	} else if (st.signal) {
		snprintf(msg, sizeof(msg), "killed by %s after %s", soak_sig_name(st.signal), d);
	} else {
		snprintf(msg, sizeof(msg), "failed: exit code %d after %s", code, d);
	}
	every_line(r, "%s", msg);
	if (strcmp(status, "pass")) {
		r->every_failures++;
		every_event(r, status, code, ms, msg);
	}
}

/* The environment of the run's side commands: the run's facts, then --env (run_int.h). */
char **run_side_env(struct runner *r)
{
	const struct soak_runner_cfg *c = r->cfg;
	size_t count = 4, i = 0;
	char **env, *summary, *health;

	for (char **e = c->env; e && *e; e++)
		count++;
	env = calloc(count + 1, sizeof(char *));
	summary = soak_path_join(r->dir, "summary.json");
	health = soak_path_join(r->dir, "health.json");
	if (env && summary && health) {
		env[i++] = run_env_entry("SOAK_RUN_ID", r->run_id);
		env[i++] = run_env_entry("SOAK_DIR", r->dir);
		env[i++] = run_env_entry("SOAK_SUMMARY_FILE", summary);
		env[i++] = run_env_entry("SOAK_HEALTH_FILE", health);
		for (char **e = c->env; e && *e; e++)
			env[i++] = strdup(*e);
	}
	free(summary);
	free(health);
	for (size_t k = 0; env && k < i; k++) {
		if (!env[k]) {
			for (size_t j = 0; j < i; j++)
				free(env[j]);
			free(env);
			return NULL;
		}
	}
	return env;
}

static void every_start(struct runner *r)
{
	const struct soak_runner_cfg *c = r->cfg;
	char **argv = soak_proc_shell_argv(c->every_command), **env = run_side_env(r);
	struct soak_spawn sp = {.argv = argv,
	                        .cwd = c->workdir,
	                        .output = SOAK_PROC_CAPTURE,
	                        .stdin_null = 1,
	                        .adopt_orphans = 0};
	struct soak_err err;

	r->every_runs++;
	/* the command reads summary.json and health.json: make them current */
	r->summary_at = r->health_at = 0;
	run_state_write(r, "running", -1);
	if (!argv || !env) {
		soak_err_set(&err, SOAK_EXIT_ENV, "out of memory");
	} else {
		sp.env_set = env;
		if (soak_proc_start(&sp, &r->every, &err) == 0) {
			r->every_started = soak_mono_ms();
			r->every_deadline = r->every_started + c->every_timeout_ms;
			every_line(r, "started (pid %ld)", soak_proc_pid(r->every));
		}
	}
	if (!r->every) {
		char msg[SOAK_ERR_MAX + 64];
		snprintf(msg, sizeof(msg), "did not start: %s", err.msg);
		r->every_failures++;
		every_line(r, "%s", msg);
		every_event(r, "error", -1, 0, msg);
	}
	soak_proc_argv_free(argv);
	soak_proc_argv_free(env);
}

/* --kill-after, but at most EVERY_GRACE_MS. */
static int64_t every_grace(const struct runner *r)
{
	return r->cfg->kill_after_ms < EVERY_GRACE_MS ? r->cfg->kill_after_ms : EVERY_GRACE_MS;
}

void run_every_poll(struct runner *r)
{
	struct soak_proc_io io = {every_output, &r->every_log};
	struct soak_err err;
	int64_t now, grace = every_grace(r);

	if (!r->every_log_open)
		return;
	if (r->every) {
		int rc = soak_proc_wait(r->every, 0, 0, &io, &err);
		if (rc == 1)
			every_end(r, NULL, grace);
		else if (rc < 0)
			every_end(r, err.msg, grace);
		else if (soak_mono_ms() >= r->every_deadline)
			every_end(r, "timeout", grace);
	}
	now = soak_mono_ms();
	if (!r->every && now >= r->every_next && !soak_sig_caught()) {
		/* a period missed (a long pause of ours) is skipped, not run twice */
		while (r->every_next <= now)
			r->every_next += r->cfg->every_ms;
		every_start(r);
	}
}

int64_t run_every_slice(const struct runner *r, int64_t slice)
{
	int64_t now = soak_mono_ms(), s;

	if (!r->every_log_open)
		return slice;
	if (r->every) {
		s = r->every_deadline - now;
		if (s > EVERY_POLL_MS)
			s = EVERY_POLL_MS;
	} else {
		s = r->every_next - now;
	}
	if (s < 0)
		s = 0;
	return slice < 0 || s < slice ? s : slice;
}

void run_every_stop(struct runner *r)
{
	struct soak_err err;

	if (!r->every_log_open)
		return;
	if (r->every) {
		/* take what it finished meanwhile, then end the rest */
		struct soak_proc_io io = {every_output, &r->every_log};
		if (soak_proc_wait(r->every, 0, 0, &io, &err) == 1)
			every_end(r, NULL, every_grace(r));
		else
			every_end(r, r->sig ? "the run was cancelled" : "the run ended",
			          every_grace(r));
	}
	r->every_log_open = 0;
	if (soak_logcap_close(&r->every_log, &err) < 0)
		run_io_fail(r, &err);
}
