/* The parts of os.h that every OS shares, written on the others. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os.h"
#include "banned.h"

int soak_os_remove_tree(const char *path)
{
	struct soak_os_stat st;
	char **names, *c;
	size_t n, len = strlen(path);
	int rc = 0, e = 0;

	if (soak_os_lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (st.type != SOAK_OS_DIR)
		return soak_os_unlink(path) < 0 && errno != ENOENT ? -1 : 0;
	if (soak_os_list_dir(path, &names, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			if (!(c = malloc(len + strlen(names[i]) + 2))) {
				e = e ? e : ENOMEM;
				continue;
			}
			snprintf(c, len + strlen(names[i]) + 2, "%s/%s", path, names[i]);
			if (soak_os_remove_tree(c) < 0 && !e)
				e = errno;
			free(c);
		}
		soak_os_names_free(names, n);
	}
	if (soak_os_rmdir(path) < 0 && errno != ENOENT)
		rc = -1;
	if (e) {
		errno = e;
		rc = -1;
	}
	return rc;
}

int soak_os_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		ptrdiff_t w = soak_os_write(fd, p, n);

		if (w < 0)
			return -1;
		if (w == 0) {
			errno = ENOSPC;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}
