#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "steps.h"
#include "file.h"
#include "exitcode.h"

static char dir[64];

static int load(const char *text, struct soak_steps *s, struct soak_err *err)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/steps.json", dir);
	if (soak_file_write_atomic(path, text, strlen(text), err) < 0)
		return -2;
	return soak_steps_load(path, s, err);
}

int main(void)
{
	struct soak_steps s;
	struct soak_err err;
	char tmpl[] = "/tmp/test_steps.XXXXXX";

	CHECK(mkdtemp(tmpl) != NULL);
	snprintf(dir, sizeof(dir), "%s", tmpl);

	CHECK_INT(load("{\"steps\":[{\"name\":\"lint\",\"command\":[\"make\",\"lint\"],"
	               "\"timeout\":\"5m\",\"allow_failure\":true},"
	               "{\"name\":\"test it\",\"command\":\"make test && ./smoke\",\"retries\":2,"
	               "\"backoff\":\"250ms\",\"cwd\":\"app\",\"env\":{\"A\":\"1\"}}]}",
	               &s, &err),
	          0);
	CHECK_INT(s.n, 2);
	CHECK_STR(s.v[0].name, "lint");
	CHECK_STR(s.v[0].argv[0], "make");
	CHECK_STR(s.v[0].argv[1], "lint");
	CHECK(s.v[0].argv[2] == NULL);
	CHECK_INT(s.v[0].timeout_ms, 300000);
	CHECK_INT(s.v[0].allow_failure, 1);
	CHECK_STR(s.v[1].argv[0], "sh");
	CHECK_STR(s.v[1].argv[1], "-c");
	CHECK_STR(s.v[1].argv[2], "make test && ./smoke");
	CHECK_INT(s.v[1].retries, 2);
	CHECK_INT(s.v[1].backoff_ms, 250);
	CHECK_STR(s.v[1].cwd, "app");
	CHECK_STR(s.v[1].env[0], "A=1");
	CHECK(s.v[1].env[1] == NULL);

	char fname[64];
	soak_steps_file_name(s.v[1].name, fname, sizeof(fname));
	CHECK_STR(fname, "test_it");

	cJSON *j = soak_steps_to_json(&s);
	char *txt = cJSON_PrintUnformatted(j);
	CHECK(strstr(txt, "\"timeout_ms\":300000") != NULL);
	CHECK(strstr(txt, "\"command\":[\"sh\",\"-c\",\"make test && ./smoke\"]") != NULL);
	cJSON_free(txt);
	cJSON_Delete(j);
	soak_steps_free(&s);

	/* syntax error: line and column */
	CHECK_INT(load("{\n  \"steps\": [\n    {\"name\": \"a\",, }\n  ]\n}\n", &s, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_INPUT);
	CHECK(strstr(err.msg, "line 3, column") != NULL);

	/* field errors name the step and what is allowed */
	CHECK_INT(load("{\"steps\":[{\"name\":\"a\",\"command\":\"x\",\"timeout\":\"5 parsecs\"}]}",
	               &s, &err),
	          -1);
	CHECK_INT(err.code, SOAK_EXIT_USAGE);
	CHECK(strstr(err.msg, "step 1 ('a')") != NULL);
	CHECK(strstr(err.msg, "'timeout'") != NULL);
	CHECK_INT(load("{\"steps\":[{\"name\":\"a\",\"command\":\"x\",\"retries\":-1}]}", &s, &err),
	          -1);
	CHECK(strstr(err.msg, "'retries' must be a whole number") != NULL);
	CHECK_INT(load("{\"steps\":[{\"name\":\"a\",\"command\":\"x\",\"colour\":1}]}", &s, &err),
	          -1);
	CHECK(strstr(err.msg, "unknown field 'colour'") != NULL);
	CHECK_INT(load("{\"steps\":[{\"name\":\"a\",\"command\":[]}]}", &s, &err), -1);
	CHECK(strstr(err.msg, "'command' must be") != NULL);
	CHECK_INT(load("{\"steps\":[{\"name\":\"a\",\"command\":\"x\"},{\"name\":\"a\",\"command\":"
	               "\"y\"}]}",
	               &s, &err),
	          -1);
	CHECK(strstr(err.msg, "step 2 ('a')") != NULL);
	CHECK_INT(load("{\"steps\":[]}", &s, &err), -1);
	CHECK(strstr(err.msg, "non-empty array \"steps\"") != NULL);
	CHECK_INT(soak_steps_load("/nonexistent/steps.json", &s, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_INPUT);

	char path[128];
	snprintf(path, sizeof(path), "%s/steps.json", dir);
	unlink(path);
	rmdir(dir);
	return check_done();
}
