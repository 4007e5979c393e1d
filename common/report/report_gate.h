/*
 * Gates (--gate, --warn-gate): parsing their expressions, judging them against
 * the loaded statistics, and the verdict with its exit code.
 */
#ifndef SOAK_REPORT_GATE_H
#define SOAK_REPORT_GATE_H

#include "err.h"
#include "report_model.h"

/*
 * Parse a gate expression:
 *   METRIC[:AGG][@SCOPE] OP NUMBER[UNIT]
 * (docs/soak-report.md). On error: SOAK_EXIT_USAGE with a message naming the column
 * (1-based) and a second and third line showing the expression and a caret.
 */
int soak_report_gate_parse(const char *expr, int hard, struct soak_report_gate *g,
                           struct soak_err *err);
void soak_report_gate_free(struct soak_report_gate *g);
/* "p(95)" / "avg" ... for messages; "<=" ... */
const char *soak_report_op_name(enum soak_gate_op op);

/* Judge the gates and set verdict and reason. */
void soak_report_judge(struct soak_report *r);
/* The exit code the verdict maps to (0, or 1 for FAIL and for WARN with strict). */
int soak_report_exit_code(const struct soak_report *r);

/* The value a gate is judged on (the metric, aggregate and scope it names); *have 0 without data.
 */
double soak_report_gate_value(struct soak_report *r, const struct soak_report_gate *g, int *have);
/* The unit a gate's value and threshold are shown in. */
enum soak_report_kind soak_report_gate_kind(const struct soak_report_gate *g);

#endif
