/*
 * soak-example-leaky: a small, deliberately bad service client to try soak-run on.
 *
 * Each invocation is one "iteration": it does some simulated work, reports its
 * KPIs to $SOAK_KPI_FILE, and now and then fails or hangs. It also leaks: a state
 * file counts the invocations and each one holds leak-kb KiB times that count,
 * so its memory grows steadily over a run, the way a slow leak does.
 *
 * With --service it is instead a long-running process that leaks leak-kb KiB
 * every second until SIGTERM.
 *
 * Every setting is a flag or an environment variable (LEAKY_LEAK_KB ...); a flag
 * wins. Randomness comes from a seeded generator, so a run can be repeated.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _WIN32 /* a user's workload: it may speak to its OS directly */
#include <windows.h>
#include <process.h>
#define getpid _getpid
#else
#include <unistd.h>
#endif
/* a user's workload stands alone: the C library's getenv, not the platform layer's */
#define SOAK_BANNED_KEEP_GETENV
#include "banned.h"

#define PROG "soak-example-leaky"
#define HANG_S (24 * 3600)

static const char usage[] =
    "usage: " PROG " [options]\n"
    "       " PROG " --service [options]\n"
    "\n"
    "A flaky, leaking service client: one simulated request batch per invocation.\n"
    "\n"
    "  --leak-kb N     leak N KiB per invocation, counted in the state file (LEAKY_LEAK_KB, 0)\n"
    "  --fail-rate P   probability 0..1 of failing with exit 1 (LEAKY_FAIL_RATE, 0)\n"
    "  --hang-rate P   probability 0..1 of hanging for a day (LEAKY_HANG_RATE, 0)\n"
    "  --work-ms N     simulated work in milliseconds (LEAKY_WORK_MS, 200)\n"
    "  --seed N        random seed (LEAKY_SEED; default $SOAK_ITERATION, else the count)\n"
    "  --state FILE    invocation counter (LEAKY_STATE; default $SOAK_DIR/leaky.state,\n"
    "                  else ./leaky.state)\n"
    "  --service       run until SIGTERM, leaking N KiB every second; --fail-rate is\n"
    "                  then the chance per second of crashing\n"
    "  -h, --help      print this help and exit\n"
    "\n"
    "KPIs go to $SOAK_KPI_FILE when set: {\"latency_ms\": .., \"requests\": .., \"heap_kb\": ..}\n";

struct leaky {
	long leak_kb;
	double fail_rate, hang_rate;
	long work_ms;
	unsigned long long seed;
	int have_seed;
	const char *state;
	int service;
};

/* splitmix64: tiny, good enough, and the same on every platform */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform in [0, 1) */
static double rng_unit(void)
{
	return (double)(rng_next() >> 11) / 9007199254740992.0;
}

static int bad_value(const char *name, const char *value, const char *allowed)
{
	fprintf(stderr, PROG ": invalid %s '%s': expected %s\n", name, value, allowed);
	return -1;
}

static int parse_long(const char *name, const char *s, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > max) {
		char allowed[64];

		snprintf(allowed, sizeof(allowed), "an integer from 0 to %ld", max);
		return bad_value(name, s, allowed);
	}
	*out = v;
	return 0;
}

static int parse_rate(const char *name, const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0 && v <= 1))
		return bad_value(name, s, "a probability from 0 to 1");
	*out = v;
	return 0;
}

static int parse_seed(const char *name, const char *s, struct leaky *l)
{
	char *end;

	errno = 0;
	l->seed = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-')
		return bad_value(name, s, "a non-negative integer");
	l->have_seed = 1;
	return 0;
}

enum { OPT_LEAK = 1, OPT_FAIL, OPT_HANG, OPT_WORK, OPT_SEED, OPT_STATE, OPT_SERVICE };

static int set(struct leaky *l, int opt, const char *name, const char *v)
{
	switch (opt) {
	case OPT_LEAK:
		return parse_long(name, v, 1024L * 1024, &l->leak_kb);
	case OPT_FAIL:
		return parse_rate(name, v, &l->fail_rate);
	case OPT_HANG:
		return parse_rate(name, v, &l->hang_rate);
	case OPT_WORK:
		return parse_long(name, v, 3600L * 1000, &l->work_ms);
	case OPT_SEED:
		return parse_seed(name, v, l);
	case OPT_STATE:
		l->state = v;
		return 0;
	}
	return 0;
}

static const char *const env_names[] = {
    [OPT_LEAK] = "LEAKY_LEAK_KB", [OPT_FAIL] = "LEAKY_FAIL_RATE", [OPT_HANG] = "LEAKY_HANG_RATE",
    [OPT_WORK] = "LEAKY_WORK_MS", [OPT_SEED] = "LEAKY_SEED",      [OPT_STATE] = "LEAKY_STATE",
};

static const struct option options[] = {
    /* in the order of the OPT_ enum */
    {"leak-kb", required_argument, NULL, OPT_LEAK},
    {"fail-rate", required_argument, NULL, OPT_FAIL},
    {"hang-rate", required_argument, NULL, OPT_HANG},
    {"work-ms", required_argument, NULL, OPT_WORK},
    {"seed", required_argument, NULL, OPT_SEED},
    {"state", required_argument, NULL, OPT_STATE},
    {"service", no_argument, NULL, OPT_SERVICE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, PROG ": %s '%s'\ntry '" PROG " --help'\n", what, arg);
	return 2;
}

/* Flags, then the environment for what no flag set. -1 to go on, else the exit status. */
static int configure(struct leaky *l, int argc, char **argv)
{
	const char *given[OPT_SERVICE] = {NULL};
	int c, opt;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return fflush(stdout) ? 1 : 0;
		}
		if (c == ':')
			return usage_error("missing value for", argv[optind - 1]);
		if (c == '?')
			return usage_error("unknown option", argv[optind - 1]);
		if (c == OPT_SERVICE)
			l->service = 1;
		else
			given[c] = optarg;
	}
	if (optind < argc)
		return usage_error("unexpected argument", argv[optind]);

	l->work_ms = 200;
	for (opt = OPT_LEAK; opt < OPT_SERVICE; opt++) {
		const char *v = given[opt];
		char name[32];

		if (v) {
			snprintf(name, sizeof(name), "--%s", options[opt - 1].name);
		} else {
			v = getenv(env_names[opt]);
			if (!v || !*v)
				continue;
			snprintf(name, sizeof(name), "%s", env_names[opt]);
		}
		if (set(l, opt, name, v) < 0)
			return 2;
	}
	return -1;
}

static double now_ms(void)
{
#ifdef _WIN32
	return (double)GetTickCount64();
#else
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
#endif
}

static void sleep_ms(double ms)
{
#ifdef _WIN32
	Sleep((DWORD)ms);
#else
	struct timespec ts = {(time_t)(ms / 1000), (long)(fmod(ms, 1000) * 1e6)};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
#endif
}

/*
 * Rename tmp over path. The C library's rename() on Windows refuses a target that
 * exists (EEXIST), which would fail every invocation after the first.
 */
static int replace_file(const char *tmp, const char *path)
{
#ifdef _WIN32
	if (MoveFileExA(tmp, path, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
		return 0;
	errno = GetLastError() == ERROR_ACCESS_DENIED ? EACCES : EIO;
	return -1;
#else
	return rename(tmp, path);
#endif
}

/* Write text to path through a temporary file and rename, so readers never see half. */
static int write_atomic(const char *path, const char *text)
{
	char tmp[4096];
	FILE *f;
	int ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	f = fopen(tmp, "w");
	if (!f)
		goto fail;
	ok = fputs(text, f) >= 0 && fflush(f) == 0;
	if (fclose(f) != 0)
		ok = 0;
	if (!ok || replace_file(tmp, path) < 0) {
		int e = errno;

		unlink(tmp);
		errno = e;
		goto fail;
	}
	return 0;
fail:
	fprintf(stderr, PROG ": cannot write '%s': %s\n", path, strerror(errno));
	return -1;
}

/* Count this invocation in the state file; returns the count (1 for the first), -1 on error. */
static long bump_state(const char *path)
{
	char text[32];
	long count = 0;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fscanf(f, "%ld", &count) != 1 || count < 0)
			count = 0;
		fclose(f);
	} else if (errno != ENOENT) {
		fprintf(stderr, PROG ": cannot read '%s': %s\n", path, strerror(errno));
		return -1;
	}
	count++;
	snprintf(text, sizeof(text), "%ld\n", count);
	return write_atomic(path, text) < 0 ? -1 : count;
}

/* Allocate kb KiB and touch every page so that it really counts in RSS. */
static void *grab(size_t kb)
{
	char *p = kb ? malloc(kb * 1024) : NULL;

	if (p)
		memset(p, 0xa5, kb * 1024);
	return p;
}

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int run_service(const struct leaky *l)
{
	void **held = NULL; /* the leaked blocks, chained through their first bytes */
	long seconds = 0;
	int rc = 0;
#ifdef _WIN32
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGBREAK, on_term);
#else
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
#endif
	printf("leaky service: pid %ld, leaking %ld KiB per second\n", (long)getpid(), l->leak_kb);
	for (; !stop; seconds++) {
		void **block = grab(l->leak_kb > 0 ? (size_t)l->leak_kb : 1);

		if (!block) {
			fprintf(stderr, "leaky service: out of memory after %ld s\n", seconds);
			rc = 1;
			break;
		}
		*block = held;
		held = block;
		if (rng_unit() < l->fail_rate) {
			fprintf(stderr, "leaky service: crashed after %ld s (simulated)\n",
			        seconds);
			rc = 1;
			break;
		}
#ifdef _WIN32
		Sleep(1000);
#else
		sleep(1); /* a signal cuts this short */
#endif
	}
	if (!rc)
		printf("leaky service: stopping after %ld s, %ld KiB leaked\n", seconds,
		       seconds * l->leak_kb);
	while (held) {
		void **prev = *held;

		free(held);
		held = prev;
	}
	return rc;
}

static int write_kpis(double latency_ms, long requests, long heap_kb)
{
	const char *path = getenv("SOAK_KPI_FILE");
	char text[256];

	if (!path || !*path)
		return 0;
	snprintf(text, sizeof(text),
	         "{\"latency_ms\": %.1f, \"requests\": %ld, \"heap_kb\": %ld}\n", latency_ms,
	         requests, heap_kb);
	return write_atomic(path, text);
}

static int run_once(struct leaky *l)
{
	char state[4096];
	const char *iter = getenv("SOAK_ITERATION");
	long count, heap_kb, requests;
	double t0 = now_ms(), latency;
	void *leak;

	if (!l->state) {
		const char *dir = getenv("SOAK_DIR");

		snprintf(state, sizeof(state), "%s/leaky.state", dir && *dir ? dir : ".");
		l->state = state;
	}
	count = bump_state(l->state);
	if (count < 0)
		return 1;
	if (!l->have_seed) {
		char *end;

		l->seed = iter ? strtoull(iter, &end, 10) : 0;
		if (!iter || !*iter || *end)
			l->seed = (unsigned long long)count;
	}
	rng_state = l->seed;

	heap_kb = l->leak_kb * count;
	leak = grab((size_t)heap_kb);
	if (heap_kb && !leak) {
		fprintf(stderr, "leaky: out of memory holding %ld KiB\n", heap_kb);
		return 1;
	}
	printf("leaky: invocation %ld, seed %llu, holding %ld KiB\n", count, l->seed, heap_kb);

	if (rng_unit() < l->hang_rate) {
		printf("leaky: waiting for a response that will never come\n");
		fflush(stdout);
		sleep_ms(HANG_S * 1000.0);
	}
	requests = 50 + (long)(rng_next() % 50);
	sleep_ms(l->work_ms * (0.75 + 0.5 * rng_unit()));
	latency = now_ms() - t0;
	if (write_kpis(latency, requests, heap_kb) < 0) {
		free(leak);
		return 1;
	}
	free(leak);
	if (rng_unit() < l->fail_rate) {
		fprintf(stderr,
		        "leaky: request %ld of %ld failed: connection reset by peer "
		        "(simulated)\n",
		        1 + (long)(rng_next() % requests), requests);
		return 1;
	}
	printf("leaky: %ld requests in %.1f ms\n", requests, latency);
	return 0;
}

int main(int argc, char **argv)
{
	struct leaky l = {0};
	int rc = configure(&l, argc, argv);

	if (rc >= 0)
		return rc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (l.service) {
		rng_state = l.seed;
		rc = run_service(&l);
	} else {
		rc = run_once(&l);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, PROG ": cannot write output: %s\n", strerror(errno));
		return 1;
	}
	return rc;
}
