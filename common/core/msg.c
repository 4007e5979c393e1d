#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "msg.h"
#include "exitcode.h"
#include "os.h"
#include "banned.h"

static const char *progname = "soak";
static int stdout_closed;

void soak_msg_init(const char *name)
{
	const char *slash;

	if (!name || !*name)
		return;
	slash = strrchr(name, '/');
	progname = slash && slash[1] ? slash + 1 : name;
}

const char *soak_msg_prog(void)
{
	return progname;
}

static void vline(const char *kind, const char *fmt, va_list ap) SOAK_PRINTF(2, 0);
static void vline(const char *kind, const char *fmt, va_list ap)
{
	/* One fprintf per piece on unbuffered stderr; flush stdout first so the order holds. */
	if (!stdout_closed)
		fflush(stdout);
	fprintf(stderr, "%s: %s", progname, kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void soak_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline("", fmt, ap);
	va_end(ap);
}

void soak_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline("warning: ", fmt, ap);
	va_end(ap);
}

void soak_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline("", fmt, ap);
	va_end(ap);
}

int soak_report_err(const struct soak_err *err)
{
	if (!err || !err->msg[0]) {
		soak_error("unknown error");
		return err && err->code ? err->code : SOAK_EXIT_ENV;
	}
	soak_error("%s", err->msg);
	return err->code ? err->code : SOAK_EXIT_ENV;
}

int soak_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline("", fmt, ap);
	va_end(ap);
	fprintf(stderr, "try '%s --help'\n", progname);
	return SOAK_EXIT_USAGE;
}

int soak_finish(int code)
{
	int failed = 0, errnum = 0;

	/* stdout closed before we got here (e.g. ">&-"): nothing was written, nothing to check */
	if (stdout_closed || !soak_os_fd_open(fileno(stdout)))
		return code;
	errno = 0;
	if (fflush(stdout) != 0) {
		failed = 1;
		errnum = errno;
	}
	if (ferror(stdout))
		failed = 1;
	errno = 0;
	stdout_closed = 1;
	if (fclose(stdout) != 0 && !failed) {
		failed = 1;
		errnum = errno;
	}
	if (!failed)
		return code;
	if (errnum)
		fprintf(stderr, "%s: cannot write to standard output: %s\n", progname,
		        strerror(errnum));
	else
		fprintf(stderr, "%s: cannot write to standard output\n", progname);
	return SOAK_EXIT_ENV;
}
