/* The verdict names of the data model. */
#include "report_model.h"
#include "banned.h"

const char *soak_verdict_name(enum soak_verdict v)
{
	return v == SOAK_VERDICT_PASS ? "PASS" : v == SOAK_VERDICT_WARN ? "WARN" : "FAIL";
}
