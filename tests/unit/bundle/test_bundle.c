/* Unit tests of the bundle internals: commit groups and schema versions. */
#include <stdlib.h>
#include <string.h>

#if defined(__unix__)
#include <regex.h>
#endif

#include "check.h"
#include "bundle_int.h"
#include "banned.h"

/* The classification the changelog used to get from POSIX regular expressions. */
static void test_groups_against_regex(void)
{
#if defined(__unix__)
	static const char *const re_src[2] = {
	    "^[[:space:]]*(feat|feature)(\\([^)]*\\))?!?:",
	    "^[[:space:]]*(fix|bugfix|hotfix)(\\([^)]*\\))?!?:",
	};
	static const char *const subjects[] = {
	    "feat: x",
	    " \tfeat: x",
	    "feature:",
	    "featur: x",
	    "feat(a(b)): x",
	    "feat(a)(b): x",
	    "feat(: x",
	    "feat(a)!!: x",
	    "feat!(a): x",
	    "feat()!:",
	    "FeAtUrE(X)!:",
	    "fix(\n):",
	    "bugfix!:",
	    "hotfix",
	    "HOTFIX(x):y",
	    "fixes: x",
	    "fix :x",
	    "\vfix:",
	    "xfix:",
	    "feat(scope with spaces)!: x",
	    "fix((): y",
	    "fix()):",
	    "",
	    ":",
	    "(feat):",
	};
	regex_t re[2];

	for (int i = 0; i < 2; i++)
		CHECK(regcomp(&re[i], re_src[i], REG_EXTENDED | REG_ICASE | REG_NOSUB) == 0);
	for (size_t k = 0; k < sizeof(subjects) / sizeof(subjects[0]); k++) {
		int want = regexec(&re[0], subjects[k], 0, NULL, 0) == 0   ? 0
		           : regexec(&re[1], subjects[k], 0, NULL, 0) == 0 ? 1
		                                                           : 2;

		if (soak_bundle_commit_group(subjects[k]) != want)
			fprintf(stderr, "'%s': want %d\n", subjects[k], want);
		CHECK_INT(soak_bundle_commit_group(subjects[k]), want);
	}
	regfree(&re[0]);
	regfree(&re[1]);
#endif
}

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
	CHECK_INT(soak_bundle_commit_group("  feat(a b)!: x"), 0);
	CHECK_INT(soak_bundle_commit_group("feat(: x"), 2);
	CHECK_INT(soak_bundle_commit_group("feat!!: x"), 2);
	CHECK_INT(soak_bundle_commit_group("feature: x"), 0);
	test_groups_against_regex();

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
