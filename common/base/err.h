/*
 * Error reporting for the core. Library functions never print and never exit:
 * they return -1 and fill a caller-supplied struct soak_err with the exit code
 * class that fits (enum soak_exit) and a message without the program name,
 * e.g. "cannot open 'metrics.jsonl': No such file or directory".
 * Only cmd/ turns a soak_err into output and an exit status.
 */
#ifndef SOAK_ERR_H
#define SOAK_ERR_H

#include "attr.h"
#include <stddef.h>

#define SOAK_ERR_MAX 1024

struct soak_err {
	int code;               /* an enum soak_exit value; 0 when no error was set */
	char msg[SOAK_ERR_MAX]; /* NUL-terminated, truncated with "..." if too long */
};

/* Set code and a printf-style message; always returns -1 so callers can "return soak_err_set(...)".
 */
int soak_err_set(struct soak_err *err, int code, const char *fmt, ...) SOAK_PRINTF(3, 4);

/* Like soak_err_set, appending ": strerror(errnum)". Returns -1. */
int soak_err_errno(struct soak_err *err, int code, int errnum, const char *fmt, ...)
    SOAK_PRINTF(4, 5);

/* Prefix the existing message with a printf-style context and ": ". Returns -1. */
int soak_err_prefix(struct soak_err *err, const char *fmt, ...) SOAK_PRINTF(2, 3);

void soak_err_clear(struct soak_err *err);

#endif
