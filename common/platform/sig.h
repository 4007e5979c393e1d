/*
 * Signals, platform layer: SIGINT and SIGTERM (and SIGHUP) are caught into a
 * self-pipe so the main loop notices them in poll and in sleeps at once.
 * SIGPIPE is ignored in the caller (child processes get default dispositions).
 * Windows: Ctrl-C reads as SIGINT; Ctrl-Break, console close, logoff and
 * shutdown as SIGTERM (a close waits up to 4.5 s for the exit path, since Windows
 * ends the process when the handler returns); raise(SIGINT/SIGTERM) too.
 */
#ifndef SOAK_SIG_H
#define SOAK_SIG_H

#include <stdint.h>
#include "err.h"

int soak_sig_init(struct soak_err *err);
/* The first terminating signal caught (SIGINT, SIGTERM, SIGHUP), 0 if none. */
int soak_sig_caught(void);
/* Sleep up to ms; returns 1 at once when a signal arrives (or had arrived), else 0. */
int soak_sig_sleep(int64_t ms);
/* 130 for SIGINT, 143 for SIGTERM, 128+n otherwise. */
int soak_sig_exit_code(int sig);
const char *soak_sig_name(int sig); /* "SIGTERM"; "SIG<n>" if unknown (static buffer) */

#endif
