/*
 * GitHub Actions integration. Active when GITHUB_ACTIONS=true; every function
 * is a no-op returning 0 otherwise (or when the file variable is unset).
 * Formatting functions fill buffers; printing is up to cmd/ (see msg.h).
 */
#ifndef SOAK_GHA_H
#define SOAK_GHA_H

#include <stddef.h>
#include "err.h"
#include "buf.h"

#define SOAK_GHA_SUMMARY_MAX (1024 * 1024) /* GitHub's limit per step summary */

int soak_gha_active(void);

/*
 * Append name=value to $GITHUB_OUTPUT using the multiline form
 *   name<<ghadelimiter_<random>\nvalue\nghadelimiter_<random>\n
 * with a random delimiter that does not occur in value.
 */
int soak_gha_set_output(const char *name, const char *value, struct soak_err *err);

/*
 * Append Markdown to $GITHUB_STEP_SUMMARY; refuses (SOAK_EXIT_ENV) an append that
 * would take the file past SOAK_GHA_SUMMARY_MAX, so callers can shorten.
 */
int soak_gha_summary_append(const char *md, size_t len, struct soak_err *err);

/* Escaping as the runner's command parser undoes it: data escapes % \r \n,
 * properties also : and , */
int soak_gha_escape_data(const char *s, struct soak_buf *out);
int soak_gha_escape_property(const char *s, struct soak_buf *out);

/* "::error title=T::msg\n" (level "error", "warning", "notice"; title may be NULL). */
int soak_gha_annotation(struct soak_buf *out, const char *level, const char *title,
                        const char *msg);
/* "::group::name\n", "::endgroup::\n", "::add-mask::value\n". */
int soak_gha_group(struct soak_buf *out, const char *name);
int soak_gha_endgroup(struct soak_buf *out);
int soak_gha_add_mask(struct soak_buf *out, const char *value);

#endif
