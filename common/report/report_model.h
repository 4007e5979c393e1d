/*
 * The data model of soak-report: the options, the per-iteration metrics, the
 * statistics of a run (struct soak_report) and its gates. Everything else in
 * report/ reads or fills it; this file and report_model.c call nothing above them.
 */
#ifndef SOAK_REPORT_MODEL_H
#define SOAK_REPORT_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "gate.h"
#include "report_scan.h"
#include "stats.h"
#include "tunelog.h"

/* Points of each chart series (struct soak_report's chart, a KPI's chart). */
#define SOAK_REPORT_CHART_POINTS 1000

/* --format bits */
#define SOAK_REPORT_F_JSON 0x01  /* POST_SOAK_SNAPSHOT.json */
#define SOAK_REPORT_F_MD 0x02    /* POST_SOAK_AUDIT.md */
#define SOAK_REPORT_F_RECO 0x04  /* RECOMMENDATIONS.md */
#define SOAK_REPORT_F_FAIL 0x08  /* FAILURES.md */
#define SOAK_REPORT_F_HTML 0x10  /* report.html */
#define SOAK_REPORT_F_JUNIT 0x20 /* junit.xml */
#define SOAK_REPORT_F_PROM 0x40  /* metrics.prom */
#define SOAK_REPORT_F_ALL 0x7f

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
	struct soak_stats attempts; /* per run of the step: 1, or more after retries */
	struct soak_stats status;   /* per run of the step: 1 passed, 0 did not */
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
	struct soak_tunelog *tune; /* tuning.jsonl, NULL when the directory has none */
};

/* A trend over every shard (regional Mann-Kendall: S and Var(S) summed over shards). */
struct soak_report_trend {
	struct soak_series *per_shard;
	struct soak_trend t; /* slope per hour, in the metric's units */
	int have;            /* at least 3 points in total */
	int significant;     /* have && p < alpha */
};

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
	struct soak_gate *gates;
	size_t ngates;
	enum soak_verdict verdict;
	char reason[256]; /* why, one line */
	uint64_t bad, lines;
	struct soak_rec_ctx scan;        /* the record parser */
	struct soak_report_junit *junit; /* junit.xml, collected while reading (report_junit.c) */
};

const char *soak_verdict_name(enum soak_verdict v); /* "PASS" "WARN" "FAIL" */

/* 1 when metric m is a leak suspect: one of the command's resources (not the
 * duration, not a host series such as disk or mem_avail) that grows significantly
 * with a positive median slope. The verdict without gates, the recommendations and
 * the snapshot's leak_suspect all use this rule. */
int soak_report_leak_suspect(const struct soak_report *r, int m);

/* The tuning of every shard that has a tuning.jsonl, summed (freeze_ready: every
 * one of them is); returns how many shards have one (0: *t all zero). */
size_t soak_report_tune_sum(const struct soak_report *r, struct soak_gate_tune *t);

#endif
