/*
 * Checked parsing of numbers, durations and sizes (in the spirit of OpenBSD
 * strtonum): the whole string must be consumed, the value must lie in range,
 * and on failure err says what was wrong and what is allowed. Never atoi.
 */
#ifndef SOAK_PARSE_H
#define SOAK_PARSE_H

#include <stdint.h>
#include <stddef.h>
#include "err.h"

/* Decimal integer in [min, max]. */
int soak_parse_int(const char *s, long long min, long long max, long long *out,
                   struct soak_err *err);

/* Finite decimal floating-point number in [min, max]. */
int soak_parse_double(const char *s, double min, double max, double *out, struct soak_err *err);

/*
 * Duration to milliseconds: a non-negative number (fraction allowed) followed by a
 * unit ms, s, m, h, d or w; several may be joined ("1h30m"). A bare number is
 * refused (ambiguous) unless it is 0. Examples: 250ms, 90s, 20m, 24h, 1.5h, 7d.
 */
int soak_parse_duration(const char *s, int64_t *ms, struct soak_err *err);

/*
 * Size to bytes: a non-negative number with an optional unit B, KB, MB, GB, TB
 * (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024), also K, M, G, T as
 * powers of 1024; case-insensitive. A bare number means bytes. Examples: 500MB, 10GiB.
 */
int soak_parse_size(const char *s, uint64_t *bytes, struct soak_err *err);

/* Parse "true/false/yes/no/on/off/1/0". */
int soak_parse_bool(const char *s, int *out, struct soak_err *err);

#endif
