/*
 * Unit tests of res.h on Windows (win32/res.c): the tree of this process and of a
 * child chain, a vanished tree, host facts, free disk space. Runs under Wine too, where
 * some counters are 0: those checks are skipped with the reason printed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "exitcode.h"
#include "os.h"
#include "res.h"
#include "win32.h"
#include "banned.h"

static void skip(const char *what, const char *why)
{
	printf("skip: %s: %s\n", what, why);
}

/* Start self with arg; the child is left running (or finished) for the caller. */
static int spawn(const char *self, const char *arg, DWORD flags, PROCESS_INFORMATION *pi)
{
	STARTUPINFOW si;
	char line[1200];
	wchar_t *cmd;
	BOOL ok;

	snprintf(line, sizeof(line), "\"%s\" %s", self, arg);
	cmd = soak_w32_utf16(line, (size_t)-1);
	if (cmd == NULL)
		return -1;
	memset(&si, 0, sizeof(si));
	si.cb = sizeof(si);
	ok = CreateProcessW(NULL, cmd, NULL, NULL, FALSE, flags, NULL, NULL, &si, pi);
	free(cmd);
	return ok ? 0 : -1;
}

static void test_self(void)
{
	struct soak_res r, peak = {0};
	struct soak_err err = {0};
	volatile double x = 0;

	/* some CPU time to see */
	for (long i = 0; i < 20000000; i++)
		x += (double)i;
	CHECK_INT(soak_res_tree(soak_os_getpid(), &r, &err), 0);
	CHECK_INT(r.procs, 1);
	CHECK(r.threads >= 1);
	if (r.rss_bytes == 0 && soak_w32_is_wine())
		skip("rss of self", "Wine reports a working set of 0");
	else
		CHECK(r.rss_bytes > 1024 * 1024);
	if (r.open_fds == 0 && soak_w32_is_wine())
		skip("handle count of self", "Wine reports 0 handles");
	else
		CHECK(r.open_fds > 0);
	if (r.cpu_user_s + r.cpu_sys_s == 0 && soak_w32_is_wine())
		skip("cpu time of self", "Wine reports no process times");
	else
		CHECK(r.cpu_user_s + r.cpu_sys_s > 0);
	soak_res_peak(&peak, &r);
	CHECK(peak.rss_bytes == r.rss_bytes && peak.threads == r.threads && peak.procs == 1);
}

static void test_tree(const char *self)
{
	struct soak_res r;
	struct soak_err err = {0};
	PROCESS_INFORMATION pi;
	int procs = 0;

	JOBOBJECT_EXTENDED_LIMIT_INFORMATION lim;
	HANDLE job = CreateJobObjectW(NULL, NULL);

	/* a chain: child -> grandchild -> great-grandchild, in a job that ends them all */
	memset(&lim, 0, sizeof(lim));
	lim.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
	CHECK(job != NULL &&
	      SetInformationJobObject(job, JobObjectExtendedLimitInformation, &lim, sizeof(lim)));
	if (spawn(self, "--chain 2", CREATE_SUSPENDED, &pi) < 0) {
		CHECK(!"cannot start a child");
		return;
	}
	CHECK(job != NULL && AssignProcessToJobObject(job, pi.hProcess));
	ResumeThread(pi.hThread);
	for (int i = 0; i < 100 && procs < 3; i++) {
		soak_os_sleep_ms(50);
		CHECK_INT(soak_res_tree((long)pi.dwProcessId, &r, &err), 0);
		procs = (int)r.procs;
	}
	CHECK_INT(procs, 3);
	CHECK(r.threads >= 3);
	/* the test itself is not in its child's tree */
	CHECK_INT(soak_res_tree(soak_os_getpid(), &r, &err), 0);
	CHECK(r.procs >= 4);
	CloseHandle(job);
	TerminateProcess(pi.hProcess, 0);
	WaitForSingleObject(pi.hProcess, 5000);
	CloseHandle(pi.hProcess);
	CloseHandle(pi.hThread);
	/* a vanished tree gives zeros */
	CHECK_INT(soak_res_tree((long)pi.dwProcessId, &r, &err), 0);
	CHECK_INT(r.procs, 0);
	CHECK_INT(r.rss_bytes, 0);
	CHECK_INT(soak_res_tree(-1, &r, &err), 0);
	CHECK_INT(r.procs, 0);
}

static void test_host(void)
{
	struct soak_host h;
	struct soak_err err = {0};
	uint64_t avail = 0, fr = 0, total = 0;
	unsigned a, b, c;
	wchar_t wt[MAX_PATH];
	char *tmp, file[MAX_PATH * 3];
	int fd;

	CHECK_INT(soak_host_read(&h, &err), 0);
	CHECK_STR(h.os, "windows");
	CHECK(sscanf(h.kernel, "%u.%u.%u", &a, &b, &c) == 3);
	printf("host: %s %s %s '%s' %d cpus, %llu MiB\n", h.os, h.kernel, h.arch, h.hostname,
	       h.cpus, (unsigned long long)(h.mem_total >> 20));
	CHECK_STR(h.arch, "x86_64");
	CHECK(h.hostname[0] != '\0');
	CHECK(h.cpus >= 1);
	CHECK(h.mem_total > 0);
	CHECK(h.mem_avail > 0 && h.mem_avail <= h.mem_total);
	CHECK_INT(soak_host_mem_avail(&avail, &err), 0);
	CHECK(avail > 0);

	CHECK_INT(soak_disk_free("C:\\", &fr, &total, &err), 0);
	CHECK(fr > 0 && total >= fr);
	/* a file: its directory's file system */
	if (GetTempPathW(MAX_PATH, wt) && (tmp = soak_w32_utf8(wt, (size_t)-1))) {
		snprintf(file, sizeof(file), "%ssoak-res-XXXXXX", tmp);
		free(tmp);
		fd = soak_os_mkstemp(file);
		CHECK(fd >= 0);
		if (fd >= 0) {
			soak_os_close(fd);
			fr = 0;
			CHECK_INT(soak_disk_free(file, &fr, NULL, &err), 0);
			CHECK(fr > 0);
			soak_os_unlink(file);
		}
	}
	CHECK_INT(soak_disk_free("C:\\no\\such\\dir", &fr, &total, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_INPUT);
	CHECK_INT(fr, 0);
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "--chain")) {
		/* one level of the chain: start the next, then wait to be ended */
		int depth = argv[2][0] - '0';
		PROCESS_INFORMATION pi;

		if (depth > 0 && spawn(argv[0], depth == 2 ? "--chain 1" : "--chain 0", 0, &pi) < 0)
			return 1;
		Sleep(30000);
		if (depth > 0)
			TerminateProcess(pi.hProcess, 0);
		return 0;
	}
	if (soak_w32_is_wine())
		printf("running under Wine\n");
	test_self();
	test_tree(argv[0]);
	test_host();
	return check_done();
}
