/*
 * soak-bundle cache save|restore: flags to struct soak_cache_opts, one call
 * into common/cache.c, messages, $GITHUB_OUTPUT and the exit code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "cache_cmd.h"
#include "exitcode.h"
#include "gha.h"
#include "msg.h"
#include "os.h"
#include "fmt.h"
#include "parse.h"
#include "str.h"
#include "banned.h"

const char soak_bundle_cache_about[] =
    "save     archive the files PATH matches (globs, ~, !exclusions; relative to the\n"
    "         workspace) and store them under KEY, unless KEY is stored already\n"
    "restore  find KEY, else the newest entry whose key starts with a restore key (in\n"
    "         order), and extract it; outputs cache-hit (true only for KEY itself),\n"
    "         cache-primary-key and cache-matched-key\n"
    "\n"
    "An entry matches only the same path list and compression (and OS, unless\n"
    "--enable-cross-os-archive). The store is a directory (default $SOAK_CACHE_DIR,\n"
    "$RUNNER_TOOL_CACHE/soak-cache or ~/.cache/soak-cache), an http(s):// URL (GET, PUT,\n"
    "HEAD, DELETE) or s3://BUCKET[/PREFIX] with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.\n"
    "A damaged or hostile entry is a miss with a warning. Exit 0 (also on a miss),\n"
    "2 usage, 4 environment, 5 a miss with --fail-on-cache-miss.\n";

// clang-format off
const struct soak_opt soak_bundle_cache_opts[] = {
	{"key", 'k', SOAK_OPT_STRING, "KEY", NULL,
		"the entry's key (at most 512 characters, no comma)", 0, 0, 0},
	{"path", 'p', SOAK_OPT_LIST, "PATH", NULL,
		"files and directories to cache; globs, ~, !PATTERN (repeatable; one per line)", 0, 0, 0},
	{"restore-keys", 'r', SOAK_OPT_LIST, "PREFIX", NULL,
		"restore: key prefixes to try in order after KEY (repeatable; one per line)", 0, 0, 0},
	{"root", 0, SOAK_OPT_STRING, "DIR", NULL,
		"the workspace paths are relative to (default $GITHUB_WORKSPACE, else .)", 0, 0, 0},
	{"store", 's', SOAK_OPT_STRING, "STORE", NULL,
		"a directory, http(s)://URL/ or s3://BUCKET[/PREFIX]", 0, 0, 0},
	{"lookup-only", 0, SOAK_OPT_FLAG, NULL, NULL,
		"restore: only look the entry up, extract nothing", 0, 0, 0},
	{"fail-on-cache-miss", 0, SOAK_OPT_FLAG, NULL, NULL,
		"restore: exit 5 when no entry is found", 0, 0, 0},
	{"enable-cross-os-archive", 0, SOAK_OPT_FLAG, NULL, NULL,
		"entries are shared between operating systems", 0, 0, 0},
	{"compression", 0, SOAK_OPT_STRING, "zstd|gzip", "zstd",
		"the archive's compression", 0, 0, 0},
	{"compression-level", 0, SOAK_OPT_INT, "N", NULL,
		"save: compression level (default: zstd 3, gzip 6)", 0, 1, 22},
	{"window-log", 0, SOAK_OPT_INT, "N", "27",
		"save: zstd window of 2^N bytes with long-distance matching (0: off)", 0, 0, 30},
	{"threads", 0, SOAK_OPT_INT, "N", "0",
		"save: zstd threads (0: one per CPU)", 0, 0, 256},
	{"max-store-size", 0, SOAK_OPT_SIZE, "SIZE", "10GiB",
		"local store: budget, least recently used entries out (0: none)", 0, 0, 0},
	{"max-size", 0, SOAK_OPT_SIZE, "SIZE", "20GiB",
		"restore: refuse an entry whose files pass SIZE", 0, 0, 0},
	{"max-ratio", 0, SOAK_OPT_DOUBLE, "N", "1000",
		"restore: refuse an entry that expands more than N times", 0, 1, 1000000000},
	{"max-memory", 0, SOAK_OPT_SIZE, "SIZE", "2GiB",
		"restore: the largest zstd window to allocate", 0, 0, 0},
	{"s3-endpoint", 0, SOAK_OPT_STRING, "URL", NULL,
		"S3: the endpoint (default https://s3.REGION.amazonaws.com)", 0, 0, 0},
	{"s3-region", 0, SOAK_OPT_STRING, "REGION", NULL,
		"S3: the region (default $AWS_REGION, $AWS_DEFAULT_REGION, us-east-1)", 0, 0, 0},
	{"s3-path-style", 0, SOAK_OPT_FLAG, NULL, NULL,
		"S3: ENDPOINT/BUCKET/KEY addressing instead of BUCKET.HOST/KEY", 0, 0, 0},
	{"http-timeout", 0, SOAK_OPT_DURATION, "DURATION", "30m",
		"remote stores: time for one request", 0, 0, 0},
	{"http-retries", 0, SOAK_OPT_INT, "N", "3",
		"remote stores: retries of a failed request", 0, 0, 20},
	{"upload-chunk-size", 0, SOAK_OPT_STRING, "N", NULL,
		"save: accepted as actions/cache/save does; each entry is written whole", 0, 0, 0},
	{"on-error", 0, SOAK_OPT_STRING, "fail|warn", "fail",
		"store, network or file errors: fail (exit 3, 4), or warn (restore: a miss)", 0, 0, 0},
	{"config", 'c', SOAK_OPT_STRING, "FILE", NULL,
		"JSON config file (section \"bundle\")", SOAK_OPT_CLI_ONLY, 0, 0},
	{"quiet", 'q', SOAK_OPT_FLAG, NULL, NULL, "no summary on stdout", 0, 0, 0},
	SOAK_OPT_HELP_VERSION_END,
};
// clang-format on

struct lines {
	char **v;
	size_t n;
};

/* The items of a LIST setting, each split at newlines, trimmed, empty ones dropped. */
static int split_lines(const struct soak_setting *s, struct lines *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < s->nlist; i++) {
		const char *p = s->list[i];

		while (*p) {
			size_t n = strcspn(p, "\n"), a = 0, z = n;
			char **t;

			while (a < z && (p[a] == ' ' || p[a] == '\t' || p[a] == '\r'))
				a++;
			while (z > a && (p[z - 1] == ' ' || p[z - 1] == '\t' || p[z - 1] == '\r'))
				z--;
			if (z > a) {
				if (!(t = realloc(out->v, (out->n + 1) * sizeof(*t))))
					return -1;
				out->v = t;
				if (!(out->v[out->n] = soak_strndup(p + a, z - a)))
					return -1;
				out->n++;
			}
			p += n;
			if (*p == '\n')
				p++;
		}
	}
	return 0;
}

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

struct progress_line {
	int shown;
};

static void show_progress(void *ctx, const struct soak_cache_progress *p)
{
	struct progress_line *pl = ctx;
	char size[32], total[32], rate[32];
	double bps = p->elapsed_ms > 0 ? (double)p->bytes * 1e3 / (double)p->elapsed_ms : 0;

	if (p->elapsed_ms < 1000) /* small operations stay quiet */
		return;
	soak_format_size(p->bytes, size, sizeof(size));
	if (p->total)
		soak_format_size(p->total, total, sizeof(total));
	fprintf(stderr, "\r%s: %s %s%s%s, %llu files, %s/s\033[K", soak_msg_prog(), p->phase, size,
	        p->total ? " of " : "", p->total ? total : "", (unsigned long long)p->files,
	        soak_fmt(SOAK_U_BYTES, bps, rate, sizeof(rate)));
	pl->shown = 1;
}

/* The ::warning:: annotation of a failure --on-error warn lets pass. */
static void gha_warning(const char *cmd, const char *why)
{
	struct soak_buf b;
	char title[32];

	snprintf(title, sizeof(title), "cache %s", cmd);
	soak_buf_init(&b, 64 * 1024);
	if (soak_gha_annotation(&b, "warning", title, why) == 0)
		fputs(soak_buf_str(&b), stdout);
	soak_buf_free(&b);
}

static int outputs(const char *key, const struct soak_cache_result *res)
{
	struct soak_err err = {0};

	if (soak_gha_set_output("cache-primary-key", key, &err) ||
	    soak_gha_set_output("cache-hit", res->hit && res->exact ? "true" : "false", &err) ||
	    soak_gha_set_output("cache-matched-key", res->matched_key ? res->matched_key : "",
	                        &err))
		return soak_report_err(&err);
	return 0;
}

static int done_save(const struct soak_conf *c, const char *key,
                     const struct soak_cache_result *res)
{
	char size[32], bytes[32], secs[32];

	soak_format_size(res->size, size, sizeof(size));
	soak_format_size(res->bytes, bytes, sizeof(bytes));
	soak_format_duration(res->ms, secs, sizeof(secs));
	if (res->exists)
		soak_info("cache entry for key '%s' exists already; not saved", key);
	else if (res->saved && !soak_conf_flag(c, "quiet"))
		printf("cache saved with key '%s': %s (%llu files, %s) in %s\n", key, size,
		       (unsigned long long)res->files, bytes, secs);
	if (res->evicted)
		soak_info(
		    "cache store: %zu least recently used entries (%s) removed for the budget",
		    res->evicted, soak_format_size(res->evicted_bytes, size, sizeof(size)));
	return SOAK_EXIT_OK;
}

static int done_restore(const struct soak_conf *c, const char *key, const struct lines *rk,
                        const struct soak_cache_result *res)
{
	char size[32], bytes[32], secs[32];
	int rc = outputs(key, res);

	if (rc)
		return rc;
	soak_format_size(res->size, size, sizeof(size));
	soak_format_size(res->bytes, bytes, sizeof(bytes));
	soak_format_duration(res->ms, secs, sizeof(secs));
	if (!res->hit) {
		struct soak_buf keys;

		soak_buf_init(&keys, 64 * 1024);
		soak_buf_addf(&keys, "'%s'", key);
		for (size_t i = 0; i < rk->n; i++)
			soak_buf_addf(&keys, ", '%s'", rk->v[i]);
		if (soak_conf_flag(c, "fail-on-cache-miss")) {
			soak_error("cache not found for keys %s (--fail-on-cache-miss)",
			           soak_buf_str(&keys));
			soak_buf_free(&keys);
			return SOAK_EXIT_CACHE_MISS;
		}
		if (!soak_conf_flag(c, "quiet"))
			printf("cache not found for keys %s\n", soak_buf_str(&keys));
		soak_buf_free(&keys);
		return SOAK_EXIT_OK;
	}
	if (soak_conf_flag(c, "quiet"))
		return SOAK_EXIT_OK;
	if (soak_conf_flag(c, "lookup-only"))
		printf("cache found with key '%s'%s: %s (%llu files, %s); lookup only, nothing "
		       "restored\n",
		       res->matched_key, res->exact ? "" : " (a restore key)", size,
		       (unsigned long long)res->files, bytes);
	else
		printf("cache restored from key '%s'%s: %s (%llu files, %s) in %s\n",
		       res->matched_key, res->exact ? "" : " (a restore key)", size,
		       (unsigned long long)res->files, bytes, secs);
	return SOAK_EXIT_OK;
}

int soak_bundle_cache_run(const struct soak_conf *c)
{
	struct soak_cache_opts o = {0};
	struct soak_cache_result res = {0};
	struct progress_line pl = {0};
	struct lines paths, rk;
	struct soak_err err = {0};
	const char *cmd, *comp = soak_conf_str(c, "compression"), *key;
	const char *on_error = soak_conf_str(c, "on-error");
	int save, rc, warn_only = 0;

	if (!c->nrest)
		return soak_usage_error("no cache command given (save or restore)");
	cmd = c->rest[0];
	if (strcmp(cmd, "save") && strcmp(cmd, "restore"))
		return soak_usage_error("unknown cache command '%s' (save or restore)", cmd);
	if (c->nrest > 1)
		return soak_usage_error("unexpected argument '%s'", c->rest[1]);
	save = !strcmp(cmd, "save");
	if (save) {
		static const char *const restore_only[] = {"restore-keys", "lookup-only",
		                                           "fail-on-cache-miss"};

		for (size_t i = 0; i < sizeof(restore_only) / sizeof(*restore_only); i++)
			if (soak_conf_get(c, restore_only[i])->src == SOAK_SRC_FLAG)
				return soak_usage_error("'--%s' is an option of 'cache restore'",
				                        restore_only[i]);
	}
	if (save && soak_conf_is_set(c, "upload-chunk-size"))
		printf("soak-bundle: upload-chunk-size: soak-bundle writes each entry whole; the "
		       "setting is not used\n");
	if (!strcmp(on_error, "warn"))
		warn_only = 1;
	else if (strcmp(on_error, "fail"))
		return soak_usage_error(
		    "invalid value '%s' for 'on-error': expected 'fail' or 'warn'", on_error);
	if (!soak_conf_is_set(c, "key"))
		return soak_usage_error("no --key given: the cache entry's key");
	key = soak_conf_str(c, "key");
	if (!strcmp(comp, "zstd"))
		o.compression = SOAK_CACHE_ZSTD;
	else if (!strcmp(comp, "gzip"))
		o.compression = SOAK_CACHE_GZIP;
	else
		return soak_usage_error("invalid compression '%s': expected 'zstd' or 'gzip'",
		                        comp);
	/* 0 is off; zstd's smallest window is 2^10 */
	o.window_log = (int)soak_conf_int(c, "window-log");
	if (o.window_log == 0)
		o.window_log = -1;
	else if (o.window_log < 10)
		return soak_usage_error(
		    "invalid value '%d' for 'window-log': expected 0 (off) or 10 to 30",
		    o.window_log);
	o.max_memory = soak_conf_bytes(c, "max-memory");
	if (o.max_memory < 1024 * 1024)
		return soak_usage_error("invalid value for 'max-memory': expected at least 1MiB");
	if (split_lines(soak_conf_get(c, "path"), &paths) ||
	    split_lines(soak_conf_get(c, "restore-keys"), &rk)) {
		soak_error("out of memory");
		return SOAK_EXIT_ENV;
	}
	rc = SOAK_EXIT_USAGE;
	if (!paths.n) {
		rc = soak_usage_error("no --path given: the files to cache");
		goto out;
	}
	o.paths = (const char *const *)paths.v;
	o.npaths = paths.n;
	o.root = soak_conf_is_set(c, "root") ? soak_conf_str(c, "root") : NULL;
	o.store = soak_conf_is_set(c, "store") ? soak_conf_str(c, "store") : NULL;
	o.level = soak_conf_is_set(c, "compression-level")
	              ? (int)soak_conf_int(c, "compression-level")
	              : 0;
	o.threads = (int)soak_conf_int(c, "threads");
	o.cross_os = soak_conf_flag(c, "enable-cross-os-archive");
	o.max_store_size = soak_conf_bytes(c, "max-store-size");
	o.max_size = soak_conf_bytes(c, "max-size");
	o.max_ratio = soak_conf_double(c, "max-ratio");
	o.s3_endpoint = soak_conf_is_set(c, "s3-endpoint") ? soak_conf_str(c, "s3-endpoint") : NULL;
	o.s3_region = soak_conf_is_set(c, "s3-region") ? soak_conf_str(c, "s3-region") : NULL;
	o.s3_path_style = soak_conf_flag(c, "s3-path-style");
	o.timeout_ms = soak_conf_ms(c, "http-timeout");
	o.retries = (int)soak_conf_int(c, "http-retries");
	if (soak_os_isatty(2) && !soak_conf_flag(c, "quiet")) {
		o.progress = show_progress;
		o.progress_ctx = &pl;
	}
	if (save)
		rc = soak_cache_save(&o, key, &res, &err);
	else
		rc = soak_cache_restore(&o, key, (const char *const *)rk.v, rk.n,
		                        soak_conf_flag(c, "lookup-only"), &res, &err);
	if (pl.shown)
		fputc('\n', stderr);
	for (size_t i = 0; i < res.nwarnings; i++)
		soak_warning("%s", res.warnings[i]);
	if (rc && err.code != SOAK_EXIT_USAGE && warn_only) {
		/* as actions/cache: the job goes on without the cache */
		soak_warning("cache %s failed: %s; %s (--on-error warn)", cmd, err.msg,
		             save ? "nothing saved" : "treated as a miss");
		if (soak_gha_active())
			gha_warning(cmd, err.msg);
		soak_cache_result_free(&res);
		memset(&res, 0, sizeof(res));
		rc = 0;
	}
	if (rc)
		rc = err.code == SOAK_EXIT_USAGE ? soak_usage_error("%s", err.msg)
		                                 : soak_report_err(&err);
	else if (save)
		rc = done_save(c, key, &res);
	else
		rc = done_restore(c, key, &rk, &res);
	soak_cache_result_free(&res);
out:
	lines_free(&paths);
	lines_free(&rk);
	return rc;
}
