/*
 * The operating system's file and process primitives, one interface for every
 * OS (posix/os.c, win32/os.c). Code outside platform/ calls these instead of
 * unistd.h, fcntl.h, sys/stat.h, dirent.h and friends.
 *
 * Conventions: paths are UTF-8 ('/' or, on Windows, '\\' separated); a call
 * that fails returns -1 (or NULL) and sets errno to a standard errno value, as
 * the C library does, so callers keep using strerror(errno). File descriptors
 * are the C runtime's (the ones read/write/close take); every one this module
 * opens is not inherited by child processes. EINTR is retried inside.
 *
 * Windows (win32/os.c): paths may use '/' or '\\'; paths past MAX_PATH get a
 * \\?\ prefix inside. Descriptors are binary; a soak_os_write is one WriteFile,
 * so a SOAK_O_APPEND write is one append at the end. Files are opened shared for
 * read, write and delete; rename and unlink use POSIX semantics where NTFS has
 * them (Windows 10 1607+). Mode bits: only the owner-write bit maps (to the
 * read-only attribute); mkdir's mode is ignored (ACLs are inherited).
 * SOAK_OS_LINK is a name-surrogate reparse point (symlink, junction); other
 * reparse points (cloud placeholders, dedup) read as files. soak_os_symlink
 * needs Developer Mode or the privilege (EPERM otherwise). sync_dir does nothing
 * (NTFS journals metadata). SOAK_O_NONBLOCK is ignored. environ is converted
 * once at first use.
 */
#ifndef SOAK_OS_H
#define SOAK_OS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum soak_os_type {
	SOAK_OS_FILE,  /* a regular file */
	SOAK_OS_DIR,   /* a directory */
	SOAK_OS_LINK,  /* a symbolic link (Windows: any reparse point, a junction too) */
	SOAK_OS_OTHER, /* a fifo, socket or device */
};

struct soak_os_stat {
	enum soak_os_type type;
	unsigned
	    mode; /* permission bits (07777); Windows: 0644, 0444 when read-only, 0755 for dirs */
	uint64_t size;    /* bytes; a link: the length of its target */
	int64_t mtime_ns; /* modification time, ns since the Unix epoch */
	int64_t atime_ns; /* access time */
	uint64_t dev;     /* file system (Windows: volume serial number) */
	uint64_t ino;     /* file within it (Windows: file index) */
	uint32_t nlink;
	uint32_t uid, gid; /* 0 on Windows */
};

/* Flags of soak_os_open; close-on-exec (not inherited) always. */
#define SOAK_O_RDONLY 0x0000
#define SOAK_O_WRONLY 0x0001
#define SOAK_O_RDWR 0x0002
#define SOAK_O_CREAT 0x0010
#define SOAK_O_EXCL 0x0020
#define SOAK_O_TRUNC 0x0040
#define SOAK_O_APPEND 0x0080
#define SOAK_O_NOFOLLOW 0x0100  /* fail (ELOOP) when the last component is a link */
#define SOAK_O_NONBLOCK 0x0200  /* do not block opening a fifo (POSIX only) */
#define SOAK_O_DIRECTORY 0x0400 /* fail (ENOTDIR) unless a directory */

/*
 * First thing in main: on Windows, argv becomes the UTF-8 form of the command
 * line (the C runtime's argv is in the ANSI code page), console output is
 * UTF-8 for the life of the process, and the C runtime's invalid-parameter
 * handler returns instead of ending the process. On POSIX the C library's
 * character type is UTF-8 (the user's locale when it is UTF-8, else C.UTF-8),
 * so that libraries converting names by the locale take them as UTF-8.
 */
void soak_os_main_init(int *argc, char ***argv);

int soak_os_open(const char *path, int flags, unsigned mode);
int soak_os_close(int fd);
/* Bytes read (0 at the end), or -1. */
ptrdiff_t soak_os_read(int fd, void *buf, size_t n);
/* Bytes written (maybe fewer than n), or -1. */
ptrdiff_t soak_os_write(int fd, const void *buf, size_t n);
/* All n bytes, or -1 (errno of the failing write; ENOSPC for a write of 0). */
int soak_os_write_all(int fd, const void *buf, size_t n);
ptrdiff_t soak_os_pread(int fd, void *buf, size_t n, uint64_t offset);
/* whence: 0 from the start, 1 from the current position, 2 from the end. */
int64_t soak_os_seek(int fd, int64_t offset, int whence);
int soak_os_fsync(int fd);
int soak_os_ftruncate(int fd, uint64_t size);
int soak_os_fstat(int fd, struct soak_os_stat *st);
int soak_os_fchmod(int fd, unsigned mode);
/* Set a file's modification (and access) time; ns since the epoch. */
int soak_os_futimes(int fd, int64_t atime_ns, int64_t mtime_ns);
int soak_os_dup(int fd);
/* A pipe; both ends not inherited. */
int soak_os_pipe(int fds[2]);
int soak_os_isatty(int fd);
/* 1 when fd is an open descriptor. */
int soak_os_fd_open(int fd);
/* fopen, the stream not inherited by child processes ("re" on glibc, "rN" on Windows). */
FILE *soak_os_fopen(const char *path, const char *mode);
/* getc without locking the stream, for readers that take a byte at a time. */
#if defined(_WIN32)
#define soak_os_getc_unlocked(f) _getc_nolock(f)
#else
#define soak_os_getc_unlocked(f) getc_unlocked(f)
#endif

/* stat follows links, lstat does not. */
int soak_os_stat(const char *path, struct soak_os_stat *st);
int soak_os_lstat(const char *path, struct soak_os_stat *st);
/* Set times of path itself (a link: the link, where the OS can). */
int soak_os_utimes(const char *path, int64_t atime_ns, int64_t mtime_ns, int nofollow);
int soak_os_chmod(const char *path, unsigned mode);
int soak_os_unlink(const char *path);
int soak_os_rmdir(const char *path);
int soak_os_mkdir(const char *path, unsigned mode);
/* Rename, atomically replacing an existing file at to. */
int soak_os_rename(const char *from, const char *to);
/* A hard link; never replaces (EEXIST). */
int soak_os_link(const char *from, const char *to);
int soak_os_symlink(const char *target, const char *path);
/* The target of a link, malloc'ed. */
char *soak_os_readlink(const char *path);
/* The canonical absolute path (links resolved), malloc'ed. */
char *soak_os_realpath(const char *path);
char *soak_os_getcwd(void);
/* The home directory of the user (HOME, USERPROFILE, the password database). */
char *soak_os_home(void);
/*
 * The directory for temporary files, malloc'ed: TMPDIR when set, else /tmp on
 * POSIX; on Windows the system's (TMP, TEMP, USERPROFILE, the Windows directory:
 * GetTempPath2W/GetTempPathW) without its trailing separator. NULL with errno.
 */
char *soak_os_tmpdir(void);
/* 1 for a path separator: '/', and on Windows '\\' too. */
int soak_os_is_sep(int c);
/* Make the entries of a directory durable (fsync on POSIX; nothing to do on Windows). */
int soak_os_sync_dir(const char *path);
/*
 * The length of path's root: 1 for "/x" on POSIX; on Windows 3 for "C:/x" or
 * "C:\\x", 2 for "C:", the "//server/share/" part of a UNC path, 1 for "/x".
 * 0 for a relative path.
 */
size_t soak_os_path_root_len(const char *path);
/* 1 when path is absolute ("/x"; Windows also "C:\x", "\\server\x"). */
int soak_os_path_is_abs(const char *path);

/*
 * The names in a directory, without "." and "..", sorted bytewise: a
 * malloc'ed array of malloc'ed strings; free with soak_os_names_free.
 */
int soak_os_list_dir(const char *path, char ***names, size_t *n);
void soak_os_names_free(char **names, size_t n);

/*
 * Create a new directory or file with a unique name: tmpl ends with "XXXXXX",
 * replaced in place. mkstemp returns an open descriptor (mode 0600).
 */
int soak_os_mkdtemp(char *tmpl);
int soak_os_mkstemp(char *tmpl);

/* Bytes from the OS's random source (never blocks once the system is up). */
int soak_os_random(void *buf, size_t n);
long soak_os_getpid(void);
/* 1 while a process with this id exists, 0 when not. */
int soak_os_pid_alive(long pid);
/* Sleep (not woken by signals: see sig.h for that). */
void soak_os_sleep_ms(int64_t ms);
int soak_os_cpu_count(void);
/* The page size of the OS. */
long soak_os_page_size(void);
/* Set or remove a variable of the process environment (value UTF-8). */
int soak_os_setenv(const char *name, const char *value);
int soak_os_unsetenv(const char *name);
/* The process environment ("NAME=value" strings, NULL-terminated). */
char **soak_os_environ(void);
/*
 * The value of an environment variable, UTF-8 (on Windows from the UTF-16
 * environment: getenv gives the ANSI code page there), or NULL when unset. Not
 * to be freed; it stays valid after the variable changes.
 */
const char *soak_os_getenv(const char *name);
#ifdef _WIN32
/*
 * s (UTF-8) as UTF-16, malloc'ed; NULL with errno. For libraries that take
 * wide paths: libarchive 3.6 turns a UTF-8 name into a wide one through the
 * ANSI code page, which loses every other character.
 */
wchar_t *soak_os_utf16(const char *s);
/* The reverse: s (UTF-16) as UTF-8, malloc'ed; NULL with errno. */
char *soak_os_utf8(const wchar_t *s);
#endif
/* Make the C library's local time UTC (TZ=UTC0), so that formats with local times (zip's DOS times)
 * do not depend on the machine's zone. */
void soak_os_utc_local_time(void);
/* "linux", "windows", "darwin", ... and "x86_64", "aarch64", ... */
const char *soak_os_name(void);
const char *soak_os_arch(void);
/* The host's name; "" when unknown. */
int soak_os_hostname(char *buf, size_t n);

/*
 * Remove path and, when it is a directory, everything under it; links are
 * removed, never followed. What is already gone is no error. 0, or -1 with
 * the errno of the first failure (the rest is still tried).
 */
int soak_os_remove_tree(const char *path);

#endif
