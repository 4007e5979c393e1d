/*
 * The platform layer for processes: start a command as the root of its own
 * process tree, pump its output, wait with a deadline, and end the whole tree.
 * proc_posix.c implements it for POSIX (process groups, and on Linux a child
 * subreaper plus an environment marker to find descendants that escaped with
 * setsid and a double fork); a Windows implementation (Job Objects,
 * CreateProcess) sits beside it with the same contract.
 *
 * On Windows (win32/proc.c) there are no signals: the tree is the root's Job
 * Object (kill on close, no breakaway), so every descendant is in it. kill_tree
 * sends Ctrl-Break to the root's process group in place of SIGTERM and
 * terminates the job (exit code 137) in place of SIGKILL; status.signal reads 9
 * for a root we terminated and 15 for one that ended with STATUS_CONTROL_C_EXIT
 * after our Ctrl-Break. Each root gets a process group of its own, so a Ctrl-C
 * in the console reaches the caller only, which then ends the tree. A .bat or
 * .cmd runs through cmd.exe, its arguments quoted for cmd.
 *
 * Contract: after soak_proc_kill_tree() returns 0, no process of the tree is
 * left, and the caller never blocks on a pipe that a surviving grandchild holds.
 */
#ifndef SOAK_PROC_H
#define SOAK_PROC_H

#include <stdint.h>
#include <stddef.h>
#include "err.h"

struct soak_proc; /* opaque */

enum soak_proc_output {
	SOAK_PROC_CAPTURE, /* stdout and stderr together into a pipe, delivered to on_output */
	SOAK_PROC_INHERIT, /* the caller's stdout and stderr */
	SOAK_PROC_NULL,    /* /dev/null */
};

struct soak_spawn {
	char *const *argv;    /* argv[0] is looked up on PATH when it has no '/' */
	const char *cwd;      /* NULL: the caller's */
	char *const *env_set; /* "K=V" added to / overriding the inherited environment;
	                         NULL-terminated, or NULL */
	enum soak_proc_output output;
	int stdin_null;         /* 1: stdin from /dev/null (else inherited) */
	const char *stdin_path; /* stdin from this file (before stdin_null); NULL: none */
	/*
	 * 1: every process re-parented to the caller (a subreaper) that is not the
	 * root of another live tree counts as part of this one. Catches descendants
	 * that escaped the group and also dropped the environment marker (setsid plus
	 * env -i); set it only when no other tree of the caller can leave orphans.
	 */
	int adopt_orphans;
};

/*
 * Start the process. An executable that cannot be found or run is reported here
 * (SOAK_EXIT_INPUT, "cannot run 'x': No such file or directory"), not as an exit
 * code, so the caller can tell "did not start" from "failed".
 */
int soak_proc_start(const struct soak_spawn *sp, struct soak_proc **out, struct soak_err *err);

/*
 * The argument vector that runs a command string through the system's shell:
 * {"sh", "-c", cmd} on POSIX; {"cmd", "/d", "/s", "/c", cmd} on Windows, where
 * the string after /c reaches cmd.exe as written (not quoted for the C runtime).
 * NULL-terminated, each string malloc'ed; NULL when out of memory.
 */
char **soak_proc_shell_argv(const char *cmd);
/* Free a vector of soak_proc_shell_argv (NULL is fine). */
void soak_proc_argv_free(char **argv);

struct soak_proc_io {
	void (*on_output)(void *ctx, const char *data, size_t n); /* may be NULL: output dropped */
	void *ctx;
};

/*
 * Wait up to timeout_ms (-1 forever) for the root process to exit, delivering
 * output as it arrives. With wake_on_signal, returns early once a terminating
 * signal (sig.h; Ctrl-C or Ctrl-Break on Windows) has been caught. Returns 1
 * when the root has exited (status available), 0 on timeout or wake-up, -1 on
 * error.
 */
int soak_proc_wait(struct soak_proc *p, int64_t timeout_ms, int wake_on_signal,
                   const struct soak_proc_io *io, struct soak_err *err);

/*
 * End the whole tree: SIGTERM to every process of it, up to kill_after_ms for them
 * to go, then SIGKILL; reap the root; deliver what output remains buffered without
 * waiting for EOF. Works whether or not the root has already exited (to clean up
 * daemonized descendants). *killed receives how many processes had to be signalled.
 * Then reaps orphaned zombies of any tree (soak_proc_reap_orphans()); a root of
 * another live soak_proc is never reaped there, so its owner still gets its status.
 */
int soak_proc_kill_tree(struct soak_proc *p, int64_t kill_after_ms, const struct soak_proc_io *io,
                        int *killed, struct soak_err *err);

struct soak_proc_status {
	int exited;                   /* 1 once the root was reaped */
	int exit_code;                /* when exited normally, else -1 */
	int signal;                   /* the terminating signal, else 0 */
	double cpu_user_s, cpu_sys_s; /* of the root and the children it waited for */
	uint64_t max_rss_bytes;       /* peak RSS of the root (or of a child it waited for);
	                               * 0 when the kernel's figure cannot be told from
	                               * the memory the root shared with us before exec */
};

void soak_proc_get_status(const struct soak_proc *p, struct soak_proc_status *st);

/*
 * Run a process to its end (proc_run.c, on top of the calls above): start sp,
 * wait up to timeout_ms (-1: no limit) delivering output to io (may be NULL),
 * then end whatever is left of the tree (kill_after_ms between SIGTERM and
 * SIGKILL). 1 when the root exited in time (*st holds its status), 0 when it did
 * not (the tree was ended), -1 with err (SOAK_EXIT_ENV when it cannot start).
 */
int soak_proc_run(const struct soak_spawn *sp, int64_t timeout_ms, int64_t kill_after_ms,
                  const struct soak_proc_io *io, struct soak_proc_status *st, struct soak_err *err);
/* Change adopt_orphans (struct soak_spawn) for the next kill_tree, e.g. once no other tree runs. */
void soak_proc_set_adopt_orphans(struct soak_proc *p, int on);
long soak_proc_pid(const struct soak_proc *p);
/* Frees; the caller must have ended the tree first (kill_tree). */
void soak_proc_free(struct soak_proc *p);

/*
 * Reap every zombie child of the caller that is not the root of a soak_proc
 * between soak_proc_start() and soak_proc_free() whose status is still to be
 * collected: descendants that daemonized (re-parented to us, the child
 * subreaper) and then exited on their own before any kill_tree could find them,
 * which no longer carry the tree's marker. soak_proc_kill_tree() calls it at its
 * end, so that a long soak does not pile up zombies until pids run out.
 * Any other child the caller forked itself and waits for by pid would be reaped
 * too: callers that become subreapers start children through this layer only.
 * Returns how many were reaped, -1 when '/proc' cannot be read (errno set).
 * Linux only: elsewhere we are not a subreaper, orphans go to init, and the
 * zombies of unknown pids cannot be found, so it returns 0.
 */
int soak_proc_reap_orphans(void);

/*
 * Processes whose environment carries NAME=VALUE (e.g. SOAK_RUN_ID=abc), other
 * than the caller: fills pids (up to max) and returns how many were found, -1 on error.
 */
int soak_proc_find_by_env(const char *name, const char *value, long *pids, int max,
                          struct soak_err *err);

/* Signal (SIGTERM then SIGKILL after kill_after_ms) a list of processes; returns how many were
 * alive. */
int soak_proc_kill_pids(const long *pids, int n, int64_t kill_after_ms);

/* Look up argv0 on PATH as exec would; returns a malloc'ed path or NULL (errno set). */
char *soak_proc_which(const char *argv0);

#endif
