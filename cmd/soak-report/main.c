/* soak-report: statistics, gates, verdict and reports from soak directories. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "conf.h"
#include "exitcode.h"
#include "file.h"
#include "http.h"
#include "msg.h"
#include "notify_conf.h"
#include "parse.h"
#include "report.h"
#include "os.h"
#include "url.h"
#include "banned.h"

static const char usage[] =
    "usage: soak-report [options]\n"
    "Read soak directories (metrics.jsonl, samples.jsonl, tuning.jsonl, or\n"
    "ITER_SUMMARY_<n>.json), judge gates and write reports. Exit 0 PASS/WARN, 1 FAIL\n"
    "(or WARN with --strict), 2 usage, 3 input, 4 environment.\n\n";

static const struct soak_opt opts[] = {
    {"dir", 'd', SOAK_OPT_LIST, "DIR", "artifacts/soak", "a soak directory; repeat to merge shards",
     0, 0, 0},
    {"config", 'c', SOAK_OPT_STRING, "FILE", NULL, "JSON config file (section \"report\")", 0, 0,
     0},
    {"out", 'o', SOAK_OPT_STRING, "DIR", NULL,
     "directory for the reports (default: first DIR/reports)", 0, 0, 0},
    {"format", 'f', SOAK_OPT_STRING, "LIST", "all",
     "json,md,recommendations,failures,html,junit,prom | all | none", 0, 0, 0},
    {"gate", 'g', SOAK_OPT_LIST, "EXPR", NULL, "hard gate, e.g. 'duration_ms:p(95)<340' (FAIL)", 0,
     0, 0},
    {"warn-gate", 'w', SOAK_OPT_LIST, "EXPR", NULL, "soft gate (WARN)", 0, 0, 0},
    {"last-n", 'n', SOAK_OPT_INT, "N", "8", "window of the last N iterations per shard", 0, 0,
     100000},
    {"settle", 0, SOAK_OPT_STRING, "N|P%", "10%", "trends skip the first N points or P% of them", 0,
     0, 0},
    {"alpha", 0, SOAK_OPT_DOUBLE, "P", "0.01", "significance level of the trend test", 0, 0, 1},
    {"max-bad-share", 0, SOAK_OPT_DOUBLE, "FRACTION", "0.05",
     "exit 3 when more records than this share are malformed", 0, 0, 1},
    {"strict", 0, SOAK_OPT_FLAG, NULL, NULL, "WARN exits 1", 0, 0, 0},
    {"junit-steps", 0, SOAK_OPT_FLAG, NULL, NULL, "junit.xml: a testcase per step", 0, 0, 0},
    {"junit-max", 0, SOAK_OPT_INT, "N", "20000", "junit.xml: list at most N testcases", 0, 1,
     100000},
    {"push", 0, SOAK_OPT_STRING, "URL", NULL, "PUT metrics.prom to this Pushgateway",
     SOAK_OPT_SECRET, 0, 0},
    {"push-job", 0, SOAK_OPT_STRING, "NAME", "soak", "Pushgateway job name", 0, 0, 0},
    {"push-timeout", 0, SOAK_OPT_DURATION, "DURATION", "10s", "timeout of each push attempt", 0, 0,
     0},
    SOAK_NOTIFY_CONF_OPTIONS("fail,warn", "when to notify: pass, warn, fail or always"),
    {"notify-required", 0, SOAK_OPT_FLAG, NULL, NULL,
     "a failed notification exits 4 (else a warning)", 0, 0, 0},
    {"full-parse", 0, SOAK_OPT_FLAG, NULL, NULL,
     "parse every record with the full JSON parser (slower; same results)", 0, 0, 0},
    {"quiet", 'q', SOAK_OPT_FLAG, NULL, NULL, "no summary on stdout", 0, 0, 0},
    SOAK_OPT_HELP_VERSION_END,
};

static int parse_settle(const char *s, struct soak_report_opts *o, struct soak_err *err)
{
	size_t n = strlen(s);
	char num[64];
	double d;
	long long v;

	if (n && s[n - 1] == '%' && n < sizeof(num)) {
		memcpy(num, s, n - 1);
		num[n - 1] = 0;
		if (soak_parse_double(num, 0, 99, &d, err))
			return soak_err_prefix(err, "bad --settle '%s'", s);
		o->settle_frac = d / 100;
		return 0;
	}
	if (soak_parse_int(s, 0, 1000000000LL, &v, err))
		return soak_err_prefix(err, "bad --settle '%s' (a count or a percentage like 10%%)",
		                       s);
	o->settle_points = (uint64_t)v;
	return 0;
}

/* The Pushgateway URL: url itself when its path names a job, else url with
 * metrics/job/JOB added to its path, before any query. */
static int push_url(struct soak_buf *full, const char *url, const char *job)
{
	const char *host, *at = soak_url_userinfo(url, &host), *path, *job_at;
	struct soak_buf job_path;
	int rc;

	path = at ? at + 1 : host;
	path += strcspn(path, "/?#");
	job_at = strstr(path, "/metrics/job/");
	if (job_at && job_at < path + strcspn(path, "?#"))
		return soak_buf_adds(full, url);
	soak_buf_init(&job_path, 4096);
	rc = soak_buf_addf(&job_path, "metrics/job/%s", job);
	if (!rc)
		rc = soak_url_add_path(full, url, soak_buf_str(&job_path));
	soak_buf_free(&job_path);
	return rc;
}

static int push(struct soak_report *r, const struct soak_conf *c, struct soak_err *err)
{
	const char *url = soak_conf_str(c, "push"), *job = soak_conf_str(c, "push-job");
	struct soak_http_req req = {0};
	struct soak_buf body, full;
	long status;
	int rc;

	soak_buf_init(&body, 64 * 1024 * 1024);
	soak_buf_init(&full, 4096);
	if (soak_report_prom(r, &body)) {
		soak_buf_free(&body);
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	}
	if (push_url(&full, url, job)) {
		soak_buf_free(&body);
		soak_buf_free(&full);
		return soak_err_set(err, SOAK_EXIT_USAGE, "--push URL or --push-job too long");
	}
	req.method = "PUT";
	req.url = soak_buf_str(&full);
	req.content_type = "text/plain; version=0.0.4";
	req.body = soak_buf_str(&body);
	req.len = body.len;
	req.timeout_ms = soak_conf_ms(c, "push-timeout");
	req.retries = 2;
	req.backoff_ms = 500;
	rc = soak_http_send(&req, &status, err);
	soak_buf_free(&body);
	soak_buf_free(&full);
	return rc;
}

/* --notify-on names, in the order of enum soak_verdict */
static const char *const verdicts[] = {"pass", "warn", "fail", NULL};

/* Parse the --notify settings and hand Actions the secrets before anything is printed. */
static int notify_init(const struct soak_conf *c, struct soak_notify_conf *nc, struct soak_err *err)
{
	struct soak_buf mask;
	int rc;

	soak_buf_init(&mask, 1024 * 1024);
	rc = soak_notify_conf_init(nc, c, verdicts, &mask, err);
	if (mask.len) {
		fputs(soak_buf_str(&mask), stdout);
		fflush(stdout);
	}
	soak_buf_free(&mask);
	return rc;
}

static void notified(void *ctx, const struct soak_notify_target *t,
                     const struct soak_notify_result *res, const struct soak_err *err)
{
	const struct soak_conf *c = ctx;

	if (err && soak_conf_flag(c, "notify-required"))
		soak_error("notification to '%s' failed after %d attempt%s: %s", t->shown,
		           res->attempts, res->attempts == 1 ? "" : "s", err->msg);
	else if (err)
		soak_warning("notification to '%s' failed after %d attempt%s: %s", t->shown,
		             res->attempts, res->attempts == 1 ? "" : "s", err->msg);
	else if (!soak_conf_flag(c, "quiet"))
		printf("notified: %s (%d attempt%s%s)\n", t->shown, res->attempts,
		       res->attempts == 1 ? "" : "s", res->truncated ? ", message shortened" : "");
}

/* Tell the --notify targets the verdict when --notify-on names it; 0, or the number
 * of targets that failed. */
static size_t notify(struct soak_report *r, struct soak_notify_conf *nc, const struct soak_conf *c)
{
	struct soak_buf title, text;
	const char *kind;
	size_t failed = 0;

	if (!soak_notify_conf_wants(nc, verdicts[r->verdict]))
		return 0;
	soak_buf_init(&title, 4096);
	soak_buf_init(&text, 64 * 1024);
	if (soak_report_message(r, &title, &text, &kind) < 0) {
		if (nc->required)
			soak_error("cannot notify: the message does not fit");
		else
			soak_warning("cannot notify: the message does not fit");
		failed = nc->n;
	} else {
		failed = soak_notify_conf_send(nc, soak_buf_str(&title), soak_buf_str(&text), kind,
		                               notified, (void *)c);
	}
	soak_buf_free(&title);
	soak_buf_free(&text);
	return failed;
}

static void summary(struct soak_report *r)
{
	struct soak_buf b;

	soak_buf_init(&b, 64 * 1024);
	soak_report_summary(r, &b);
	fputs(soak_buf_str(&b), stdout);
	soak_buf_free(&b);
}

int main(int argc, char **argv)
{
	struct soak_report_opts o = {0};
	struct soak_notify_conf nc = {0};
	const struct soak_setting *dirs, *gates, *warn;
	struct soak_report r;
	struct soak_conf c;
	struct soak_err err = {0};
	struct soak_buf ann;
	const char *sde;
	size_t i;
	int rc;

	soak_os_main_init(&argc, &argv);

	soak_msg_init("soak-report");
	if (soak_conf_parse(&c, "soak-report", opts, argc, argv, 0, &err))
		return err.code == SOAK_EXIT_USAGE ? soak_usage_error("%s", err.msg)
		                                   : soak_report_err(&err);
	if (soak_conf_flag(&c, "help")) {
		struct soak_buf h;

		soak_buf_init(&h, 64 * 1024);
		soak_conf_help(opts, &h);
		printf("%s%s", usage, soak_buf_str(&h));
		soak_buf_free(&h);
		soak_conf_free(&c);
		return soak_finish(SOAK_EXIT_OK);
	}
	if (soak_conf_flag(&c, "version")) {
		printf("soak-report %s\n", SOAK_VERSION);
		soak_conf_free(&c);
		return soak_finish(SOAK_EXIT_OK);
	}
	if (c.nrest) {
		rc = soak_usage_error("unexpected argument '%s'", c.rest[0]);
		soak_conf_free(&c);
		return rc;
	}
	dirs = soak_conf_get(&c, "dir");
	o.dirs = dirs->list;
	o.ndirs = dirs->nlist;
	o.out_dir = soak_conf_is_set(&c, "out") ? soak_conf_str(&c, "out") : NULL;
	o.last_n = (uint64_t)soak_conf_int(&c, "last-n");
	o.alpha = soak_conf_double(&c, "alpha");
	o.max_bad_share = soak_conf_double(&c, "max-bad-share");
	o.strict = soak_conf_flag(&c, "strict");
	o.junit_steps = soak_conf_flag(&c, "junit-steps");
	o.junit_max = (uint64_t)soak_conf_int(&c, "junit-max");
	o.full_parse = soak_conf_flag(&c, "full-parse");
	o.version = SOAK_VERSION;
	o.now_ms = soak_wall_ms();
	sde = soak_os_getenv("SOURCE_DATE_EPOCH");
	if (sde && *sde) {
		long long v;

		if (soak_parse_int(sde, 0, 253402300799LL, &v, &err)) {
			rc = soak_usage_error("bad SOURCE_DATE_EPOCH '%s': %s", sde, err.msg);
			soak_conf_free(&c);
			return rc;
		}
		o.now_ms = v * 1000;
	}
	if (soak_report_formats(soak_conf_str(&c, "format"), &o.formats, &err) ||
	    parse_settle(soak_conf_str(&c, "settle"), &o, &err)) {
		rc = soak_usage_error("%s", err.msg);
		soak_conf_free(&c);
		return rc;
	}
	if (!o.ndirs) {
		rc = soak_usage_error("no --dir given");
		soak_conf_free(&c);
		return rc;
	}
	if (soak_report_init(&r, &o, &err)) {
		rc = err.code == SOAK_EXIT_USAGE ? soak_usage_error("%s", err.msg)
		                                 : soak_report_err(&err);
		soak_conf_free(&c);
		return rc;
	}
	if (notify_init(&c, &nc, &err)) {
		rc = err.code == SOAK_EXIT_USAGE ? soak_usage_error("%s", err.msg)
		                                 : soak_report_err(&err);
		goto out;
	}
	gates = soak_conf_get(&c, "gate");
	warn = soak_conf_get(&c, "warn-gate");
	for (i = 0; i < gates->nlist + warn->nlist; i++) {
		int hard = i < gates->nlist;

		if (soak_report_add_gate(&r, hard ? gates->list[i] : warn->list[i - gates->nlist],
		                         hard, &err)) {
			rc = err.code == SOAK_EXIT_USAGE ? soak_usage_error("%s", err.msg)
			                                 : soak_report_err(&err);
			goto out;
		}
	}
	if (soak_report_load(&r, &err)) {
		rc = soak_report_err(&err);
		goto out;
	}
	for (i = 0; i < r.nsrc; i++)
		if (r.src[i].bad)
			soak_warning("'%s': %llu malformed records skipped (first at %s %lu)",
			             r.src[i].dir, (unsigned long long)r.src[i].bad,
			             r.src[i].legacy ? "iteration" : "line", r.src[i].bad_lines[0]);
	soak_report_judge(&r);
	if (soak_report_write(&r, &err)) {
		rc = soak_report_err(&err);
		goto out;
	}
	soak_buf_init(&ann, 1024 * 1024);
	rc = soak_report_gha(&r, &ann, &err);
	if (ann.len)
		fputs(soak_buf_str(&ann), stdout);
	soak_buf_free(&ann);
	if (rc) {
		rc = soak_report_err(&err);
		goto out;
	}
	if (soak_conf_is_set(&c, "push") && push(&r, &c, &err)) {
		rc = soak_report_err(&err);
	} else {
		if (!soak_conf_flag(&c, "quiet"))
			summary(&r);
		rc = soak_report_exit_code(&r);
	}
	if (notify(&r, &nc, &c) && nc.required)
		rc = SOAK_EXIT_ENV;
out:
	soak_notify_conf_free(&nc);
	soak_report_free(&r);
	soak_conf_free(&c);
	return soak_finish(rc);
}
