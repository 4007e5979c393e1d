/*
 * Processes on POSIX. The root runs in its own process group; on Linux the caller
 * also becomes a child subreaper, so descendants that daemonize (setsid and a
 * double fork) re-parent to us instead of to init, and every child carries
 * SOAK_TREE_TOKEN=<random> in its environment, so that kill_tree can find such
 * escaped descendants in /proc.
 *
 * On Linux the tree is: members of the root's process group, processes whose
 * environment carries the token, and all descendants (by parent links) of those.
 * Elsewhere (macOS, BSD) the tree is the root's process group only: a descendant
 * that leaves the group is not found there, kill_tree's count is the number of
 * process groups signalled, and soak_proc_find_by_env() is not supported.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

#include "proc.h"
#include "clock.h"
#include "exitcode.h"
#include "procfs.h"
#include "sig_posix.h"
#include "banned.h"

extern char **environ;

#define TOKEN_NAME "SOAK_TREE_TOKEN"
#define TOKEN_HEX 32
#define READ_CHUNK 65536
#define PUMP_MAX (1024 * 1024)      /* bytes read per poll round while running */
#define DRAIN_MAX (4 * 1024 * 1024) /* bytes read once the root has exited */
#define KILL_GRACE_AFTER_SIGKILL_MS 5000

struct soak_proc {
	pid_t pid;
	int out_fd;               /* read end of the output pipe, -1 when none or closed */
	int pidfd;                /* -1 when the kernel has none */
	unsigned long long start; /* Linux: the root's start time, to tell a reused pid apart */
	int exited;
	int status;
	struct rusage ru;
	char token_env[sizeof(TOKEN_NAME) + TOKEN_HEX + 1]; /* "SOAK_TREE_TOKEN=<hex>" */
	int adopt_orphans;
	long self_maxrss; /* our own ru_maxrss when the root was started */
};

/*
 * Every soak_proc between start and free, so that reaping orphaned zombies never
 * takes a root whose status its owner has yet to collect.
 */
static struct soak_proc **live;
static size_t n_live, cap_live;

/* Room for one more, made before the fork so that registering cannot fail after it. */
static int live_reserve(void)
{
	struct soak_proc **nl;
	size_t ncap;

	if (n_live < cap_live)
		return 0;
	ncap = cap_live ? cap_live * 2 : 8;
	nl = realloc(live, ncap * sizeof(*nl));
	if (!nl)
		return -1;
	live = nl;
	cap_live = ncap;
	return 0;
}

static void live_remove(const struct soak_proc *p)
{
	for (size_t i = 0; i < n_live; i++) {
		if (live[i] == p) {
			live[i] = live[--n_live];
			break;
		}
	}
	if (n_live == 0) {
		free(live);
		live = NULL;
		cap_live = 0;
	}
}

#ifdef __linux__
/* 1 when pid is the root of a live soak_proc whose exit status is not collected yet. */
static int live_root(pid_t pid)
{
	for (size_t i = 0; i < n_live; i++)
		if (live[i]->pid == pid && !live[i]->exited)
			return 1;
	return 0;
}
#endif

#ifdef __linux__

/* The fields of /proc/<pid>/stat that tell who a process is and where it belongs. */
struct pstat {
	pid_t pid, ppid, pgrp, sid;
	char state;
	unsigned long long start; /* clock ticks after boot: tells a reused pid apart */
};

static int read_pstat(pid_t pid, struct pstat *ps)
{
	char path[64], buf[1024];
	long long f[20];

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (soak_procfs_read(path, buf, sizeof(buf)) <= 0 ||
	    soak_procfs_stat_fields(buf, f, 20) < 20)
		return -1;
	ps->pid = pid;
	ps->state = (char)f[0];
	ps->ppid = (pid_t)f[1];
	ps->pgrp = (pid_t)f[2];
	ps->sid = (pid_t)f[3];
	ps->start = (unsigned long long)f[19]; /* field 22, starttime */
	return 0;
}

static int is_dead_state(char state)
{
	return state == 'Z' || state == 'X' || state == 'x';
}

#endif /* __linux__ */

#ifndef __linux__
static int set_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);
	return fl < 0 ? -1 : fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
}
#endif

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int cloexec_pipe(int fds[2])
{
#ifdef __linux__
	return pipe2(fds, O_CLOEXEC);
#else
	if (pipe(fds) < 0)
		return -1;
	if (set_cloexec(fds[0]) < 0 || set_cloexec(fds[1]) < 0) {
		int e = errno;
		close(fds[0]);
		close(fds[1]);
		errno = e;
		return -1;
	}
	return 0;
#endif
}

/*
 * Keep descriptors the child dup2()s onto 0, 1 and 2 away from 0..2 themselves,
 * so the child's dup2 calls cannot overwrite one another.
 */
static int above_stdio(int *fd)
{
	int nfd;

	if (*fd < 0 || *fd > 2)
		return 0;
	nfd = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
	if (nfd < 0)
		return -1;
	close(*fd);
	*fd = nfd;
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

static void make_token(char *hex, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char raw[TOKEN_HEX / 2];
	size_t got = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		while (got < sizeof(raw)) {
			ssize_t r = read(fd, raw + got, sizeof(raw) - got);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		close(fd);
	}
	if (got < sizeof(raw)) {
		/* No /dev/urandom: unique enough within one host, which is all we need. */
		static unsigned counter;
		uint64_t x = (uint64_t)soak_mono_ns() ^ ((uint64_t)getpid() << 32) ^ ++counter;
		for (size_t i = 0; i < sizeof(raw); i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			raw[i] = (unsigned char)x;
		}
	}
	for (size_t i = 0; i < sizeof(raw) && 2 * i + 2 < n; i++) {
		hex[2 * i] = digits[raw[i] >> 4];
		hex[2 * i + 1] = digits[raw[i] & 15];
		hex[2 * i + 2] = '\0';
	}
}

static size_t key_len(const char *kv)
{
	const char *eq = strchr(kv, '=');
	return eq ? (size_t)(eq - kv) : strlen(kv);
}

static int same_key(const char *a, const char *b)
{
	size_t n = key_len(a);
	return n == key_len(b) && !memcmp(a, b, n);
}

/* The child's environment: ours, less what env_set and the token override, plus those. */
static char **build_env(char *const *env_set, char *token_env, const char *argv0,
                        struct soak_err *err)
{
	size_t n = 0, nset = 0, k = 0;
	char **env;

	for (char **e = environ; e && *e; e++)
		n++;
	for (char *const *s = env_set; s && *s; s++) {
		if (!strchr(*s, '=') || **s == '=') {
			soak_err_set(err, SOAK_EXIT_USAGE,
			             "cannot run '%s': invalid environment entry '%s'", argv0, *s);
			return NULL;
		}
		nset++;
	}
	env = calloc(n + nset + 2, sizeof(*env));
	if (!env) {
		soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot run '%s'", argv0);
		return NULL;
	}
	for (char **e = environ; e && *e; e++) {
		int skip = same_key(*e, token_env);
		for (char *const *s = env_set; !skip && s && *s; s++)
			skip = same_key(*e, *s);
		if (!skip)
			env[k++] = *e;
	}
	for (char *const *s = env_set; s && *s; s++) {
		if (!same_key(*s, token_env))
			env[k++] = *s;
	}
	env[k++] = token_env;
	env[k] = NULL;
	return env;
}

static void become_subreaper(void)
{
#ifdef __linux__
	static int done;
	if (!done) {
		done = 1;
		prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	}
#endif
}

static int open_pidfd(pid_t pid)
{
#if defined(__linux__) && defined(SYS_pidfd_open)
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	return fd < 0 ? -1 : fd;
#else
	(void)pid;
	return -1;
#endif
}

/*
 * Start path with posix_spawn, which on glibc shares our memory with the child
 * until exec (CLONE_VFORK) instead of copying page tables like fork: the
 * child gets its own process group, default dispositions for every signal, an
 * empty mask, the requested descriptors and directory. Returns 0 or an errno;
 * *chdir_failed tells a bad directory from a bad executable; *self_maxrss is our
 * own peak (ru_maxrss) just before the spawn.
 */
static int spawn(const struct soak_spawn *sp, const char *path, char **env, int in_fd, int out_fd,
                 pid_t *pid, int *chdir_failed, long *self_maxrss)
{
	posix_spawnattr_t attr;
	posix_spawn_file_actions_t fa;
	sigset_t all, empty;
	struct stat st;
	int rc;

	*chdir_failed = 0;
	if (sp->cwd) {
		*chdir_failed = 1;
		if (stat(sp->cwd, &st) < 0)
			return errno;
		if (!S_ISDIR(st.st_mode))
			return ENOTDIR;
		*chdir_failed = 0;
	}
	if ((rc = posix_spawnattr_init(&attr)) != 0)
		return rc;
	if ((rc = posix_spawn_file_actions_init(&fa)) != 0) {
		posix_spawnattr_destroy(&attr);
		return rc;
	}
	sigfillset(&all);
	sigemptyset(&empty);
	rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
	                                         POSIX_SPAWN_SETSIGMASK);
	if (!rc)
		rc = posix_spawnattr_setpgroup(&attr, 0);
	if (!rc)
		rc = posix_spawnattr_setsigdefault(&attr, &all);
	if (!rc)
		rc = posix_spawnattr_setsigmask(&attr, &empty);
	if (!rc && in_fd >= 0)
		rc = posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
	if (!rc && out_fd >= 0)
		rc = posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	if (!rc && out_fd >= 0)
		rc = posix_spawn_file_actions_adddup2(&fa, out_fd, 2);
	if (!rc && sp->cwd)
		rc = posix_spawn_file_actions_addchdir_np(&fa, sp->cwd);
	if (!rc) {
		struct rusage self;

		/* our peak as the child starts with it (soak_proc_get_status) */
		if (getrusage(RUSAGE_SELF, &self) == 0)
			*self_maxrss = self.ru_maxrss;
		rc = posix_spawn(pid, path, &fa, &attr, sp->argv, env);
	}
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return rc;
}

int soak_proc_start(const struct soak_spawn *sp, struct soak_proc **out, struct soak_err *err)
{
	struct soak_proc *p = NULL;
	char *path = NULL, **env = NULL;
	int devnull = -1, outp[2] = {-1, -1};
	int in_fd = -1, child_out = -1, rc, chdir_failed, in_file = -1;
	const char *argv0;
	pid_t pid;

	*out = NULL;
	if (!sp->argv || !sp->argv[0] || !*sp->argv[0])
		return soak_err_set(err, SOAK_EXIT_USAGE, "cannot run an empty command");
	argv0 = sp->argv[0];

	if (strchr(argv0, '/')) {
		path = strdup(argv0);
	} else {
		path = soak_proc_which(argv0);
		if (!path)
			return soak_err_errno(err, SOAK_EXIT_INPUT, errno, "cannot run '%s'",
			                      argv0);
	}
	p = calloc(1, sizeof(*p));
	if (!path || !p) {
		soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot run '%s'", argv0);
		goto fail;
	}
	p->pid = -1;
	p->out_fd = -1;
	p->pidfd = -1;
	p->adopt_orphans = sp->adopt_orphans;
	memcpy(p->token_env, TOKEN_NAME "=", sizeof(TOKEN_NAME));
	make_token(p->token_env + sizeof(TOKEN_NAME), TOKEN_HEX + 1);

	env = build_env(sp->env_set, p->token_env, argv0, err);
	if (!env)
		goto fail;

	if (sp->stdin_null || sp->output == SOAK_PROC_NULL) {
		devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (devnull < 0 || above_stdio(&devnull) < 0) {
			soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot open '/dev/null'");
			goto fail;
		}
	}
	if (sp->output == SOAK_PROC_CAPTURE) {
		if (cloexec_pipe(outp) < 0 || above_stdio(&outp[0]) < 0 ||
		    above_stdio(&outp[1]) < 0 || set_nonblock(outp[0]) < 0) {
			soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot create a pipe for '%s'",
			               argv0);
			goto fail;
		}
		child_out = outp[1];
	} else if (sp->output == SOAK_PROC_NULL) {
		child_out = devnull;
	}
	if (sp->stdin_null)
		in_fd = devnull;
	if (sp->stdin_path) {
		in_file = open(sp->stdin_path, O_RDONLY | O_CLOEXEC);
		if (in_file < 0 || above_stdio(&in_file) < 0) {
			soak_err_errno(err, SOAK_EXIT_ENV, errno,
			               "cannot open '%s' for the input of '%s'", sp->stdin_path,
			               argv0);
			goto fail;
		}
		in_fd = in_file;
	}
	if (live_reserve() < 0) {
		soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot start '%s'", argv0);
		goto fail;
	}
	become_subreaper();

	rc = spawn(sp, path, env, in_fd, child_out, &pid, &chdir_failed, &p->self_maxrss);
	if (rc != 0) {
		if (chdir_failed)
			soak_err_errno(err, SOAK_EXIT_INPUT, rc, "cannot change directory to '%s'",
			               sp->cwd);
		else
			soak_err_errno(err, SOAK_EXIT_INPUT, rc, "cannot run '%s'", argv0);
		goto fail;
	}
	/* Also here, so the group exists before we could signal it; EACCES after exec is fine. */
	setpgid(pid, pid);
	p->pid = pid;
	close_fd(&outp[1]);
	close_fd(&devnull);
	close_fd(&in_file);

	p->out_fd = outp[0];
	p->pidfd = open_pidfd(pid);
#ifdef __linux__
	{
		struct pstat ps;
		if (read_pstat(pid, &ps) == 0)
			p->start = ps.start;
	}
#endif
	free(env);
	free(path);
	live[n_live++] = p;
	*out = p;
	return 0;

fail:
	close_fd(&devnull);
	close_fd(&in_file);
	close_fd(&outp[0]);
	close_fd(&outp[1]);
	free(env);
	free(path);
	free(p);
	return -1;
}

/* Collect the root's status if it has exited. */
static void check_exit(struct soak_proc *p)
{
	int st;
	struct rusage ru;
	pid_t r;

	if (p->exited)
		return;
	do
		r = wait4(p->pid, &st, WNOHANG, &ru);
	while (r < 0 && errno == EINTR);
	if (r == p->pid) {
		p->exited = 1;
		p->status = st;
		p->ru = ru;
	} else if (r < 0 && errno == ECHILD) {
		/* Reaped behind our back (SIGCHLD ignored by someone): no status to report. */
		p->exited = 1;
		p->status = -1;
	}
}

/*
 * Read what the pipe holds now, up to max bytes, without blocking; closes the
 * pipe at EOF. Returns -1 on a read error (pipe closed too).
 */
static int pump(struct soak_proc *p, const struct soak_proc_io *io, size_t max)
{
	char buf[READ_CHUNK];
	size_t total = 0;

	while (p->out_fd >= 0 && total < max) {
		ssize_t r = read(p->out_fd, buf, sizeof(buf));
		if (r > 0) {
			total += (size_t)r;
			if (io && io->on_output)
				io->on_output(io->ctx, buf, (size_t)r);
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		int e = errno;
		close_fd(&p->out_fd);
		errno = e;
		return r < 0 ? -1 : 0;
	}
	return 0;
}

int soak_proc_wait(struct soak_proc *p, int64_t timeout_ms, int wake_on_signal,
                   const struct soak_proc_io *io, struct soak_err *err)
{
	int wake_fd = wake_on_signal ? soak_sig_posix_fd() : -1;
	int64_t deadline = timeout_ms < 0 ? -1 : soak_mono_ms() + timeout_ms;
	int backoff = 1;

	for (;;) {
		struct pollfd fds[3];
		int nfds = 0, i_out = -1, i_pid = -1, i_wake = -1, wait_ms;

		check_exit(p);
		if (p->exited) {
			/* A daemonized descendant may hold the pipe open: take what is there now.
			 */
			pump(p, io, DRAIN_MAX);
			return 1;
		}
		if (p->out_fd >= 0) {
			i_out = nfds;
			fds[nfds++] = (struct pollfd){.fd = p->out_fd, .events = POLLIN};
		}
		if (p->pidfd >= 0) {
			i_pid = nfds;
			fds[nfds++] = (struct pollfd){.fd = p->pidfd, .events = POLLIN};
		}
		if (wake_fd >= 0) {
			i_wake = nfds;
			fds[nfds++] = (struct pollfd){.fd = wake_fd, .events = POLLIN};
		}
		if (deadline < 0) {
			wait_ms = -1;
		} else {
			int64_t left = deadline - soak_mono_ms();
			wait_ms = left <= 0 ? 0 : left > 1000000 ? 1000000 : (int)left;
		}
		if (p->pidfd < 0) {
			/* No way to be woken by the exit itself: look again soon. */
			if (wait_ms < 0 || wait_ms > backoff)
				wait_ms = backoff;
			if (backoff < 50)
				backoff *= 2;
		}
		int n = poll(fds, (nfds_t)nfds, wait_ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return soak_err_errno(err, SOAK_EXIT_ENV, errno,
			                      "cannot wait for process %ld", (long)p->pid);
		}
		if (i_out >= 0 && fds[i_out].revents) {
			if (pump(p, io, PUMP_MAX) < 0)
				return soak_err_errno(err, SOAK_EXIT_ENV, errno,
				                      "cannot read the output of process %ld",
				                      (long)p->pid);
		}
		if (i_pid >= 0 && fds[i_pid].revents)
			check_exit(p);
		if (p->exited)
			continue;
		if (i_wake >= 0 && fds[i_wake].revents)
			return 0;
		if (deadline >= 0 && soak_mono_ms() >= deadline) {
			check_exit(p);
			if (p->exited)
				continue;
			return 0;
		}
	}
}

void soak_proc_get_status(const struct soak_proc *p, struct soak_proc_status *st)
{
	memset(st, 0, sizeof(*st));
	st->exit_code = -1;
	if (!p->exited)
		return;
	st->exited = 1;
	if (p->status != -1) {
		if (WIFEXITED(p->status))
			st->exit_code = WEXITSTATUS(p->status);
		else if (WIFSIGNALED(p->status))
			st->signal = WTERMSIG(p->status);
	}
	st->cpu_user_s = (double)p->ru.ru_utime.tv_sec + (double)p->ru.ru_utime.tv_usec / 1e6;
	st->cpu_sys_s = (double)p->ru.ru_stime.tv_sec + (double)p->ru.ru_stime.tv_usec / 1e6;
	/*
	 * The kernel's peak of a process that exec'ed counts the memory it had before
	 * the exec, which was ours (Linux keeps the larger of the two at exec). A
	 * figure no higher than our own peak at the start says nothing about the
	 * command: report none and let the sampled peak stand.
	 */
	if (p->ru.ru_maxrss > p->self_maxrss) {
#ifdef __APPLE__
		st->max_rss_bytes = (uint64_t)p->ru.ru_maxrss; /* bytes on macOS */
#else
		st->max_rss_bytes = (uint64_t)p->ru.ru_maxrss * 1024; /* KiB elsewhere */
#endif
	}
}

void soak_proc_set_adopt_orphans(struct soak_proc *p, int on)
{
	p->adopt_orphans = on;
}

long soak_proc_pid(const struct soak_proc *p)
{
	return (long)p->pid;
}

void soak_proc_free(struct soak_proc *p)
{
	if (!p)
		return;
	live_remove(p);
	close_fd(&p->out_fd);
	close_fd(&p->pidfd);
	free(p);
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

#ifdef __linux__

static pid_t proc_dirent_pid(const struct dirent *de)
{
	char *end;
	long v;

	if (de->d_name[0] < '1' || de->d_name[0] > '9')
		return -1;
	errno = 0;
	v = strtol(de->d_name, &end, 10);
	if (errno || *end || v <= 0)
		return -1;
	return (pid_t)v;
}

/* A reusable buffer for /proc/<pid>/environ. */
struct envbuf {
	char *data;
	size_t cap;
};

#define ENVIRON_MAX (64u * 1024 * 1024)

/* 1 when the environment of pid holds exactly the entry kv ("NAME=VALUE"). */
static int environ_has(pid_t pid, const char *kv, struct envbuf *eb)
{
	char path[64];
	size_t len = 0, kvlen = strlen(kv);
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/environ", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	for (;;) {
		if (len + 1 >= eb->cap) {
			size_t ncap = eb->cap ? eb->cap * 2 : 65536;
			char *nd;
			if (ncap > ENVIRON_MAX)
				break;
			nd = realloc(eb->data, ncap);
			if (!nd)
				break;
			eb->data = nd;
			eb->cap = ncap;
		}
		ssize_t r = read(fd, eb->data + len, eb->cap - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (!eb->data)
		return 0;
	eb->data[len] = '\0';
	for (size_t i = 0; i < len;) {
		const char *e = eb->data + i;
		size_t elen = strnlen(e, len - i);
		if (elen == kvlen && !memcmp(e, kv, kvlen))
			return 1;
		i += elen + 1;
	}
	return 0;
}

static int pstat_cmp(const void *a, const void *b)
{
	pid_t x = ((const struct pstat *)a)->pid, y = ((const struct pstat *)b)->pid;
	return (x > y) - (x < y);
}

static ssize_t pstat_index(const struct pstat *ps, size_t n, pid_t pid)
{
	struct pstat key = {.pid = pid};
	const struct pstat *hit = n ? bsearch(&key, ps, n, sizeof(*ps), pstat_cmp) : NULL;
	return hit ? hit - ps : -1;
}

/* All processes now, by one pass over /proc, sorted by pid. */
static int scan_procs(struct pstat **out, size_t *n, size_t *cap)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	if (!d)
		return -1;
	*n = 0;
	while ((de = readdir(d))) {
		pid_t pid = proc_dirent_pid(de);
		if (pid <= 0)
			continue;
		if (*n == *cap) {
			size_t ncap = *cap ? *cap * 2 : 256;
			struct pstat *np = realloc(*out, ncap * sizeof(**out));
			if (!np) {
				closedir(d);
				return -1;
			}
			*out = np;
			*cap = ncap;
		}
		if (read_pstat(pid, &(*out)[*n]) == 0)
			(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(*out, *n, sizeof(**out), pstat_cmp);
	return 0;
}

/* A process known to belong to the tree. */
struct member {
	pid_t pid, pgrp, sid;
	unsigned long long start;
	int signalled; /* the last signal sent, 0 if none */
};

struct tree {
	struct soak_proc *p;
	struct member *m;
	size_t n, cap;
	struct pstat *ps;
	size_t nps, capps;
	char *mark;
	struct envbuf eb;
	int killed;
};

static struct member *tree_find(struct tree *t, pid_t pid, unsigned long long start)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->m[i].pid == pid && t->m[i].start == start)
			return &t->m[i];
	return NULL;
}

static void tree_signal(struct tree *t, struct member *m, const struct pstat *ps, int sig)
{
	if (m->signalled == sig || sig == 0 || is_dead_state(ps->state))
		return;
	if (kill(m->pid, sig) == 0) {
		if (!m->signalled)
			t->killed++;
		if (sig == SIGTERM)
			kill(m->pid, SIGCONT); /* a stopped process must run to see SIGTERM */
	}
	m->signalled = sig;
}

/*
 * Scan /proc, add processes of the tree not known yet, and send them sig (when
 * not 0). Known members that are not in the scan are left for tree_reap.
 */
static int tree_collect(struct tree *t, int sig)
{
	pid_t self = getpid(), self_sid = getsid(0);
	struct soak_proc *p = t->p;
	int changed;

	if (scan_procs(&t->ps, &t->nps, &t->capps) < 0)
		return -1;
	free(t->mark);
	t->mark = calloc(t->nps ? t->nps : 1, 1);
	if (!t->mark)
		return -1;

	/*
	 * The group is the root's unless the root's pid now names another process
	 * (reaped long ago and reused, with a group of its own).
	 */
	ssize_t r = pstat_index(t->ps, t->nps, p->pid);
	int group_ours = r < 0 || t->ps[r].start == p->start;

	for (size_t i = 0; i < t->nps; i++) {
		const struct pstat *ps = &t->ps[i];
		if (ps->pid == self)
			continue;
		if (tree_find(t, ps->pid, ps->start) || (group_ours && ps->pgrp == p->pid) ||
		    (!p->exited && ps->pid == p->pid) ||
		    (p->adopt_orphans && ps->ppid == self && !live_root(ps->pid)) ||
		    (!is_dead_state(ps->state) && environ_has(ps->pid, p->token_env, &t->eb)))
			t->mark[i] = 1;
	}
	/* Descendants of members, by parent links; usually one pass, as pids ascend. */
	do {
		changed = 0;
		for (size_t i = 0; i < t->nps; i++) {
			ssize_t j;
			if (t->mark[i] || t->ps[i].pid == self)
				continue;
			j = pstat_index(t->ps, t->nps, t->ps[i].ppid);
			if (j >= 0 && t->mark[j]) {
				t->mark[i] = 1;
				changed = 1;
			}
		}
	} while (changed);
	/*
	 * Zombies re-parented to us whose environment is gone: the middle process of a
	 * double fork, which led the session (or group) its escaped child lives in.
	 */
	for (size_t i = 0; i < t->nps; i++) {
		const struct pstat *z = &t->ps[i];
		if (t->mark[i] || !is_dead_state(z->state) || z->ppid != self)
			continue;
		for (size_t j = 0; j < t->nps && !t->mark[i]; j++)
			if (t->mark[j] && ((t->ps[j].sid == z->pid && z->pid != self_sid) ||
			                   t->ps[j].pgrp == z->pid))
				t->mark[i] = 1;
		for (size_t j = 0; j < t->n && !t->mark[i]; j++)
			if ((t->m[j].sid == z->pid && z->pid != self_sid) || t->m[j].pgrp == z->pid)
				t->mark[i] = 1;
	}

	for (size_t i = 0; i < t->nps; i++) {
		const struct pstat *ps = &t->ps[i];
		struct member *m;
		if (!t->mark[i])
			continue;
		m = tree_find(t, ps->pid, ps->start);
		if (!m) {
			if (t->n == t->cap) {
				size_t ncap = t->cap ? t->cap * 2 : 32;
				struct member *nm = realloc(t->m, ncap * sizeof(*nm));
				if (!nm)
					return -1;
				t->m = nm;
				t->cap = ncap;
			}
			m = &t->m[t->n++];
			*m = (struct member){ps->pid, ps->pgrp, ps->sid, ps->start, 0};
		}
		tree_signal(t, m, ps, sig);
	}
	return 0;
}

static int tree_has_pid(const struct tree *t, pid_t pid)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->m[i].pid == pid)
			return 1;
	return 0;
}

/* Send sig to every member still alive. */
static void tree_signal_all(struct tree *t, int sig)
{
	for (size_t i = 0; i < t->n; i++) {
		struct pstat ps;
		if (read_pstat(t->m[i].pid, &ps) == 0 && ps.start == t->m[i].start)
			tree_signal(t, &t->m[i], &ps, sig);
	}
}

/*
 * Reap members that are our children and forget the ones that are gone (or are
 * zombies another process must reap). Returns how many are left.
 */
static size_t tree_reap(struct tree *t)
{
	struct soak_proc *p = t->p;
	size_t k = 0;

	for (size_t i = 0; i < t->n; i++) {
		struct member *m = &t->m[i];
		struct pstat ps;
		int gone = 0;

		if (m->pid == p->pid && m->start == p->start) {
			check_exit(p);
			gone = p->exited;
		} else {
			pid_t r;
			do
				r = waitpid(m->pid, NULL, WNOHANG);
			while (r < 0 && errno == EINTR);
			gone = r == m->pid;
		}
		if (!gone) {
			if (read_pstat(m->pid, &ps) < 0 || ps.start != m->start)
				gone = 1;
			else if (is_dead_state(ps.state) && ps.ppid != getpid() &&
			         !tree_has_pid(t, ps.ppid))
				gone = 1; /* not ours to reap, and its parent is not going to die */
		}
		if (!gone)
			t->m[k++] = *m;
	}
	t->n = k;
	return k;
}

static int kill_tree_linux(struct soak_proc *p, int64_t kill_after_ms, int *killed,
                           struct soak_err *err)
{
	struct tree t = {.p = p};
	int64_t deadline;
	int interval = 2, since_scan = 0, rc = 0;

	if (tree_collect(&t, SIGTERM) < 0) {
		rc = soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot list processes in '/proc'");
		goto out;
	}
	deadline = soak_mono_ms() + (kill_after_ms > 0 ? kill_after_ms : 0);
	while (soak_mono_ms() < deadline) {
		if (tree_reap(&t) == 0) {
			/* Looks empty: make sure nothing new was forked meanwhile. */
			if (tree_collect(&t, SIGTERM) < 0 || t.n == 0)
				break;
			continue;
		}
		sleep_ms(interval);
		since_scan += interval;
		if (interval < 20)
			interval *= 2;
		if (since_scan >= 100) {
			since_scan = 0;
			tree_collect(&t, SIGTERM);
		}
	}

	deadline = soak_mono_ms() + KILL_GRACE_AFTER_SIGKILL_MS;
	interval = 1;
	for (;;) {
		tree_signal_all(&t, SIGKILL);
		if (tree_collect(&t, SIGKILL) < 0) {
			rc = soak_err_errno(err, SOAK_EXIT_ENV, errno,
			                    "cannot list processes in '/proc'");
			break;
		}
		if (tree_reap(&t) == 0)
			break;
		if (soak_mono_ms() >= deadline) {
			rc = soak_err_set(err, SOAK_EXIT_ENV,
			                  "cannot end %zu processes of the tree of process %ld "
			                  "(first: %ld)",
			                  t.n, (long)p->pid, (long)t.m[0].pid);
			break;
		}
		sleep_ms(interval);
		if (interval < 20)
			interval *= 2;
	}
out:
	*killed = t.killed;
	free(t.m);
	free(t.ps);
	free(t.mark);
	free(t.eb.data);
	return rc;
}

#endif /* __linux__ */

/* The portable tree: the root's process group. */
static int kill_group(struct soak_proc *p, int64_t kill_after_ms, int *killed, struct soak_err *err)
{
	pid_t pgid = p->pid;
	int64_t deadline;

	*killed = 0;
	check_exit(p);
	if (kill(-pgid, 0) < 0) {
		return 0;
	}
	if (kill(-pgid, SIGTERM) == 0) {
		kill(-pgid, SIGCONT);
		*killed = 1;
	}
	deadline = soak_mono_ms() + kill_after_ms;
	while (soak_mono_ms() < deadline) {
		check_exit(p);
		if (kill(-pgid, 0) < 0)
			return 0;
		sleep_ms(10);
	}
	deadline = soak_mono_ms() + KILL_GRACE_AFTER_SIGKILL_MS;
	for (;;) {
		kill(-pgid, SIGKILL);
		check_exit(p);
		if (kill(-pgid, 0) < 0 && p->exited)
			return 0;
		if (soak_mono_ms() >= deadline)
			return soak_err_set(err, SOAK_EXIT_ENV,
			                    "cannot end the process group of process %ld",
			                    (long)p->pid);
		sleep_ms(10);
	}
}

#ifdef __linux__
/*
 * Whether the tree of an exited root is certainly gone without scanning /proc:
 * its process group is empty, and we have no children but registered roots. A
 * descendant that left the group is re-parented to us (we are a subreaper) once
 * its parent in the tree is gone, so it would be one of our children. Without
 * /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN) the answer is "not certain".
 */
static int tree_gone(struct soak_proc *p)
{
	char path[64], buf[4096];
	struct dirent *de;
	DIR *d;
	int gone = 1;

	check_exit(p);
	if (!p->exited || kill(-p->pid, 0) == 0 || errno != ESRCH)
		return 0;
	d = opendir("/proc/self/task");
	if (!d)
		return 0;
	while (gone && (de = readdir(d))) {
		char *q, *end;
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/children", de->d_name);
		n = soak_procfs_read(path, buf, sizeof(buf));
		if (n < 0 || (size_t)n >= sizeof(buf) - 1) {
			gone = 0;
			break;
		}
		for (q = buf; *q; q = end) {
			long pid = strtol(q, &end, 10);
			if (end == q)
				break;
			if (!live_root((pid_t)pid)) {
				gone = 0;
				break;
			}
		}
	}
	closedir(d);
	return gone;
}
#endif

int soak_proc_kill_tree(struct soak_proc *p, int64_t kill_after_ms, const struct soak_proc_io *io,
                        int *killed, struct soak_err *err)
{
	int dummy, rc;

	if (!killed)
		killed = &dummy;
#ifdef __linux__
	if (tree_gone(p)) {
		*killed = 0;
		pump(p, io, DRAIN_MAX);
		close_fd(&p->out_fd);
		return 0;
	}
	rc = kill_tree_linux(p, kill_after_ms, killed, err);
#else
	rc = kill_group(p, kill_after_ms, killed, err);
#endif
	/*
	 * The root was in the tree; if it still is not reaped (the scan failed), wait
	 * for it by its own group before giving up.
	 */
	if (!p->exited) {
		int k = 0;
		struct soak_err e2;
		if (kill_group(p, rc < 0 ? 0 : kill_after_ms, &k, &e2) < 0 && rc == 0)
			rc = soak_err_set(err, e2.code, "%s", e2.msg);
		*killed += k;
	}
	/* Whatever is left in the pipe, without waiting for an EOF anyone may hold back. */
	pump(p, io, DRAIN_MAX);
	close_fd(&p->out_fd);
	/*
	 * Daemonized descendants of any tree that exited on their own before a
	 * kill_tree could see them are zombies of ours that nothing links to a tree.
	 */
	soak_proc_reap_orphans();
	return rc;
}

int soak_proc_reap_orphans(void)
{
#ifdef __linux__
	pid_t self = getpid();
	struct dirent *de;
	int reaped = 0;
	DIR *d = opendir("/proc");

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		pid_t pid = proc_dirent_pid(de), r;
		struct pstat ps;

		if (pid <= 0 || pid == self || read_pstat(pid, &ps) < 0)
			continue;
		if (ps.state != 'Z' || ps.ppid != self || live_root(pid))
			continue;
		/* A zombie child of ours keeps its pid until we reap it: this is the one seen. */
		do
			r = waitpid(pid, NULL, WNOHANG);
		while (r < 0 && errno == EINTR);
		if (r == pid)
			reaped++;
	}
	closedir(d);
	return reaped;
#else
	return 0;
#endif
}

int soak_proc_find_by_env(const char *name, const char *value, long *pids, int max,
                          struct soak_err *err)
{
#ifdef __linux__
	struct envbuf eb = {0};
	size_t kvlen = strlen(name) + strlen(value) + 2;
	char *kv = malloc(kvlen);
	pid_t self = getpid();
	struct dirent *de;
	int found = 0;
	DIR *d;

	if (!kv)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot list processes");
	snprintf(kv, kvlen, "%s=%s", name, value);
	d = opendir("/proc");
	if (!d) {
		free(kv);
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot open '/proc'");
	}
	while (found < max && (de = readdir(d))) {
		pid_t pid = proc_dirent_pid(de);
		if (pid <= 0 || pid == self)
			continue;
		if (environ_has(pid, kv, &eb))
			pids[found++] = (long)pid;
	}
	closedir(d);
	free(eb.data);
	free(kv);
	return found;
#else
	(void)name;
	(void)value;
	(void)pids;
	(void)max;
	return soak_err_set(err, SOAK_EXIT_ENV,
	                    "finding processes by environment is not supported on this platform");
#endif
}

/* 1 while pid exists and is not a zombie; reaps it when it is a zombie child of ours. */
static int pid_alive(pid_t pid)
{
	pid_t r;

	do
		r = waitpid(pid, NULL, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == pid)
		return 0;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return 0;
#ifdef __linux__
	{
		struct pstat ps;
		if (read_pstat(pid, &ps) < 0 || is_dead_state(ps.state))
			return 0;
	}
#endif
	return 1;
}

int soak_proc_kill_pids(const long *pids, int n, int64_t kill_after_ms)
{
	int alive = 0, left;
	int64_t deadline;

	for (int i = 0; i < n; i++) {
		if (pids[i] > 0 && pid_alive((pid_t)pids[i])) {
			alive++;
			kill((pid_t)pids[i], SIGTERM);
			kill((pid_t)pids[i], SIGCONT);
		}
	}
	deadline = soak_mono_ms() + kill_after_ms;
	do {
		left = 0;
		for (int i = 0; i < n; i++)
			if (pids[i] > 0 && pid_alive((pid_t)pids[i]))
				left++;
		if (!left)
			return alive;
		sleep_ms(10);
	} while (soak_mono_ms() < deadline);
	for (int i = 0; i < n; i++)
		if (pids[i] > 0 && pid_alive((pid_t)pids[i]))
			kill((pid_t)pids[i], SIGKILL);
	deadline = soak_mono_ms() + KILL_GRACE_AFTER_SIGKILL_MS;
	do {
		left = 0;
		for (int i = 0; i < n; i++)
			if (pids[i] > 0 && pid_alive((pid_t)pids[i]))
				left++;
		if (left)
			sleep_ms(10);
	} while (left && soak_mono_ms() < deadline);
	return alive;
}

static int is_exec_file(const char *path, int *eacces)
{
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	if (access(path, X_OK) == 0)
		return 1;
	*eacces = 1;
	return 0;
}

char *soak_proc_which(const char *argv0)
{
	const char *path, *dir;
	size_t nlen;
	int eacces = 0;

	if (!argv0 || !*argv0) {
		errno = ENOENT;
		return NULL;
	}
	if (strchr(argv0, '/')) {
		if (is_exec_file(argv0, &eacces))
			return strdup(argv0);
		errno = eacces ? EACCES : ENOENT;
		return NULL;
	}
	path = (getenv)("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	nlen = strlen(argv0);
	for (dir = path;; dir++) {
		const char *end = strchr(dir, ':');
		size_t dlen = end ? (size_t)(end - dir) : strlen(dir);
		char *cand = malloc(dlen + nlen + 3);

		if (!cand)
			return NULL;
		/* An empty PATH element is the current directory, as for execvp. */
		if (dlen == 0)
			snprintf(cand, dlen + nlen + 3, "./%s", argv0);
		else
			snprintf(cand, dlen + nlen + 3, "%.*s/%s", (int)dlen, dir, argv0);
		if (is_exec_file(cand, &eacces))
			return cand;
		free(cand);
		if (!end)
			break;
		dir = end;
	}
	errno = eacces ? EACCES : ENOENT;
	return NULL;
}
