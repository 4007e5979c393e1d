/*
 * Compression of single files through libarchive's raw format and a zstd or
 * gzip filter (the output is a plain .zst or .gz stream that zstd -d and
 * gunzip read). Only the programs that compress link soak_compress (and so
 * libarchive).
 */
#ifndef SOAK_COMPRESS_H
#define SOAK_COMPRESS_H

#include <stdint.h>
#include "err.h"

enum soak_compress_method {
	SOAK_COMPRESS_ZSTD,
	SOAK_COMPRESS_GZIP,
};

/* "zstd" or "gzip"; anything else fails with SOAK_EXIT_USAGE naming what is allowed. */
int soak_compress_parse(const char *name, enum soak_compress_method *m, struct soak_err *err);
const char *soak_compress_name(enum soak_compress_method m);   /* "zstd", "gzip" */
const char *soak_compress_suffix(enum soak_compress_method m); /* ".zst", ".gz" */

/* 1 when name ends in the suffix of a compressed format (.zst .gz .xz .bz2 .lz4 .zip ...). */
int soak_compress_is_compressed(const char *name);

/*
 * Compress everything read from in_fd to out_fd; out_fd -1 only counts the
 * bytes (a dry run measures exactly what a real run would write, since the
 * output is deterministic). *out_bytes gets the compressed size. Read and write
 * errors are SOAK_EXIT_ENV. Fits the soak_fs_filter signature with ctx
 * pointing to an enum soak_compress_method.
 */
int soak_compress_fd(void *method, int in_fd, int out_fd, uint64_t *out_bytes,
                     struct soak_err *err);

#endif
