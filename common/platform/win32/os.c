/*
 * The OS primitives of os.h on Windows. Paths are UTF-8 inside and UTF-16 at every
 * call (soak_w32_long_path, so long paths work too). Files are opened with CreateFileW
 * and wrapped in C runtime descriptors with _open_osfhandle; reads and writes go straight
 * to ReadFile/WriteFile on the descriptor's handle, so one soak_os_write is one WriteFile:
 * with an append-only handle that is one atomic append, and no text-mode translation ever
 * happens. Every handle is opened non-inheritable and shared for read, write and delete,
 * so that files can be renamed and deleted while open, as on POSIX.
 */
#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <direct.h>
#include <sys/stat.h>

#include "win32.h"
#include <winioctl.h>
#include <bcrypt.h>
#include <shellapi.h>

#include "os.h"
#include "banned.h"

static UINT saved_output_cp;

static void restore_console(void)
{
	if (saved_output_cp)
		SetConsoleOutputCP(saved_output_cp);
}

/* A bad descriptor is an error return (EBADF), as on POSIX, not the end of the process. */
static void ignore_invalid_parameter(const wchar_t *expr, const wchar_t *func, const wchar_t *file,
                                     unsigned line, uintptr_t reserved)
{
	(void)expr;
	(void)func;
	(void)file;
	(void)line;
	(void)reserved;
}

void soak_os_main_init(int *argc, char ***argv)
{
	int n = 0;
	wchar_t **w = CommandLineToArgvW(GetCommandLineW(), &n);
	char **v;

	_set_invalid_parameter_handler(ignore_invalid_parameter);
	/* the console shows our UTF-8 as it is; its code page is put back at exit */
	saved_output_cp = GetConsoleOutputCP();
	if (saved_output_cp && saved_output_cp != CP_UTF8 && SetConsoleOutputCP(CP_UTF8))
		atexit(restore_console);
	else
		saved_output_cp = 0;
	if (!w)
		return;
	v = calloc((size_t)n + 1, sizeof(*v));
	if (v) {
		int k;

		for (k = 0; k < n; k++)
			if (!(v[k] = soak_w32_utf8(w[k], (size_t)-1)))
				break;
		if (k == n) {
			/* kept for the life of the process, as the C runtime's argv is */
			*argc = n;
			*argv = v;
		} else {
			for (int i = 0; i < k; i++)
				free(v[i]);
			free(v);
		}
	}
	LocalFree(w);
}

#define SHARE_ALL (FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)
/* FILE_GENERIC_WRITE without FILE_WRITE_DATA: the kernel then appends every write at the
 * end of the file, atomically, whatever the file pointer. */
#define APPEND_ONLY (FILE_GENERIC_WRITE & ~FILE_WRITE_DATA)
/* One ReadFile/WriteFile at most; callers loop. */
#define IO_MAX (1u << 30)

#ifndef SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE
#define SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE 0x2
#endif
#ifndef IO_REPARSE_TAG_SYMLINK
#define IO_REPARSE_TAG_SYMLINK 0xA000000CL
#endif
#ifndef IO_REPARSE_TAG_MOUNT_POINT
#define IO_REPARSE_TAG_MOUNT_POINT 0xA0000003L
#endif
#define NAME_SURROGATE(tag) (((tag)&0x20000000u) != 0)
#define SYMLINK_FLAG_RELATIVE 1

/* REPARSE_DATA_BUFFER of ntifs.h, which user-mode headers lack. */
struct reparse {
	ULONG tag;
	USHORT data_len;
	USHORT reserved;
	union {
		struct {
			USHORT sub_off, sub_len, print_off, print_len;
			ULONG flags;
			WCHAR path[1];
		} sym;
		struct {
			USHORT sub_off, sub_len, print_off, print_len;
			WCHAR path[1];
		} mnt;
	} u;
};

static HANDLE fd_handle(int fd)
{
	intptr_t h;

	if (fd < 0) {
		errno = EBADF;
		return INVALID_HANDLE_VALUE;
	}
	h = _get_osfhandle(fd);
	if (h == -1 || h == -2)
		errno = EBADF;
	return (HANDLE)h;
}

/* CreateFileW on a UTF-8 path; INVALID_HANDLE_VALUE with errno. */
static HANDLE open_path(const char *path, DWORD access, DWORD disp, DWORD flags)
{
	wchar_t *w = soak_w32_long_path(path);
	HANDLE h;

	if (w == NULL)
		return INVALID_HANDLE_VALUE;
	h = CreateFileW(w, access, SHARE_ALL, NULL, disp, flags, NULL);
	if (h == INVALID_HANDLE_VALUE)
		soak_w32_fail();
	free(w);
	return h;
}

static int close_fail(HANDLE h, int e)
{
	CloseHandle(h);
	errno = e;
	return -1;
}

/* The reparse tag of h, 0 when it is not a reparse point. */
static DWORD reparse_tag(HANDLE h, DWORD attrs)
{
	FILE_ATTRIBUTE_TAG_INFO ti;

	if (!(attrs & FILE_ATTRIBUTE_REPARSE_POINT))
		return 0;
	if (!GetFileInformationByHandleEx(h, FileAttributeTagInfo, &ti, sizeof(ti)))
		return IO_REPARSE_TAG_SYMLINK; /* unknown: err towards "a link" */
	return ti.ReparseTag;
}

int soak_os_open(const char *path, int flags, unsigned mode)
{
	DWORD access, disp, attrs = FILE_ATTRIBUTE_NORMAL, fl = FILE_FLAG_BACKUP_SEMANTICS;
	BY_HANDLE_FILE_INFORMATION bi;
	int acc = flags & 3, cflags = _O_BINARY | _O_NOINHERIT, fd;
	HANDLE h;

	if (acc == SOAK_O_WRONLY)
		access = (flags & SOAK_O_APPEND) ? APPEND_ONLY : GENERIC_WRITE;
	else if (acc == SOAK_O_RDWR)
		access = GENERIC_READ | ((flags & SOAK_O_APPEND) ? APPEND_ONLY : GENERIC_WRITE);
	else {
		access = GENERIC_READ;
		cflags |= _O_RDONLY;
	}
	if (flags & SOAK_O_APPEND)
		cflags |= _O_APPEND;
	/* Truncation comes after the open (below): CREATE_ALWAYS would also reset the
	 * attributes, and would replace a reparse point opened with NOFOLLOW. */
	if ((flags & SOAK_O_CREAT) && (flags & SOAK_O_EXCL))
		disp = CREATE_NEW;
	else if (flags & SOAK_O_CREAT)
		disp = OPEN_ALWAYS;
	else
		disp = OPEN_EXISTING;
	if ((flags & SOAK_O_CREAT) && !(mode & 0200))
		attrs = FILE_ATTRIBUTE_READONLY;
	if (flags & SOAK_O_NOFOLLOW)
		fl |= FILE_FLAG_OPEN_REPARSE_POINT;

	h = open_path(path, access, disp, attrs | fl);
	if (h == INVALID_HANDLE_VALUE)
		return -1;
	if (!GetFileInformationByHandle(h, &bi))
		return close_fail(h, soak_w32_errno(GetLastError()));
	if ((flags & SOAK_O_NOFOLLOW) && NAME_SURROGATE(reparse_tag(h, bi.dwFileAttributes)))
		return close_fail(h, ELOOP);
	if (bi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
		if (acc != SOAK_O_RDONLY)
			return close_fail(h, EISDIR);
	} else if (flags & SOAK_O_DIRECTORY) {
		return close_fail(h, ENOTDIR);
	}
	if ((flags & SOAK_O_TRUNC) && acc != SOAK_O_RDONLY &&
	    (bi.nFileSizeHigh != 0 || bi.nFileSizeLow != 0)) {
		/* An append-only handle may not set the size: truncate through a
		 * second handle on the same file. */
		HANDLE t = (flags & SOAK_O_APPEND) ? ReOpenFile(h, GENERIC_WRITE, SHARE_ALL, 0) : h;
		FILE_END_OF_FILE_INFO eof;

		if (t == INVALID_HANDLE_VALUE)
			return close_fail(h, soak_w32_errno(GetLastError()));
		eof.EndOfFile.QuadPart = 0;
		if (!SetFileInformationByHandle(t, FileEndOfFileInfo, &eof, sizeof(eof))) {
			int e = soak_w32_errno(GetLastError());

			if (t != h)
				CloseHandle(t);
			return close_fail(h, e);
		}
		if (t != h)
			CloseHandle(t);
	}
	fd = _open_osfhandle((intptr_t)h, cflags);
	if (fd < 0)
		return close_fail(h, EMFILE);
	return fd;
}

int soak_os_close(int fd)
{
	return _close(fd);
}

ptrdiff_t soak_os_read(int fd, void *buf, size_t n)
{
	HANDLE h = fd_handle(fd);
	DWORD got = 0, e;

	if (h == INVALID_HANDLE_VALUE)
		return -1;
	if (ReadFile(h, buf, (DWORD)(n > IO_MAX ? IO_MAX : n), &got, NULL))
		return (ptrdiff_t)got;
	e = GetLastError();
	/* The write end of a pipe closed: that is the end of the data, as on POSIX. */
	if (e == ERROR_BROKEN_PIPE || e == ERROR_HANDLE_EOF)
		return 0;
	if (e == ERROR_INVALID_FUNCTION || e == ERROR_ACCESS_DENIED) {
		BY_HANDLE_FILE_INFORMATION bi;

		if (GetFileInformationByHandle(h, &bi) &&
		    (bi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) {
			errno = EISDIR;
			return -1;
		}
	}
	errno = soak_w32_errno(e);
	return -1;
}

typedef LONG(NTAPI *query_file_fn)(HANDLE, void *, void *, ULONG, int);

/* 1 when h may append but not write at an offset (opened with SOAK_O_APPEND). */
static int append_only(HANDLE h)
{
	static query_file_fn query;
	struct {
		union {
			LONG status;
			void *ptr;
		} u;
		ULONG_PTR info;
	} io;
	ACCESS_MASK access = 0;

	if (query == NULL) {
		HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");

		if (ntdll == NULL)
			return 0;
		query =
		    (query_file_fn)(void (*)(void))GetProcAddress(ntdll, "NtQueryInformationFile");
		if (query == NULL)
			return 0;
	}
	/* 8: FileAccessInformation, the access the handle was granted. */
	if (query(h, &io, &access, sizeof(access), 8) < 0)
		return 0;
	return (access & FILE_APPEND_DATA) && !(access & FILE_WRITE_DATA);
}

ptrdiff_t soak_os_write(int fd, const void *buf, size_t n)
{
	HANDLE h = fd_handle(fd);
	OVERLAPPED ov, *o = NULL;
	DWORD put = 0;

	if (h == INVALID_HANDLE_VALUE)
		return -1;
	/* An append-only handle appends anyway, but say so explicitly (offset all ones,
	 * FILE_WRITE_TO_END_OF_FILE): Wine only makes that form atomic between handles. */
	if (append_only(h)) {
		memset(&ov, 0, sizeof(ov));
		ov.Offset = ov.OffsetHigh = 0xffffffffu;
		o = &ov;
	}
	if (!WriteFile(h, buf, (DWORD)(n > IO_MAX ? IO_MAX : n), &put, o))
		return soak_w32_fail();
	return (ptrdiff_t)put;
}

ptrdiff_t soak_os_pread(int fd, void *buf, size_t n, uint64_t offset)
{
	HANDLE h = fd_handle(fd);
	LARGE_INTEGER zero, pos;
	OVERLAPPED ov;
	DWORD got = 0, e = 0;
	BOOL ok;

	if (h == INVALID_HANDLE_VALUE)
		return -1;
	if (GetFileType(h) != FILE_TYPE_DISK) {
		errno = ESPIPE;
		return -1;
	}
	/* ReadFile at an offset moves a synchronous handle's file pointer; pread must
	 * not, so put it back. */
	zero.QuadPart = 0;
	if (!SetFilePointerEx(h, zero, &pos, FILE_CURRENT))
		return soak_w32_fail();
	memset(&ov, 0, sizeof(ov));
	ov.Offset = (DWORD)(offset & 0xffffffffu);
	ov.OffsetHigh = (DWORD)(offset >> 32);
	ok = ReadFile(h, buf, (DWORD)(n > IO_MAX ? IO_MAX : n), &got, &ov);
	if (!ok)
		e = GetLastError();
	SetFilePointerEx(h, pos, NULL, FILE_BEGIN);
	if (ok || e == ERROR_HANDLE_EOF)
		return ok ? (ptrdiff_t)got : 0;
	errno = soak_w32_errno(e);
	return -1;
}

int64_t soak_os_seek(int fd, int64_t offset, int whence)
{
	HANDLE h = fd_handle(fd);
	LARGE_INTEGER off, pos;

	if (h == INVALID_HANDLE_VALUE)
		return -1;
	if (GetFileType(h) != FILE_TYPE_DISK) {
		errno = ESPIPE;
		return -1;
	}
	off.QuadPart = offset;
	if (!SetFilePointerEx(h, off, &pos,
	                      whence == 2   ? FILE_END
	                      : whence == 1 ? FILE_CURRENT
	                                    : FILE_BEGIN))
		return soak_w32_fail();
	return pos.QuadPart;
}

int soak_os_fsync(int fd)
{
	HANDLE h = fd_handle(fd);

	if (h == INVALID_HANDLE_VALUE)
		return -1;
	if (FlushFileBuffers(h))
		return 0;
	/* A read-only handle may not flush; it has nothing of its own to flush either. */
	if (GetLastError() == ERROR_ACCESS_DENIED)
		return 0;
	if (GetFileType(h) != FILE_TYPE_DISK) {
		errno = EINVAL;
		return -1;
	}
	return soak_w32_fail();
}

int soak_os_ftruncate(int fd, uint64_t size)
{
	HANDLE h = fd_handle(fd);
	FILE_END_OF_FILE_INFO eof;

	if (h == INVALID_HANDLE_VALUE)
		return -1;
	if (size > INT64_MAX) {
		errno = EINVAL;
		return -1;
	}
	/* Unlike _chsize_s, this leaves the file pointer alone, as ftruncate does. */
	eof.EndOfFile.QuadPart = (LONGLONG)size;
	if (!SetFileInformationByHandle(h, FileEndOfFileInfo, &eof, sizeof(eof)))
		return soak_w32_fail();
	return 0;
}

/* The target of the link open at h, malloc'ed; NULL with errno (EINVAL: not a link). */
static char *link_target(HANDLE h)
{
	union {
		struct reparse r;
		unsigned char b[MAXIMUM_REPARSE_DATA_BUFFER_SIZE];
	} * u;
	const WCHAR *p;
	DWORD got;
	size_t off, len;
	char *s;

	u = malloc(sizeof(*u));
	if (u == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	if (!DeviceIoControl(h, FSCTL_GET_REPARSE_POINT, NULL, 0, u, sizeof(*u), &got, NULL)) {
		soak_w32_fail();
		free(u);
		return NULL;
	}
	if (u->r.tag == IO_REPARSE_TAG_SYMLINK) {
		p = u->r.u.sym.path;
		off = u->r.u.sym.print_off;
		len = u->r.u.sym.print_len;
		if (len == 0) {
			off = u->r.u.sym.sub_off;
			len = u->r.u.sym.sub_len;
		}
	} else if (u->r.tag == IO_REPARSE_TAG_MOUNT_POINT) {
		p = u->r.u.mnt.path;
		off = u->r.u.mnt.print_off;
		len = u->r.u.mnt.print_len;
		if (len == 0) {
			off = u->r.u.mnt.sub_off;
			len = u->r.u.mnt.sub_len;
		}
	} else {
		free(u);
		errno = EINVAL;
		return NULL;
	}
	p += off / sizeof(WCHAR);
	len /= sizeof(WCHAR);
	if ((const unsigned char *)(p + len) > u->b + sizeof(u->b)) {
		free(u);
		errno = EINVAL;
		return NULL;
	}
	/* A substitute name is an NT path (\??\C:\x); callers want the DOS form. */
	if (len >= 4 && p[0] == L'\\' && p[1] == L'?' && p[2] == L'?' && p[3] == L'\\') {
		p += 4;
		len -= 4;
	}
	s = soak_w32_utf8(p, len);
	free(u);
	return s;
}

static void fill(struct soak_os_stat *o, HANDLE h, const BY_HANDLE_FILE_INFORMATION *bi, int lnk)
{
	memset(o, 0, sizeof(*o));
	if (lnk) {
		char *t = link_target(h);

		o->type = SOAK_OS_LINK;
		o->mode = 0777;
		o->size = t ? strlen(t) : 0;
		free(t);
	} else if (bi->dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
		o->type = SOAK_OS_DIR;
		o->mode = 0755;
	} else {
		o->type = SOAK_OS_FILE;
		o->mode = (bi->dwFileAttributes & FILE_ATTRIBUTE_READONLY) ? 0444 : 0644;
		o->size = ((uint64_t)bi->nFileSizeHigh << 32) | bi->nFileSizeLow;
	}
	o->mtime_ns = soak_w32_filetime_ns(&bi->ftLastWriteTime);
	o->atime_ns = soak_w32_filetime_ns(&bi->ftLastAccessTime);
	o->dev = bi->dwVolumeSerialNumber;
	o->ino = ((uint64_t)bi->nFileIndexHigh << 32) | bi->nFileIndexLow;
	o->nlink = bi->nNumberOfLinks;
}

static int fstat_handle(HANDLE h, struct soak_os_stat *o, int links)
{
	BY_HANDLE_FILE_INFORMATION bi;
	DWORD type = GetFileType(h);

	if (type != FILE_TYPE_DISK) {
		if (type == FILE_TYPE_UNKNOWN && GetLastError() != NO_ERROR)
			return soak_w32_fail();
		memset(o, 0, sizeof(*o));
		o->type = SOAK_OS_OTHER;
		o->mode = 0666;
		o->nlink = 1;
		return 0;
	}
	if (!GetFileInformationByHandle(h, &bi))
		return soak_w32_fail();
	fill(o, h, &bi, links && NAME_SURROGATE(reparse_tag(h, bi.dwFileAttributes)));
	return 0;
}

int soak_os_fstat(int fd, struct soak_os_stat *o)
{
	HANDLE h = fd_handle(fd);

	if (h == INVALID_HANDLE_VALUE)
		return -1;
	/* A descriptor opened with NOFOLLOW on a link never exists (ELOOP). */
	return fstat_handle(h, o, 1);
}

/* stat from the directory entry, when the file itself cannot be opened (a sharing
 * violation on pagefile.sys, say). */
static int stat_attrs(const char *path, struct soak_os_stat *o)
{
	WIN32_FILE_ATTRIBUTE_DATA a;
	wchar_t *w = soak_w32_long_path(path);
	BOOL ok;

	if (w == NULL)
		return -1;
	ok = GetFileAttributesExW(w, GetFileExInfoStandard, &a);
	free(w);
	if (!ok)
		return soak_w32_fail();
	memset(o, 0, sizeof(*o));
	if (a.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) {
		o->type = SOAK_OS_LINK;
		o->mode = 0777;
	} else if (a.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
		o->type = SOAK_OS_DIR;
		o->mode = 0755;
	} else {
		o->type = SOAK_OS_FILE;
		o->mode = (a.dwFileAttributes & FILE_ATTRIBUTE_READONLY) ? 0444 : 0644;
		o->size = ((uint64_t)a.nFileSizeHigh << 32) | a.nFileSizeLow;
	}
	o->mtime_ns = soak_w32_filetime_ns(&a.ftLastWriteTime);
	o->atime_ns = soak_w32_filetime_ns(&a.ftLastAccessTime);
	o->nlink = 1;
	return 0;
}

static int stat_path(const char *path, struct soak_os_stat *o, int nofollow)
{
	HANDLE h =
	    open_path(path, FILE_READ_ATTRIBUTES, OPEN_EXISTING,
	              FILE_FLAG_BACKUP_SEMANTICS | (nofollow ? FILE_FLAG_OPEN_REPARSE_POINT : 0));
	int rc;

	if (h == INVALID_HANDLE_VALUE) {
		if (errno == EBUSY || errno == EACCES)
			return stat_attrs(path, o);
		return -1;
	}
	rc = fstat_handle(h, o, nofollow);
	CloseHandle(h);
	return rc;
}

int soak_os_stat(const char *path, struct soak_os_stat *o)
{
	return stat_path(path, o, 0);
}

int soak_os_lstat(const char *path, struct soak_os_stat *o)
{
	return stat_path(path, o, 1);
}

/* Set or clear the read-only attribute through a handle that may write attributes. */
static int set_readonly(HANDLE h, unsigned mode)
{
	FILE_BASIC_INFO b;
	DWORD a;

	if (!GetFileInformationByHandleEx(h, FileBasicInfo, &b, sizeof(b)))
		return soak_w32_fail();
	a = b.FileAttributes;
	if (a & FILE_ATTRIBUTE_DIRECTORY)
		return 0; /* read-only means something else on a directory */
	if (mode & 0200)
		a &= ~(DWORD)FILE_ATTRIBUTE_READONLY;
	else
		a |= FILE_ATTRIBUTE_READONLY;
	if (a == b.FileAttributes)
		return 0;
	memset(&b, 0, sizeof(b)); /* zero times: leave them as they are */
	b.FileAttributes = a ? a : FILE_ATTRIBUTE_NORMAL;
	if (!SetFileInformationByHandle(h, FileBasicInfo, &b, sizeof(b)))
		return soak_w32_fail();
	return 0;
}

/* A second handle on fd's file that may write attributes (fd may be read-only). */
static HANDLE attr_handle(int fd)
{
	HANDLE h = fd_handle(fd), r;

	if (h == INVALID_HANDLE_VALUE)
		return h;
	r = ReOpenFile(h, FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES, SHARE_ALL,
	               FILE_FLAG_BACKUP_SEMANTICS);
	if (r == INVALID_HANDLE_VALUE)
		soak_w32_fail();
	return r;
}

int soak_os_fchmod(int fd, unsigned mode)
{
	HANDLE h = attr_handle(fd);
	int rc;

	if (h == INVALID_HANDLE_VALUE)
		return -1;
	rc = set_readonly(h, mode);
	CloseHandle(h);
	return rc;
}

int soak_os_chmod(const char *path, unsigned mode)
{
	HANDLE h = open_path(path, FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES, OPEN_EXISTING,
	                     FILE_FLAG_BACKUP_SEMANTICS);
	int rc;

	if (h == INVALID_HANDLE_VALUE)
		return -1;
	rc = set_readonly(h, mode);
	CloseHandle(h);
	return rc;
}

static int set_times(HANDLE h, int64_t atime_ns, int64_t mtime_ns)
{
	FILETIME a = soak_w32_ns_filetime(atime_ns), m = soak_w32_ns_filetime(mtime_ns);

	if (!SetFileTime(h, NULL, &a, &m))
		return soak_w32_fail();
	return 0;
}

int soak_os_futimes(int fd, int64_t atime_ns, int64_t mtime_ns)
{
	HANDLE h = attr_handle(fd);
	int rc;

	if (h == INVALID_HANDLE_VALUE)
		return -1;
	rc = set_times(h, atime_ns, mtime_ns);
	CloseHandle(h);
	return rc;
}

int soak_os_utimes(const char *path, int64_t atime_ns, int64_t mtime_ns, int nofollow)
{
	HANDLE h =
	    open_path(path, FILE_WRITE_ATTRIBUTES, OPEN_EXISTING,
	              FILE_FLAG_BACKUP_SEMANTICS | (nofollow ? FILE_FLAG_OPEN_REPARSE_POINT : 0));
	int rc;

	if (h == INVALID_HANDLE_VALUE)
		return -1;
	rc = set_times(h, atime_ns, mtime_ns);
	CloseHandle(h);
	return rc;
}

int soak_os_dup(int fd)
{
	HANDLE h = fd_handle(fd), d;
	int nfd;

	if (h == INVALID_HANDLE_VALUE)
		return -1;
	/* Not _dup: it makes the new handle inheritable. */
	if (!DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &d, 0, FALSE,
	                     DUPLICATE_SAME_ACCESS))
		return soak_w32_fail();
	nfd = _open_osfhandle((intptr_t)d, _O_BINARY | _O_NOINHERIT);
	if (nfd < 0)
		return close_fail(d, EMFILE);
	return nfd;
}

int soak_os_pipe(int fds[2])
{
	return _pipe(fds, 65536, _O_BINARY | _O_NOINHERIT);
}

int soak_os_isatty(int fd)
{
	HANDLE h = fd_handle(fd);
	DWORD m;

	/* _isatty is true for NUL and every character device; a console has a mode. */
	if (h == INVALID_HANDLE_VALUE)
		return 0;
	return GetFileType(h) == FILE_TYPE_CHAR && GetConsoleMode(h, &m);
}

int soak_os_fd_open(int fd)
{
	return fd >= 0 && _get_osfhandle(fd) != -1;
}

FILE *soak_os_fopen(const char *path, const char *mode)
{
	wchar_t m[16], *w;
	size_t i, k = 0;
	int bin = 0;
	FILE *f;

	for (i = 0; mode[i] && k < 12; i++) {
		if (mode[i] == 'e')
			continue; /* glibc's close-on-exec letter; "N" below */
		if (mode[i] == 'b' || mode[i] == 't')
			bin = 1;
		m[k++] = (wchar_t)(unsigned char)mode[i];
	}
	/* Binary unless asked otherwise: no CRLF translation, as on POSIX. */
	if (!bin)
		m[k++] = L'b';
	m[k++] = L'N';
	m[k] = L'\0';
	w = soak_w32_long_path(path);
	if (w == NULL)
		return NULL;
	f = _wfopen(w, m);
	free(w);
	return f;
}

int soak_os_unlink(const char *path)
{
	BY_HANDLE_FILE_INFORMATION bi;
	HANDLE h =
	    open_path(path, DELETE | FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES, OPEN_EXISTING,
	              FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT);
	int rc;

	if (h == INVALID_HANDLE_VALUE)
		return -1;
	if (!GetFileInformationByHandle(h, &bi))
		return close_fail(h, soak_w32_errno(GetLastError()));
	/* A link to a directory is unlinked like any link; a directory is not. */
	if ((bi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) &&
	    !NAME_SURROGATE(reparse_tag(h, bi.dwFileAttributes)))
		return close_fail(h, EISDIR);
	rc = soak_w32_delete_handle(h);
	CloseHandle(h);
	return rc;
}

int soak_os_rmdir(const char *path)
{
	wchar_t *w = soak_w32_long_path(path);
	BOOL ok;

	if (w == NULL)
		return -1;
	ok = RemoveDirectoryW(w);
	free(w);
	return ok ? 0 : soak_w32_fail();
}

int soak_os_mkdir(const char *path, unsigned mode)
{
	wchar_t *w = soak_w32_long_path(path);
	BOOL ok;

	(void)mode; /* no permission bits on Windows; ACLs are inherited */
	if (w == NULL)
		return -1;
	ok = CreateDirectoryW(w, NULL);
	free(w);
	return ok ? 0 : soak_w32_fail();
}

/* FILE_RENAME_INFO with the Flags member of FileRenameInfoEx (Windows 10 1607). */
struct rename_info {
	DWORD flags;
	HANDLE root;
	DWORD len; /* bytes */
	WCHAR name[1];
};
#define RENAME_INFO_EX 22
#define RENAME_REPLACE 0x1
#define RENAME_POSIX 0x2

/*
 * Replace to with from the POSIX way: to may be open elsewhere (its readers keep the old
 * file) and is gone from the directory at once. NTFS on Windows 10 1607+ only; 0 or -1.
 */
static int rename_posix(const char *from, const wchar_t *wto)
{
	HANDLE h;
	struct rename_info *ri;
	wchar_t *full = NULL;
	DWORD n;
	size_t len;
	BOOL ok;

	/* The new name must be absolute here: there is no directory handle to be
	 * relative to. */
	n = GetFullPathNameW(wto, 0, NULL, NULL);
	if (n == 0 || (full = malloc(((size_t)n + 4) * sizeof(*full))) == NULL)
		return -1;
	if (GetFullPathNameW(wto, n, full, NULL) >= n) {
		free(full);
		return -1;
	}
	len = wcslen(full);
	ri = malloc(sizeof(*ri) + len * sizeof(WCHAR));
	if (ri == NULL) {
		free(full);
		return -1;
	}
	memset(ri, 0, sizeof(*ri));
	ri->flags = RENAME_REPLACE | RENAME_POSIX;
	ri->len = (DWORD)(len * sizeof(WCHAR));
	memcpy(ri->name, full, (len + 1) * sizeof(WCHAR));
	free(full);
	/* A link is renamed, not its target. */
	h = open_path(from, DELETE | SYNCHRONIZE, OPEN_EXISTING,
	              FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT);
	if (h == INVALID_HANDLE_VALUE) {
		free(ri);
		return -1;
	}
	ok = SetFileInformationByHandle(h, (FILE_INFO_BY_HANDLE_CLASS)RENAME_INFO_EX, ri,
	                                (DWORD)(sizeof(*ri) + len * sizeof(WCHAR)));
	CloseHandle(h);
	free(ri);
	return ok ? 0 : -1;
}

int soak_os_rename(const char *from, const char *to)
{
	wchar_t *wf = soak_w32_long_path(from), *wt = wf ? soak_w32_long_path(to) : NULL;
	BOOL ok;

	if (wt == NULL) {
		free(wf);
		return -1;
	}
	/* MoveFileExW is the fallback for older systems, other file systems and Wine,
	 * and gives the error when both fail. */
	ok = rename_posix(from, wt) == 0 ||
	     MoveFileExW(wf, wt, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH);
	free(wf);
	free(wt);
	return ok ? 0 : soak_w32_fail();
}

int soak_os_link(const char *from, const char *to)
{
	wchar_t *wf = soak_w32_long_path(from), *wt = wf ? soak_w32_long_path(to) : NULL;
	BOOL ok;

	if (wt == NULL) {
		free(wf);
		return -1;
	}
	ok = CreateHardLinkW(wt, wf, NULL);
	free(wf);
	free(wt);
	return ok ? 0 : soak_w32_fail();
}

int soak_os_symlink(const char *target, const char *path)
{
	wchar_t *wt, *wp, *probe;
	DWORD flags = SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE, a;
	size_t i, tl, dl = 0;
	char *rel;
	BOOL ok;

	wt = soak_w32_utf16(target, (size_t)-1);
	if (wt == NULL)
		return -1;
	/* Windows resolves only '\' in a link's target. */
	for (i = 0; wt[i]; i++)
		if (wt[i] == L'/')
			wt[i] = L'\\';
	/* A link to a directory must say so; a relative target is relative to the
	 * link's directory. */
	tl = strlen(target);
	if (!soak_os_path_is_abs(target)) {
		for (i = 0; path[i]; i++)
			if (soak_os_is_sep((unsigned char)path[i]))
				dl = i + 1;
	}
	rel = malloc(dl + tl + 1);
	if (rel == NULL) {
		free(wt);
		errno = ENOMEM;
		return -1;
	}
	memcpy(rel, path, dl);
	memcpy(rel + dl, target, tl + 1);
	probe = soak_w32_long_path(rel);
	free(rel);
	if (probe != NULL) {
		a = GetFileAttributesW(probe);
		if (a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY))
			flags |= SYMBOLIC_LINK_FLAG_DIRECTORY;
		free(probe);
	}
	wp = soak_w32_long_path(path);
	if (wp == NULL) {
		free(wt);
		return -1;
	}
	ok = CreateSymbolicLinkW(wp, wt, flags);
	/* Windows before 10 1703 rejects the unprivileged flag. */
	if (!ok && GetLastError() == ERROR_INVALID_PARAMETER)
		ok = CreateSymbolicLinkW(
		    wp, wt, flags & ~(DWORD)SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE);
	if (!ok) {
		soak_w32_fail();
	} else if (GetFileAttributesW(wp) == INVALID_FILE_ATTRIBUTES) {
		/* Wine's CreateSymbolicLinkW is a stub that reports success. */
		ok = FALSE;
		errno = ENOTSUP;
	}
	free(wt);
	free(wp);
	return ok ? 0 : -1;
}

char *soak_os_readlink(const char *path)
{
	HANDLE h = open_path(path, FILE_READ_ATTRIBUTES, OPEN_EXISTING,
	                     FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT);
	char *s;

	if (h == INVALID_HANDLE_VALUE)
		return NULL;
	s = link_target(h);
	if (s == NULL && errno == ENOENT)
		errno = EINVAL; /* not a reparse point */
	CloseHandle(h);
	return s;
}

char *soak_os_realpath(const char *path)
{
	HANDLE h = open_path(path, FILE_READ_ATTRIBUTES, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS);
	wchar_t *w, *p;
	DWORD n, got;
	char *s;

	if (h == INVALID_HANDLE_VALUE)
		return NULL;
	n = GetFinalPathNameByHandleW(h, NULL, 0, FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
	if (n == 0) {
		soak_w32_fail();
		CloseHandle(h);
		return NULL;
	}
	w = malloc(((size_t)n + 1) * sizeof(*w));
	if (w == NULL) {
		CloseHandle(h);
		errno = ENOMEM;
		return NULL;
	}
	got = GetFinalPathNameByHandleW(h, w, n + 1, FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
	CloseHandle(h);
	if (got == 0 || got > n) {
		if (got == 0)
			soak_w32_fail();
		else
			errno = ENAMETOOLONG;
		free(w);
		return NULL;
	}
	/* \\?\C:\x is C:\x; \\?\UNC\server\x is \\server\x. */
	p = w;
	if (wcsncmp(p, L"\\\\?\\UNC\\", 8) == 0) {
		p += 6;
		p[0] = L'\\';
	} else if (wcsncmp(p, L"\\\\?\\", 4) == 0) {
		p += 4;
	}
	s = soak_w32_utf8(p, (size_t)-1);
	free(w);
	return s;
}

char *soak_os_getcwd(void)
{
	wchar_t *w = _wgetcwd(NULL, 0);
	char *s;

	if (w == NULL)
		return NULL;
	s = soak_w32_utf8(w, (size_t)-1);
	free(w);
	return s;
}

/* The UTF-8 value of an environment variable, malloc'ed; NULL when unset or empty. */
static char *env_utf8(const wchar_t *name)
{
	const wchar_t *v = _wgetenv(name);

	return v && *v ? soak_w32_utf8(v, (size_t)-1) : NULL;
}

char *soak_os_tmpdir(void)
{
	wchar_t w[MAX_PATH + 2];
	DWORD n;
	char *d;

	if ((d = env_utf8(L"TMPDIR")))
		return d;
	n = GetTempPathW(MAX_PATH + 2, w);
	if (n == 0 || n > MAX_PATH + 1) {
		errno = n ? ENAMETOOLONG : soak_w32_errno(GetLastError());
		return NULL;
	}
	/* "C:\Temp\" -> "C:\Temp"; a root ("C:\") keeps its separator */
	if (n > 3 && (w[n - 1] == L'\\' || w[n - 1] == L'/'))
		w[--n] = 0;
	return soak_w32_utf8(w, n);
}

char *soak_os_home(void)
{
	char *h, *drive, *path, *s;
	size_t dl, pl;

	/* HOME first, as on POSIX and as git for Windows does: tests and users that
	 * set it mean it. */
	if ((h = env_utf8(L"HOME")) || (h = env_utf8(L"USERPROFILE")))
		return h;
	drive = env_utf8(L"HOMEDRIVE");
	path = env_utf8(L"HOMEPATH");
	if (drive && path) {
		dl = strlen(drive);
		pl = strlen(path);
		s = malloc(dl + pl + 1);
		if (s) {
			memcpy(s, drive, dl);
			memcpy(s + dl, path, pl + 1);
		}
		free(drive);
		free(path);
		if (s == NULL)
			errno = ENOMEM;
		return s;
	}
	free(drive);
	free(path);
	errno = ENOENT;
	return NULL;
}

int soak_os_is_sep(int c)
{
	return c == '/' || c == '\\';
}

int soak_os_sync_dir(const char *path)
{
	wchar_t *w = soak_w32_long_path(path);
	DWORD a;

	/* Nothing to flush: NTFS journals metadata, so a rename or create is durable once
	 * the call returns, and directories cannot be opened for FlushFileBuffers without
	 * write access anyway. Only check that path is a directory, as open would. */
	if (w == NULL)
		return -1;
	a = GetFileAttributesW(w);
	free(w);
	if (a == INVALID_FILE_ATTRIBUTES)
		return soak_w32_fail();
	if (!(a & FILE_ATTRIBUTE_DIRECTORY)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

size_t soak_os_path_root_len(const char *path)
{
	size_t i = 2;

	if (((path[0] >= 'A' && path[0] <= 'Z') || (path[0] >= 'a' && path[0] <= 'z')) &&
	    path[1] == ':')
		return soak_os_is_sep((unsigned char)path[2]) ? 3 : 2;
	if (!soak_os_is_sep((unsigned char)path[0]))
		return 0;
	if (!soak_os_is_sep((unsigned char)path[1]))
		return 1;
	/* "//server/share/": the server and the share, and the separator after */
	for (int part = 0; part < 2; part++) {
		while (path[i] && !soak_os_is_sep((unsigned char)path[i]))
			i++;
		if (path[i])
			i++;
	}
	return i;
}

int soak_os_path_is_abs(const char *path)
{
	/* "C:\x", "C:/x", "\\server\x", "//server/x"; and "\x" or "/x", rooted on the
	 * current drive, which no caller may prefix with the current directory either. */
	if (soak_os_is_sep((unsigned char)path[0]))
		return 1;
	return ((path[0] >= 'A' && path[0] <= 'Z') || (path[0] >= 'a' && path[0] <= 'z')) &&
	       path[1] == ':' && soak_os_is_sep((unsigned char)path[2]);
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
	WIN32_FIND_DATAW fd;
	size_t pl = strlen(path), n = 0, cap = 0;
	char *pat, **v = NULL;
	wchar_t *w;
	HANDLE f;
	int saved;

	*names = NULL;
	*count = 0;
	pat = malloc(pl + 3);
	if (pat == NULL) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(pat, path, pl);
	if (pl > 0 && !soak_os_is_sep((unsigned char)path[pl - 1]))
		pat[pl++] = '\\';
	pat[pl++] = '*';
	pat[pl] = '\0';
	w = soak_w32_long_path(pat);
	free(pat);
	if (w == NULL)
		return -1;
	f = FindFirstFileExW(w, FindExInfoBasic, &fd, FindExSearchNameMatch, NULL,
	                     FIND_FIRST_EX_LARGE_FETCH);
	free(w);
	if (f == INVALID_HANDLE_VALUE) {
		DWORD e = GetLastError();
		struct soak_os_stat st;

		/* An empty root directory has no "." either; a file is no directory. */
		if (soak_os_stat(path, &st) == 0) {
			if (st.type != SOAK_OS_DIR) {
				errno = ENOTDIR;
				return -1;
			}
			if (e == ERROR_FILE_NOT_FOUND)
				return 0;
		}
		errno = soak_w32_errno(e);
		return -1;
	}
	do {
		const wchar_t *nm = fd.cFileName;

		if (!wcscmp(nm, L".") || !wcscmp(nm, L".."))
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			char **nv = realloc(v, nc * sizeof(*nv));

			if (!nv) {
				errno = ENOMEM;
				goto fail;
			}
			v = nv;
			cap = nc;
		}
		if (!(v[n] = soak_w32_utf8(nm, (size_t)-1)))
			goto fail;
		n++;
	} while (FindNextFileW(f, &fd));
	if (GetLastError() != ERROR_NO_MORE_FILES) {
		soak_w32_fail();
		goto fail;
	}
	FindClose(f);
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_names);
	*names = v;
	*count = n;
	return 0;
fail:
	saved = errno ? errno : ENOMEM;
	FindClose(f);
	soak_os_names_free(v, n);
	errno = saved;
	return -1;
}

/* Replace the trailing XXXXXX of tmpl with random letters; -1 (EINVAL) without them. */
static int fill_template(char *tmpl)
{
	/* Lowercase only: names differing in case alone are the same file here. */
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[6];
	size_t len = strlen(tmpl);

	if (len < 6 || strcmp(tmpl + len - 6, "XXXXXX") != 0) {
		errno = EINVAL;
		return -1;
	}
	if (soak_os_random(r, sizeof(r)) < 0)
		return -1;
	for (int i = 0; i < 6; i++)
		tmpl[len - 6 + i] = set[r[i] % (sizeof(set) - 1)];
	return 0;
}

static void restore_template(char *tmpl)
{
	memcpy(tmpl + strlen(tmpl) - 6, "XXXXXX", 6);
}

int soak_os_mkdtemp(char *tmpl)
{
	for (int tries = 0; tries < 100; tries++) {
		if (fill_template(tmpl) < 0)
			return -1;
		if (soak_os_mkdir(tmpl, 0700) == 0)
			return 0;
		if (errno != EEXIST)
			return -1;
		restore_template(tmpl);
	}
	errno = EEXIST;
	return -1;
}

int soak_os_mkstemp(char *tmpl)
{
	for (int tries = 0; tries < 100; tries++) {
		int fd;

		if (fill_template(tmpl) < 0)
			return -1;
		fd = soak_os_open(tmpl, SOAK_O_RDWR | SOAK_O_CREAT | SOAK_O_EXCL, 0600);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST)
			return -1;
		restore_template(tmpl);
	}
	errno = EEXIST;
	return -1;
}

int soak_os_random(void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n > 0) {
		ULONG k = n > 0x40000000u ? 0x40000000u : (ULONG)n;

		if (BCryptGenRandom(NULL, p, k, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) {
			errno = EIO;
			return -1;
		}
		p += k;
		n -= k;
	}
	return 0;
}

long soak_os_getpid(void)
{
	return (long)GetCurrentProcessId();
}

int soak_os_pid_alive(long pid)
{
	HANDLE h;
	DWORD code;
	int alive;

	if (pid <= 0 || (unsigned long)pid > 0xffffffffu)
		return 0;
	h = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)pid);
	if (h != NULL) {
		alive = WaitForSingleObject(h, 0) == WAIT_TIMEOUT;
		CloseHandle(h);
		return alive;
	}
	/* Like EPERM from kill(pid, 0): it exists, we may not touch it. */
	if (GetLastError() != ERROR_ACCESS_DENIED)
		return 0;
	h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)pid);
	if (h == NULL)
		return 1;
	alive = !GetExitCodeProcess(h, &code) || code == STILL_ACTIVE;
	CloseHandle(h);
	return alive;
}

void soak_os_sleep_ms(int64_t ms)
{
	while (ms > 0) {
		DWORD d = ms > 0x7fffffff ? 0x7fffffff : (DWORD)ms;

		Sleep(d);
		ms -= d;
	}
}

int soak_os_cpu_count(void)
{
	DWORD n = GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);
	SYSTEM_INFO si;

	/* All groups: GetSystemInfo counts only the 64 of the process's group. */
	if (n > 0)
		return (int)n;
	GetSystemInfo(&si);
	return si.dwNumberOfProcessors > 0 ? (int)si.dwNumberOfProcessors : 1;
}

long soak_os_page_size(void)
{
	SYSTEM_INFO si;

	GetSystemInfo(&si);
	return si.dwPageSize > 0 ? (long)si.dwPageSize : 4096;
}

static char **env_cache;
static int env_stale = 1;

static void env_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* The environment block as UTF-8 strings, made again after each change through os.h. */
char **soak_os_environ(void)
{
	static char *empty[1];
	wchar_t *block, *p;
	size_t n = 0, k = 0;
	char **v;

	if (!env_stale && env_cache)
		return env_cache;
	block = GetEnvironmentStringsW();
	if (block == NULL)
		return env_cache ? env_cache : empty;
	for (p = block; *p; p += wcslen(p) + 1)
		n++;
	v = calloc(n + 1, sizeof(*v));
	if (v != NULL) {
		for (p = block; *p; p += wcslen(p) + 1) {
			/* "=C:=C:\dir" entries are cmd's per-drive directories, no variables. */
			if (*p == L'=')
				continue;
			if ((v[k] = soak_w32_utf8(p, (size_t)-1)) != NULL)
				k++;
		}
		env_free(env_cache);
		env_cache = v;
		env_stale = 0;
	}
	FreeEnvironmentStringsW(block);
	return env_cache ? env_cache : empty;
}

/* _wputenv_s changes the C runtime's copies (getenv, _wgetenv) and the process's block. */
int soak_os_setenv(const char *name, const char *value)
{
	wchar_t *wn = soak_w32_utf16(name, (size_t)-1), *wv = soak_w32_utf16(value, (size_t)-1);
	int rc = -1;

	if (wn && wv) {
		errno_t e = _wputenv_s(wn, wv);

		if (e == 0)
			rc = 0;
		else
			errno = e;
	}
	free(wn);
	free(wv);
	env_stale = 1;
	return rc;
}

int soak_os_unsetenv(const char *name)
{
	return soak_os_setenv(name, "");
}

/*
 * getenv() gives the ANSI code page's bytes: the UTF-8 value of _wgetenv is kept
 * in a small list, one entry per name and value seen, never freed (a pointer
 * returned stays valid after the variable changes); a lock guards the list.
 */
struct env_val {
	struct env_val *next;
	char *name, *value;
};
static struct env_val *env_vals;
static SRWLOCK env_lock = SRWLOCK_INIT;

const char *soak_os_getenv(const char *name)
{
	wchar_t *wn = soak_w32_utf16(name, (size_t)-1);
	const wchar_t *wv;
	const char *ret = NULL;
	struct env_val *e;
	char *v;

	if (!wn)
		return NULL;
	AcquireSRWLockExclusive(&env_lock);
	wv = _wgetenv(wn);
	v = wv ? soak_w32_utf8(wv, (size_t)-1) : NULL;
	free(wn);
	if (v) {
		for (e = env_vals; e; e = e->next)
			if (!strcmp(e->name, name) && !strcmp(e->value, v))
				break;
		if (e) {
			free(v);
			ret = e->value;
		} else if ((e = malloc(sizeof(*e))) && (e->name = strdup(name))) {
			e->value = v;
			e->next = env_vals;
			env_vals = e;
			ret = v;
		} else {
			free(e);
			free(v);
		}
	}
	ReleaseSRWLockExclusive(&env_lock);
	return ret;
}

wchar_t *soak_os_utf16(const char *s)
{
	return soak_w32_utf16(s, (size_t)-1);
}

char *soak_os_utf8(const wchar_t *s)
{
	return soak_w32_utf8(s, (size_t)-1);
}

void soak_os_utc_local_time(void)
{
	_putenv("TZ=UTC0");
	_tzset();
}

const char *soak_os_name(void)
{
	return "windows";
}

const char *soak_os_arch(void)
{
#if defined(__x86_64__) || defined(_M_X64)
	return "x86_64";
#elif defined(__aarch64__) || defined(_M_ARM64)
	return "aarch64";
#elif defined(__i386__) || defined(_M_IX86)
	return "x86";
#else
	return "unknown";
#endif
}

int soak_os_hostname(char *buf, size_t n)
{
	wchar_t w[256];
	DWORD wn = sizeof(w) / sizeof(w[0]);
	char *s;
	size_t len;

	if (n == 0)
		return -1;
	buf[0] = '\0';
	if (!GetComputerNameExW(ComputerNameDnsHostname, w, &wn))
		return soak_w32_fail();
	s = soak_w32_utf8(w, (size_t)-1);
	if (s == NULL)
		return -1;
	len = strlen(s);
	if (len > n - 1)
		len = n - 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	free(s);
	return 0;
}
