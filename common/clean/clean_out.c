/* What soak-clean shows: action lines, the summary, JSON, GitHub Actions. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clean.h"
#include "clock.h"
#include "gha.h"
#include "json.h"
#include "jsonl.h"
#include "fmt.h"
#include "parse.h"
#include "sig.h"
#include "banned.h"

#define SZ 32

static const char *policy_name(enum soak_clean_policy p)
{
	switch (p) {
	case SOAK_CLEAN_KEEP:
		return "keep";
	case SOAK_CLEAN_LOGS_PER_STEP:
		return "max-logs-per-step";
	case SOAK_CLEAN_MAX_AGE:
		return "max-age";
	case SOAK_CLEAN_COMPRESS_AFTER:
		return "compress-after";
	case SOAK_CLEAN_HARD_LIMIT:
		return "hard-limit";
	}
	return "?";
}

static const char *type_name(enum soak_fs_type t)
{
	return t == SOAK_FS_LINK ? "link" : "file";
}

static int add_reason(const struct soak_clean_action *a, struct soak_buf *out)
{
	switch (a->policy) {
	case SOAK_CLEAN_KEEP:
		return soak_buf_addf(out, "beyond --keep '%s'", a->rule);
	case SOAK_CLEAN_LOGS_PER_STEP:
		return soak_buf_addf(out, "beyond --max-logs-per-step %s", a->rule);
	case SOAK_CLEAN_MAX_AGE:
		return soak_buf_addf(out, "older than --max-age %s", a->rule);
	case SOAK_CLEAN_COMPRESS_AFTER:
		return soak_buf_addf(out, "older than --compress-after %s", a->rule);
	case SOAK_CLEAN_HARD_LIMIT:
		return soak_buf_addf(out, "oldest while over --hard-limit %s", a->rule);
	}
	return 0;
}

int soak_clean_action_text(const struct soak_clean_action *a, struct soak_buf *out)
{
	char s1[SZ], s2[SZ];
	int r;

	if (a->act == SOAK_CLEAN_COMPRESS)
		r = soak_buf_addf(out, "compress '%s' (%s -> %s) to '%s': ", a->path,
		                  soak_format_size(a->bytes, s1, sizeof(s1)),
		                  a->error ? "?" : soak_format_size(a->new_bytes, s2, sizeof(s2)),
		                  a->to);
	else
		r = soak_buf_addf(out,
		                  "remove %s'%s' (%s): ", a->type == SOAK_FS_LINK ? "link " : "",
		                  a->path, soak_format_size(a->bytes, s1, sizeof(s1)));
	if (r < 0 || add_reason(a, out) < 0)
		return -1;
	if (a->error && soak_buf_addf(out, ": failed: %s", a->error) < 0)
		return -1;
	return 0;
}

int soak_clean_skip_text(const struct soak_clean_skip *s, struct soak_buf *out)
{
	return soak_buf_addf(out, "skip '%s': %s", s->path, s->why);
}

int soak_clean_summary_text(const struct soak_clean_result *res, struct soak_buf *out)
{
	char a[SZ], b[SZ], c[SZ], d[SZ];

	if (soak_buf_addf(out, "before: %" PRIu64 " files, %s\n", res->before.files,
	                  soak_format_size(res->before.bytes, a, sizeof(a))) < 0 ||
	    soak_buf_addf(out, "after: %" PRIu64 " files, %s (protected: %" PRIu64 " files, %s)\n",
	                  res->after.files, soak_format_size(res->after.bytes, a, sizeof(a)),
	                  res->protect.files,
	                  soak_format_size(res->protect.bytes, b, sizeof(b))) < 0 ||
	    soak_buf_addf(out,
	                  "removed %" PRIu64 " files (%s), compressed %" PRIu64
	                  " files (%s -> %s), freed %s\n",
	                  res->removed_files, soak_format_size(res->removed_bytes, a, sizeof(a)),
	                  res->compressed_files,
	                  soak_format_size(res->compressed_from, b, sizeof(b)),
	                  soak_format_size(res->compressed_to, c, sizeof(c)),
	                  soak_format_size(res->freed_bytes, d, sizeof(d))) < 0)
		return -1;
	return 0;
}

static cJSON *totals(const struct soak_clean_totals *t)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "files", (double)t->files);
	cJSON_AddNumberToObject(o, "bytes", (double)t->bytes);
	return o;
}

static void add_limit(cJSON *o, const char *name, int has, uint64_t limit, const char *text,
                      int over)
{
	cJSON *l;

	if (!has) {
		cJSON_AddNullToObject(o, name);
		return;
	}
	l = cJSON_AddObjectToObject(o, name);
	cJSON_AddNumberToObject(l, "bytes", (double)limit);
	cJSON_AddStringToObject(l, "value", text ? text : "");
	cJSON_AddBoolToObject(l, "over", over);
}

cJSON *soak_clean_to_json(const struct soak_clean_cfg *cfg, const struct soak_clean_result *res)
{
	cJSON *o = cJSON_CreateObject(), *arr, *x;
	char iso[SOAK_ISO8601_LEN];

	cJSON_AddStringToObject(o, "schema", SOAK_SCHEMA);
	cJSON_AddStringToObject(o, "tool", "soak-clean");
	cJSON_AddStringToObject(o, "dir", cfg->dir);
	cJSON_AddBoolToObject(o, "dry_run", cfg->dry_run);
	cJSON_AddItemToObject(o, "before", totals(&res->before));
	cJSON_AddItemToObject(o, "after", totals(&res->after));
	cJSON_AddItemToObject(o, "protected", totals(&res->protect));
	x = cJSON_AddObjectToObject(o, "removed");
	cJSON_AddNumberToObject(x, "files", (double)res->removed_files);
	cJSON_AddNumberToObject(x, "bytes", (double)res->removed_bytes);
	x = cJSON_AddObjectToObject(o, "compressed");
	cJSON_AddNumberToObject(x, "files", (double)res->compressed_files);
	cJSON_AddNumberToObject(x, "bytes_before", (double)res->compressed_from);
	cJSON_AddNumberToObject(x, "bytes_after", (double)res->compressed_to);
	cJSON_AddStringToObject(x, "method", soak_compress_name(cfg->method));
	cJSON_AddNumberToObject(o, "freed_bytes", (double)res->freed_bytes);
	x = cJSON_AddObjectToObject(o, "limits");
	add_limit(x, "max_total", cfg->has_max_total, cfg->max_total, cfg->max_total_text,
	          res->over_max_total);
	add_limit(x, "hard_limit", cfg->has_hard_limit, cfg->hard_limit, cfg->hard_limit_text,
	          res->over_hard_limit);
	add_limit(x, "check_size", cfg->has_check_size, cfg->check_size, cfg->check_size_text,
	          res->over_check_size);
	arr = cJSON_AddArrayToObject(o, "actions");
	for (size_t i = 0; i < res->nactions; i++) {
		const struct soak_clean_action *a = &res->actions[i];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "action",
		                        a->act == SOAK_CLEAN_COMPRESS ? "compress" : "remove");
		cJSON_AddStringToObject(j, "path", a->path);
		cJSON_AddStringToObject(j, "type", type_name(a->type));
		cJSON_AddNumberToObject(j, "bytes", (double)a->bytes);
		if (a->act == SOAK_CLEAN_COMPRESS) {
			cJSON_AddStringToObject(j, "to", a->to);
			soak_json_add_num_or_null(j, "compressed_bytes", !a->error,
			                          (double)a->new_bytes);
		}
		cJSON_AddStringToObject(j, "mtime", soak_iso8601(a->mtime_ms, iso, sizeof(iso)));
		cJSON_AddStringToObject(j, "policy", policy_name(a->policy));
		cJSON_AddStringToObject(j, "rule", a->rule ? a->rule : "");
		if (a->error)
			cJSON_AddStringToObject(j, "error", a->error);
		else
			cJSON_AddNullToObject(j, "error");
		cJSON_AddItemToArray(arr, j);
	}
	arr = cJSON_AddArrayToObject(o, "skipped");
	for (size_t i = 0; i < res->nskips; i++) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "path", res->skips[i].path);
		cJSON_AddStringToObject(j, "reason", res->skips[i].why);
		cJSON_AddItemToArray(arr, j);
	}
	cJSON_AddNumberToObject(o, "errors", (double)res->errors);
	if (res->interrupted)
		cJSON_AddStringToObject(o, "interrupted", soak_sig_name(res->interrupted));
	else
		cJSON_AddNullToObject(o, "interrupted");
	cJSON_AddNumberToObject(o, "elapsed_ms", (double)res->elapsed_ms);
	return o;
}

static int set_num(const char *name, uint64_t v, struct soak_err *err)
{
	char num[32];

	snprintf(num, sizeof(num), "%" PRIu64, v);
	return soak_gha_set_output(name, num, err);
}

int soak_clean_gha(const struct soak_clean_cfg *cfg, const struct soak_clean_result *res,
                   struct soak_err *err)
{
	struct soak_buf md;
	char a[SZ], b[SZ];
	int ret;

	if (!soak_gha_active())
		return 0;
	if (set_num("freed-bytes", res->freed_bytes, err) < 0 ||
	    set_num("total-bytes", res->after.bytes, err) < 0)
		return -1;
	soak_buf_init(&md, 64 * 1024);
	soak_buf_addf(&md,
	              "**soak-clean**%s `%s`: removed %" PRIu64 " files, compressed %" PRIu64
	              ", freed %s; now %" PRIu64 " files, %s",
	              cfg->dry_run ? " (dry run)" : "", cfg->dir, res->removed_files,
	              res->compressed_files, soak_format_size(res->freed_bytes, a, sizeof(a)),
	              res->after.files, soak_format_size(res->after.bytes, b, sizeof(b)));
	if (res->over_hard_limit)
		soak_buf_addf(&md, "; still over --hard-limit %s", cfg->hard_limit_text);
	else if (res->over_max_total)
		soak_buf_addf(&md, "; over --max-total %s", cfg->max_total_text);
	if (res->over_check_size)
		soak_buf_addf(&md, "; over --check-size %s", cfg->check_size_text);
	if (res->errors)
		soak_buf_addf(&md, "; %zu actions failed", res->errors);
	soak_buf_adds(&md, "\n");
	ret = soak_gha_summary_append(soak_buf_str(&md), md.len, err);
	soak_buf_free(&md);
	return ret;
}
