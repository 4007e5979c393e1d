/*
 * Unit tests of fs.h on Windows (win32/fs.c): the walk (order, depth, skipping a
 * directory's contents), remove, rewrite, the changes in place, and a junction inside
 * the tree, reported as a link and never followed. Runs on Windows and under Wine;
 * what Wine lacks is skipped with the reason printed.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "err.h"
#include "fs.h"
#include "os.h"
#include "win32.h"
#include "banned.h"

static char base[MAX_PATH * 2];

static void skip(const char *what, const char *why)
{
	printf("skip: %s: %s\n", what, why);
}

static const char *at(char *buf, size_t n, const char *rel)
{
	snprintf(buf, n, "%s\\%s", base, rel);
	for (char *p = buf + strlen(base); *p; p++)
		if (*p == '/')
			*p = '\\';
	return buf;
}

static int write_file(const char *rel, const char *s)
{
	char p[2048];
	int fd =
	    soak_os_open(at(p, sizeof(p), rel), SOAK_O_WRONLY | SOAK_O_CREAT | SOAK_O_TRUNC, 0644);
	int rc;

	if (fd < 0)
		return -1;
	rc = soak_os_write_all(fd, s, strlen(s));
	return soak_os_close(fd) < 0 ? -1 : rc;
}

static ptrdiff_t read_file(const char *rel, char *buf, size_t n)
{
	char p[2048];
	int fd = soak_os_open(at(p, sizeof(p), rel), SOAK_O_RDONLY, 0);
	ptrdiff_t got = 0, r;

	if (fd < 0)
		return -1;
	while ((size_t)got < n - 1 && (r = soak_os_read(fd, buf + got, n - 1 - (size_t)got)) > 0)
		got += r;
	buf[got] = '\0';
	soak_os_close(fd);
	return got;
}

static int mkdir_rel(const char *rel)
{
	char p[2048];

	return soak_os_mkdir(at(p, sizeof(p), rel), 0755);
}

/* The walk's entries as "type path" lines. */
struct seen {
	char buf[8192];
	size_t len;
	const char *skip_dir; /* return 1 for this directory */
};

static int record(void *ctx, const struct soak_fs_entry *e, struct soak_err *err)
{
	static const char t[] = "FLDOS";
	struct seen *s = ctx;
	int n;

	(void)err;
	n = snprintf(s->buf + s->len, sizeof(s->buf) - s->len, "%c %s\n", t[e->type], e->path);
	if (n > 0 && (size_t)n < sizeof(s->buf) - s->len)
		s->len += (size_t)n;
	if (e->type == SOAK_FS_FILE && !strcmp(e->path, "a b/x.txt")) {
		CHECK_INT(e->size, 3);
		CHECK_INT(e->mode, 0644);
		CHECK(e->mtime_ns > 0);
		CHECK_INT(e->mtime_ms, e->mtime_ns / 1000000);
	}
	if (e->type == SOAK_FS_DIR)
		CHECK_INT(e->mode, 0755);
	return s->skip_dir && e->type == SOAK_FS_DIR && !strcmp(e->path, s->skip_dir) ? 1 : 0;
}

static int stop_at(void *ctx, const struct soak_fs_entry *e, struct soak_err *err)
{
	(void)ctx;
	if (!strcmp(e->path, "b"))
		return soak_err_set(err, 7, "stop");
	return 0;
}

static void test_walk(struct soak_fs_root *r)
{
	struct soak_err err = {0};
	struct seen s;

	memset(&s, 0, sizeof(s));
	CHECK_INT(soak_fs_walk(r, record, &s, &err), 0);
	/* bytewise UTF-8 order: ' ' < '.' < 'C' < 'a' < 'b' < 'z' < U+00E9 < U+4E2D */
	CHECK_STR(s.buf, "D C\n"
	                 "D a b\n"
	                 "F a b/x.txt\n"
	                 "D b\n"
	                 "D b/c\n"
	                 "D b/c/d\n"
	                 "F b/c/d/deep.txt\n"
	                 "F b/c/f.txt\n"
	                 "F z.txt\n"
	                 "F \xc3\xa9t\xc3\xa9.txt\n"
	                 "F \xe4\xb8\xad.txt\n");

	memset(&s, 0, sizeof(s));
	CHECK_INT(soak_fs_walk_depth(r, 2, record, &s, &err), 0);
	CHECK_STR(s.buf, "D C\n"
	                 "D a b\n"
	                 "F a b/x.txt\n"
	                 "D b\n"
	                 "D b/c\n"
	                 "S b/c/d\n"
	                 "F b/c/f.txt\n"
	                 "F z.txt\n"
	                 "F \xc3\xa9t\xc3\xa9.txt\n"
	                 "F \xe4\xb8\xad.txt\n");

	memset(&s, 0, sizeof(s));
	s.skip_dir = "b";
	CHECK_INT(soak_fs_walk(r, record, &s, &err), 0);
	CHECK_STR(s.buf, "D C\n"
	                 "D a b\n"
	                 "F a b/x.txt\n"
	                 "D b\n"
	                 "F z.txt\n"
	                 "F \xc3\xa9t\xc3\xa9.txt\n"
	                 "F \xe4\xb8\xad.txt\n");

	CHECK_INT(soak_fs_walk(r, stop_at, NULL, &err), -1);
	CHECK_INT(err.code, 7);
}

/* Upper-case the bytes; fails when ctx is non-NULL. */
static int upper(void *ctx, int in, int out, uint64_t *out_bytes, struct soak_err *err)
{
	char buf[4096];
	ptrdiff_t n;

	*out_bytes = 0;
	while ((n = soak_os_read(in, buf, sizeof(buf))) > 0) {
		if (ctx)
			return soak_err_set(err, 4, "filter failed");
		for (ptrdiff_t i = 0; i < n; i++)
			buf[i] = (char)toupper((unsigned char)buf[i]);
		if (out >= 0 && soak_os_write_all(out, buf, (size_t)n) < 0)
			return soak_err_errno(err, 4, errno, "write");
		*out_bytes += (uint64_t)n;
	}
	return n < 0 ? soak_err_errno(err, 4, errno, "read") : 0;
}

static void test_rewrite(struct soak_fs_root *r)
{
	struct soak_err err = {0};
	struct soak_os_stat st;
	char **names, buf[64];
	uint64_t sz = 0;
	size_t n;
	int fail = 1;

	CHECK_INT(soak_fs_measure(r, "z.txt", upper, NULL, &sz, &err), 0);
	CHECK_INT(sz, 5);
	CHECK_INT(soak_fs_set_mtime(r, "z.txt", 1000000000000000000LL), 0);
	CHECK_INT(soak_fs_rewrite(r, "z.txt", "Z.up", upper, NULL, &sz, &err), 0);
	CHECK_INT(sz, 5);
	CHECK(!soak_fs_exists(r, "z.txt"));
	CHECK(read_file("t/Z.up", buf, sizeof(buf)) == 5 && !strcmp(buf, "ZZZZZ"));
	CHECK_INT(soak_fs_stat(r, "Z.up", &st), 0);
	CHECK_INT(st.mtime_ns, 1000000000000000000LL);

	/* the filter fails: the original stays, no temporary file is left */
	CHECK_INT(soak_fs_rewrite(r, "b/c/f.txt", "b/c/g.txt", upper, &fail, &sz, &err), -1);
	CHECK_INT(err.code, 4);
	CHECK(read_file("t/b/c/f.txt", buf, sizeof(buf)) == 3 && !strcmp(buf, "fff"));
	CHECK_INT(soak_fs_list(r, "b/c", &names, &n), 0);
	CHECK_INT(n, 2);
	soak_os_names_free(names, n);

	/* never over an existing file */
	CHECK_INT(write_file("t/b/c/g.txt", "old"), 0);
	CHECK_INT(soak_fs_rewrite(r, "b/c/f.txt", "b/c/g.txt", upper, NULL, &sz, &err), -1);
	CHECK(strstr(err.msg, "exists") != NULL || strstr(err.msg, "exist") != NULL);
	CHECK(read_file("t/b/c/g.txt", buf, sizeof(buf)) == 3 && !strcmp(buf, "old"));
	CHECK(read_file("t/b/c/f.txt", buf, sizeof(buf)) == 3 && !strcmp(buf, "fff"));
	CHECK_INT(soak_fs_list(r, "b/c", &names, &n), 0);
	CHECK_INT(n, 3);
	soak_os_names_free(names, n);
	/* another directory */
	CHECK_INT(soak_fs_rewrite(r, "b/c/f.txt", "g.txt", upper, NULL, &sz, &err), -1);
	/* not a regular file */
	CHECK_INT(soak_fs_rewrite(r, "b/c", "b/x", upper, NULL, &sz, &err), -1);

	CHECK_INT(soak_fs_remove(r, "b/c/g.txt", &err), 0);
	CHECK(!soak_fs_exists(r, "b/c/g.txt"));
	CHECK_INT(soak_fs_remove(r, "b/c/g.txt", &err), -1);
	CHECK_INT(err.code, 4);
	CHECK_INT(soak_fs_remove(r, "b/c", &err), -1);
	CHECK_INT(soak_fs_remove(r, "b/../z", &err), -1);
}

static void test_changes(struct soak_fs_root *r)
{
	struct soak_os_stat st;
	char **names, buf[64];
	size_t n;

	CHECK_INT(soak_fs_stat(r, "", &st), 0);
	CHECK_INT(st.type, SOAK_OS_DIR);
	CHECK_INT(soak_fs_stat(r, "a b/x.txt", &st), 0);
	CHECK_INT(st.type, SOAK_OS_FILE);
	CHECK_INT(st.size, 3);
	errno = 0;
	CHECK_INT(soak_fs_stat(r, "nope/x", &st), -1);
	CHECK_INT(errno, ENOENT);
	CHECK_INT(soak_fs_stat(r, "a b/x.txt/y", &st), -1);
	CHECK_INT(errno, ENOTDIR);
	CHECK_INT(soak_fs_stat(r, "a b/./x.txt", &st), -1);
	CHECK_INT(errno, EINVAL);
	CHECK_INT(soak_fs_stat(r, "a b\\x.txt", &st), -1);
	CHECK_INT(errno, EINVAL);

	CHECK_INT(soak_fs_list(r, "", &names, &n), 0);
	CHECK_INT(n, 6);
	if (n == 6) {
		CHECK_STR(names[0], "C");
		CHECK_STR(names[1], "Z.up");
		CHECK_STR(names[2], "a b");
		CHECK_STR(names[5], "\xe4\xb8\xad.txt");
	}
	soak_os_names_free(names, n);
	CHECK_INT(soak_fs_list(r, "a b/x.txt", &names, &n), -1);
	CHECK_INT(errno, ENOTDIR);

	/* chmod: the read-only attribute */
	CHECK_INT(soak_fs_chmod(r, "a b/x.txt", 0444), 0);
	CHECK_INT(soak_fs_stat(r, "a b/x.txt", &st), 0);
	CHECK_INT(st.mode, 0444);
	CHECK_INT(soak_fs_chmod(r, "a b/x.txt", 0644), 0);
	CHECK_INT(soak_fs_stat(r, "a b/x.txt", &st), 0);
	CHECK_INT(st.mode, 0644);
	CHECK_INT(soak_fs_chmod(r, "", 0755), 0);

	/* set_mtime */
	CHECK_INT(soak_fs_set_mtime(r, "a b/x.txt", 1234567890123456700LL), 0);
	CHECK_INT(soak_fs_stat(r, "a b/x.txt", &st), 0);
	CHECK_INT(st.mtime_ns, 1234567890123456700LL);
	CHECK_INT(soak_fs_set_mtime(r, "C", 1500000000000000000LL), 0);
	CHECK_INT(soak_fs_stat(r, "C", &st), 0);
	CHECK_INT(st.mtime_ns, 1500000000000000000LL);

	/* rmdir */
	CHECK_INT(mkdir_rel("t/empty"), 0);
	CHECK_INT(soak_fs_rmdir(r, "b"), -1);
	CHECK_INT(errno, ENOTEMPTY);
	CHECK_INT(soak_fs_rmdir(r, "Z.up"), -1);
	CHECK_INT(errno, ENOTDIR);
	CHECK_INT(soak_fs_rmdir(r, "empty"), 0);
	CHECK(!soak_fs_exists(r, "empty"));

	/* rename: a file over a file, a directory over an empty one, not over a full one */
	CHECK_INT(write_file("t/C/one", "1"), 0);
	CHECK_INT(write_file("t/C/two", "2"), 0);
	CHECK_INT(soak_fs_rename(r, "C/one", r, "C/two"), 0);
	CHECK(read_file("t/C/two", buf, sizeof(buf)) == 1 && !strcmp(buf, "1"));
	CHECK(!soak_fs_exists(r, "C/one"));
	CHECK_INT(soak_fs_rename(r, "C/two", r, "a b/two"), 0);
	CHECK(read_file("t/a b/two", buf, sizeof(buf)) == 1 && !strcmp(buf, "1"));
	CHECK_INT(mkdir_rel("t/e1"), 0);
	CHECK_INT(mkdir_rel("t/e2"), 0);
	CHECK_INT(write_file("t/e1/in", "i"), 0);
	CHECK_INT(soak_fs_rename(r, "e1", r, "e2"), 0);
	CHECK(read_file("t/e2/in", buf, sizeof(buf)) == 1);
	CHECK(!soak_fs_exists(r, "e1"));
	CHECK_INT(mkdir_rel("t/e3"), 0);
	CHECK_INT(soak_fs_rename(r, "e3", r, "e2"), -1);
	CHECK(errno == ENOTEMPTY || errno == EEXIST);
	CHECK_INT(soak_fs_rename(r, "e3", r, "Z.up"), -1);
	CHECK_INT(errno, ENOTDIR);
	CHECK_INT(soak_fs_rename(r, "a b/two", r, "e3"), -1);
	CHECK_INT(errno, EISDIR);
	CHECK_INT(soak_fs_rename(r, "nope", r, "e4"), -1);
	CHECK_INT(errno, ENOENT);

	/* remove_tree with a read-only file inside */
	CHECK_INT(mkdir_rel("t/e2/sub"), 0);
	CHECK_INT(write_file("t/e2/sub/ro", "r"), 0);
	CHECK_INT(soak_fs_chmod(r, "e2/sub/ro", 0444), 0);
	CHECK_INT(soak_fs_remove_tree(r, "e2"), 0);
	CHECK(!soak_fs_exists(r, "e2"));
	CHECK_INT(soak_fs_remove_tree(r, "e2"), 0);
	CHECK_INT(soak_fs_remove_tree(r, "e3"), 0);
	CHECK_INT(soak_fs_remove_tree(r, "nope/deeper"), 0);
}

static void test_root(void)
{
	struct soak_err err = {0};
	struct soak_fs_root *r;
	char p[2048], *rp;

	CHECK_INT(soak_fs_root_open(at(p, sizeof(p), "missing"), &r, &err), -1);
	CHECK_INT(err.code, 3);
	CHECK_INT(soak_fs_root_open(at(p, sizeof(p), "t/z.txt"), &r, &err), -1);
	CHECK_INT(err.code, 2);
	rp = soak_fs_realpath(at(p, sizeof(p), "t/a b"));
	CHECK(rp && strncmp(rp, "\\\\?\\", 4) && strstr(rp, "a b"));
	free(rp);
}

static void test_junction(struct soak_fs_root *r)
{
	struct soak_err err = {0};
	struct soak_os_stat st;
	struct seen s;
	char cmd[4096], l[2048], t[2048], buf[16], **names;
	size_t n;

	CHECK_INT(mkdir_rel("outside"), 0);
	CHECK_INT(write_file("outside/secret", "s"), 0);
	snprintf(cmd, sizeof(cmd), "cmd /c mklink /J \"%s\" \"%s\" >NUL 2>NUL",
	         at(l, sizeof(l), "t/jn"), at(t, sizeof(t), "outside"));
	if (system(cmd) != 0 || soak_os_lstat(l, &st) < 0 || st.type != SOAK_OS_LINK) {
		skip("junction", soak_w32_is_wine()
		                     ? "cmd /c mklink /J failed (Wine cannot set reparse points)"
		                     : "cmd /c mklink /J failed");
		return;
	}
	memset(&s, 0, sizeof(s));
	CHECK_INT(soak_fs_walk(r, record, &s, &err), 0);
	CHECK(strstr(s.buf, "L jn\n") != NULL);
	CHECK(strstr(s.buf, "secret") == NULL);
	errno = 0;
	CHECK_INT(soak_fs_stat(r, "jn/secret", &st), -1);
	CHECK_INT(errno, ELOOP);
	CHECK_INT(soak_fs_list(r, "jn", &names, &n), -1);
	CHECK_INT(errno, ELOOP);
	CHECK_INT(soak_fs_chmod(r, "jn", 0755), -1);
	CHECK_INT(errno, ELOOP);
	CHECK_INT(soak_fs_remove(r, "jn/secret", &err), -1);
	CHECK(soak_fs_exists(r, "jn"));
	CHECK_INT(soak_fs_stat(r, "jn", &st), 0);
	CHECK_INT(st.type, SOAK_OS_LINK);
	/* remove_tree deletes the junction, not what it points to */
	CHECK_INT(soak_fs_remove_tree(r, "jn"), 0);
	CHECK(!soak_fs_exists(r, "jn"));
	CHECK(read_file("outside/secret", buf, sizeof(buf)) == 1);
}

/* Remove path and, for a directory (not a link to one), everything below it. */
static int remove_all(const char *path)
{
	struct soak_os_stat st;
	char **names, sub[2048];
	size_t n;
	int rc = 0;

	if (soak_os_lstat(path, &st) < 0)
		return -1;
	if (st.type != SOAK_OS_DIR)
		return soak_os_unlink(path);
	if (soak_os_list_dir(path, &names, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		snprintf(sub, sizeof(sub), "%s\\%s", path, names[i]);
		if (remove_all(sub) < 0)
			rc = -1;
	}
	soak_os_names_free(names, n);
	return soak_os_rmdir(path) < 0 ? -1 : rc;
}

int main(void)
{
	struct soak_err err = {0};
	struct soak_fs_root *r = NULL;
	wchar_t wt[MAX_PATH];
	char p[2048], *tmp;

	if (soak_w32_is_wine())
		printf("running under Wine\n");
	if (!GetTempPathW(MAX_PATH, wt) || !(tmp = soak_w32_utf8(wt, (size_t)-1))) {
		fprintf(stderr, "no temporary directory\n");
		return 1;
	}
	snprintf(base, sizeof(base), "%ssoak-fs-XXXXXX", tmp);
	free(tmp);
	if (soak_os_mkdtemp(base) < 0) {
		fprintf(stderr, "cannot create '%s': %s\n", base, strerror(errno));
		return 1;
	}
	CHECK_INT(mkdir_rel("t"), 0);
	CHECK_INT(mkdir_rel("t/C"), 0);
	CHECK_INT(mkdir_rel("t/a b"), 0);
	CHECK_INT(mkdir_rel("t/b"), 0);
	CHECK_INT(mkdir_rel("t/b/c"), 0);
	CHECK_INT(mkdir_rel("t/b/c/d"), 0);
	CHECK_INT(write_file("t/a b/x.txt", "xxx"), 0);
	CHECK_INT(write_file("t/b/c/d/deep.txt", "d"), 0);
	CHECK_INT(write_file("t/b/c/f.txt", "fff"), 0);
	CHECK_INT(write_file("t/z.txt", "zzzzz"), 0);
	CHECK_INT(write_file("t/\xc3\xa9t\xc3\xa9.txt", "e"), 0);
	CHECK_INT(write_file("t/\xe4\xb8\xad.txt", "c"), 0);

	test_root();
	if (soak_fs_root_open(at(p, sizeof(p), "t"), &r, &err) < 0) {
		fprintf(stderr, "cannot open the root: %s\n", err.msg);
		CHECK(0);
	} else {
		test_walk(r);
		test_rewrite(r);
		test_changes(r);
		test_junction(r);
		soak_fs_root_close(r);
	}
	if (remove_all(base) < 0)
		printf("note: could not remove '%s': %s\n", base, strerror(errno));
	return check_done();
}
