/*
 * Pipes between two threads (cache_pipe.c).
 */
#ifndef SOAK_CACHE_PIPE_H
#define SOAK_CACHE_PIPE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"

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

#endif
