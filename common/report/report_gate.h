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
/* Judge the gates and set verdict and reason. */
void soak_report_judge(struct soak_report *r);
/* The exit code the verdict maps to (0, or 1 for FAIL and for WARN with strict). */
int soak_report_exit_code(const struct soak_report *r);

#endif
