/*
 * Reading soak records fast, for soak-report.
 *
 * A record view (struct soak_rec) holds the members of one JSON record that
 * soak-report uses, typed as cJSON would give them. It is filled either by a
 * fast scanner that reads a metrics.jsonl or samples.jsonl line in one pass
 * without building a tree, or from a cJSON tree (the full parser, the legacy
 * layout). Both give the same view for any line:
 *   - the scanner accepts a strict subset of JSON (no escapes in strings, no
 *     control characters, plain JSON numbers of at most 40 characters, nesting
 *     up to 64 levels, nothing but white space after the object) and hands
 *     everything else to cJSON, which decides, as it always did;
 *   - numbers are converted exactly as strtod does (cJSON uses strtod): with at
 *     most 15 significant digits and a decimal exponent within +-22 both the
 *     digits and the power of ten are exact doubles and one IEEE division or
 *     multiplication rounds correctly (Clinger's fast path); other numbers go
 *     through strtod;
 *   - of a member that appears twice, the first counts (cJSON_GetObjectItem);
 *   - "steps" keeps being a cJSON tree: the scanner parses only that value with
 *     cJSON.
 * A view stays valid until the next parse with the same context.
 *
 * struct soak_report_lines reads a JSON Lines file in large blocks with the
 * same rules as soak_jsonl_next (jsonl.h): empty lines skipped, a trailing '\r'
 * dropped, lines longer than max_line skipped and counted, a partial last line
 * ignored and flagged.
 */
#ifndef SOAK_REPORT_SCAN_H
#define SOAK_REPORT_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "err.h"

/* The members a view holds. */
enum soak_rec_key {
	SOAK_RK_SCHEMA,
	SOAK_RK_STATUS,
	SOAK_RK_ITERATION,
	SOAK_RK_START,
	SOAK_RK_END,
	SOAK_RK_LOG,
	SOAK_RK_EXIT_CODE,
	SOAK_RK_SIGNAL,
	SOAK_RK_TIMED_OUT,
	SOAK_RK_LOG_DROPPED_BYTES,
	SOAK_RK_WARNINGS,
	SOAK_RK_DURATION_MS,
	SOAK_RK_PEAK_RSS_BYTES,
	SOAK_RK_OPEN_FDS,
	SOAK_RK_THREADS,
	SOAK_RK_PROCS,
	SOAK_RK_CPU_USER_S,
	SOAK_RK_CPU_SYS_S,
	SOAK_RK_FREE_DISK_BYTES,
	SOAK_RK_MEM_AVAIL_BYTES,
	SOAK_RK_LOG_BYTES,
	SOAK_RK_SCOPE,
	SOAK_RK_ELAPSED_S,
	SOAK_RK_RSS_BYTES,
	SOAK_RK_KPI,
	SOAK_RK_STEPS,
	SOAK_RK_N
};

/* The key's name ("duration_ms"); soak_rec_key_of: the key of a name, or -1. */
const char *soak_rec_key_name(enum soak_rec_key k);
int soak_rec_key_of(const char *name, size_t len);

enum soak_rec_type {
	SOAK_RT_ABSENT,
	SOAK_RT_NULL,
	SOAK_RT_FALSE,
	SOAK_RT_TRUE,
	SOAK_RT_NUMBER,
	SOAK_RT_STRING,
	SOAK_RT_OBJECT,
	SOAK_RT_ARRAY
};

struct soak_rec_val {
	enum soak_rec_type type;
	double num;      /* SOAK_RT_NUMBER */
	const char *str; /* SOAK_RT_STRING, NUL-terminated */
};

struct soak_rec_kpi {
	const char *name;
	double value; /* may be infinite (as strtod gives 1e999) */
};

struct soak_rec {
	int object; /* the line is a JSON object (else every member is absent) */
	struct soak_rec_val k[SOAK_RK_N];
	/* the numeric members of "kpi" with a name, in order (none unless it is an object) */
	const struct soak_rec_kpi *kpi;
	size_t nkpi;
	const cJSON *steps; /* the "steps" value, NULL when absent */
};

struct soak_rec_ctx {
	int full;            /* always use cJSON (--full-parse) */
	uint64_t fast, slow; /* lines read by the scanner / by cJSON */
	char *arena;         /* the strings of the current view */
	size_t arena_cap, arena_len;
	struct soak_rec_kpi *kpi;
	size_t kpi_cap;
	cJSON *tree; /* the current line's tree (cJSON path) or its "steps" (scanner) */
};

void soak_rec_ctx_init(struct soak_rec_ctx *c, int full);
void soak_rec_ctx_free(struct soak_rec_ctx *c);

/*
 * Parse one line into *r. Returns 1 when the line is JSON (r->object says whether
 * it is an object), 0 when it is not (as cJSON_ParseWithLength fails), -1 out of memory.
 */
int soak_rec_parse(struct soak_rec_ctx *c, const char *line, size_t len, struct soak_rec *r);

/* The scanner alone: 1 scanned, 0 needs the full parser, -1 out of memory. */
int soak_rec_scan(struct soak_rec_ctx *c, const char *line, size_t len, struct soak_rec *r);

/* Fill *r from a cJSON value (which must outlive the view); -1 out of memory. */
int soak_rec_from_json(struct soak_rec_ctx *c, const cJSON *obj, struct soak_rec *r);

/* Shortcuts: the value of a number member that is finite (jnum), a string member. */
int soak_rec_num(const struct soak_rec *r, enum soak_rec_key k, double *v);
const char *soak_rec_str(const struct soak_rec *r, enum soak_rec_key k);

struct soak_report_lines {
	int fd;
	char *buf;
	size_t cap, pos, end; /* unread bytes are buf[pos, end) */
	size_t max_line;
	int eof, skipping;            /* skipping: inside an overlong line */
	unsigned long lineno;         /* number of the line last returned (1-based) */
	unsigned long overlong;       /* lines skipped for exceeding max_line */
	unsigned long overlong_at[8]; /* the numbers of the first of them */
	size_t noverlong_at;
	int partial; /* the file ended in a line without '\n' */
	char *path;
};

int soak_report_lines_open(struct soak_report_lines *l, const char *path, size_t max_line,
                           struct soak_err *err);
/*
 * The next line, without '\n' or a trailing '\r', not NUL-terminated (valid until the
 * next call). 1 with a line, 0 at the end, -1 on a read error (SOAK_EXIT_ENV).
 */
int soak_report_lines_next(struct soak_report_lines *l, const char **line, size_t *len,
                           struct soak_err *err);
void soak_report_lines_close(struct soak_report_lines *l);

#endif
