/*
 * What soak-report tells people directly: the end-of-run summary, the
 * notification message, and GitHub Actions outputs, job summary and annotations.
 */
#ifndef SOAK_REPORT_SUMMARY_H
#define SOAK_REPORT_SUMMARY_H

#include "buf.h"
#include "err.h"
#include "report_model.h"

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

#endif
