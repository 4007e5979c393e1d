#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "clock.h"
#include "exitcode.h"
#include "os.h"
#include "fmt.h"
#include "parse.h"
#include "str.h"
#include "banned.h"

static uint64_t random_u64(void)
{
	static uint64_t counter;
	uint64_t x;

	if (soak_os_random(&x, sizeof(x)) == 0)
		return x;
	/* no entropy: the name only has to be unlikely to collide, O_EXCL does the rest */
	return ((uint64_t)soak_mono_ns() << 20) ^ ((uint64_t)soak_os_getpid() << 40) ^ ++counter;
}

/* Make the rename itself durable; a failure here loses nothing the reader could see. */
static void sync_parent(const char *path)
{
	const char *slash = NULL;
	char *dir;

	for (const char *q = path; *q; q++)
		if (soak_os_is_sep(*q))
			slash = q;
	if (!slash)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = soak_strndup(path, (size_t)(slash - path));
	if (!dir)
		return;
	soak_os_sync_dir(dir);
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
		snprintf(tmp, tlen, "%s.tmp.%ld.%016" PRIx64, path, soak_os_getpid(), random_u64());
		fd = soak_os_open(tmp, SOAK_O_WRONLY | SOAK_O_CREAT | SOAK_O_EXCL, 0666);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		e = errno;
		free(tmp);
		return soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot write '%s'", path);
	}
	if (soak_os_write_all(fd, data, len) < 0 || (sync && soak_os_fsync(fd) < 0)) {
		e = errno;
		soak_os_close(fd);
		goto fail;
	}
	if (soak_os_close(fd) < 0) {
		e = errno;
		goto fail;
	}
	if (soak_os_rename(tmp, path) < 0) {
		e = errno;
		goto fail;
	}
	free(tmp);
	if (sync)
		sync_parent(path);
	return 0;
fail:
	soak_os_unlink(tmp);
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
	fd = soak_os_open(path, SOAK_O_RDONLY, 0);
	if (fd < 0)
		return soak_err_errno(err, SOAK_EXIT_INPUT, errno, "cannot open '%s'", path);
	for (;;) {
		ptrdiff_t n = soak_os_read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			e = errno;
			soak_os_close(fd);
			return soak_err_errno(err, e == EISDIR ? SOAK_EXIT_INPUT : SOAK_EXIT_ENV, e,
			                      "cannot read '%s'", path);
		}
		if (n == 0)
			break;
		if (soak_buf_add(b, chunk, (size_t)n) < 0) {
			soak_os_close(fd);
			soak_buf_reset(b);
			return soak_err_set(err, SOAK_EXIT_INPUT,
			                    "cannot read '%s': larger than the limit of %s", path,
			                    soak_format_size(b->max, sz, sizeof(sz)));
		}
	}
	soak_os_close(fd);
	if (!b->data) /* an empty file reads as "" */
		soak_buf_add(b, "", 0);
	return 0;
}

int soak_mkdir_p(const char *path, struct soak_err *err)
{
	char *p = strdup(path);
	struct soak_os_stat st;
	size_t i, len;

	if (!p)
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot create directory '%s'",
		                      path);
	len = strlen(p);
	while (len > 1 && soak_os_is_sep(p[len - 1]))
		p[--len] = '\0';
	for (i = 1; i <= len; i++) {
		if (!soak_os_is_sep(p[i]) && p[i] != '\0')
			continue;
		char save = p[i];
		p[i] = '\0';
		if (soak_os_mkdir(p, 0777) < 0) {
			int e = errno;
			/* "C:" and "\\server" are not made: they exist or nothing will */
			if (e != EEXIST && soak_os_stat(p, &st) == 0 && st.type == SOAK_OS_DIR)
				e = EEXIST;
			if (e != EEXIST || soak_os_stat(p, &st) < 0 || st.type != SOAK_OS_DIR) {
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

const char *soak_path_base(const char *path)
{
	const char *base = path;

	for (const char *p = path; *p; p++)
		if (soak_os_is_sep((unsigned char)*p))
			base = p + 1;
	return base;
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
	struct soak_os_stat st;

	return soak_os_lstat(path, &st) == 0;
}

int soak_dir_check_writable(const char *dir, struct soak_err *err)
{
	char name[64];
	char *path;
	struct soak_os_stat st;
	int fd, e;

	if (soak_os_stat(dir, &st) < 0)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot use directory '%s'", dir);
	if (st.type != SOAK_OS_DIR)
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOTDIR, "cannot use directory '%s'",
		                      dir);
	snprintf(name, sizeof(name), ".soak-write-test.%ld.%016" PRIx64, soak_os_getpid(),
	         random_u64());
	path = soak_path_join(dir, name);
	if (!path)
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot write to directory '%s'",
		                      dir);
	fd = soak_os_open(path, SOAK_O_WRONLY | SOAK_O_CREAT | SOAK_O_EXCL, 0600);
	if (fd < 0) {
		e = errno;
		free(path);
		return soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot write to directory '%s'", dir);
	}
	soak_os_close(fd);
	soak_os_unlink(path);
	free(path);
	return 0;
}
