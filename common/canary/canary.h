/*
 * The soak-canary engine: the release tag and the canary checklist from a
 * bundle, the canary judgement (judge.h) over soak directories or Prometheus
 * range queries, and the Prometheus watch. docs/soak-canary.md is the user's view.
 */
#ifndef SOAK_CANARY_H
#define SOAK_CANARY_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "buf.h"
#include "err.h"
#include "judge.h"

/* ---- bundle: tag and checklist ---- */

struct soak_canary_bundle {
	char *dir;
	cJSON *snap;                           /* POST_SOAK_SNAPSHOT.json (required) */
	cJSON *manifest;                       /* MANIFEST.json, or NULL */
	const char *run_id, *verdict, *commit; /* into the documents; "" when unknown */
};

/* Load DIR/POST_SOAK_SNAPSHOT.json (SOAK_EXIT_INPUT when missing, malformed or of a
 * newer schema) and DIR/MANIFEST.json when present. */
int soak_canary_bundle_load(const char *dir, struct soak_canary_bundle *b, struct soak_err *err);
void soak_canary_bundle_free(struct soak_canary_bundle *b);

/*
 * The annotated tag's message: a subject line, Markdown sections (verdict,
 * gates, key statistics) and the trailers "Soak-Run-Id:" and "Soak-Verdict:" as
 * the last paragraph. For git tag --cleanup=verbatim (so '#' headings stay).
 */
int soak_canary_tag_message(const struct soak_canary_bundle *b, const char *tag,
                            struct soak_buf *out);

struct soak_canary_tag_opts {
	const char *repo;   /* git work tree */
	const char *tag;    /* name, checked with git check-ref-format */
	const char *commit; /* NULL: the manifest's source commit, else HEAD */
	const char *push;   /* remote to push the tag to, or NULL */
	int dry_run;        /* check only; create nothing */
};

struct soak_canary_tag_result {
	char commit[41]; /* the commit tagged */
	char object[41]; /* the tag object (empty on a dry run) */
	int pushed;
};

/*
 * Create the annotated tag with git tag -a --cleanup=verbatim -F FILE. An
 * existing tag is never moved: SOAK_EXIT_USAGE naming where it points. A bad
 * name is SOAK_EXIT_USAGE, an unknown commit or no repository SOAK_EXIT_INPUT,
 * git failing (or the push) SOAK_EXIT_ENV with git's first line.
 */
int soak_canary_tag(const struct soak_canary_tag_opts *o, const char *message,
                    struct soak_canary_tag_result *res, struct soak_err *err);

/* What the checklist says about the canary's watch (from the configuration). */
struct soak_canary_plan {
	int64_t interval_ms, duration_ms;
	long count; /* measurements */
	long failure_limit, inconclusive_limit, error_limit;
	const char *prometheus; /* NULL when not configured */
	char *const *metrics;   /* NAME=QUERY */
	size_t nmetrics;
	const char *success, *failure; /* NULL when not configured */
	const char *on_rollback, *on_promote;
	char *const *notify_shown; /* notification targets, secrets masked */
	size_t nnotify;
	double marginal, pass; /* judge thresholds */
};

/* CANARY_CHECKLIST.md: targets from the gates and KPIs, rollback triggers,
 * interval, duration, steps; every value from the bundle and the plan. */
int soak_canary_checklist(const struct soak_canary_bundle *b, const struct soak_canary_plan *p,
                          struct soak_buf *out);

/* ---- judge ---- */

/*
 * A metric spec: NAME[:OPTION,...] with the options increase | decrease | either,
 * critical, must-have-data (or required), nan=remove | nan=replace, group=NAME,
 * allowed-increase=RATIO, allowed-decrease=RATIO. The name (and group) strings
 * are allocated into *name and *group (the caller frees them).
 */
int soak_canary_metric_parse(const char *spec, struct soak_judge_metric *m, char **name,
                             char **group, struct soak_err *err);

struct soak_canary_judge_opts {
	const char *baseline, *canary; /* soak directories, or scopes with prometheus */
	const char *prometheus;        /* base URL: Prometheus mode */
	char *const *queries;          /* per metric, "${scope}" replaced (Prometheus) */
	int64_t start_s, end_s, step_s;
	int64_t http_timeout_ms;
	int retries;
	struct soak_judge_metric *metrics;
	size_t nmetrics;
	char *const *group_names;
	const double *group_weights;
	size_t nweights;
	double conf, marginal, pass;
	char *const *defaults; /* "name: value (default)" lines for the report */
	size_t ndefaults;
	const char *out_dir; /* judge.json and judge.md; NULL: none */
	int64_t now_ms;
	const char *version;
};

struct soak_canary_judgement {
	struct soak_judge_result *results;
	size_t n;
	struct soak_judge_score score;
	char **sources; /* per metric: where the values came from */
};

/*
 * Load the samples, judge each metric, score. Errors: SOAK_EXIT_INPUT for a
 * missing or malformed metrics.jsonl, SOAK_EXIT_ENV for Prometheus that cannot
 * be reached after the retries, SOAK_EXIT_USAGE for a group weight naming no group.
 */
int soak_canary_judge(const struct soak_canary_judge_opts *o, struct soak_canary_judgement *j,
                      struct soak_err *err);
/* judge.json (every statistic and every default) and judge.md in o->out_dir. */
int soak_canary_judge_write(const struct soak_canary_judge_opts *o,
                            const struct soak_canary_judgement *j, struct soak_err *err);
void soak_canary_judgement_free(struct soak_canary_judgement *j);

/* What the judge does where nothing says otherwise (the default metrics, a
 * metric's default options, the choice of the exact distribution, which records
 * count), a line each for the report's defaults after the settings; NULL ends it. */
extern const char *const soak_canary_judge_notes[];

/* The metrics a soak directory offers by default: duration_ms, rss, cpu_user_s,
 * cpu_sys_s, fds, threads (increase) and every KPI of the baseline (either). */
int soak_canary_default_metrics(const char *baseline_dir, char ***specs, size_t *n,
                                struct soak_err *err);

/* ---- Prometheus ---- */

struct soak_prom_series {
	double *v; /* values (NaN, +-Inf kept) */
	size_t n;
};

struct soak_prom_result {
	char type[16]; /* "vector", "matrix", "scalar", "string" */
	struct soak_prom_series *series;
	size_t nseries;
	size_t nvalues; /* over all series */
};

struct soak_prom {
	const char *url; /* base, e.g. http://127.0.0.1:9090 */
	int64_t timeout_ms;
	int retries;
	int64_t backoff_ms;
	int (*sleep_ms)(int64_t ms);
};

/* GET /api/v1/query (range: /api/v1/query_range when step_s > 0). Errors:
 * SOAK_EXIT_ENV for HTTP (after retries) or a Prometheus "error" answer. */
int soak_prom_query(const struct soak_prom *p, const char *query, int64_t time_s,
                    struct soak_prom_result *r, int *attempts, struct soak_err *err);
int soak_prom_query_range(const struct soak_prom *p, const char *query, int64_t start_s,
                          int64_t end_s, int64_t step_s, struct soak_prom_result *r, int *attempts,
                          struct soak_err *err);
void soak_prom_result_free(struct soak_prom_result *r);

/* ---- watch ---- */

/*
 * Conditions: C-like expressions over the metric names.
 *   NAME        the first value of the metric's result (NaN when empty)
 *   NAME[i]     the i-th value (series by series, a matrix's values in order)
 *   len(NAME) min(NAME) max(NAME) sum(NAME) avg(NAME) last(NAME)
 *   isNaN(x)  isInf(x)  abs(x)
 *   numbers, + - * /, < <= > >= == !=, && || !, parentheses
 * A comparison with NaN is false. Parsing checks every name against the metrics.
 */
struct soak_expr; /* opaque */
int soak_expr_parse(const char *text, char *const *names, size_t nnames, struct soak_expr **out,
                    struct soak_err *err);
/* Evaluate with each metric's values (vals[i] for names[i]); the result is the number
 * (conditions: non-zero and not NaN is true). */
double soak_expr_eval(const struct soak_expr *e, const struct soak_prom_result *vals);
void soak_expr_free(struct soak_expr *e);

enum soak_watch_decision { SOAK_WATCH_PROMOTE, SOAK_WATCH_ROLLBACK, SOAK_WATCH_INCONCLUSIVE };
const char *soak_watch_decision_name(enum soak_watch_decision d);

struct soak_watch_opts {
	struct soak_prom prom;
	char *const *metrics; /* NAME=QUERY */
	size_t nmetrics;
	const char *success, *failure; /* at least one */
	int64_t interval_ms;
	long count;
	long failure_limit, inconclusive_limit, error_limit; /* error: consecutive */
	int empty_inconclusive; /* 1: an empty result makes the measurement inconclusive */
	const char *record;     /* JSONL file of every measurement */
	const char *hooks[3];   /* shell commands per decision, or NULL */
	int64_t hook_timeout_ms;
	int (*sleep_ms)(int64_t ms); /* interruptible: returns 1 on a signal */
	void (*on_measure)(void *ctx, long i, const char *phase, const char *detail);
	void *ctx;
};

struct soak_watch_result {
	long measurements, successful, failed, inconclusive, errors, consecutive_errors;
	enum soak_watch_decision decision;
	char reason[256];
	int interrupted;         /* a signal stopped the watch: no decision, no hook */
	int hook_ran, hook_exit; /* hook_exit: -1 when killed or timed out */
};

/* Validate the options (SOAK_EXIT_USAGE) and run the watch. A hook that cannot
 * run, fails or times out is SOAK_EXIT_ENV (after the result is filled). */
int soak_watch_run(const struct soak_watch_opts *o, struct soak_watch_result *res,
                   struct soak_err *err);

/* Run a hook: sh -c CMD with SOAK_CANARY_DECISION, SOAK_CANARY_REASON and
 * SOAK_CANARY_RECORD set, output inherited; *code gets its exit code (-1 killed). */
int soak_canary_hook(const char *cmd, const char *decision, const char *reason, const char *record,
                     int64_t timeout_ms, int *code, struct soak_err *err);

#endif
