/*
 * Resource sampling, platform layer (Linux /proc, Windows): a process tree's memory,
 * CPU, threads and descriptors, and host facts.
 *
 * Windows (win32/res.c): the tree from a Toolhelp snapshot by parent ids;
 * rss_bytes is the working set, open_fds the handle count (every kernel
 * handle, not only files), threads from the snapshot; kernel is the
 * "major.minor.build" of RtlGetVersion.
 */
#ifndef SOAK_RES_H
#define SOAK_RES_H

#include <stdint.h>
#include "err.h"

struct soak_res {
	uint64_t rss_bytes; /* summed over the tree */
	double cpu_user_s;  /* summed over the live processes of the tree */
	double cpu_sys_s;
	long threads;
	long open_fds;
	long procs; /* processes in the tree */
};

/*
 * Sample the tree rooted at pid: pid and all its descendants (by parent links).
 * A tree that vanished gives zeros, not an error.
 */
int soak_res_tree(long pid, struct soak_res *out, struct soak_err *err);

/* Keep the larger of each field of s in peak (cpu fields: the larger total). */
void soak_res_peak(struct soak_res *peak, const struct soak_res *s);

struct soak_host {
	char os[64];      /* "linux" */
	char kernel[128]; /* uname release */
	char arch[32];    /* "x86_64" */
	char hostname[256];
	int cpus;
	uint64_t mem_total; /* bytes */
	uint64_t mem_avail;
};

int soak_host_read(struct soak_host *h, struct soak_err *err);
/* Available memory only (cheap, for samples). */
int soak_host_mem_avail(uint64_t *bytes, struct soak_err *err);
/* Free and total bytes of the file system holding path (for unprivileged users). */
int soak_disk_free(const char *path, uint64_t *free_bytes, uint64_t *total_bytes,
                   struct soak_err *err);

#endif
