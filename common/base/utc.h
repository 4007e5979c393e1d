/* UTC calendar arithmetic and ISO-8601 timestamps (no time zones, no OS). */
#ifndef SOAK_UTC_H
#define SOAK_UTC_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define SOAK_ISO8601_LEN 32

/* Seconds since the epoch into a UTC calendar time (gmtime_r); -1 when out of range. */
int soak_utc_split(int64_t sec, struct tm *tm);
/* A UTC calendar time into seconds since the epoch (timegm); months out of 0..11 are carried. */
int64_t soak_utc_join(const struct tm *tm);

/* "2026-11-22T04:18:21.123Z" into buf (at least SOAK_ISO8601_LEN); returns buf. */
char *soak_iso8601(int64_t wall_ms, char *buf, size_t n);

/* Parse the form above (fraction optional, "Z" required); -1 when malformed. */
int soak_iso8601_parse(const char *s, int64_t *wall_ms);

#endif
