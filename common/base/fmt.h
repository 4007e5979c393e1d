/*
 * Numbers for people: the one rule for every duration, size, rate, ratio and
 * count a person reads, whatever the output (terminal, Markdown, HTML, tag
 * messages, checklists, changelogs, rollback plans). Values are rounded, never
 * truncated, and carry their unit. Outputs for machines (JSON, JUnit,
 * Prometheus) keep raw numbers and do not use this.
 *
 *   milliseconds  "0.25ms", "340ms", "2.19s", "59.9s", "1m", "1h02m04s", "1d00h05m"
 *                 (three significant digits under a minute, whole seconds above)
 *   bytes         "512 B", "1.5 KiB", "10 GiB" (powers of 1024, one decimal)
 *   seconds       as milliseconds ("12ms", "2.5s")
 *   ratio         "98.33%" (two decimals)
 *   count         "12", "3284992", "0.7333" (whole numbers plain, four significant
 *                 digits otherwise, never an exponent from 10000 up)
 * A value that is not finite reads "n/a".
 */
#ifndef SOAK_FMT_H
#define SOAK_FMT_H

#include <stddef.h>
#include <stdint.h>

enum soak_unit { SOAK_U_MS, SOAK_U_BYTES, SOAK_U_COUNT, SOAK_U_SECONDS, SOAK_U_RATIO };

/* v in its unit. Returns buf. */
char *soak_fmt(enum soak_unit u, double v, char *buf, size_t n);

/*
 * A setting's value exactly, for a person to type back (a tuned parameter's value in a
 * report or a rollback plan): the shorter of %.15g and %.17g that reads back as the
 * same double ("4.5", "96", "0.30000000000000004"); "n/a" when not finite. The
 * overrides file soak-run writes spells its numbers the same way. Returns buf.
 */
char *soak_fmt_setting(double v, char *buf, size_t n);

/* A rate per hour in the unit: "1.4 GiB/h", "-12/h". Returns buf. */
char *soak_fmt_per_hour(enum soak_unit u, double v, char *buf, size_t n);

/*
 * The unit of a metric, or of a gate's value, from its name or expression as
 * soak-report writes them ("duration_ms", "rss", "step.build.duration_ms",
 * "pass_rate", "rss:slope@last<1MB/h", "duration_ms:count>0"). *per_hour is 1
 * when the gate's aggregate is a slope (a rate per hour). Names it does not know
 * (the command's own KPIs) are counts.
 */
enum soak_unit soak_fmt_unit_of(const char *expr, int *per_hour);

/* v as soak_fmt_unit_of(expr) says it reads, with "/h" for a slope. Returns buf. */
char *soak_fmt_named(const char *expr, double v, char *buf, size_t n);

/* Shorthands for whole milliseconds and bytes: soak_fmt(SOAK_U_MS / SOAK_U_BYTES). */
char *soak_format_duration(int64_t ms, char *buf, size_t n);
char *soak_format_size(uint64_t bytes, char *buf, size_t n);

#endif
