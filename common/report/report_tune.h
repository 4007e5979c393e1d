/*
 * The Tuning section of the reports: what soak-run --tune did between iterations
 * (tuning.jsonl, read by tunelog.h), per shard that has one. Every writer shows
 * it only when some shard has a tuning.jsonl.
 */
#ifndef SOAK_REPORT_TUNE_H
#define SOAK_REPORT_TUNE_H

#include <cjson/cJSON.h>
#include "buf.h"
#include "report_model.h"

/* 1 when some shard has a tuning.jsonl. */
int soak_report_tuned(const struct soak_report *r);

/* The snapshot's "tuning" member: the sums over shards and one entry per tuned shard,
 * raw numbers; NULL when out of memory. */
cJSON *soak_report_tune_json(const struct soak_report *r);

/* POST_SOAK_AUDIT.md's "## Tuning". */
int soak_report_tune_md(const struct soak_report *r, struct soak_buf *b);

/* metrics.prom's soak_tune_* families. */
int soak_report_tune_prom(const struct soak_report *r, struct soak_buf *b);

/* The end-of-run summary's tuning lines (at most three). */
int soak_report_tune_summary(const struct soak_report *r, struct soak_buf *b);

/* RECOMMENDATIONS.md's items on the tuning (apply mismatches, panic reverts,
 * parameters frozen by oscillation); returns how many it wrote. */
size_t soak_report_tune_recommend(const struct soak_report *r, struct soak_buf *b);

#endif
