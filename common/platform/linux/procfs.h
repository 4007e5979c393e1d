/*
 * Linux /proc helpers shared by the platform layer (proc_posix.c, res_linux.c).
 * Internal to the platform layer: nothing outside it includes this header.
 */
#ifndef SOAK_PROCFS_H
#define SOAK_PROCFS_H

#ifdef __linux__
#include <stddef.h>
#include <sys/types.h>

/* Read a small file whole into buf (NUL-terminated); length, or -1 when it cannot be opened. */
ssize_t soak_procfs_read(const char *path, char *buf, size_t size);

/*
 * Split a /proc/PID/stat line after the command name: f[0] is field 3 (the
 * state, as a character), f[i] is field i + 3. Returns how many fields were read.
 */
int soak_procfs_stat_fields(char *buf, long long *f, int max);
#endif

#endif
