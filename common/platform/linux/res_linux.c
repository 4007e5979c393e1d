/*
 * Resource sampling. On Linux a sample is one pass over /proc: the stat file of
 * every process (for parent links, CPU, threads and RSS), then the fd directory
 * of each process of the tree. Host facts come from uname, sysconf and
 * /proc/meminfo. On macOS host facts come from sysctl and Mach; elsewhere from
 * sysconf. Sampling a process tree is supported on Linux only: elsewhere
 * soak_res_tree() fails with SOAK_EXIT_ENV, "resource sampling is not supported
 * on this platform".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/utsname.h>
#ifdef __APPLE__
#include <mach/mach.h>
#include <sys/sysctl.h>
#endif

#include "res.h"
#include "exitcode.h"
#include "procfs.h"
#include "banned.h"

#ifdef __linux__

struct pinfo {
	pid_t pid, ppid;
	unsigned long long utime, stime; /* clock ticks */
	long threads;
	long rss_pages;
	int in_tree;
};

static int read_pinfo(pid_t pid, struct pinfo *pi)
{
	char path[64], buf[1024], state;
	long long f[22];

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (soak_procfs_read(path, buf, sizeof(buf)) <= 0 ||
	    soak_procfs_stat_fields(buf, f, 22) < 22)
		return -1;
	state = (char)f[0];
	if (state == 'Z' || state == 'X' || state == 'x')
		return -1; /* gone but for its exit status: no resources */
	pi->pid = pid;
	pi->ppid = (pid_t)f[1];                /* field 4 */
	pi->utime = (unsigned long long)f[11]; /* field 14 */
	pi->stime = (unsigned long long)f[12]; /* field 15 */
	pi->threads = (long)f[17];             /* field 20, num_threads */
	pi->rss_pages = (long)f[21];           /* field 24, rss */
	pi->in_tree = 0;
	return 0;
}

static long count_fds(pid_t pid)
{
	char path[64];
	struct dirent *de;
	long n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	d = opendir(path);
	if (!d)
		return 0; /* gone, or not ours to see */
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int pinfo_cmp(const void *a, const void *b)
{
	pid_t x = ((const struct pinfo *)a)->pid, y = ((const struct pinfo *)b)->pid;
	return (x > y) - (x < y);
}

static ssize_t pinfo_index(const struct pinfo *pi, size_t n, pid_t pid)
{
	struct pinfo key = {.pid = pid};
	const struct pinfo *hit = n ? bsearch(&key, pi, n, sizeof(*pi), pinfo_cmp) : NULL;
	return hit ? hit - pi : -1;
}

int soak_res_tree(long pid, struct soak_res *out, struct soak_err *err)
{
	struct pinfo *pi = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	ssize_t root;
	long tck = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	unsigned long long ut = 0, st = 0;
	int changed;
	DIR *d;

	memset(out, 0, sizeof(*out));
	if (tck <= 0)
		tck = 100;
	if (page <= 0)
		page = 4096;
	d = opendir("/proc");
	if (!d)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot open '/proc'");
	while ((de = readdir(d))) {
		char *end;
		long v;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		errno = 0;
		v = strtol(de->d_name, &end, 10);
		if (errno || *end || v <= 0)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 512;
			struct pinfo *np = realloc(pi, ncap * sizeof(*pi));
			if (!np) {
				int e = errno;
				closedir(d);
				free(pi);
				return soak_err_errno(err, SOAK_EXIT_ENV, e,
				                      "cannot sample processes");
			}
			pi = np;
			cap = ncap;
		}
		if (read_pinfo((pid_t)v, &pi[n]) == 0)
			n++;
	}
	closedir(d);
	if (n)
		qsort(pi, n, sizeof(*pi), pinfo_cmp);

	root = pinfo_index(pi, n, (pid_t)pid);
	if (root < 0) {
		free(pi);
		return 0; /* the tree vanished */
	}
	pi[root].in_tree = 1;
	/* Children usually have larger pids than parents, so this takes a pass or two. */
	do {
		changed = 0;
		for (size_t i = 0; i < n; i++) {
			ssize_t j;
			if (pi[i].in_tree)
				continue;
			j = pinfo_index(pi, n, pi[i].ppid);
			if (j >= 0 && pi[j].in_tree) {
				pi[i].in_tree = 1;
				changed = 1;
			}
		}
	} while (changed);

	for (size_t i = 0; i < n; i++) {
		if (!pi[i].in_tree)
			continue;
		out->procs++;
		out->threads += pi[i].threads;
		out->rss_bytes += (uint64_t)pi[i].rss_pages * (uint64_t)page;
		ut += pi[i].utime;
		st += pi[i].stime;
		out->open_fds += count_fds(pi[i].pid);
	}
	out->cpu_user_s = (double)ut / (double)tck;
	out->cpu_sys_s = (double)st / (double)tck;
	free(pi);
	return 0;
}

/* A "Name:   1234 kB" line of /proc/meminfo, in bytes. */
static int meminfo_field(const char *text, const char *name, uint64_t *bytes)
{
	size_t nlen = strlen(name);

	for (const char *line = text; line && *line;) {
		if (!strncmp(line, name, nlen) && line[nlen] == ':') {
			unsigned long long kb;
			if (sscanf(line + nlen + 1, " %llu", &kb) != 1)
				return -1;
			*bytes = (uint64_t)kb * 1024;
			return 0;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return -1;
}

static int read_meminfo(uint64_t *total, uint64_t *avail, struct soak_err *err)
{
	char buf[8192];

	if (soak_procfs_read("/proc/meminfo", buf, sizeof(buf)) <= 0)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot read '/proc/meminfo'");
	if ((total && meminfo_field(buf, "MemTotal", total) < 0) ||
	    (avail && meminfo_field(buf, "MemAvailable", avail) < 0))
		return soak_err_set(err, SOAK_EXIT_ENV,
		                    "cannot read '/proc/meminfo': no MemTotal or MemAvailable");
	return 0;
}

#else /* !__linux__ */

int soak_res_tree(long pid, struct soak_res *out, struct soak_err *err)
{
	(void)pid;
	memset(out, 0, sizeof(*out));
	return soak_err_set(err, SOAK_EXIT_ENV,
	                    "resource sampling is not supported on this platform");
}

#ifdef __APPLE__
static int read_meminfo(uint64_t *total, uint64_t *avail, struct soak_err *err)
{
	if (total) {
		uint64_t mem = 0;
		size_t len = sizeof(mem);
		if (sysctlbyname("hw.memsize", &mem, &len, NULL, 0) < 0)
			return soak_err_errno(err, SOAK_EXIT_ENV, errno,
			                      "cannot read 'hw.memsize'");
		*total = mem;
	}
	if (avail) {
		vm_statistics64_data_t vm;
		mach_msg_type_number_t count = HOST_VM_INFO64_COUNT;
		vm_size_t page = 0;
		if (host_page_size(mach_host_self(), &page) != KERN_SUCCESS ||
		    host_statistics64(mach_host_self(), HOST_VM_INFO64, (host_info64_t)&vm,
		                      &count) != KERN_SUCCESS)
			return soak_err_set(err, SOAK_EXIT_ENV,
			                    "cannot read the virtual memory statistics");
		*avail = ((uint64_t)vm.free_count + vm.inactive_count + vm.speculative_count) *
		         (uint64_t)page;
	}
	return 0;
}
#else
static int read_meminfo(uint64_t *total, uint64_t *avail, struct soak_err *err)
{
	long page = sysconf(_SC_PAGESIZE);
	long pages;

	if (total) {
		pages = sysconf(_SC_PHYS_PAGES);
		if (pages < 0 || page < 0)
			return soak_err_errno(err, SOAK_EXIT_ENV, errno,
			                      "cannot read the memory size");
		*total = (uint64_t)pages * (uint64_t)page;
	}
	if (avail) {
#ifdef _SC_AVPHYS_PAGES
		pages = sysconf(_SC_AVPHYS_PAGES);
		if (pages < 0 || page < 0)
			return soak_err_errno(err, SOAK_EXIT_ENV, errno,
			                      "cannot read the available memory");
		*avail = (uint64_t)pages * (uint64_t)page;
#else
		return soak_err_set(
		    err, SOAK_EXIT_ENV,
		    "reading the available memory is not supported on this platform");
#endif
	}
	return 0;
}
#endif /* __APPLE__ */

#endif /* __linux__ */

/* Copy the string in src[sn] into dst[dn], cut to fit (uname fields outsize ours). */
static void copy_str(char *dst, size_t dn, const char *src, size_t sn)
{
	size_t len = strnlen(src, sn);

	if (len > dn - 1)
		len = dn - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

#define COPY_STR(dst, src) copy_str(dst, sizeof(dst), src, sizeof(src))

int soak_host_read(struct soak_host *h, struct soak_err *err)
{
	struct utsname u;
	long cpus;

	memset(h, 0, sizeof(*h));
	if (uname(&u) < 0)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot read the system name");
#if defined(__linux__)
	COPY_STR(h->os, "linux");
#elif defined(__APPLE__)
	COPY_STR(h->os, "macos");
#else
	COPY_STR(h->os, u.sysname);
	for (char *c = h->os; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
#endif
	COPY_STR(h->kernel, u.release);
	COPY_STR(h->arch, u.machine);
	if (gethostname(h->hostname, sizeof(h->hostname) - 1) < 0)
		COPY_STR(h->hostname, u.nodename);
	h->hostname[sizeof(h->hostname) - 1] = '\0';

	cpus = sysconf(_SC_NPROCESSORS_ONLN);
#ifdef __APPLE__
	if (cpus < 1) {
		int ncpu = 0;
		size_t len = sizeof(ncpu);
		if (sysctlbyname("hw.logicalcpu", &ncpu, &len, NULL, 0) == 0)
			cpus = ncpu;
	}
#endif
	h->cpus = cpus < 1 ? 1 : (int)cpus;
	return read_meminfo(&h->mem_total, &h->mem_avail, err);
}

int soak_host_mem_avail(uint64_t *bytes, struct soak_err *err)
{
	*bytes = 0;
	return read_meminfo(NULL, bytes, err);
}

int soak_disk_free(const char *path, uint64_t *free_bytes, uint64_t *total_bytes,
                   struct soak_err *err)
{
	struct statvfs sv;

	if (free_bytes)
		*free_bytes = 0;
	if (total_bytes)
		*total_bytes = 0;
	if (statvfs(path, &sv) < 0)
		return soak_err_errno(err, errno == ENOENT ? SOAK_EXIT_INPUT : SOAK_EXIT_ENV, errno,
		                      "cannot read the free space of '%s'", path);
	if (free_bytes)
		*free_bytes = (uint64_t)sv.f_bavail * (uint64_t)sv.f_frsize;
	if (total_bytes)
		*total_bytes = (uint64_t)sv.f_blocks * (uint64_t)sv.f_frsize;
	return 0;
}
