/*
 * Writers on a file system that runs out of room, without needing one: RLIMIT_FSIZE
 * makes write(2) take only part of the data and then fail (EFBIG), exactly as a
 * nearly full disk does (ENOSPC). The file must keep only whole lines / whole files.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "check.h"
#include "jsonl.h"
#include "file.h"
#include "exitcode.h"
#include "banned.h"

static char tmpdir[] = "/tmp/soak-test-diskfull-XXXXXX";

static long long size_of(const char *p)
{
	struct stat st;

	return stat(p, &st) ? -1 : (long long)st.st_size;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_jsonl_short_write(void)
{
	struct soak_jsonl_writer w;
	struct soak_err err = {0};
	char path[256], line[100], big[300];
	struct rlimit rl, old;

	snprintf(path, sizeof(path), "%s/metrics.jsonl", tmpdir);
	memset(line, 'a', sizeof(line));
	memset(big, 'b', sizeof(big));
	CHECK_INT(soak_jsonl_open(&w, path, &err), 0);
	/* the soft limit only: lowering the hard one could not be undone */
	CHECK_INT(getrlimit(RLIMIT_FSIZE, &old), 0);
	rl.rlim_cur = 200;
	rl.rlim_max = old.rlim_max;
	CHECK_INT(setrlimit(RLIMIT_FSIZE, &rl), 0);
	/* 101 bytes fit under the 200-byte limit */
	CHECK_INT(soak_jsonl_append_raw(&w, line, sizeof(line), &err), 0);
	CHECK_INT(size_of(path), 101);
	/* the next 101: 99 are written, then EFBIG; the 99 must be taken back */
	CHECK_INT(soak_jsonl_append_raw(&w, line, sizeof(line), &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_ENV);
	CHECK(strstr(err.msg, "metrics.jsonl'") != NULL);
	CHECK(strstr(err.msg, strerror(EFBIG)) != NULL);
	CHECK_INT(size_of(path), 101);
	/* a line longer than the limit altogether (heap buffer path) */
	CHECK_INT(soak_jsonl_append_raw(&w, big, sizeof(big), &err), -1);
	CHECK_INT(size_of(path), 101);
	CHECK_INT(setrlimit(RLIMIT_FSIZE, &old), 0);
	/* room again: appending goes on after the last whole line */
	CHECK_INT(soak_jsonl_append_raw(&w, "{}", 2, &err), 0);
	CHECK_INT(size_of(path), 104);
	soak_jsonl_close(&w);
	{
		struct soak_jsonl_reader r;
		const char *l;
		size_t n;
		int lines = 0;

		CHECK_INT(soak_jsonl_reader_open(&r, path, 4096, &err), 0);
		while (soak_jsonl_next(&r, &l, &n, &err) == 1)
			lines++;
		CHECK_INT(lines, 2);
		CHECK_INT(r.partial, 0);
		soak_jsonl_reader_close(&r);
	}
	unlink(path);
}

static void test_atomic_short_write(void)
{
	struct soak_err err = {0};
	char path[256], data[500];
	struct rlimit rl, old;

	snprintf(path, sizeof(path), "%s/summary.json", tmpdir);
	memset(data, 'x', sizeof(data));
	CHECK_INT(soak_file_write_atomic(path, "old", 3, &err), 0);
	CHECK_INT(getrlimit(RLIMIT_FSIZE, &old), 0);
	rl.rlim_cur = 300;
	rl.rlim_max = old.rlim_max;
	CHECK_INT(setrlimit(RLIMIT_FSIZE, &rl), 0);
	CHECK_INT(soak_file_write_atomic(path, data, sizeof(data), &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_ENV);
	CHECK(strstr(err.msg, "summary.json'") != NULL);
	CHECK_INT(soak_file_replace(path, data, sizeof(data), &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_ENV);
	CHECK_INT(setrlimit(RLIMIT_FSIZE, &old), 0);
	/* the old version is whole, and no temporary file is left beside it */
	CHECK_INT(size_of(path), 3);
	CHECK_INT(count_entries(tmpdir), 1);
	unlink(path);
}

int main(void)
{
	signal(SIGXFSZ, SIG_IGN);
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_jsonl_short_write();
	test_atomic_short_write();
	rmdir(tmpdir);
	return check_done();
}
