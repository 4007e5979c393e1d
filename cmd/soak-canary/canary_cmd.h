/*
 * soak-canary's subcommands: the run function main.c dispatches to for each
 * (its flags checked, no argument left over), and what they share. Each run
 * prints its messages and returns the exit code.
 */
#ifndef SOAK_CANARY_CMD_H
#define SOAK_CANARY_CMD_H

#include <stddef.h>

#include "conf.h"
#include "exitcode.h"
#include "msg.h"
#include "notify.h"

int canary_tag_run(const struct soak_conf *c);       /* tag.c */
int canary_checklist_run(const struct soak_conf *c); /* checklist.c */
int canary_judge_run(const struct soak_conf *c);     /* judge.c */
int canary_watch_run(const struct soak_conf *c);     /* watch.c */
int canary_notify_run(const struct soak_conf *c);    /* notify.c */

/* A setting's value, or NULL when it has none (no default, not given). */
static inline const char *canary_opt(const struct soak_conf *c, const char *name)
{
	return soak_conf_is_set(c, name) ? soak_conf_str(c, name) : NULL;
}

/* Say what went wrong (a usage error with its hint) and return the exit code. */
static inline int canary_fail(const struct soak_err *err)
{
	return err->code == SOAK_EXIT_USAGE ? soak_usage_error("%s", err->msg)
	                                    : soak_report_err(err);
}

/* The watch's measurements: --count, else --duration / --interval rounded up
 * (at least 1). 0, or the exit code of a usage error. */
int canary_watch_count(const struct soak_conf *c, long *count);

/*
 * Parse every --notify URL and mask its secrets (::add-mask:: before anything
 * could print them). 0 (none is fine: *t NULL, *n 0), or the exit code after
 * the message.
 */
int canary_notify_targets(const struct soak_conf *c, struct soak_notify_target **t, size_t *n);
void canary_notify_free(struct soak_notify_target *t, size_t n);

/*
 * Tell the --notify targets about a subcommand's outcome (kind: "success",
 * "warning" or "failure"). Returns rc, unless a --notify URL is bad (its exit
 * code) or a notification failed with --notify-required (SOAK_EXIT_ENV); without
 * it a failed notification is a warning.
 */
int canary_notify_outcome(const struct soak_conf *c, const char *title, const char *msg,
                          const char *kind, int rc);

#endif
