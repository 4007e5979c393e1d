/*
 * Unit tests of the Windows process layer (win32/proc.c) against real processes:
 * cmd.exe, ping.exe and helper_argv.exe, which must sit beside this program.
 * Checks that Wine (8) cannot pass are skipped with a printed reason, decided at
 * run time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "proc.h"
#include "clock.h"
#include "exitcode.h"
#include "win32.h"
#include <tlhelp32.h>
#include "banned.h"

struct capture {
	char data[65536];
	size_t len;
};

static void on_output(void *ctx, const char *data, size_t n)
{
	struct capture *c = ctx;
	size_t room = sizeof(c->data) - 1 - c->len;
	size_t k = n < room ? n : room;

	memcpy(c->data + c->len, data, k);
	c->len += k;
	c->data[c->len] = '\0';
}

static void skip(const char *what, const char *why)
{
	printf("skip: %s: %s\n", what, why);
}

static int make_dir(const char *path);

static char helper[1024]; /* helper_argv.exe beside us, UTF-8 */
static char tmpdir[1024]; /* a fresh directory for files of these tests, no trailing '\' */

static void setup_paths(void)
{
	wchar_t w[MAX_PATH];
	DWORD n = GetModuleFileNameW(NULL, w, MAX_PATH);
	char *u;

	while (n > 0 && w[n - 1] != L'\\' && w[n - 1] != L'/')
		n--;
	w[n] = 0;
	u = soak_w32_utf8(w, (size_t)-1);
	snprintf(helper, sizeof(helper), "%shelper_argv.exe", u ? u : "");
	free(u);
	n = GetTempPathW(MAX_PATH, w);
	u = soak_w32_utf8(w, n);
	snprintf(tmpdir, sizeof(tmpdir), "%ssoak-proc-%lu", u ? u : "", GetCurrentProcessId());
	free(u);
	make_dir(tmpdir);
}

static int make_dir(const char *path)
{
	wchar_t *w = soak_w32_utf16(path, (size_t)-1);
	int ok = w && CreateDirectoryW(w, NULL);
	free(w);
	return ok ? 0 : -1;
}

static int write_file(const char *path, const char *data)
{
	wchar_t *w = soak_w32_utf16(path, (size_t)-1);
	HANDLE h = w ? CreateFileW(w, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL)
	             : INVALID_HANDLE_VALUE;
	DWORD done = 0;
	int ok = h != INVALID_HANDLE_VALUE &&
	         WriteFile(h, data, (DWORD)strlen(data), &done, NULL) && done == strlen(data);

	if (h != INVALID_HANDLE_VALUE)
		CloseHandle(h);
	free(w);
	return ok ? 0 : -1;
}

/* Running processes whose executable is name (case-insensitive). */
static int count_exe(const wchar_t *name)
{
	HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
	PROCESSENTRY32W pe;
	int n = 0;

	if (snap == INVALID_HANDLE_VALUE)
		return -1;
	pe.dwSize = sizeof(pe);
	for (BOOL ok = Process32FirstW(snap, &pe); ok; ok = Process32NextW(snap, &pe))
		if (!_wcsicmp(pe.szExeFile, name))
			n++;
	CloseHandle(snap);
	return n;
}

/* Run argv to its end with output captured; returns soak_proc_run's result. */
static int run(char *const *argv, char *const *env_set, const char *cwd, int64_t timeout_ms,
               struct capture *c, struct soak_proc_status *st)
{
	struct soak_spawn sp = {.argv = argv,
	                        .env_set = env_set,
	                        .cwd = cwd,
	                        .output = SOAK_PROC_CAPTURE,
	                        .stdin_null = 1};
	struct soak_proc_io io = {on_output, c};
	struct soak_err err = {0};
	int rc;

	memset(c, 0, sizeof(*c));
	rc = soak_proc_run(&sp, timeout_ms, 200, &io, st, &err);
	if (rc < 0)
		fprintf(stderr, "run '%s' failed: %s\n", argv[0], err.msg);
	return rc;
}

static void test_exit_code(void)
{
	char *argv[] = {"cmd", "/c", "exit 3", NULL};
	struct soak_proc_status st;
	struct capture c;

	CHECK_INT(run(argv, NULL, NULL, 30000, &c, &st), 1);
	CHECK_INT(st.exited, 1);
	CHECK_INT(st.exit_code, 3);
	CHECK_INT(st.signal, 0);
	CHECK(st.cpu_user_s >= 0 && st.cpu_sys_s >= 0);
	if (st.max_rss_bytes == 0 && soak_w32_is_wine())
		skip("max_rss_bytes > 0", "Wine reports no job or working-set peaks");
	else
		CHECK(st.max_rss_bytes > 0);
}

static void test_capture(void)
{
	char *argv[] = {"cmd", "/c", "echo hello", NULL};
	struct soak_proc_status st;
	struct capture c;

	CHECK_INT(run(argv, NULL, NULL, 30000, &c, &st), 1);
	CHECK_INT(st.exit_code, 0);
	CHECK(strstr(c.data, "hello") != NULL);
}

/* Output to the caller's own handles, and to NUL. */
static void test_inherit_and_null(void)
{
	char *argv[] = {"cmd", "/c", "exit 5", NULL};
	struct soak_spawn sp = {.argv = argv, .output = SOAK_PROC_INHERIT};
	struct soak_proc_status st;
	struct soak_err err = {0};

	CHECK_INT(soak_proc_run(&sp, 30000, 100, NULL, &st, &err), 1);
	CHECK_INT(st.exit_code, 5);
	sp.output = SOAK_PROC_NULL;
	sp.stdin_null = 1;
	CHECK_INT(soak_proc_run(&sp, 30000, 100, NULL, &st, &err), 1);
	CHECK_INT(st.exit_code, 5);
}

static void test_not_found(void)
{
	char *argv[] = {"soak-no-such-program", NULL};
	struct soak_spawn sp = {.argv = argv, .output = SOAK_PROC_NULL, .stdin_null = 1};
	struct soak_proc *p = NULL;
	struct soak_err err = {0};

	CHECK_INT(soak_proc_start(&sp, &p, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_INPUT);
	CHECK(strstr(err.msg, "cannot run 'soak-no-such-program'") != NULL);
	CHECK(p == NULL);
}

/* A tree past its deadline is ended whole: no ping.exe is left behind. */
static void test_timeout_kills_tree(void)
{
	char *argv[] = {"cmd", "/c", "ping -n 100 127.0.0.1 >NUL", NULL};
	struct soak_spawn sp = {.argv = argv, .output = SOAK_PROC_CAPTURE, .stdin_null = 1};
	struct soak_proc_status st;
	struct soak_proc *p = NULL;
	struct soak_err err = {0};
	int before = count_exe(L"ping.exe"), during = -1, killed = -1;
	int64_t t0;

	CHECK_INT(soak_proc_start(&sp, &p, &err), 0);
	if (!p)
		return;
	/* Until cmd.exe has started ping.exe. */
	for (int i = 0; i < 200 && (during = count_exe(L"ping.exe")) <= before; i++)
		Sleep(25);
	CHECK(during > before);
	CHECK_INT(soak_proc_wait(p, 300, 0, NULL, &err), 0);
	t0 = soak_mono_ms();
	CHECK_INT(soak_proc_kill_tree(p, 200, NULL, &killed, &err), 0);
	CHECK(soak_mono_ms() - t0 < 5000);
	CHECK_INT(killed, 2); /* cmd.exe and ping.exe */
	soak_proc_get_status(p, &st);
	CHECK_INT(st.exited, 1);
	CHECK_INT(st.signal, 9);
	CHECK_INT(st.exit_code, -1);
	soak_proc_free(p);
	CHECK_INT(count_exe(L"ping.exe"), before);
}

/* A grandchild that keeps the pipe open does not hold up the wait for the root. */
static void test_grandchild_holds_pipe(void)
{
	char *argv[] = {"cmd", "/c", "start /b ping -n 30 127.0.0.1", NULL};
	struct soak_spawn sp = {.argv = argv, .output = SOAK_PROC_CAPTURE, .stdin_null = 1};
	struct soak_proc_io io;
	struct soak_proc *p = NULL;
	struct soak_err err = {0};
	struct capture c = {0};
	int before = count_exe(L"ping.exe"), killed = -1;
	int64_t t0 = soak_mono_ms();

	io.on_output = on_output;
	io.ctx = &c;
	CHECK_INT(soak_proc_start(&sp, &p, &err), 0);
	if (!p)
		return;
	CHECK_INT(soak_proc_wait(p, 20000, 0, &io, &err), 1);
	CHECK(soak_mono_ms() - t0 < 10000);
	CHECK_INT(soak_proc_kill_tree(p, 100, &io, &killed, &err), 0);
	CHECK(killed >= 1); /* ping.exe, still running */
	soak_proc_free(p);
	CHECK_INT(count_exe(L"ping.exe"), before);
}

static void test_quoting(void)
{
	char *argv[] = {helper,
	                "plain",
	                "a b",
	                "",
	                "tab\there",
	                "q\"uote",
	                "back\\\\slash",
	                "trail\\",
	                "trail space\\",
	                "C:\\dir with space\\",
	                "\\\"",
	                "x\\\\\"y",
	                "\"\"",
	                "\xc3\xbcn\xc3\xaf"
	                "c\xc3\xb8"
	                "d\xc3\xa9 \xe2\x98\x83",
	                NULL};
	const char *want = "[plain]\n[a b]\n[]\n[tab\there]\n[q\"uote]\n[back\\\\slash]\n"
	                   "[trail\\]\n[trail space\\]\n[C:\\dir with space\\]\n[\\\"]\n"
	                   "[x\\\\\"y]\n[\"\"]\n"
	                   "[\xc3\xbcn\xc3\xaf"
	                   "c\xc3\xb8"
	                   "d\xc3\xa9 \xe2\x98\x83]\n";
	struct soak_proc_status st;
	struct capture c;

	CHECK_INT(run(argv, NULL, NULL, 30000, &c, &st), 1);
	CHECK_INT(st.exit_code, 0);
	CHECK_STR(c.data, want);
}

static void test_env_override(void)
{
	char *argv[] = {helper, "--env", "SOAK_W32_TEST", NULL};
	char *set[] = {"soak_w32_test=new \xe2\x98\x83", "OTHER_SOAK=1", NULL};
	struct soak_proc_status st;
	struct capture c;

	SetEnvironmentVariableW(L"SOAK_W32_TEST", L"old");
	CHECK_INT(run(argv, set, NULL, 30000, &c, &st), 1);
	CHECK_STR(c.data, "new \xe2\x98\x83\ncount=1\n");
	/* Without env_set, the inherited value. */
	CHECK_INT(run(argv, NULL, NULL, 30000, &c, &st), 1);
	CHECK_STR(c.data, "old\ncount=1\n");
	SetEnvironmentVariableW(L"SOAK_W32_TEST", NULL);
	{
		char *bad[] = {"NOEQUALS", NULL};
		struct soak_spawn sp = {.argv = argv, .env_set = bad, .output = SOAK_PROC_NULL};
		struct soak_proc *p = NULL;
		struct soak_err err = {0};
		CHECK_INT(soak_proc_start(&sp, &p, &err), -1);
		CHECK_INT(err.code, SOAK_EXIT_USAGE);
	}
}

static void test_cwd(void)
{
	char *argv[] = {helper, "--cwd", NULL};
	char dir[1200], want[1300];
	struct soak_proc_status st;
	struct capture c;

	snprintf(dir, sizeof(dir), "%s\\dir with space \xc3\xbc\xe2\x98\x83", tmpdir);
	CHECK_INT(make_dir(dir), 0);
	CHECK_INT(run(argv, NULL, dir, 30000, &c, &st), 1);
	snprintf(want, sizeof(want), "%s\n", dir);
	CHECK_STR(c.data, want);
	{
		char missing[1300];
		struct soak_spawn sp = {.argv = argv, .cwd = missing, .output = SOAK_PROC_NULL};
		struct soak_proc *p = NULL;
		struct soak_err err = {0};
		snprintf(missing, sizeof(missing), "%s\\nope", tmpdir);
		CHECK_INT(soak_proc_start(&sp, &p, &err), -1);
		CHECK(strstr(err.msg, "cannot change directory") != NULL);
	}
}

static int ends_with_i(const char *s, const char *suffix)
{
	size_t n = s ? strlen(s) : 0, m = strlen(suffix);
	return n >= m && !_stricmp(s + n - m, suffix);
}

static void test_which_and_batch(void)
{
	char *path, *old_path, file[1200], dir[1200];
	char *argv[] = {"soakbatch", "a b&c", "q\"x", "x^y", NULL};
	char *pct[] = {"soakbatch", "100%", "%PATH%", NULL};
	struct soak_proc_status st;
	struct capture c;
	wchar_t *wnew;
	DWORD n;

	path = soak_proc_which("cmd");
	CHECK(ends_with_i(path, "\\cmd.exe"));
	free(path);
	path = soak_proc_which("CMD.EXE");
	CHECK(ends_with_i(path, "\\cmd.exe"));
	free(path);
	errno = 0;
	CHECK(soak_proc_which("soak-no-such-program") == NULL);
	CHECK_INT(errno, ENOENT);

	/* A .cmd file on PATH, found without its extension, with '/' in the PATH entry too. */
	snprintf(dir, sizeof(dir), "%s\\bin dir", tmpdir);
	CHECK_INT(make_dir(dir), 0);
	snprintf(file, sizeof(file), "%s\\soakbatch.cmd", dir);
	CHECK_INT(write_file(file, "@echo off\r\necho batch [%1] [%2] [%3]\r\nexit /b 7\r\n"), 0);
	n = GetEnvironmentVariableW(L"PATH", NULL, 0);
	{
		wchar_t *w = malloc((n + 1) * sizeof(*w));
		GetEnvironmentVariableW(L"PATH", w, n + 1);
		old_path = soak_w32_utf8(w, (size_t)-1);
		free(w);
	}
	{
		char np[8192];
		for (char *s = dir; *s; s++)
			if (*s == '\\')
				*s = '/';
		snprintf(np, sizeof(np), "%s;\"%s\"", old_path ? old_path : "", dir);
		wnew = soak_w32_utf16(np, (size_t)-1);
		SetEnvironmentVariableW(L"PATH", wnew);
		free(wnew);
	}
	path = soak_proc_which("soakbatch");
	CHECK(ends_with_i(path, "soakbatch.cmd"));
	free(path);
	CHECK_INT(run(argv, NULL, NULL, 30000, &c, &st), 1);
	CHECK_INT(st.exit_code, 7);
	CHECK_STR(c.data, "batch [\"a b&c\"] [\"q\"\"x\"] [\"x^y\"]\r\n");
	if (soak_w32_is_wine()) {
		skip("'%' in batch arguments",
		     "Wine's cmd expands '%' again inside a substituted batch parameter");
	} else {
		CHECK_INT(run(pct, NULL, NULL, 30000, &c, &st), 1);
		CHECK_STR(c.data, "batch [\"100%\"] [\"%PATH%\"] []\r\n");
	}
	wnew = soak_w32_utf16(old_path ? old_path : "", (size_t)-1);
	SetEnvironmentVariableW(L"PATH", wnew);
	free(wnew);
	free(old_path);
}

static void test_find_by_env(void)
{
	char *argv[] = {helper, "--sleep", "20000", NULL};
	char *set[] = {"SOAK_RUN_ID=w32test", NULL};
	struct soak_spawn sp = {
	    .argv = argv, .env_set = set, .output = SOAK_PROC_NULL, .stdin_null = 1};
	struct soak_proc *p = NULL;
	struct soak_err err = {0};
	long pids[8];
	int n, killed;

	CHECK_INT(soak_proc_start(&sp, &p, &err), 0);
	if (!p)
		return;
	Sleep(300); /* until the child's loader has set up its environment */
	n = soak_proc_find_by_env("SOAK_RUN_ID", "w32test", pids, 8, &err);
	CHECK_INT(n, 1);
	if (n == 1)
		CHECK_INT(pids[0], soak_proc_pid(p));
	CHECK_INT(soak_proc_find_by_env("SOAK_RUN_ID", "other", pids, 8, &err), 0);
	CHECK_INT(soak_proc_kill_pids(pids, n, 100), n);
	CHECK_INT(soak_proc_wait(p, 5000, 0, NULL, &err), 1);
	CHECK_INT(soak_proc_kill_tree(p, 100, NULL, &killed, &err), 0);
	CHECK_INT(killed, 0);
	soak_proc_free(p);
	CHECK_INT(soak_proc_reap_orphans(), 0);
}

int main(void)
{
	setup_paths();
	test_exit_code();
	test_capture();
	test_inherit_and_null();
	test_not_found();
	test_timeout_kills_tree();
	test_grandchild_holds_pipe();
	test_quoting();
	test_env_override();
	test_cwd();
	test_which_and_batch();
	test_find_by_env();
	return check_done();
}
