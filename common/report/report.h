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
 *
 * The files, each above only those listed after it (includes and calls go
 * downward only; report.c orchestrates on top; this header includes every
 * other, for the programs and tests that use the engine):
 *
 *   report.c          formats, life cycle, soak_report_write (this header)
 *   report_summary.c  end-of-run summary, notification, GitHub Actions (report_summary.h)
 *   report_out.c      POST_SOAK_SNAPSHOT.json, POST_SOAK_AUDIT.md, metrics.prom (report_out.h)
 *   report_html.c     report.html (report_html.h)
 *   report_doc.c      FAILURES.md, RECOMMENDATIONS.md (report_doc.h)
 *   report_load.c     reading the sources into the model (report_load.h)
 *   report_junit.c    junit.xml, collected while reading (report_junit.h)
 *   report_tune.c     the Tuning section of every writer (report_tune.h)
 *   report_gate.c     gate expressions, judging, the verdict (report_gate.h)
 *   report_fmt.c      values, sparklines and trends as text (report_fmt.h)
 *   report_model.c    the data model: struct soak_report, the metric table (report_model.h)
 *   report_scan.c     records and lines of metrics.jsonl (report_scan.h)
 */
#ifndef SOAK_REPORT_H
#define SOAK_REPORT_H

#include "err.h"
#include "report_model.h"
#include "report_fmt.h"
#include "report_gate.h"
#include "report_junit.h"
#include "report_tune.h"
#include "report_load.h"
#include "report_doc.h"
#include "report_html.h"
#include "report_out.h"
#include "report_summary.h"

/* Parse a comma-separated --format list ("json,md", "all", "none"). */
int soak_report_formats(const char *list, unsigned *out, struct soak_err *err);

int soak_report_init(struct soak_report *r, const struct soak_report_opts *o, struct soak_err *err);
void soak_report_free(struct soak_report *r);
int soak_report_add_gate(struct soak_report *r, const char *expr, int hard, struct soak_err *err);

/* Write the chosen formats into out_dir (created), each atomically. */
int soak_report_write(struct soak_report *r, struct soak_err *err);

#endif
