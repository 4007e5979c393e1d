#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "file.h"
#include "exitcode.h"
#include "banned.h"

static char tmpdir[] = "/tmp/soak-test-file-XXXXXX";

static char *path(const char *name)
{
	static char buf[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, name);
	return buf[k];
}

/* Number of directory entries other than . and .. */
static int count_entries(const char *dir, const char *containing)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    (!containing || strstr(e->d_name, containing)))
			n++;
	closedir(d);
	return n;
}

static void test_write_atomic(void)
{
	struct soak_err err = {0};
	struct soak_buf b;
	struct stat st;
	const char *p = path("run.json");

	soak_buf_init(&b, 1 << 20);
	CHECK_INT(soak_file_write_atomic(p, "{\"a\":1}\n", 8, &err), 0);
	CHECK_INT(soak_file_read(p, &b, &err), 0);
	CHECK_STR(soak_buf_str(&b), "{\"a\":1}\n");
	CHECK_INT(b.len, 8);
	/* replacing keeps one file and no temporaries */
	CHECK_INT(soak_file_write_atomic(p, "second", 6, &err), 0);
	CHECK_INT(soak_file_read(p, &b, &err), 0);
	CHECK_STR(soak_buf_str(&b), "second");
	CHECK_INT(count_entries(tmpdir, NULL), 1);
	CHECK_INT(count_entries(tmpdir, ".tmp."), 0);

	/* a large body goes through whole */
	size_t n = 3 * 1024 * 1024 + 17;
	char *big = malloc(n);
	for (size_t i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	CHECK_INT(soak_file_write_atomic(path("big"), big, n, &err), 0);
	CHECK_INT(stat(path("big"), &st), 0);
	CHECK_INT(st.st_size, n);
	struct soak_buf bb;
	soak_buf_init(&bb, 8 * 1024 * 1024);
	CHECK_INT(soak_file_read(path("big"), &bb, &err), 0);
	CHECK_INT(bb.len, n);
	CHECK(bb.data && memcmp(bb.data, big, n) == 0);
	soak_buf_free(&bb);
	free(big);
	CHECK_INT(unlink(path("big")), 0);

	/* empty content */
	CHECK_INT(soak_file_write_atomic(path("empty"), "", 0, &err), 0);
	CHECK_INT(soak_file_read(path("empty"), &b, &err), 0);
	CHECK_INT(b.len, 0);
	CHECK(b.data != NULL);
	CHECK_INT(unlink(path("empty")), 0);

	/* a directory that does not exist */
	err.code = 0;
	CHECK_INT(soak_file_write_atomic(path("nodir/x.json"), "x", 1, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_ENV);
	char want[600];
	snprintf(want, sizeof(want), "cannot write '%s': No such file or directory",
	         path("nodir/x.json"));
	CHECK_STR(err.msg, want);

	/* a "directory" that is a file */
	CHECK_INT(soak_file_write_atomic(path("run.json/x"), "x", 1, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_ENV);
	CHECK(strstr(err.msg, "Not a directory") != NULL);

	/* failure after the temporary exists (rename onto a non-empty directory): it is removed */
	CHECK_INT(mkdir(path("adir"), 0755), 0);
	CHECK_INT(soak_file_write_atomic(path("adir/inner"), "i", 1, &err), 0);
	err.code = 0;
	CHECK_INT(soak_file_write_atomic(path("adir"), "x", 1, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_ENV);
	snprintf(want, sizeof(want), "cannot write '%s': Is a directory", path("adir"));
	CHECK_STR(err.msg, want);
	CHECK_INT(count_entries(tmpdir, ".tmp."), 0);
	CHECK_INT(count_entries(tmpdir, NULL), 2);

	/* no permission (only meaningful when not root) */
	if (geteuid() != 0) {
		CHECK_INT(mkdir(path("ro"), 0555), 0);
		CHECK_INT(soak_file_write_atomic(path("ro/f"), "x", 1, &err), -1);
		CHECK_INT(err.code, SOAK_EXIT_ENV);
		CHECK(strstr(err.msg, "Permission denied") != NULL);
		CHECK_INT(rmdir(path("ro")), 0);
	}

	/* disk full: /dev/full cannot be renamed onto, but a full tmpfs is not at hand;
	 * the errno text is what the caller sees, checked through the rename path above */
	soak_buf_free(&b);
	CHECK_INT(unlink(path("adir/inner")), 0);
	CHECK_INT(rmdir(path("adir")), 0);
}

static void test_read(void)
{
	struct soak_err err = {0};
	struct soak_buf b;
	char want[600];

	soak_buf_init(&b, 4);
	CHECK_INT(soak_file_read(path("missing"), &b, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_INPUT);
	snprintf(want, sizeof(want), "cannot open '%s': No such file or directory",
	         path("missing"));
	CHECK_STR(err.msg, want);

	CHECK_INT(soak_file_write_atomic(path("five"), "12345", 5, &err), 0);
	CHECK_INT(soak_file_read(path("five"), &b, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_INPUT);
	snprintf(want, sizeof(want), "cannot read '%s': larger than the limit of 4 B",
	         path("five"));
	CHECK_STR(err.msg, want);
	CHECK_INT(b.len, 0);

	b.max = 5;
	CHECK_INT(soak_file_read(path("five"), &b, &err), 0);
	CHECK_STR(soak_buf_str(&b), "12345");
	/* reading again replaces, not appends */
	CHECK_INT(soak_file_read(path("five"), &b, &err), 0);
	CHECK_STR(soak_buf_str(&b), "12345");
	CHECK_INT(unlink(path("five")), 0);

	CHECK_INT(soak_file_read(tmpdir, &b, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_INPUT);
	CHECK(strstr(err.msg, "Is a directory") != NULL);
	soak_buf_free(&b);
}

static void test_dirs(void)
{
	struct soak_err err = {0};
	struct stat st;
	char *j;

	CHECK_INT(soak_mkdir_p(path("a/b/c"), &err), 0);
	CHECK_INT(stat(path("a/b/c"), &st), 0);
	CHECK(S_ISDIR(st.st_mode));
	CHECK_INT(soak_mkdir_p(path("a/b/c/"), &err), 0); /* exists: fine */
	CHECK_INT(soak_mkdir_p(path("a//b/d//"), &err), 0);
	CHECK_INT(stat(path("a/b/d"), &st), 0);
	CHECK_INT(soak_mkdir_p(tmpdir, &err), 0);

	CHECK_INT(soak_file_write_atomic(path("a/file"), "x", 1, &err), 0);
	err.code = 0;
	CHECK_INT(soak_mkdir_p(path("a/file/sub"), &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_ENV);
	char want[600];
	snprintf(want, sizeof(want), "cannot create directory '%s': Not a directory",
	         path("a/file/sub"));
	CHECK_STR(err.msg, want);
	CHECK_INT(soak_mkdir_p(path("a/file"), &err), -1);
	snprintf(want, sizeof(want), "cannot create directory '%s': Not a directory",
	         path("a/file"));
	CHECK_STR(err.msg, want);

	CHECK_INT(soak_path_exists(path("a/file")), 1);
	CHECK_INT(soak_path_exists(path("a/b")), 1);
	CHECK_INT(soak_path_exists(path("a/nope")), 0);
	CHECK_INT(symlink("/nonexistent-target", path("a/dangling")), 0);
	CHECK_INT(soak_path_exists(path("a/dangling")), 1);

	CHECK_INT(soak_dir_check_writable(path("a"), &err), 0);
	CHECK_INT(count_entries(path("a"), ".soak"), 0);
	err.code = 0;
	CHECK_INT(soak_dir_check_writable(path("a/none"), &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_ENV);
	snprintf(want, sizeof(want), "cannot use directory '%s': No such file or directory",
	         path("a/none"));
	CHECK_STR(err.msg, want);
	CHECK_INT(soak_dir_check_writable(path("a/file"), &err), -1);
	snprintf(want, sizeof(want), "cannot use directory '%s': Not a directory", path("a/file"));
	CHECK_STR(err.msg, want);
	CHECK_INT(soak_dir_check_writable("/proc/self", &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_ENV);

	j = soak_path_join("dir", "name");
	CHECK_STR(j, "dir/name");
	free(j);
	j = soak_path_join("dir/", "name");
	CHECK_STR(j, "dir/name");
	free(j);
	j = soak_path_join("", "name");
	CHECK_STR(j, "name");
	free(j);
	j = soak_path_join("/", "etc");
	CHECK_STR(j, "/etc");
	free(j);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_write_atomic();
	test_read();
	test_dirs();
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	CHECK_INT(system(cmd), 0);
	return check_done();
}
