/*
 * The cache behind "soak-bundle cache save|restore": actions/cache's semantics
 * with the archive written and read in-process (libarchive, libzstd), stored in
 * a local directory, behind an HTTP server (GET/PUT/HEAD/DELETE) or in an
 * S3-compatible bucket.
 *
 * Keys. A key has 1 to SOAK_CACHE_KEY_MAX characters (UTF-8 sequences; a byte
 * outside one is a character too) and no comma. An entry is found by key and
 * version; the version is the SHA-256 of the path list as given, the
 * compression and (unless cross_os) the operating system, so an entry made for
 * other paths never matches. Keys are immutable: saving a key
 * that exists is reported (res->exists), not done, and is no error. Restore
 * tries the exact key, then each restore key in order as a prefix, the newest
 * matching entry winning.
 *
 * Entries. An entry is two objects in the store, under a directory per
 * version: "<version>/<name>.json", its metadata (key, paths, compression,
 * SHA-256 and size of the archive, counts, creation time), and the archive
 * "<version>/<name>.<sha256:16>.tar.zst" (or .tar.gz), a pax tar whose paths
 * are relative to the workspace as actions/cache writes them ("../" leading out
 * of it). <name> is the key with every byte outside [A-Za-z0-9_-] written
 * "~XX"; a key whose name would pass 160 bytes keeps a 128-byte head and "~~"
 * with 32 hex digits of its SHA-256. The archive goes first, the metadata last
 * and (in a local store) without replacing, so an entry is visible whole or not
 * at all and concurrent saves of one key leave one entry.
 *
 * Safety. The archive's SHA-256 and size are checked against the metadata
 * before anything is extracted. Extraction goes into a private staging
 * directory beside each target and is moved into place only when the whole
 * archive extracted cleanly: an entry outside the cache paths (absolute,
 * leading out with ".."), one written through a symbolic link, a hard link to
 * something outside, a device, fifo or socket, more than max_size bytes or a
 * ratio above max_ratio, or a damaged stream make the restore a miss with a
 * warning, and the targets are left as they were.
 */
#ifndef SOAK_CACHE_H
#define SOAK_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"

#define SOAK_CACHE_KEY_MAX 512
/* Saves: a 128 MiB window with long-distance matching finds the repeats of a
 * tree whose regular files go in order of extension and size (see
 * cache_tar_write.c); restores then need that window in memory. */
#define SOAK_CACHE_WINDOW_LOG 27

enum soak_cache_compression {
	SOAK_CACHE_ZSTD, /* actions/cache's default; read also with a 1 GiB window (--long=30) */
	SOAK_CACHE_GZIP, /* the fallback */
};

struct soak_cache_progress {
	const char *phase; /* "archiving", "uploading", "downloading", "extracting" */
	uint64_t bytes;    /* bytes of file data so far (uploading/downloading: transferred) */
	uint64_t total;    /* known total, or 0 */
	uint64_t files;
	int64_t elapsed_ms; /* since the operation began */
};

struct soak_cache_opts {
	const char *store;        /* a directory, http(s)://URL/ or s3://bucket[/prefix] */
	const char *root;         /* the workspace paths are relative to */
	const char *const *paths; /* patterns: globs, "~", "!" to exclude; as actions/cache */
	size_t npaths;
	enum soak_cache_compression compression;
	int level;      /* compression level; 0: 3 for zstd, 6 for gzip */
	int window_log; /* zstd: a 2^N-byte window with long-distance matching (10 to
	                 * 30); 0: SOAK_CACHE_WINDOW_LOG; -1: the level's own window */
	int threads;    /* zstd worker threads; 0: one per CPU */
	int cross_os;
	uint64_t max_store_size; /* local store: the budget, least recently used out; 0: none */
	uint64_t max_size;       /* extraction: at most this many bytes of files */
	double max_ratio;        /* extraction: at most this many bytes out per byte in */
	uint64_t max_memory;     /* extraction: the largest zstd window; 0: 2 GiB */
	const char *s3_endpoint; /* "https://s3.REGION.amazonaws.com" when NULL */
	const char *s3_region;
	int s3_path_style;
	int64_t timeout_ms; /* per HTTP request */
	int retries;
	void (*progress)(void *ctx, const struct soak_cache_progress *p); /* may be NULL */
	void *progress_ctx;
};

struct soak_cache_result {
	char version[65];
	int hit;           /* restore: an entry was found */
	int exact;         /* ... under the primary key */
	char *matched_key; /* its key, or NULL */
	int saved;         /* save: the entry was stored */
	int exists;        /* save: the key was there already (or another save won) */
	uint64_t size;     /* the archive's bytes */
	uint64_t bytes;    /* the files' bytes */
	uint64_t files;    /* entries in the archive */
	int64_t ms;        /* time taken */
	size_t evicted;    /* save, local store: entries removed for the budget */
	uint64_t evicted_bytes;
	char **warnings; /* things the user should hear (a damaged entry is a miss) */
	size_t nwarnings;
};

/* A key or restore key (what: "key", "restore key") checked: SOAK_EXIT_USAGE. */
int soak_cache_check_key(const char *key, const char *what, struct soak_err *err);

/* The version of an entry for o's paths, compression and OS (hex, 64 digits). */
int soak_cache_version(const struct soak_cache_opts *o, char out[65], struct soak_err *err);

/* The store name of a key (see above); malloc'ed, NULL when out of memory. */
char *soak_cache_key_name(const char *key);

/*
 * Archive the files o->paths match and store them under key. No matching file
 * is a warning and no save; a key that exists is res->exists. Errors: usage,
 * SOAK_EXIT_INPUT (a file unreadable), SOAK_EXIT_ENV (store, disk, network).
 */
int soak_cache_save(const struct soak_cache_opts *o, const char *key, struct soak_cache_result *res,
                    struct soak_err *err);

/*
 * Find the entry for key, else for the first restore key that prefixes one,
 * and (unless lookup_only) extract it. A miss, or a damaged or hostile entry
 * (with a warning), returns 0 with res->hit 0. Errors: usage, SOAK_EXIT_ENV.
 */
int soak_cache_restore(const struct soak_cache_opts *o, const char *key,
                       const char *const *restore_keys, size_t nrestore, int lookup_only,
                       struct soak_cache_result *res, struct soak_err *err);

void soak_cache_result_free(struct soak_cache_result *res);

#endif
