/* Internals shared by bundle.c, bundle_doc.c, bundle_verify.c and bundle_add.c; not an API. */
#ifndef SOAK_BUNDLE_INT_H
#define SOAK_BUNDLE_INT_H

#include <stdarg.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "buf.h"
#include "bundle.h"
#include "hash.h"
#include "tunelog.h"

/* A file of the bundle, as MANIFEST.json lists it. */
struct soak_bundle_item {
	char *rel; /* path in the bundle */
	char *abs; /* release: the source file (resolved), NULL for generated files */
	unsigned mode;
	uint64_t size;
	char hex[SOAK_SHA256_HEX_LEN];
};

/* qsort comparison of items by path, bytewise. */
int soak_bundle_item_cmp(const void *a, const void *b);

/* MANIFEST.json's "files" array: every item, in order; NULL when out of memory. */
cJSON *soak_bundle_manifest_files(const struct soak_bundle_item *items, size_t n);

/* SHA256SUMS: "HASH  PATH" lines of every item, in order; -1 when out of memory. */
int soak_bundle_sums(const struct soak_bundle_item *items, size_t n, struct soak_buf *out);

/* Set path's access and modification times to epoch (seconds; a symlink itself). */
int soak_bundle_stamp(const char *path, int64_t epoch, struct soak_err *err);

/*
 * The reproducible archive of a bundle: the files items name (sorted by path),
 * read from dir, under one top directory named top, every parent directory
 * before its children, every entry stamped epoch; written to path (truncated).
 */
int soak_bundle_write_archive(const struct soak_bundle_item *items, size_t nitems,
                              enum soak_archive_format format, int64_t epoch, const char *dir,
                              const char *path, const char *top, struct soak_err *err);

/* A fresh unused name beside path ("path" tag "XXXXXX"), not created; NULL on failure. */
char *soak_bundle_side_name(const char *path, const char *tag);

/*
 * soak_bundle_verify, except that skip (a path in the bundle, or NULL), when
 * present and listed nowhere, is not reported as extra (and not counted).
 */
int soak_bundle_verify_skip(const char *path, const char *skip, struct soak_bundle_result *res,
                            struct soak_err *err);

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

/* CHANGELOG.md and rollback_plan.md from the snapshot, git and the options; the rollback
 * plan names the values to go back to of every parameter tune (NULL: none) tuned. */
int soak_bundle_changelog(const cJSON *snap, const struct soak_bundle_git *g, struct soak_buf *out);
int soak_bundle_rollback(const cJSON *snap, const struct soak_bundle_git *g,
                         const struct soak_bundle_release_opts *o, char *const *carried,
                         size_t ncarried, const struct soak_tunelog *tune, struct soak_buf *out);
/* tuning/TUNING.md: the tuning verified (decisions, guards, apply ratio, final against
 * initial values, freeze-ready), with the final overrides' SHA-256 hex ("" when none). */
int soak_bundle_tuning_md(const cJSON *snap, const struct soak_tunelog *tune, const char *hex,
                          struct soak_buf *out);

/* Append a printf-style line to a result list; -1 when out of memory. */
int soak_bundle_add_line(char ***list, size_t *n, const char *fmt, ...) SOAK_PRINTF(3, 4);
int soak_bundle_add_vline(char ***list, size_t *n, const char *fmt, va_list ap) SOAK_PRINTF(3, 0);

/* "1.0" -> 1; -1 when s is not "MAJOR.MINOR" or "MAJOR". */
long soak_bundle_schema_major(const cJSON *doc);

#endif
