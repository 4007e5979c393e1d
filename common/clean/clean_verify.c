/* soak-clean verify: leftover processes, the tree against its budget, free disk. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clean.h"
#include "exitcode.h"
#include "file.h"
#include "gha.h"
#include "json.h"
#include "jsonl.h"
#include "fmt.h"
#include "parse.h"
#include "proc.h"
#include "res.h"
#include "banned.h"

#define RUN_JSON_MAX (4 * 1024 * 1024)
#define SZ 32

static int count_entry(void *ctx, const struct soak_fs_entry *e, struct soak_err *err)
{
	struct soak_clean_totals *t = ctx;

	(void)err;
	if (e->type == SOAK_FS_FILE || e->type == SOAK_FS_LINK) {
		t->files++;
		t->bytes += e->size;
	}
	return 0;
}

static int read_run_id(const char *dir, char *out, size_t n, struct soak_err *err)
{
	char *path = soak_path_join(dir, "run.json");
	const cJSON *id;
	cJSON *doc = NULL;

	if (!path)
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot read '%s'", dir);
	if (soak_json_load(path, RUN_JSON_MAX, &doc, err) < 0) {
		soak_err_prefix(err, "no run id (give --run-id)");
		free(path);
		return -1;
	}
	id = cJSON_GetObjectItemCaseSensitive(doc, "run_id");
	if (!cJSON_IsString(id) || !id->valuestring[0] || strlen(id->valuestring) >= n) {
		soak_err_set(err, SOAK_EXIT_INPUT, "'%s' has no valid run_id (give --run-id)",
		             path);
		cJSON_Delete(doc);
		free(path);
		return -1;
	}
	snprintf(out, n, "%s", id->valuestring);
	cJSON_Delete(doc);
	free(path);
	return 0;
}

int soak_clean_verify_run(const struct soak_clean_verify_cfg *cfg, struct soak_clean_verify *v,
                          struct soak_err *err)
{
	struct soak_fs_root *root = NULL;
	int n;

	memset(v, 0, sizeof(*v));
	if (cfg->run_id) {
		if (!cfg->run_id[0] || strlen(cfg->run_id) >= sizeof(v->run_id))
			return soak_err_set(err, SOAK_EXIT_USAGE, "invalid value '%s' for 'run-id'",
			                    cfg->run_id);
		snprintf(v->run_id, sizeof(v->run_id), "%s", cfg->run_id);
	}
	if (soak_fs_root_open(cfg->dir, &root, err) < 0)
		return -1;
	if (!cfg->run_id && read_run_id(cfg->dir, v->run_id, sizeof(v->run_id), err) < 0)
		goto fail;
	if (soak_fs_walk(root, count_entry, &v->tree, err) < 0)
		goto fail;
	soak_fs_root_close(root);
	root = NULL;
	n = soak_proc_find_by_env("SOAK_RUN_ID", v->run_id, v->pids, SOAK_CLEAN_VERIFY_MAX_PIDS,
	                          err);
	if (n < 0)
		return -1;
	v->npids = n;
	if (n && cfg->kill)
		v->killed = soak_proc_kill_pids(v->pids, n, cfg->kill_after_ms);
	if (soak_disk_free(cfg->dir, &v->disk_free, &v->disk_total, err) < 0)
		return -1;
	v->procs_ok = n == 0;
	v->budget_ok = !cfg->has_budget || v->tree.bytes <= cfg->budget;
	v->disk_ok = v->disk_free >= cfg->min_free;
	v->ok = v->procs_ok && v->budget_ok && v->disk_ok;
	return 0;
fail:
	soak_fs_root_close(root);
	return -1;
}

int soak_clean_verify_text(const struct soak_clean_verify_cfg *cfg,
                           const struct soak_clean_verify *v, struct soak_buf *out)
{
	char a[SZ], b[SZ];

	if (v->procs_ok) {
		soak_buf_addf(out, "ok: no process of run '%s' is left\n", v->run_id);
	} else {
		soak_buf_addf(out, "FAIL: %d process%s of run '%s' %s left:", v->npids,
		              v->npids == 1 ? "" : "es", v->run_id, v->npids == 1 ? "was" : "were");
		for (int i = 0; i < v->npids; i++)
			soak_buf_addf(out, " %ld", v->pids[i]);
		if (cfg->kill)
			soak_buf_addf(out, " (ended with --kill)");
		soak_buf_adds(out, "\n");
	}
	soak_format_size(v->tree.bytes, a, sizeof(a));
	if (!cfg->has_budget)
		soak_buf_addf(out, "ok: '%s' holds %s in %" PRIu64 " files (no budget set)\n",
		              cfg->dir, a, v->tree.files);
	else
		soak_buf_addf(out, "%s: '%s' holds %s in %" PRIu64 " files, %s --%s %s\n",
		              v->budget_ok ? "ok" : "FAIL", cfg->dir, a, v->tree.files,
		              v->budget_ok ? "within" : "over", cfg->budget_name, cfg->budget_text);
	soak_format_size(v->disk_free, a, sizeof(a));
	soak_format_size(cfg->min_free, b, sizeof(b));
	return soak_buf_addf(out, "%s: %s free on the file system of '%s', %s --min-free-disk %s\n",
	                     v->disk_ok ? "ok" : "FAIL", a, cfg->dir,
	                     v->disk_ok ? "at least" : "below", cfg->min_free_text);
}

cJSON *soak_clean_verify_json(const struct soak_clean_verify_cfg *cfg,
                              const struct soak_clean_verify *v)
{
	cJSON *o = cJSON_CreateObject(), *x, *arr;

	cJSON_AddStringToObject(o, "schema", SOAK_SCHEMA);
	cJSON_AddStringToObject(o, "tool", "soak-clean");
	cJSON_AddStringToObject(o, "command", "verify");
	cJSON_AddStringToObject(o, "dir", cfg->dir);
	cJSON_AddBoolToObject(o, "ok", v->ok);
	x = cJSON_AddObjectToObject(o, "processes");
	cJSON_AddBoolToObject(x, "ok", v->procs_ok);
	cJSON_AddStringToObject(x, "run_id", v->run_id);
	arr = cJSON_AddArrayToObject(x, "pids");
	for (int i = 0; i < v->npids; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateNumber((double)v->pids[i]));
	cJSON_AddBoolToObject(x, "killed", cfg->kill && v->npids > 0);
	x = cJSON_AddObjectToObject(o, "budget");
	cJSON_AddBoolToObject(x, "ok", v->budget_ok);
	cJSON_AddNumberToObject(x, "files", (double)v->tree.files);
	cJSON_AddNumberToObject(x, "bytes", (double)v->tree.bytes);
	if (cfg->has_budget) {
		cJSON_AddStringToObject(x, "setting", cfg->budget_name);
		cJSON_AddNumberToObject(x, "limit_bytes", (double)cfg->budget);
	} else {
		cJSON_AddNullToObject(x, "setting");
		cJSON_AddNullToObject(x, "limit_bytes");
	}
	x = cJSON_AddObjectToObject(o, "disk");
	cJSON_AddBoolToObject(x, "ok", v->disk_ok);
	cJSON_AddNumberToObject(x, "free_bytes", (double)v->disk_free);
	cJSON_AddNumberToObject(x, "total_bytes", (double)v->disk_total);
	cJSON_AddNumberToObject(x, "min_free_bytes", (double)cfg->min_free);
	return o;
}

int soak_clean_verify_gha(const struct soak_clean_verify_cfg *cfg,
                          const struct soak_clean_verify *v, struct soak_err *err)
{
	struct soak_buf md;
	char num[32], a[SZ];
	int ret;

	if (!soak_gha_active())
		return 0;
	snprintf(num, sizeof(num), "%" PRIu64, v->tree.bytes);
	if (soak_gha_set_output("total-bytes", num, err) < 0 ||
	    soak_gha_set_output("verify", v->ok ? "ok" : "fail", err) < 0)
		return -1;
	soak_buf_init(&md, 64 * 1024);
	soak_buf_addf(&md,
	              "**soak-clean verify** `%s`: %s — %d leftover process%s, %s in %" PRIu64
	              " files%s, %s free\n",
	              cfg->dir, v->ok ? "ok" : "FAILED", v->npids, v->npids == 1 ? "" : "es",
	              soak_format_size(v->tree.bytes, a, sizeof(a)), v->tree.files,
	              v->budget_ok ? "" : " (over budget)",
	              soak_format_size(v->disk_free, num, sizeof(num)));
	ret = soak_gha_summary_append(soak_buf_str(&md), md.len, err);
	soak_buf_free(&md);
	return ret;
}
