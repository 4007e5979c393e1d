/* The clocks on Windows: QueryPerformanceCounter and the precise system time. */
#include "clock.h"
#include "win32.h"
#include "banned.h"

int64_t soak_mono_ns(void)
{
	static LARGE_INTEGER freq;
	LARGE_INTEGER now;

	/* Both calls cannot fail since Windows XP; the frequency is fixed at boot. */
	if (!freq.QuadPart)
		QueryPerformanceFrequency(&freq);
	QueryPerformanceCounter(&now);
	/* Split to keep counts * 1e9 from overflowing after a few days' uptime. */
	return now.QuadPart / freq.QuadPart * 1000000000LL +
	       now.QuadPart % freq.QuadPart * 1000000000LL / freq.QuadPart;
}

int64_t soak_mono_ms(void)
{
	return soak_mono_ns() / 1000000;
}

int64_t soak_wall_ns(void)
{
	FILETIME ft;
	ULARGE_INTEGER t;

	GetSystemTimePreciseAsFileTime(&ft);
	t.LowPart = ft.dwLowDateTime;
	t.HighPart = ft.dwHighDateTime;
	return ((int64_t)t.QuadPart - SOAK_W32_EPOCH_DIFF) * 100;
}

int64_t soak_wall_ms(void)
{
	return soak_wall_ns() / 1000000;
}
