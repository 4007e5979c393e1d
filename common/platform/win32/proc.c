/*
 * Processes on Windows. Every root starts suspended, goes into a Job Object of
 * its own (kill on close, no breakaway) and only then runs, so every descendant
 * it ever creates is in the job: the tree is the job, and ending the tree is
 * TerminateJobObject. The root also gets a process group of its own
 * (CREATE_NEW_PROCESS_GROUP), as setpgid on POSIX: a Ctrl-C typed at (or sent by
 * a CI runner to) our console reaches only us (the new group starts with Ctrl-C
 * disabled, inherited by its descendants), and we end the tree on our terms,
 * Ctrl-Break to the group first, as SIGTERM first on POSIX.
 *
 * Output is read by polling the pipe (PeekNamedPipe) from the caller's thread:
 * no reader thread could be stopped while a grandchild holds the pipe open,
 * since a blocked ReadFile on an anonymous pipe can only be cancelled with
 * CancelSynchronousIo, which is racy. The poll is every millisecond while output
 * flows and backs off to POLL_MAX_MS when idle; the pipe buffer (PIPE_SIZE) lets
 * the child write on meanwhile.
 *
 * Status mapping (there are no signals on Windows): a root that we terminated
 * (TerminateJobObject with KILLED_CODE) reads as signal 9 (SIGKILL), one that
 * ended with STATUS_CONTROL_C_EXIT after our Ctrl-Break as signal 15 (SIGTERM),
 * so the rest of the project's "killed" logic works unchanged. Any other exit
 * code is reported as is: NTSTATUS codes of crashes (0xC0000005) read as
 * negative ints.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"
#include "clock.h"
#include "exitcode.h"
#include "win32.h"
#include <psapi.h>
#include <tlhelp32.h>
#include "banned.h"

#define READ_CHUNK 65536
#define PIPE_SIZE (1024 * 1024)
#define PUMP_MAX (1024 * 1024)      /* bytes read per round while running */
#define DRAIN_MAX (4 * 1024 * 1024) /* bytes read once the root has exited */
#define POLL_MAX_MS 20
#define KILL_GRACE_AFTER_TERMINATE_MS 5000
/* The exit code TerminateJobObject gives every process: 128 + SIGKILL, as a shell shows it. */
#define KILLED_CODE 137
#define SOAK_SIGKILL 9
#define SOAK_SIGTERM 15
#ifndef STATUS_CONTROL_C_EXIT
#define STATUS_CONTROL_C_EXIT 0xC000013AL
#endif

struct soak_proc {
	HANDLE process, job;
	HANDLE out_rd; /* read end of the output pipe, NULL when none or closed */
	DWORD pid;
	int exited;
	DWORD code;
	int terminated; /* the root was alive when we terminated the job */
	int broke;      /* we sent Ctrl-Break to the root's group */
	double cpu_user_s, cpu_sys_s;
	uint64_t max_rss_bytes;
	int poll_ms;
};

/* A growing buffer of wide characters for command lines and environment blocks. */
struct wbuf {
	wchar_t *s;
	size_t len, cap;
	int oom;
};

static void wb_add(struct wbuf *b, const wchar_t *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 256;
		wchar_t *ns;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		ns = realloc(b->s, ncap * sizeof(*ns));
		if (!ns) {
			b->oom = 1;
			return;
		}
		b->s = ns;
		b->cap = ncap;
	}
	memcpy(b->s + b->len, s, n * sizeof(*s));
	b->len += n;
	b->s[b->len] = 0;
}

static void wb_addc(struct wbuf *b, wchar_t c, size_t times)
{
	while (times--)
		wb_add(b, &c, 1);
}

/* Append one argument quoted so that CommandLineToArgvW and the C runtime give it back. */
static void quote_crt(struct wbuf *b, const wchar_t *a)
{
	size_t bs = 0;

	if (*a && !wcspbrk(a, L" \t\n\v\"")) {
		wb_add(b, a, wcslen(a));
		return;
	}
	wb_addc(b, L'"', 1);
	for (;; a++) {
		if (*a == L'\\') {
			bs++;
			continue;
		}
		if (!*a) {
			/* Backslashes before the closing quote would escape it: double them. */
			wb_addc(b, L'\\', bs * 2);
			break;
		}
		if (*a == L'"')
			wb_addc(b, L'\\', bs * 2 + 1);
		else
			wb_addc(b, L'\\', bs);
		bs = 0;
		wb_addc(b, *a, 1);
	}
	wb_addc(b, L'"', 1);
}

/*
 * Append one argument of a batch file, for cmd.exe rather than the C runtime:
 * quoted when it holds a space or a cmd metacharacter, a quote doubled inside
 * the quotes, and '%' written as "%%cd:~,%" (an empty substring of %cd%), which
 * cmd expands to a lone '%', as Rust's std does since CVE-2024-24576. Backslashes
 * before the closing quote are doubled, so that a program the batch hands "%1"
 * on to reads the same argument. Line breaks cannot be passed at all (the
 * caller rejects them).
 */
static void quote_cmd(struct wbuf *b, const wchar_t *a)
{
	size_t bs = 0;

	if (*a && !wcspbrk(a, L" \t\v\"&|<>^()%!,;=")) {
		wb_add(b, a, wcslen(a));
		return;
	}
	wb_addc(b, L'"', 1);
	for (;; a++) {
		if (*a == L'\\') {
			bs++;
			continue;
		}
		wb_addc(b, L'\\', bs * (*a ? 1 : 2));
		bs = 0;
		if (!*a)
			break;
		if (*a == L'"')
			wb_add(b, L"\"\"", 2);
		else if (*a == L'%')
			wb_add(b, L"%%cd:~,%", 8);
		else
			wb_addc(b, *a, 1);
	}
	wb_addc(b, L'"', 1);
}

static int is_batch(const char *path)
{
	size_t n = strlen(path);
	return n >= 4 && (!_stricmp(path + n - 4, ".bat") || !_stricmp(path + n - 4, ".cmd"));
}

/* A variable of the Win32 environment in UTF-8 (getenv gives the ANSI code page), malloc'ed. */
static char *env_utf8(const wchar_t *name)
{
	DWORD n = GetEnvironmentVariableW(name, NULL, 0);
	wchar_t *w;
	char *u;

	if (n == 0)
		return NULL;
	w = malloc(n * sizeof(*w));
	if (!w)
		return NULL;
	if (GetEnvironmentVariableW(name, w, n) >= n) {
		free(w);
		return NULL;
	}
	u = soak_w32_utf8(w, (size_t)-1);
	free(w);
	return u;
}

static wchar_t *comspec(void)
{
	wchar_t dir[MAX_PATH];
	UINT n;
	struct wbuf b = {0};

	n = GetEnvironmentVariableW(L"ComSpec", NULL, 0);
	if (n > 1) {
		b.s = malloc(n * sizeof(*b.s));
		if (b.s && GetEnvironmentVariableW(L"ComSpec", b.s, n) < n)
			return b.s;
		free(b.s);
		b.s = NULL;
	}
	n = GetSystemDirectoryW(dir, MAX_PATH);
	if (n == 0 || n >= MAX_PATH) {
		errno = ENOENT;
		return NULL;
	}
	wb_add(&b, dir, n);
	wb_add(&b, L"\\cmd.exe", 8);
	if (b.oom)
		errno = ENOMEM;
	return b.s;
}

/* The program is cmd.exe (by its base name). */
static int is_cmd_exe(const char *path)
{
	const char *base = path + strlen(path);

	while (base > path && base[-1] != '\\' && base[-1] != '/' && base[-1] != ':')
		base--;
	return !_stricmp(base, "cmd.exe") || !_stricmp(base, "cmd");
}

/*
 * The command line. A batch file cannot be given to CreateProcess itself: it
 * runs as cmd.exe /d /v:off /s /c ""path" args" (/d: no AutoRun commands,
 * /v:off: '!' is no variable even where delayed expansion is the default, /s:
 * strip exactly the outer quotes), and *app becomes cmd.exe (%ComSpec%).
 */
static wchar_t *build_cmdline(char *const *argv, const char *path, wchar_t **app)
{
	struct wbuf b = {0};
	int batch = is_batch(path);
	/*
	 * cmd.exe /s /c takes everything after /c (or /k) as one command, not as
	 * C-runtime arguments: after /s, those arguments go in as written, joined by
	 * spaces, between the quotes /s strips again (soak_proc_shell_argv). Without
	 * /s they are quoted for the C runtime, as any program's.
	 */
	int cmd = !batch && is_cmd_exe(path), strip = 0, raw = 0;
	const char *cmd_c = NULL;

	*app = NULL;
	if (batch) {
		for (char *const *a = argv + 1; *a; a++) {
			if (strpbrk(*a, "\r\n")) {
				errno = EINVAL;
				return NULL;
			}
		}
		*app = comspec();
		if (!*app)
			return NULL;
		wb_add(&b, L"cmd.exe /d /v:off /s /c \"", 25);
	} else {
		/* The C runtime takes argv[0] up to the next quote, with no escapes. */
		if (strchr(argv[0], '"')) {
			errno = EINVAL;
			return NULL;
		}
	}
	for (char *const *a = argv; *a; a++) {
		wchar_t *w = soak_w32_utf16(a == argv && batch ? path : *a, (size_t)-1);
		if (!w)
			goto fail;
		if (a != argv)
			wb_addc(&b, L' ', 1);
		if (a == argv) {
			int q = !*w || wcspbrk(w, L" \t") || batch;
			wb_addc(&b, L'"', q);
			wb_add(&b, w, wcslen(w));
			wb_addc(&b, L'"', q);
		} else if (raw) {
			/* the first one opens the quotes /s strips */
			wb_addc(&b, L'"', raw == 2 && a[-1] == cmd_c);
			wb_add(&b, w, wcslen(w));
		} else if (cmd && strip && (!_stricmp(*a, "/c") || !_stricmp(*a, "/k"))) {
			wb_add(&b, w, wcslen(w));
			raw = a[1] ? 2 : 0;
			cmd_c = *a;
		} else if (batch) {
			quote_cmd(&b, w);
		} else {
			strip |= cmd && !_stricmp(*a, "/s");
			quote_crt(&b, w);
		}
		free(w);
	}
	if (batch || raw == 2)
		wb_addc(&b, L'"', 1);
	if (b.oom) {
		errno = ENOMEM;
		goto fail;
	}
	/* CreateProcessW's limit, including the terminating NUL. */
	if (b.len >= 32767) {
		errno = E2BIG;
		goto fail;
	}
	return b.s;
fail:
	free(b.s);
	free(*app);
	*app = NULL;
	return NULL;
}

/* Length of the name of "NAME=value"; a leading '=' belongs to the name ("=C:=C:\x"). */
static size_t wkey_len(const wchar_t *kv)
{
	const wchar_t *eq = wcschr(kv + (*kv == L'='), L'=');
	return eq ? (size_t)(eq - kv) : wcslen(kv);
}

/* Names are case-insensitive on Windows: "Path" and "PATH" are one variable. */
static int same_wkey(const wchar_t *a, const wchar_t *b)
{
	size_t n = wkey_len(a), m = wkey_len(b);
	return n == m && n < INT_MAX &&
	       CompareStringOrdinal(a, (int)n, b, (int)m, TRUE) == CSTR_EQUAL;
}

/* The child's environment block: ours less what env_set overrides, plus env_set. */
static wchar_t *build_env(char *const *env_set, const char *argv0, struct soak_err *err)
{
	size_t nset = 0;
	wchar_t **set = NULL, *ours = NULL;
	struct wbuf b = {0};

	for (char *const *s = env_set; s && *s; s++) {
		if (!strchr(*s, '=') || **s == '=') {
			soak_err_set(err, SOAK_EXIT_USAGE,
			             "cannot run '%s': invalid environment entry '%s'", argv0, *s);
			return NULL;
		}
		nset++;
	}
	set = calloc(nset + 1, sizeof(*set));
	if (!set)
		goto oom;
	for (size_t i = 0; i < nset; i++) {
		set[i] = soak_w32_utf16(env_set[i], (size_t)-1);
		if (!set[i]) {
			soak_err_errno(err, SOAK_EXIT_USAGE, errno,
			               "cannot run '%s': invalid environment entry '%s'", argv0,
			               env_set[i]);
			goto fail;
		}
	}
	ours = GetEnvironmentStringsW();
	for (const wchar_t *e = ours; e && *e; e += wcslen(e) + 1) {
		int skip = 0;
		for (size_t i = 0; !skip && i < nset; i++)
			skip = same_wkey(e, set[i]);
		if (!skip)
			wb_add(&b, e, wcslen(e) + 1);
	}
	for (size_t i = 0; i < nset; i++) {
		int dup = 0;
		/* A later entry of env_set wins, as it does on POSIX through execve's lookup. */
		for (size_t j = i + 1; !dup && j < nset; j++)
			dup = same_wkey(set[i], set[j]);
		if (!dup)
			wb_add(&b, set[i], wcslen(set[i]) + 1);
	}
	wb_addc(&b, 0, 1); /* the block ends with an empty string */
	if (ours)
		FreeEnvironmentStringsW(ours);
	for (size_t i = 0; i < nset; i++)
		free(set[i]);
	free(set);
	if (b.oom)
		goto oom;
	return b.s;
oom:
	soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot run '%s'", argv0);
fail:
	for (size_t i = 0; set && i < nset; i++)
		free(set[i]);
	free(set);
	free(b.s);
	return NULL;
}

static void close_h(HANDLE *h)
{
	if (*h && *h != INVALID_HANDLE_VALUE)
		CloseHandle(*h);
	*h = NULL;
}

static HANDLE open_nul(DWORD access)
{
	SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
	HANDLE h = CreateFileW(L"NUL", access, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa,
	                       OPEN_EXISTING, 0, NULL);
	return h == INVALID_HANDLE_VALUE ? NULL : h;
}

/* An inheritable duplicate of one of our standard handles, or NUL when we have none. */
static HANDLE inherit_std(DWORD which, DWORD access)
{
	HANDLE h = GetStdHandle(which), dup = NULL;

	if (h && h != INVALID_HANDLE_VALUE &&
	    DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &dup, 0, TRUE,
	                    DUPLICATE_SAME_ACCESS))
		return dup;
	return open_nul(access);
}

static HANDLE make_job(void)
{
	JOBOBJECT_EXTENDED_LIMIT_INFORMATION li;
	HANDLE job = CreateJobObjectW(NULL, NULL);

	if (!job)
		return NULL;
	memset(&li, 0, sizeof(li));
	/* No JOB_OBJECT_LIMIT_BREAKAWAY_OK: nothing the tree starts can leave the job. */
	li.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
	if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation, &li, sizeof(li))) {
		DWORD e = GetLastError();
		CloseHandle(job);
		SetLastError(e);
		return NULL;
	}
	return job;
}

/* The three child handles, handed over by PROC_THREAD_ATTRIBUTE_HANDLE_LIST only. */
static int create(struct soak_proc *p, const wchar_t *app, wchar_t *cmdline, wchar_t *env,
                  const wchar_t *cwd, HANDLE std[3], DWORD *werr)
{
	STARTUPINFOEXW si;
	PROCESS_INFORMATION pi;
	HANDLE list[3];
	SIZE_T size = 0;
	DWORD n = 0;
	int ok = 0;

	for (int i = 0; i < 3; i++) {
		int seen = 0;
		for (DWORD j = 0; j < n; j++)
			seen |= list[j] == std[i];
		if (std[i] && !seen)
			list[n++] = std[i];
	}
	memset(&si, 0, sizeof(si));
	si.StartupInfo.cb = sizeof(si);
	si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
	si.StartupInfo.hStdInput = std[0];
	si.StartupInfo.hStdOutput = std[1];
	si.StartupInfo.hStdError = std[2];
	InitializeProcThreadAttributeList(NULL, 1, 0, &size);
	si.lpAttributeList = malloc(size);
	if (!si.lpAttributeList) {
		*werr = ERROR_NOT_ENOUGH_MEMORY;
		return -1;
	}
	if (!InitializeProcThreadAttributeList(si.lpAttributeList, 1, 0, &size)) {
		*werr = GetLastError();
		free(si.lpAttributeList);
		return -1;
	}
	if (n &&
	    !UpdateProcThreadAttribute(si.lpAttributeList, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST,
	                               list, n * sizeof(HANDLE), NULL, NULL)) {
		*werr = GetLastError();
		goto out;
	}
	if (!CreateProcessW(app, cmdline, NULL, NULL, n > 0,
	                    CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT |
	                        EXTENDED_STARTUPINFO_PRESENT | CREATE_NEW_PROCESS_GROUP,
	                    env, cwd, &si.StartupInfo, &pi)) {
		*werr = GetLastError();
		goto out;
	}
	if (!AssignProcessToJobObject(p->job, pi.hProcess)) {
		*werr = GetLastError();
		TerminateProcess(pi.hProcess, KILLED_CODE);
		WaitForSingleObject(pi.hProcess, 5000);
		CloseHandle(pi.hThread);
		CloseHandle(pi.hProcess);
		goto out;
	}
	ResumeThread(pi.hThread);
	CloseHandle(pi.hThread);
	p->process = pi.hProcess;
	p->pid = pi.dwProcessId;
	ok = 1;
out:
	DeleteProcThreadAttributeList(si.lpAttributeList);
	free(si.lpAttributeList);
	return ok ? 0 : -1;
}

static int is_dir_w(const wchar_t *path)
{
	DWORD a = GetFileAttributesW(path);
	if (a == INVALID_FILE_ATTRIBUTES) {
		errno = soak_w32_errno(GetLastError());
		return 0;
	}
	if (!(a & FILE_ATTRIBUTE_DIRECTORY)) {
		errno = ENOTDIR;
		return 0;
	}
	return 1;
}

int soak_proc_start(const struct soak_spawn *sp, struct soak_proc **out, struct soak_err *err)
{
	struct soak_proc *p = NULL;
	char *path = NULL;
	wchar_t *app = NULL, *wpath = NULL, *cmdline = NULL, *env = NULL, *cwd = NULL;
	HANDLE std[3] = {NULL, NULL, NULL}, out_wr = NULL;
	const char *argv0;
	DWORD werr = 0;

	*out = NULL;
	if (!sp->argv || !sp->argv[0] || !*sp->argv[0])
		return soak_err_set(err, SOAK_EXIT_USAGE, "cannot run an empty command");
	argv0 = sp->argv[0];

	path = soak_proc_which(argv0);
	if (!path)
		return soak_err_errno(err, SOAK_EXIT_INPUT, errno, "cannot run '%s'", argv0);
	p = calloc(1, sizeof(*p));
	if (!p) {
		soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot run '%s'", argv0);
		goto fail;
	}
	p->poll_ms = 1;
	cmdline = build_cmdline(sp->argv, path, &app);
	if (!cmdline) {
		soak_err_errno(err, errno == ENOMEM ? SOAK_EXIT_ENV : SOAK_EXIT_USAGE, errno,
		               "cannot run '%s'", argv0);
		goto fail;
	}
	if (!app && !(app = wpath = soak_w32_utf16(path, (size_t)-1))) {
		soak_err_errno(err, SOAK_EXIT_INPUT, errno, "cannot run '%s'", argv0);
		goto fail;
	}
	env = build_env(sp->env_set, argv0, err);
	if (!env)
		goto fail;
	if (sp->cwd) {
		cwd = soak_w32_utf16(sp->cwd, (size_t)-1);
		if (!cwd || !is_dir_w(cwd)) {
			soak_err_errno(err, SOAK_EXIT_INPUT, errno,
			               "cannot change directory to '%s'", sp->cwd);
			goto fail;
		}
	}

	if (sp->stdin_path) {
		SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
		wchar_t *w = soak_w32_utf16(sp->stdin_path, (size_t)-1);
		HANDLE h = w ? CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE,
		                           &sa, OPEN_EXISTING, 0, NULL)
		             : INVALID_HANDLE_VALUE;
		free(w);
		if (h == INVALID_HANDLE_VALUE) {
			soak_err_errno(err, SOAK_EXIT_ENV, soak_w32_errno(GetLastError()),
			               "cannot open '%s' for the input of '%s'", sp->stdin_path,
			               argv0);
			goto fail;
		}
		std[0] = h;
	} else {
		std[0] = sp->stdin_null ? open_nul(GENERIC_READ)
		                        : inherit_std(STD_INPUT_HANDLE, GENERIC_READ);
	}
	if (sp->output == SOAK_PROC_CAPTURE) {
		if (!CreatePipe(&p->out_rd, &out_wr, NULL, PIPE_SIZE) ||
		    !SetHandleInformation(out_wr, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT)) {
			soak_err_errno(err, SOAK_EXIT_ENV, soak_w32_errno(GetLastError()),
			               "cannot create a pipe for '%s'", argv0);
			goto fail;
		}
		std[1] = out_wr;
		std[2] = out_wr;
	} else if (sp->output == SOAK_PROC_NULL) {
		std[1] = std[2] = open_nul(GENERIC_WRITE);
	} else {
		std[1] = inherit_std(STD_OUTPUT_HANDLE, GENERIC_WRITE);
		std[2] = inherit_std(STD_ERROR_HANDLE, GENERIC_WRITE);
	}
	if (!std[0] || !std[1] || !std[2]) {
		soak_err_errno(err, SOAK_EXIT_ENV, soak_w32_errno(GetLastError()),
		               "cannot open 'NUL' for '%s'", argv0);
		goto fail;
	}
	p->job = make_job();
	if (!p->job) {
		soak_err_errno(err, SOAK_EXIT_ENV, soak_w32_errno(GetLastError()),
		               "cannot create a job object for '%s'", argv0);
		goto fail;
	}
	if (create(p, app, cmdline, env, cwd, std, &werr) < 0) {
		soak_err_errno(err, SOAK_EXIT_INPUT, soak_w32_errno(werr), "cannot run '%s'",
		               argv0);
		goto fail;
	}
	if (std[2] != std[1])
		close_h(&std[2]);
	close_h(&std[1]);
	close_h(&std[0]);
	free(cmdline);
	free(app);
	free(env);
	free(cwd);
	free(path);
	*out = p;
	return 0;

fail:
	if (std[2] != std[1])
		close_h(&std[2]);
	close_h(&std[1]);
	close_h(&std[0]);
	if (p) {
		close_h(&p->out_rd);
		close_h(&p->job);
	}
	free(cmdline);
	free(app);
	free(env);
	free(cwd);
	free(path);
	free(p);
	return -1;
}

static double ft_seconds(LARGE_INTEGER t)
{
	return (double)t.QuadPart / 1e7;
}

static double filetime_seconds(FILETIME ft)
{
	ULARGE_INTEGER u;
	u.LowPart = ft.dwLowDateTime;
	u.HighPart = ft.dwHighDateTime;
	return (double)u.QuadPart / 1e7;
}

/*
 * Collect the root's status once it has exited. CPU times are the job's, the
 * whole tree so far (closest to POSIX's root plus the children it waited for);
 * the root's own when the job reports none. Peak memory is the job's
 * PeakProcessMemoryUsed (the largest commit of any one process of the tree),
 * else the root's PeakWorkingSetSize; 0 when neither is known (Wine).
 */
static void check_exit(struct soak_proc *p)
{
	JOBOBJECT_BASIC_ACCOUNTING_INFORMATION acc;
	JOBOBJECT_EXTENDED_LIMIT_INFORMATION li;
	PROCESS_MEMORY_COUNTERS pmc;
	FILETIME c, e, k, u;

	if (p->exited || WaitForSingleObject(p->process, 0) != WAIT_OBJECT_0)
		return;
	p->exited = 1;
	if (!GetExitCodeProcess(p->process, &p->code))
		p->code = (DWORD)-1;
	if (QueryInformationJobObject(p->job, JobObjectBasicAccountingInformation, &acc,
	                              sizeof(acc), NULL) &&
	    (acc.TotalUserTime.QuadPart || acc.TotalKernelTime.QuadPart)) {
		p->cpu_user_s = ft_seconds(acc.TotalUserTime);
		p->cpu_sys_s = ft_seconds(acc.TotalKernelTime);
	} else if (GetProcessTimes(p->process, &c, &e, &k, &u)) {
		p->cpu_user_s = filetime_seconds(u);
		p->cpu_sys_s = filetime_seconds(k);
	}
	memset(&pmc, 0, sizeof(pmc));
	if (QueryInformationJobObject(p->job, JobObjectExtendedLimitInformation, &li, sizeof(li),
	                              NULL) &&
	    li.PeakProcessMemoryUsed)
		p->max_rss_bytes = li.PeakProcessMemoryUsed;
	else if (K32GetProcessMemoryInfo(p->process, &pmc, sizeof(pmc)))
		p->max_rss_bytes = pmc.PeakWorkingSetSize;
}

static void close_pipe(struct soak_proc *p)
{
	close_h(&p->out_rd);
}

/*
 * Read what the pipe holds now, up to max bytes, without blocking; closes the
 * pipe at EOF (every write end closed). Returns the bytes read, -1 on a read
 * error (pipe closed too, errno set).
 */
static ptrdiff_t pump(struct soak_proc *p, const struct soak_proc_io *io, size_t max)
{
	char buf[READ_CHUNK];
	size_t total = 0;

	while (p->out_rd && total < max) {
		DWORD avail = 0, got = 0, err;

		if (PeekNamedPipe(p->out_rd, NULL, 0, NULL, &avail, NULL)) {
			if (avail == 0)
				return (ptrdiff_t)total;
			/* Data is there: this read does not block. */
			if (ReadFile(p->out_rd, buf, avail < sizeof(buf) ? avail : sizeof(buf),
			             &got, NULL) &&
			    got > 0) {
				total += got;
				if (io && io->on_output)
					io->on_output(io->ctx, buf, got);
				continue;
			}
		}
		err = GetLastError();
		close_pipe(p);
		if (err == ERROR_BROKEN_PIPE)
			return (ptrdiff_t)total;
		errno = soak_w32_errno(err);
		return -1;
	}
	return (ptrdiff_t)total;
}

int soak_proc_wait(struct soak_proc *p, int64_t timeout_ms, int wake_on_signal,
                   const struct soak_proc_io *io, struct soak_err *err)
{
	HANDLE wake = wake_on_signal ? soak_w32_sig_event() : NULL;
	int64_t deadline = timeout_ms < 0 ? -1 : soak_mono_ms() + timeout_ms;

	for (;;) {
		HANDLE hs[2];
		DWORD n = 0, w, wait_ms;
		ptrdiff_t got;

		check_exit(p);
		if (p->exited) {
			/* A daemonized descendant may hold the pipe open: take what is there now.
			 */
			pump(p, io, DRAIN_MAX);
			return 1;
		}
		got = pump(p, io, PUMP_MAX);
		if (got < 0)
			return soak_err_errno(err, SOAK_EXIT_ENV, errno,
			                      "cannot read the output of process %ld",
			                      (long)p->pid);
		/* Poll fast while output flows, back off when it does not. */
		if (got > 0)
			p->poll_ms = 1;
		else if (p->poll_ms < POLL_MAX_MS)
			p->poll_ms *= 2;
		hs[n++] = p->process;
		if (wake)
			hs[n++] = wake;
		if (deadline < 0) {
			wait_ms = INFINITE;
		} else {
			int64_t left = deadline - soak_mono_ms();
			wait_ms = left <= 0 ? 0 : left > 1000000 ? 1000000 : (DWORD)left;
		}
		if (p->out_rd && (wait_ms == INFINITE || wait_ms > (DWORD)p->poll_ms))
			wait_ms = (DWORD)(p->poll_ms > POLL_MAX_MS ? POLL_MAX_MS : p->poll_ms);
		w = WaitForMultipleObjects(n, hs, FALSE, wait_ms);
		if (w == WAIT_FAILED)
			return soak_err_errno(err, SOAK_EXIT_ENV, soak_w32_errno(GetLastError()),
			                      "cannot wait for process %ld", (long)p->pid);
		if (w == WAIT_OBJECT_0)
			continue;
		if (wake && w == WAIT_OBJECT_0 + 1) {
			check_exit(p);
			if (p->exited)
				continue;
			return 0;
		}
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
	if (p->terminated && p->code == KILLED_CODE)
		st->signal = SOAK_SIGKILL;
	else if (p->broke && p->code == (DWORD)STATUS_CONTROL_C_EXIT)
		st->signal = SOAK_SIGTERM;
	else
		st->exit_code = (int)p->code;
	st->cpu_user_s = p->cpu_user_s;
	st->cpu_sys_s = p->cpu_sys_s;
	st->max_rss_bytes = p->max_rss_bytes;
}

void soak_proc_set_adopt_orphans(struct soak_proc *p, int on)
{
	/* Nothing to adopt: a descendant cannot leave the job. */
	(void)p;
	(void)on;
}

long soak_proc_pid(const struct soak_proc *p)
{
	return (long)p->pid;
}

void soak_proc_free(struct soak_proc *p)
{
	if (!p)
		return;
	close_pipe(p);
	close_h(&p->process);
	/* Kill-on-close: should the caller not have ended the tree, this does. */
	close_h(&p->job);
	free(p);
}

/* Processes of the job still running; -1 when the job cannot be queried. */
static long job_active(HANDLE job)
{
	JOBOBJECT_BASIC_ACCOUNTING_INFORMATION acc;

	if (!QueryInformationJobObject(job, JobObjectBasicAccountingInformation, &acc, sizeof(acc),
	                               NULL))
		return -1;
	return (long)acc.ActiveProcesses;
}

/* Wait up to ms for the job to empty, delivering output meanwhile; 1 when it did. */
static int job_wait_empty(struct soak_proc *p, int64_t ms, const struct soak_proc_io *io)
{
	int64_t deadline = soak_mono_ms() + ms;

	for (;;) {
		check_exit(p);
		if (job_active(p->job) == 0 && p->exited)
			return 1;
		if (soak_mono_ms() >= deadline)
			return 0;
		pump(p, io, PUMP_MAX);
		/* The root's handle signals at once; the rest of the job is polled. */
		WaitForSingleObject(p->exited ? GetCurrentProcess() : p->process, 10);
	}
}

int soak_proc_kill_tree(struct soak_proc *p, int64_t kill_after_ms, const struct soak_proc_io *io,
                        int *killed, struct soak_err *err)
{
	int dummy, rc = 0;
	long active, first;

	if (!killed)
		killed = &dummy;
	*killed = 0;
	check_exit(p);
	active = first = job_active(p->job);
	if (active != 0) {
		/* Gentle first: Ctrl-Break reaches the processes of the root's group in our
		 * console. Without a console (or under Wine) it fails: no grace to wait out. */
		if (kill_after_ms > 0 && GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, p->pid)) {
			p->broke = 1;
			job_wait_empty(p, kill_after_ms, io);
		}
		check_exit(p);
		active = job_active(p->job);
		if (active != 0) {
			p->terminated = !p->exited;
			TerminateJobObject(p->job, KILLED_CODE);
		}
		if (!job_wait_empty(p, KILL_GRACE_AFTER_TERMINATE_MS, io))
			rc = soak_err_set(err, SOAK_EXIT_ENV,
			                  "cannot end the process tree of process %ld",
			                  (long)p->pid);
	}
	/* How many processes had to be ended: those alive when the kill began. */
	*killed = (int)(first > 0 ? first : 0);
	/* Whatever is left in the pipe, without waiting for an EOF anyone may hold back. */
	pump(p, io, DRAIN_MAX);
	close_pipe(p);
	return rc;
}

int soak_proc_reap_orphans(void)
{
	/* Windows has no zombies: an exited process goes once its last handle is closed. */
	return 0;
}

/*
 * Another process's environment: its PEB's process parameters point to the
 * block, read with ReadProcessMemory up to the double NUL that ends it (at most
 * ENV_READ_MAX), a page at a time so that an unmapped page after the block
 * does not fail the whole read. This is what Process Explorer does; the layout
 * is undocumented but has not changed since Windows Vista.
 */
#define ENV_READ_MAX (1024 * 1024)
#ifdef _WIN64
#define PEB_PARAMS_OFFSET 0x20
#define PARAMS_ENV_OFFSET 0x80
#else
#define PEB_PARAMS_OFFSET 0x10
#define PARAMS_ENV_OFFSET 0x48
#endif

typedef LONG(NTAPI *query_process_fn)(HANDLE, ULONG, PVOID, ULONG, PULONG);

struct basic_info {
	void *reserved1;
	void *peb;
	void *reserved2[2];
	ULONG_PTR pid;
	void *reserved3;
};

static int read_mem(HANDLE h, const void *addr, void *buf, size_t n)
{
	SIZE_T got = 0;
	return ReadProcessMemory(h, addr, buf, n, &got) && got == n ? 0 : -1;
}

/* 1 when the environment of process h holds kv ("NAME=value", the name case-insensitive). */
static int env_has(HANDLE h, query_process_fn query, const wchar_t *kv, wchar_t *buf)
{
	struct basic_info bi;
	char *params, *env;
	size_t len = 0;

	if (query(h, 0 /* ProcessBasicInformation */, &bi, sizeof(bi), NULL) < 0 || !bi.peb)
		return 0;
	if (read_mem(h, (char *)bi.peb + PEB_PARAMS_OFFSET, &params, sizeof(params)) < 0 ||
	    !params || read_mem(h, params + PARAMS_ENV_OFFSET, &env, sizeof(env)) < 0 || !env)
		return 0;
	while (len < ENV_READ_MAX / sizeof(wchar_t)) {
		uintptr_t at = (uintptr_t)env + len * sizeof(wchar_t);
		size_t chunk = 4096 - (at & 4095);
		size_t had = len;

		if (read_mem(h, (void *)at, (char *)buf + len * sizeof(wchar_t), chunk) < 0)
			break;
		len += chunk / sizeof(wchar_t);
		/* The block ends with an empty string: two NULs in a row. */
		for (size_t i = had ? had - 1 : 0; i + 1 < len; i++)
			if (!buf[i] && !buf[i + 1]) {
				len = i + 1;
				goto done;
			}
	}
	if (len == 0)
		return 0;
	buf[len - 1] = 0; /* a truncated block: ignore its last partial entry */
done:
	for (size_t i = 0; i < len && buf[i]; i += wcslen(buf + i) + 1) {
		const wchar_t *e = buf + i;
		if (same_wkey(e, kv) && !wcscmp(e + wkey_len(e), kv + wkey_len(kv)))
			return 1;
	}
	return 0;
}

int soak_proc_find_by_env(const char *name, const char *value, long *pids, int max,
                          struct soak_err *err)
{
	HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
	query_process_fn query;
	PROCESSENTRY32W pe;
	DWORD self = GetCurrentProcessId();
	wchar_t *kv = NULL, *buf = NULL;
	char *kv8 = NULL;
	size_t kvlen = strlen(name) + strlen(value) + 2;
	HANDLE snap;
	int found = 0;

	query = ntdll ? (query_process_fn)(void (*)(void))GetProcAddress(
	                    ntdll, "NtQueryInformationProcess")
	              : NULL;
	if (!query)
		return soak_err_set(err, SOAK_EXIT_ENV, "cannot list processes: no ntdll");
	kv8 = malloc(kvlen);
	buf = malloc(ENV_READ_MAX + 4096);
	if (kv8)
		snprintf(kv8, kvlen, "%s=%s", name, value);
	if (!kv8 || !buf || !(kv = soak_w32_utf16(kv8, (size_t)-1))) {
		int e = errno;
		free(kv8);
		free(buf);
		return soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot list processes");
	}
	free(kv8);
	snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
	if (snap == INVALID_HANDLE_VALUE) {
		free(kv);
		free(buf);
		return soak_err_errno(err, SOAK_EXIT_ENV, soak_w32_errno(GetLastError()),
		                      "cannot list processes");
	}
	pe.dwSize = sizeof(pe);
	for (BOOL ok = Process32FirstW(snap, &pe); ok && found < max;
	     ok = Process32NextW(snap, &pe)) {
		HANDLE h;

		if (pe.th32ProcessID == self || pe.th32ProcessID == 0)
			continue;
		/* Processes of other users or protected ones cannot be read: skipped, as on Linux.
		 */
		h = OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ | SYNCHRONIZE, FALSE,
		                pe.th32ProcessID);
		if (!h)
			continue;
		if (WaitForSingleObject(h, 0) == WAIT_TIMEOUT && env_has(h, query, kv, buf))
			pids[found++] = (long)pe.th32ProcessID;
		CloseHandle(h);
	}
	CloseHandle(snap);
	free(kv);
	free(buf);
	return found;
}

/*
 * Ctrl-Break (our SIGTERM) reaches a process only when it leads a process group
 * in our console; TerminateProcess (KILLED_CODE) after kill_after_ms otherwise.
 */
int soak_proc_kill_pids(const long *pids, int n, int64_t kill_after_ms)
{
	HANDLE *hs = calloc(n > 0 ? (size_t)n : 1, sizeof(*hs));
	int alive = 0, broke = 0, left;
	int64_t deadline;

	if (!hs)
		return 0;
	for (int i = 0; i < n; i++) {
		if (pids[i] <= 0)
			continue;
		hs[i] =
		    OpenProcess(PROCESS_TERMINATE | SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION,
		                FALSE, (DWORD)pids[i]);
		if (hs[i] && WaitForSingleObject(hs[i], 0) != WAIT_TIMEOUT)
			close_h(&hs[i]);
		if (!hs[i])
			continue;
		alive++;
		if (kill_after_ms > 0 && GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, (DWORD)pids[i]))
			broke = 1;
	}
	deadline = soak_mono_ms() + (broke ? kill_after_ms : 0);
	for (int phase = 0; phase < 2; phase++) {
		do {
			left = 0;
			for (int i = 0; i < n; i++) {
				if (hs[i] && WaitForSingleObject(hs[i], 0) == WAIT_TIMEOUT)
					left++;
			}
			if (left)
				Sleep(10);
		} while (left && soak_mono_ms() < deadline);
		if (!left || phase)
			break;
		for (int i = 0; i < n; i++)
			if (hs[i])
				TerminateProcess(hs[i], KILLED_CODE);
		deadline = soak_mono_ms() + KILL_GRACE_AFTER_TERMINATE_MS;
	}
	for (int i = 0; i < n; i++)
		close_h(&hs[i]);
	free(hs);
	return alive;
}

/* 1 when path names an existing file (not a directory). */
static int is_file(const char *path)
{
	wchar_t *w = soak_w32_utf16(path, (size_t)-1);
	DWORD a = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;

	free(w);
	return a != INVALID_FILE_ATTRIBUTES && !(a & FILE_ATTRIBUTE_DIRECTORY);
}

static char *full_path(const char *path)
{
	wchar_t *w = soak_w32_utf16(path, (size_t)-1), *full;
	DWORD n;
	char *u;

	if (!w)
		return NULL;
	n = GetFullPathNameW(w, 0, NULL, NULL);
	full = n ? malloc(n * sizeof(*full)) : NULL;
	if (!full || GetFullPathNameW(w, n, full, NULL) >= n) {
		free(full);
		free(w);
		errno = full ? soak_w32_errno(GetLastError()) : ENOMEM;
		return NULL;
	}
	u = soak_w32_utf8(full, (size_t)-1);
	free(full);
	free(w);
	return u;
}

/*
 * base as cmd.exe would run it: as is when its name has an extension, then with
 * each extension of PATHEXT appended. A malloc'ed full path, or NULL.
 */
static char *try_exts(const char *base, const char *exts)
{
	const char *name = base, *s;
	size_t blen = strlen(base);

	for (s = base; *s; s++)
		if (*s == '/' || *s == '\\' || *s == ':')
			name = s + 1;
	if (strchr(name, '.') && is_file(base))
		return full_path(base);
	for (const char *e = exts; *e;) {
		const char *end = strchr(e, ';');
		size_t elen = end ? (size_t)(end - e) : strlen(e);
		char *cand = elen ? malloc(blen + elen + 1) : NULL;

		if (cand) {
			memcpy(cand, base, blen);
			memcpy(cand + blen, e, elen);
			cand[blen + elen] = '\0';
			if (is_file(cand)) {
				char *full = full_path(cand);
				free(cand);
				return full;
			}
			free(cand);
		}
		e += elen + (end != NULL);
	}
	return NULL;
}

char *soak_proc_which(const char *argv0)
{
	char *path, *exts, *found = NULL, *nocwd;
	size_t nlen;

	if (!argv0 || !*argv0) {
		errno = ENOENT;
		return NULL;
	}
	exts = env_utf8(L"PATHEXT");
	if (!exts || !*exts) {
		free(exts);
		exts = strdup(".COM;.EXE;.BAT;.CMD");
		if (!exts)
			return NULL;
	}
	if (strpbrk(argv0, "/\\:")) {
		found = try_exts(argv0, exts);
		free(exts);
		if (!found)
			errno = ENOENT;
		return found;
	}
	/* cmd.exe looks in the current directory first, unless told not to. */
	nocwd = env_utf8(L"NoDefaultCurrentDirectoryInExePath");
	if (!nocwd)
		found = try_exts(argv0, exts);
	free(nocwd);
	if (found) {
		free(exts);
		return found;
	}
	path = env_utf8(L"PATH");
	nlen = strlen(argv0);
	for (const char *dir = path ? path : ""; *dir;) {
		const char *end = strchr(dir, ';');
		size_t dlen = end ? (size_t)(end - dir) : strlen(dir);
		const char *d = dir;
		char *cand;

		dir += dlen + (end != NULL);
		/* A PATH entry may be quoted ("C:\Program Files\x"). */
		if (dlen >= 2 && d[0] == '"' && d[dlen - 1] == '"') {
			d++;
			dlen -= 2;
		}
		if (!dlen)
			continue;
		cand = malloc(dlen + nlen + 2);
		if (!cand)
			break;
		memcpy(cand, d, dlen);
		if (d[dlen - 1] != '/' && d[dlen - 1] != '\\')
			cand[dlen++] = '\\';
		memcpy(cand + dlen, argv0, nlen + 1);
		found = try_exts(cand, exts);
		free(cand);
		if (found)
			break;
	}
	free(path);
	free(exts);
	if (!found)
		errno = ENOENT;
	return found;
}
