#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"
#include "banned.h"

#ifdef __linux__

ssize_t soak_procfs_read(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;

	if (fd < 0)
		return -1;
	while (len + 1 < size) {
		ssize_t r = read(fd, buf + len, size - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

int soak_procfs_stat_fields(char *buf, long long *f, int max)
{
	char *s = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
	int n = 0;

	if (!s || s[1] != ' ' || !s[2])
		return 0;
	s += 2;
	f[n++] = (unsigned char)*s++;
	while (n < max && *s == ' ') {
		char *end;
		errno = 0;
		f[n] = strtoll(s + 1, &end, 10);
		if (end == s + 1 || errno)
			break;
		n++;
		s = end;
	}
	return n;
}

#endif
