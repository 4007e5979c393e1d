/*
 * Signals on POSIX: SIGINT, SIGTERM and SIGHUP are caught into a non-blocking
 * self-pipe that is never drained, so it stays readable once a signal came.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sig.h"
#include "sig_posix.h"
#include "clock.h"
#include "exitcode.h"
#include "banned.h"

static int sig_pipe[2] = {-1, -1};
static volatile sig_atomic_t sig_first;

static void on_signal(int sig)
{
	int saved = errno;
	char c = 1;

	if (!sig_first)
		sig_first = sig;
	/* Non-blocking: a full pipe is readable anyway. */
	if (write(sig_pipe[1], &c, 1) < 0) {
		/* nothing to do: the pipe is readable already */
	}
	errno = saved;
}

static int pipe_setup(int fd)
{
	int fl = fcntl(fd, F_GETFD);
	if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)
		return -1;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return 0;
}

int soak_sig_init(struct soak_err *err)
{
	static const int caught[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa;

	if (sig_pipe[0] >= 0)
		return 0;
	if (pipe(sig_pipe) < 0)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot create the signal pipe");
	if (pipe_setup(sig_pipe[0]) < 0 || pipe_setup(sig_pipe[1]) < 0) {
		int e = errno;
		close(sig_pipe[0]);
		close(sig_pipe[1]);
		sig_pipe[0] = sig_pipe[1] = -1;
		return soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot set up the signal pipe");
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
		sigaddset(&sa.sa_mask, caught[i]);
	sa.sa_flags = SA_RESTART;
	for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++) {
		if (sigaction(caught[i], &sa, NULL) < 0)
			return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot catch %s",
			                      soak_sig_name(caught[i]));
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot ignore SIGPIPE");
	return 0;
}

int soak_sig_posix_fd(void)
{
	return sig_pipe[0];
}

int soak_sig_caught(void)
{
	return (int)sig_first;
}

int soak_sig_sleep(int64_t ms)
{
	int64_t deadline = soak_mono_ms() + (ms > 0 ? ms : 0);

	for (;;) {
		int64_t left = deadline - soak_mono_ms();
		struct pollfd pfd = {.fd = sig_pipe[0], .events = POLLIN};
		int r;

		if (sig_first)
			return 1;
		if (left <= 0)
			return 0;
		if (left > 1000000)
			left = 1000000;
		/* A negative fd is skipped by poll: before init this is a plain sleep. */
		r = poll(&pfd, 1, (int)left);
		if (r > 0 && (pfd.revents & POLLIN))
			return 1;
		if (r < 0 && errno != EINTR)
			return 0;
	}
}

int soak_sig_exit_code(int sig)
{
	if (sig == SIGINT)
		return SOAK_EXIT_SIGINT;
	if (sig == SIGTERM)
		return SOAK_EXIT_SIGTERM;
	return 128 + sig;
}

const char *soak_sig_name(int sig)
{
	static const struct {
		int sig;
		const char *name;
	} names[] = {
	    {SIGHUP, "SIGHUP"},       {SIGINT, "SIGINT"},   {SIGQUIT, "SIGQUIT"},
	    {SIGILL, "SIGILL"},       {SIGTRAP, "SIGTRAP"}, {SIGABRT, "SIGABRT"},
	    {SIGBUS, "SIGBUS"},       {SIGFPE, "SIGFPE"},   {SIGKILL, "SIGKILL"},
	    {SIGUSR1, "SIGUSR1"},     {SIGSEGV, "SIGSEGV"}, {SIGUSR2, "SIGUSR2"},
	    {SIGPIPE, "SIGPIPE"},     {SIGALRM, "SIGALRM"}, {SIGTERM, "SIGTERM"},
	    {SIGCHLD, "SIGCHLD"},     {SIGCONT, "SIGCONT"}, {SIGSTOP, "SIGSTOP"},
	    {SIGTSTP, "SIGTSTP"},     {SIGTTIN, "SIGTTIN"}, {SIGTTOU, "SIGTTOU"},
	    {SIGURG, "SIGURG"},       {SIGXCPU, "SIGXCPU"}, {SIGXFSZ, "SIGXFSZ"},
	    {SIGVTALRM, "SIGVTALRM"}, {SIGPROF, "SIGPROF"}, {SIGWINCH, "SIGWINCH"},
	    {SIGSYS, "SIGSYS"},
#ifdef SIGSTKFLT
	    {SIGSTKFLT, "SIGSTKFLT"},
#endif
#ifdef SIGIO
	    {SIGIO, "SIGIO"},
#endif
#ifdef SIGPWR
	    {SIGPWR, "SIGPWR"},
#endif
	};
	static char unknown[24];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].sig == sig)
			return names[i].name;
	snprintf(unknown, sizeof(unknown), "SIG%d", sig);
	return unknown;
}
