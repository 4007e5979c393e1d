/* What every OS's resource layer shares. */
#include "res.h"
#include "banned.h"

void soak_res_peak(struct soak_res *peak, const struct soak_res *s)
{
	if (s->rss_bytes > peak->rss_bytes)
		peak->rss_bytes = s->rss_bytes;
	if (s->cpu_user_s + s->cpu_sys_s > peak->cpu_user_s + peak->cpu_sys_s) {
		peak->cpu_user_s = s->cpu_user_s;
		peak->cpu_sys_s = s->cpu_sys_s;
	}
	if (s->threads > peak->threads)
		peak->threads = s->threads;
	if (s->open_fds > peak->open_fds)
		peak->open_fds = s->open_fds;
	if (s->procs > peak->procs)
		peak->procs = s->procs;
}
