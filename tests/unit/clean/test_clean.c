/* The soak-clean policies: patterns, step logs, protection, and the order of actions. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "os.h"
#include "check.h"
#include "clean.h"
#include "exitcode.h"
#include "file.h"
#include "banned.h"

#define NOW_MS 1800000000000LL /* a fixed "now" for the age rules */
#define DAY_MS 86400000LL

static char root[256];

static void mkfile(const char *rel, size_t size, int days_old)
{
	char path[512], *dir, *slash, *buf;
	struct timespec ts[2];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	dir = strdup(path);
	slash = strrchr(dir, '/');
	*slash = '\0';
	soak_mkdir_p(dir, &(struct soak_err){0});
	free(dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	buf = malloc(size + 1);
	for (size_t i = 0; i < size; i++)
		buf[i] = i % 50 ? 'a' : '\n';
	CHECK(write(fd, buf, size) == (ssize_t)size);
	free(buf);
	close(fd);
	ts[0].tv_sec = ts[1].tv_sec = (time_t)((NOW_MS - days_old * DAY_MS) / 1000);
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	utimensat(AT_FDCWD, path, ts, 0);
}

static void test_match(void)
{
	CHECK(soak_clean_match("logs/iter-*.log", "logs/iter-000001.log"));
	CHECK(!soak_clean_match("logs/iter-*.log", "logs/iter-000001.log.zst"));
	CHECK(!soak_clean_match("logs/iter-*.log", "x/logs/iter-000001.log"));
	CHECK(!soak_clean_match("logs/*", "logs/sub/a.log")); /* '*' stops at '/' */
	CHECK(soak_clean_match("*.tmp", "a/b/c.tmp"));        /* no '/': any name */
	CHECK(soak_clean_match("*.tmp", "c.tmp"));
	CHECK(!soak_clean_match("/c.tmp", "a/c.tmp")); /* leading '/': anchored */
	CHECK(soak_clean_match("/c.tmp", "c.tmp"));
	CHECK(soak_clean_match("cache/", "cache/x"));
	CHECK(soak_clean_match("cache/", "a/cache/b/x"));
	CHECK(!soak_clean_match("cache/", "cache")); /* the directory names its contents */
	CHECK(!soak_clean_match("cache/", "cachex/y"));
	CHECK(soak_clean_match("a/cache/", "a/cache/b/x"));
	CHECK(!soak_clean_match("a/cache/", "b/a/cache/x"));
	CHECK(soak_clean_match("shard-?/", "shard-1/logs/x"));
	CHECK(!soak_clean_match("", "x"));
}

static void test_keep_parse(void)
{
	struct soak_clean_keep k;
	struct soak_err err = {0};

	CHECK_INT(soak_clean_keep_parse("logs/iter-*.log=100", &k, &err), 0);
	CHECK_STR(k.pattern, "logs/iter-*.log");
	CHECK_INT(k.n, 100);
	CHECK_STR(k.text, "logs/iter-*.log=100");
	soak_clean_keep_free(&k);
	CHECK_INT(soak_clean_keep_parse("a=b=3", &k, &err), 0); /* split at the last '=' */
	CHECK_STR(k.pattern, "a=b");
	CHECK_INT(k.n, 3);
	soak_clean_keep_free(&k);
	CHECK_INT(soak_clean_keep_parse("x=0", &k, &err), 0);
	CHECK_INT(k.n, 0);
	soak_clean_keep_free(&k);
	CHECK_INT(soak_clean_keep_parse("logs/*.log", &k, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_USAGE);
	CHECK_STR(err.msg, "invalid value 'logs/*.log' for 'keep': expected PATTERN=N, such as "
	                   "'logs/iter-*.log=100'");
	CHECK_INT(soak_clean_keep_parse("=5", &k, &err), -1);
	CHECK_INT(soak_clean_keep_parse("x=", &k, &err), -1);
	CHECK_INT(soak_clean_keep_parse("x=-1", &k, &err), -1);
	CHECK_INT(soak_clean_keep_parse("x=1.5", &k, &err), -1);
	CHECK_STR(
	    err.msg,
	    "invalid value 'x=1.5' for 'keep': N must be a whole number from 0 to 1000000000");
}

static void test_step_log(void)
{
	char step[64];
	long long it = -1;
	int att = -1;

	CHECK_INT(soak_clean_step_log("logs/iter-000012.log", step, sizeof(step), &it, &att), 1);
	CHECK_STR(step, "");
	CHECK_INT(it, 12);
	CHECK_INT(att, 1);
	CHECK_INT(soak_clean_step_log("logs/iter-000003-build.log", step, sizeof(step), &it, &att),
	          1);
	CHECK_STR(step, "build");
	CHECK_INT(it, 3);
	CHECK_INT(soak_clean_step_log("logs/iter-000003-unit.test.attempt2.log.zst", step,
	                              sizeof(step), &it, &att),
	          1);
	CHECK_STR(step, "unit.test");
	CHECK_INT(att, 2);
	CHECK_INT(
	    soak_clean_step_log("logs/iter-000004.attempt3.log.gz", step, sizeof(step), &it, &att),
	    1);
	CHECK_STR(step, "");
	CHECK_INT(att, 3);
	CHECK_INT(soak_clean_step_log("logs/service.log", step, sizeof(step), &it, &att), 0);
	CHECK_INT(soak_clean_step_log("logs/iter-.log", step, sizeof(step), &it, &att), 0);
	CHECK_INT(soak_clean_step_log("logs/iter-0001-.log", step, sizeof(step), &it, &att), 0);
	CHECK_INT(soak_clean_step_log("logs/iter-0001_x.log", step, sizeof(step), &it, &att), 0);
	CHECK_INT(soak_clean_step_log("logs/iter-0001.txt", step, sizeof(step), &it, &att), 0);
	CHECK_INT(soak_clean_step_log("x/logs/iter-0001.log", step, sizeof(step), &it, &att), 0);
	CHECK_INT(soak_clean_step_log("logs/sub/iter-0001.log", step, sizeof(step), &it, &att), 0);
}

static void test_protected(void)
{
	char *extra[] = {"*.keep", "data/"};

	CHECK(soak_clean_protected("run.json", NULL, 0));
	CHECK(soak_clean_protected("summary.json", NULL, 0));
	CHECK(soak_clean_protected("health.json", NULL, 0));
	CHECK(soak_clean_protected("metrics.jsonl", NULL, 0));
	CHECK(soak_clean_protected("reports/audit.md", NULL, 0));
	CHECK(soak_clean_protected("shard-1/reports/x/y.html", NULL, 0));
	CHECK(soak_clean_protected("shard-1/run.json", NULL, 0));
	CHECK(!soak_clean_protected("samples.jsonl", NULL, 0));
	CHECK(!soak_clean_protected("myreports/x", NULL, 0));
	CHECK(!soak_clean_protected("reports", NULL, 0));
	CHECK(!soak_clean_protected("logs/a.keep", NULL, 0));
	CHECK(soak_clean_protected("logs/a.keep", extra, 2));
	CHECK(soak_clean_protected("data/x/y", extra, 2));
}

struct rec {
	char line[64][256];
	int n;
};

static void on_action(void *ctx, const struct soak_clean_action *a)
{
	struct rec *r = ctx;
	struct soak_buf b;

	soak_buf_init(&b, 4096);
	soak_clean_action_text(a, &b);
	if (r->n < 64)
		snprintf(r->line[r->n++], sizeof(r->line[0]), "%s", soak_buf_str(&b));
	soak_buf_free(&b);
}

static void build_tree(void)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CHECK(system(cmd) == 0);
	mkfile("run.json", 100, 40);
	mkfile("metrics.jsonl", 5000, 40);
	mkfile("reports/old.md", 3000, 90);
	for (int i = 1; i <= 6; i++) {
		char name[64];
		snprintf(name, sizeof(name), "logs/iter-%06d-build.log", i);
		mkfile(name, 1000, 20 - i); /* 19 .. 14 days old */
		snprintf(name, sizeof(name), "logs/iter-%06d-test.log", i);
		mkfile(name, 2000, 20 - i);
	}
	mkfile("logs/iter-000006-test.attempt2.log", 2000, 13);
	mkfile("samples.jsonl", 10000, 1);
	mkfile("tmp/a.dat", 4000, 30);
	mkfile("tmp/b.dat", 4000, 3);
}

static void test_run(void)
{
	struct soak_clean_keep keep;
	struct soak_clean_cfg cfg = {0};
	struct soak_clean_result res;
	struct soak_err err = {0};
	struct rec dry = {0}, real = {0};
	struct soak_clean_ui ui = {NULL, on_action, &dry};

	build_tree();
	CHECK_INT(soak_clean_keep_parse("tmp/*.dat=1", &keep, &err), 0);
	cfg.dir = root;
	cfg.keep = &keep;
	cfg.nkeep = 1;
	cfg.max_logs_per_step = 2;
	cfg.max_age_ms = 18 * DAY_MS;
	cfg.max_age_text = "18d";
	cfg.compress_after_ms = 14 * DAY_MS + 3600000;
	cfg.compress_after_text = "14d1h";
	cfg.method = SOAK_COMPRESS_GZIP;
	cfg.has_hard_limit = 1;
	cfg.hard_limit = 30000;
	cfg.hard_limit_text = "30000";
	cfg.now_ms = NOW_MS;
	cfg.dry_run = 1;
	CHECK_INT(soak_clean_run(&cfg, &ui, &res, &err), 0);
	CHECK_INT(res.before.files, 19);
	CHECK_INT(res.before.bytes, 100 + 5000 + 3000 + 6 * 3000 + 2000 + 10000 + 8000);
	CHECK_INT(res.protect.files, 3);
	soak_clean_result_free(&res);

	/* nothing changed: the same again for real, line for line */
	ui.ctx = &real;
	cfg.dry_run = 0;
	CHECK_INT(soak_clean_run(&cfg, &ui, &res, &err), 0);
	CHECK_INT(dry.n, real.n);
	for (int i = 0; i < dry.n && i < real.n; i++)
		CHECK_STR(dry.line[i], real.line[i]);
	/* keep: tmp/a.dat is the older of two; per step the newest 2 logs (the test step has
	 * an attempt 2 in iteration 6), in walk order */
	CHECK(real.n >= 10);
	CHECK_STR(real.line[0], "remove 'tmp/a.dat' (3.9 KiB): beyond --keep 'tmp/*.dat=1'");
	CHECK_STR(real.line[1],
	          "remove 'logs/iter-000001-build.log' (1000 B): beyond --max-logs-per-step 2");
	CHECK_STR(real.line[2],
	          "remove 'logs/iter-000001-test.log' (2 KiB): beyond --max-logs-per-step 2");
	CHECK_STR(real.line[7],
	          "remove 'logs/iter-000004-build.log' (1000 B): beyond --max-logs-per-step 2");
	CHECK_STR(real.line[8],
	          "remove 'logs/iter-000004-test.log' (2 KiB): beyond --max-logs-per-step 2");
	CHECK_STR(real.line[9],
	          "remove 'logs/iter-000005-test.log' (2 KiB): beyond --max-logs-per-step 2");
	/* left: build 5 (15d), build 6 (14d), test 6 (14d), test 6 attempt 2 (13d): none older
	 * than 18d; build 5 is older than 14d1h and compressed */
	CHECK_INT(real.n, 11);
	CHECK(!strncmp(real.line[10], "compress 'logs/iter-000005-build.log' (1000 B -> ",
	               strlen("compress 'logs/iter-000005-build.log' (1000 B -> ")));
	CHECK_INT(res.removed_files, 10);
	CHECK_INT(res.compressed_files, 1);
	CHECK(res.compressed_to < 1000);
	CHECK_INT(res.after.files, 9);
	CHECK_INT(res.removed_bytes, 18000);
	CHECK_INT(res.after.bytes, 46100 - 18000 - 1000 + res.compressed_to);
	CHECK_INT(res.freed_bytes, res.before.bytes - res.after.bytes);
	CHECK_INT(res.over_hard_limit, 0); /* 27100 + the compressed log: no hard-limit removal */
	soak_clean_result_free(&res);
	soak_clean_keep_free(&keep);
}

static void test_hard_limit(void)
{
	struct soak_clean_cfg cfg = {0};
	struct soak_clean_result res;
	struct soak_err err = {0};
	struct rec r = {0};
	struct soak_clean_ui ui = {NULL, on_action, &r};

	build_tree(); /* 46100 bytes, 8100 of them protected */
	cfg.dir = root;
	cfg.max_logs_per_step = -1;
	cfg.max_age_ms = -1;
	cfg.compress_after_ms = -1;
	cfg.has_hard_limit = 1;
	cfg.hard_limit = 36000;
	cfg.hard_limit_text = "36000";
	cfg.now_ms = NOW_MS;
	CHECK_INT(soak_clean_run(&cfg, &ui, &res, &err), 0);
	/* oldest unprotected first (ties by path): tmp/a.dat (30d), build 1 and test 1 (19d),
	 * build 2 and test 2 (18d), build 3 (17d): 46100 - 11000 = 35100 <= 36000 */
	CHECK_INT(res.before.bytes, 46100);
	CHECK_STR(r.line[0], "remove 'tmp/a.dat' (3.9 KiB): oldest while over --hard-limit 36000");
	CHECK_STR(r.line[1],
	          "remove 'logs/iter-000001-build.log' (1000 B): oldest while over --hard-limit "
	          "36000");
	CHECK_STR(r.line[2], "remove 'logs/iter-000001-test.log' (2 KiB): oldest while over "
	                     "--hard-limit 36000");
	CHECK_STR(r.line[3],
	          "remove 'logs/iter-000002-build.log' (1000 B): oldest while over --hard-limit "
	          "36000");
	CHECK_STR(r.line[4], "remove 'logs/iter-000002-test.log' (2 KiB): oldest while over "
	                     "--hard-limit 36000");
	CHECK_STR(r.line[5],
	          "remove 'logs/iter-000003-build.log' (1000 B): oldest while over --hard-limit "
	          "36000");
	CHECK_INT(r.n, 6);
	CHECK_INT(res.after.bytes, 35100);
	CHECK_INT(res.over_hard_limit, 0);
	soak_clean_result_free(&res);

	/* protected files alone over the limit: everything else goes, and it says so */
	build_tree();
	r.n = 0;
	cfg.hard_limit = 8000;
	cfg.hard_limit_text = "8000";
	CHECK_INT(soak_clean_run(&cfg, &ui, &res, &err), 0);
	CHECK_INT(res.after.bytes, 8100);
	CHECK_INT(res.after.files, 3);
	CHECK_INT(res.over_hard_limit, 1);
	CHECK_INT(r.n, 16);
	soak_clean_result_free(&res);
}

static void test_refuse(void)
{
	struct soak_err err = {0};
	char dir[300];

	CHECK_INT(soak_clean_check_root("/", 1, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_USAGE);
	CHECK_STR(err.msg, "refusing to clean '/': it is the root of a file system");
	snprintf(dir, sizeof(dir), "%s/tmp", root);
	CHECK_INT(soak_clean_check_root(dir, 0, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_USAGE);
	CHECK_INT(soak_clean_check_root(dir, 1, &err), 0);
	CHECK_INT(soak_clean_check_root(root, 0, &err), 0);
	snprintf(dir, sizeof(dir), "%s/nope", root);
	CHECK_INT(soak_clean_check_root(dir, 1, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_INPUT);
	setenv("HOME", root, 1);
	CHECK_INT(soak_clean_check_root(root, 0, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_USAGE);
	CHECK_INT(soak_clean_check_root(root, 1, &err), 0);
}

int main(void)
{
	char cmd[512];
	const char *t = soak_os_getenv("TMPDIR");

	snprintf(root, sizeof(root), "%s/test_clean.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	test_match();
	test_keep_parse();
	test_step_log();
	test_protected();
	test_run();
	test_hard_limit();
	test_refuse();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		return 1;
	return check_done();
}
