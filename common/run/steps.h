/* Multi-step iterations: the steps file of soak-run --steps (docs/soak-run.md). */
#ifndef SOAK_STEPS_H
#define SOAK_STEPS_H

#include <stdint.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include "err.h"

struct soak_step {
	char *name;
	char **argv;        /* NULL-terminated; a string command becomes {"sh", "-c", cmd} */
	char *cwd;          /* NULL: the run's working directory */
	char **env;         /* "K=V", NULL-terminated, may be NULL */
	int64_t timeout_ms; /* 0: no step timeout */
	int retries;
	int64_t backoff_ms;
	int allow_failure;
};

struct soak_steps {
	struct soak_step *v;
	size_t n;
};

/*
 * Load and validate a steps file. A syntax error names line and column
 * (SOAK_EXIT_INPUT); a bad field names the step and what is allowed (SOAK_EXIT_USAGE).
 */
int soak_steps_load(const char *path, struct soak_steps *out, struct soak_err *err);
/* The same from a parsed document ("steps" array inside), e.g. from run.json. */
int soak_steps_from_json(const cJSON *doc, const char *what, struct soak_steps *out,
                         struct soak_err *err);
cJSON *soak_steps_to_json(const struct soak_steps *s);
void soak_steps_free(struct soak_steps *s);

/* A step name made safe for a file name: [A-Za-z0-9._-], others as '_'. */
void soak_steps_file_name(const char *name, char *buf, size_t n);

#endif
