#include <stdio.h>

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
	struct soak_proc *p;
	size_t n = 0;
	int rc, killed;

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
	if (soak_proc_start(&sp, &p, err) < 0) {
		err->code = SOAK_EXIT_ENV;
		return -1;
	}
	rc = soak_proc_wait(p, SOAK_GIT_TIMEOUT_MS, -1, &io, err);
	if (soak_proc_kill_tree(p, 1000, &io, &killed, err) < 0)
		rc = -1;
	soak_proc_get_status(p, &st);
	soak_proc_free(p);
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
