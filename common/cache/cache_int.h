/*
 * The inside of the cache engine (cache.c, cache_paths.c, cache_tar*.c): the
 * path patterns, and the archive writer and safe extractor; with the pieces
 * below it (cache_store.h, cache_pipe.h, cache_prog.h). Not for cmd/: that
 * uses cache.h.
 */
#ifndef SOAK_CACHE_INT_H
#define SOAK_CACHE_INT_H

#include <stddef.h>
#include <stdint.h>
#include "cache.h"
#include "cache_pipe.h"
#include "cache_prog.h"
#include "cache_store.h"
#include "err.h"
#include "os.h"

/* ---- paths ---- */

struct soak_cache_paths {
	char *root;     /* the workspace: absolute, normalized */
	char **include; /* absolute normalized patterns */
	size_t ninclude;
	char **exclude;
	size_t nexclude;
	char **bases; /* what an extracted entry must lie in (the literal heads) */
	size_t nbases;
};

int soak_cache_paths_init(struct soak_cache_paths *p, const char *root, const char *const *patterns,
                          size_t n, struct soak_err *err);
void soak_cache_paths_free(struct soak_cache_paths *p);

/* Lexical normal form of an absolute path: no ".", "..", "//", trailing '/'. */
char *soak_cache_path_norm(const char *abs);
/* abs relative to root ("a/b", "../x", "." when equal); malloc'ed. */
char *soak_cache_path_rel(const char *root, const char *abs);
/* 1 when path (absolute, normalized) matches pattern (*, ?, [..], ** segments). */
int soak_cache_glob_match(const char *pattern, const char *path);

/* Every file system object to archive, parents before children, each tree in
 * byte order; fn gets the absolute path and the path relative to the root. */
typedef int (*soak_cache_visit)(void *ctx, const char *abs, const char *rel,
                                const struct soak_os_stat *st, struct soak_err *err);
int soak_cache_paths_walk(const struct soak_cache_paths *p, soak_cache_visit fn, void *ctx,
                          struct soak_err *err);

/* ---- archives ---- */

struct soak_cache_tar_stats {
	uint64_t files, bytes; /* entries, bytes of file data */
	uint64_t size;         /* the archive's bytes */
	char sha256[65];
};

/* Write the archive of p's files to the file at path (created). This thread
 * walks the files and frames them; with zstd another thread compresses (with
 * o->threads workers of zstd's own); another hashes and writes the archive.
 * Files that cannot be archived (sockets...) go to *warnings. */
int soak_cache_tar_write(const struct soak_cache_opts *o, const struct soak_cache_paths *p,
                         const char *path, struct soak_cache_prog *pr,
                         struct soak_cache_tar_stats *st, char ***warnings, size_t *nwarnings,
                         struct soak_err *err);

/*
 * Extract the archive read from fd (size bytes) into p's targets, all or
 * nothing. One thread reads and decompresses while this one writes files into
 * staging directories, moved into place only once the whole archive extracted.
 * SOAK_EXIT_INPUT: damaged or refused (targets untouched).
 */
int soak_cache_tar_extract(const struct soak_cache_opts *o, const struct soak_cache_paths *p,
                           int fd, uint64_t size, struct soak_cache_prog *pr,
                           struct soak_cache_tar_stats *st, struct soak_err *err);

#endif
