/*
 * tune_sut: a system under test for guarded tuning (tests/soak-run/t003x). It
 * reads the parameters soak-run tuned from $SOAK_OVERRIDES_FILE (a flat JSON
 * object of numbers), and writes KPIs that respond to them, with deterministic
 * noise, to $SOAK_KPI_FILE:
 *
 *   risk        = A + B * spread + noise    (--risk A,B; default 1,-0.1)
 *   latency_ms  = C * batch + noise         (--latency C; default 0.5)
 *   NAME_used   = the value of each parameter it applied
 *
 * noise is uniform in [-N, N] (--noise N, default 0.005) from --seed S and
 * $SOAK_ITERATION. --ignore NAME=V: the program ignores changes of NAME and
 * applies V whatever the file says (the apply check must catch it).
 * --square: risk = A + B * (spread - 6)^2 instead (a bowl: a rule that only looks
 * at risk moves spread back and forth around 6).
 * Stands alone (no libsoak) like a user's program would; builds for Windows too.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* a user's workload stands alone: the C library's getenv, not the platform layer's */
#define SOAK_BANNED_KEEP_GETENV
#include "../../common/base/banned.h"

#define MAXP 16

static char names[MAXP][64];
static double vals[MAXP];
static int np;

/* Read {"a":1.5,"b":64}: flat, numbers only (what soak-run writes). */
static int read_overrides(const char *path)
{
	char buf[8192];
	size_t n;
	const char *p;
	FILE *f = fopen(path, "rb");

	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = buf;
	while (np < MAXP && (p = strchr(p, '"'))) {
		const char *e = strchr(p + 1, '"');
		char *end;
		size_t len;
		if (!e)
			break;
		len = (size_t)(e - p - 1) < sizeof(names[0]) - 1 ? (size_t)(e - p - 1)
		                                                 : sizeof(names[0]) - 1;
		memcpy(names[np], p + 1, len);
		names[np][len] = '\0';
		p = strchr(e, ':');
		if (!p)
			break;
		vals[np] = strtod(p + 1, &end);
		if (end == p + 1)
			return -1;
		np++;
		p = end;
	}
	return 0;
}

static double get(const char *name, double def)
{
	for (int i = 0; i < np; i++)
		if (!strcmp(names[i], name))
			return vals[i];
	return def;
}

/* uniform in [-1, 1] from seed and iteration (splitmix64) */
static double noise(unsigned long long seed, unsigned long long it)
{
	unsigned long long z = seed * 0x9E3779B97F4A7C15ULL + it + 0x632BE59BD9B4E019ULL;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	z ^= z >> 31;
	return (double)(z >> 11) / (double)(1ULL << 53) * 2 - 1;
}

int main(int argc, char **argv)
{
	double a = 1, b = -0.1, c = 0.5, amp = 0.005, spread, batch;
	unsigned long long seed = 1, it;
	const char *ovr = getenv("SOAK_OVERRIDES_FILE"), *kpi = getenv("SOAK_KPI_FILE");
	const char *its = getenv("SOAK_ITERATION");
	int square = 0;
	FILE *f;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--risk") && i + 1 < argc) {
			if (sscanf(argv[++i], "%lf,%lf", &a, &b) != 2)
				goto usage;
		} else if (!strcmp(argv[i], "--latency") && i + 1 < argc) {
			c = strtod(argv[++i], NULL);
		} else if (!strcmp(argv[i], "--noise") && i + 1 < argc) {
			amp = strtod(argv[++i], NULL);
		} else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			seed = strtoull(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--square")) {
			square = 1;
		} else if (!strcmp(argv[i], "--ignore") && i + 1 < argc) {
			i++; /* applied after the file is read */
		} else {
			goto usage;
		}
	}
	if (!ovr || !kpi || !its) {
		fprintf(stderr, "tune_sut: SOAK_OVERRIDES_FILE, SOAK_KPI_FILE and SOAK_ITERATION "
		                "must be set (run it under soak-run --tune)\n");
		return 2;
	}
	if (read_overrides(ovr) < 0) {
		fprintf(stderr, "tune_sut: cannot read '%s'\n", ovr);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		char name[64];
		double v;
		if (strcmp(argv[i], "--ignore") || i + 1 >= argc)
			continue;
		if (sscanf(argv[i + 1], "%63[^=]=%lf", name, &v) != 2)
			goto usage;
		for (int k = 0; k < np; k++)
			if (!strcmp(names[k], name))
				vals[k] = v;
	}
	it = strtoull(its, NULL, 10);
	spread = get("spread", 5);
	batch = get("batch", 64);
	f = fopen(kpi, "w");
	if (!f) {
		fprintf(stderr, "tune_sut: cannot write '%s'\n", kpi);
		return 2;
	}
	fprintf(f, "{\"risk\": %.6f, \"latency_ms\": %.6f",
	        (square ? a + b * (spread - 6) * (spread - 6) : a + b * spread) +
	            amp * noise(seed, it),
	        c * batch + amp * noise(seed + 1, it));
	for (int i = 0; i < np; i++)
		fprintf(f, ", \"%s_used\": %.17g", names[i], vals[i]);
	fprintf(f, "}\n");
	fclose(f);
	printf("iteration %llu: spread %g batch %g\n", it, spread, batch);
	return 0;
usage:
	fprintf(stderr, "usage: tune_sut [--risk A,B] [--latency C] [--noise N] [--seed S] "
	                "[--square] [--ignore NAME=V]...\n");
	return 2;
}
