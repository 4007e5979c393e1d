/* Wall-clock timestamps in ISO-8601 UTC and a monotonic clock for durations. */
#ifndef SOAK_CLOCK_H
#define SOAK_CLOCK_H

#include <stdint.h>
#include <stddef.h>

#define SOAK_ISO8601_LEN 32

/* Monotonic milliseconds (and nanoseconds) since an arbitrary point; never goes back. */
int64_t soak_mono_ms(void);
int64_t soak_mono_ns(void);

/* Wall-clock milliseconds since the Unix epoch. */
int64_t soak_wall_ms(void);

/* "2026-11-22T04:18:21.123Z" into buf (at least SOAK_ISO8601_LEN); returns buf. */
char *soak_iso8601(int64_t wall_ms, char *buf, size_t n);

/* Parse the form above (fraction optional, "Z" required); -1 when malformed. */
int soak_iso8601_parse(const char *s, int64_t *wall_ms);

#endif
