/* The one exit-code table shared by every soak-* program (docs/exit-codes.md). */
#ifndef SOAK_EXITCODE_H
#define SOAK_EXITCODE_H

enum soak_exit {
	SOAK_EXIT_OK = 0,         /* success; verdict PASS (WARN too, unless --strict) */
	SOAK_EXIT_FAIL = 1,       /* verdict FAIL, gates failed, budget exceeded, mismatch */
	SOAK_EXIT_USAGE = 2,      /* bad flag, bad value, bad config */
	SOAK_EXIT_INPUT = 3,      /* required file missing, unreadable or malformed */
	SOAK_EXIT_ENV = 4,        /* I/O error, disk full, network failure, permission */
	SOAK_EXIT_CACHE_MISS = 5, /* cache miss where a hit was required */
	SOAK_EXIT_SIGINT = 130,   /* interrupted by SIGINT, after writing what must be written */
	SOAK_EXIT_SIGTERM = 143,  /* interrupted by SIGTERM, likewise */
};

/* A short lowercase name for an exit code ("usage", "input"...), "unknown" otherwise. */
const char *soak_exit_name(int code);

#endif
