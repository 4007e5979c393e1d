/*
 * The decoder of Prometheus HTTP API answers behind soak_prom_query and
 * soak_prom_query_range (canary.h), on its own for fuzz/fuzz_prom.c.
 */
#ifndef SOAK_CANARY_PROM_H
#define SOAK_CANARY_PROM_H

#include "buf.h"
#include "canary.h"
#include "err.h"

/*
 * Decode the body of an answer (what names it in messages). 0: status
 * "success" with a result type of "vector", "matrix" or "scalar" and every
 * sample value a number or "NaN", "+Inf", "Inf", "-Inf", in *r (one series per
 * vector element, per matrix series, one for a scalar; the caller frees it).
 * -1 with SOAK_EXIT_ENV and a message, and *r empty: a JSON syntax error, a
 * Prometheus "error" answer (its errorType and error quoted), a malformed
 * answer, or a result type without numbers ("string").
 */
int soak_prom_decode(const char *what, const struct soak_buf *body, struct soak_prom_result *r,
                     struct soak_err *err);

#endif
