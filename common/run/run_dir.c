/*
 * The soak directory: made and checked before the run, then opened as a new
 * run, a run started over (--force), or a resumed one (--resume).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_int.h"
#include "exitcode.h"
#include "file.h"
#include "os.h"
#include "banned.h"

static const char *const run_files[] = {
    "run.json",    "metrics.jsonl", "samples.jsonl",  "events.jsonl",    "summary.json",
    "health.json", "tuning.jsonl",  "overrides.json", "tune-state.json", "tuner-input.json",
    NULL};

static int remove_dir_files(const char *dir, struct soak_err *err)
{
	char **names;
	size_t n;

	if (soak_os_list_dir(dir, &names, &n) < 0)
		return errno == ENOENT
		           ? 0
		           : soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot open '%s'", dir);
	for (size_t i = 0; i < n; i++) {
		char *p;
		if (names[i][0] == '.')
			continue;
		p = soak_path_join(dir, names[i]);
		if (soak_os_unlink(p) < 0 && errno != ENOENT && errno != EISDIR && errno != EPERM) {
			soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot remove '%s'", p);
			free(p);
			soak_os_names_free(names, n);
			return -1;
		}
		free(p);
	}
	soak_os_names_free(names, n);
	return 0;
}

static int start_over(struct runner *r, struct soak_err *err)
{
	char *p;

	for (const char *const *f = run_files; *f; f++) {
		p = soak_path_join(r->dir, *f);
		if (soak_os_unlink(p) < 0 && errno != ENOENT) {
			soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot remove '%s'", p);
			free(p);
			return -1;
		}
		free(p);
	}
	p = soak_path_join(r->dir, "logs");
	int ret = remove_dir_files(p, err);
	free(p);
	return ret;
}

int run_dir_open(struct runner *r, struct soak_err *err)
{
	const struct soak_runner_cfg *c = r->cfg;
	char *run_path = soak_path_join(r->dir, "run.json");
	char *metrics_path = soak_path_join(r->dir, "metrics.jsonl");
	char *p;
	cJSON *resumed = NULL;
	int existing = soak_path_exists(run_path) || soak_path_exists(metrics_path);
	int ret = -1;

	if (existing && !c->resume && !c->force) {
		soak_err_set(err, SOAK_EXIT_USAGE,
		             "soak directory '%s' already holds a run: use --resume to continue "
		             "it, --force to start over, or another --dir",
		             c->dir);
		goto out;
	}
	if (existing && c->force && !c->resume && start_over(r, err) < 0)
		goto out;
	if (existing && c->resume) {
		if (run_resume(r, run_path, metrics_path, &resumed, err) < 0)
			goto out;
	} else {
		r->started_wall = soak_wall_ms();
		if (c->run_id)
			snprintf(r->run_id, sizeof(r->run_id), "%s", c->run_id);
		else
			run_json_new_id(r->run_id, sizeof(r->run_id));
	}
	ret = run_json_write(r, resumed, err);
	resumed = NULL; /* run.json's document took it */
	if (ret < 0)
		goto out;
	ret = -1;
	if (soak_jsonl_open(&r->metrics, metrics_path, err) < 0)
		goto out;
	p = soak_path_join(r->dir, "samples.jsonl");
	ret = soak_jsonl_open(&r->samples, p, err);
	free(p);
	if (ret < 0)
		goto out;
	p = soak_path_join(r->dir, "events.jsonl");
	ret = soak_jsonl_open(&r->events, p, err);
	free(p);
out:
	cJSON_Delete(resumed);
	free(run_path);
	free(metrics_path);
	return ret;
}

char *run_dir_absolute(const char *path)
{
	char *here, *abs;

	if (soak_os_path_is_abs(path))
		return strdup(path);
	if (!(here = soak_os_getcwd()))
		return NULL;
	abs = soak_path_join(here, path);
	free(here);
	return abs;
}

/*
 * Remove what a soak-run killed while replacing run.json, summary.json or
 * health.json left behind: "NAME.tmp.PID.RANDOM" (file.c), when PID is gone.
 */
static void remove_stale_tmp(const char *dir)
{
	static const char *const names[] = {"run.json.tmp.", "summary.json.tmp.",
	                                    "health.json.tmp."};
	char **files;
	size_t nfiles;

	if (soak_os_list_dir(dir, &files, &nfiles) < 0)
		return;
	for (size_t f = 0; f < nfiles; f++) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			size_t n = strlen(names[i]);
			char *end, *p;
			long pid;

			if (strncmp(files[f], names[i], n))
				continue;
			errno = 0;
			pid = strtol(files[f] + n, &end, 10);
			if (errno || *end != '.' || pid <= 0 || pid == soak_os_getpid())
				continue;
			if (!soak_os_pid_alive(pid) && (p = soak_path_join(dir, files[f]))) {
				soak_os_unlink(p);
				free(p);
			}
		}
	}
	soak_os_names_free(files, nfiles);
}

int run_dir_prepare(struct runner *r, struct soak_err *err)
{
	char *logs;
	int ret;

	r->dir = run_dir_absolute(r->cfg->dir);
	if (!r->dir)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot resolve '%s'",
		                      r->cfg->dir);
	if (soak_mkdir_p(r->dir, err) < 0 || soak_dir_check_writable(r->dir, err) < 0)
		return soak_err_prefix(err, "soak directory");
	remove_stale_tmp(r->dir);
	logs = soak_path_join(r->dir, "logs");
	r->kpi_dir = soak_path_join(r->dir, "kpi");
	ret = soak_mkdir_p(logs, err);
	free(logs);
	if (ret == 0)
		ret = soak_mkdir_p(r->kpi_dir, err);
	return ret;
}
