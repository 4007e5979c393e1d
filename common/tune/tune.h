/*
 * Guarded tuning (docs/tuning.md): the tune file, and the tuning step that runs
 * after each finished iteration and decides the parameter values of the next
 * one. Pure logic, no I/O: the caller (soak-run) hands each step what the gate
 * conditions read (a struct soak_gate_src over the iterations so far), the
 * iteration's KPIs, and a tuner command's proposal; it writes the overrides file,
 * tuning.jsonl and the state this module serializes.
 *
 * A proposal goes through the guards in this order: freeze (freeze-ready or a
 * parameter frozen by oscillation), late_run, cooldown, bounds, step, velocity,
 * no-op, oscillation. A panic condition bypasses them all and reverts.
 */
#ifndef SOAK_TUNE_H
#define SOAK_TUNE_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "err.h"
#include "gate.h"

#define SOAK_TUNE_WINDOW_DEFAULT 5

enum soak_tune_type { SOAK_TUNE_INT, SOAK_TUNE_FLOAT };
enum soak_tune_revert { SOAK_TUNE_REVERT_LAST_GOOD, SOAK_TUNE_REVERT_INITIAL };

struct soak_tune_param {
	char *name;
	enum soak_tune_type type;
	double initial, min, max;
	double max_step;      /* 0: no limit */
	double vel_max;       /* 0: no velocity limit */
	long long vel_window; /* iterations */
	char *applied_kpi;    /* NULL: not checked */
};

/* "+X", "-X", "=X" */
struct soak_tune_change {
	size_t param;
	char op; /* '+', '-', '=' */
	double amount;
	char *text; /* as written */
};

struct soak_tune_rule {
	size_t cond; /* index in conds */
	struct soak_tune_change *ch;
	size_t nch;
};

struct soak_tune_cfg {
	long long window; /* iterations of @last in conditions */
	struct soak_tune_param *p;
	size_t np;
	struct soak_tune_rule *rules;
	size_t nrules;
	char **tuner_argv; /* NULL-terminated, or NULL: rules */
	int64_t tuner_timeout_ms;
	/* guards (0 / none when absent) */
	long long cooldown;
	long long osc_window, osc_flips;
	long long fr_iterations;         /* freeze_ready: 0 none */
	size_t *fr_targets, nfr_targets; /* cond indices */
	size_t *panic, npanic;           /* cond indices */
	enum soak_tune_revert revert_to;
	long long late_iterations;
	double late_fraction; /* 0: none */
	/* every condition (rules, targets, panic), parsed by gate.h, in one array: the caller's
	 * gate source reads over it */
	struct soak_gate *conds;
	size_t nconds;
};

/*
 * Validate and take a tune document. from names it in messages ("tune file
 * 'x.json'"); each message names the JSON path of the bad value ($.parameters[1].max)
 * and what is allowed. Errors: SOAK_EXIT_USAGE.
 */
int soak_tune_parse(const cJSON *doc, const char *from, struct soak_tune_cfg *cfg,
                    struct soak_err *err);
void soak_tune_cfg_free(struct soak_tune_cfg *cfg);
/* A change as text ("+0.5", "-1", "=64") for p; -1 with why. */
int soak_tune_change_text(const struct soak_tune_param *p, const char *s, char *op, double *amount,
                          char *why, size_t n);
/* Index of parameter name, or -1. */
long soak_tune_param_index(const struct soak_tune_cfg *cfg, const char *name);

/* The guards a decision can name. */
enum soak_tune_guard {
	SOAK_TG_NONE,
	SOAK_TG_BOUNDS,
	SOAK_TG_STEP,
	SOAK_TG_VELOCITY,
	SOAK_TG_COOLDOWN,
	SOAK_TG_FREEZE,
	SOAK_TG_OSCILLATION,
	SOAK_TG_LATE_RUN,
	SOAK_TG_PANIC,
	SOAK_TG_N
};
/* In strength order for a line's decision: noop < blocked < clamped < applied < reverted. */
enum soak_tune_decision {
	SOAK_TD_NOOP,
	SOAK_TD_BLOCKED,
	SOAK_TD_CLAMPED,
	SOAK_TD_APPLIED,
	SOAK_TD_REVERTED,
	SOAK_TD_N
};
const char *soak_tune_guard_name(enum soak_tune_guard g);       /* NULL for none */
const char *soak_tune_decision_name(enum soak_tune_decision d); /* "applied" ... */

/* A movement (velocity) or a direction (oscillation) of a parameter at a step. */
struct soak_tune_move {
	long long iter;
	double delta;
};

struct soak_tune_pstate {
	double value;
	double last_good;
	long long last_change;        /* the step that last changed it, 0 never */
	int frozen;                   /* by oscillation */
	struct soak_tune_move *moves; /* applied changes within max(velocity, oscillation) window */
	size_t nmoves, cap;
};

struct soak_tune_state {
	long long step;        /* the iteration of the last step, 0 none */
	long long last_change; /* the step of the last change of any parameter, 0 never */
	int freeze_ready;
	int fixed; /* --tune-freeze: no step changes anything */
	struct soak_tune_pstate *p;
	size_t np;
	/* totals for summary.json */
	long long steps;
	long long decisions[SOAK_TD_N];
	long long guards[SOAK_TG_N];
	long long apply_checked, apply_matched;
	long long reverts;
};

/* Record an applied change of a parameter (the velocity and oscillation windows). */
int soak_tune_push_move(struct soak_tune_pstate *ps, long long iter, double delta);
int soak_tune_state_init(struct soak_tune_state *st, const struct soak_tune_cfg *cfg);
void soak_tune_state_free(struct soak_tune_state *st);
/* The state as JSON (for tune-state.json) and back; SOAK_EXIT_INPUT when it does not fit cfg. */
cJSON *soak_tune_state_json(const struct soak_tune_state *st, const struct soak_tune_cfg *cfg);
int soak_tune_state_load(struct soak_tune_state *st, const struct soak_tune_cfg *cfg,
                         const cJSON *o, struct soak_err *err);

/* What a step knows of the run. */
struct soak_tune_input {
	long long iteration;             /* the finished iteration n (the step decides n+1) */
	long long iterations;            /* --iterations, 0 none */
	int64_t elapsed_ms;              /* run time so far */
	int64_t duration_ms;             /* --duration, 0 none */
	const cJSON *kpi;                /* iteration n's KPIs, or NULL */
	const double *ran;               /* the values iteration n ran with (np) */
	const struct soak_gate_src *src; /* over the conditions of cfg->conds */
	/* tuner: its proposal ({"changes": {...}}) or NULL when it failed (tuner_error) */
	const cJSON *tuner;
	const char *tuner_error;
};

/*
 * One tuning step: judge the conditions, propose, apply the guards, update st.
 * Returns the tuning.jsonl line's body (without schema/t/run_id, which the caller
 * adds first): iteration, source, rule, decision, guard, changes, values, apply,
 * frozen, freeze_ready. The caller adds overrides_sha256 and written.
 */
cJSON *soak_tune_step(const struct soak_tune_cfg *cfg, struct soak_tune_state *st,
                      const struct soak_tune_input *in);

/* The overrides document: {"a":1.5,"b":64} and a newline, numbers round-trip. malloc'ed. */
char *soak_tune_overrides(const struct soak_tune_cfg *cfg, const struct soak_tune_state *st);
/* A value as JSON (ints as integers). */
cJSON *soak_tune_value_json(const struct soak_tune_param *p, double v);
/* {"name": value, ...} of the current values (initial 0) or the initial ones (initial 1). */
cJSON *soak_tune_values_json(const struct soak_tune_cfg *cfg, const struct soak_tune_state *st,
                             int initial);
/* summary.json's "tune" member (overrides_sha256 added by the caller). */
cJSON *soak_tune_summary_json(const struct soak_tune_cfg *cfg, const struct soak_tune_state *st);
/* Parse a tuner's output: {"changes":{"p":"+1",...}}; NULL with a message in why. */
cJSON *soak_tune_tuner_parse(const struct soak_tune_cfg *cfg, const char *out, size_t n, char *why,
                             size_t why_n);
/* Fix every value (--tune-freeze): values from vals (an object name -> number) when given. */
int soak_tune_fix(const struct soak_tune_cfg *cfg, struct soak_tune_state *st, const cJSON *vals,
                  struct soak_err *err);

#endif
