#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "exitcode.h"
#include "parse.h"
#include "str.h"
#include "banned.h"

static uint64_t random_u64(void)
{
	static uint64_t counter;
	uint64_t x;

	if (getrandom(&x, sizeof(x), GRND_NONBLOCK) == (ssize_t)sizeof(x))
		return x;
	/* no entropy yet: the name only has to be unlikely to collide, O_EXCL does the rest */
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 40) ^
	       ++counter;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Make the rename itself durable; a failure here loses nothing the reader could see. */
static void sync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	if (!slash)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = soak_strndup(path, (size_t)(slash - path));
	if (!dir)
		return;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

static int write_replace(const char *path, const void *data, size_t len, int sync,
                         struct soak_err *err)
{
	size_t tlen = strlen(path) + 64;
	char *tmp = malloc(tlen);
	int fd = -1, tries, e;

	if (!tmp)
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot write '%s'", path);
	for (tries = 0; tries < 16; tries++) {
		snprintf(tmp, tlen, "%s.tmp.%ld.%016" PRIx64, path, (long)getpid(), random_u64());
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		e = errno;
		free(tmp);
		return soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot write '%s'", path);
	}
	if (write_all(fd, data, len) < 0 || (sync && fsync(fd) < 0)) {
		e = errno;
		close(fd);
		goto fail;
	}
	if (close(fd) < 0) {
		e = errno;
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		e = errno;
		goto fail;
	}
	free(tmp);
	if (sync)
		sync_parent(path);
	return 0;
fail:
	unlink(tmp);
	free(tmp);
	return soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot write '%s'", path);
}

int soak_file_write_atomic(const char *path, const void *data, size_t len, struct soak_err *err)
{
	return write_replace(path, data, len, 1, err);
}

int soak_file_replace(const char *path, const void *data, size_t len, struct soak_err *err)
{
	return write_replace(path, data, len, 0, err);
}

int soak_file_read(const char *path, struct soak_buf *b, struct soak_err *err)
{
	char chunk[65536], sz[32];
	int fd, e;

	soak_buf_reset(b);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return soak_err_errno(err, SOAK_EXIT_INPUT, errno, "cannot open '%s'", path);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			close(fd);
			return soak_err_errno(err, e == EISDIR ? SOAK_EXIT_INPUT : SOAK_EXIT_ENV, e,
			                      "cannot read '%s'", path);
		}
		if (n == 0)
			break;
		if (soak_buf_add(b, chunk, (size_t)n) < 0) {
			close(fd);
			soak_buf_reset(b);
			return soak_err_set(err, SOAK_EXIT_INPUT,
			                    "cannot read '%s': larger than the limit of %s", path,
			                    soak_format_size(b->max, sz, sizeof(sz)));
		}
	}
	close(fd);
	if (!b->data) /* an empty file reads as "" */
		soak_buf_add(b, "", 0);
	return 0;
}

int soak_mkdir_p(const char *path, struct soak_err *err)
{
	char *p = strdup(path);
	struct stat st;
	size_t i, len;

	if (!p)
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot create directory '%s'",
		                      path);
	len = strlen(p);
	while (len > 1 && p[len - 1] == '/')
		p[--len] = '\0';
	for (i = 1; i <= len; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		char save = p[i];
		p[i] = '\0';
		if (mkdir(p, 0777) < 0) {
			int e = errno;
			if (e != EEXIST || stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
				if (e == EEXIST)
					e = ENOTDIR;
				soak_err_errno(err, SOAK_EXIT_ENV, e,
				               "cannot create directory '%s'", path);
				free(p);
				return -1;
			}
		}
		p[i] = save;
	}
	free(p);
	return 0;
}

char *soak_path_join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	int sep = dl && dir[dl - 1] != '/';
	char *p;

	if (!dl)
		return strdup(name);
	p = malloc(dl + (size_t)sep + nl + 1);
	if (!p)
		return NULL;
	memcpy(p, dir, dl);
	if (sep)
		p[dl] = '/';
	memcpy(p + dl + sep, name, nl + 1);
	return p;
}

int soak_path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

int soak_dir_check_writable(const char *dir, struct soak_err *err)
{
	char name[64];
	char *path;
	struct stat st;
	int fd, e;

	if (stat(dir, &st) < 0)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot use directory '%s'", dir);
	if (!S_ISDIR(st.st_mode))
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOTDIR, "cannot use directory '%s'",
		                      dir);
	snprintf(name, sizeof(name), ".soak-write-test.%ld.%016" PRIx64, (long)getpid(),
	         random_u64());
	path = soak_path_join(dir, name);
	if (!path)
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot write to directory '%s'",
		                      dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		e = errno;
		free(path);
		return soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot write to directory '%s'", dir);
	}
	close(fd);
	unlink(path);
	free(path);
	return 0;
}
