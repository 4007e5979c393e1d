/*
 * FAILURES.md and RECOMMENDATIONS.md.
 */
#ifndef SOAK_REPORT_DOC_H
#define SOAK_REPORT_DOC_H

#include "buf.h"
#include "report_model.h"

/* FAILURES.md: the failures grouped by cause, with log excerpts. */
int soak_report_failures_md(struct soak_report *r, struct soak_buf *out);
/* RECOMMENDATIONS.md: what to look at next. */
int soak_report_recommendations_md(struct soak_report *r, struct soak_buf *out);

#endif
