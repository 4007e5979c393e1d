/*
 * The steps file of soak-run --steps (steps.h), written to a file and loaded.
 * Invariants: every step loaded has a name and a non-empty argv; a round trip
 * through soak_steps_to_json and soak_steps_from_json gives the same steps.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "fuzz_util.h"
#include "steps.h"
#include "banned.h"

static void same(const struct soak_steps *a, const struct soak_steps *b)
{
	if (a->n != b->n)
		fuzz_fail("round trip: %zu steps, then %zu", a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct soak_step *x = &a->v[i], *y = &b->v[i];
		size_t k;

		if (strcmp(x->name, y->name) || x->timeout_ms != y->timeout_ms ||
		    x->retries != y->retries || x->backoff_ms != y->backoff_ms ||
		    x->allow_failure != y->allow_failure || !x->cwd != !y->cwd ||
		    (x->cwd && strcmp(x->cwd, y->cwd)))
			fuzz_fail("round trip: step %zu ('%s') differs", i, x->name);
		for (k = 0; x->argv[k] && y->argv[k]; k++)
			if (strcmp(x->argv[k], y->argv[k]))
				fuzz_fail("round trip: step '%s' argv[%zu] differs", x->name, k);
		if (x->argv[k] || y->argv[k])
			fuzz_fail("round trip: step '%s' argv length differs", x->name);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file("steps.json", data, size);
	struct soak_steps s, t;
	struct soak_err err;
	char fname[64];

	memset(&err, 0, sizeof(err));
	if (soak_steps_load(path, &s, &err) < 0) {
		if (!err.msg[0])
			fuzz_fail("steps refused without a message");
		return 0;
	}
	for (size_t i = 0; i < s.n; i++) {
		if (!s.v[i].name || !s.v[i].argv || !s.v[i].argv[0])
			fuzz_fail("step %zu has no name or no command", i);
		soak_steps_file_name(s.v[i].name, fname, sizeof(fname));
		for (const char *p = fname; *p; p++)
			if (!strchr(
			        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
			        *p))
				fuzz_fail("file name '%s' of step '%s'", fname, s.v[i].name);
	}
	{
		cJSON *j = soak_steps_to_json(&s), *doc = cJSON_CreateObject();

		cJSON_AddItemToObject(doc, "steps", j);
		if (soak_steps_from_json(doc, "round trip", &t, &err) < 0)
			fuzz_fail("round trip refused: %s", err.msg);
		same(&s, &t);
		soak_steps_free(&t);
		cJSON_Delete(doc);
	}
	soak_steps_free(&s);
	return 0;
}
