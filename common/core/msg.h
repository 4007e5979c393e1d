/*
 * Messages to the user, for cmd/ only (the core never prints). Every line starts
 * with the program name set by soak_msg_init: "soak-run: cannot open 'x': ...".
 */
#ifndef SOAK_MSG_H
#define SOAK_MSG_H

#include "attr.h"
#include "err.h"

void soak_msg_init(const char *progname);
const char *soak_msg_prog(void);

/* "prog: error: ..." is not used; like git, errors read "prog: <message>". */
void soak_error(const char *fmt, ...) SOAK_PRINTF(1, 2);
void soak_warning(const char *fmt, ...) SOAK_PRINTF(1, 2);
void soak_info(const char *fmt, ...) SOAK_PRINTF(1, 2);

/* Print err's message and return its code (SOAK_EXIT_ENV if none was set). */
int soak_report_err(const struct soak_err *err);

/*
 * A usage error: one line to stderr, then "try 'PROG --help'"; returns SOAK_EXIT_USAGE.
 */
int soak_usage_error(const char *fmt, ...) SOAK_PRINTF(1, 2);

/*
 * Flush and close stdout; on failure print a message and return SOAK_EXIT_ENV,
 * else return code unchanged. Every main ends with "return soak_finish(code);".
 */
int soak_finish(int code);

#endif
