#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <ftw.h>
#include <sys/stat.h>

#include "fuzz_util.h"
#include "banned.h"

static char dir[64], tree_dir[64];

static void rm_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char p[400];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

const char *fuzz_dir(void)
{
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/soak-fuzz-XXXXXX");
		if (!mkdtemp(dir))
			fuzz_fail("cannot create a scratch directory");
		atexit(rm_dir);
	}
	return dir;
}

static int rm_cb(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static int chmod_cb(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)f;
	if (flag == FTW_D || flag == FTW_DNR)
		chmod(path, (st->st_mode & 07777) | 0700);
	return 0;
}

void fuzz_rm_tree(const char *path)
{
	nftw(path, chmod_cb, 16, FTW_PHYS);
	nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void rm_tree_dir(void)
{
	fuzz_rm_tree(tree_dir);
}

const char *fuzz_tree_dir(void)
{
	struct stat st;

	if (!tree_dir[0]) {
		snprintf(tree_dir, sizeof(tree_dir), "%s/soak-fuzz-XXXXXX",
		         stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp");
		if (!mkdtemp(tree_dir))
			fuzz_fail("cannot create a scratch directory");
		atexit(rm_tree_dir);
	}
	return tree_dir;
}

const char *fuzz_file(const char *name, const uint8_t *data, size_t size)
{
	static char path[200];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", fuzz_dir(), name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		fuzz_fail("cannot write '%s'", path);
	while (size) {
		ssize_t n = write(fd, data, size);
		if (n <= 0)
			fuzz_fail("cannot write '%s'", path);
		data += n;
		size -= (size_t)n;
	}
	close(fd);
	return path;
}

char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		fuzz_fail("out of memory");
	memcpy(s, data, size);
	s[size] = 0;
	return s;
}

void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("fuzz: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}
