#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <archive.h>
#include <archive_entry.h>

#include "compress.h"
#include "exitcode.h"
#include "os.h"
#include "banned.h"

#define CHUNK (256 * 1024)

int soak_compress_parse(const char *name, enum soak_compress_method *m, struct soak_err *err)
{
	if (!strcmp(name, "zstd") || !strcmp(name, "zst")) {
		*m = SOAK_COMPRESS_ZSTD;
		return 0;
	}
	if (!strcmp(name, "gzip") || !strcmp(name, "gz")) {
		*m = SOAK_COMPRESS_GZIP;
		return 0;
	}
	return soak_err_set(err, SOAK_EXIT_USAGE,
	                    "invalid compression '%s': expected 'zstd' or 'gzip'", name);
}

const char *soak_compress_name(enum soak_compress_method m)
{
	return m == SOAK_COMPRESS_GZIP ? "gzip" : "zstd";
}

const char *soak_compress_suffix(enum soak_compress_method m)
{
	return m == SOAK_COMPRESS_GZIP ? ".gz" : ".zst";
}

int soak_compress_is_compressed(const char *name)
{
	static const char *const sfx[] = {".zst", ".gz",   ".tgz", ".xz", ".txz", ".bz2", ".lz4",
	                                  ".lz",  ".lzma", ".zip", ".7z", ".br",  ".Z"};
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		size_t l = strlen(sfx[i]);
		if (n > l && !strcmp(name + n - l, sfx[i]))
			return 1;
	}
	return 0;
}

struct sink {
	int fd;
	uint64_t bytes;
	int error; /* errno of a failed write */
};

static la_ssize_t sink_write(struct archive *a, void *ctx, const void *buf, size_t n)
{
	struct sink *s = ctx;
	const char *p = buf;
	size_t left = n;

	(void)a;
	while (s->fd >= 0 && left) {
		ptrdiff_t w = soak_os_write(s->fd, p, left);
		if (w < 0) {
			s->error = errno;
			archive_set_error(a, errno, "write failed");
			return -1;
		}
		p += w;
		left -= (size_t)w;
	}
	s->bytes += n;
	return (la_ssize_t)n;
}

static int la_fail(struct archive *a, struct soak_err *err, const char *what)
{
	int e = archive_errno(a);
	const char *s = archive_error_string(a);

	if (e > 0)
		return soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot compress (%s)", what);
	return soak_err_set(err, SOAK_EXIT_ENV, "cannot compress (%s): %s", what,
	                    s ? s : "libarchive error");
}

int soak_compress_fd(void *method, int in_fd, int out_fd, uint64_t *out_bytes, struct soak_err *err)
{
	enum soak_compress_method m = *(enum soak_compress_method *)method;
	struct sink s = {out_fd, 0, 0};
	struct archive_entry *ent = NULL;
	struct archive *a = archive_write_new();
	char *buf = malloc(CHUNK);
	int r, ret = -1;

	*out_bytes = 0;
	if (!a || !buf) {
		soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot compress");
		goto out;
	}
	r = m == SOAK_COMPRESS_GZIP ? archive_write_add_filter_gzip(a)
	                            : archive_write_add_filter_zstd(a);
	/* ARCHIVE_WARN: libarchive would run an external program; we do not shell out */
	if (r != ARCHIVE_OK) {
		soak_err_set(err, SOAK_EXIT_ENV,
		             "cannot compress: libarchive %s has no built-in %s support",
		             archive_version_string(), soak_compress_name(m));
		goto out;
	}
	if (m == SOAK_COMPRESS_GZIP)
		archive_write_set_filter_option(a, "gzip", "timestamp", NULL);
	if (archive_write_set_format_raw(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(a, 0) != ARCHIVE_OK ||
	    archive_write_open2(a, &s, NULL, sink_write, NULL, NULL) != ARCHIVE_OK) {
		la_fail(a, err, "open");
		goto out;
	}
	ent = archive_entry_new();
	if (!ent) {
		soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot compress");
		goto out;
	}
	archive_entry_set_pathname(ent, "data");
	archive_entry_set_filetype(ent, AE_IFREG);
	if (archive_write_header(a, ent) != ARCHIVE_OK) {
		la_fail(a, err, "header");
		goto out;
	}
	for (;;) {
		ptrdiff_t n = soak_os_read(in_fd, buf, CHUNK);
		if (n < 0) {
			soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot read");
			goto out;
		}
		if (n == 0)
			break;
		if (archive_write_data(a, buf, (size_t)n) != n) {
			if (s.error)
				soak_err_errno(err, SOAK_EXIT_ENV, s.error, "cannot write");
			else
				la_fail(a, err, "data");
			goto out;
		}
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		if (s.error)
			soak_err_errno(err, SOAK_EXIT_ENV, s.error, "cannot write");
		else
			la_fail(a, err, "close");
		goto out;
	}
	*out_bytes = s.bytes;
	ret = 0;
out:
	archive_entry_free(ent);
	if (a)
		archive_write_free(a);
	free(buf);
	return ret;
}
