#include <errno.h>
#include <string.h>

#include "check.h"
#include "err.h"
#include "exitcode.h"
#include "banned.h"

int main(void)
{
	struct soak_err err = {0};
	char longname[2000];

	CHECK_INT(soak_err_set(&err, SOAK_EXIT_INPUT, "cannot open '%s'", "x.json"), -1);
	CHECK_INT(err.code, SOAK_EXIT_INPUT);
	CHECK_STR(err.msg, "cannot open 'x.json'");

	CHECK_INT(soak_err_errno(&err, SOAK_EXIT_ENV, ENOSPC, "cannot write '%s'", "run.json"), -1);
	CHECK_INT(err.code, SOAK_EXIT_ENV);
	CHECK_STR(err.msg, "cannot write 'run.json': No space left on device");

	CHECK_INT(soak_err_prefix(&err, "step '%s'", "build"), -1);
	CHECK_INT(err.code, SOAK_EXIT_ENV);
	CHECK_STR(err.msg, "step 'build': cannot write 'run.json': No space left on device");

	/* too long: cut with "..." at the end, still terminated */
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	soak_err_set(&err, SOAK_EXIT_USAGE, "bad '%s'", longname);
	CHECK_INT(strlen(err.msg), SOAK_ERR_MAX - 1);
	CHECK_STR(err.msg + SOAK_ERR_MAX - 4, "...");
	CHECK(!strncmp(err.msg, "bad 'aaa", 8));
	soak_err_errno(&err, SOAK_EXIT_ENV, ENOENT, "cannot open '%s'", longname);
	CHECK_INT(strlen(err.msg), SOAK_ERR_MAX - 1);
	CHECK_STR(err.msg + SOAK_ERR_MAX - 4, "...");
	/* the errno text is what gets cut when the message just fits */
	soak_err_errno(&err, SOAK_EXIT_ENV, ENOENT, "%.*s", SOAK_ERR_MAX - 10, longname);
	CHECK_INT(strlen(err.msg), SOAK_ERR_MAX - 1);
	CHECK_STR(err.msg + SOAK_ERR_MAX - 4, "...");
	CHECK(strstr(err.msg, ": No") != NULL);
	soak_err_set(&err, SOAK_EXIT_ENV, "%s", "inner");
	soak_err_prefix(&err, "%s", longname);
	CHECK_INT(strlen(err.msg), SOAK_ERR_MAX - 1);
	CHECK_STR(err.msg + SOAK_ERR_MAX - 4, "...");

	soak_err_clear(&err);
	CHECK_INT(err.code, 0);
	CHECK_STR(err.msg, "");
	/* a NULL err is tolerated */
	CHECK_INT(soak_err_set(NULL, 1, "x"), -1);
	CHECK_INT(soak_err_errno(NULL, 1, EIO, "x"), -1);
	CHECK_INT(soak_err_prefix(NULL, "x"), -1);
	soak_err_clear(NULL);

	CHECK_STR(soak_exit_name(SOAK_EXIT_OK), "ok");
	CHECK_STR(soak_exit_name(SOAK_EXIT_FAIL), "fail");
	CHECK_STR(soak_exit_name(SOAK_EXIT_USAGE), "usage");
	CHECK_STR(soak_exit_name(SOAK_EXIT_INPUT), "input");
	CHECK_STR(soak_exit_name(SOAK_EXIT_ENV), "environment");
	CHECK_STR(soak_exit_name(SOAK_EXIT_CACHE_MISS), "cache-miss");
	CHECK_STR(soak_exit_name(SOAK_EXIT_SIGINT), "sigint");
	CHECK_STR(soak_exit_name(SOAK_EXIT_SIGTERM), "sigterm");
	CHECK_STR(soak_exit_name(77), "unknown");
	return check_done();
}
