#include <string.h>

#include "cache_prog.h"
#include "clock.h"
#include "banned.h"

int64_t soak_cache_now_ms(void)
{
	return soak_mono_ms();
}

void soak_cache_prog_start(struct soak_cache_prog *pr, const struct soak_cache_opts *o)
{
	memset(pr, 0, sizeof(*pr));
	pr->o = o;
	pr->t0 = pr->last = soak_cache_now_ms();
}

void soak_cache_prog_tick(struct soak_cache_prog *pr, int force)
{
	int64_t now;

	if (!pr || !pr->o || !pr->o->progress)
		return;
	now = soak_cache_now_ms();
	if (!force && now - pr->last < 100)
		return;
	pr->last = now;
	pr->p.elapsed_ms = now - pr->t0;
	pr->o->progress(pr->o->progress_ctx, &pr->p);
}
