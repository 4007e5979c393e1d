/* A monotonic clock for durations and the wall clock (ISO-8601 forms: utc.h). */
#ifndef SOAK_CLOCK_H
#define SOAK_CLOCK_H

#include <stdint.h>
#include "utc.h"

/* Monotonic milliseconds (and nanoseconds) since an arbitrary point; never goes back. */
int64_t soak_mono_ms(void);
int64_t soak_mono_ns(void);

/* Wall-clock milliseconds (and nanoseconds) since the Unix epoch. */
int64_t soak_wall_ms(void);
int64_t soak_wall_ns(void);

#endif
