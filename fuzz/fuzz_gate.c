/*
 * Gate expressions of soak-report --gate / --warn-gate (report_gate.c):
 * METRIC[:AGG][@SCOPE] OP NUMBER[UNIT]. Invariants: a refused gate has a usage
 * error whose message shows a caret; a parsed gate has a finite threshold, a
 * percentile in [0, 100], and formats without overflowing.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "report.h"
#include "exitcode.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), buf[64];
	struct soak_gate g;
	struct soak_err err;

	memset(&err, 0, sizeof(err));
	if (soak_gate_parse(s, (int)(size & 1), &g, &err) < 0) {
		if (err.code != SOAK_EXIT_USAGE || !err.msg[0])
			fuzz_fail("gate '%s' refused with code %d, message '%s'", s, err.code,
			          err.msg);
		soak_gate_free(&g);
		free(s);
		return 0;
	}
	if (isnan(g.threshold))
		fuzz_fail("gate '%s': threshold is NaN", s);
	if (g.agg == SOAK_AGG_P && !(g.pct >= 0 && g.pct <= 100))
		fuzz_fail("gate '%s': percentile %g", s, g.pct);
	if (!g.expr || strlen(g.name) >= sizeof(g.name))
		fuzz_fail("gate '%s': no expression or name", s);
	soak_report_fmt(soak_gate_kind(&g), g.threshold, buf, sizeof(buf));
	if (strlen(buf) >= sizeof(buf))
		fuzz_fail("format overflow");
	soak_gate_op_name(g.op);
	soak_gate_free(&g);
	free(s);
	return 0;
}
