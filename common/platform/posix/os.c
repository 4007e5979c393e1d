/* The OS primitives of os.h on POSIX systems: thin wrappers of the system calls. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#if defined(__linux__)
#include <sys/random.h>
#endif

#include "os.h"
#include "banned.h"

extern char **environ;

static int oflags(int flags)
{
	int f = O_CLOEXEC;

	switch (flags & 3) {
	case SOAK_O_WRONLY:
		f |= O_WRONLY;
		break;
	case SOAK_O_RDWR:
		f |= O_RDWR;
		break;
	default:
		f |= O_RDONLY;
	}
	if (flags & SOAK_O_CREAT)
		f |= O_CREAT;
	if (flags & SOAK_O_EXCL)
		f |= O_EXCL;
	if (flags & SOAK_O_TRUNC)
		f |= O_TRUNC;
	if (flags & SOAK_O_APPEND)
		f |= O_APPEND;
	if (flags & SOAK_O_NOFOLLOW)
		f |= O_NOFOLLOW;
	if (flags & SOAK_O_NONBLOCK)
		f |= O_NONBLOCK;
	if (flags & SOAK_O_DIRECTORY)
		f |= O_DIRECTORY;
	return f;
}

void soak_os_main_init(int *argc, char ***argv)
{
	const char *cs;

	(void)argc;
	(void)argv;
	/*
	 * Text is UTF-8 inside, whatever the user's locale: libraries that convert
	 * names by the locale (libarchive's pax headers) must take bytes as UTF-8,
	 * not refuse every non-ASCII file name under LANG=C.
	 */
	if (setlocale(LC_CTYPE, "") && (cs = nl_langinfo(CODESET)) &&
	    (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8")))
		return;
	if (!setlocale(LC_CTYPE, "C.UTF-8") && !setlocale(LC_CTYPE, "C.utf8"))
		setlocale(LC_CTYPE, "en_US.UTF-8");
}

int soak_os_open(const char *path, int flags, unsigned mode)
{
	int fd;

	do
		fd = open(path, oflags(flags), (mode_t)mode);
	while (fd < 0 && errno == EINTR);
	return fd;
}

int soak_os_close(int fd)
{
	return close(fd);
}

ptrdiff_t soak_os_read(int fd, void *buf, size_t n)
{
	ssize_t r;

	do
		r = read(fd, buf, n);
	while (r < 0 && errno == EINTR);
	return r;
}

ptrdiff_t soak_os_write(int fd, const void *buf, size_t n)
{
	ssize_t r;

	do
		r = write(fd, buf, n);
	while (r < 0 && errno == EINTR);
	return r;
}

ptrdiff_t soak_os_pread(int fd, void *buf, size_t n, uint64_t offset)
{
	ssize_t r;

	do
		r = pread(fd, buf, n, (off_t)offset);
	while (r < 0 && errno == EINTR);
	return r;
}

int64_t soak_os_seek(int fd, int64_t offset, int whence)
{
	return lseek(fd, (off_t)offset, whence == 2 ? SEEK_END : whence == 1 ? SEEK_CUR : SEEK_SET);
}

int soak_os_fsync(int fd)
{
	return fsync(fd);
}

int soak_os_ftruncate(int fd, uint64_t size)
{
	return ftruncate(fd, (off_t)size);
}

static void fill(struct soak_os_stat *o, const struct stat *st)
{
	memset(o, 0, sizeof(*o));
	if (S_ISREG(st->st_mode))
		o->type = SOAK_OS_FILE;
	else if (S_ISDIR(st->st_mode))
		o->type = SOAK_OS_DIR;
	else if (S_ISLNK(st->st_mode))
		o->type = SOAK_OS_LINK;
	else
		o->type = SOAK_OS_OTHER;
	o->mode = st->st_mode & 07777;
	o->size = st->st_size > 0 ? (uint64_t)st->st_size : 0;
#if defined(__APPLE__)
	o->mtime_ns = (int64_t)st->st_mtimespec.tv_sec * 1000000000 + st->st_mtimespec.tv_nsec;
	o->atime_ns = (int64_t)st->st_atimespec.tv_sec * 1000000000 + st->st_atimespec.tv_nsec;
#else
	o->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	o->atime_ns = (int64_t)st->st_atim.tv_sec * 1000000000 + st->st_atim.tv_nsec;
#endif
	o->dev = (uint64_t)st->st_dev;
	o->ino = (uint64_t)st->st_ino;
	o->nlink = (uint32_t)st->st_nlink;
	o->uid = (uint32_t)st->st_uid;
	o->gid = (uint32_t)st->st_gid;
}

int soak_os_fstat(int fd, struct soak_os_stat *o)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -1;
	fill(o, &st);
	return 0;
}

int soak_os_stat(const char *path, struct soak_os_stat *o)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -1;
	fill(o, &st);
	return 0;
}

int soak_os_lstat(const char *path, struct soak_os_stat *o)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return -1;
	fill(o, &st);
	return 0;
}

int soak_os_fchmod(int fd, unsigned mode)
{
	return fchmod(fd, (mode_t)mode);
}

int soak_os_chmod(const char *path, unsigned mode)
{
	return chmod(path, (mode_t)mode);
}

static struct timespec ts_of(int64_t ns)
{
	struct timespec t;

	t.tv_sec = (time_t)(ns / 1000000000);
	t.tv_nsec = (long)(ns % 1000000000);
	if (t.tv_nsec < 0) {
		t.tv_sec--;
		t.tv_nsec += 1000000000;
	}
	return t;
}

int soak_os_futimes(int fd, int64_t atime_ns, int64_t mtime_ns)
{
	struct timespec ts[2] = {ts_of(atime_ns), ts_of(mtime_ns)};

	return futimens(fd, ts);
}

int soak_os_utimes(const char *path, int64_t atime_ns, int64_t mtime_ns, int nofollow)
{
	struct timespec ts[2] = {ts_of(atime_ns), ts_of(mtime_ns)};

	return utimensat(AT_FDCWD, path, ts, nofollow ? AT_SYMLINK_NOFOLLOW : 0);
}

int soak_os_dup(int fd)
{
	return fcntl(fd, F_DUPFD_CLOEXEC, 0);
}

int soak_os_pipe(int fds[2])
{
#if defined(__linux__)
	return pipe2(fds, O_CLOEXEC);
#else
	if (pipe(fds) < 0)
		return -1;
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	return 0;
#endif
}

int soak_os_isatty(int fd)
{
	return isatty(fd);
}

int soak_os_fd_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

FILE *soak_os_fopen(const char *path, const char *mode)
{
	char m[16];

	snprintf(m, sizeof(m), "%se", mode);
	return fopen(path, m);
}

int soak_os_unlink(const char *path)
{
	return unlink(path);
}

int soak_os_rmdir(const char *path)
{
	return rmdir(path);
}

int soak_os_mkdir(const char *path, unsigned mode)
{
	return mkdir(path, (mode_t)mode);
}

int soak_os_rename(const char *from, const char *to)
{
	return rename(from, to);
}

int soak_os_link(const char *from, const char *to)
{
	return link(from, to);
}

int soak_os_symlink(const char *target, const char *path)
{
	return symlink(target, path);
}

char *soak_os_readlink(const char *path)
{
	size_t cap = 256;

	for (;;) {
		char *b = malloc(cap);
		ssize_t n;

		if (!b)
			return NULL;
		n = readlink(path, b, cap);
		if (n < 0) {
			free(b);
			return NULL;
		}
		if ((size_t)n < cap) {
			b[n] = '\0';
			return b;
		}
		free(b);
		if (cap > (1u << 20)) {
			errno = ENAMETOOLONG;
			return NULL;
		}
		cap *= 4;
	}
}

char *soak_os_realpath(const char *path)
{
	return realpath(path, NULL);
}

char *soak_os_getcwd(void)
{
	return getcwd(NULL, 0);
}

char *soak_os_tmpdir(void)
{
	const char *d = soak_os_getenv("TMPDIR");

	return strdup(d && *d ? d : "/tmp");
}

char *soak_os_home(void)
{
	const char *h = soak_os_getenv("HOME");
	struct passwd *pw;

	if (h && *h)
		return strdup(h);
	pw = getpwuid(getuid());
	if (pw && pw->pw_dir && *pw->pw_dir)
		return strdup(pw->pw_dir);
	errno = ENOENT;
	return NULL;
}

int soak_os_is_sep(int c)
{
	return c == '/';
}

int soak_os_sync_dir(const char *path)
{
	int fd = soak_os_open(path, SOAK_O_RDONLY | SOAK_O_DIRECTORY, 0), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

size_t soak_os_path_root_len(const char *path)
{
	return path[0] == '/';
}

int soak_os_path_is_abs(const char *path)
{
	return path[0] == '/';
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void soak_os_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int soak_os_list_dir(const char *path, char ***names, size_t *count)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char **v = NULL;
	size_t n = 0, cap = 0;
	int saved;

	*names = NULL;
	*count = 0;
	if (!d)
		return -1;
	errno = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			char **nv = realloc(v, nc * sizeof(*nv));

			if (!nv)
				goto fail;
			v = nv;
			cap = nc;
		}
		if (!(v[n] = strdup(de->d_name)))
			goto fail;
		n++;
		errno = 0;
	}
	if (errno)
		goto fail;
	closedir(d);
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_names);
	*names = v;
	*count = n;
	return 0;
fail:
	saved = errno ? errno : ENOMEM;
	closedir(d);
	soak_os_names_free(v, n);
	errno = saved;
	return -1;
}

int soak_os_mkdtemp(char *tmpl)
{
	return mkdtemp(tmpl) ? 0 : -1;
}

int soak_os_mkstemp(char *tmpl)
{
	int fd = mkstemp(tmpl);

	if (fd >= 0)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

int soak_os_random(void *buf, size_t n)
{
	unsigned char *p = buf;

#if defined(__linux__)
	while (n > 0) {
		ssize_t r = getrandom(p, n, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		p += r;
		n -= (size_t)r;
	}
	if (n == 0)
		return 0;
#endif
	{
		int fd = soak_os_open("/dev/urandom", SOAK_O_RDONLY, 0);

		if (fd < 0)
			return -1;
		while (n > 0) {
			ptrdiff_t r = soak_os_read(fd, p, n);

			if (r <= 0) {
				close(fd);
				if (r == 0)
					errno = EIO;
				return -1;
			}
			p += r;
			n -= (size_t)r;
		}
		close(fd);
	}
	return 0;
}

long soak_os_getpid(void)
{
	return (long)getpid();
}

int soak_os_pid_alive(long pid)
{
	if (pid <= 0)
		return 0;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

void soak_os_sleep_ms(int64_t ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int soak_os_cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}

long soak_os_page_size(void)
{
	long n = sysconf(_SC_PAGESIZE);

	return n > 0 ? n : 4096;
}

int soak_os_setenv(const char *name, const char *value)
{
	return setenv(name, value, 1);
}

int soak_os_unsetenv(const char *name)
{
	return unsetenv(name);
}

char **soak_os_environ(void)
{
	return environ;
}

const char *soak_os_getenv(const char *name)
{
	return (getenv)(name); /* banned.h bans the rest of the project from it */
}

void soak_os_utc_local_time(void)
{
	setenv("TZ", "UTC0", 1);
	tzset();
}

const char *soak_os_name(void)
{
#if defined(__linux__)
	return "linux";
#elif defined(__APPLE__)
	return "darwin";
#elif defined(__FreeBSD__)
	return "freebsd";
#else
	return "unix";
#endif
}

const char *soak_os_arch(void)
{
#if defined(__x86_64__)
	return "x86_64";
#elif defined(__aarch64__)
	return "aarch64";
#elif defined(__i386__)
	return "x86";
#elif defined(__arm__)
	return "arm";
#else
	return "unknown";
#endif
}

int soak_os_hostname(char *buf, size_t n)
{
	if (n == 0)
		return -1;
	if (gethostname(buf, n) < 0) {
		buf[0] = '\0';
		return -1;
	}
	buf[n - 1] = '\0';
	return 0;
}
