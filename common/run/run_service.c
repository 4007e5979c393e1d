/*
 * The service under test (--service): started before the first iteration,
 * its output captured, its death noticed, restarted up to --service-restarts times.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_int.h"
#include "exitcode.h"
#include "file.h"
#include "sig.h"
#include "banned.h"

static void svc_output(void *ctx, const char *data, size_t n)
{
	soak_logcap_write(ctx, data, n);
}

int run_service_start(struct runner *r, struct soak_err *err)
{
	const struct soak_runner_cfg *c = r->cfg;
	char **argv = soak_proc_shell_argv(c->service);
	char *env[64];
	size_t ne = 0;
	char *path = soak_path_join(r->dir, "logs/service.log");
	struct soak_spawn sp = {
	    .argv = argv, .cwd = c->workdir, .output = SOAK_PROC_CAPTURE, .stdin_null = 1};
	int ret;

	if (!argv) {
		free(path);
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	}
	if (r->svc_starts == 0)
		ret = soak_logcap_open(&r->svc_log, path, c->log_max, err);
	else
		ret = 0;
	free(path);
	if (ret < 0) {
		soak_proc_argv_free(argv);
		return -1;
	}
	env[ne++] = run_env_entry("SOAK_RUN_ID", r->run_id);
	env[ne++] = run_env_entry("SOAK_DIR", r->dir);
	if (r->tune) /* the service reads the tuned parameters, rewritten while it runs */
		env[ne++] = run_tune_env(r);
	for (char **e = c->env; e && *e && ne < 62; e++)
		env[ne++] = strdup(*e);
	env[ne] = NULL;
	sp.env_set = env;
	ret = soak_proc_start(&sp, &r->svc, err);
	for (size_t i = 0; i < ne; i++)
		free(env[i]);
	soak_proc_argv_free(argv);
	if (ret < 0)
		return -1;
	r->svc_starts++;
	r->svc_down = 0;
	r->svc_reason[0] = '\0';
	run_event(r, r->svc_starts == 1 ? "service_start" : "service_restart", r->cur_iter,
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
void run_service_poll(struct runner *r)
{
	struct soak_proc_io io = {svc_output, &r->svc_log};
	struct soak_err err;
	int killed;

	if (!r->svc || r->svc_down)
		return;
	if (soak_proc_wait(r->svc, 0, 0, &io, &err) == 1) {
		svc_describe(r->svc, r->svc_reason, sizeof(r->svc_reason));
		soak_proc_kill_tree(r->svc, r->cfg->kill_after_ms, &io, &killed, &err);
		r->svc_down = 1;
		run_event(r, "service_exit", r->cur_iter, "%s", r->svc_reason);
		run_note(r, SOAK_NOTE_ERROR, "service died", "%s", r->svc_reason);
	}
}

void run_service_stop(struct runner *r)
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
		run_io_fail(r, &err);
}
