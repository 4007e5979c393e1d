#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "proc.h"
#include "banned.h"

int soak_proc_run(const struct soak_spawn *sp, int64_t timeout_ms, int64_t kill_after_ms,
                  const struct soak_proc_io *io, struct soak_proc_status *st, struct soak_err *err)
{
	struct soak_proc *p;
	int rc, killed;

	if (soak_proc_start(sp, &p, err) < 0) {
		err->code = SOAK_EXIT_ENV;
		return -1;
	}
	rc = soak_proc_wait(p, timeout_ms, 0, io, err);
	if (soak_proc_kill_tree(p, kill_after_ms, io, &killed, err) < 0)
		rc = -1;
	soak_proc_get_status(p, st);
	soak_proc_free(p);
	return rc;
}

char **soak_proc_shell_argv(const char *cmd)
{
#ifdef _WIN32
	static const char *const shell[] = {"cmd", "/d", "/s", "/c"};
#else
	static const char *const shell[] = {"sh", "-c"};
#endif
	size_t n = sizeof(shell) / sizeof(shell[0]);
	char **argv = calloc(n + 2, sizeof(*argv));

	if (!argv)
		return NULL;
	for (size_t i = 0; i <= n; i++) {
		argv[i] = strdup(i < n ? shell[i] : cmd);
		if (!argv[i]) {
			while (i--)
				free(argv[i]);
			free(argv);
			return NULL;
		}
	}
	return argv;
}

void soak_proc_argv_free(char **argv)
{
	for (char **a = argv; a && *a; a++)
		free(*a);
	free(argv);
}
