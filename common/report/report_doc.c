#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "os.h"
#include "report_doc.h"
#include "report_fmt.h"
#include "report_tune.h"
#include "banned.h"

#define EXCERPT_BYTES 4096
#define EXCERPT_LINES 20

/* The last lines of a log file, when its path stays inside dir. */
static void log_excerpt(const char *dir, const char *log, struct soak_buf *b)
{
	char data[EXCERPT_BYTES + 1], *path, *p;
	struct soak_os_stat st;
	ptrdiff_t n;
	uint64_t off;
	int fd, lines = 0;

	if (!log || soak_os_path_is_abs(log) || strstr(log, ".."))
		return;
	path = soak_path_join(dir, log);
	if (!path)
		return;
	fd = soak_os_open(path, SOAK_O_RDONLY | SOAK_O_NOFOLLOW, 0);
	free(path);
	if (fd < 0)
		return;
	if (soak_os_fstat(fd, &st) || st.type != SOAK_OS_FILE) {
		soak_os_close(fd);
		return;
	}
	off = st.size > EXCERPT_BYTES ? st.size - EXCERPT_BYTES : 0;
	n = soak_os_pread(fd, data, EXCERPT_BYTES, off);
	soak_os_close(fd);
	if (n <= 0)
		return;
	data[n] = 0;
	for (p = data + n; p > data; p--) {
		if (p[-1] == '\n' && p != data + n && ++lines == EXCERPT_LINES)
			break;
	}
	/* keep the text printable: no NUL, no fence breaking */
	for (char *q = p; q < data + n; q++)
		if (*q == 0 || *q == '`')
			*q = '\'';
	soak_buf_addf(b, "\n```text\n%s%s```\n", p, data[n - 1] == '\n' ? "" : "\n");
}

int soak_report_failures_md(struct soak_report *r, struct soak_buf *b)
{
	size_t i;

	soak_buf_addf(b, "# Failures\n\n");
	if (!r->all.failures) {
		soak_buf_addf(b, "No failing iterations in %llu.\n", (unsigned long long)r->all.n);
		return b->data ? 0 : -1;
	}
	soak_buf_addf(b, "%llu failing iterations of %llu, in %zu group%s by cause.\n",
	              (unsigned long long)r->all.failures, (unsigned long long)r->all.n, r->nfg,
	              r->nfg == 1 ? "" : "s");
	if (r->fg_other)
		soak_buf_addf(b, "%llu more failures had causes past the first %zu groups.\n",
		              (unsigned long long)r->fg_other, r->nfg);
	for (i = 0; i < r->nfg; i++) {
		struct soak_report_fgroup *g = &r->fg[i];
		const struct soak_report_ref *refs[2] = {&g->first, &g->last};
		int k;

		soak_buf_addf(b, "\n## %s: %llu iteration%s\n\n", g->cause,
		              (unsigned long long)g->count, g->count == 1 ? "" : "s");
		for (k = 0; k < (g->count > 1 ? 2 : 1); k++) {
			const struct soak_report_ref *f = refs[k];

			soak_buf_addf(b, "- %s: iteration %llu",
			              g->count > 1 ? (k ? "last" : "first") : "only",
			              (unsigned long long)f->iteration);
			if (r->nsrc > 1)
				soak_buf_addf(b, " of `%s`", r->src[f->shard].dir);
			if (f->time[0])
				soak_buf_addf(b, ", ended %s", f->time);
			if (f->log)
				soak_buf_addf(b, ", log `%s`", f->log);
			soak_buf_adds(b, "\n");
		}
		if (g->first.log) {
			soak_buf_addf(b, "\nEnd of the log of iteration %llu:\n",
			              (unsigned long long)g->first.iteration);
			log_excerpt(r->src[g->first.shard].dir, g->first.log, b);
		}
	}
	return b->data ? 0 : -1;
}

int soak_report_recommendations_md(struct soak_report *r, struct soak_buf *b)
{
	struct soak_stats *d = &r->all.m[SOAK_M_DURATION];
	int64_t timeout = -1, heartbeat = -1;
	uint64_t judged = r->all.n - r->all.count[SOAK_ST_SKIPPED], dropped = 0;
	char v[64], t[64], u[64];
	size_t i, count = 0;
	double lo, hi;
	int m;

	for (i = 0; i < r->nsrc; i++) {
		if (r->src[i].timeout_ms >= 0 && timeout < 0)
			timeout = r->src[i].timeout_ms;
		if (r->src[i].heartbeat_ms >= 0 && heartbeat < 0)
			heartbeat = r->src[i].heartbeat_ms;
		dropped += r->src[i].log_dropped_bytes;
	}
	soak_buf_adds(
	    b, "# Recommendations\n\nDerived from the numbers in POST_SOAK_SNAPSHOT.json.\n\n");
	if (d->n) {
		double p99 = soak_stats_quantile(d, 0.99);

		uint64_t killed = r->all.count[SOAK_ST_TIMEOUT];

		if (timeout > 0 && killed) {
			/* a killed iteration's duration is the timeout: no p99 says what it needed
			 */
			soak_buf_addf(
			    b,
			    "- **The timeout was hit.** %llu of %llu iterations ran into the "
			    "%s timeout and were killed, ",
			    (unsigned long long)killed, (unsigned long long)r->all.n,
			    soak_report_fmt(SOAK_K_MS, (double)timeout, v, sizeof(v)));
			soak_buf_addf(
			    b,
			    "so how long they needed is unknown (their recorded duration is "
			    "the timeout itself). Find out why they hang (FAILURES.md lists "
			    "them); to measure them, replay with a longer `--timeout`, such "
			    "as %s.\n",
			    soak_report_fmt(SOAK_K_MS, 2 * (double)timeout, t, sizeof(t)));
			count++;
		} else if (timeout > 0 && p99 > 0.8 * (double)timeout) {
			soak_buf_addf(b,
			              "- **Timeout close to the duration.** p99 of the iteration "
			              "duration is %s, ",
			              soak_report_fmt(SOAK_K_MS, p99, v, sizeof(v)));
			soak_buf_addf(
			    b,
			    "%s of the %s timeout; no iteration timed out yet. Raise "
			    "`--timeout` to about %s (2 × p99) unless the slow iterations "
			    "are the bug.\n",
			    soak_report_fmt(SOAK_K_RATIO, p99 / (double)timeout, t, sizeof(t)),
			    soak_report_fmt(SOAK_K_MS, (double)timeout, v, sizeof(v)),
			    soak_report_fmt(SOAK_K_MS, 2 * p99, u, sizeof(u)));
			count++;
		} else if (timeout == 0) {
			soak_buf_addf(b,
			              "- **No timeout.** A hung iteration would stall the run. Set "
			              "`--timeout` to "
			              "about %s (3 × p99 of %s).\n",
			              soak_report_fmt(SOAK_K_MS, 3 * p99, v, sizeof(v)),
			              soak_report_fmt(SOAK_K_MS, p99, t, sizeof(t)));
			count++;
		}
	}
	for (m = 0; m < SOAK_M_N; m++) {
		struct soak_buf s;

		if (!soak_report_leak_suspect(r, m))
			continue;
		soak_buf_init(&s, 512);
		soak_report_trend_sentence(r, m, &s);
		soak_buf_addf(
		    b,
		    "- **Leak suspect: %s.** %s over %llu points after the settle period. Profile "
		    "it (heap profiler, `ls /proc/PID/fd`), or gate it: `--gate '%s:slope<...'`.\n",
		    soak_report_metrics[m].name, soak_buf_str(&s),
		    (unsigned long long)r->trend[m].t.raw, soak_report_metrics[m].name);
		soak_buf_free(&s);
		count++;
	}
	if (r->trend[SOAK_M_DISK].significant && r->trend[SOAK_M_DISK].t.slope > 0) {
		soak_buf_addf(
		    b,
		    "- **The host's disk fills.** Free disk falls %s/h on the whole machine, "
		    "which other jobs share, so it is not judged and not called a leak. If the "
		    "command is what writes, gate it: `--gate 'disk:slope<...'`.\n",
		    soak_report_fmt(SOAK_K_BYTES, r->trend[SOAK_M_DISK].t.slope, v, sizeof(v)));
		count++;
	}
	for (i = 0; i < r->nsteps; i++) {
		struct soak_report_step *s = &r->steps[i];
		uint64_t bad =
		    s->count[SOAK_ST_FAIL] + s->count[SOAK_ST_TIMEOUT] + s->count[SOAK_ST_ERROR];

		if (s->retried_passed || (bad && s->count[SOAK_ST_PASS])) {
			soak_buf_addf(b,
			              "- **Flaky step '%s'.** It passed %llu times and failed %llu "
			              "times; %llu runs "
			              "passed only after a retry. Find the nondeterminism before "
			              "raising retries.\n",
			              s->name, (unsigned long long)s->count[SOAK_ST_PASS],
			              (unsigned long long)bad,
			              (unsigned long long)s->retried_passed);
			count++;
		}
	}
	if (heartbeat >= 0 && heartbeat < 1000 && r->trend[SOAK_M_MEM_AVAIL].significant &&
	    r->trend[SOAK_M_MEM_AVAIL].t.slope < 0) {
		soak_buf_addf(
		    b,
		    "- **Heartbeat too short for the host to settle.** Available memory falls %s/h "
		    "with a %s pause between iterations. Try `--heartbeat 5s` so the host can "
		    "reclaim "
		    "memory between iterations.\n",
		    soak_report_fmt(SOAK_K_BYTES, -r->trend[SOAK_M_MEM_AVAIL].t.slope, v,
		                    sizeof(v)),
		    soak_report_fmt(SOAK_K_MS, (double)heartbeat, t, sizeof(t)));
		count++;
	}
	if (judged) {
		soak_wilson(r->all.count[SOAK_ST_PASS], judged, SOAK_STATS_Z95, &lo, &hi);
		if (r->all.failures && hi < 0.99) {
			soak_buf_addf(b,
			              "- **Pass rate below 99%% with confidence.** The 95%% "
			              "interval is %s – %s. Start from the largest group in "
			              "FAILURES.md.\n",
			              soak_report_fmt(SOAK_K_RATIO, lo, v, sizeof(v)),
			              soak_report_fmt(SOAK_K_RATIO, hi, t, sizeof(t)));
			count++;
		} else if (!r->all.failures && judged < 300) {
			soak_buf_addf(b,
			              "- **Few iterations.** %llu passes bound the failure rate "
			              "only below %s "
			              "(95%%). Run longer for a tighter bound.\n",
			              (unsigned long long)judged,
			              soak_report_fmt(SOAK_K_RATIO, 1 - lo, v, sizeof(v)));
			count++;
		}
	}
	count += soak_report_tune_recommend(r, b);
	if (dropped) {
		soak_buf_addf(
		    b,
		    "- **Logs were cut.** %s of output was dropped; raise `--log-max` to keep "
		    "whole logs of failing iterations.\n",
		    soak_report_fmt(SOAK_K_BYTES, (double)dropped, v, sizeof(v)));
		count++;
	}
	if (!count)
		soak_buf_adds(
		    b,
		    "No recommendations: no failures, no resource trends, timeouts well above the "
		    "durations.\n");
	return b->data ? 0 : -1;
}
