#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "msg.h"
#include "exitcode.h"
#include "banned.h"

static char tmpdir[] = "/tmp/soak-test-msg-XXXXXX";

/* Run fn in a child with stdout to out_path and stderr to a file; return its exit status. */
static int run(int (*fn)(void), const char *out_path, char *errtext, size_t n)
{
	char errpath[600];
	pid_t pid;
	int status = -1;

	snprintf(errpath, sizeof(errpath), "%s/stderr", tmpdir);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(99);
		exit(fn());
	}
	waitpid(pid, &status, 0);
	errtext[0] = '\0';
	FILE *f = fopen(errpath, "r");
	if (f) {
		size_t got = fread(errtext, 1, n - 1, f);
		errtext[got] = '\0';
		fclose(f);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int print_and_finish(void)
{
	soak_msg_init("/usr/local/bin/soak-report");
	for (int i = 0; i < 100; i++)
		printf("line %d of the report\n", i);
	return soak_finish(SOAK_EXIT_OK);
}

static int finish_nothing(void)
{
	soak_msg_init("soak-report");
	return soak_finish(SOAK_EXIT_FAIL);
}

static int messages(void)
{
	struct soak_err err = {0};

	soak_msg_init("soak-run");
	printf("out\n");
	soak_error("cannot open '%s': %s", "x", "No such file or directory");
	soak_warning("disk at %d%%", 91);
	soak_info("iteration %d passed", 3);
	int u = soak_usage_error("unknown option '%s'", "--foo");
	soak_err_set(&err, SOAK_EXIT_INPUT, "'run.json' has schema 2.0");
	int r = soak_report_err(&err);
	struct soak_err none = {0};
	int r2 = soak_report_err(&none);
	/* encode the returned codes in the exit status: 2, 3, 4 */
	return soak_finish(u == SOAK_EXIT_USAGE && r == SOAK_EXIT_INPUT && r2 == SOAK_EXIT_ENV ? 0
	                                                                                       : 1);
}

int main(void)
{
	char errtext[4096], outp[600];

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(outp, sizeof(outp), "%s/stdout", tmpdir);

	/* stdout to /dev/full: the report is lost, and that is an environment error */
	CHECK_INT(run(print_and_finish, "/dev/full", errtext, sizeof(errtext)), SOAK_EXIT_ENV);
	CHECK_STR(errtext,
	          "soak-report: cannot write to standard output: No space left on device\n");
	CHECK_INT(run(finish_nothing, "/dev/full", errtext, sizeof(errtext)), SOAK_EXIT_FAIL);
	CHECK_STR(errtext, "");
	CHECK_INT(run(print_and_finish, outp, errtext, sizeof(errtext)), SOAK_EXIT_OK);
	CHECK_STR(errtext, "");

	CHECK_INT(run(messages, outp, errtext, sizeof(errtext)), 0);
	CHECK_STR(errtext, "soak-run: cannot open 'x': No such file or directory\n"
	                   "soak-run: warning: disk at 91%\n"
	                   "soak-run: iteration 3 passed\n"
	                   "soak-run: unknown option '--foo'\n"
	                   "try 'soak-run --help'\n"
	                   "soak-run: 'run.json' has schema 2.0\n"
	                   "soak-run: unknown error\n");

	soak_msg_init("/x/soak-canary");
	CHECK_STR(soak_msg_prog(), "soak-canary");
	soak_msg_init("");
	CHECK_STR(soak_msg_prog(), "soak-canary");

	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	CHECK_INT(system(cmd), 0);
	return check_done();
}
