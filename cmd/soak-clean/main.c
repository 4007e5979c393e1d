/*
 * soak-clean: retention, compression and a byte budget for a soak directory;
 * "verify" checks what a run left behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clean.h"
#include "conf.h"
#include "exitcode.h"
#include "msg.h"
#include "fmt.h"
#include "parse.h"
#include "sig.h"
#include "os.h"
#include "banned.h"

static const char usage[] =
    "usage: soak-clean [options] [DIR]\n"
    "   or: soak-clean verify [options] [DIR]\n"
    "\n"
    "Clean the soak directory DIR (default --dir): keep the newest files per pattern,\n"
    "remove or compress old files, hold the tree under a byte budget. Never follows a\n"
    "symbolic link, never enters another file system, never touches run.json,\n"
    "summary.json, health.json, metrics.jsonl or reports/. 'verify' checks that no\n"
    "process of the run is left, the tree is within --max-total (or --hard-limit)\n"
    "and the disk has --min-free-disk free.\n"
    "Every option is also SOAK_<NAME> in the environment or a key of --config.\n"
    "\n"
    "options:\n";

static const struct soak_opt options[] = {
    {"dir", 'd', SOAK_OPT_STRING, "DIR", "artifacts/soak", "the soak directory", 0, 0, 0},
    {"config", 'c', SOAK_OPT_STRING, "FILE", NULL, "JSON configuration file", SOAK_OPT_CLI_ONLY, 0,
     0},
    {"keep", 'k', SOAK_OPT_LIST, "PATTERN=N", NULL,
     "keep the newest N files matching PATTERN, remove the rest (repeatable)", 0, 0, 0},
    {"max-logs-per-step", 0, SOAK_OPT_INT, "N", NULL, "keep the newest N logs of each step", 0, 0,
     1000000000},
    {"max-age", 0, SOAK_OPT_DURATION, "DURATION", NULL, "remove files older than this", 0, 0, 0},
    {"compress-after", 0, SOAK_OPT_DURATION, "DURATION", NULL, "compress files older than this", 0,
     0, 0},
    {"compression", 0, SOAK_OPT_STRING, "zstd|gzip", "zstd", "compression format", 0, 0, 0},
    {"compress-min", 0, SOAK_OPT_SIZE, "SIZE", "1KiB", "compress only files of this size or more",
     0, 0, 0},
    {"max-total", 0, SOAK_OPT_SIZE, "SIZE", NULL, "warn when the tree is larger after cleaning", 0,
     0, 0},
    {"hard-limit", 0, SOAK_OPT_SIZE, "SIZE", NULL,
     "remove the oldest unprotected files until the tree fits", 0, 0, 0},
    {"check-size", 0, SOAK_OPT_SIZE, "SIZE", NULL, "exit 1 when the tree is larger after cleaning",
     0, 0, 0},
    {"protect", 0, SOAK_OPT_LIST, "PATTERN", NULL,
     "never remove or compress what matches (repeatable)", 0, 0, 0},
    {"threads", 0, SOAK_OPT_INT, "N", NULL,
     "threads for the walk of --max-age alone (default: the CPUs, at most 4)", 0, 1, 64},
    {"dry-run", 'n', SOAK_OPT_FLAG, NULL, NULL, "show what would be done, change nothing", 0, 0, 0},
    {"json", 0, SOAK_OPT_FLAG, NULL, NULL, "print the report as JSON", 0, 0, 0},
    {"quiet", 'q', SOAK_OPT_FLAG, NULL, NULL, "no line per action, only the summary", 0, 0, 0},
    {"force", 0, SOAK_OPT_FLAG, NULL, NULL,
     "clean a directory without run.json, summary.json or metrics.jsonl, or $HOME", 0, 0, 0},
    {"run-id", 0, SOAK_OPT_STRING, "ID", NULL, "verify: the run (default: from DIR/run.json)", 0, 0,
     0},
    {"min-free-disk", 0, SOAK_OPT_SIZE, "SIZE", "100MiB", "verify: free disk floor", 0, 0, 0},
    {"kill", 0, SOAK_OPT_FLAG, NULL, NULL, "verify: end the run's leftover processes", 0, 0, 0},
    {"kill-after", 0, SOAK_OPT_DURATION, "DURATION", "5s",
     "verify: grace between SIGTERM and SIGKILL", 0, 0, 0},
    SOAK_OPT_HELP_VERSION_END,
};

static int help(void)
{
	struct soak_buf b;

	soak_buf_init(&b, 64 * 1024);
	soak_conf_help(options, &b);
	fputs(usage, stdout);
	fputs(soak_buf_str(&b), stdout);
	fputs("\nexit status: 0 done, 1 over --check-size or verify failed, 2 usage or a refused\n"
	      "directory, 3 input, 4 environment (an action failed), 130/143 SIGINT/SIGTERM.\n",
	      stdout);
	soak_buf_free(&b);
	return SOAK_EXIT_OK;
}

static const char *text_of(const struct soak_conf *c, const char *name)
{
	return soak_conf_is_set(c, name) ? soak_conf_str(c, name) : NULL;
}

static int configure(const struct soak_conf *c, const char *dir, struct soak_clean_cfg *cfg,
                     struct soak_err *err)
{
	const struct soak_setting *keep = soak_conf_get(c, "keep"),
	                          *prot = soak_conf_get(c, "protect");

	cfg->dir = dir;
	cfg->keep = calloc(keep->nlist + 1, sizeof(*cfg->keep));
	if (!cfg->keep)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	for (size_t i = 0; i < keep->nlist; i++, cfg->nkeep++)
		if (soak_clean_keep_parse(keep->list[i], &cfg->keep[i], err) < 0)
			return -1;
	cfg->max_logs_per_step =
	    soak_conf_is_set(c, "max-logs-per-step") ? soak_conf_int(c, "max-logs-per-step") : -1;
	cfg->max_age_ms = soak_conf_is_set(c, "max-age") ? soak_conf_ms(c, "max-age") : -1;
	cfg->max_age_text = text_of(c, "max-age");
	cfg->compress_after_ms =
	    soak_conf_is_set(c, "compress-after") ? soak_conf_ms(c, "compress-after") : -1;
	cfg->compress_after_text = text_of(c, "compress-after");
	cfg->compress_min = soak_conf_bytes(c, "compress-min");
	if (soak_compress_parse(soak_conf_str(c, "compression"), &cfg->method, err) < 0)
		return -1;
	cfg->has_max_total = soak_conf_is_set(c, "max-total");
	cfg->max_total = cfg->has_max_total ? soak_conf_bytes(c, "max-total") : 0;
	cfg->max_total_text = text_of(c, "max-total");
	cfg->has_hard_limit = soak_conf_is_set(c, "hard-limit");
	cfg->hard_limit = cfg->has_hard_limit ? soak_conf_bytes(c, "hard-limit") : 0;
	cfg->hard_limit_text = text_of(c, "hard-limit");
	cfg->has_check_size = soak_conf_is_set(c, "check-size");
	cfg->check_size = cfg->has_check_size ? soak_conf_bytes(c, "check-size") : 0;
	cfg->check_size_text = text_of(c, "check-size");
	cfg->protect = prot->list;
	cfg->nprotect = prot->nlist;
	cfg->dry_run = soak_conf_flag(c, "dry-run");
	cfg->force = soak_conf_flag(c, "force");
	if (soak_conf_is_set(c, "threads"))
		cfg->threads = (int)soak_conf_int(c, "threads");
	else {
		int cpus = soak_os_cpu_count();
		cfg->threads = cpus < 1 ? 1 : cpus > 4 ? 4 : cpus;
	}
	return 0;
}

static void show_skip(void *ctx, const struct soak_clean_skip *s)
{
	struct soak_buf b;

	(void)ctx;
	soak_buf_init(&b, 16 * 1024);
	if (soak_clean_skip_text(s, &b) == 0)
		puts(soak_buf_str(&b));
	soak_buf_free(&b);
}

static void show_action(void *ctx, const struct soak_clean_action *a)
{
	struct soak_buf *b = ctx;

	soak_buf_reset(b);
	if (soak_clean_action_text(a, b) == 0)
		puts(soak_buf_str(b));
}

static int print_json(cJSON *doc)
{
	char *s = doc ? cJSON_Print(doc) : NULL;

	cJSON_Delete(doc);
	if (!s) {
		soak_error("cannot format the report");
		return SOAK_EXIT_ENV;
	}
	puts(s);
	cJSON_free(s);
	return SOAK_EXIT_OK;
}

static int clean(const struct soak_conf *c, const char *dir)
{
	struct soak_clean_cfg cfg = {0};
	struct soak_clean_result res = {0};
	struct soak_err err = {0}, gerr = {0};
	struct soak_buf line, sum;
	struct soak_clean_ui ui = {show_skip, show_action, &line};
	int json = soak_conf_flag(c, "json"), code = SOAK_EXIT_OK, r;
	char sz[32];

	soak_buf_init(&line, 64 * 1024);
	soak_buf_init(&sum, 64 * 1024);
	if (configure(c, dir, &cfg, &err) < 0) {
		code = err.code == SOAK_EXIT_USAGE ? soak_usage_error("%s", err.msg)
		                                   : soak_report_err(&err);
		goto out;
	}
	if (json || soak_conf_flag(c, "quiet"))
		ui.skip = NULL, ui.action = NULL;
	cfg.forget_actions = !json; /* lines are printed as done; only JSON needs the list */
	r = soak_clean_run(&cfg, &ui, &res, &err);
	if (r < 0 && !res.before.files && !res.nskips && !res.nactions) {
		code = err.code == SOAK_EXIT_USAGE ? soak_usage_error("%s", err.msg)
		                                   : soak_report_err(&err);
		goto out;
	}
	if (json) {
		code = print_json(soak_clean_to_json(&cfg, &res));
	} else if (soak_clean_summary_text(&res, &sum) == 0) {
		fputs(soak_buf_str(&sum), stdout);
	}
	if (soak_clean_gha(&cfg, &res, &gerr) < 0)
		soak_warning("%s", gerr.msg);
	if (res.over_hard_limit)
		soak_warning("'%s' holds %s, still over --hard-limit %s: the rest is protected",
		             dir, soak_format_size(res.after.bytes, sz, sizeof(sz)),
		             cfg.hard_limit_text);
	if (res.over_max_total)
		soak_warning("'%s' holds %s, over --max-total %s", dir,
		             soak_format_size(res.after.bytes, sz, sizeof(sz)), cfg.max_total_text);
	if (cfg.dry_run)
		soak_info("dry run: nothing was changed");
	if (r < 0)
		code = soak_report_err(&err);
	else if (res.over_check_size) {
		soak_error("'%s' holds %s, over --check-size %s", dir,
		           soak_format_size(res.after.bytes, sz, sizeof(sz)), cfg.check_size_text);
		code = SOAK_EXIT_FAIL;
	}
out:
	for (size_t i = 0; i < cfg.nkeep; i++)
		soak_clean_keep_free(&cfg.keep[i]);
	free(cfg.keep);
	soak_clean_result_free(&res);
	soak_buf_free(&line);
	soak_buf_free(&sum);
	return code;
}

static int verify(const struct soak_conf *c, const char *dir)
{
	struct soak_clean_verify_cfg cfg = {0};
	struct soak_clean_verify *v = calloc(1, sizeof(*v));
	struct soak_err err = {0};
	struct soak_buf out;
	int code;

	if (!v) {
		soak_error("out of memory");
		return SOAK_EXIT_ENV;
	}
	cfg.dir = dir;
	cfg.run_id = text_of(c, "run-id");
	cfg.budget_name = soak_conf_is_set(c, "max-total") ? "max-total" : "hard-limit";
	cfg.has_budget = soak_conf_is_set(c, cfg.budget_name);
	cfg.budget = cfg.has_budget ? soak_conf_bytes(c, cfg.budget_name) : 0;
	cfg.budget_text = text_of(c, cfg.budget_name);
	cfg.min_free = soak_conf_bytes(c, "min-free-disk");
	cfg.min_free_text = soak_conf_str(c, "min-free-disk");
	cfg.kill = soak_conf_flag(c, "kill");
	cfg.kill_after_ms = soak_conf_ms(c, "kill-after");
	if (soak_clean_verify_run(&cfg, v, &err) < 0) {
		free(v);
		return soak_report_err(&err);
	}
	soak_buf_init(&out, 256 * 1024);
	if (soak_conf_flag(c, "json")) {
		code = print_json(soak_clean_verify_json(&cfg, v));
	} else {
		soak_clean_verify_text(&cfg, v, &out);
		fputs(soak_buf_str(&out), stdout);
		code = SOAK_EXIT_OK;
	}
	if (soak_clean_verify_gha(&cfg, v, &err) < 0)
		soak_warning("%s", err.msg);
	if (code == SOAK_EXIT_OK && !v->ok) {
		soak_error("verify failed:%s%s%s", v->procs_ok ? "" : " leftover processes",
		           v->budget_ok ? "" : (v->procs_ok ? " over budget" : ", over budget"),
		           v->disk_ok ? ""
		                      : (v->procs_ok && v->budget_ok ? " low disk" : ", low disk"));
		code = SOAK_EXIT_FAIL;
	}
	soak_buf_free(&out);
	free(v);
	return code;
}

int main(int argc, char **argv)
{
	struct soak_conf conf;
	struct soak_err err = {0};
	const char *dir;
	int code, a = 0, is_verify = 0;

	soak_os_main_init(&argc, &argv);

	soak_msg_init("soak-clean");
	if (soak_conf_parse(&conf, "soak-clean", options, argc, argv, 0, &err) < 0) {
		code = err.code == SOAK_EXIT_USAGE ? soak_usage_error("%s", err.msg)
		                                   : soak_report_err(&err);
		return soak_finish(code);
	}
	if (soak_conf_flag(&conf, "help")) {
		code = help();
		goto out;
	}
	if (soak_conf_flag(&conf, "version")) {
		printf("soak-clean %s\n", SOAK_VERSION);
		code = SOAK_EXIT_OK;
		goto out;
	}
	if (a < conf.nrest && !strcmp(conf.rest[a], "verify")) {
		is_verify = 1;
		a++;
	}
	dir = soak_conf_str(&conf, "dir");
	if (a < conf.nrest) {
		if (soak_conf_get(&conf, "dir")->src == SOAK_SRC_FLAG) {
			code = soak_usage_error("give the directory once: --dir or DIR, not both");
			goto out;
		}
		dir = conf.rest[a++];
	}
	if (a < conf.nrest) {
		code = soak_usage_error("unexpected argument '%s'", conf.rest[a]);
		goto out;
	}
	if (soak_sig_init(&err) < 0) {
		code = soak_report_err(&err);
		goto out;
	}
	code = is_verify ? verify(&conf, dir) : clean(&conf, dir);
out:
	soak_conf_free(&conf);
	return soak_finish(code);
}
