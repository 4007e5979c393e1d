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

#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "os.h"

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
	unsigned mode;    /* permission bits (07777); 0 for SOAK_FS_SKIP without a stat */
	int64_t mtime_ns; /* modification time, ns since the epoch */
	void *walk;       /* private: the walk, for soak_fs_entry_remove */
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
 * SOAK_FS_MAX_DEPTH. fn returns 0 to go on, -1 (with err set) to stop the walk;
 * for a SOAK_FS_DIR it may return 1: go on, without visiting that directory's
 * contents (fn may then have moved or removed it).
 * Returns 0, or -1 with err (from fn, or when the root itself cannot be read).
 */
#define SOAK_FS_MAX_DEPTH 256
int soak_fs_walk(struct soak_fs_root *r,
                 int (*fn)(void *ctx, const struct soak_fs_entry *e, struct soak_err *err),
                 void *ctx, struct soak_err *err);
/* The same walk, with max_depth in place of SOAK_FS_MAX_DEPTH. */
int soak_fs_walk_depth(struct soak_fs_root *r, int max_depth,
                       int (*fn)(void *ctx, const struct soak_fs_entry *e, struct soak_err *err),
                       void *ctx, struct soak_err *err);

/*
 * The same walk with the work per entry spread over threads. The caller's
 * thread reads the directories (in the order of soak_fs_walk) and hands their
 * files, links and other entries in batches to up to `threads` worker threads
 * (0: the caller does all; the caller also helps while it waits), which stat
 * each and call decide(ctx, e, slot) concurrently: decide may remove e with
 * soak_fs_entry_remove and leaves what it decided in slot (slot_size bytes,
 * zeroed before the call). Then every entry (directories and skips too, those
 * with slot NULL) is passed to report(ctx, e, slot, err) on the caller's
 * thread, one at a time, in the order soak_fs_walk would have reported it.
 * report returns 0 to go on or -1 (with err) to stop reading: the entries
 * read by then are still decided and reported (report's results then
 * ignored; decide can tell a stop of its own, such as a signal), the rest is
 * not visited. Directories are always entered. Memory is bounded: a few
 * batches per thread, whatever the size of the tree. Only the POSIX layer
 * uses threads; on Windows, where the listing already carries sizes and
 * times, the caller's thread does all.
 * Returns 0, or -1 with err (from report, or when the root cannot be read).
 */
struct soak_fs_pwalk {
	int threads;
	size_t slot_size;
	void (*decide)(void *ctx, const struct soak_fs_entry *e, void *slot);
	int (*report)(void *ctx, const struct soak_fs_entry *e, void *slot, struct soak_err *err);
	void *ctx;
};
int soak_fs_walk_parallel(struct soak_fs_root *r, const struct soak_fs_pwalk *pw,
                          struct soak_err *err);

/*
 * Remove the file, link or other non-directory at path (a link itself, never
 * its target). The directories on the way are opened again without following
 * links and must still be on the root's file system. SOAK_EXIT_ENV on failure.
 */
int soak_fs_remove(struct soak_fs_root *r, const char *path, struct soak_err *err);

/*
 * Remove the file, link or other non-directory e from within the walk's
 * callback (valid there only), through the directory the walk holds open: no
 * lookup from the root, so it costs one system call where the walk is
 * descriptor-based. The same guarantees as soak_fs_remove; SOAK_EXIT_ENV on
 * failure. Also from soak_fs_walk_parallel's decide and report, on any thread.
 */
int soak_fs_entry_remove(const struct soak_fs_entry *e, struct soak_err *err);

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

/*
 * Changes in place, for extraction (the cache moves a staged tree into a
 * workspace). Like the functions above they open every directory on the way
 * from the root without following links and refuse one on another file
 * system, so a link planted on the way cannot lead outside the root; unlike
 * them they report as the C library does: 0, or -1 with errno (ELOOP: a link
 * where a directory or a non-link was needed; EXDEV: another file system;
 * EINVAL: a path with an empty, "." or ".." component). path "" is the root
 * itself where the function says so.
 */

/* The entry at path ("": the root), a link itself (never its target). */
int soak_fs_stat(struct soak_fs_root *r, const char *path, struct soak_os_stat *st);

/*
 * The names in the directory at path ("": the root), without "." and "..",
 * sorted bytewise; free with soak_os_names_free. A link at path is ELOOP.
 */
int soak_fs_list(struct soak_fs_root *r, const char *path, char ***names, size_t *n);

/* Set the permission bits (07777) of path ("": the root); a link at path is ELOOP. */
int soak_fs_chmod(struct soak_fs_root *r, const char *path, unsigned mode);

/*
 * Set the modification time of path ("": the root), ns since the epoch; the
 * access time is left as it is. A link at path: the link's own time.
 */
int soak_fs_set_mtime(struct soak_fs_root *r, const char *path, int64_t mtime_ns);

/* Remove the empty directory at path. */
int soak_fs_rmdir(struct soak_fs_root *r, const char *path);

/*
 * Move from_path under the root from to to_path under the root to (the same
 * root, or another on the same file system), atomically replacing what
 * rename(2) replaces there (a file or link by a non-directory, an empty
 * directory by a directory). A link is moved as a link.
 */
int soak_fs_rename(struct soak_fs_root *from, const char *from_path, struct soak_fs_root *to,
                   const char *to_path);

/*
 * rm -rf of path (not ""): directories on the way down are made writable and
 * searchable by their owner first (read-only trees, Go's module cache), links
 * are removed, never followed, and a directory on another file system is not
 * entered (EXDEV). Goes on past failures; 0, or -1 with the errno of the
 * first. A missing path is 0.
 */
int soak_fs_remove_tree(struct soak_fs_root *r, const char *path);

/* The canonical absolute form of path (links resolved), malloc'ed; NULL with errno. */
char *soak_fs_realpath(const char *path);

#endif
