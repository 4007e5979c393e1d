/*
 * run.json: the run's identity, command, configuration, host and CI, written
 * when the run starts; read back by --replay.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_int.h"
#include "exitcode.h"
#include "file.h"
#include "json.h"
#include "os.h"
#include "res.h"
#include "steps.h"
#include "banned.h"

void run_json_new_id(char *buf, size_t n)
{
	unsigned char rnd[3] = {0, 0, 0};
	char ts[SOAK_ISO8601_LEN];
	char compact[32];
	size_t j = 0;

	if (soak_os_random(rnd, sizeof(rnd)) < 0) {
		long p = soak_os_getpid();
		rnd[0] = (unsigned char)p;
		rnd[1] = (unsigned char)(p >> 8);
		rnd[2] = (unsigned char)soak_mono_ns();
	}
	soak_iso8601(soak_wall_ms(), ts, sizeof(ts));
	/* 2026-11-22T04:18:21.123Z -> 20261122T041821Z */
	for (size_t i = 0; ts[i] && ts[i] != '.' && j < sizeof(compact) - 2; i++)
		if (ts[i] != '-' && ts[i] != ':')
			compact[j++] = ts[i];
	compact[j++] = 'Z';
	compact[j] = '\0';
	snprintf(buf, n, "%s-%02x%02x%02x", compact, rnd[0], rnd[1], rnd[2]);
}

static cJSON *ci_facts(void)
{
	static const char *const vars[][2] = {
	    {"run_id", "GITHUB_RUN_ID"},
	    {"run_number", "GITHUB_RUN_NUMBER"},
	    {"run_attempt", "GITHUB_RUN_ATTEMPT"},
	    {"workflow", "GITHUB_WORKFLOW"},
	    {"job", "GITHUB_JOB"},
	    {"runner_name", "RUNNER_NAME"},
	    {"runner_os", "RUNNER_OS"},
	    {"runner_arch", "RUNNER_ARCH"},
	    {"sha", "GITHUB_SHA"},
	    {"ref", "GITHUB_REF"},
	    {"repository", "GITHUB_REPOSITORY"},
	    {"event", "GITHUB_EVENT_NAME"},
	};
	const char *gha = soak_os_getenv("GITHUB_ACTIONS");
	cJSON *o;

	if (!gha || strcmp(gha, "true"))
		return NULL;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "provider", "github");
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = soak_os_getenv(vars[i][1]);
		if (v)
			cJSON_AddStringToObject(o, vars[i][0], v);
	}
	return o;
}

int run_json_write(struct runner *r, cJSON *resumed, struct soak_err *err)
{
	const struct soak_runner_cfg *c = r->cfg;
	struct soak_host h;
	uint64_t disk_free = 0, disk_total = 0;
	char *here = soak_os_getcwd();
	cJSON *o = run_record_new(), *ci;
	char *path;
	int ret;

	cJSON_AddStringToObject(o, "run_id", r->run_id);
	run_record_time(o, "started", r->started_wall);
	cJSON_AddItemToObject(o, "resumed", resumed ? resumed : cJSON_CreateArray());
	cJSON *tool = cJSON_AddObjectToObject(o, "tool");
	cJSON_AddStringToObject(tool, "name", "soak-run");
	cJSON_AddStringToObject(tool, "version", SOAK_VERSION);
	cJSON_AddStringToObject(o, "dir", r->dir);
	cJSON_AddStringToObject(o, "cwd", here ? here : ".");
	if (c->command) {
		cJSON *cmd = cJSON_AddArrayToObject(o, "command");
		for (char **a = c->command; *a; a++)
			cJSON_AddItemToArray(cmd, cJSON_CreateString(*a));
	}
	if (c->steps.n)
		cJSON_AddItemToObject(o, "steps", soak_steps_to_json(&c->steps));
	if (c->config)
		cJSON_AddItemReferenceToObject(o, "config", c->config);
	if (c->tune_doc) /* the tune file as read: --replay and soak-report find it here */
		cJSON_AddItemReferenceToObject(o, "tune", (cJSON *)c->tune_doc);
	cJSON *host = cJSON_AddObjectToObject(o, "host");
	if (soak_host_read(&h, err) == 0) {
		cJSON_AddStringToObject(host, "os", h.os);
		cJSON_AddStringToObject(host, "kernel", h.kernel);
		cJSON_AddStringToObject(host, "arch", h.arch);
		cJSON_AddStringToObject(host, "hostname", h.hostname);
		cJSON_AddNumberToObject(host, "cpus", h.cpus);
		cJSON_AddNumberToObject(host, "mem_total_bytes", (double)h.mem_total);
		cJSON_AddNumberToObject(host, "mem_avail_bytes", (double)h.mem_avail);
	}
	if (soak_disk_free(r->dir, &disk_free, &disk_total, err) == 0) {
		cJSON_AddNumberToObject(host, "disk_free_bytes", (double)disk_free);
		cJSON_AddNumberToObject(host, "disk_total_bytes", (double)disk_total);
	}
	if ((ci = ci_facts()))
		cJSON_AddItemToObject(o, "ci", ci);
	path = soak_path_join(r->dir, "run.json");
	ret = soak_json_write(path, o, 1, err);
	free(path);
	cJSON_Delete(o);
	free(here);
	return ret;
}
int soak_runner_replay_command(const char *run_json, struct soak_runner_cfg *cfg,
                               struct soak_err *err)
{
	const cJSON *cmd, *steps;
	cJSON *doc;
	int ret = -1;

	if (soak_json_load(run_json, 16 * 1024 * 1024, &doc, err) < 0)
		return -1;
	if (soak_schema_check(doc, run_json, err) < 0) {
		cJSON_Delete(doc);
		return -1;
	}
	cmd = cJSON_GetObjectItemCaseSensitive(doc, "command");
	steps = cJSON_GetObjectItemCaseSensitive(doc, "steps");
	if (cJSON_IsArray(steps)) {
		ret = soak_steps_from_json(doc, run_json, &cfg->steps, err);
		if (ret < 0)
			err->code = SOAK_EXIT_INPUT;
	} else if (cJSON_IsArray(cmd) && cJSON_GetArraySize(cmd) > 0) {
		size_t n = (size_t)cJSON_GetArraySize(cmd), i = 0;
		cfg->owned_command = calloc(n + 1, sizeof(char *));
		if (!cfg->owned_command) {
			soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
			goto out;
		}
		for (const cJSON *a = cmd->child; a; a = a->next) {
			if (!cJSON_IsString(a)) {
				soak_err_set(err, SOAK_EXIT_INPUT,
				             "'%s': \"command\" must hold strings", run_json);
				goto out;
			}
			cfg->owned_command[i++] = strdup(a->valuestring);
		}
		cfg->command = cfg->owned_command;
		ret = 0;
	} else {
		soak_err_set(err, SOAK_EXIT_INPUT, "'%s' records neither a command nor steps",
		             run_json);
	}
out:
	cJSON_Delete(doc);
	return ret;
}

void soak_runner_cfg_free(struct soak_runner_cfg *cfg)
{
	soak_steps_free(&cfg->steps);
	for (char **a = cfg->owned_command; a && *a; a++)
		free(*a);
	free(cfg->owned_command);
	cfg->owned_command = NULL;
	for (size_t i = 0; i < cfg->ngates; i++)
		soak_gate_free(&cfg->gates[i]);
	free(cfg->gates);
	cfg->gates = NULL;
	cfg->ngates = 0;
	if (cfg->tune) {
		soak_tune_cfg_free(cfg->tune);
		free(cfg->tune);
		cfg->tune = NULL;
	}
	cJSON_Delete(cfg->tune_doc);
	cJSON_Delete(cfg->tune_values);
	cfg->tune_doc = cfg->tune_values = NULL;
}
