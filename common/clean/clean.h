/*
 * The soak-clean engine: retention, compression and a byte budget for a soak
 * directory (docs/soak-clean.md), and the after-run verification.
 *
 * A run walks the tree once (fs.h: no links followed, no other file system
 * entered), then applies the policies in this order, each to what the ones
 * before left:
 *   1. keep: per --keep rule, the newest N matching files are kept, older removed
 *   2. max-logs-per-step: of each step's logs, the newest N are kept (by
 *      iteration, then attempt), older removed
 *   3. max-age: files older than the age are removed
 *   4. compress-after: files older than the age are compressed (zstd or gzip)
 *   5. hard-limit: while the tree is over the limit, the oldest files are removed
 * and then checks max-total (a warning) and check-size (a failure). Protected
 * files are never removed nor compressed and are not counted by any rule, only
 * in the totals. Within a policy, actions come in walk order (path order),
 * except hard-limit (oldest first).
 *
 * A dry run makes the same decisions in the same order with the same sizes: it
 * compresses into a counter instead of a file to know the compressed size.
 *
 * With max-age as the only policy the run streams: each entry is decided and
 * removed during the walk, on cfg->threads threads, and nothing per file is
 * kept (skips then come between the actions, in walk order).
 */
#ifndef SOAK_CLEAN_H
#define SOAK_CLEAN_H

#include <stdint.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include "err.h"
#include "buf.h"
#include "fs.h"
#include "compress.h"

/* Protected by default: the run's own records and the reports. */
#define SOAK_CLEAN_PROTECTED "run.json", "summary.json", "health.json", "metrics.jsonl", "reports/"

struct soak_clean_keep {
	char *pattern; /* see soak_clean_match */
	long long n;
	char *text; /* "PATTERN=N" as given */
};

struct soak_clean_cfg {
	const char *dir;
	struct soak_clean_keep *keep;
	size_t nkeep;
	long long max_logs_per_step; /* < 0: off */
	int64_t max_age_ms;          /* < 0: off */
	int64_t compress_after_ms;   /* < 0: off */
	enum soak_compress_method method;
	uint64_t compress_min; /* files smaller than this are not compressed */
	int has_max_total, has_hard_limit, has_check_size;
	uint64_t max_total, hard_limit, check_size;
	char **protect; /* more patterns to protect (the defaults always apply) */
	size_t nprotect;
	const char *max_age_text, *compress_after_text; /* as given, for messages */
	const char *max_total_text, *hard_limit_text, *check_size_text;
	int dry_run;
	int force;      /* allow a root that does not look like a soak directory, or $HOME */
	int64_t now_ms; /* 0: the current time */
	/*
	 * 1: res->actions stays NULL; each action is only passed to ui->action
	 * (its strings valid during the call), so memory does not grow with the
	 * number of actions. soak_clean_to_json needs them kept.
	 */
	int forget_actions;
	/*
	 * Threads for the streaming run (--max-age alone), the caller's included:
	 * the walk's entries are stat'ed and removed on them (fs.h,
	 * soak_fs_walk_parallel), the output keeps walk order. <= 1: one thread.
	 */
	int threads;
};

enum soak_clean_act { SOAK_CLEAN_REMOVE, SOAK_CLEAN_COMPRESS };

enum soak_clean_policy {
	SOAK_CLEAN_KEEP,
	SOAK_CLEAN_LOGS_PER_STEP,
	SOAK_CLEAN_MAX_AGE,
	SOAK_CLEAN_COMPRESS_AFTER,
	SOAK_CLEAN_HARD_LIMIT,
};

struct soak_clean_action {
	enum soak_clean_act act;
	enum soak_clean_policy policy;
	const char *rule; /* "logs/iter-N.log=100", "7d", "750MB", "5" */
	const char *path;
	const char *to; /* compress: the new path */
	enum soak_fs_type type;
	uint64_t bytes;     /* before */
	uint64_t new_bytes; /* compress: after */
	int64_t mtime_ms;
	char *error; /* NULL when done (or, in a dry run, planned) */
};

struct soak_clean_skip {
	char *path;
	char *why;
};

struct soak_clean_totals {
	uint64_t files, bytes;
};

struct soak_clean_result {
	struct soak_clean_totals before, after, protect;
	uint64_t removed_files, removed_bytes;
	uint64_t compressed_files, compressed_from, compressed_to;
	uint64_t freed_bytes;              /* before.bytes - after.bytes */
	struct soak_clean_action *actions; /* NULL with cfg->forget_actions */
	size_t nactions;                   /* actions done (also when not kept) */
	struct soak_clean_skip *skips;
	size_t nskips;
	int over_max_total, over_hard_limit, over_check_size;
	size_t errors;      /* actions that failed */
	int interrupted;    /* the signal that stopped the run early, 0 if none */
	int64_t elapsed_ms; /* whole run */
	/* private */
	void *priv;
};

/* "PATTERN=N" (split at the last '='); SOAK_EXIT_USAGE when malformed. */
int soak_clean_keep_parse(const char *text, struct soak_clean_keep *out, struct soak_err *err);
void soak_clean_keep_free(struct soak_clean_keep *k);

/*
 * Does path (relative, '/'-separated) match pattern? A pattern ending in '/'
 * names a directory and matches everything under it. A pattern with a '/'
 * (other than a trailing one) is matched against the whole relative path; one
 * without is matched against each name, so "*.tmp" matches anywhere and
 * "reports/" is any directory named reports. '*' and '?' do not match '/'.
 */
int soak_clean_match(const char *pattern, const char *path);

/* 1 when the default list or extra patterns protect path. */
int soak_clean_protected(const char *path, char *const *extra, size_t nextra);

/*
 * A soak-run log "logs/iter-NNNNNN[-STEP][.attemptK].log" (optionally already
 * compressed): 1 with the step ("" for a single-command run), iteration and
 * attempt (1 when none), 0 when path is no such log.
 */
int soak_clean_step_log(const char *path, char *step, size_t n, long long *iteration, int *attempt);

/*
 * Refuse a root that must not be cleaned: '/' always; the home directory and
 * its ancestors, and a directory with none of run.json, summary.json and
 * metrics.jsonl, unless force. SOAK_EXIT_USAGE naming the reason; a missing
 * directory is SOAK_EXIT_INPUT.
 */
int soak_clean_check_root(const char *dir, int force, struct soak_err *err);

struct soak_clean_ui {
	/* each skipped entry during the walk, then each action as it is done */
	void (*skip)(void *ctx, const struct soak_clean_skip *s);
	void (*action)(void *ctx, const struct soak_clean_action *a);
	void *ctx;
};

/*
 * Clean cfg->dir. Returns 0 when every action succeeded (also when over a
 * limit: see over_*), -1 with err when the run could not start (err's code) or
 * some actions failed (SOAK_EXIT_ENV, res->errors > 0; the rest were done), or
 * was interrupted by SIGINT/SIGTERM (res->interrupted; what was done is in res).
 * res is filled whenever the walk happened; free it with soak_clean_result_free.
 */
int soak_clean_run(const struct soak_clean_cfg *cfg, const struct soak_clean_ui *ui,
                   struct soak_clean_result *res, struct soak_err *err);
void soak_clean_result_free(struct soak_clean_result *res);

/* One line for an action or a skip (no newline), as printed by soak-clean. */
int soak_clean_action_text(const struct soak_clean_action *a, struct soak_buf *out);
int soak_clean_skip_text(const struct soak_clean_skip *s, struct soak_buf *out);
/* The closing lines: before, after, what was removed / compressed / freed. */
int soak_clean_summary_text(const struct soak_clean_result *res, struct soak_buf *out);
/* The whole result as one JSON document (docs/soak-clean.md). */
cJSON *soak_clean_to_json(const struct soak_clean_cfg *cfg, const struct soak_clean_result *res);
/* Under GitHub Actions: outputs freed-bytes, total-bytes and a job summary line. */
int soak_clean_gha(const struct soak_clean_cfg *cfg, const struct soak_clean_result *res,
                   struct soak_err *err);

/* ---- verify ---- */

#define SOAK_CLEAN_VERIFY_MAX_PIDS 1024

struct soak_clean_verify_cfg {
	const char *dir;
	const char *run_id; /* NULL: from DIR/run.json */
	int has_budget;
	uint64_t budget;
	const char *budget_text;
	const char *budget_name; /* "max-total", "hard-limit" */
	uint64_t min_free;
	const char *min_free_text;
	int kill;
	int64_t kill_after_ms;
};

struct soak_clean_verify {
	char run_id[128];
	long pids[SOAK_CLEAN_VERIFY_MAX_PIDS];
	int npids;  /* leftover processes found */
	int killed; /* of those, alive when --kill signalled them */
	struct soak_clean_totals tree;
	uint64_t disk_free, disk_total;
	int procs_ok, budget_ok, disk_ok;
	int ok; /* all three */
};

/*
 * Check after a soak: no process of the run left (--kill ends them, the check
 * still fails), the tree within the budget, free disk above the floor. Returns
 * 0 when the checks could be made (see v->ok), -1 with err otherwise (no run id:
 * SOAK_EXIT_INPUT).
 */
int soak_clean_verify_run(const struct soak_clean_verify_cfg *cfg, struct soak_clean_verify *v,
                          struct soak_err *err);
/* Text lines (one per check, each ending in '\n'), JSON, and GitHub Actions. */
int soak_clean_verify_text(const struct soak_clean_verify_cfg *cfg,
                           const struct soak_clean_verify *v, struct soak_buf *out);
cJSON *soak_clean_verify_json(const struct soak_clean_verify_cfg *cfg,
                              const struct soak_clean_verify *v);
int soak_clean_verify_gha(const struct soak_clean_verify_cfg *cfg,
                          const struct soak_clean_verify *v, struct soak_err *err);

#endif
