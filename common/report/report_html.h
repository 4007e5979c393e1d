/*
 * report.html: one self-contained page with charts.
 */
#ifndef SOAK_REPORT_HTML_H
#define SOAK_REPORT_HTML_H

#include "buf.h"
#include "report_model.h"

int soak_report_html(struct soak_report *r, struct soak_buf *out);

#endif
