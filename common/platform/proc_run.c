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
