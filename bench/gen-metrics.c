/*
 * Write a realistic metrics.jsonl of N iterations (docs/soak-directory.md), as
 * soak-run writes it, for the soak-report benchmark. Deterministic for a seed.
 *
 *   gen-metrics N [SEED] > metrics.jsonl
 *
 * The workload: iterations of about 1.5 s (log-normal), 2% failing (a tenth of
 * them killed by SIGSEGV), 0.4% timing out at 30 s, 0.1% errors; RSS grows by
 * 16 bytes per iteration under noise; three KPIs; now and then a record without
 * KPIs and with a warning, or without the sampled fields.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static double uniform(void)
{
	return (double)(rng() >> 11) / 9007199254740992.0;
}

static double gauss(void)
{
	double u = uniform(), v = uniform();

	if (u < 1e-300)
		u = 1e-300;
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static void iso(int64_t ms, char *buf, size_t n)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

int main(int argc, char **argv)
{
	static char obuf[1 << 20];
	long long n, i;
	int64_t t = 1767225600000LL; /* 2026-01-01T00:00:00Z */
	double disk = 85899345920.0;
	char start[64], end[64];

	if (argc < 2 || (n = strtoll(argv[1], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: gen-metrics N [SEED] > metrics.jsonl\n");
		return 2;
	}
	if (argc > 2)
		rng_state ^= (uint64_t)strtoull(argv[2], NULL, 10) * 0x9E3779B97F4A7C15ULL;
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	for (i = 1; i <= n; i++) {
		double u = uniform(), dur = 1500 * exp(0.25 * gauss());
		const char *st = "pass";
		char code[16] = "0", sig[16] = "null";
		int timed_out = 0, sampled = (i % 997) != 0;
		long long rss = 50000000LL + 16 * i + (long long)(gauss() * 200000);
		long long log_bytes = 1800 + (long long)(uniform() * 600);

		if (u < 0.001) {
			st = "error";
			snprintf(code, sizeof(code), "127");
			dur = 2 + uniform();
			sampled = 0;
		} else if (u < 0.005) {
			st = "timeout";
			snprintf(code, sizeof(code), "null");
			snprintf(sig, sizeof(sig), "9");
			timed_out = 1;
			dur = 30000 + uniform() * 5;
		} else if (u < 0.007) {
			st = "fail";
			snprintf(code, sizeof(code), "null");
			snprintf(sig, sizeof(sig), "11");
		} else if (u < 0.025) {
			st = "fail";
			snprintf(code, sizeof(code), "%d", 1 + (int)(uniform() * 2));
		}
		iso(t, start, sizeof(start));
		t += (int64_t)dur;
		iso(t, end, sizeof(end));
		disk -= (double)log_bytes;
		printf(
		    "{\"schema\":\"1.0\",\"run_id\":\"20260101T000000Z-b3e1a7\",\"iteration\":%lld,"
		    "\"start\":\"%s\",\"end\":\"%s\",\"duration_ms\":%.6g,\"status\":\"%s\","
		    "\"exit_code\":%s,\"signal\":%s,\"timed_out\":%s,",
		    i, start, end, dur, st, code, sig, timed_out ? "true" : "false");
		printf("\"peak_rss_bytes\":%lld,\"cpu_user_s\":%.6g,\"cpu_sys_s\":%.6g,",
		       rss - rss % 4096, 0.8 * dur / 1500 * (0.9 + 0.2 * uniform()),
		       0.1 * (0.9 + 0.2 * uniform()));
		if (sampled)
			printf("\"threads\":4,\"open_fds\":%d,\"procs\":1,",
			       12 + (uniform() < 0.01));
		printf("\"free_disk_bytes\":%.0f,\"mem_avail_bytes\":%lld,", disk,
		       20000000000LL + (long long)(gauss() * 1e8));
		if (i % 5003 == 0)
			printf("\"warnings\":[\"kpi file: expected a JSON object of numbers\"],");
		else
			printf("\"kpi\":{\"latency_ms\":%.1f,\"requests\":%d,\"heap_kb\":%lld},",
			       dur / 90, 50 + (int)(uniform() * 50), 512 + i / 64);
		printf("\"log\":\"logs/"
		       "iter-%06lld.log\",\"log_bytes\":%lld,\"log_dropped_bytes\":0}\n",
		       i, log_bytes);
		t += 5 + (int64_t)(uniform() * 10);
	}
	return fflush(stdout) ? 1 : 0;
}
