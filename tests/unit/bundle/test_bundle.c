/* Unit tests of the bundle internals: commit groups and schema versions. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "bundle_int.h"
#include "banned.h"

static long major_of(const char *json)
{
	cJSON *doc = cJSON_Parse(json);
	long m = soak_bundle_schema_major(doc);

	cJSON_Delete(doc);
	return m;
}

int main(void)
{
	char **lines = NULL;
	size_t n = 0;

	CHECK_INT(soak_bundle_commit_group("feat: x"), 0);
	CHECK_INT(soak_bundle_commit_group("feat(api): x"), 0);
	CHECK_INT(soak_bundle_commit_group("feat!: x"), 0);
	CHECK_INT(soak_bundle_commit_group("Feature(ui)!: x"), 0);
	CHECK_INT(soak_bundle_commit_group("FEAT:x"), 0);
	CHECK_INT(soak_bundle_commit_group("fix: x"), 1);
	CHECK_INT(soak_bundle_commit_group("Fix(core)!: x"), 1);
	CHECK_INT(soak_bundle_commit_group("hotfix: x"), 1);
	CHECK_INT(soak_bundle_commit_group("bugfix(db): x"), 1);
	CHECK_INT(soak_bundle_commit_group("fixup! x"), 2);
	CHECK_INT(soak_bundle_commit_group("refactor: feat: x"), 2);
	CHECK_INT(soak_bundle_commit_group("featuring x"), 2);
	CHECK_INT(soak_bundle_commit_group("feat x"), 2);
	CHECK_INT(soak_bundle_commit_group(""), 2);

	CHECK_INT(major_of("{\"schema\": \"1.0\"}"), 1);
	CHECK_INT(major_of("{\"schema\": \"12.3\"}"), 12);
	CHECK_INT(major_of("{\"schema\": \"2\"}"), 2);
	CHECK_INT(major_of("{\"schema\": \"v1\"}"), -1);
	CHECK_INT(major_of("{\"schema\": 1}"), -1);
	CHECK_INT(major_of("{}"), -1);

	CHECK_INT(soak_bundle_add_line(&lines, &n, "missing '%s'", "a"), 0);
	CHECK_INT(soak_bundle_add_line(&lines, &n, "%d problems", 2), 0);
	CHECK_INT(n, 2);
	CHECK_STR(lines[0], "missing 'a'");
	CHECK_STR(lines[1], "2 problems");
	free(lines[0]);
	free(lines[1]);
	free(lines);
	return check_done();
}
