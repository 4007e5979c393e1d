/*
 * The soak-run engine: runs a command (or steps) again and again, watched, and
 * writes the soak directory (docs/soak-directory.md). cmd/soak-run parses the
 * configuration into a struct soak_runner_cfg and shows what the engine reports
 * through the callbacks; the engine itself prints nothing.
 */
#ifndef SOAK_RUNNER_H
#define SOAK_RUNNER_H

#include <stdint.h>
#include <cjson/cJSON.h>
#include "err.h"
#include "gate.h"
#include "steps.h"
#include "tune.h"

struct soak_runner_cfg {
	const char *dir;
	char **command; /* NULL-terminated; NULL when steps are used */
	struct soak_steps steps;
	long long iterations; /* 0: no limit */
	int64_t duration_ms;  /* 0: no limit */
	int64_t timeout_ms;   /* 0: none */
	int64_t kill_after_ms;
	int64_t heartbeat_ms;
	int64_t sample_ms;   /* 0: no sampling */
	const char *workdir; /* NULL: current */
	char **env;          /* "K=V", NULL-terminated or NULL */
	uint64_t log_max;
	const char *service; /* shell command line, NULL: none */
	int64_t service_wait_ms;
	int service_restarts;
	long watch_pid;            /* 0: none */
	long long max_failures;    /* -1: unset */
	long long max_consecutive; /* -1: unset */
	int fail_fast;
	uint64_t min_free_disk;
	int resume;
	int force;
	const char *run_id; /* NULL: generated */
	/* live gates (docs/soak-run.md): hard ones abort the run, soft ones warn */
	struct soak_gate *gates; /* soak_gate_list_add; freed by soak_runner_cfg_free */
	size_t ngates;
	uint64_t gate_window;       /* iterations of @last */
	long long gate_delay_iters; /* no evaluation before this many iterations ... */
	int64_t gate_delay_ms;      /* ... or this long */
	int gate_sustain;           /* failed evaluations in a row before a gate counts */
	int64_t gate_kill_ms;       /* 0: an abort lets the running iteration finish */
	/* the periodic command (docs/soak-run.md): run by the shell every every_ms, in a
	 * process tree of its own, ended at every_timeout_ms; never changes the result */
	int64_t every_ms; /* 0: none */
	const char *every_command;
	int64_t every_timeout_ms; /* at most every_ms */
	/* guarded tuning (docs/tuning.md): NULL none */
	struct soak_tune_cfg *tune; /* owned (soak_runner_cfg_free) */
	cJSON *tune_doc;            /* the tune document, for run.json; owned */
	const char *overrides_out;  /* a copy of the overrides file for the service, or NULL */
	int tune_freeze;            /* --tune-freeze: the values never change */
	cJSON *tune_values; /* with tune_freeze: the fixed values (owned), NULL: the initial ones */
	cJSON *config;      /* effective configuration with provenance, for run.json (borrowed) */
	char **owned_command; /* set by soak_runner_replay_command; freed by soak_runner_cfg_free */
};

/*
 * Take the command (or the steps) of a recorded run from its run.json, for
 * --replay when no command is given. Fails with SOAK_EXIT_INPUT.
 */
int soak_runner_replay_command(const char *run_json, struct soak_runner_cfg *cfg,
                               struct soak_err *err);
/*
 * The tune document (docs/tuning.md) into cfg->tune and cfg->tune_doc: the "tune" member
 * of doc_run (a replayed run.json) when it has one, else value: a file name, or the
 * document itself when it starts with '{' (a config file's "tune" object). With freeze
 * (--tune-freeze) the values are fixed: the final ones of values_run (a replayed
 * run.json: its summary.json's tune.values) when given, else the initial ones.
 * A JSON syntax error or a missing file: SOAK_EXIT_INPUT; a bad setting: SOAK_EXIT_USAGE.
 */
int soak_runner_tune_load(struct soak_runner_cfg *cfg, const char *value, const char *doc_run,
                          const char *values_run, int freeze, struct soak_err *err);
/* Free what the engine allocated into cfg (the steps, a replayed command, the gates). */
void soak_runner_cfg_free(struct soak_runner_cfg *cfg);

/* What the engine tells the user interface. */
enum soak_note {
	SOAK_NOTE_INFO, /* a line worth showing */
	SOAK_NOTE_WARNING,
	SOAK_NOTE_ERROR, /* a failure: title + text (exact command, cwd, status, output tail) */
};

struct soak_progress {
	long long iteration;  /* just finished */
	long long iterations; /* the limit, 0 if none */
	long long passed, failed;
	int64_t elapsed_ms, duration_ms;
	const char *status; /* of the iteration just finished */
	double duration_s;  /* of the iteration just finished */
};

struct soak_runner_ui {
	/* the directory holds run.json, metrics.jsonl and events.jsonl; may be NULL */
	void (*started)(void *ctx, const char *dir, const char *run_id);
	void (*note)(void *ctx, enum soak_note kind, const char *title, const char *text);
	void (*iteration_start)(void *ctx, long long iteration);
	void (*iteration_end)(void *ctx, const struct soak_progress *p);
	void *ctx;
};

struct soak_runner_result {
	const char *state;       /* "completed", "aborted", "cancelled" */
	const char *stop_reason; /* NULL, or "max_failures", ... */
	long long iterations, passed;
	long long failed; /* every iteration that did not pass: fail, timeout and error */
	long long timed_out, errors;
	char run_id[64];
	int exit_code; /* per docs/soak-run.md */
};

int soak_runner_run(const struct soak_runner_cfg *cfg, const struct soak_runner_ui *ui,
                    struct soak_runner_result *res, struct soak_err *err);

/*
 * --dry-run: validate that the commands resolve, the directory can be written and
 * the disk has room. Returns 0, or -1 with err (USAGE for a command not found,
 * ENV for the directory or the disk).
 */
int soak_runner_check(const struct soak_runner_cfg *cfg, struct soak_err *err);

#endif
