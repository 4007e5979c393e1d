/*
 * Signals on Windows: there are none to catch from outside, only console control
 * events. Ctrl-C reads as SIGINT (exit code 130); Ctrl-Break, closing the console
 * window, logoff and shutdown read as SIGTERM (143). A CI runner's cancel sends
 * Ctrl-C, then Ctrl-Break, then kills, so the first one decides. The C runtime's
 * signal() handlers for SIGINT, SIGTERM and SIGBREAK feed the same state, so
 * raise() works too (Wine does not deliver console events: the tests use that).
 * The state is a manual-reset event that is never reset, as the POSIX self-pipe
 * is never drained.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "sig.h"
#include "clock.h"
#include "exitcode.h"
#include "win32.h"
#include "banned.h"

/* POSIX numbers: the rest of the project reports and compares these. */
#define SOAK_SIGINT 2
#define SOAK_SIGTERM 15

/*
 * How long a close, logoff or shutdown event may hold the process: Windows ends
 * it when the handler returns, and after about 5 s anyway.
 */
#define SIG_CLOSE_HOLD_MS 4500

static HANDLE sig_event;  /* set once a signal was caught */
static HANDLE done_event; /* set at exit, releases a held close handler */
static volatile LONG sig_first;

static void caught(int sig)
{
	InterlockedCompareExchange(&sig_first, sig, 0);
	SetEvent(sig_event);
}

static BOOL WINAPI on_console(DWORD type)
{
	switch (type) {
	case CTRL_C_EVENT:
		caught(SOAK_SIGINT);
		return TRUE;
	case CTRL_BREAK_EVENT:
		caught(SOAK_SIGTERM);
		return TRUE;
	case CTRL_CLOSE_EVENT:
	case CTRL_LOGOFF_EVENT:
	case CTRL_SHUTDOWN_EVENT:
		caught(SOAK_SIGTERM);
		/* Returning lets Windows end us at once: give the main loop time to write. */
		WaitForSingleObject(done_event, SIG_CLOSE_HOLD_MS);
		return TRUE;
	default:
		return FALSE;
	}
}

static void on_crt_signal(int sig)
{
	/* The Microsoft C runtime resets the handler before calling it. */
	signal(sig, on_crt_signal);
	caught(sig == SIGINT ? SOAK_SIGINT : SOAK_SIGTERM);
}

static void release_close_handler(void)
{
	if (done_event)
		SetEvent(done_event);
}

int soak_sig_init(struct soak_err *err)
{
	if (sig_event)
		return 0;
	sig_event = CreateEventW(NULL, TRUE, FALSE, NULL);
	done_event = CreateEventW(NULL, TRUE, FALSE, NULL);
	if (!sig_event || !done_event) {
		int e = soak_w32_errno(GetLastError());
		if (sig_event)
			CloseHandle(sig_event);
		if (done_event)
			CloseHandle(done_event);
		sig_event = done_event = NULL;
		return soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot create the signal event");
	}
	if (atexit(release_close_handler) != 0)
		return soak_err_set(err, SOAK_EXIT_ENV,
		                    "cannot register the exit hook for signals");
	/*
	 * The C runtime's own console handler (behind signal(SIGINT)) was registered
	 * first; handlers run last-registered first, so ours takes every event.
	 */
	if (signal(SIGINT, on_crt_signal) == SIG_ERR || signal(SIGTERM, on_crt_signal) == SIG_ERR ||
	    signal(SIGBREAK, on_crt_signal) == SIG_ERR)
		return soak_err_set(err, SOAK_EXIT_ENV, "cannot catch SIGINT and SIGTERM");
	if (!SetConsoleCtrlHandler(on_console, TRUE))
		return soak_err_errno(err, SOAK_EXIT_ENV, soak_w32_errno(GetLastError()),
		                      "cannot catch console control events");
	return 0;
}

HANDLE soak_w32_sig_event(void)
{
	return sig_event;
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
		DWORD w = left <= 0 ? 0 : left > 1000000 ? 1000000 : (DWORD)left;

		if (sig_first)
			return 1;
		if (left <= 0)
			return 0;
		/* Before init there is no event: a plain sleep, as poll with fd -1 on POSIX. */
		if (!sig_event)
			Sleep(w);
		else if (WaitForSingleObject(sig_event, w) == WAIT_OBJECT_0)
			return 1;
	}
}

int soak_sig_exit_code(int sig)
{
	if (sig == SOAK_SIGINT)
		return SOAK_EXIT_SIGINT;
	if (sig == SOAK_SIGTERM)
		return SOAK_EXIT_SIGTERM;
	return 128 + sig;
}

const char *soak_sig_name(int sig)
{
	/* Linux numbering, which status.signal uses on every OS (proc.c sets 9 and 15). */
	static const char *const names[] = {
	    NULL,       "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",  "SIGTRAP",   "SIGABRT",
	    "SIGBUS",   "SIGFPE",  "SIGKILL",   "SIGUSR1", "SIGSEGV", "SIGUSR2",   "SIGPIPE",
	    "SIGALRM",  "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP",   "SIGTSTP",
	    "SIGTTIN",  "SIGTTOU", "SIGURG",    "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF",
	    "SIGWINCH", NULL,      NULL,        "SIGSYS",
	};
	static char unknown[24];

	if (sig > 0 && (size_t)sig < sizeof(names) / sizeof(names[0]) && names[sig])
		return names[sig];
	snprintf(unknown, sizeof(unknown), "SIG%d", sig);
	return unknown;
}
