/*
 * Unit tests of soak_proc_reap_orphans() and of the reaping at the end of
 * soak_proc_kill_tree(): a daemon that exits by itself before any kill_tree leaves
 * zombies re-parented to us (the subreaper) that no tree links to; they must be
 * reaped, while the zombie root of another live soak_proc must be left for its
 * owner to collect.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/types.h>

#include "check.h"
#include "proc.h"
#include "clock.h"
#include "banned.h"

#ifndef SOAK_HELPERS_DIR
#error "SOAK_HELPERS_DIR must name the directory of the helper programs"
#endif

static char tmpdir[256];

/* State and parent of pid from /proc/<pid>/stat; state '\0' when it is gone. */
static char proc_state(long pid, long *ppid)
{
	char path[64], buf[1024], state = '\0';
	const char *s;
	FILE *f;

	*ppid = 0;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return '\0';
	if (!fgets(buf, sizeof(buf), f) || !(s = strrchr(buf, ')')) ||
	    sscanf(s + 1, " %c %ld", &state, ppid) != 2)
		state = '\0';
	fclose(f);
	return state;
}

/* Our zombie children, by a scan of /proc. */
static int count_zombie_children(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char *end;
		long pid, ppid;
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		errno = 0;
		pid = strtol(de->d_name, &end, 10);
		if (errno || *end)
			continue;
		if (proc_state(pid, &ppid) == 'Z' && ppid == (long)getpid())
			n++;
	}
	closedir(d);
	return n;
}

/* Wait up to ms for the number of our zombie children to be n. */
static int wait_zombie_children(int n, int64_t ms)
{
	int64_t deadline = soak_mono_ms() + ms;

	while (count_zombie_children() != n) {
		if (soak_mono_ms() >= deadline)
			return 0;
		usleep(5000);
	}
	return 1;
}

/* Wait up to ms for pid to be a zombie child of ours (never reaping it). */
static int wait_our_zombie(long pid, int64_t ms)
{
	int64_t deadline = soak_mono_ms() + ms;
	long ppid;

	while (!(proc_state(pid, &ppid) == 'Z' && ppid == (long)getpid())) {
		if (soak_mono_ms() >= deadline)
			return 0;
		usleep(5000);
	}
	return 1;
}

static long read_pidfile(const char *path, int64_t ms)
{
	int64_t deadline = soak_mono_ms() + ms;
	long pid = 0;

	for (;;) {
		FILE *f = fopen(path, "r");
		if (f) {
			if (fscanf(f, "%ld", &pid) != 1)
				pid = 0;
			fclose(f);
		}
		if (pid > 0 || soak_mono_ms() >= deadline)
			return pid;
		usleep(5000);
	}
}

static struct soak_proc *start(char *const *argv)
{
	struct soak_spawn sp = {.argv = argv, .output = SOAK_PROC_NULL, .stdin_null = 1};
	struct soak_err err = {0};
	struct soak_proc *p = NULL;
	int rc = soak_proc_start(&sp, &p, &err);

	CHECK_INT(rc, 0);
	if (rc != 0)
		fprintf(stderr, "start failed: %s\n", err.msg);
	return p;
}

/*
 * A registered root that has exited with code, and is left a zombie: its status
 * is not collected (no wait), so reaping it would lose it.
 */
static struct soak_proc *start_zombie_root(int code)
{
	char script[32];
	char *argv[] = {"sh", "-c", script, NULL};
	struct soak_proc *p;

	snprintf(script, sizeof(script), "exit %d", code);
	p = start(argv);
	if (p)
		CHECK(wait_our_zombie(soak_proc_pid(p), 10000));
	return p;
}

/*
 * Start `daemonize PIDFILE --exit-now`, collect its root, and wait until the
 * middle process and the grandchild of the double fork are both zombies of ours.
 * Returns the root (exited and reaped) or NULL.
 */
static struct soak_proc *start_exiting_daemon(const char *pidfile, int zombies_before)
{
	char *argv[] = {SOAK_HELPERS_DIR "/daemonize", (char *)pidfile, "--exit-now", NULL};
	struct soak_err err = {0};
	struct soak_proc_status st;
	struct soak_proc *p;
	long gpid;

	unlink(pidfile);
	p = start(argv);
	if (!p)
		return NULL;
	CHECK_INT(soak_proc_wait(p, 10000, -1, NULL, &err), 1);
	soak_proc_get_status(p, &st);
	CHECK_INT(st.exited, 1);
	CHECK_INT(st.exit_code, 0);
	gpid = read_pidfile(pidfile, 10000);
	CHECK(gpid > 0);
	if (gpid > 0)
		CHECK(wait_our_zombie(gpid, 10000));
	/* The middle process re-parents to us too once the root is gone. */
	CHECK(wait_zombie_children(zombies_before + 2, 10000));
	return p;
}

/* Collect the status of a zombie root: it must still be there. */
static void check_root_status(struct soak_proc *p, int code)
{
	struct soak_err err = {0};
	struct soak_proc_status st;
	long ppid;
	int killed = -1;

	CHECK_INT(proc_state(soak_proc_pid(p), &ppid), 'Z');
	CHECK_INT(soak_proc_wait(p, 10000, -1, NULL, &err), 1);
	soak_proc_get_status(p, &st);
	CHECK_INT(st.exited, 1);
	CHECK_INT(st.exit_code, code);
	CHECK_INT(st.signal, 0);
	CHECK_INT(soak_proc_kill_tree(p, 1000, NULL, &killed, &err), 0);
	CHECK_INT(killed, 0);
}

static void test_kill_tree_reaps_orphans(void)
{
	char pidfile[512];
	struct soak_err err = {0};
	struct soak_proc *svc, *p;
	int killed = -1;

	snprintf(pidfile, sizeof(pidfile), "%s/exit-now.pid", tmpdir);
	CHECK_INT(count_zombie_children(), 0);
	/* Like soak-run's --service: long-lived, registered, and here already dead. */
	svc = start_zombie_root(5);
	if (!svc)
		return;
	CHECK_INT(count_zombie_children(), 1);
	p = start_exiting_daemon(pidfile, 1);
	if (p) {
		CHECK_INT(soak_proc_kill_tree(p, 1000, NULL, &killed, &err), 0);
		CHECK_INT(killed, 0);
		/* The orphans are gone; the service's root is not. */
		CHECK_INT(count_zombie_children(), 1);
		soak_proc_free(p);
	}
	check_root_status(svc, 5);
	soak_proc_free(svc);
	CHECK_INT(count_zombie_children(), 0);
	unlink(pidfile);
}

static void test_reap_orphans(void)
{
	char pidfile[512];
	struct soak_proc *svc, *p;

	snprintf(pidfile, sizeof(pidfile), "%s/exit-now.pid", tmpdir);
	/* Nothing to reap; and the roots freed before are no longer looked at. */
	CHECK_INT(soak_proc_reap_orphans(), 0);
	svc = start_zombie_root(9);
	if (!svc)
		return;
	CHECK_INT(soak_proc_reap_orphans(), 0);
	CHECK_INT(count_zombie_children(), 1);
	p = start_exiting_daemon(pidfile, 1);
	if (p) {
		/* The middle process and the grandchild; not the registered root. */
		CHECK_INT(soak_proc_reap_orphans(), 2);
		CHECK_INT(count_zombie_children(), 1);
		CHECK_INT(soak_proc_reap_orphans(), 0);
		soak_proc_free(p);
	}
	check_root_status(svc, 9);
	soak_proc_free(svc);
	CHECK_INT(count_zombie_children(), 0);
	unlink(pidfile);
}

/* A root freed without its status collected is no longer protected. */
static void test_freed_root_is_reaped(void)
{
	struct soak_proc *p = start_zombie_root(4);
	long pid, ppid;

	if (!p)
		return;
	pid = soak_proc_pid(p);
	CHECK_INT(soak_proc_reap_orphans(), 0);
	soak_proc_free(p);
	CHECK_INT(soak_proc_reap_orphans(), 1);
	CHECK_INT(proc_state(pid, &ppid), '\0');
	CHECK_INT(count_zombie_children(), 0);
}

int main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/soak-test-reap-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_kill_tree_reaps_orphans();
	test_reap_orphans();
	test_freed_root_is_reaped();
	rmdir(tmpdir);
	return check_done();
}
