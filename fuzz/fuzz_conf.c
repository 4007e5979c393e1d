/*
 * The config file (conf.h): the input is written to a file and read by
 * soak_conf_parse with a fixed option table of every type, as --config names it.
 * Invariants: success or a usage/input error with a message; a secret never
 * appears in an error message; soak_conf_to_json of a success is an object.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "fuzz_util.h"
#include "conf.h"
#include "exitcode.h"
#include "banned.h"

static const struct soak_opt opts[] = {
    {"help", 'h', SOAK_OPT_FLAG, NULL, NULL, "help", SOAK_OPT_CLI_ONLY, 0, 0},
    {"config", 'c', SOAK_OPT_STRING, "FILE", NULL, "config file", SOAK_OPT_CLI_ONLY, 0, 0},
    {"timeout", 't', SOAK_OPT_DURATION, "DURATION", "0", "timeout", 0, 0, 0},
    {"iterations", 'n', SOAK_OPT_INT, "N", NULL, "iterations", 0, 0, 1000000},
    {"pass-rate", 0, SOAK_OPT_DOUBLE, "RATE", "0.95", "pass rate", 0, 0, 1},
    {"log-max", 0, SOAK_OPT_SIZE, "SIZE", "10MiB", "log cap", 0, 0, 0},
    {"fail-fast", 0, SOAK_OPT_FLAG, NULL, NULL, "fail fast", 0, 0, 0},
    {"dir", 'd', SOAK_OPT_STRING, "DIR", "artifacts/soak", "directory", 0, 0, 0},
    {"env", 'e', SOAK_OPT_LIST, "KEY=VALUE", NULL, "environment", 0, 0, 0},
    {"token", 0, SOAK_OPT_STRING, "TOKEN", NULL, "secret", SOAK_OPT_SECRET, 0, 0},
    {"run-id", 0, SOAK_OPT_STRING, "ID", NULL, "run id", SOAK_OPT_NO_REPLAY, 0, 0},
    {NULL, 0, 0, NULL, NULL, NULL, 0, 0, 0},
};

static const char *const progs[] = {"soak-run", "soak-report", "soak-clean"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file("soak.json", data, size);
	char *argv[] = {"soak-x", "--config", (char *)path, NULL};
	struct soak_conf c;
	struct soak_err err;
	const char *prog = progs[size % 3];
	int rc;

	memset(&err, 0, sizeof(err));
	rc = soak_conf_parse(&c, prog, opts, 3, argv, 0, &err);
	if (rc == 0) {
		cJSON *j = soak_conf_to_json(&c), *t;

		if (!cJSON_IsObject(j))
			fuzz_fail("soak_conf_to_json gave no object");
		/* a secret is never echoed into run.json */
		t = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "token"),
		                                     "value");
		if (t && (!cJSON_IsString(t) || strcmp(t->valuestring, "***")))
			fuzz_fail("the secret 'token' is shown in run.json");
		cJSON_Delete(j);
		soak_conf_int(&c, "iterations");
		soak_conf_ms(&c, "timeout");
		soak_conf_bytes(&c, "log-max");
		soak_conf_double(&c, "pass-rate");
	} else if (!err.msg[0] || (err.code != SOAK_EXIT_USAGE && err.code != SOAK_EXIT_INPUT &&
	                           err.code != SOAK_EXIT_ENV)) {
		fuzz_fail("config refused with code %d and message '%s'", err.code, err.msg);
	}
	soak_conf_free(&c);
	return 0;
}
