/*
 * Progress of a save or restore (cache_prog.c): reports to the caller's
 * progress callback at most every 100 ms. Used by the engine and by the
 * stores while they transfer.
 */
#ifndef SOAK_CACHE_PROG_H
#define SOAK_CACHE_PROG_H

#include <stdint.h>
#include "cache.h"

struct soak_cache_prog {
	const struct soak_cache_opts *o;
	int64_t t0, last;
	struct soak_cache_progress p;
};

void soak_cache_prog_start(struct soak_cache_prog *pr, const struct soak_cache_opts *o);
/* Report when 100 ms passed since the last report, or when force. */
void soak_cache_prog_tick(struct soak_cache_prog *pr, int force);
int64_t soak_cache_now_ms(void);

#endif
