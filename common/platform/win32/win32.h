/*
 * Inside the Windows platform layer: helpers its .c files share. Nothing outside
 * common/platform/win32/ includes this header (or windows.h).
 *
 * Inside the project every string is UTF-8; these convert at the Windows API boundary
 * (after libuv's uv__convert_utf8_to_utf16) and translate GetLastError() codes to errno
 * values, so that the platform headers keep one error convention on every OS.
 */
#ifndef SOAK_WIN32_H
#define SOAK_WIN32_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>
#include <windows.h>

/*
 * UTF-8 to a malloc'ed, NUL-terminated UTF-16 string, and back. n is the length of s,
 * or (size_t)-1 when s is NUL-terminated. NULL with errno set: EINVAL for a NULL s,
 * EILSEQ for an invalid sequence (a stray byte, an unpaired surrogate: never replaced
 * by U+FFFD, which would name another file), ENOMEM.
 */
wchar_t *soak_w32_utf16(const char *s, size_t n);
char *soak_w32_utf8(const wchar_t *s, size_t n);

/*
 * The errno value that best matches a Win32 error code (GetLastError()): ENOENT,
 * EACCES, EEXIST, ENOSPC, ENOTDIR, ENOTEMPTY, EXDEV, EBUSY (sharing and lock
 * violations), EINVAL, ENAMETOOLONG, ...; EIO for codes without a closer match; 0 for 0.
 */
int soak_w32_errno(DWORD code);

/* Sets errno from GetLastError() and returns -1: `return soak_w32_fail();`. */
int soak_w32_fail(void);

/*
 * The UTF-16 form of the NUL-terminated UTF-8 path for a wide file API call, malloc'ed.
 * A path too long for the classic MAX_PATH limits comes back absolute, normalised
 * (GetFullPathNameW: '/' to '\', "." and ".." resolved) and prefixed with \\?\
 * (\\?\UNC\ for \\server\share), which lifts the limit to 32767 units whatever the
 * LongPathsEnabled setting. Shorter paths and paths already in \\?\ or \\.\ form are
 * only converted, so relative names and device names (NUL, CON) keep their meaning.
 * NULL with errno as soak_w32_utf16, or from GetFullPathNameW.
 */
wchar_t *soak_w32_long_path(const char *path);

/* 100 ns ticks between 1601-01-01 (FILETIME) and 1970-01-01 (the Unix epoch). */
#define SOAK_W32_EPOCH_DIFF 116444736000000000LL

/* A FILETIME date as ns since the Unix epoch (negative before 1970), and back. */
int64_t soak_w32_filetime_ns(const FILETIME *ft);
FILETIME soak_w32_ns_filetime(int64_t ns);
/* A FILETIME duration (CPU times) in ns. */
uint64_t soak_w32_duration_ns(const FILETIME *ft);

/* 1 when running under Wine (ntdll exports wine_get_version), for tests to skip its gaps. */
int soak_w32_is_wine(void);

/*
 * The manual-reset event that sig.c sets once a terminating console event or signal
 * is caught; NULL before soak_sig_init(). soak_proc_wait() waits on it.
 */
HANDLE soak_w32_sig_event(void);

/* FILE_DISPOSITION_INFO_EX (Windows 10 1607), absent from older mingw-w64 headers. */
#define DISPOSITION_INFO_EX 21
#define DISPOSITION_DELETE 0x1
#define DISPOSITION_POSIX 0x2
#define DISPOSITION_IGNORE_RO 0x10

/*
 * Delete the name open at h (opened with DELETE): POSIX semantics (the name
 * goes at once, even while open elsewhere) where the file system has them; a
 * read-only file or directory is made writable first. 0, or -1 with errno.
 */
int soak_w32_delete_handle(HANDLE h);

#endif
