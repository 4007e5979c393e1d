/* The verdict names of the data model, and the sums over it. */
#include <string.h>

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

size_t soak_report_tune_sum(const struct soak_report *r, struct soak_gate_tune *t)
{
	size_t i, n = 0;

	memset(t, 0, sizeof(*t));
	t->freeze_ready = 1;
	for (i = 0; i < r->nsrc; i++) {
		const struct soak_tunelog *l = r->src[i].tune;

		if (!l)
			continue;
		n++;
		t->steps += l->steps;
		t->applied += l->decisions[SOAK_TL_APPLIED];
		t->blocked += l->decisions[SOAK_TL_BLOCKED];
		t->reverts += l->decisions[SOAK_TL_REVERTED];
		t->checked += l->checked;
		t->matched += l->matched;
		t->freeze_ready &= l->freeze_ready;
	}
	if (!n)
		t->freeze_ready = 0;
	return n;
}
