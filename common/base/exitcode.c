#include "exitcode.h"
#include "banned.h"

const char *soak_exit_name(int code)
{
	switch (code) {
	case SOAK_EXIT_OK:
		return "ok";
	case SOAK_EXIT_FAIL:
		return "fail";
	case SOAK_EXIT_USAGE:
		return "usage";
	case SOAK_EXIT_INPUT:
		return "input";
	case SOAK_EXIT_ENV:
		return "environment";
	case SOAK_EXIT_CACHE_MISS:
		return "cache-miss";
	case SOAK_EXIT_SIGINT:
		return "sigint";
	case SOAK_EXIT_SIGTERM:
		return "sigterm";
	}
	return "unknown";
}
