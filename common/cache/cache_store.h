/*
 * The store interface (cache_store.c) the three stores implement
 * (cache_store_local.c, cache_store_http.c, cache_store_s3.c), and what they
 * share: object lists, temporary files, HTTP transfers. A store knows nothing
 * of the engine (cache.c) above it.
 */
#ifndef SOAK_CACHE_STORE_H
#define SOAK_CACHE_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "cache.h"
#include "cache_prog.h"
#include "err.h"

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

#endif
