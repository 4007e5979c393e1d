#include <time.h>

#include "clock.h"
#include "banned.h"

static int64_t ns_of(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) < 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t soak_mono_ns(void)
{
	return ns_of(CLOCK_MONOTONIC);
}

int64_t soak_mono_ms(void)
{
	return soak_mono_ns() / 1000000;
}

int64_t soak_wall_ms(void)
{
	return ns_of(CLOCK_REALTIME) / 1000000;
}

int64_t soak_wall_ns(void)
{
	return ns_of(CLOCK_REALTIME);
}
