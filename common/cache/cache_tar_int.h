/*
 * The inside of the archive code (cache_tar_*.c), one file per concern:
 * cache_tar_write.c, the save side (walking the files, framing them, the
 * compressing and writing threads); cache_tar_extract.c, the restore side
 * (reading and decompressing, extraction into staging directories);
 * cache_tar_links.c, the symbolic links, held back and made last;
 * cache_tar_move.c, the move of the staging directories into place.
 */
#ifndef SOAK_CACHE_TAR_INT_H
#define SOAK_CACHE_TAR_INT_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <archive.h>
#include <archive_entry.h>
#include "arch_entry.h"
#include "err.h"
#include "exitcode.h"

#define IO_BLOCK (1024 * 1024)
/* Chunks handed between threads: writes from 1 MiB buffers another thread
 * filled cost twice the system time of 256 KiB ones on the benchmark VM */
#define CHUNK (256 * 1024)
#define NCHUNKS 8
#define MIN_READ (64 * 1024)              /* a read into a chunk wants this much room */
#define RATIO_FLOOR (16ull * 1024 * 1024) /* below this many bytes out, no ratio check */
#define ZSTD_WINDOW_LOG_MAX 31            /* archives made with zstd --long=30 (actions/cache) */
#define THROUGH_LINK "Cannot extract through symlink" /* libarchive's words */

/* An existing directory staging lands in, and its staging directory. */
struct soak_cache_anchor {
	char *dir;      /* an existing directory at or above a base: what staging lands in */
	char *stage;    /* the staging directory in it (real path), once made */
	int have_attrs; /* the archive had an entry for dir itself */
	unsigned mode;
	int64_t mtime_ns;
	/* dir's own times before the stage was made, put back when the stage is removed
	 * unused (a refused restore leaves the workspace as it was) */
	int have_before;
	int64_t before_atime_ns, before_mtime_ns;
};

static inline int soak_cache_tar_refuse(struct soak_err *err, const char *why, const char *path)
{
	return soak_err_set(err, SOAK_EXIT_INPUT, "refused: '%s' %s", path, why);
}

/* libarchive's disk writer failed at name: SOAK_EXIT_ENV for the file
 * system's own trouble, SOAK_EXIT_INPUT (a miss) for what the archive did. */
static inline int soak_cache_tar_disk_fail(struct archive *disk, const char *name,
                                           struct soak_err *err)
{
	const char *m = archive_error_string(disk);
	int e = archive_errno(disk);

	/* the file system's own trouble is the environment's: not a miss */
	if (e == ENOSPC || e == EIO || e == EROFS || e == ENOMEM
#ifdef EDQUOT
	    || e == EDQUOT
#endif
	)
		return soak_err_set(err, SOAK_EXIT_ENV, "cannot extract '%s': %s (%s)", name,
		                    m ? m : "libarchive error", strerror(e));
	/* a write through a link, or a failed link, is the archive's doing */
	return soak_err_set(err, SOAK_EXIT_INPUT, "cannot extract '%s': %s", name,
	                    m ? m : "libarchive error");
}

/* ---- symbolic links, made last (cache_tar_links.c) ---- */

struct soak_cache_links;

/* Hold back the link entry ae, to be made at staged (*l made on first use). */
int soak_cache_links_add(struct soak_cache_links **l, struct archive_entry *ae, const char *staged,
                         const char *name, struct soak_err *err);
/* 1 when a link is pending at path. */
int soak_cache_links_has(struct soak_cache_links *l, const char *path);
/* The pending link at path, if any, is replaced by a later entry: not made. */
void soak_cache_links_drop(struct soak_cache_links *l, const char *path);
/* 1 when a directory above path is a pending link. */
int soak_cache_links_above(struct soak_cache_links *l, const char *path);
/* Make the pending links (libarchive's checks: none through another link). */
int soak_cache_links_make(struct soak_cache_links *l, struct soak_err *err);
void soak_cache_links_free(struct soak_cache_links *l);

/* ---- the move into place (cache_tar_move.c) ---- */

/*
 * Move each anchor's staging directory into the anchor: every entry checked
 * first, then moved; a staging directory moved whole is removed and its
 * stage set to NULL. 0, or -1: SOAK_EXIT_INPUT (a miss), SOAK_EXIT_ENV.
 */
int soak_cache_move_commit(struct soak_cache_anchor *anchors, size_t n, struct soak_err *err);
/* rm -rf of a staging directory (ours: it may hold read-only directories). */
void soak_cache_move_remove_stage(const char *path);

#endif
