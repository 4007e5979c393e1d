/* Shared helpers of the Windows platform layer: UTF-8 <-> UTF-16, Win32 errors, times. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "win32.h"
#include "banned.h"

/* Newer than some mingw-w64 headers (winerror.h values). */
#ifndef ERROR_DIRECTORY_NOT_SUPPORTED
#define ERROR_DIRECTORY_NOT_SUPPORTED 336L
#endif
#ifndef ERROR_STOPPED_ON_SYMLINK
#define ERROR_STOPPED_ON_SYMLINK 681L
#endif

static int conv_errno(void)
{
	return GetLastError() == ERROR_NO_UNICODE_TRANSLATION ? EILSEQ : EINVAL;
}

wchar_t *soak_w32_utf16(const char *s, size_t n)
{
	int len, wn;
	wchar_t *w;

	if (s == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (n == (size_t)-1)
		n = strlen(s);
	if (n > INT_MAX) {
		errno = ENOMEM;
		return NULL;
	}
	len = (int)n;
	/* MB_ERR_INVALID_CHARS: a stray byte fails instead of becoming U+FFFD. */
	wn = len ? MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, len, NULL, 0) : 0;
	if (len && wn <= 0) {
		errno = conv_errno();
		return NULL;
	}
	w = malloc(((size_t)wn + 1) * sizeof(*w));
	if (!w) {
		errno = ENOMEM;
		return NULL;
	}
	if (len && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, len, w, wn) != wn) {
		free(w);
		errno = EILSEQ;
		return NULL;
	}
	w[wn] = 0;
	return w;
}

char *soak_w32_utf8(const wchar_t *s, size_t n)
{
	int len, un;
	char *u;

	if (s == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (n == (size_t)-1)
		n = wcslen(s);
	if (n > INT_MAX / 4) {
		errno = ENOMEM;
		return NULL;
	}
	len = (int)n;
	un = len ? WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, s, len, NULL, 0, NULL, NULL)
	         : 0;
	if (len && un <= 0) {
		errno = conv_errno();
		return NULL;
	}
	u = malloc((size_t)un + 1);
	if (!u) {
		errno = ENOMEM;
		return NULL;
	}
	if (len &&
	    WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, s, len, u, un, NULL, NULL) != un) {
		free(u);
		errno = EILSEQ;
		return NULL;
	}
	u[un] = '\0';
	return u;
}

int soak_w32_errno(DWORD code)
{
	switch (code) {
	case ERROR_SUCCESS:
		return 0;
	case ERROR_FILE_NOT_FOUND:
	case ERROR_PATH_NOT_FOUND:
	case ERROR_INVALID_DRIVE:
	case ERROR_BAD_NETPATH:
	case ERROR_BAD_NET_NAME:
	case ERROR_BAD_PATHNAME:
	case ERROR_MOD_NOT_FOUND:
	case ERROR_ENVVAR_NOT_FOUND:
	case ERROR_NO_MORE_FILES:
		return ENOENT;
	case ERROR_ACCESS_DENIED:
	case ERROR_INVALID_ACCESS:
	case ERROR_CURRENT_DIRECTORY:
	case ERROR_NETWORK_ACCESS_DENIED:
	case ERROR_CANNOT_MAKE:
	case ERROR_FAIL_I24:
	case ERROR_DRIVE_LOCKED:
	case ERROR_SEEK_ON_DEVICE:
	case ERROR_NOT_LOCKED:
	case ERROR_CANT_ACCESS_FILE:
	/* The name of a file being deleted lingers until its last handle closes. */
	case ERROR_DELETE_PENDING:
		return EACCES;
	case ERROR_PRIVILEGE_NOT_HELD:
		return EPERM;
	case ERROR_ALREADY_EXISTS:
	case ERROR_FILE_EXISTS:
		return EEXIST;
	case ERROR_DISK_FULL:
	case ERROR_HANDLE_DISK_FULL:
		return ENOSPC;
	case ERROR_DIRECTORY:
		return ENOTDIR;
	case ERROR_DIRECTORY_NOT_SUPPORTED:
		return EISDIR;
	case ERROR_DIR_NOT_EMPTY:
		return ENOTEMPTY;
	case ERROR_NOT_SAME_DEVICE:
		return EXDEV;
	case ERROR_SHARING_VIOLATION:
	case ERROR_LOCK_VIOLATION:
	case ERROR_BUSY:
	case ERROR_PIPE_BUSY:
	case ERROR_LOCK_FAILED:
		return EBUSY;
	case ERROR_INVALID_NAME:
	case ERROR_INVALID_PARAMETER:
	case ERROR_INVALID_FUNCTION:
	case ERROR_NEGATIVE_SEEK:
	case ERROR_NOT_A_REPARSE_POINT:
	case ERROR_INVALID_REPARSE_DATA:
	case ERROR_INVALID_FLAGS:
	case ERROR_BAD_ARGUMENTS:
		return EINVAL;
	case ERROR_FILENAME_EXCED_RANGE:
	case ERROR_BUFFER_OVERFLOW:
		return ENAMETOOLONG;
	case ERROR_INVALID_HANDLE:
	case ERROR_INVALID_TARGET_HANDLE:
	case ERROR_DIRECT_ACCESS_HANDLE:
		return EBADF;
	case ERROR_NOT_ENOUGH_MEMORY:
	case ERROR_OUTOFMEMORY:
	case ERROR_ARENA_TRASHED:
	case ERROR_INVALID_BLOCK:
	case ERROR_NOT_ENOUGH_QUOTA:
	case ERROR_COMMITMENT_LIMIT:
		return ENOMEM;
	case ERROR_TOO_MANY_OPEN_FILES:
		return EMFILE;
	case ERROR_TOO_MANY_LINKS:
		return EMLINK;
	case ERROR_BROKEN_PIPE:
	case ERROR_NO_DATA:
		return EPIPE;
	case ERROR_WRITE_PROTECT:
		return EROFS;
	case ERROR_CANT_RESOLVE_FILENAME:
	case ERROR_STOPPED_ON_SYMLINK:
		return ELOOP;
	case ERROR_NOT_SUPPORTED:
	case ERROR_SYMLINK_NOT_SUPPORTED:
		return ENOTSUP;
	case ERROR_CALL_NOT_IMPLEMENTED:
	case ERROR_PROC_NOT_FOUND:
		return ENOSYS;
	case ERROR_NO_UNICODE_TRANSLATION:
		return EILSEQ;
	case ERROR_INSUFFICIENT_BUFFER:
	case ERROR_MORE_DATA:
		return ERANGE;
	case ERROR_TIMEOUT:
	case ERROR_SEM_TIMEOUT:
	case WAIT_TIMEOUT:
		return ETIMEDOUT;
	case ERROR_OPERATION_ABORTED:
		return EINTR;
	case ERROR_WAIT_NO_CHILDREN:
	case ERROR_CHILD_NOT_COMPLETE:
		return ECHILD;
	case ERROR_NOACCESS:
		return EFAULT;
	case ERROR_NOT_READY:
	case ERROR_NO_PROC_SLOTS:
	case ERROR_MAX_THRDS_REACHED:
		return EAGAIN;
	case ERROR_BAD_EXE_FORMAT:
	case ERROR_EXE_MACHINE_TYPE_MISMATCH:
	case ERROR_BAD_FORMAT:
		return ENOEXEC;
	default:
		return EIO;
	}
}

int soak_w32_fail(void)
{
	errno = soak_w32_errno(GetLastError());
	return -1;
}

static int is_slash(wchar_t c)
{
	return c == L'\\' || c == L'/';
}

wchar_t *soak_w32_long_path(const char *path)
{
	/* 248, not 260: CreateDirectoryW's limit leaves room for an 8.3 name. */
	const size_t short_max = MAX_PATH - 12;
	wchar_t *w, *full, *out;
	DWORD n, got;
	size_t len, pre;
	int unc;

	w = soak_w32_utf16(path, (size_t)-1);
	if (w == NULL)
		return NULL;
	len = wcslen(w);
	if (len < short_max ||
	    (is_slash(w[0]) && is_slash(w[1]) && (w[2] == L'?' || w[2] == L'.') && is_slash(w[3])))
		return w;

	n = GetFullPathNameW(w, 0, NULL, NULL);
	if (n == 0) {
		soak_w32_fail();
		free(w);
		return NULL;
	}
	full = malloc((size_t)n * sizeof(*full));
	if (full == NULL) {
		free(w);
		errno = ENOMEM;
		return NULL;
	}
	got = GetFullPathNameW(w, n, full, NULL);
	free(w);
	if (got == 0 || got >= n) {
		if (got == 0)
			soak_w32_fail();
		else
			errno = ENAMETOOLONG;
		free(full);
		return NULL;
	}
	/* \\server\share\x becomes \\?\UNC\server\share\x. */
	unc = full[0] == L'\\' && full[1] == L'\\';
	pre = unc ? 8 : 4;
	out = malloc(((size_t)got + pre + 1) * sizeof(*out));
	if (out == NULL) {
		free(full);
		errno = ENOMEM;
		return NULL;
	}
	if (unc) {
		memcpy(out, L"\\\\?\\UNC\\", 8 * sizeof(*out));
		memcpy(out + 8, full + 2, ((size_t)got - 2 + 1) * sizeof(*out));
	} else {
		memcpy(out, L"\\\\?\\", 4 * sizeof(*out));
		memcpy(out + 4, full, ((size_t)got + 1) * sizeof(*out));
	}
	free(full);
	return out;
}

int64_t soak_w32_filetime_ns(const FILETIME *ft)
{
	int64_t t = (int64_t)(((uint64_t)ft->dwHighDateTime << 32) | ft->dwLowDateTime);

	return (t - SOAK_W32_EPOCH_DIFF) * 100;
}

FILETIME soak_w32_ns_filetime(int64_t ns)
{
	FILETIME ft;
	uint64_t t = (uint64_t)(ns / 100 + SOAK_W32_EPOCH_DIFF);

	ft.dwLowDateTime = (DWORD)(t & 0xffffffffu);
	ft.dwHighDateTime = (DWORD)(t >> 32);
	return ft;
}

uint64_t soak_w32_duration_ns(const FILETIME *ft)
{
	return (((uint64_t)ft->dwHighDateTime << 32) | ft->dwLowDateTime) * 100;
}

int soak_w32_is_wine(void)
{
	HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");

	return ntdll && GetProcAddress(ntdll, "wine_get_version") != NULL;
}

/* Delete the name open at h (opened with DELETE), POSIX semantics where available. */
int soak_w32_delete_handle(HANDLE h)
{
	struct {
		ULONG flags;
	} ex = {DISPOSITION_DELETE | DISPOSITION_POSIX | DISPOSITION_IGNORE_RO};
	FILE_DISPOSITION_INFO d = {TRUE};

	if (SetFileInformationByHandle(h, (FILE_INFO_BY_HANDLE_CLASS)DISPOSITION_INFO_EX, &ex,
	                               sizeof(ex)))
		return 0;
	if (GetLastError() == ERROR_DIR_NOT_EMPTY)
		return soak_w32_fail();
	if (SetFileInformationByHandle(h, FileDispositionInfo, &d, sizeof(d)))
		return 0;
	if (GetLastError() == ERROR_ACCESS_DENIED) {
		FILE_BASIC_INFO b;

		/* a read-only directory or file: make it writable and try again */
		if (GetFileInformationByHandleEx(h, FileBasicInfo, &b, sizeof(b)) &&
		    (b.FileAttributes & FILE_ATTRIBUTE_READONLY)) {
			DWORD a = b.FileAttributes & ~(DWORD)FILE_ATTRIBUTE_READONLY;
			memset(&b, 0, sizeof(b));
			b.FileAttributes = a ? a : FILE_ATTRIBUTE_NORMAL;
			if (SetFileInformationByHandle(h, FileBasicInfo, &b, sizeof(b)) &&
			    SetFileInformationByHandle(h, FileDispositionInfo, &d, sizeof(d)))
				return 0;
		}
		SetLastError(ERROR_ACCESS_DENIED);
	}
	return soak_w32_fail();
}
