/*
 * Unit tests of os.h on Windows (win32/os.c): UTF-16 paths, atomic replace and
 * append, links and junctions, processes. Runs on Windows and under Wine; what Wine
 * lacks is skipped with the reason printed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "os.h"
#include "win32.h"
#include "banned.h"

static char base[MAX_PATH * 2];

static void skip(const char *what, const char *why)
{
	printf("skip: %s: %s\n", what, why);
}

/* base/rel in buf. */
static const char *at(char *buf, size_t n, const char *rel)
{
	snprintf(buf, n, "%s\\%s", base, rel);
	return buf;
}

static int write_file(const char *path, const char *s)
{
	int fd = soak_os_open(path, SOAK_O_WRONLY | SOAK_O_CREAT | SOAK_O_TRUNC, 0644);
	int rc;

	if (fd < 0)
		return -1;
	rc = soak_os_write_all(fd, s, strlen(s));
	return soak_os_close(fd) < 0 ? -1 : rc;
}

/* The first n-1 bytes of a file into buf, NUL-terminated; bytes read or -1. */
static ptrdiff_t read_file(const char *path, char *buf, size_t n)
{
	int fd = soak_os_open(path, SOAK_O_RDONLY, 0);
	ptrdiff_t got = 0, r;

	if (fd < 0)
		return -1;
	while ((size_t)got < n - 1 && (r = soak_os_read(fd, buf + got, n - 1 - (size_t)got)) > 0)
		got += r;
	buf[got] = '\0';
	soak_os_close(fd);
	return got;
}

static void test_paths(void)
{
	CHECK(soak_os_is_sep('/'));
	CHECK(soak_os_is_sep('\\'));
	CHECK(!soak_os_is_sep(':'));
	CHECK(soak_os_path_is_abs("C:\\x"));
	CHECK(soak_os_path_is_abs("c:/x"));
	CHECK(soak_os_path_is_abs("\\\\server\\share"));
	CHECK(soak_os_path_is_abs("//server/share"));
	CHECK(!soak_os_path_is_abs("C:x"));
	CHECK(!soak_os_path_is_abs("x\\y"));
	CHECK_STR(soak_os_name(), "windows");
	CHECK_STR(soak_os_arch(), "x86_64");
}

static void test_unicode(void)
{
	char d[1024], f[1024], g[1024], buf[64];
	struct soak_os_stat st;
	char **names;
	size_t n;
	int fd;

	CHECK_INT(soak_os_mkdir(at(d, sizeof(d), "dir with spaces"), 0755), 0);
	at(f, sizeof(f), "dir with spaces/ünïcödé-文件.txt");
	fd = soak_os_open(f, SOAK_O_WRONLY | SOAK_O_CREAT | SOAK_O_EXCL, 0644);
	CHECK(fd >= 0);
	CHECK_INT(soak_os_write_all(fd, "hello", 5), 0);
	CHECK_INT(soak_os_close(fd), 0);
	CHECK_INT(soak_os_stat(f, &st), 0);
	CHECK_INT(st.type, SOAK_OS_FILE);
	CHECK_INT(st.size, 5);
	CHECK_INT(st.mode, 0644);
	CHECK(st.nlink == 1);
	CHECK(st.mtime_ns > 1600000000LL * 1000000000LL);
	CHECK_INT(soak_os_list_dir(d, &names, &n), 0);
	CHECK_INT(n, 1);
	if (n == 1)
		CHECK_STR(names[0], "ünïcödé-文件.txt");
	soak_os_names_free(names, n);
	at(g, sizeof(g), "dir with spaces\\文件 renamed.txt");
	CHECK_INT(soak_os_rename(f, g), 0);
	CHECK_INT(soak_os_stat(f, &st), -1);
	CHECK_INT(errno, ENOENT);
	CHECK_INT(read_file(g, buf, sizeof(buf)), 5);
	CHECK_STR(buf, "hello");
	{
		FILE *fp = soak_os_fopen(g, "r");

		CHECK(fp != NULL);
		if (fp) {
			CHECK(fgets(buf, sizeof(buf), fp) != NULL);
			CHECK_STR(buf, "hello");
			fclose(fp);
		}
	}
	{
		char dotted[1100], *r;

		/* links resolved, "." and ".." gone, '/' turned to '\\', no \\?\\ prefix */
		snprintf(dotted, sizeof(dotted), "%s/./../dir with spaces/文件 renamed.txt", d);
		r = soak_os_realpath(dotted);
		CHECK(r != NULL && soak_os_path_is_abs(r) && strstr(r, "\\文件 renamed.txt") &&
		      !strchr(r, '/') && strncmp(r, "\\\\?\\", 4) != 0);
		free(r);
	}
	CHECK_INT(soak_os_unlink(g), 0);
	CHECK_INT(soak_os_list_dir(d, &names, &n), 0);
	CHECK_INT(n, 0);
	soak_os_names_free(names, n);
	CHECK_INT(soak_os_rmdir(d), 0);
	/* invalid UTF-8 never names a file */
	CHECK_INT(soak_os_open(at(f, sizeof(f), "bad\xff"), SOAK_O_RDONLY, 0), -1);
	CHECK_INT(errno, EILSEQ);
}

static void test_list_sorted(void)
{
	static const char *make[] = {"b", "a", "C", "ä", "a b"};
	static const char *want[] = {"C", "a", "a b", "b", "ä"};
	char d[1024], p[1100];
	char **names;
	size_t n;

	CHECK_INT(soak_os_mkdir(at(d, sizeof(d), "sorted"), 0755), 0);
	for (size_t i = 0; i < 5; i++) {
		snprintf(p, sizeof(p), "%s/%s", d, make[i]);
		CHECK_INT(write_file(p, "x"), 0);
	}
	CHECK_INT(soak_os_list_dir(d, &names, &n), 0);
	CHECK_INT(n, 5);
	for (size_t i = 0; i < n && i < 5; i++)
		CHECK_STR(names[i], want[i]);
	soak_os_names_free(names, n);
	CHECK_INT(soak_os_list_dir(at(p, sizeof(p), "sorted/a"), &names, &n), -1);
	CHECK_INT(errno, ENOTDIR);
	CHECK_INT(soak_os_list_dir(at(p, sizeof(p), "missing"), &names, &n), -1);
	CHECK_INT(errno, ENOENT);
}

static void test_replace(void)
{
	char a[1024], b[1024], buf[64];
	struct soak_os_stat st;
	int fd;

	CHECK_INT(write_file(at(a, sizeof(a), "target"), "old contents"), 0);
	CHECK_INT(write_file(at(b, sizeof(b), "target.tmp"), "new"), 0);
	CHECK_INT(soak_os_rename(b, a), 0);
	CHECK_INT(read_file(a, buf, sizeof(buf)), 3);
	CHECK_STR(buf, "new");
	CHECK_INT(soak_os_stat(b, &st), -1);
	CHECK_INT(errno, ENOENT);
	/* the replaced file stays readable through a descriptor open before */
	CHECK_INT(write_file(b, "newer"), 0);
	fd = soak_os_open(a, SOAK_O_RDONLY, 0);
	CHECK(fd >= 0);
	if (soak_os_rename(b, a) < 0) {
		skip("rename over an open file", strerror(errno));
		CHECK_INT(soak_os_unlink(b), 0);
	} else {
		CHECK_INT(read_file(a, buf, sizeof(buf)), 5);
		CHECK_INT(soak_os_read(fd, buf, 3), 3);
		CHECK(memcmp(buf, "new", 3) == 0);
	}
	soak_os_close(fd);
	/* a hard link never replaces */
	CHECK_INT(write_file(b, "x"), 0);
	CHECK_INT(soak_os_link(b, a), -1);
	CHECK_INT(errno, EEXIST);
	CHECK_INT(soak_os_unlink(a), 0);
	CHECK_INT(soak_os_link(b, a), 0);
	CHECK_INT(soak_os_stat(a, &st), 0);
	CHECK_INT(st.nlink, 2);
}

static void test_descriptors(void)
{
	char p[1024], buf[64];
	struct soak_os_stat st, st2;
	int fd, fd2, fds[2];

	fd = soak_os_open(at(p, sizeof(p), "desc"), SOAK_O_RDWR | SOAK_O_CREAT | SOAK_O_EXCL, 0644);
	CHECK(fd >= 0);
	CHECK_INT(soak_os_open(p, SOAK_O_RDWR | SOAK_O_CREAT | SOAK_O_EXCL, 0644), -1);
	CHECK_INT(errno, EEXIST);
	CHECK_INT(soak_os_write_all(fd, "0123456789\n", 11), 0);
	CHECK_INT(soak_os_pread(fd, buf, 4, 3), 4);
	CHECK(memcmp(buf, "3456", 4) == 0);
	CHECK_INT(soak_os_seek(fd, 0, 1), 11); /* pread left the position alone */
	CHECK_INT(soak_os_pread(fd, buf, 4, 100), 0);
	CHECK_INT(soak_os_seek(fd, 2, 0), 2);
	CHECK_INT(soak_os_read(fd, buf, 2), 2);
	CHECK(memcmp(buf, "23", 2) == 0);
	CHECK_INT(soak_os_seek(fd, 0, 2), 11);
	CHECK_INT(soak_os_ftruncate(fd, 5), 0);
	CHECK_INT(soak_os_fstat(fd, &st), 0);
	CHECK_INT(st.size, 5);
	CHECK_INT(soak_os_stat(p, &st2), 0);
	CHECK(st.ino == st2.ino && st.dev == st2.dev);
	CHECK_INT(soak_os_fsync(fd), 0);
	CHECK_INT(soak_os_futimes(fd, 1000000000LL * 1500000000, 1000000000LL * 1500000001), 0);
	CHECK_INT(soak_os_fstat(fd, &st), 0);
	CHECK_INT(st.mtime_ns, 1000000000LL * 1500000001);
	fd2 = soak_os_dup(fd);
	CHECK(fd2 >= 0 && fd2 != fd);
	CHECK_INT(soak_os_close(fd), 0);
	CHECK(soak_os_fd_open(fd2));
	CHECK_INT(soak_os_close(fd2), 0);
	CHECK(!soak_os_fd_open(fd2));
	/* SOAK_O_TRUNC empties; a created file without write bits is read-only */
	fd = soak_os_open(p, SOAK_O_WRONLY | SOAK_O_TRUNC, 0);
	CHECK(fd >= 0);
	soak_os_close(fd);
	CHECK_INT(soak_os_stat(p, &st), 0);
	CHECK_INT(st.size, 0);
	CHECK_INT(soak_os_utimes(p, 0, 1000000000LL * 1400000000, 0), 0);
	CHECK_INT(soak_os_stat(p, &st), 0);
	CHECK_INT(st.mtime_ns, 1000000000LL * 1400000000);
	CHECK_INT(soak_os_chmod(p, 0444), 0);
	CHECK_INT(soak_os_stat(p, &st), 0);
	CHECK_INT(st.mode, 0444);
	fd = soak_os_open(p, SOAK_O_WRONLY, 0);
	if (fd >= 0 && soak_w32_is_wine()) {
		skip("writing a read-only file fails", "Wine running as root ignores it");
		soak_os_close(fd);
	} else {
		CHECK_INT(fd, -1);
		CHECK_INT(errno, EACCES);
	}
	/* POSIX unlinks a read-only file */
	CHECK_INT(soak_os_unlink(p), 0);
	CHECK_INT(soak_os_stat(p, &st), -1);
	CHECK_INT(soak_os_open(at(p, sizeof(p), "nope"), SOAK_O_RDONLY, 0), -1);
	CHECK_INT(errno, ENOENT);
	/* directories */
	CHECK_INT(soak_os_mkdir(at(p, sizeof(p), "adir"), 0755), 0);
	CHECK_INT(soak_os_mkdir(p, 0755), -1);
	CHECK_INT(errno, EEXIST);
	fd = soak_os_open(p, SOAK_O_RDONLY | SOAK_O_DIRECTORY, 0);
	CHECK(fd >= 0);
	CHECK_INT(soak_os_fstat(fd, &st), 0);
	CHECK_INT(st.type, SOAK_OS_DIR);
	CHECK_INT(st.mode, 0755);
	CHECK_INT(soak_os_read(fd, buf, 1), -1);
	CHECK_INT(errno, EISDIR);
	soak_os_close(fd);
	CHECK_INT(soak_os_open(p, SOAK_O_WRONLY, 0), -1);
	CHECK_INT(errno, EISDIR);
	CHECK_INT(soak_os_unlink(p), -1);
	CHECK_INT(errno, EISDIR);
	CHECK_INT(soak_os_sync_dir(p), 0);
	CHECK_INT(write_file(at(buf, sizeof(buf), "x"), ""), -1 + 1); /* base\x */
	CHECK_INT(soak_os_open(at(p, sizeof(p), "x"), SOAK_O_RDONLY | SOAK_O_DIRECTORY, 0), -1);
	CHECK_INT(errno, ENOTDIR);
	CHECK_INT(soak_os_sync_dir(p), -1);
	CHECK_INT(errno, ENOTDIR);
	CHECK_INT(write_file(at(p, sizeof(p), "adir/f"), "f"), 0);
	CHECK_INT(soak_os_rmdir(at(p, sizeof(p), "adir")), -1);
	CHECK_INT(errno, ENOTEMPTY);
	/* pipes */
	CHECK_INT(soak_os_pipe(fds), 0);
	CHECK_INT(soak_os_write(fds[1], "abc", 3), 3);
	CHECK_INT(soak_os_seek(fds[0], 0, 0), -1);
	CHECK_INT(errno, ESPIPE);
	soak_os_close(fds[1]);
	CHECK_INT(soak_os_read(fds[0], buf, sizeof(buf)), 3);
	CHECK_INT(soak_os_read(fds[0], buf, sizeof(buf)), 0); /* writer gone: end */
	CHECK_INT(soak_os_fstat(fds[0], &st), 0);
	CHECK_INT(st.type, SOAK_OS_OTHER);
	CHECK(!soak_os_isatty(fds[0]));
	soak_os_close(fds[0]);
}

static void test_temp(void)
{
	char t1[1024], t2[1024];
	struct soak_os_stat st;
	int fd;

	at(t1, sizeof(t1), "tmp-XXXXXX");
	CHECK_INT(soak_os_mkdtemp(t1), 0);
	CHECK(strstr(t1, "XXXXXX") == NULL);
	CHECK_INT(soak_os_stat(t1, &st), 0);
	CHECK_INT(st.type, SOAK_OS_DIR);
	snprintf(t2, sizeof(t2), "%s/f-XXXXXX", t1);
	fd = soak_os_mkstemp(t2);
	CHECK(fd >= 0);
	CHECK(strstr(t2, "XXXXXX") == NULL);
	soak_os_close(fd);
	CHECK_INT(soak_os_unlink(t2), 0);
	CHECK_INT(soak_os_rmdir(t1), 0);
	at(t1, sizeof(t1), "bad-XXXXX");
	CHECK_INT(soak_os_mkdtemp(t1), -1);
	CHECK_INT(errno, EINVAL);
}

static void test_long_path(void)
{
	char p[1200], buf[16];
	struct soak_os_stat st;
	size_t len;

	at(p, sizeof(p), "");
	len = strlen(p);
	/* five levels of 60 characters: over MAX_PATH */
	for (int i = 0; i < 5; i++) {
		memset(p + len, 'd' + i, 60);
		len += 60;
		p[len] = '\0';
		CHECK_INT(soak_os_mkdir(p, 0755), 0);
		p[len++] = '\\';
		p[len] = '\0';
	}
	memcpy(p + len, "file.txt", 9);
	CHECK(strlen(p) > MAX_PATH);
	CHECK_INT(write_file(p, "long"), 0);
	CHECK_INT(soak_os_stat(p, &st), 0);
	CHECK_INT(st.size, 4);
	CHECK_INT(read_file(p, buf, sizeof(buf)), 4);
	CHECK_INT(soak_os_unlink(p), 0);
}

struct appender {
	const char *path;
	char tag;
	int fd;
};

enum { LINES = 2000, LINE = 120 };

static DWORD WINAPI append_lines(LPVOID arg)
{
	struct appender *a = arg;
	char line[LINE];

	memset(line, a->tag, LINE - 1);
	line[LINE - 1] = '\n';
	for (int i = 0; i < LINES; i++)
		if (soak_os_write(a->fd, line, LINE) != LINE)
			return 1;
	return 0;
}

static void test_append(void)
{
	char p[1024], *data;
	struct appender a[2];
	HANDLE th[2];
	struct soak_os_stat st;
	int fd, bad = 0, count[2] = {0, 0};
	size_t want = (size_t)2 * LINES * LINE;

	at(p, sizeof(p), "metrics.jsonl");
	for (int i = 0; i < 2; i++) {
		a[i].path = p;
		a[i].tag = (char)('a' + i);
		a[i].fd = soak_os_open(p, SOAK_O_WRONLY | SOAK_O_CREAT | SOAK_O_APPEND, 0644);
		CHECK(a[i].fd >= 0);
	}
	/* the file pointer of an append-only handle does not matter */
	CHECK(soak_os_seek(a[1].fd, 0, 0) == 0);
	for (int i = 0; i < 2; i++)
		th[i] = CreateThread(NULL, 0, append_lines, &a[i], 0, NULL);
	WaitForMultipleObjects(2, th, TRUE, INFINITE);
	for (int i = 0; i < 2; i++) {
		DWORD code = 1;

		GetExitCodeThread(th[i], &code);
		CHECK_INT(code, 0);
		CloseHandle(th[i]);
		soak_os_close(a[i].fd);
	}
	CHECK_INT(soak_os_stat(p, &st), 0);
	if (!soak_w32_is_wine())
		CHECK_INT(st.size, want);
	data = malloc(want + 1);
	fd = soak_os_open(p, SOAK_O_RDONLY, 0);
	if (data && fd >= 0 && st.size == want) {
		size_t got = 0;
		ptrdiff_t r;

		while (got < want && (r = soak_os_read(fd, data + got, want - got)) > 0)
			got += (size_t)r;
		CHECK_INT(got, want);
		for (size_t l = 0; l < 2 * LINES; l++) {
			const char *q = data + l * LINE;

			if ((q[0] != 'a' && q[0] != 'b') || q[LINE - 1] != '\n' ||
			    memchr(q, q[0] == 'a' ? 'b' : 'a', LINE - 1) != NULL) {
				bad++;
				continue;
			}
			count[q[0] - 'a']++;
		}
		CHECK_INT(bad, 0);
		CHECK_INT(count[0], LINES);
		CHECK_INT(count[1], LINES);
	} else if (data && fd >= 0 && soak_w32_is_wine()) {
		skip("atomic append from two descriptors",
		     "Wine appends with lseek+pwrite, so concurrent appends overwrite each other");
	}
	if (fd >= 0)
		soak_os_close(fd);
	free(data);
	/* O_APPEND|O_TRUNC truncates through a second handle */
	fd = soak_os_open(p, SOAK_O_WRONLY | SOAK_O_APPEND | SOAK_O_TRUNC, 0);
	CHECK(fd >= 0);
	CHECK_INT(soak_os_write(fd, "z\n", 2), 2);
	soak_os_close(fd);
	CHECK_INT(soak_os_stat(p, &st), 0);
	CHECK_INT(st.size, 2);
}

static void check_link(const char *what, const char *path, enum soak_os_type followed)
{
	struct soak_os_stat st;
	int fd;

	CHECK_INT(soak_os_lstat(path, &st), 0);
	CHECK_INT(st.type, SOAK_OS_LINK);
	CHECK(st.size > 0);
	CHECK_INT(soak_os_stat(path, &st), 0);
	CHECK_INT(st.type, followed);
	fd = soak_os_open(path, SOAK_O_RDONLY | SOAK_O_NOFOLLOW, 0);
	CHECK_INT(fd, -1);
	CHECK_INT(errno, ELOOP);
	if (fd >= 0)
		soak_os_close(fd);
	fd = soak_os_open(path, SOAK_O_RDONLY, 0);
	CHECK(fd >= 0);
	if (fd >= 0)
		soak_os_close(fd);
	printf("%s: checked\n", what);
}

/* Why soak_os_symlink failed, for a skip. */
static const char *link_reason(void)
{
	if (errno == ENOTSUP)
		return "symbolic links not supported here (Wine's CreateSymbolicLinkW is a stub)";
	if (errno == EPERM)
		return "no privilege to create symbolic links (Developer Mode off)";
	return strerror(errno);
}

static void test_links(void)
{
	char t[1024], l[1024], cmd[3000], *s, *r;
	struct soak_os_stat st;

	CHECK_INT(write_file(at(t, sizeof(t), "tfile"), "target"), 0);
	CHECK_INT(soak_os_mkdir(at(t, sizeof(t), "tdir"), 0755), 0);
	/* a symbolic link to a file, relative target */
	if (soak_os_symlink("tfile", at(l, sizeof(l), "flink")) < 0) {
		skip("symlink to a file", link_reason());
	} else {
		check_link("symlink to a file", l, SOAK_OS_FILE);
		s = soak_os_readlink(l);
		CHECK_STR(s, "tfile");
		free(s);
		r = soak_os_realpath(l);
		CHECK(r != NULL && strstr(r, "tfile") != NULL);
		free(r);
		CHECK_INT(soak_os_unlink(l), 0);
		CHECK_INT(soak_os_stat(at(t, sizeof(t), "tfile"), &st), 0);
	}
	/* a symbolic link to a directory */
	if (soak_os_symlink("tdir", at(l, sizeof(l), "dlink")) < 0) {
		skip("symlink to a directory", link_reason());
	} else {
		check_link("symlink to a directory", l, SOAK_OS_DIR);
		CHECK_INT(soak_os_unlink(l), 0);
		CHECK_INT(soak_os_stat(at(t, sizeof(t), "tdir"), &st), 0);
	}
	/* a junction, made the way users make them */
	snprintf(cmd, sizeof(cmd), "cmd /c mklink /J \"%s\\junction\" \"%s\\tdir\" >NUL 2>NUL",
	         base, base);
	at(l, sizeof(l), "junction");
	if (system(cmd) != 0 || soak_os_lstat(l, &st) < 0) {
		skip("junction", "cmd /c mklink /J failed (Wine cannot set reparse points)");
	} else {
		check_link("junction", l, SOAK_OS_DIR);
		s = soak_os_readlink(l);
		CHECK(s != NULL && strstr(s, "tdir") != NULL);
		free(s);
		CHECK_INT(soak_os_unlink(l), 0);
	}
	CHECK(soak_os_readlink(at(t, sizeof(t), "tfile")) == NULL);
	CHECK_INT(errno, EINVAL);
}

static void test_process(const char *self)
{
	unsigned char a[32], b[32], zero[32] = {0};
	STARTUPINFOW si;
	PROCESS_INFORMATION pi;
	wchar_t *cmd;
	char line[1200], *s, **env;
	long pid;

	CHECK_INT(soak_os_random(a, sizeof(a)), 0);
	CHECK_INT(soak_os_random(b, sizeof(b)), 0);
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	CHECK(memcmp(a, zero, sizeof(a)) != 0);
	CHECK_INT(soak_os_getpid(), (long)GetCurrentProcessId());
	CHECK_INT(soak_os_pid_alive(soak_os_getpid()), 1);
	CHECK_INT(soak_os_pid_alive(0), 0);
	CHECK_INT(soak_os_pid_alive(-5), 0);
	snprintf(line, sizeof(line), "\"%s\" --exit", self);
	cmd = soak_w32_utf16(line, (size_t)-1);
	memset(&si, 0, sizeof(si));
	si.cb = sizeof(si);
	CHECK(cmd && CreateProcessW(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi));
	free(cmd);
	pid = (long)pi.dwProcessId;
	WaitForSingleObject(pi.hProcess, INFINITE);
	CHECK_INT(soak_os_pid_alive(pid), 0); /* exited, handle still open */
	CloseHandle(pi.hProcess);
	CloseHandle(pi.hThread);
	CHECK_INT(soak_os_pid_alive(pid), 0);
	CHECK(soak_os_cpu_count() >= 1);
	CHECK(soak_os_page_size() >= 4096);
	CHECK_INT(soak_os_hostname(line, sizeof(line)), 0);
	CHECK(line[0] != '\0');
	s = soak_os_home();
	CHECK(s != NULL && s[0] != '\0');
	free(s);
	s = soak_os_getcwd();
	CHECK(s != NULL && soak_os_path_is_abs(s));
	free(s);
	env = soak_os_environ();
	CHECK(env != NULL && env[0] != NULL);
	{
		int path_seen = 0;

		for (char **e = env; e && *e; e++) {
			CHECK(**e != '=');
			if (!_strnicmp(*e, "PATH=", 5))
				path_seen = 1;
		}
		CHECK(path_seen);
	}
	soak_os_utc_local_time();
	{
		time_t t = 0;
		struct tm tm;

		CHECK_INT(localtime_s(&tm, &t), 0);
		CHECK_INT(tm.tm_hour, 0);
	}
	soak_os_sleep_ms(1);
}

/* Remove path and, for a directory (not a link to one), everything below it. */
static int remove_tree(const char *path)
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
		if (remove_tree(sub) < 0)
			rc = -1;
	}
	soak_os_names_free(names, n);
	return soak_os_rmdir(path) < 0 ? -1 : rc;
}

int main(int argc, char **argv)
{
	wchar_t wt[MAX_PATH];
	char *tmp;

	if (argc > 1 && !strcmp(argv[1], "--exit"))
		return 0;
	if (soak_w32_is_wine())
		printf("running under Wine\n");
	if (!GetTempPathW(MAX_PATH, wt) || !(tmp = soak_w32_utf8(wt, (size_t)-1))) {
		fprintf(stderr, "no temporary directory\n");
		return 1;
	}
	snprintf(base, sizeof(base), "%ssoak-os-XXXXXX", tmp);
	free(tmp);
	if (soak_os_mkdtemp(base) < 0) {
		fprintf(stderr, "cannot create '%s': %s\n", base, strerror(errno));
		return 1;
	}
	test_paths();
	test_unicode();
	test_list_sorted();
	test_replace();
	test_descriptors();
	test_temp();
	test_long_path();
	test_append();
	test_links();
	test_process(argv[0]);
	/* not "cmd /c rmdir /s": Wine's deletes the directory of its stdout instead */
	if (remove_tree(base) < 0)
		printf("note: could not remove '%s': %s\n", base, strerror(errno));
	return check_done();
}
