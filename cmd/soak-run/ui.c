#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "buf.h"
#include "clock.h"
#include "file.h"
#include "gha.h"
#include "msg.h"
#include "os.h"
#include "fmt.h"
#include "parse.h"
#include "banned.h"

#define PLAIN_EVERY_MS 30000

static void clear_line(struct ui_state *s)
{
	if (s->line_shown) {
		fputs("\r\033[K", stderr);
		s->line_shown = 0;
	}
}

static void ui_note(void *ctx, enum soak_note kind, const char *title, const char *text)
{
	struct ui_state *s = ctx;
	struct soak_buf b;

	clear_line(s);
	if (s->gha && kind != SOAK_NOTE_INFO) {
		/* the whole text: the runner shows the escaped newlines as lines */
		soak_buf_init(&b, 16 * 1024);
		soak_gha_annotation(&b, kind == SOAK_NOTE_ERROR ? "error" : "warning", title, text);
		fputs(soak_buf_str(&b), stdout);
		soak_buf_free(&b);
		fflush(stdout);
	}
	if (kind == SOAK_NOTE_ERROR)
		soak_error("%s%s%s", title ? title : "", title ? ": " : "", text);
	else if (kind == SOAK_NOTE_WARNING)
		soak_warning("%s%s%s", title ? title : "", title ? ": " : "", text);
	else if (!s->quiet)
		soak_info("%s", text);
}

static void ui_iteration_start(void *ctx, long long n)
{
	struct ui_state *s = ctx;
	struct soak_buf b;
	char name[64];

	if (!s->gha)
		return;
	snprintf(name, sizeof(name), "iteration %lld", n);
	soak_buf_init(&b, 256);
	soak_gha_group(&b, name);
	fputs(soak_buf_str(&b), stdout);
	fflush(stdout);
	soak_buf_free(&b);
}

static void ui_iteration_end(void *ctx, const struct soak_progress *p)
{
	struct ui_state *s = ctx;
	char el[32], eta[32], line[256], of[32] = "", rate[32], last[32];
	long long done = p->passed + p->failed;
	int64_t left = -1;

	s->last_iteration = p->iteration;
	if (p->iterations > 0 && p->iteration > 0)
		left = p->elapsed_ms / p->iteration * (p->iterations - p->iteration);
	if (p->duration_ms > 0 && (left < 0 || p->duration_ms - p->elapsed_ms < left))
		left = p->duration_ms - p->elapsed_ms > 0 ? p->duration_ms - p->elapsed_ms : 0;
	if (p->iterations > 0)
		snprintf(of, sizeof(of), "/%lld", p->iterations);
	snprintf(
	    line, sizeof(line), "iteration %lld%s  %s elapsed%s%s  pass %s  last %s (%s)",
	    p->iteration, of, soak_format_duration(p->elapsed_ms, el, sizeof(el)),
	    left >= 0 ? ", ETA " : "",
	    left >= 0 ? soak_format_duration(left, eta, sizeof(eta)) : "",
	    soak_fmt(SOAK_U_RATIO, done ? (double)p->passed / (double)done : 0, rate, sizeof(rate)),
	    p->status, soak_fmt(SOAK_U_SECONDS, p->duration_s, last, sizeof(last)));
	if (s->gha) {
		printf("%s\n::endgroup::\n", line);
		fflush(stdout);
		return;
	}
	if (s->quiet)
		return;
	if (s->tty) {
		fprintf(stderr, "\r\033[K%s", line);
		s->line_shown = 1;
		return;
	}
	int64_t now = soak_mono_ms();
	if (p->iteration == 1 || now - s->last_print >= PLAIN_EVERY_MS) {
		soak_info("%s", line);
		s->last_print = now;
	}
}

/* The outputs that tell later steps where the run is: soak-dir as an absolute path. */
static void set_dir_outputs(const char *dir, const char *run_id)
{
	struct soak_err err;
	char *abs = soak_os_realpath(dir);

	if (soak_gha_set_output("soak-dir", abs ? abs : dir, &err) < 0 ||
	    soak_gha_set_output("run-id", run_id, &err) < 0)
		soak_warning("%s", err.msg);
	free(abs);
}

static void ui_started(void *ctx, const char *dir, const char *run_id)
{
	struct ui_state *s = ctx;

	if (s->gha)
		set_dir_outputs(dir, run_id);
}

void ui_init(struct ui_state *s, int quiet, struct soak_runner_ui *ui)
{
	memset(s, 0, sizeof(*s));
	s->tty = soak_os_isatty(2);
	s->gha = soak_gha_active();
	s->quiet = quiet;
	s->last_print = soak_mono_ms();
	ui->started = ui_started;
	ui->note = ui_note;
	ui->iteration_start = ui_iteration_start;
	ui->iteration_end = ui_iteration_end;
	ui->ctx = s;
}

/* A short table in the job summary; soak-report adds the full report. */
static void job_summary(const struct ui_state *s, const char *dir,
                        const struct soak_runner_result *res)
{
	struct soak_buf md;
	struct soak_err err;
	long long done = res->passed + res->failed;
	char rate[32];

	soak_buf_init(&md, 16 * 1024);
	soak_buf_addf(
	    &md,
	    "### soak-run: %s\n\n"
	    "| run | iterations | passed | failed | pass rate | stop reason | soak directory |\n"
	    "|---|---:|---:|---:|---:|---|---|\n"
	    "| `%s` | %lld | %lld | %lld | %s | %s | `%s` |\n\n",
	    res->state, res->run_id, res->iterations, res->passed, res->failed,
	    soak_fmt(SOAK_U_RATIO, done ? (double)res->passed / (double)done : 0, rate,
	             sizeof(rate)),
	    res->stop_reason ? res->stop_reason : "-", dir);
	if (s->artifact && *s->artifact)
		soak_buf_addf(
		    &md,
		    "Replay it locally: download the artifact `%s`, then\n"
		    "`soak-run --replay %s/run.json --dir local-soak` (docs/soak-run.md).\n\n",
		    s->artifact, soak_path_base(dir));
	if (soak_gha_summary_append(md.data, md.len, &err) < 0)
		soak_warning("%s", err.msg);
	soak_buf_free(&md);
}

int ui_finish(struct ui_state *s, const char *dir, const struct soak_runner_result *res)
{
	struct soak_err err;
	char num[32];
	long long done = res->passed + res->failed;
	int ret = 0;

	clear_line(s);
	printf("soak-run: run %s %s%s%s%s after %lld iteration%s: %lld passed, %lld failed, %lld "
	       "timed out, %lld errors (%s)\n",
	       res->run_id, res->state, res->stop_reason ? " (" : "",
	       res->stop_reason ? res->stop_reason : "", res->stop_reason ? ")" : "",
	       res->iterations, res->iterations == 1 ? "" : "s", res->passed,
	       res->failed - res->timed_out - res->errors, res->timed_out, res->errors,
	       soak_fmt(SOAK_U_RATIO, done ? (double)res->passed / (double)done : 0, num,
	                sizeof(num)));
	printf("soak-run: soak directory: %s\n", dir);
	if (!s->gha)
		return 0;
	job_summary(s, dir, res);
	snprintf(num, sizeof(num), "%lld", res->iterations);
	ret |= soak_gha_set_output("iterations", num, &err);
	snprintf(num, sizeof(num), "%lld", res->failed);
	ret |= soak_gha_set_output("failures", num, &err);
	ret |= soak_gha_set_output("state", res->state, &err);
	if (ret < 0)
		soak_warning("%s", err.msg);
	set_dir_outputs(dir, res->run_id);
	return 0;
}
