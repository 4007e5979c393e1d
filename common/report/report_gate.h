/*
 * The verdict of soak-report: the gates (gate.h: their grammar and evaluation)
 * judged over the loaded statistics, and the exit code.
 */
#ifndef SOAK_REPORT_GATE_H
#define SOAK_REPORT_GATE_H

#include "gate.h"
#include "report_model.h"

/* The loaded statistics as the gate evaluator reads them. */
void soak_report_gate_src(struct soak_report *r, struct soak_gate_src *src);
/*
 * Merge a live gate of shard's summary.json (soak-run's "gates": expr, level abort or
 * warn, outcome pass/failing/fail/nodata, first_failed_iteration, value; 0 and NAN when
 * absent) into the gates: into the gate given to soak-report with the same expression
 * (blanks ignored), which then fails when either judgement failed, or as a gate of its
 * own, judged by its live outcome alone. An unknown outcome: SOAK_EXIT_INPUT.
 */
int soak_report_live_gate(struct soak_report *r, unsigned shard, const char *expr, int hard,
                          const char *outcome, double first_failed, double value,
                          struct soak_err *err);
/* Judge the gates and set verdict and reason. */
void soak_report_judge(struct soak_report *r);
/* The exit code the verdict maps to (0, or 1 for FAIL and for WARN with strict). */
int soak_report_exit_code(const struct soak_report *r);

#endif
