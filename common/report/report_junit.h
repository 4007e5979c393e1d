/*
 * junit.xml, collected while the records are read (report_load.c).
 */
#ifndef SOAK_REPORT_JUNIT_H
#define SOAK_REPORT_JUNIT_H

#include "buf.h"
#include "err.h"
#include "report_model.h"
#include "report_scan.h"

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

#endif
