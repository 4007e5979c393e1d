/*
 * The machine-readable and audit reports: the JSON snapshot, POST_SOAK_AUDIT.md,
 * metrics.prom.
 */
#ifndef SOAK_REPORT_OUT_H
#define SOAK_REPORT_OUT_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "buf.h"
#include "report_model.h"

/* POST_SOAK_SNAPSHOT.json. */
cJSON *soak_report_snapshot(struct soak_report *r);
/* POST_SOAK_AUDIT.md; max_bytes 0: no limit, else shortened to fit. */
int soak_report_markdown(struct soak_report *r, struct soak_buf *out, size_t max_bytes);
/* metrics.prom, the Prometheus text format. */
int soak_report_prom(struct soak_report *r, struct soak_buf *out);

#endif
