/*
 * The soak-report engine: read one or more soak directories (docs/soak-directory.md)
 * or the legacy ITER_SUMMARY_<n>.json layout as a stream, summarize them with
 * bounded memory (stats.h), judge gates, reach a verdict and write the reports.
 * docs/soak-report.md describes every definition used here.
 *
 * Life cycle:
 *     soak_report_init(&r, &opts);
 *     soak_report_add_gate(&r, "duration_ms:p(95)<340", 1, &err);   (each gate)
 *     soak_report_load(&r, &err);      read and summarize every source
 *     soak_report_judge(&r);           gates and verdict
 *     soak_report_write(&r, &err);     the chosen formats, atomically, into out_dir
 *     soak_report_free(&r);
 */
#ifndef SOAK_REPORT_H
#define SOAK_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "buf.h"
#include "err.h"
#include "report_scan.h"
#include "stats.h"

/* --format bits */
#define SOAK_REPORT_F_JSON 0x01  /* POST_SOAK_SNAPSHOT.json */
#define SOAK_REPORT_F_MD 0x02    /* POST_SOAK_AUDIT.md */
#define SOAK_REPORT_F_RECO 0x04  /* RECOMMENDATIONS.md */
#define SOAK_REPORT_F_FAIL 0x08  /* FAILURES.md */
#define SOAK_REPORT_F_HTML 0x10  /* report.html */
#define SOAK_REPORT_F_JUNIT 0x20 /* junit.xml */
#define SOAK_REPORT_F_PROM 0x40  /* metrics.prom */
#define SOAK_REPORT_F_ALL 0x7f

/* Parse a comma-separated --format list ("json,md", "all", "none"). */
int soak_report_formats(const char *list, unsigned *out, struct soak_err *err);

struct soak_report_opts {
	char **dirs; /* the soak directories (shards), in order; not owned */
	size_t ndirs;
	const char *out_dir; /* NULL: <dirs[0]>/reports */
	unsigned formats;
	uint64_t last_n;        /* the "last N iterations" window, per shard */
	double settle_frac;     /* trends skip this share of the first points ... */
	uint64_t settle_points; /* ... or this many points */
	double alpha;           /* significance level of the trend test */
	double max_bad_share;   /* more malformed lines than this share: exit 3 */
	int strict;             /* WARN exits 1 */
	int junit_steps;        /* one testcase per step instead of per iteration */
	uint64_t junit_max;     /* testcases per iteration up to this; beyond, failures only */
	int64_t now_ms; /* the "generated" time (SOURCE_DATE_EPOCH for reproducible output) */
	const char *version;
	int full_parse; /* parse every record with cJSON instead of the scanner (report_scan.h) */
};

enum soak_report_status {
	SOAK_ST_PASS,
	SOAK_ST_FAIL,
	SOAK_ST_TIMEOUT,
	SOAK_ST_ERROR,
	SOAK_ST_SKIPPED,
	SOAK_ST_N
};

/* The per-iteration metrics. kind says how values read: */
enum soak_report_kind { SOAK_K_MS, SOAK_K_BYTES, SOAK_K_COUNT, SOAK_K_SECONDS, SOAK_K_RATIO };

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
	int trend;   /* a leak trend is computed */
	int service; /* from samples.jsonl */
};

extern const struct soak_report_metric_info soak_report_metrics[SOAK_M_N];

/* Where one iteration happened. */
struct soak_report_ref {
	unsigned shard;
	uint64_t iteration;
	char time[40]; /* its end time, "" when unknown */
	char *log;     /* log file relative to the shard's directory, or NULL */
};

struct soak_report_kpi {
	char *name;
	struct soak_stats st;
	struct soak_series chart; /* whole run only */
};

/* Statistics of a set of iterations: the whole run or the last N. */
struct soak_report_scope {
	uint64_t n;
	uint64_t count[SOAK_ST_N];
	uint64_t failures; /* fail + timeout + error */
	uint64_t streak, longest_streak;
	struct soak_report_ref first_fail, last_fail;
	uint64_t gaps_sum, ngaps; /* iterations between consecutive failures of a shard */
	uint64_t prev_fail_ord;   /* ordinal of the previous failure in the current shard + 1 */
	uint64_t ord;             /* records of the current shard so far */
	unsigned cur_shard;
	struct soak_stats m[SOAK_M_N];
	struct soak_report_kpi *kpi;
	size_t nkpi;
	uint64_t kpi_dropped; /* values of KPIs past the cap */
};

struct soak_report_step {
	char *name;
	uint64_t n, count[SOAK_ST_N];
	uint64_t allowed_failures; /* failed with allow_failure */
	uint64_t retried;          /* needed more than one attempt */
	uint64_t retried_passed;   /* ... and passed in the end */
	struct soak_stats duration;
};

/* Failures grouped by cause. */
struct soak_report_fgroup {
	char *cause; /* "exit code 1", "signal 9 (SIGKILL)", "timeout", "error", "step 'x': exit
	                code 2" */
	uint64_t count;
	struct soak_report_ref first, last;
};

/* A reusable text buffer. */
struct soak_report_text {
	char *s;
	size_t len, cap;
};

struct soak_report_source {
	char *dir;
	int legacy;         /* ITER_SUMMARY_<n>.json layout */
	char *run_id;       /* from run.json, or NULL */
	char *state;        /* from summary.json, or NULL */
	int64_t timeout_ms; /* from run.json config, -1 unknown */
	int64_t heartbeat_ms;
	uint64_t lines, records, bad;
	unsigned long bad_lines[5];
	size_t nbad_lines;
	int partial; /* metrics.jsonl ended in a partial line (ignored) */
	uint64_t samples;
	uint64_t log_dropped_bytes;
	uint64_t kpi_warnings;
	int64_t t0_ms;                 /* first record's start (for trends over time), -1 unknown */
	double disk0;                  /* first free_disk_bytes, NAN unknown */
	char iso_minute[16];           /* the last "YYYY-MM-DDTHH:MM" parsed ... */
	int64_t iso_minute_ms;         /* ... and its time (-1 none) */
	struct soak_report_text *ring; /* the last last_n records as JSON text */
	size_t ring_len, ring_pos;
};

/* A trend over every shard (regional Mann-Kendall: S and Var(S) summed over shards). */
struct soak_report_trend {
	struct soak_series *per_shard;
	struct soak_trend t; /* slope per hour, in the metric's units */
	int have;            /* at least 3 points in total */
	int significant;     /* have && p < alpha */
};

enum soak_gate_op { SOAK_OP_LT, SOAK_OP_LE, SOAK_OP_GT, SOAK_OP_GE, SOAK_OP_EQ, SOAK_OP_NE };

enum soak_gate_agg {
	SOAK_AGG_NONE, /* scalar metrics: pass_rate, failures, ... */
	SOAK_AGG_AVG,
	SOAK_AGG_MIN,
	SOAK_AGG_MAX,
	SOAK_AGG_MED,
	SOAK_AGG_LAST,
	SOAK_AGG_COUNT,
	SOAK_AGG_SUM,
	SOAK_AGG_STDDEV,
	SOAK_AGG_P,      /* p(N) */
	SOAK_AGG_SLOPE,  /* per hour; 0 unless significant */
	SOAK_AGG_TREND_P /* the Mann-Kendall p-value */
};

enum soak_gate_outcome { SOAK_GATE_PASS, SOAK_GATE_FAIL, SOAK_GATE_NODATA };

struct soak_report_gate {
	char *expr;
	int hard;      /* --gate: FAIL; --warn-gate: WARN */
	int last;      /* over the last N iterations ("@last") */
	int scalar;    /* a run-level number, not a metric */
	int metric;    /* enum soak_report_metric, or -1 */
	char *kpi;     /* kpi.NAME, or NULL */
	char *step;    /* step.NAME.duration_ms, or NULL */
	char name[64]; /* scalar name ("pass_rate") or the metric's */
	enum soak_gate_agg agg;
	double pct; /* for p(N), in [0, 100] */
	enum soak_gate_op op;
	double threshold; /* in the metric's base unit (ms, bytes, per hour) */
	/* judged */
	enum soak_gate_outcome outcome;
	double value;
	double p; /* for slope gates: the trend's p-value, else NAN */
};

/*
 * Parse a gate expression:
 *   METRIC[:AGG][@SCOPE] OP NUMBER[UNIT]
 * (docs/soak-report.md). On error: SOAK_EXIT_USAGE with a message naming the column
 * (1-based) and a second and third line showing the expression and a caret.
 */
int soak_report_gate_parse(const char *expr, int hard, struct soak_report_gate *g,
                           struct soak_err *err);
void soak_report_gate_free(struct soak_report_gate *g);
/* "p(95)" / "avg" ... for messages; "<=" ... */
const char *soak_report_op_name(enum soak_gate_op op);

enum soak_verdict { SOAK_VERDICT_PASS, SOAK_VERDICT_WARN, SOAK_VERDICT_FAIL };

struct soak_report {
	struct soak_report_opts o;
	char *out_dir;
	struct soak_report_source *src;
	size_t nsrc;
	struct soak_report_scope all, last;
	struct soak_report_trend trend[SOAK_M_N];
	struct soak_series chart[SOAK_M_N]; /* per-iteration, for sparklines and charts */
	struct soak_series chart_fail;      /* share of failing iterations per chart bucket */
	struct soak_report_step *steps;
	size_t nsteps;
	struct soak_report_fgroup *fg;
	size_t nfg;
	uint64_t fg_other; /* failures past the group cap */
	struct soak_report_gate *gates;
	size_t ngates;
	enum soak_verdict verdict;
	char reason[256]; /* why, one line */
	uint64_t bad, lines;
	struct soak_rec_ctx scan;        /* the record parser */
	struct soak_report_junit *junit; /* junit.xml, collected while reading (report_junit.c) */
};

const char *soak_verdict_name(enum soak_verdict v); /* "PASS" "WARN" "FAIL" */

int soak_report_init(struct soak_report *r, const struct soak_report_opts *o, struct soak_err *err);
void soak_report_free(struct soak_report *r);
int soak_report_add_gate(struct soak_report *r, const char *expr, int hard, struct soak_err *err);

/*
 * Read every source. Errors (SOAK_EXIT_INPUT): a missing directory, no metrics
 * in a directory, a newer schema major version, or more malformed lines than
 * max_bad_share; I/O errors SOAK_EXIT_ENV.
 */
int soak_report_load(struct soak_report *r, struct soak_err *err);

/* Judge the gates and set verdict and reason. */
void soak_report_judge(struct soak_report *r);
/* The exit code the verdict maps to (0, or 1 for FAIL and for WARN with strict). */
int soak_report_exit_code(const struct soak_report *r);

/* Write the chosen formats into out_dir (created), each atomically. */
int soak_report_write(struct soak_report *r, struct soak_err *err);

/* The pieces, each into a buffer (report_out.c, report_doc.c, report_html.c, report_junit.c). */
cJSON *soak_report_snapshot(struct soak_report *r);
int soak_report_markdown(struct soak_report *r, struct soak_buf *out, size_t max_bytes);
int soak_report_prom(struct soak_report *r, struct soak_buf *out);
int soak_report_failures_md(struct soak_report *r, struct soak_buf *out);
int soak_report_recommendations_md(struct soak_report *r, struct soak_buf *out);
int soak_report_html(struct soak_report *r, struct soak_buf *out);
/*
 * junit.xml is collected in the one pass over the records: soak_report_load calls
 * soak_report_junit_begin and, for every iteration, soak_report_junit_add;
 * soak_report_junit assembles the document. Memory: the listed testcases only
 * (at most --junit-max per shard, plus the first --junit-max iterations).
 */
int soak_report_junit_begin(struct soak_report *r);
int soak_report_junit_add(struct soak_report *r, unsigned shard, const struct soak_rec *rec);
void soak_report_junit_free(struct soak_report *r);
int soak_report_junit(struct soak_report *r, struct soak_buf *out, struct soak_err *err);

/*
 * Under GitHub Actions: outputs verdict, pass-rate, iterations, report-dir; the
 * job summary (the audit, shortened to fit); annotations for failed gates are
 * appended to out for the caller to print.
 */
int soak_report_gha(struct soak_report *r, struct soak_buf *annotations, struct soak_err *err);

/*
 * The end-of-run summary for people, at most about 25 lines: verdict and reason,
 * iterations, pass rate with its interval, duration percentiles, resource peaks,
 * failures and their top causes, significant trends, gates, where the reports are.
 */
int soak_report_summary(struct soak_report *r, struct soak_buf *out);

/*
 * A notification about the verdict, one screen at most: a one-line title and a
 * text with the verdict and its reason, the run, the iterations by status, the
 * pass rate, the failed gates (at most six) and where the reports are. *kind
 * gets "success" (PASS), "warning" (WARN) or "failure" (FAIL).
 */
int soak_report_message(struct soak_report *r, struct soak_buf *title, struct soak_buf *text,
                        const char **kind);

/* Helpers shared by the writers. */
double soak_report_gate_value(struct soak_report *r, const struct soak_report_gate *g, int *have);
/* The unit a gate's value and threshold are shown in. */
enum soak_report_kind soak_report_gate_kind(const struct soak_report_gate *g);
/* Format v in the metric's unit for people ("1.5 MiB", "340ms", "12", "98.3%"). */
char *soak_report_fmt(enum soak_report_kind kind, double v, char *buf, size_t n);
/* A sparkline of at most width characters of ▁▂▃▄▅▆▇█ from a series. */
int soak_report_sparkline(const struct soak_series *s, size_t width, struct soak_buf *out);
/* "rss grows 1.8 MB/h (p < 0.01)" */
int soak_report_trend_sentence(const struct soak_report *r, int metric, struct soak_buf *out);
/* Points of a chart series (the reduced points plus the open bucket); caller frees. */
size_t soak_report_chart_points(const struct soak_series *s, double **x, double **y);

#endif
