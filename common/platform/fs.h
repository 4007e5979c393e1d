/*
 * The platform layer for file trees (soak-clean): a walk and changes relative to
 * a root opened once, that never follow a symbolic link and never cross into
 * another file system. fs_posix.c implements it with *at() system calls on
 * directory descriptors opened with O_NOFOLLOW, so a directory swapped for a
 * link during the run cannot lead outside the root; on Linux a bind mount of
 * the same device is told apart by its mount id (statx). A Windows
 * implementation (handles opened with FILE_FLAG_OPEN_REPARSE_POINT, volume
 * serial numbers) sits beside it with the same contract.
 *
 * Paths given to and returned by these functions are relative to the root,
 * '/'-separated, without "." or ".." components.
 */
#ifndef SOAK_FS_H
#define SOAK_FS_H

#include <stdint.h>
#include "err.h"

struct soak_fs_root; /* opaque */

enum soak_fs_type {
	SOAK_FS_FILE,  /* a regular file */
	SOAK_FS_LINK,  /* a symbolic link (never followed) */
	SOAK_FS_DIR,   /* a directory of the same file system (reported before its contents) */
	SOAK_FS_OTHER, /* a fifo, socket or device */
	SOAK_FS_SKIP,  /* not entered or not read: see skip */
};

struct soak_fs_entry {
	const char *path; /* relative to the root; valid during the callback only */
	enum soak_fs_type type;
	uint64_t size;    /* st_size; a link: the length of its target */
	int64_t mtime_ms; /* modification time, ms since the epoch */
	const char *skip; /* SOAK_FS_SKIP: why ("another file system", an error) */
};

/*
 * Open the directory path as a root. A path that is a symbolic link, or not a
 * directory, is refused (SOAK_EXIT_USAGE); a missing one is SOAK_EXIT_INPUT.
 */
int soak_fs_root_open(const char *path, struct soak_fs_root **out, struct soak_err *err);
void soak_fs_root_close(struct soak_fs_root *r);

/*
 * Visit every entry under the root, depth first, the entries of each directory
 * in byte order of their names (so two walks of one tree agree). Directories on
 * another file system (mount points, bind mounts) and directories that cannot be
 * read are reported as SOAK_FS_SKIP and not entered; so is anything deeper than
 * SOAK_FS_MAX_DEPTH. fn returns 0 to go on, -1 (with err set) to stop the walk.
 * Returns 0, or -1 with err (from fn, or when the root itself cannot be read).
 */
#define SOAK_FS_MAX_DEPTH 256
int soak_fs_walk(struct soak_fs_root *r,
                 int (*fn)(void *ctx, const struct soak_fs_entry *e, struct soak_err *err),
                 void *ctx, struct soak_err *err);

/*
 * Remove the file, link or other non-directory at path (a link itself, never
 * its target). The directories on the way are opened again without following
 * links and must still be on the root's file system. SOAK_EXIT_ENV on failure.
 */
int soak_fs_remove(struct soak_fs_root *r, const char *path, struct soak_err *err);

/* 1 when something (of any type) is at path, 0 when not. */
int soak_fs_exists(struct soak_fs_root *r, const char *path);

/*
 * A transformation of a file's bytes, from in_fd to out_fd (C runtime file
 * descriptors); out_fd -1 means "only count". *out_bytes receives the bytes
 * produced.
 */
typedef int (*soak_fs_filter)(void *ctx, int in_fd, int out_fd, uint64_t *out_bytes,
                              struct soak_err *err);

/*
 * Replace the regular file at path by filter(file) at new_path (same
 * directory): the output goes to a temporary name in that directory, gets the
 * file's mode and modification time, is fsync'ed and renamed to new_path (never
 * over an existing file), the directory is fsync'ed, and only then is the
 * original removed. On any failure the original is left as it was and the
 * temporary file removed. *new_size receives the size of the new file.
 */
int soak_fs_rewrite(struct soak_fs_root *r, const char *path, const char *new_path,
                    soak_fs_filter filter, void *ctx, uint64_t *new_size, struct soak_err *err);

/* Run filter over the regular file at path with out_fd -1 (a dry run of rewrite). */
int soak_fs_measure(struct soak_fs_root *r, const char *path, soak_fs_filter filter, void *ctx,
                    uint64_t *out_bytes, struct soak_err *err);

/* The canonical absolute form of path (links resolved), malloc'ed; NULL with errno. */
char *soak_fs_realpath(const char *path);

#endif
