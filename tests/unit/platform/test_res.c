/* Unit tests of resource sampling (res.h) on this process and on child trees. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "check.h"
#include "res.h"
#include "exitcode.h"
#include "banned.h"

#define MB (1024ULL * 1024)

/* A child that allocates and touches size bytes, says so through a pipe, then waits. */
static pid_t start_hog(size_t size)
{
	int fds[2];
	pid_t pid;
	char c;

	if (pipe(fds) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		char *mem = malloc(size);
		close(fds[0]);
		if (!mem)
			_exit(1);
		memset(mem, 0x5a, size);
		__asm__ volatile("" : : "r"(mem) : "memory"); /* the pages must really be touched */
		if (write(fds[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(fds[1]);
	if (pid < 0 || read(fds[0], &c, 1) != 1) {
		close(fds[0]);
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		return -1;
	}
	close(fds[0]);
	return pid;
}

/* A child with grandchildren: each level forks, the leaves pause; ready when the pipe closes. */
static pid_t start_tree(int depth)
{
	int fds[2];
	pid_t pid;
	char c;

	if (pipe(fds) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0); /* so the test can end the whole tree by its group */
		close(fds[0]);
		for (int i = 0; i < depth; i++) {
			pid_t k = fork();
			if (k < 0)
				_exit(1);
			if (k > 0)
				break; /* the parent stays; the child goes on one level down */
		}
		close(fds[1]);
		for (;;)
			pause();
	}
	close(fds[1]);
	while (read(fds[0], &c, 1) > 0)
		;
	close(fds[0]);
	return pid;
}

static void stop_child(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void test_self(void)
{
	struct soak_res r;
	struct soak_err err = {0};

	CHECK_INT(soak_res_tree((long)getpid(), &r, &err), 0);
	CHECK(r.rss_bytes > 0);
	CHECK(r.threads >= 1);
	CHECK(r.open_fds >= 3);
	CHECK_INT(r.procs, 1);
	CHECK(r.cpu_user_s >= 0.0 && r.cpu_sys_s >= 0.0);
}

static void test_hog(void)
{
	struct soak_res r, base;
	struct soak_err err = {0};
	pid_t pid = start_hog(50 * MB);

	CHECK(pid > 0);
	if (pid <= 0)
		return;
	CHECK_INT(soak_res_tree((long)pid, &r, &err), 0);
	CHECK(r.rss_bytes >= 50 * MB);
	CHECK_INT(r.procs, 1);
	CHECK_INT(r.threads, 1);
	/* The tree of this process now holds the hog too. */
	CHECK_INT(soak_res_tree((long)getpid(), &base, &err), 0);
	CHECK_INT(base.procs, 2);
	CHECK(base.rss_bytes >= r.rss_bytes);
	stop_child(pid);
	/* A vanished tree gives zeros, not an error. */
	memset(&r, 0xff, sizeof(r));
	CHECK_INT(soak_res_tree((long)pid, &r, &err), 0);
	CHECK_INT(r.procs, 0);
	CHECK_INT(r.rss_bytes, 0);
	CHECK_INT(r.threads, 0);
	CHECK_INT(r.open_fds, 0);
}

static void test_tree(void)
{
	struct soak_res r;
	struct soak_err err = {0};
	pid_t pid = start_tree(3); /* the child, its child, grandchild, great-grandchild */

	CHECK(pid > 0);
	if (pid <= 0)
		return;
	CHECK_INT(soak_res_tree((long)pid, &r, &err), 0);
	CHECK_INT(r.procs, 4);
	CHECK_INT(r.threads, 4);
	CHECK(r.open_fds >= 4 * 3);
	CHECK(r.rss_bytes > 0);
	/* Kill the top: its descendants re-parent away and stop counting as its tree. */
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	CHECK_INT(soak_res_tree((long)pid, &r, &err), 0);
	CHECK_INT(r.procs, 0);
	kill(-pid, SIGKILL); /* the orphans, by their group */
}

static void test_peak(void)
{
	struct soak_res peak = {0};
	struct soak_res a = {.rss_bytes = 100,
	                     .cpu_user_s = 1.0,
	                     .cpu_sys_s = 0.5,
	                     .threads = 4,
	                     .open_fds = 10,
	                     .procs = 2};
	struct soak_res b = {.rss_bytes = 50,
	                     .cpu_user_s = 0.2,
	                     .cpu_sys_s = 2.0,
	                     .threads = 8,
	                     .open_fds = 5,
	                     .procs = 1};

	soak_res_peak(&peak, &a);
	CHECK_INT(peak.rss_bytes, 100);
	CHECK_NEAR(peak.cpu_user_s, 1.0, 1e-12);
	soak_res_peak(&peak, &b);
	CHECK_INT(peak.rss_bytes, 100);
	CHECK_INT(peak.threads, 8);
	CHECK_INT(peak.open_fds, 10);
	CHECK_INT(peak.procs, 2);
	/* b's total CPU (2.2 s) is larger than a's (1.5 s): both cpu fields come from b. */
	CHECK_NEAR(peak.cpu_user_s, 0.2, 1e-12);
	CHECK_NEAR(peak.cpu_sys_s, 2.0, 1e-12);
}

static void test_host(void)
{
	struct soak_host h;
	struct soak_err err = {0};
	struct utsname u;
	char hn[256] = "";
	uint64_t avail = 0;

	CHECK_INT(soak_host_read(&h, &err), 0);
	CHECK_INT(uname(&u), 0);
	CHECK_STR(h.os, "linux");
	CHECK_STR(h.kernel, u.release);
	CHECK_STR(h.arch, u.machine);
	CHECK_INT(gethostname(hn, sizeof(hn) - 1), 0);
	CHECK_STR(h.hostname, hn);
	CHECK_INT(h.cpus, sysconf(_SC_NPROCESSORS_ONLN));
	CHECK(h.cpus >= 1);
	CHECK(h.mem_total >= 64 * MB);
	CHECK(h.mem_avail > 0);
	CHECK(h.mem_avail <= h.mem_total);
	CHECK_INT(soak_host_mem_avail(&avail, &err), 0);
	CHECK(avail > 0 && avail <= h.mem_total);
}

static void test_disk(void)
{
	struct soak_err err = {0};
	uint64_t fr = 0, total = 0;

	CHECK_INT(soak_disk_free("/", &fr, &total, &err), 0);
	CHECK(fr > 0);
	CHECK(total >= fr);
	CHECK_INT(soak_disk_free("/nonexistent-soak-dir", &fr, &total, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_INPUT);
	CHECK_STR(err.msg, "cannot read the free space of '/nonexistent-soak-dir': No such file or "
	                   "directory");
	CHECK_INT(fr, 0);
}

int main(void)
{
	test_self();
	test_hog();
	test_tree();
	test_peak();
	test_host();
	test_disk();
	return check_done();
}
