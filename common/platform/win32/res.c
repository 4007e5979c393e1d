/*
 * Resource sampling on Windows. A sample is one Toolhelp snapshot of the processes
 * (for parent links and thread counts), then, per process of the tree, its working set
 * (K32GetProcessMemoryInfo), handle count and CPU times. Host facts come from
 * RtlGetVersion, GetNativeSystemInfo and GlobalMemoryStatusEx.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "win32.h"
#include <tlhelp32.h>
#include <psapi.h>

#include "res.h"
#include "os.h"
#include "exitcode.h"
#include "banned.h"

struct pinfo {
	DWORD pid, ppid, threads;
	int in_tree;
};

/* The creation time of pid as FILETIME ticks, 0 when it cannot be read. */
static uint64_t created(DWORD pid)
{
	HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
	FILETIME c, e, k, u;
	uint64_t t = 0;

	if (h == NULL)
		return 0;
	if (GetProcessTimes(h, &c, &e, &k, &u))
		t = ((uint64_t)c.dwHighDateTime << 32) | c.dwLowDateTime;
	CloseHandle(h);
	return t;
}

/* Add the counters of one live process to out. */
static void add_proc(const struct pinfo *p, struct soak_res *out)
{
	PROCESS_MEMORY_COUNTERS pmc;
	FILETIME c, e, k, u;
	DWORD handles;
	HANDLE h;

	out->procs++;
	out->threads += (long)p->threads;
	h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | PROCESS_VM_READ, FALSE, p->pid);
	/* Protected processes refuse VM_READ; their times and handles are still there. */
	if (h == NULL)
		h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, p->pid);
	if (h == NULL)
		return;
	memset(&pmc, 0, sizeof(pmc));
	pmc.cb = sizeof(pmc);
	if (K32GetProcessMemoryInfo(h, &pmc, sizeof(pmc)))
		out->rss_bytes += pmc.WorkingSetSize;
	if (GetProcessHandleCount(h, &handles))
		out->open_fds += (long)handles;
	if (GetProcessTimes(h, &c, &e, &k, &u)) {
		out->cpu_user_s += (double)soak_w32_duration_ns(&u) / 1e9;
		out->cpu_sys_s += (double)soak_w32_duration_ns(&k) / 1e9;
	}
	CloseHandle(h);
}

int soak_res_tree(long pid, struct soak_res *out, struct soak_err *err)
{
	PROCESSENTRY32W pe;
	struct pinfo *pi = NULL;
	size_t n = 0, cap = 0;
	HANDLE snap;
	int changed, found = 0;

	memset(out, 0, sizeof(*out));
	if (pid <= 0)
		return 0;
	snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
	if (snap == INVALID_HANDLE_VALUE)
		return soak_err_errno(err, SOAK_EXIT_ENV, soak_w32_errno(GetLastError()),
		                      "cannot sample processes");
	pe.dwSize = sizeof(pe);
	if (Process32FirstW(snap, &pe)) {
		do {
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 512;
				struct pinfo *np = realloc(pi, ncap * sizeof(*np));

				if (!np) {
					CloseHandle(snap);
					free(pi);
					return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM,
					                      "cannot sample processes");
				}
				pi = np;
				cap = ncap;
			}
			pi[n].pid = pe.th32ProcessID;
			pi[n].ppid = pe.th32ParentProcessID;
			pi[n].threads = pe.cntThreads;
			pi[n].in_tree = pe.th32ProcessID == (DWORD)pid;
			found |= pi[n].in_tree;
			n++;
		} while (Process32NextW(snap, &pe));
	}
	CloseHandle(snap);
	if (!found) {
		free(pi);
		return 0; /* the tree vanished */
	}
	/* Windows keeps a parent's id in its children after the parent exits, and reuses
	 * ids: a "child" created before its supposed parent belongs to an older process. */
	do {
		changed = 0;
		for (size_t i = 0; i < n; i++) {
			if (pi[i].in_tree || pi[i].pid == pi[i].ppid || pi[i].pid == 0)
				continue;
			for (size_t j = 0; j < n; j++) {
				uint64_t ct, pt;

				if (!pi[j].in_tree || pi[j].pid != pi[i].ppid)
					continue;
				ct = created(pi[i].pid);
				pt = created(pi[j].pid);
				if (ct && pt && ct < pt)
					break;
				pi[i].in_tree = 1;
				changed = 1;
				break;
			}
		}
	} while (changed);
	for (size_t i = 0; i < n; i++)
		if (pi[i].in_tree)
			add_proc(&pi[i], out);
	free(pi);
	return 0;
}

static void copy_str(char *dst, size_t dn, const char *src)
{
	size_t len = strlen(src);

	if (len > dn - 1)
		len = dn - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

typedef LONG(WINAPI *rtl_get_version_fn)(OSVERSIONINFOW *);

/* The real version: GetVersionEx answers what the manifest claims to support. */
static void kernel_version(char *buf, size_t n)
{
	HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
	rtl_get_version_fn fn;
	RTL_OSVERSIONINFOW v;

	copy_str(buf, n, "unknown");
	if (ntdll == NULL)
		return;
	fn = (rtl_get_version_fn)(void (*)(void))GetProcAddress(ntdll, "RtlGetVersion");
	memset(&v, 0, sizeof(v));
	v.dwOSVersionInfoSize = sizeof(v);
	if (fn == NULL || fn(&v) != 0)
		return;
	snprintf(buf, n, "%lu.%lu.%lu", (unsigned long)v.dwMajorVersion,
	         (unsigned long)v.dwMinorVersion, (unsigned long)v.dwBuildNumber);
}

static const char *native_arch(void)
{
	SYSTEM_INFO si;

	/* The machine's, not the process's: an x86_64 build on ARM64 says aarch64. */
	GetNativeSystemInfo(&si);
	switch (si.wProcessorArchitecture) {
	case PROCESSOR_ARCHITECTURE_AMD64:
		return "x86_64";
	case PROCESSOR_ARCHITECTURE_ARM64:
		return "aarch64";
	case PROCESSOR_ARCHITECTURE_INTEL:
		return "x86";
	case PROCESSOR_ARCHITECTURE_ARM:
		return "arm";
	default:
		return soak_os_arch();
	}
}

static int mem_status(MEMORYSTATUSEX *ms, struct soak_err *err)
{
	memset(ms, 0, sizeof(*ms));
	ms->dwLength = sizeof(*ms);
	if (!GlobalMemoryStatusEx(ms))
		return soak_err_errno(err, SOAK_EXIT_ENV, soak_w32_errno(GetLastError()),
		                      "cannot read the memory status");
	return 0;
}

int soak_host_read(struct soak_host *h, struct soak_err *err)
{
	MEMORYSTATUSEX ms;

	memset(h, 0, sizeof(*h));
	copy_str(h->os, sizeof(h->os), "windows");
	kernel_version(h->kernel, sizeof(h->kernel));
	copy_str(h->arch, sizeof(h->arch), native_arch());
	if (soak_os_hostname(h->hostname, sizeof(h->hostname)) < 0)
		h->hostname[0] = '\0';
	h->cpus = soak_os_cpu_count();
	if (mem_status(&ms, err))
		return -1;
	h->mem_total = ms.ullTotalPhys;
	h->mem_avail = ms.ullAvailPhys;
	return 0;
}

int soak_host_mem_avail(uint64_t *bytes, struct soak_err *err)
{
	MEMORYSTATUSEX ms;

	*bytes = 0;
	if (mem_status(&ms, err))
		return -1;
	*bytes = ms.ullAvailPhys;
	return 0;
}

int soak_disk_free(const char *path, uint64_t *free_bytes, uint64_t *total_bytes,
                   struct soak_err *err)
{
	ULARGE_INTEGER avail, total, all_free;
	struct soak_os_stat st;
	size_t len = strlen(path), dl;
	char *dir;
	wchar_t *w;
	BOOL ok;

	if (free_bytes)
		*free_bytes = 0;
	if (total_bytes)
		*total_bytes = 0;
	if (soak_os_stat(path, &st) < 0)
		return soak_err_errno(err, errno == ENOENT ? SOAK_EXIT_INPUT : SOAK_EXIT_ENV, errno,
		                      "cannot read the free space of '%s'", path);
	/* GetDiskFreeSpaceExW takes a directory, with a trailing '\' (UNC needs it). */
	dl = len;
	if (st.type != SOAK_OS_DIR) {
		while (dl > 0 && !soak_os_is_sep((unsigned char)path[dl - 1]))
			dl--;
	}
	dir = malloc(dl + 3);
	if (dir == NULL)
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM,
		                      "cannot read the free space of '%s'", path);
	if (dl == 0) {
		memcpy(dir, ".\\", 3);
	} else {
		memcpy(dir, path, dl);
		if (!soak_os_is_sep((unsigned char)dir[dl - 1]))
			dir[dl++] = '\\';
		dir[dl] = '\0';
	}
	w = soak_w32_long_path(dir);
	free(dir);
	if (w == NULL)
		return soak_err_errno(err, SOAK_EXIT_INPUT, errno,
		                      "cannot read the free space of '%s'", path);
	ok = GetDiskFreeSpaceExW(w, &avail, &total, &all_free);
	free(w);
	if (!ok) {
		int e = soak_w32_errno(GetLastError());

		return soak_err_errno(err, e == ENOENT ? SOAK_EXIT_INPUT : SOAK_EXIT_ENV, e,
		                      "cannot read the free space of '%s'", path);
	}
	/* avail: what this user may still write (quotas), as statvfs's f_bavail. */
	if (free_bytes)
		*free_bytes = avail.QuadPart;
	if (total_bytes)
		*total_bytes = total.QuadPart;
	return 0;
}
