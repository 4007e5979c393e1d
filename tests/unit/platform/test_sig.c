/* Unit tests of the signal layer (sig.h): caught signals, the self-pipe, sleeps. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "check.h"
#include "sig.h"
#include "clock.h"
#include "banned.h"

int main(void)
{
	struct soak_err err = {0};
	int64_t t0;
	int fds[2];

	/* Before init, a sleep is a plain sleep. */
	t0 = soak_mono_ms();
	CHECK_INT(soak_sig_sleep(30), 0);
	CHECK(soak_mono_ms() - t0 >= 30);

	CHECK_INT(soak_sig_init(&err), 0);
	CHECK_INT(soak_sig_init(&err), 0); /* twice is fine */
	CHECK_INT(soak_sig_caught(), 0);
	t0 = soak_mono_ms();
	CHECK_INT(soak_sig_sleep(50), 0);
	CHECK(soak_mono_ms() - t0 >= 50);
	CHECK(soak_mono_ms() - t0 < 1000);

	/* SIGPIPE is ignored: a write to a pipe without reader fails with EPIPE. */
	CHECK_INT(pipe(fds), 0);
	close(fds[0]);
	errno = 0;
	CHECK_INT(write(fds[1], "x", 1), -1);
	CHECK_INT(errno, EPIPE);
	close(fds[1]);

	CHECK_INT(raise(SIGTERM), 0);
	CHECK_INT(soak_sig_caught(), SIGTERM);
	t0 = soak_mono_ms();
	CHECK_INT(soak_sig_sleep(5000), 1);
	CHECK(soak_mono_ms() - t0 < 1000);
	/* It stays caught, and the first signal is the one that counts. */
	CHECK_INT(soak_sig_sleep(5000), 1);
	CHECK_INT(raise(SIGINT), 0);
	CHECK_INT(raise(SIGHUP), 0);
	CHECK_INT(soak_sig_caught(), SIGTERM);
	CHECK_INT(soak_sig_sleep(5000), 1);

	CHECK_INT(soak_sig_exit_code(SIGINT), 130);
	CHECK_INT(soak_sig_exit_code(SIGTERM), 143);
	CHECK_INT(soak_sig_exit_code(SIGHUP), 129);
	CHECK_INT(soak_sig_exit_code(SIGKILL), 137);
	CHECK_STR(soak_sig_name(SIGTERM), "SIGTERM");
	CHECK_STR(soak_sig_name(SIGINT), "SIGINT");
	CHECK_STR(soak_sig_name(SIGHUP), "SIGHUP");
	CHECK_STR(soak_sig_name(SIGKILL), "SIGKILL");
	CHECK_STR(soak_sig_name(SIGSEGV), "SIGSEGV");
	CHECK_STR(soak_sig_name(200), "SIG200");
	return check_done();
}
