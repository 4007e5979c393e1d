/*
 * The soak-run engine's loop (runner.h): iterations until a limit, a failure
 * policy or a signal stops them, then the final state and exit code; and --dry-run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_int.h"
#include "exitcode.h"
#include "file.h"
#include "fmt.h"
#include "parse.h"
#include "sig.h"
#include "banned.h"

/* The reason to stop before starting iteration n, or NULL to go on. */
static const char *stop_before(struct runner *r, long long n)
{
	const struct soak_runner_cfg *c = r->cfg;
	uint64_t disk_free, disk_total;
	struct soak_err err;
	char a[32], b[32];

	if (c->iterations > 0 && n > c->iterations)
		return "iterations";
	if (c->duration_ms > 0 && run_elapsed_s(r) * 1000 >= (double)c->duration_ms)
		return "duration";
	if (c->min_free_disk > 0 && soak_disk_free(r->dir, &disk_free, &disk_total, &err) == 0 &&
	    disk_free < c->min_free_disk) {
		run_note(
		    r, SOAK_NOTE_ERROR, "disk guard",
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
	r.t0_mono = soak_mono_ms();
	if (run_dir_prepare(&r, err) < 0 || run_dir_open(&r, err) < 0 ||
	    run_gate_init(&r, err) < 0 || run_tune_init(&r, err) < 0 ||
	    run_every_init(&r, err) < 0) {
		run_gate_free(&r);
		run_tune_free(&r);
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
		run_event(&r, "resume", 0, "resumed run %s after iteration %lld", r.run_id, r.iter);
	else
		run_event(&r, "start", 0, "run %s started", r.run_id);
	run_state_write(&r, "running", -1);
	if (ui && ui->started)
		ui->started(ui->ctx, r.dir, r.run_id);

	if (cfg->service) {
		if (run_service_start(&r, err) < 0) {
			run_event(&r, "error", 0, "cannot start the service: %s", err->msg);
			r.stop_reason = "service_exit";
			run_note(&r, SOAK_NOTE_ERROR, "service", "cannot start the service: %s",
			         err->msg);
		} else if (cfg->service_wait_ms > 0) {
			run_wait(&r, cfg->service_wait_ms);
		}
	}
	while (!r.io_failed && !soak_sig_caught() && !r.stop_reason) {
		long long n = r.iter + 1;
		const char *why = stop_before(&r, n);
		if (why) {
			r.stop_reason = why;
			break;
		}
		if (run_iter(&r, n))
			break;
		if ((why = stop_after(&r))) {
			r.stop_reason = why;
			break;
		}
		if (cfg->heartbeat_ms > 0) {
			int64_t hb = cfg->heartbeat_ms;
			if (cfg->duration_ms > 0) {
				int64_t left =
				    cfg->duration_ms - (int64_t)(run_elapsed_s(&r) * 1000);
				if (left < hb)
					hb = left > 0 ? left : 0;
			}
			if (!(cfg->iterations > 0 && n >= cfg->iterations) && run_wait(&r, hb))
				break;
		} else {
			run_sample_tick(&r, 0);
			run_every_poll(&r);
		}
	}
	r.sig = soak_sig_caught();
	run_service_stop(&r);
	run_every_stop(&r);
	if (r.stop_reason && strcmp(r.stop_reason, "iterations") &&
	    strcmp(r.stop_reason, "duration"))
		run_event(&r, "stop", 0, "stopped: %s", r.stop_reason);
	code = final_exit(&r, &state);
	if (r.sig)
		run_event(&r, "cancel", 0, "cancelled by %s after %lld iterations",
		          soak_sig_name(r.sig), r.iter);
	run_event(&r, "end", 0, "run %s %s after %lld iterations: %lld passed, %lld failed",
	          r.run_id, state, r.iter, r.passed, r.failed);
	run_state_write(&r, state, r.io_failed ? SOAK_EXIT_ENV : code);
	soak_jsonl_close(&r.metrics);
	soak_jsonl_close(&r.samples);
	soak_jsonl_close(&r.events);

	res->state = state;
	res->stop_reason = r.stop_reason;
	res->iterations = r.iter;
	res->passed = r.passed;
	res->failed = r.failed;
	res->timed_out = r.timed_out;
	res->errors = r.errors;
	snprintf(res->run_id, sizeof(res->run_id), "%s", r.run_id);
	res->exit_code = code;
	run_gate_free(&r);
	run_tune_free(&r);
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
	if (cfg->service || cfg->every_command) {
		char **argv = soak_proc_shell_argv("");
		int rc = argv ? check_command(argv, cfg->service ? "service" : "every-command", err)
		              : soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		soak_proc_argv_free(argv);
		if (rc < 0)
			return -1;
	}
	/* the directory, or its nearest existing parent, must be writable */
	dir = run_dir_absolute(cfg->dir);
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
