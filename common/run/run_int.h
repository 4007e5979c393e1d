/*
 * What the files of the soak-run engine share (not part of its interface:
 * runner.h is). One struct runner holds a run's state; each file owns one
 * concern of it, and the files depend on each other downward only:
 *
 *   runner.c       the loop: stop conditions, the exit code, --dry-run checks
 *   run_iter.c     one iteration (or its steps): environment, KPIs, metrics.jsonl
 *   run_exec.c     running one command: timeout, kill, capped log, failure notes
 *   run_dir.c      preparing and opening the soak directory (fresh, forced, resumed)
 *   run_resume.c   --resume: the totals and identity of an interrupted run
 *   run_json.c     run.json: written at the start, read back by --replay
 *   run_wait.c     waiting between iterations while sampling and watching
 *   run_service.c  the service under test: start, restart, death, stop
 *   run_sample.c   samples.jsonl: the iteration's tree, the service, a watched pid
 *   run_state.c    the totals, summary.json and health.json
 *   run_record.c   records, events.jsonl, notes to the UI, the first I/O failure
 *   run_gate.c     live gates: their statistics, evaluation, sustain and abort
 *   run_every.c    the periodic command (--every): its own tree, timeout and log
 *   run_tune.c     guarded tuning (--tune): the tuning step, the overrides file,
 *                  tuning.jsonl, the tuner command, the tuner's state for --resume
 */
#ifndef SOAK_RUN_INT_H
#define SOAK_RUN_INT_H

#include <stdint.h>
#include <cjson/cJSON.h>
#include "clock.h"
#include "err.h"
#include "jsonl.h"
#include "logcap.h"
#include "proc.h"
#include "res.h"
#include "runner.h"

#define RECENT 20            /* iterations behind health.json's recent_success_rate */
#define CANCEL_GRACE_MS 1500 /* SIGTERM-to-SIGKILL grace when cancelled: exit well within 5 s */
#define SERVICE_POLL_MS 200

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

	struct run_gates *gates; /* NULL without gates */
	struct run_tune *tune;   /* NULL without --tune */
	char gate_reason[512];   /* why a gate aborted the run, "" if none */
	int64_t gate_kill_at;    /* monotonic ms to cut the running iteration at, 0 none */

	/* --every: the periodic command, a tree of its own beside the iteration's */
	struct soak_proc *every; /* NULL while none runs */
	struct soak_logcap every_log;
	int every_log_open;
	int64_t every_next;     /* monotonic ms of the next start */
	int64_t every_started;  /* monotonic ms the running one started */
	int64_t every_deadline; /* monotonic ms to end the running one at */
	long long every_runs, every_failures;
};

static inline double run_elapsed_s(const struct runner *r)
{
	return (double)(r->elapsed_before_ms + soak_mono_ms() - r->t0_mono) / 1000.0;
}

/* run_record.c */
/* A new record of the soak directory (its "schema" set). */
cJSON *run_record_new(void);
/* Add an ISO 8601 UTC time. */
void run_record_time(cJSON *o, const char *name, int64_t wall_ms);
/* Append o to w (when open) and free it; a failure becomes the run's I/O failure. */
int run_append(struct runner *r, struct soak_jsonl_writer *w, cJSON *o);
/* A new events.jsonl record, for extra members before run_append. */
cJSON *run_event_new(const char *name, long long iteration, const char *msg);
/* An events.jsonl line; iteration 0 for none. */
void run_event(struct runner *r, const char *name, long long iteration, const char *fmt, ...)
    SOAK_PRINTF(4, 5);
/* Tell the user interface. */
void run_note(struct runner *r, enum soak_note kind, const char *title, const char *fmt, ...)
    SOAK_PRINTF(4, 5);
/* Remember the first I/O failure: it ends the run with SOAK_EXIT_ENV. */
void run_io_fail(struct runner *r, const struct soak_err *err);
/* "NAME=value", malloc'ed. */
char *run_env_entry(const char *name, const char *value);

/* run_state.c */
/* Fold one finished iteration into the running totals. */
void run_state_tally(struct runner *r, long long n, const char *status, uint64_t rss,
                     int64_t end_wall);
/*
 * Rewrite summary.json and health.json: at the end always; while running (state
 * "running", exit_code -1) at most every 100 ms and 1 s, and at once after a failure.
 */
void run_state_write(struct runner *r, const char *state, int exit_code);

/* run_sample.c */
/* Take the samples that are due: the iteration's tree (iter_pid > 0), the service, the watched pid.
 */
void run_sample_tick(struct runner *r, long iter_pid);

/* run_service.c */
/* Start (or restart) the service; its output goes to logs/service.log. */
int run_service_start(struct runner *r, struct soak_err *err);
/* Pump the service's output and notice its death. */
void run_service_poll(struct runner *r);
/* Stop the service and close its log. */
void run_service_stop(struct runner *r);

/* run_wait.c */
/* Wait ms (less when a signal arrives), sampling and watching the service. Returns 1 when
 * interrupted by a signal. */
int run_wait(struct runner *r, int64_t ms);

/* run_exec.c */
struct run_exec_res {
	const char *status; /* pass, fail, timeout, error; NULL when cancelled */
	int exit_code;      /* -1 when none */
	int signal;
	int timed_out;
	double duration_ms;
	double cpu_user_s, cpu_sys_s;
	uint64_t max_rss_bytes; /* of the root process, from the kernel's accounting */
	uint64_t log_bytes, log_dropped;
	int log_failed;      /* the log could not be written whole (a run I/O failure too) */
	char log_error[320]; /* then why: "cannot write '…': No space left on device" */
	int killed;
	char reason[512]; /* why it did not pass */
	char tail[SOAK_LOGCAP_TAIL];
};

/* Run argv with its output to log_path; fills x (x->status NULL when cancelled). 0, or -1
 * when the log cannot be opened (an I/O failure of the run). */
int run_exec(struct runner *r, char *const *argv, const char *cwd, char **env, int64_t timeout_ms,
             const char *log_path, struct run_exec_res *x);
/* Tell the user exactly what failed and how to look at it. */
void run_exec_failure_note(struct runner *r, const char *what, char *const *argv, const char *cwd,
                           const struct run_exec_res *x, const char *log_rel);
/* status, exit_code, signal, timed_out, duration_ms. */
void run_exec_json(cJSON *o, const struct run_exec_res *x);

/* run_gate.c */
/* Set up the gates of r->cfg (none: r->gates stays NULL). */
int run_gate_init(struct runner *r, struct soak_err *err);
void run_gate_free(struct runner *r);
/* Fold iteration n's record in and judge the iteration gates. */
void run_gate_iteration(struct runner *r, long long n, const cJSON *rec);
/* Fold a sample of the service (or watched pid) in and judge the service gates. */
void run_gate_sample(struct runner *r, const struct soak_res *s);
/* The gates' state for summary.json (a new array), or NULL without gates. */
cJSON *run_gate_json(const struct runner *r);

/* A set of gates and the statistics they read (run_gate.c): the live gates' and the
 * tune file's conditions. borrow: judge the caller's gates in place, else a copy. */
struct run_gates *run_gates_new(struct soak_gate *gates, size_t n, int borrow, uint64_t window,
                                struct soak_err *err);
void run_gates_free(struct run_gates *G);
/* Fold an iteration's record in; x is the run time in hours (for trends). */
void run_gates_fold(struct run_gates *G, const cJSON *rec, double x);
/* Fold a sample of the service in; 1 when some gate reads it. */
int run_gates_fold_sample(struct run_gates *G, const struct soak_res *res, double x);
/* What soak_gate_eval reads. */
const struct soak_gate_src *run_gates_src(struct run_gates *G);
/* The tuner state the set's tune.* metrics read (NULL: the run is not tuned). */
void run_gates_tune(struct run_gates *G, const struct soak_tune_state *st);

struct soak_tune_state;

/* run_tune.c */
/* Set up tuning (none: r->tune stays NULL): the state (restored on --resume), tuning.jsonl,
 * the overrides file for the first iteration. */
int run_tune_init(struct runner *r, struct soak_err *err);
void run_tune_free(struct runner *r);
/* "SOAK_OVERRIDES_FILE=…" for an iteration's environment (malloc'ed), NULL without tuning. */
char *run_tune_env(struct runner *r);
/* The tuning step after iteration n: adds rec's "tune" member. run_tune_commit, after rec is in
 * metrics.jsonl, saves the state, appends the tuning.jsonl line and writes the overrides. */
void run_tune_step(struct runner *r, long long n, cJSON *rec);
void run_tune_commit(struct runner *r);
/* A sample of the service, for conditions on service.* metrics. */
void run_tune_sample(struct runner *r, const struct soak_res *s);
/* summary.json's "tune" member, NULL without tuning. */
cJSON *run_tune_json(const struct runner *r);
/* The environment of the run's side commands (--every, the tuner): SOAK_RUN_ID, SOAK_DIR,
 * SOAK_SUMMARY_FILE, SOAK_HEALTH_FILE, then --env. NULL when out of memory. */
char **run_side_env(struct runner *r);

/* run_every.c */
/* Open logs/every.log and schedule the first run one period after the start (no --every: 0). */
int run_every_init(struct runner *r, struct soak_err *err);
/* Collect the running command's output and end (exit, or its timeout), or start one when due. */
void run_every_poll(struct runner *r);
/* slice (-1: none) shortened to when run_every_poll has work next. */
int64_t run_every_slice(const struct runner *r, int64_t slice);
/* At the end of the run (or on cancel): end a running command, close the log. */
void run_every_stop(struct runner *r);

/* run_iter.c */
/* Run iteration n and record it. Returns 0, or 1 when cancelled. */
int run_iter(struct runner *r, long long n);

/* run_json.c */
/* A new run id: the UTC time and 6 random hex digits, 20261122T041821Z-a1b2c3. */
void run_json_new_id(char *buf, size_t n);
/* Write run.json; resumed (the times of earlier resumes, or NULL) is taken over. */
int run_json_write(struct runner *r, cJSON *resumed, struct soak_err *err);

/* run_resume.c */
/*
 * Take over the interrupted run in r->dir: its run_id, start and totals (from
 * metrics.jsonl, a partial last line cut). *resumed: run.json's "resumed" with
 * this resume's time added.
 */
int run_resume(struct runner *r, const char *run_path, const char *metrics_path, cJSON **resumed,
               struct soak_err *err);

/* run_dir.c */
/* The absolute form of path, malloc'ed. */
char *run_dir_absolute(const char *path);
/* Create the soak directory with logs/ and kpi/; remove stale temporary files. */
int run_dir_prepare(struct runner *r, struct soak_err *err);
/* Start the run (new, forced over an old one, or resumed): run.json and the JSONL logs. */
int run_dir_open(struct runner *r, struct soak_err *err);

#endif
