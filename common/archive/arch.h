/*
 * Archives through libarchive, for the release bundle and the cache: writing
 * pax tar (plain, gzip, zstd) and zip entry by entry, and reading any archive
 * libarchive knows, with its filters, entry by entry. No external program is
 * ever run: a libarchive built without a compression library is an error, not
 * a fallback to an outside zstd or gzip.
 *
 * Writing is exactly what the caller describes: an entry carries only the
 * metadata set in struct soak_archive_entry (no atime or ctime, owners only by
 * number unless names are given), the gzip header carries no timestamp and no
 * file name, so the same entries in the same order give the same bytes.
 * Zip stores DOS times in the local time zone by definition; callers that want
 * zip output independent of the machine run with TZ=UTC0 (soak-bundle does).
 */
#ifndef SOAK_ARCH_H
#define SOAK_ARCH_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"

enum soak_archive_format {
	SOAK_ARCHIVE_TAR,     /* pax tar (restricted: ustar headers unless pax is needed) */
	SOAK_ARCHIVE_TAR_GZ,  /* the same through gzip */
	SOAK_ARCHIVE_TAR_ZST, /* the same through zstd */
	SOAK_ARCHIVE_ZIP,     /* zip, deflate */
};

/* "tar", "tar.gz" (or "tgz"), "tar.zst" (or "tzst"), "zip"; SOAK_EXIT_USAGE otherwise. */
int soak_archive_format_parse(const char *s, enum soak_archive_format *f, struct soak_err *err);
const char *soak_archive_format_name(enum soak_archive_format f); /* "tar.gz" */
const char *soak_archive_format_ext(enum soak_archive_format f);  /* ".tar.gz" */

enum soak_archive_type {
	SOAK_ARCHIVE_FILE,
	SOAK_ARCHIVE_DIR,
	SOAK_ARCHIVE_SYMLINK,
	SOAK_ARCHIVE_HARDLINK,
	SOAK_ARCHIVE_OTHER, /* devices, fifos, sockets (reading only) */
};

struct soak_archive_entry {
	const char *path; /* relative, '/'-separated; a directory may end in '/' */
	enum soak_archive_type type;
	unsigned mode; /* permission bits (07777) */
	int64_t mtime; /* seconds since the epoch */
	long mtime_nsec;
	int64_t uid, gid;
	const char *uname, *gname; /* NULL: none stored (numeric owners only) */
	uint64_t size;             /* FILE: the number of bytes that follow */
	const char *link;          /* SYMLINK / HARDLINK: the target */
};

struct soak_archive_writer; /* opaque */

struct soak_archive_wopts {
	int level; /* compression level; 0 means the library's default */
};

/*
 * Create path (truncating) and start an archive of format f. opts may be NULL.
 * SOAK_EXIT_ENV when the file cannot be created or the compression is not
 * available in this libarchive.
 */
int soak_archive_writer_open(struct soak_archive_writer **w, const char *path,
                             enum soak_archive_format f, const struct soak_archive_wopts *opts,
                             struct soak_err *err);

/* An entry's header; a FILE's e->size bytes follow through soak_archive_write_data(). */
int soak_archive_write_header(struct soak_archive_writer *w, const struct soak_archive_entry *e,
                              struct soak_err *err);
int soak_archive_write_data(struct soak_archive_writer *w, const void *data, size_t n,
                            struct soak_err *err);

/*
 * A FILE entry whose content is read from src (e->size must be its size; a file
 * that changes size while being read is an error, SOAK_EXIT_INPUT).
 */
int soak_archive_write_file(struct soak_archive_writer *w, const struct soak_archive_entry *e,
                            const char *src, struct soak_err *err);

/* Finish the archive, fsync and close the file; the writer is freed either way. */
int soak_archive_writer_close(struct soak_archive_writer *w, struct soak_err *err);
/* Abandon an archive (the partial file stays; the caller removes it). NULL is fine. */
void soak_archive_writer_free(struct soak_archive_writer *w);

struct soak_archive_reader; /* opaque */

/*
 * Open an archive of any format and compression libarchive reads (tar of any
 * flavour, zip, cpio...; gzip, bzip2, xz, zstd...). SOAK_EXIT_INPUT when the
 * file is missing, unreadable or not an archive.
 */
int soak_archive_reader_open(struct soak_archive_reader **r, const char *path,
                             struct soak_err *err);

/*
 * The next entry into e (strings valid until the next call): 1, or 0 at the end,
 * -1 on a damaged archive (SOAK_EXIT_INPUT). A leading "./" is removed from paths.
 */
int soak_archive_reader_next(struct soak_archive_reader *r, struct soak_archive_entry *e,
                             struct soak_err *err);

/* Up to n bytes of the current entry's data; 0 at its end, -1 on error. */
ptrdiff_t soak_archive_reader_read(struct soak_archive_reader *r, void *buf, size_t n,
                                   struct soak_err *err);

void soak_archive_reader_close(struct soak_archive_reader *r);

#endif
