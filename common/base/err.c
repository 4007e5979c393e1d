#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "banned.h"

/* Mark a message that did not fit with a trailing "..." rather than cutting silently. */
static void mark_truncated(struct soak_err *err, int n)
{
	if (n >= (int)sizeof(err->msg))
		memcpy(err->msg + sizeof(err->msg) - 4, "...", 4);
}

static void vset(struct soak_err *err, const char *fmt, va_list ap) SOAK_PRINTF(2, 0);
static void vset(struct soak_err *err, const char *fmt, va_list ap)
{
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);

	if (n < 0)
		err->msg[0] = '\0';
	mark_truncated(err, n);
}

int soak_err_set(struct soak_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	vset(err, fmt, ap);
	va_end(ap);
	return -1;
}

int soak_err_errno(struct soak_err *err, int code, int errnum, const char *fmt, ...)
{
	char ebuf[256];
	const char *etext;
	va_list ap;
	size_t len;
	int n;

	if (!err)
		return -1;
#if defined(_WIN32)
	/* the Windows C runtime's strerror_s; strerror_r elsewhere, GNU or XSI */
	etext = strerror_s(ebuf, sizeof(ebuf), errnum) ? "unknown error" : ebuf;
#elif defined(__GLIBC__) && defined(_GNU_SOURCE)
	etext = strerror_r(errnum, ebuf, sizeof(ebuf));
#else
	etext = strerror_r(errnum, ebuf, sizeof(ebuf)) ? "unknown error" : ebuf;
#endif
	err->code = code;
	va_start(ap, fmt);
	vset(err, fmt, ap);
	va_end(ap);
	len = strlen(err->msg);
	if (len + 4 >= sizeof(err->msg) && !strcmp(err->msg + len - 3, "..."))
		return -1;
	n = snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", etext);
	if (n >= 0 && (size_t)n >= sizeof(err->msg) - len)
		mark_truncated(err, (int)sizeof(err->msg));
	return -1;
}

int soak_err_prefix(struct soak_err *err, const char *fmt, ...)
{
	char prefix[SOAK_ERR_MAX], old[SOAK_ERR_MAX];
	va_list ap;
	int n;

	if (!err)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	if (n < 0)
		prefix[0] = '\0';
	memcpy(old, err->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	n = snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
	mark_truncated(err, n);
	return -1;
}

void soak_err_clear(struct soak_err *err)
{
	if (!err)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}
