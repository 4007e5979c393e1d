/* Unit tests of the process layer (proc.h) against real processes and the helpers. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "os.h"
#include "check.h"
#include "proc.h"
#include "sig.h"
#include "clock.h"
#include "exitcode.h"
#include "banned.h"

#ifndef SOAK_HELPERS_DIR
#error "SOAK_HELPERS_DIR must name the directory of the helper programs"
#endif

struct capture {
	char data[65536];
	size_t len;
	unsigned long long total;
	int calls;
};

static void on_output(void *ctx, const char *data, size_t n)
{
	struct capture *c = ctx;
	size_t room = sizeof(c->data) - 1 - c->len;
	size_t k = n < room ? n : room;

	memcpy(c->data + c->len, data, k);
	c->len += k;
	c->data[c->len] = '\0';
	c->total += n;
	c->calls++;
}

static char tmpdir[256];

static const char *helper(const char *name)
{
	static char path[4][1024];
	static int slot;
	char *p = path[slot++ % 4];
	snprintf(p, sizeof(path[0]), "%s/%s", SOAK_HELPERS_DIR, name);
	return p;
}

/* Start argv capturing output; returns NULL (and counts a failure) if it did not start. */
static struct soak_proc *start(char *const *argv, struct soak_err *err)
{
	struct soak_spawn sp = {.argv = argv, .output = SOAK_PROC_CAPTURE, .stdin_null = 1};
	struct soak_proc *p = NULL;
	int rc = soak_proc_start(&sp, &p, err);
	CHECK_INT(rc, 0);
	if (rc != 0)
		fprintf(stderr, "start failed: %s\n", err->msg);
	return p;
}

/* Wait until the captured output contains s or ms pass. */
static int wait_for_output(struct soak_proc *p, struct capture *c, const char *s, int64_t ms)
{
	struct soak_proc_io io = {on_output, c};
	struct soak_err err = {0};
	int64_t deadline = soak_mono_ms() + ms;

	while (!strstr(c->data, s)) {
		int64_t left = deadline - soak_mono_ms();
		/* wait returns at exit or timeout, not at output: look in short steps. */
		if (left <= 0 || soak_proc_wait(p, left < 20 ? left : 20, -1, &io, &err) != 0)
			return strstr(c->data, s) != NULL;
	}
	return 1;
}

static int pid_exists(long pid)
{
	return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

/* Our zombie children: a kill_tree that reaps what it should leaves none. */
static int count_zombie_children(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char path[300], buf[1024], state;
		int ppid;
		FILE *f;
		const char *s;
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && (s = strrchr(buf, ')')) &&
		    sscanf(s + 1, " %c %d", &state, &ppid) == 2 && ppid == getpid() && state == 'Z')
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

static void test_exit_code(void)
{
	char *argv[] = {"sh", "-c", "exit 7", NULL};
	struct soak_err err = {0};
	struct soak_proc_status st;
	struct soak_proc *p = start(argv, &err);
	int killed = -1;

	if (!p)
		return;
	CHECK(soak_proc_pid(p) > 0);
	soak_proc_get_status(p, &st);
	CHECK_INT(st.exited, 0);
	CHECK_INT(soak_proc_wait(p, 10000, -1, NULL, &err), 1);
	soak_proc_get_status(p, &st);
	CHECK_INT(st.exited, 1);
	CHECK_INT(st.exit_code, 7);
	CHECK_INT(st.signal, 0);
	/* A second wait after the exit answers at once. */
	CHECK_INT(soak_proc_wait(p, 10000, -1, NULL, &err), 1);
	CHECK_INT(soak_proc_kill_tree(p, 1000, NULL, &killed, &err), 0);
	CHECK_INT(killed, 0);
	soak_proc_free(p);
}

static void test_signal_status(void)
{
	char *argv[] = {"sh", "-c", "kill -TERM $$; sleep 5", NULL};
	char *argv2[] = {"sh", "-c", "kill -HUP $$; sleep 5", NULL};
	struct soak_err err = {0};
	struct soak_proc_status st;
	struct soak_proc *p;
	sigset_t hup, old;

	/* The child gets default dispositions and an empty mask, whatever ours are. */
	signal(SIGTERM, SIG_IGN);
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	sigprocmask(SIG_BLOCK, &hup, &old);
	p = start(argv, &err);
	if (p) {
		CHECK_INT(soak_proc_wait(p, 10000, -1, NULL, &err), 1);
		soak_proc_get_status(p, &st);
		CHECK_INT(st.exited, 1);
		CHECK_INT(st.exit_code, -1);
		CHECK_INT(st.signal, SIGTERM);
		CHECK_INT(soak_proc_kill_tree(p, 1000, NULL, NULL, &err), 0);
		soak_proc_free(p);
	}
	p = start(argv2, &err);
	if (p) {
		CHECK_INT(soak_proc_wait(p, 10000, -1, NULL, &err), 1);
		soak_proc_get_status(p, &st);
		CHECK_INT(st.signal, SIGHUP);
		CHECK_INT(soak_proc_kill_tree(p, 1000, NULL, NULL, &err), 0);
		soak_proc_free(p);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGTERM, SIG_DFL);
}

static void test_exec_errors(void)
{
	char *argv[] = {"nosuchcmd", NULL};
	char path[512];
	char *argv2[] = {path, NULL};
	char *argv3[] = {"/nonexistent/dir/prog", NULL};
	struct soak_spawn sp = {.argv = argv, .output = SOAK_PROC_CAPTURE};
	struct soak_err err = {0};
	struct soak_proc *p = (struct soak_proc *)&err; /* must be reset to NULL */
	int fd;

	CHECK_INT(soak_proc_start(&sp, &p, &err), -1);
	CHECK(p == NULL);
	CHECK_INT(err.code, SOAK_EXIT_INPUT);
	CHECK_STR(err.msg, "cannot run 'nosuchcmd': No such file or directory");

	snprintf(path, sizeof(path), "%s/not-executable", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK(write(fd, "#!/bin/sh\nexit 0\n", 17) == 17);
		close(fd);
	}
	sp.argv = argv2;
	memset(&err, 0, sizeof(err));
	CHECK_INT(soak_proc_start(&sp, &p, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_INPUT);
	{
		char want[700];
		snprintf(want, sizeof(want), "cannot run '%s': Permission denied", path);
		CHECK_STR(err.msg, want);
	}

	sp.argv = argv3;
	memset(&err, 0, sizeof(err));
	CHECK_INT(soak_proc_start(&sp, &p, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_INPUT);
	CHECK_STR(err.msg, "cannot run '/nonexistent/dir/prog': No such file or directory");

	/* A bad working directory is reported the same way, naming the directory. */
	{
		char *ok[] = {"true", NULL};
		sp.argv = ok;
		sp.cwd = "/nonexistent-dir";
		memset(&err, 0, sizeof(err));
		CHECK_INT(soak_proc_start(&sp, &p, &err), -1);
		CHECK_INT(err.code, SOAK_EXIT_INPUT);
		CHECK_STR(
		    err.msg,
		    "cannot change directory to '/nonexistent-dir': No such file or directory");
	}
	CHECK_INT(count_zombie_children(), 0);
}

static void test_output_env_cwd(void)
{
	char *argv[] = {"sh", "-c",
	                "printf 'hello\\n'; echo err >&2; printf '%s|%s|%s' \"$FOO\" \"$BAR\" "
	                "\"${#SOAK_TREE_TOKEN}\"; echo; pwd; read x && echo \"stdin:$x\"",
	                NULL};
	char *env[] = {"FOO=bar", "BAR=", NULL};
	struct soak_spawn sp = {.argv = argv,
	                        .output = SOAK_PROC_CAPTURE,
	                        .env_set = env,
	                        .cwd = tmpdir,
	                        .stdin_null = 1};
	struct capture c = {0};
	struct soak_proc_io io = {on_output, &c};
	struct soak_err err = {0};
	struct soak_proc_status st;
	struct soak_proc *p = NULL;
	char want[1024];

	setenv("FOO", "old", 1);
	setenv("BAR", "old", 1);
	CHECK_INT(soak_proc_start(&sp, &p, &err), 0);
	if (!p)
		return;
	CHECK_INT(soak_proc_wait(p, 10000, -1, &io, &err), 1);
	soak_proc_get_status(p, &st);
	CHECK_INT(st.exit_code, 1); /* read fails at EOF of /dev/null */
	snprintf(want, sizeof(want), "hello\nerr\nbar||32\n%s\n", tmpdir);
	CHECK_STR(c.data, want);
	CHECK_INT(soak_proc_kill_tree(p, 1000, &io, NULL, &err), 0);
	soak_proc_free(p);
	unsetenv("FOO");
	unsetenv("BAR");
}

static void test_output_null(void)
{
	char *argv[] = {"sh", "-c", "echo out; echo err >&2", NULL};
	struct soak_spawn sp = {.argv = argv, .output = SOAK_PROC_NULL, .stdin_null = 1};
	struct capture c = {0};
	struct soak_proc_io io = {on_output, &c};
	struct soak_err err = {0};
	struct soak_proc_status st;
	struct soak_proc *p = NULL;

	CHECK_INT(soak_proc_start(&sp, &p, &err), 0);
	if (!p)
		return;
	CHECK_INT(soak_proc_wait(p, 10000, -1, &io, &err), 1);
	soak_proc_get_status(p, &st);
	CHECK_INT(st.exit_code, 0);
	CHECK_INT(c.calls, 0);
	CHECK_INT(soak_proc_kill_tree(p, 1000, &io, NULL, &err), 0);
	soak_proc_free(p);
}

static void test_timeout_then_kill(void)
{
	char *argv[] = {"sleep", "30", NULL};
	struct soak_err err = {0};
	struct soak_proc_status st;
	struct soak_proc *p = start(argv, &err);
	int64_t t0;
	int killed = -1;

	if (!p)
		return;
	t0 = soak_mono_ms();
	CHECK_INT(soak_proc_wait(p, 200, -1, NULL, &err), 0);
	CHECK(soak_mono_ms() - t0 >= 200);
	CHECK(soak_mono_ms() - t0 < 2000);
	soak_proc_get_status(p, &st);
	CHECK_INT(st.exited, 0);
	t0 = soak_mono_ms();
	CHECK_INT(soak_proc_kill_tree(p, 5000, NULL, &killed, &err), 0);
	CHECK(soak_mono_ms() - t0 < 2000); /* sleep dies of SIGTERM at once */
	CHECK_INT(killed, 1);
	soak_proc_get_status(p, &st);
	CHECK_INT(st.exited, 1);
	CHECK_INT(st.signal, SIGTERM);
	CHECK_INT(st.exit_code, -1);
	CHECK(!pid_exists(soak_proc_pid(p)));
	soak_proc_free(p);
}

/* A caught signal wakes a wait that asks for it, not one that does not. Last: it stays caught. */
static void test_wake_on_signal(void)
{
	char *argv[] = {"sleep", "30", NULL};
	struct soak_err err = {0};
	struct soak_proc *p = start(argv, &err);
	int64_t t0;

	if (!p)
		return;
	CHECK_INT(soak_sig_init(&err), 0);
	CHECK_INT(raise(SIGINT), 0);
	CHECK_INT(soak_sig_caught(), SIGINT);
	t0 = soak_mono_ms();
	CHECK_INT(soak_proc_wait(p, 300, 0, NULL, &err), 0);
	CHECK(soak_mono_ms() - t0 >= 300);
	t0 = soak_mono_ms();
	CHECK_INT(soak_proc_wait(p, 5000, 1, NULL, &err), 0);
	CHECK(soak_mono_ms() - t0 < 1000);
	CHECK_INT(soak_proc_kill_tree(p, 1000, NULL, NULL, &err), 0);
	soak_proc_free(p);
}

static void test_tree_and_find_by_env(void)
{
	char *argv[] = {(char *)helper("forkbomb_tree"), "6", NULL};
	char mark[64], *env[] = {mark, NULL};
	struct soak_spawn sp = {.argv = argv, .output = SOAK_PROC_CAPTURE, .env_set = env};
	struct capture c = {0};
	struct soak_err err = {0};
	struct soak_proc *p = NULL;
	long pids[16];
	int killed = -1;

	snprintf(mark, sizeof(mark), "SOAK_TEST_MARK=tree-%ld", (long)getpid());
	CHECK_INT(soak_proc_start(&sp, &p, &err), 0);
	if (!p)
		return;
	CHECK(wait_for_output(p, &c, "ready\n", 10000));
	CHECK_INT(soak_proc_find_by_env("SOAK_TEST_MARK", mark + strlen("SOAK_TEST_MARK="), pids,
	                                16, &err),
	          7);
	CHECK_INT(soak_proc_find_by_env("SOAK_TEST_MARK", mark + strlen("SOAK_TEST_MARK="), pids, 3,
	                                &err),
	          3);
	CHECK_INT(soak_proc_find_by_env("SOAK_TEST_MARK", "no-such-value", pids, 16, &err), 0);
	/* A prefix of the value is not a match. */
	CHECK_INT(soak_proc_find_by_env("SOAK_TEST_MARK", "tree-", pids, 16, &err), 0);
	CHECK_INT(soak_proc_kill_tree(p, 5000, NULL, &killed, &err), 0);
	CHECK_INT(killed, 7);
	CHECK_INT(soak_proc_find_by_env("SOAK_TEST_MARK", mark + strlen("SOAK_TEST_MARK="), pids,
	                                16, &err),
	          0);
	CHECK_INT(count_zombie_children(), 0);
	soak_proc_free(p);
}

static void test_trees_are_separate(void)
{
	char *a_argv[] = {"sleep", "30", NULL};
	char *b_argv[] = {(char *)helper("forkbomb_tree"), "2", NULL};
	struct capture c = {0};
	struct soak_err err = {0};
	struct soak_proc_status st;
	struct soak_proc *a = start(a_argv, &err), *b = start(b_argv, &err);
	int killed = -1;

	if (a && b) {
		CHECK(wait_for_output(b, &c, "ready\n", 10000));
		CHECK_INT(soak_proc_kill_tree(b, 5000, NULL, &killed, &err), 0);
		CHECK_INT(killed, 3);
		CHECK_INT(soak_proc_wait(a, 0, -1, NULL, &err), 0);
		CHECK(pid_exists(soak_proc_pid(a)));
		soak_proc_get_status(a, &st);
		CHECK_INT(st.exited, 0);
	}
	if (b)
		soak_proc_free(b);
	if (a) {
		CHECK_INT(soak_proc_kill_tree(a, 5000, NULL, &killed, &err), 0);
		CHECK_INT(killed, 1);
		soak_proc_free(a);
	}
}

static void test_daemon_escapes(void)
{
	char pidfile[512];
	char *argv[] = {(char *)helper("daemonize"), pidfile, NULL};
	struct capture c = {0};
	struct soak_proc_io io = {on_output, &c};
	struct soak_err err = {0};
	struct soak_proc_status st;
	struct soak_proc *p;
	long dpid = 0;
	int64_t t0;
	int killed = -1;

	snprintf(pidfile, sizeof(pidfile), "%s/daemon.pid", tmpdir);
	p = start(argv, &err);
	if (!p)
		return;
	t0 = soak_mono_ms();
	/* The grandchild holds the pipe open: wait must return at the root's exit anyway. */
	CHECK_INT(soak_proc_wait(p, 20000, -1, &io, &err), 1);
	CHECK(soak_mono_ms() - t0 < 3000);
	soak_proc_get_status(p, &st);
	CHECK_INT(st.exit_code, 0);

	for (int i = 0; i < 500 && dpid <= 0; i++) {
		FILE *f = fopen(pidfile, "r");
		if (f) {
			if (fscanf(f, "%ld", &dpid) != 1)
				dpid = 0;
			fclose(f);
		}
		if (dpid <= 0)
			usleep(10000);
	}
	CHECK(dpid > 0);
	if (dpid <= 0)
		return;
	CHECK(pid_exists(dpid));
	t0 = soak_mono_ms();
	CHECK_INT(soak_proc_kill_tree(p, 5000, &io, &killed, &err), 0);
	CHECK(soak_mono_ms() - t0 < 3000);
	CHECK_INT(killed, 1);
	CHECK(!pid_exists(dpid));
	/* The middle process of the double fork was reaped too. */
	CHECK_INT(count_zombie_children(), 0);
	soak_proc_free(p);
	unlink(pidfile);
}

static void test_ignore_term(void)
{
	char *argv[] = {(char *)helper("ignore_term"), NULL};
	struct capture c = {0};
	struct soak_err err = {0};
	struct soak_proc_status st;
	struct soak_proc *p = start(argv, &err);
	int64_t t0, took;
	int killed = -1;

	if (!p)
		return;
	CHECK(wait_for_output(p, &c, "ready\n", 10000));
	t0 = soak_mono_ms();
	CHECK_INT(soak_proc_kill_tree(p, 300, NULL, &killed, &err), 0);
	took = soak_mono_ms() - t0;
	CHECK(took >= 300);
	CHECK(took < 3000);
	CHECK_INT(killed, 1);
	soak_proc_get_status(p, &st);
	CHECK_INT(st.exited, 1);
	CHECK_INT(st.signal, SIGKILL);
	soak_proc_free(p);
}

static void test_zombie_in_tree(void)
{
	/* The subshell exits at once and stays a zombie of sleep, which never reaps it. */
	char *argv[] = {"sh", "-c", "(exit 3) & exec sleep 30", NULL};
	struct soak_err err = {0};
	struct soak_proc *p = start(argv, &err);
	int killed = -1;

	if (!p)
		return;
	CHECK_INT(soak_proc_wait(p, 300, -1, NULL, &err), 0);
	CHECK_INT(soak_proc_kill_tree(p, 5000, NULL, &killed, &err), 0);
	CHECK_INT(killed, 1); /* the zombie was not signalled, only reaped */
	CHECK_INT(count_zombie_children(), 0);
	soak_proc_free(p);
}

static void test_stopped(void)
{
	char *argv[] = {"sleep", "30", NULL};
	struct soak_err err = {0};
	struct soak_proc_status st;
	struct soak_proc *p = start(argv, &err);
	int64_t t0;
	int killed = -1;

	if (!p)
		return;
	CHECK_INT(kill((pid_t)soak_proc_pid(p), SIGSTOP), 0);
	usleep(50000);
	t0 = soak_mono_ms();
	CHECK_INT(soak_proc_kill_tree(p, 5000, NULL, &killed, &err), 0);
	CHECK(soak_mono_ms() - t0 < 2000); /* continued, so SIGTERM ended it */
	CHECK_INT(killed, 1);
	soak_proc_get_status(p, &st);
	CHECK_INT(st.signal, SIGTERM);
	soak_proc_free(p);
}

static void test_spew(void)
{
	char *argv[] = {(char *)helper("spew"), "64M", NULL};
	struct capture c = {0};
	struct soak_proc_io io = {on_output, &c};
	struct soak_err err = {0};
	struct soak_proc_status st;
	struct soak_proc *p = start(argv, &err);
	int rc;

	if (!p)
		return;
	while ((rc = soak_proc_wait(p, 100, -1, &io, &err)) == 0)
		;
	CHECK_INT(rc, 1);
	soak_proc_get_status(p, &st);
	CHECK_INT(st.exit_code, 0);
	CHECK(st.cpu_user_s + st.cpu_sys_s >= 0.0);
	CHECK_INT(soak_proc_kill_tree(p, 1000, &io, NULL, &err), 0);
	CHECK_INT(c.total, 64ULL * 1024 * 1024);
	CHECK(!strncmp(c.data, "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk\n",
	               64));
	soak_proc_free(p);
}

static void test_cpu_time(void)
{
	char *argv[] = {"sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done", NULL};
	struct soak_err err = {0};
	struct soak_proc_status st;
	struct soak_proc *p = start(argv, &err);

	if (!p)
		return;
	CHECK_INT(soak_proc_wait(p, 60000, -1, NULL, &err), 1);
	soak_proc_get_status(p, &st);
	CHECK_INT(st.exit_code, 0);
	CHECK(st.cpu_user_s + st.cpu_sys_s > 0.01);
	CHECK_INT(soak_proc_kill_tree(p, 1000, NULL, NULL, &err), 0);
	soak_proc_free(p);
}

static void test_kill_pids(void)
{
	char *argv[] = {"sleep", "30", NULL};
	struct soak_err err = {0};
	struct soak_proc_status st;
	struct soak_proc *p = start(argv, &err);
	long pids[2];

	if (!p)
		return;
	pids[0] = soak_proc_pid(p);
	pids[1] = 999999999; /* no such process */
	CHECK_INT(soak_proc_kill_pids(pids, 2, 2000), 1);
	CHECK(!pid_exists(pids[0]));
	/* kill_pids reaped it; the process layer still ends cleanly. */
	CHECK_INT(soak_proc_kill_tree(p, 1000, NULL, NULL, &err), 0);
	soak_proc_get_status(p, &st);
	CHECK_INT(st.exited, 1);
	soak_proc_free(p);
}

static void test_which(void)
{
	char *w = soak_proc_which("sh");
	char *saved = soak_os_getenv("PATH") ? strdup(soak_os_getenv("PATH")) : NULL;

	CHECK(w != NULL);
	if (w) {
		CHECK(w[0] == '/');
		CHECK_INT(access(w, X_OK), 0);
		CHECK_STR(strrchr(w, '/'), "/sh");
	}
	free(w);
	errno = 0;
	CHECK(soak_proc_which("nosuchcmd") == NULL);
	CHECK_INT(errno, ENOENT);
	errno = 0;
	CHECK(soak_proc_which("") == NULL);
	CHECK_INT(errno, ENOENT);

	/* A match that is not executable gives EACCES, and later PATH entries are searched. */
	{
		char file[512], pathvar[1200];
		int fd;
		snprintf(file, sizeof(file), "%s/soaktestprog", tmpdir);
		fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		CHECK(fd >= 0);
		if (fd >= 0)
			close(fd);
		snprintf(pathvar, sizeof(pathvar), "%s:/nonexistent", tmpdir);
		setenv("PATH", pathvar, 1);
		errno = 0;
		CHECK(soak_proc_which("soaktestprog") == NULL);
		CHECK_INT(errno, EACCES);
		chmod(file, 0755);
		w = soak_proc_which("soaktestprog");
		CHECK_STR(w, file);
		free(w);
		unlink(file);
	}
	if (saved)
		setenv("PATH", saved, 1);
	free(saved);
}

int main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/soak-test-proc-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	{
		/* The expected pwd output is the real path. */
		char *real = realpath(tmpdir, NULL);
		if (real) {
			snprintf(tmpdir, sizeof(tmpdir), "%s", real);
			free(real);
		}
	}
	test_exit_code();
	test_signal_status();
	test_exec_errors();
	test_output_env_cwd();
	test_output_null();
	test_timeout_then_kill();
	test_tree_and_find_by_env();
	test_trees_are_separate();
	test_daemon_escapes();
	test_ignore_term();
	test_zombie_in_tree();
	test_stopped();
	test_spew();
	test_cpu_time();
	test_kill_pids();
	test_which();
	test_wake_on_signal();
	{
		char path[512];
		snprintf(path, sizeof(path), "%s/not-executable", tmpdir);
		unlink(path);
		rmdir(tmpdir);
	}
	return check_done();
}
