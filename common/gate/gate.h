/*
 * Gates: the metrics of a soak directory, the grammar of a gate expression and
 * its evaluation. One parser and one evaluator for soak-report (over a finished
 * run) and soak-run (live, while the run goes on). Each engine hands its
 * statistics to the evaluator through a struct soak_gate_src; the evaluator
 * reads numbers only, no files.
 */
#ifndef SOAK_GATE_H
#define SOAK_GATE_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "fmt.h"
#include "stats.h"

/* How a value reads (fmt.h's units), and which units its thresholds take. */
enum soak_report_kind {
	SOAK_K_MS = SOAK_U_MS,
	SOAK_K_BYTES = SOAK_U_BYTES,
	SOAK_K_COUNT = SOAK_U_COUNT,
	SOAK_K_SECONDS = SOAK_U_SECONDS,
	SOAK_K_RATIO = SOAK_U_RATIO
};

/* The per-iteration metrics of metrics.jsonl, and the service's of samples.jsonl. */
enum soak_report_metric {
	SOAK_M_DURATION,  /* duration_ms */
	SOAK_M_RSS,       /* peak_rss_bytes */
	SOAK_M_FDS,       /* open_fds */
	SOAK_M_THREADS,   /* threads */
	SOAK_M_PROCS,     /* procs */
	SOAK_M_CPU_USER,  /* cpu_user_s */
	SOAK_M_CPU_SYS,   /* cpu_sys_s */
	SOAK_M_DISK,      /* disk used since the shard's first record: first free_disk_bytes -
	                     free_disk_bytes */
	SOAK_M_MEM_AVAIL, /* mem_avail_bytes */
	SOAK_M_LOG_BYTES, /* log_bytes */
	SOAK_M_SVC_RSS,   /* service rss_bytes, from samples.jsonl (scope service or watch) */
	SOAK_M_SVC_FDS,
	SOAK_M_SVC_THREADS,
	SOAK_M_N
};

struct soak_report_metric_info {
	const char *name;  /* as in gates and reports */
	const char *field; /* in metrics.jsonl / samples.jsonl */
	enum soak_report_kind kind;
	int trend;   /* a trend is computed */
	int service; /* from samples.jsonl */
	int host;    /* the whole machine's, not the command's (disk, mem_avail): reported
	                apart, never a leak suspect, judged only by a gate that names it */
};

extern const struct soak_report_metric_info soak_report_metrics[SOAK_M_N];

enum soak_gate_op { SOAK_OP_LT, SOAK_OP_LE, SOAK_OP_GT, SOAK_OP_GE, SOAK_OP_EQ, SOAK_OP_NE };

enum soak_gate_agg {
	SOAK_AGG_NONE, /* scalar metrics: pass_rate, failures, ... */
	SOAK_AGG_AVG,
	SOAK_AGG_MIN,
	SOAK_AGG_MAX,
	SOAK_AGG_MED,
	SOAK_AGG_HMEAN, /* harmonic mean; no data when a value is <= 0 */
	SOAK_AGG_LAST,
	SOAK_AGG_COUNT,
	SOAK_AGG_SUM,
	SOAK_AGG_STDDEV,
	SOAK_AGG_P,      /* p(N) */
	SOAK_AGG_SLOPE,  /* per hour; 0 unless significant */
	SOAK_AGG_TREND_P /* the Mann-Kendall p-value */
};

/* What step.NAME.FIELD names: per iteration, the step's duration, its attempts
 * (1 without a retry), or its status (1 passed, 0 did not; its avg is the pass rate). */
enum soak_gate_step_field { SOAK_STEP_DURATION, SOAK_STEP_ATTEMPTS, SOAK_STEP_STATUS };

enum soak_gate_outcome { SOAK_GATE_PASS, SOAK_GATE_FAIL, SOAK_GATE_NODATA };

/* What soak-run judged of a gate live, as soak-report reads it back from summary.json's
 * gates (merged over shards by expression). */
struct soak_gate_live {
	int have;              /* a live gate of some shard */
	int only;              /* not given to soak-report: judged by the live outcome alone */
	int fired;             /* failed --gate-sustain evaluations in a row in some shard */
	int judged;            /* some shard judged it (outcome pass, failing or fail) */
	unsigned shard;        /* where it first fired */
	uint64_t first_failed; /* the iteration of that shard where the failing streak began */
	double value;          /* the value then (or, not fired, the last one), NAN unknown */
};

struct soak_gate {
	char *expr;
	int hard;   /* --gate: FAIL (soak-run: abort); --warn-gate: WARN (soak-run: go on) */
	int last;   /* over the last N iterations ("@last") */
	int scalar; /* a run-level number, not a metric */
	int tune;   /* a scalar of the run's tuning (tune.*) */
	int metric; /* enum soak_report_metric, or -1 */
	char *kpi;  /* kpi.NAME, or NULL */
	char *step; /* step.NAME.FIELD, or NULL */
	enum soak_gate_step_field step_field;
	char name[64]; /* scalar name ("pass_rate") or the metric's */
	enum soak_gate_agg agg;
	double pct; /* for p(N), in [0, 100] */
	enum soak_gate_op op;
	double threshold; /* in the metric's base unit (ms, bytes, per hour) */
	/* judged */
	enum soak_gate_outcome outcome;
	double value;
	double p;                   /* for slope gates: the trend's p-value, else NAN */
	struct soak_gate_live live; /* soak-report only */
};

/*
 * Parse a gate expression:
 *   METRIC[:AGG][@SCOPE] OP NUMBER[UNIT]
 * (docs/soak-report.md). On error: SOAK_EXIT_USAGE with a message naming the column
 * (1-based) and a second and third line showing the expression and a caret.
 * Thresholds that cannot mean what was typed are refused with a hint: a rate
 * above 1 without '%', a negative duration or size (slopes excepted), a
 * hexadecimal number.
 */
int soak_gate_parse(const char *expr, int hard, struct soak_gate *g, struct soak_err *err);
void soak_gate_free(struct soak_gate *g);
/* Parse expr and append it to the array *v of *n gates. */
int soak_gate_list_add(struct soak_gate **v, size_t *n, const char *expr, int hard,
                       struct soak_err *err);
/* "<=" ... */
const char *soak_gate_op_name(enum soak_gate_op op);
/* The unit a gate's value and threshold are shown in. */
enum soak_report_kind soak_gate_kind(const struct soak_gate *g);
/* 1 when g is judged on samples of the service (its value changes between iterations). */
int soak_gate_on_samples(const struct soak_gate *g);

/* The run-level numbers of a scope; failures = failed + timeouts + errors. */
struct soak_gate_counts {
	uint64_t n, passed, failed, timeouts, errors, skipped, failures, longest_streak;
};

/* The tuning of a run (tuning.jsonl), as the tune.* metrics read it: steps, steps
 * applied, blocked and reverted, the apply checks, freeze-ready after the last step. */
struct soak_gate_tune {
	uint64_t steps, applied, blocked, reverts, checked, matched;
	int freeze_ready;
};

/* An engine's statistics, as the evaluator reads them. */
struct soak_gate_src {
	void *ctx;
	/* the counts of the whole run (last 0) or of the @last window (last 1) */
	void (*counts)(void *ctx, int last, struct soak_gate_counts *c);
	/* the statistics of the series g names (metric, KPI or step) in g's scope; NULL when
	 * it never appeared */
	struct soak_stats *(*series)(void *ctx, const struct soak_gate *g);
	/* the trend of trended metric m (per hour); 0 when there is none yet */
	int (*trend)(void *ctx, int m, struct soak_trend *t);
	/* the i-th KPI name seen, NULL past the last (for the hint of a KPI that never appeared) */
	const char *(*kpi_name)(void *ctx, size_t i);
	double alpha; /* significance level of the trend test */
	/* the run's tuning into *t; 0 when the run was not tuned (NULL: no tuning data at all) */
	int (*tune)(void *ctx, struct soak_gate_tune *t);
};

/* soak-report's default --alpha, the significance level of soak-run's live trend gates */
#define SOAK_GATE_ALPHA 0.01

/* The trend rule both engines share: at least 3 points and p < alpha. */
int soak_gate_trend_significant(const struct soak_trend *t, double alpha);

/* The value g is judged on; *have 0 without data. */
double soak_gate_value(struct soak_gate *g, const struct soak_gate_src *src, int *have);
/* Judge g: sets value, p and outcome. */
void soak_gate_eval(struct soak_gate *g, const struct soak_gate_src *src);
/* Why g has no data, in a few words ("no data: KPI 'x' never appeared (KPIs seen: a, b)"). */
char *soak_gate_nodata_hint(const struct soak_gate *g, const struct soak_gate_src *src, char *buf,
                            size_t n);

#endif
