/*
 * Running git for the documents of a release (changelog, commit, tags): with a
 * fixed environment (C locale, no prompt, pager, editor or optional locks), no
 * input, a time limit and a bounded output.
 */
#ifndef SOAK_GIT_H
#define SOAK_GIT_H

#include "buf.h"
#include "err.h"

#define SOAK_GIT_TIMEOUT_MS 120000

/*
 * git -C repo ARGS (NULL-terminated, at most 20), stdout and stderr into out
 * (reset first; its ceiling bounds the output); *code gets git's exit code, -1
 * when a signal ended it. 0, or -1 (SOAK_EXIT_ENV) when git cannot be run, does
 * not finish within SOAK_GIT_TIMEOUT_MS or writes more than out holds.
 */
int soak_git(const char *repo, const char *const *args, struct soak_buf *out, int *code,
             struct soak_err *err);

#endif
