#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "exitcode.h"
#include "git.h"
#include "proc.h"
#include "banned.h"

struct capture {
	struct soak_buf *b;
	int over;
};

static void on_output(void *ctx, const char *data, size_t n)
{
	struct capture *c = ctx;

	if (!c->over && soak_buf_add(c->b, data, n) < 0)
		c->over = 1;
}

int soak_git(const char *repo, const char *const *args, struct soak_buf *out, int *code,
             struct soak_err *err)
{
	static char *const env[] = {"LC_ALL=C",         "GIT_TERMINAL_PROMPT=0", "GIT_PAGER=cat",
	                            "GIT_EDITOR=false", "GIT_OPTIONAL_LOCKS=0",  NULL};
	const char *argv[32];
	struct soak_spawn sp = {.argv = (char *const *)argv,
	                        .env_set = env,
	                        .output = SOAK_PROC_CAPTURE,
	                        .stdin_null = 1};
	struct capture cap = {out, 0};
	struct soak_proc_io io = {on_output, &cap};
	struct soak_proc_status st;
	size_t n = 0;
	char *exe;
	int rc;

	argv[n++] = "git";
	argv[n++] = "-C";
	argv[n++] = repo;
	argv[n++] = "-c";
	argv[n++] = "log.showSignature=false";
	argv[n++] = "-c";
	argv[n++] = "core.quotePath=false";
	while (*args && n < sizeof(argv) / sizeof(argv[0]) - 1)
		argv[n++] = *args++;
	argv[n] = NULL;
	soak_buf_reset(out);
	/* no git on PATH is an input of its own (callers take it as "no repository") */
	if (!(exe = soak_proc_which("git")))
		return soak_err_errno(err, SOAK_EXIT_INPUT, errno, "cannot run 'git'");
	free(exe);
	rc = soak_proc_run(&sp, SOAK_GIT_TIMEOUT_MS, 1000, &io, &st, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return soak_err_set(err, SOAK_EXIT_ENV, "git in '%s' did not finish within %d s",
		                    repo, SOAK_GIT_TIMEOUT_MS / 1000);
	if (cap.over)
		return soak_err_set(err, SOAK_EXIT_ENV, "git in '%s': output over %zu KiB", repo,
		                    out->max >> 10);
	*code = st.exited && !st.signal ? st.exit_code : -1;
	return 0;
}
