/* The verdict names of the data model. */
#include "report_model.h"
#include "banned.h"

const char *soak_verdict_name(enum soak_verdict v)
{
	return v == SOAK_VERDICT_PASS ? "PASS" : v == SOAK_VERDICT_WARN ? "WARN" : "FAIL";
}

int soak_report_leak_suspect(const struct soak_report *r, int m)
{
	const struct soak_report_trend *t = &r->trend[m];

	return soak_report_metrics[m].trend && !soak_report_metrics[m].host &&
	       m != SOAK_M_DURATION && t->have && t->significant && t->t.slope > 0;
}
