/* Internals shared by bundle.c, bundle_doc.c and bundle_verify.c; not an API. */
#ifndef SOAK_BUNDLE_INT_H
#define SOAK_BUNDLE_INT_H

#include <stdarg.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "buf.h"
#include "bundle.h"

/* What git says about the repository (all empty when there is none). */
struct soak_bundle_git {
	int ok;                /* the repository could be read */
	char why[512];         /* when !ok: git's first line of complaint */
	char commit[41];       /* HEAD */
	int64_t commit_time;   /* committer time of HEAD, seconds */
	char *tag;             /* a tag on HEAD, or NULL */
	char *prev;            /* the previous tag, or NULL (then all history) */
	char **sha, **subject; /* the commits since prev, newest first */
	size_t ncommits;
};

int soak_bundle_git_read(const char *repo, const char *previous_tag, struct soak_bundle_git *g,
                         struct soak_err *err);
void soak_bundle_git_free(struct soak_bundle_git *g);

/* Commit subject groups: 0 features, 1 fixes, 2 other. */
int soak_bundle_commit_group(const char *subject);

/* CHANGELOG.md and rollback_plan.md from the snapshot, git and the options. */
int soak_bundle_changelog(const cJSON *snap, const struct soak_bundle_git *g, struct soak_buf *out);
int soak_bundle_rollback(const cJSON *snap, const struct soak_bundle_git *g,
                         const struct soak_bundle_release_opts *o, char *const *carried,
                         size_t ncarried, struct soak_buf *out);

/* Append a printf-style line to a result list; -1 when out of memory. */
int soak_bundle_add_line(char ***list, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int soak_bundle_add_vline(char ***list, size_t *n, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* "1.0" -> 1; -1 when s is not "MAJOR.MINOR" or "MAJOR". */
long soak_bundle_schema_major(const cJSON *doc);

#endif
