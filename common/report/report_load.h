/*
 * Reading the sources: soak directories (metrics.jsonl, samples.jsonl, run.json,
 * summary.json) or the legacy ITER_SUMMARY_<n>.json layout, summarized as a stream.
 */
#ifndef SOAK_REPORT_LOAD_H
#define SOAK_REPORT_LOAD_H

#include "err.h"
#include "report_model.h"

/*
 * Read every source. Errors (SOAK_EXIT_INPUT): a missing directory, no metrics
 * in a directory, a newer schema major version, or more malformed lines than
 * max_bad_share; I/O errors SOAK_EXIT_ENV.
 */
int soak_report_load(struct soak_report *r, struct soak_err *err);

#endif
