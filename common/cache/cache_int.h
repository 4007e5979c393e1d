/*
 * The inside of the cache (cache*.c): the store interface its three stores
 * implement, the path patterns, and the archive writer and safe extractor.
 * Not for cmd/: that uses cache.h.
 */
#ifndef SOAK_CACHE_INT_H
#define SOAK_CACHE_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include "cache.h"
#include "err.h"

/* ---- progress ---- */

struct soak_cache_prog {
	const struct soak_cache_opts *o;
	int64_t t0, last;
	struct soak_cache_progress p;
};

void soak_cache_prog_start(struct soak_cache_prog *pr, const struct soak_cache_opts *o);
/* Report when 100 ms passed since the last report, or when force. */
void soak_cache_prog_tick(struct soak_cache_prog *pr, int force);
int64_t soak_cache_now_ms(void);

/* ---- stores ---- */

struct soak_cache_obj {
	char *name; /* relative to the store, '/'-separated */
	uint64_t size;
	int64_t mtime_ms; /* metadata: when it was stored; archive (local): last use */
};

struct soak_cache_objs {
	struct soak_cache_obj *v;
	size_t n, cap;
};

int soak_cache_objs_add(struct soak_cache_objs *l, const char *name, size_t namelen, uint64_t size,
                        int64_t mtime_ms);
void soak_cache_objs_free(struct soak_cache_objs *l);

struct soak_cache_store;

struct soak_cache_store_ops {
	/* Open the object for reading (a remote one is downloaded to an unlinked
	 * temporary file first): 1 with *fd, 0 when there is none, -1 on error.
	 * An object over max bytes is SOAK_EXIT_INPUT. */
	int (*fetch)(struct soak_cache_store *s, const char *name, uint64_t max, int *fd,
	             struct soak_err *err);
	/* Store the file at path (created in s->tmpdir; the store may move it) as
	 * name; sha256 is its digest. With excl, an existing object is kept and 1
	 * returned. */
	int (*put)(struct soak_cache_store *s, const char *name, const char *path,
	           const char *sha256, int excl, struct soak_err *err);
	/* Remove the object; a missing one is fine. */
	int (*del)(struct soak_cache_store *s, const char *name, struct soak_err *err);
	/* The objects whose names start with prefix, which holds one '/' (after the
	 * version directory). */
	int (*list)(struct soak_cache_store *s, const char *prefix, struct soak_cache_objs *out,
	            struct soak_err *err);
	/* Record a use (least recently used eviction); may be NULL. */
	void (*touch)(struct soak_cache_store *s, const char *name);
	void (*close)(struct soak_cache_store *s);
};

struct soak_cache_store {
	const struct soak_cache_store_ops *ops;
	char *desc;   /* for messages: the directory or the URL */
	char *tmpdir; /* where files for put() are made */
	int local;    /* a local directory: the budget applies */
	const struct soak_cache_opts *o;
	struct soak_cache_prog *prog; /* transfers report here, may be NULL */
	void *impl;
};

int soak_cache_store_open(const struct soak_cache_opts *o, struct soak_cache_store **s,
                          struct soak_err *err);
void soak_cache_store_close(struct soak_cache_store *s);
int soak_cache_store_local_open(const struct soak_cache_opts *o, const char *dir,
                                struct soak_cache_store **s, struct soak_err *err);
int soak_cache_store_http_open(const struct soak_cache_opts *o, const char *url,
                               struct soak_cache_store **s, struct soak_err *err);
int soak_cache_store_s3_open(const struct soak_cache_opts *o, const char *spec,
                             struct soak_cache_store **s, struct soak_err *err);

/* Local store: remove entries, least recently used first, until the store holds
 * at most budget bytes; never the entry whose metadata is keep (res counts what went). */
int soak_cache_store_local_evict(struct soak_cache_store *s, uint64_t budget, const char *keep,
                                 struct soak_cache_result *res, struct soak_err *err);

/* The default local store: $SOAK_CACHE_DIR, $RUNNER_TOOL_CACHE/soak-cache,
 * $XDG_CACHE_HOME/soak-cache, ~/.cache/soak-cache (macOS: ~/Library/Caches). */
char *soak_cache_default_dir(void);

/* A new empty file in dir, named for what; *path malloc'ed. */
int soak_cache_tmpfile(const char *dir, const char *what, char **path, int *fd,
                       struct soak_err *err);
/* An unlinked temporary file in the system temporary directory. */
int soak_cache_anon_file(int *fd, struct soak_err *err);

struct soak_http_xfer;
/* Remote stores: run the GET x is set up for (at most max bytes) into an
 * unlinked temporary file. 1 with *fd at its start, 0 for a 404 (*fd -1), -1. */
int soak_cache_http_get(struct soak_http_xfer *x, uint64_t max, int *fd, struct soak_err *err);
/* Remote stores: run the DELETE x is set up for; a 404 is success. 0 or -1. */
int soak_cache_http_del(struct soak_http_xfer *x, struct soak_err *err);

/* "A%2Fb" style: every byte outside [A-Za-z0-9-_.~] as %XX (for URLs, queries). */
char *soak_cache_uri_escape(const char *s, int keep_slash);

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
typedef int (*soak_cache_visit)(void *ctx, const char *abs, const char *rel, const struct stat *st,
                                struct soak_err *err);
int soak_cache_paths_walk(const struct soak_cache_paths *p, soak_cache_visit fn, void *ctx,
                          struct soak_err *err);

/* ---- pipes between two threads ---- */

/*
 * A bounded queue of byte chunks from one producing thread to one consuming
 * thread: n buffers of size bytes, allocated once, so a fast producer waits
 * instead of growing memory. Each chunk carries a tag the producer chooses.
 * The producer fills soak_cache_pipe_slot() (the same free chunk until it is
 * put) and publishes it with _put; _finish ends the stream, with an error
 * (err->code set) or cleanly. The consumer takes chunks with _next, which
 * hands back the one it returned before (libarchive's read callbacks keep a
 * block until the next call); _stop says that nothing more is wanted: _slot
 * then returns NULL and _next 0. Either side may end first; the owner joins
 * the producer before _free.
 */
struct soak_cache_pipe {
	pthread_mutex_t mu;
	pthread_cond_t filled, emptied;
	char **buf;
	size_t *len;
	uint64_t *tag;
	size_t n, size;
	size_t head, count; /* the filled chunks: head .. head + count - 1 (mod n) */
	int held;           /* the consumer holds chunk head */
	int done, stopped, ready;
	struct soak_err err; /* the producer's failure, once done */
};

int soak_cache_pipe_init(struct soak_cache_pipe *p, size_t nchunks, size_t size,
                         struct soak_err *err);
void soak_cache_pipe_free(struct soak_cache_pipe *p);
/* Producer: a free chunk of p->size bytes, or NULL once the consumer stopped. */
char *soak_cache_pipe_slot(struct soak_cache_pipe *p);
void soak_cache_pipe_put(struct soak_cache_pipe *p, size_t len, uint64_t tag);
/* Producer: the end of the stream; err NULL or without code for a clean end. */
void soak_cache_pipe_finish(struct soak_cache_pipe *p, const struct soak_err *err);
/* Consumer: 1 with the next chunk, 0 at the end (or after _stop), -1 with the
 * producer's error in err. */
int soak_cache_pipe_next(struct soak_cache_pipe *p, const char **buf, size_t *len, uint64_t *tag,
                         struct soak_err *err);
void soak_cache_pipe_stop(struct soak_cache_pipe *p);

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
