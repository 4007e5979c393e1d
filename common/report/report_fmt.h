/*
 * Text for people shared by the writers: values in their units, sparklines,
 * trend sentences, chart points.
 */
#ifndef SOAK_REPORT_FMT_H
#define SOAK_REPORT_FMT_H

#include <stddef.h>
#include "buf.h"
#include "report_model.h"
#include "stats.h"

/* What the Host section of the audit and report.html says of the machine's series. */
#define SOAK_REPORT_HOST_NOTE                                                                      \
	"What the machine did during the run. These series measure the whole machine, and "        \
	"other jobs on a shared runner move them too: they are not the command's leaks and "       \
	"count in the verdict only through a gate that names them (such as "                       \
	"--gate 'disk:slope<1GB/h')."

/* v in the metric's unit for people: soak_fmt (fmt.h), the one rule for every output. */
char *soak_report_fmt(enum soak_report_kind kind, double v, char *buf, size_t n);
/* A gate's value or threshold in its unit, per hour for a slope: "1.5 MiB/h". */
char *soak_report_fmt_gate(const struct soak_gate *g, double v, char *buf, size_t n);
/* What soak-run judged of g live, for people: "first failed at iteration 23, value
 * 137ms" (then " in 'DIR'" with several shards), "passed", "never judged (no data)". */
char *soak_report_fmt_live(const struct soak_report *r, const struct soak_gate *g, char *buf,
                           size_t n);
/* A sparkline of at most width characters of ▁▂▃▄▅▆▇█ from a series. */
int soak_report_sparkline(const struct soak_series *s, size_t width, struct soak_buf *out);
/* "rss grows 1.8 MB/h (p < 0.01)" */
int soak_report_trend_sentence(const struct soak_report *r, int metric, struct soak_buf *out);
/* A Prometheus label value, escaped. */
void soak_report_prom_label(struct soak_buf *b, const char *s);
/* Points of a chart series (the reduced points plus the open bucket); caller frees. */
size_t soak_report_chart_points(const struct soak_series *s, double **x, double **y);

#endif
