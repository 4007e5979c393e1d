/*
 * tuning.jsonl read back: the record soak-run --tune keeps of every tuning step
 * (docs/soak-directory.md, docs/tuning.md), summarized into one model that
 * soak-report shows and gates on and soak-bundle puts in a release. Every count
 * here is a count of lines or changes of the file, so a reader can check it with
 * jq: decisions[] counts each line's "decision", guards[] each change's "guard".
 *
 * A line is used when it is a JSON object with "schema" of a known major
 * version, a whole "iteration", a "decision" of the five below, a "values"
 * object of numbers and, when present, "changes" (objects with a "param" and a
 * known "decision"), "apply" ({"checked", "matched"} numbers), "frozen"
 * (strings) and "freeze_ready" (a boolean) of those types. Any other line is
 * malformed: counted and skipped. A partial last line (a writer killed
 * mid-write) is ignored.
 */
#ifndef SOAK_TUNELOG_H
#define SOAK_TUNELOG_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "buf.h"
#include "err.h"
#include "stats.h"

/* A step's decision, and a change's: the order of summary.json's "decisions". */
enum soak_tunelog_decision {
	SOAK_TL_APPLIED,
	SOAK_TL_CLAMPED,
	SOAK_TL_NOOP,
	SOAK_TL_BLOCKED,
	SOAK_TL_REVERTED,
	SOAK_TL_N
};
/* "applied", "clamped", "noop", "blocked", "reverted" */
extern const char *const soak_tunelog_decision_names[SOAK_TL_N];

/* What proposed a step's changes: the values of "source" (null: nothing). */
enum soak_tunelog_source {
	SOAK_TL_SRC_RULE,
	SOAK_TL_SRC_TUNER,
	SOAK_TL_SRC_PANIC,
	SOAK_TL_SRC_NONE,
	SOAK_TL_SRC_N
};
extern const char *const soak_tunelog_source_names[SOAK_TL_SRC_N]; /* "rule" ... "none" */

/* The guards of the contract, listed first and always, in summary.json's order;
 * a guard name not among them is counted under its own name after them. */
#define SOAK_TUNELOG_KNOWN_GUARDS 8
#define SOAK_TUNELOG_MAX_GUARDS 24
#define SOAK_TUNELOG_MAX_PARAMS 64
/* Points of a parameter's path (longer runs are averaged into buckets). */
#define SOAK_TUNELOG_PATH_POINTS 1000

struct soak_tunelog_param {
	char *name;
	double initial;                /* the value the run started with */
	double final;                  /* the value the last step left */
	double min, max;               /* over the run */
	uint64_t changes;              /* steps that changed its value */
	uint64_t decisions[SOAK_TL_N]; /* its changes, by decision */
	int have_applied;              /* a change of it was applied or clamped ... */
	uint64_t applied_iteration;    /* ... the last one in the step after this iteration ... */
	double applied_from;           /* ... from this value */
	uint64_t mismatched;           /* apply checks that found the command using another value */
	int frozen;                    /* in the last step's "frozen" */
	struct soak_series path;       /* (iteration, value it ran with) */
	double last_x;                 /* the path's last iteration */
};

struct soak_tunelog {
	uint64_t lines;             /* lines read, malformed and overlong included */
	uint64_t steps;             /* lines used */
	uint64_t bad;               /* malformed lines skipped */
	unsigned long bad_lines[5]; /* the first of them */
	size_t nbad_lines;
	int partial; /* ended in a partial line (ignored) */
	uint64_t first_iteration, last_iteration;
	uint64_t decisions[SOAK_TL_N];   /* steps by decision */
	uint64_t sources[SOAK_TL_SRC_N]; /* steps by source */
	char *guard_name[SOAK_TUNELOG_MAX_GUARDS];
	uint64_t guards[SOAK_TUNELOG_MAX_GUARDS]; /* changes by guard */
	size_t nguards;
	uint64_t guards_other;            /* changes with a guard past the cap */
	uint64_t changes;                 /* changes proposed, over every step */
	uint64_t checked, matched;        /* the apply checks, summed */
	uint64_t written;                 /* steps that wrote the overrides file */
	int freeze_ready;                 /* the last step's "freeze_ready" */
	char sha256[65];                  /* the last step's "overrides_sha256", "" none */
	cJSON *last_values;               /* the last step's "values", as written */
	struct soak_tunelog_param *param; /* in the order the values list them */
	size_t nparam;
	uint64_t
	    params_dropped; /* parameters past SOAK_TUNELOG_MAX_PARAMS (the most of one step) */
};

/*
 * Read path into t (initialized here; free with soak_tunelog_free even on error).
 * Errors: SOAK_EXIT_INPUT for a file that cannot be read or a line of a newer
 * schema major version, naming path and the line; SOAK_EXIT_ENV out of memory.
 */
int soak_tunelog_load(const char *path, struct soak_tunelog *t, struct soak_err *err);
void soak_tunelog_free(struct soak_tunelog *t);

/* matched / checked; NAN when nothing was checked. */
double soak_tunelog_apply_ratio(const struct soak_tunelog *t);
/* The number of guard g's changes by name, 0 when it never fired. */
uint64_t soak_tunelog_guard(const struct soak_tunelog *t, const char *name);

/*
 * The overrides file of the last step, as soak-run writes it: the values as one
 * flat JSON object, parameters in file order, numbers that round-trip, and a
 * newline. NULL when there is no step or out of memory; the caller frees.
 */
char *soak_tunelog_overrides(const struct soak_tunelog *t);

/* ---- text for people (tunelog_text.c) ---- */

/* One sentence on the tuning: "36 steps after iterations 1 to 36; the command used
 * the value written in 35 of 36 checks (97.22%); freeze ready: yes; frozen: batch."
 * (then malformed lines skipped, a partial last line ignored). */
int soak_tunelog_sentence(const struct soak_tunelog *t, struct soak_buf *b);
/* A parameter's value before its last applied change, "4 (after iteration 20)", or
 * "never changed". Returns buf. */
char *soak_tunelog_before(const struct soak_tunelog_param *p, char *buf, size_t n);
/* Markdown: the table of steps by decision, a blank line, the table of changes by guard. */
int soak_tunelog_md_counts(const struct soak_tunelog *t, struct soak_buf *b);
/* Markdown: the table of parameters (initial, final, min, max, changes, the value before
 * the last applied change, apply mismatches), with a last column drawn by path (a
 * sparkline of at most the width given) unless path is NULL. */
int soak_tunelog_md_params(const struct soak_tunelog *t, struct soak_buf *b,
                           int (*path)(const struct soak_series *, size_t, struct soak_buf *));

#endif
