/*
 * Files that readers can trust: whole files are written to a temporary name
 * in the same directory, fsync'ed and renamed into place, so a reader sees the
 * old file or the new one, never half of one. Errors carry SOAK_EXIT_ENV
 * (I/O, disk full, permission) or SOAK_EXIT_INPUT (missing input).
 */
#ifndef SOAK_FILE_H
#define SOAK_FILE_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "buf.h"

int soak_file_write_atomic(const char *path, const void *data, size_t len, struct soak_err *err);

/*
 * Like soak_file_write_atomic (temporary name, rename) without the fsyncs: for
 * state files rewritten often (summary.json after every iteration), where a
 * reader must never see half a file but a power loss may cost the last update.
 */
int soak_file_replace(const char *path, const void *data, size_t len, struct soak_err *err);

/* Read a whole file into b (bounded by b->max; a larger file is an error). */
int soak_file_read(const char *path, struct soak_buf *b, struct soak_err *err);

/* mkdir -p; existing directories are fine. */
int soak_mkdir_p(const char *path, struct soak_err *err);

/* Join dir and name with '/' into a new string; NULL on allocation failure. */
char *soak_path_join(const char *dir, const char *name);
/* The last component of path: what follows its last separator ('/', and '\\' on Windows). */
const char *soak_path_base(const char *path);

/* 1 when path exists (any type), 0 when not. */
int soak_path_exists(const char *path);

/* Check that dir is a writable directory by creating and removing a file in it. */
int soak_dir_check_writable(const char *dir, struct soak_err *err);

#endif
