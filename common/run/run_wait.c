/*
 * Waiting between iterations (--heartbeat, a step's backoff, --service-wait)
 * while sampling, watching the service and running the periodic command.
 */
#include "run_int.h"
#include "sig.h"
#include "banned.h"

/*
 * Wait ms (less when a signal arrives), sampling and watching the service.
 * Returns 1 when interrupted by a signal.
 */
int run_wait(struct runner *r, int64_t ms)
{
	int64_t end = soak_mono_ms() + ms;

	for (;;) {
		int64_t now = soak_mono_ms(), slice = end - now;
		if (slice <= 0)
			return soak_sig_caught() != 0;
		if (r->cfg->sample_ms > 0 && r->next_sample - now < slice)
			slice = r->next_sample - now > 0 ? r->next_sample - now : 0;
		if (r->svc && slice > SERVICE_POLL_MS)
			slice = SERVICE_POLL_MS;
		slice = run_every_slice(r, slice);
		if (soak_sig_sleep(slice))
			return 1;
		run_sample_tick(r, 0);
		run_service_poll(r);
		run_every_poll(r);
	}
}
