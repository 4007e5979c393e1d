#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <archive.h>
#include <archive_entry.h>

#include "arch.h"
#include "arch_entry.h"
#include "exitcode.h"
#include "os.h"
#include "banned.h"

struct soak_archive_writer {
	struct archive *a;
	struct archive_entry *e;
	char *path;
	int fd;
};

struct soak_archive_reader {
	struct archive *a;
	int fd; /* opened through os.h, so any UTF-8 path opens on every OS */
	char *path;
	char *name; /* the current entry's path without "./" */
	char *link; /* its hard link's target */
};

static const struct {
	const char *name, *ext;
} formats[] = {
    [SOAK_ARCHIVE_TAR] = {"tar", ".tar"},
    [SOAK_ARCHIVE_TAR_GZ] = {"tar.gz", ".tar.gz"},
    [SOAK_ARCHIVE_TAR_ZST] = {"tar.zst", ".tar.zst"},
    [SOAK_ARCHIVE_ZIP] = {"zip", ".zip"},
};

int soak_archive_format_parse(const char *s, enum soak_archive_format *f, struct soak_err *err)
{
	if (!strcmp(s, "tar"))
		*f = SOAK_ARCHIVE_TAR;
	else if (!strcmp(s, "tar.gz") || !strcmp(s, "tgz"))
		*f = SOAK_ARCHIVE_TAR_GZ;
	else if (!strcmp(s, "tar.zst") || !strcmp(s, "tzst"))
		*f = SOAK_ARCHIVE_TAR_ZST;
	else if (!strcmp(s, "zip"))
		*f = SOAK_ARCHIVE_ZIP;
	else
		return soak_err_set(err, SOAK_EXIT_USAGE,
		                    "unknown archive format '%s' (tar, tar.gz, tar.zst or zip)", s);
	return 0;
}

const char *soak_archive_format_name(enum soak_archive_format f)
{
	return formats[f].name;
}

const char *soak_archive_format_ext(enum soak_archive_format f)
{
	return formats[f].ext;
}

static int lib_err(struct archive *a, struct soak_err *err, int code, const char *what,
                   const char *path)
{
	const char *msg = a ? archive_error_string(a) : NULL;
	int e = a ? archive_errno(a) : 0;

	/* libarchive says "Write error" for a full disk: add what errno said */
	if (e > 0 && e != EILSEQ && e != EINVAL && (!msg || !strstr(msg, strerror(e))))
		return soak_err_set(err, code, "%s '%s': %s%s%s", what, path, msg ? msg : "",
		                    msg ? ": " : "", strerror(e));
	return soak_err_set(err, code, "%s '%s': %s", what, path, msg ? msg : "libarchive error");
}

static int set_level(struct archive *a, const char *filter, int level)
{
	char v[16];

	if (level <= 0)
		return ARCHIVE_OK;
	snprintf(v, sizeof(v), "%d", level);
	return archive_write_set_filter_option(a, filter, "compression-level", v);
}

int soak_archive_writer_open(struct soak_archive_writer **out, const char *path,
                             enum soak_archive_format f, const struct soak_archive_wopts *opts,
                             struct soak_err *err)
{
	struct soak_archive_writer *w;
	int level = opts ? opts->level : 0, rc = ARCHIVE_OK;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	w->fd = -1;
	w->path = strdup(path);
	w->a = archive_write_new();
	w->e = archive_entry_new();
	if (!w->path || !w->a || !w->e) {
		soak_archive_writer_free(w);
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	}
	if (f == SOAK_ARCHIVE_ZIP) {
		rc = archive_write_set_format_zip(w->a);
		/* names in UTF-8, flagged as such, whatever the C library's locale */
		if (rc == ARCHIVE_OK)
			rc = archive_write_set_format_option(w->a, "zip", "hdrcharset", "UTF-8");
		if (rc == ARCHIVE_OK && level > 0) {
			char v[16];

			snprintf(v, sizeof(v), "%d", level);
			rc = archive_write_set_format_option(w->a, "zip", "compression-level", v);
		}
	} else {
		rc = archive_write_set_format_pax_restricted(w->a);
	}
	/* ARCHIVE_WARN from add_filter means an external program would be used: refused */
	if (rc == ARCHIVE_OK && f == SOAK_ARCHIVE_TAR_GZ) {
		rc = archive_write_add_filter_gzip(w->a);
		if (rc == ARCHIVE_OK)
			rc = archive_write_set_filter_option(w->a, "gzip", "timestamp", NULL);
		if (rc == ARCHIVE_OK)
			rc = set_level(w->a, "gzip", level);
	} else if (rc == ARCHIVE_OK && f == SOAK_ARCHIVE_TAR_ZST) {
		rc = archive_write_add_filter_zstd(w->a);
		if (rc == ARCHIVE_OK)
			rc = set_level(w->a, "zstd", level);
	}
	if (rc != ARCHIVE_OK) {
		const char *msg = archive_error_string(w->a);

		soak_err_set(err, SOAK_EXIT_ENV, "cannot write %s archives: %s", formats[f].name,
		             msg ? msg : "not supported by this libarchive");
		soak_archive_writer_free(w);
		return -1;
	}
	/* a compressed stream ends where it ends: no zero padding after it */
	if (f != SOAK_ARCHIVE_TAR)
		archive_write_set_bytes_in_last_block(w->a, 1);
	w->fd = soak_os_open(path, SOAK_O_WRONLY | SOAK_O_CREAT | SOAK_O_TRUNC, 0644);
	if (w->fd < 0) {
		soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot create '%s'", path);
		soak_archive_writer_free(w);
		return -1;
	}
	if (archive_write_open_fd(w->a, w->fd) != ARCHIVE_OK) {
		lib_err(w->a, err, SOAK_EXIT_ENV, "cannot write", path);
		soak_archive_writer_free(w);
		return -1;
	}
	*out = w;
	return 0;
}

int soak_archive_entry_set_path(struct archive_entry *ae, const char *path, int hardlink)
{
#ifdef _WIN32
	wchar_t *w = soak_os_utf16(path);

	if (!w)
		return -1;
	if (hardlink)
		archive_entry_copy_hardlink_w(ae, w);
	else
		archive_entry_copy_pathname_w(ae, w);
	free(w);
#else
	if (hardlink)
		archive_entry_set_hardlink_utf8(ae, path);
	else
		archive_entry_set_pathname_utf8(ae, path);
#endif
	return 0;
}

char *soak_archive_entry_path(struct archive_entry *ae, int hardlink)
{
#ifdef _WIN32
	/* libarchive 3.6 reads a UTF-8 name through the ANSI code page: ask for the wide one */
	const wchar_t *w = hardlink ? archive_entry_hardlink_w(ae) : archive_entry_pathname_w(ae);

	return w ? soak_os_utf8(w) : NULL;
#else
	const char *s =
	    hardlink ? archive_entry_hardlink_utf8(ae) : archive_entry_pathname_utf8(ae);

	return s ? strdup(s) : NULL;
#endif
}

int soak_archive_write_header(struct soak_archive_writer *w, const struct soak_archive_entry *e,
                              struct soak_err *err)
{
	struct archive_entry *ae = w->e;
	unsigned type;

	switch (e->type) {
	case SOAK_ARCHIVE_FILE:
	case SOAK_ARCHIVE_HARDLINK:
		type = AE_IFREG;
		break;
	case SOAK_ARCHIVE_DIR:
		type = AE_IFDIR;
		break;
	case SOAK_ARCHIVE_SYMLINK:
		type = AE_IFLNK;
		break;
	default:
		return soak_err_set(err, SOAK_EXIT_INPUT, "'%s': cannot archive this file type",
		                    e->path);
	}
	archive_entry_clear(ae);
	if (soak_archive_entry_set_path(ae, e->path, 0) < 0)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	archive_entry_set_filetype(ae, type);
	archive_entry_set_perm(ae, e->mode & 07777);
	archive_entry_set_mtime(ae, (time_t)e->mtime, e->mtime_nsec);
	archive_entry_set_uid(ae, e->uid);
	archive_entry_set_gid(ae, e->gid);
	if (e->uname)
		archive_entry_set_uname(ae, e->uname);
	if (e->gname)
		archive_entry_set_gname(ae, e->gname);
	if (e->type == SOAK_ARCHIVE_FILE)
		archive_entry_set_size(ae, (la_int64_t)e->size);
	else
		archive_entry_set_size(ae, 0);
	if (e->type == SOAK_ARCHIVE_SYMLINK)
		archive_entry_set_symlink_utf8(ae, e->link);
	if (e->type == SOAK_ARCHIVE_HARDLINK && soak_archive_entry_set_path(ae, e->link, 1) < 0)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	if (archive_write_header(w->a, ae) != ARCHIVE_OK)
		return lib_err(w->a, err, SOAK_EXIT_ENV, "cannot write", w->path);
	return 0;
}

int soak_archive_write_data(struct soak_archive_writer *w, const void *data, size_t n,
                            struct soak_err *err)
{
	const char *p = data;

	while (n) {
		la_ssize_t k = archive_write_data(w->a, p, n);

		if (k <= 0)
			return lib_err(w->a, err, SOAK_EXIT_ENV, "cannot write", w->path);
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int soak_archive_write_file(struct soak_archive_writer *w, const struct soak_archive_entry *e,
                            const char *src, struct soak_err *err)
{
	char block[65536];
	uint64_t done = 0;
	int fd, ret = -1;

	fd = soak_os_open(src, SOAK_O_RDONLY, 0);
	if (fd < 0)
		return soak_err_errno(err, SOAK_EXIT_INPUT, errno, "cannot open '%s'", src);
	if (soak_archive_write_header(w, e, err))
		goto out;
	for (;;) {
		ptrdiff_t n = soak_os_read(fd, block, sizeof(block));

		if (n < 0) {
			soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot read '%s'", src);
			goto out;
		}
		if (n == 0)
			break;
		if (done + (uint64_t)n > e->size)
			break;
		if (soak_archive_write_data(w, block, (size_t)n, err))
			goto out;
		done += (uint64_t)n;
	}
	if (done != e->size) {
		soak_err_set(err, SOAK_EXIT_INPUT, "'%s' changed size while it was archived", src);
		goto out;
	}
	ret = 0;
out:
	soak_os_close(fd);
	return ret;
}

int soak_archive_writer_close(struct soak_archive_writer *w, struct soak_err *err)
{
	int ret = 0;

	if (archive_write_close(w->a) != ARCHIVE_OK)
		ret = lib_err(w->a, err, SOAK_EXIT_ENV, "cannot write", w->path);
	if (!ret && soak_os_fsync(w->fd) < 0)
		ret = soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot write '%s'", w->path);
	if (soak_os_close(w->fd) < 0 && !ret)
		ret = soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot write '%s'", w->path);
	w->fd = -1;
	soak_archive_writer_free(w);
	return ret;
}

void soak_archive_writer_free(struct soak_archive_writer *w)
{
	if (!w)
		return;
	if (w->a)
		archive_write_free(w->a); /* closes the archive if still open */
	if (w->e)
		archive_entry_free(w->e);
	if (w->fd >= 0)
		soak_os_close(w->fd);
	free(w->path);
	free(w);
}

int soak_archive_reader_open(struct soak_archive_reader **out, const char *path,
                             struct soak_err *err)
{
	struct soak_archive_reader *r;
	struct soak_os_stat st;

	*out = NULL;
	if (soak_os_stat(path, &st) < 0)
		return soak_err_errno(err, SOAK_EXIT_INPUT, errno, "cannot open '%s'", path);
	if (st.type == SOAK_OS_DIR)
		return soak_err_set(err, SOAK_EXIT_INPUT, "'%s' is a directory, not an archive",
		                    path);
	r = calloc(1, sizeof(*r));
	if (!r)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	r->fd = -1;
	r->path = strdup(path);
	r->a = archive_read_new();
	if (!r->path || !r->a) {
		soak_archive_reader_close(r);
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	}
	archive_read_support_filter_all(r->a);
	archive_read_support_format_all(r->a);
	if ((r->fd = soak_os_open(path, SOAK_O_RDONLY, 0)) < 0) {
		soak_err_errno(err, SOAK_EXIT_INPUT, errno, "cannot open '%s'", path);
		soak_archive_reader_close(r);
		return -1;
	}
	if (archive_read_open_fd(r->a, r->fd, 65536) != ARCHIVE_OK) {
		lib_err(r->a, err, SOAK_EXIT_INPUT, "cannot read archive", path);
		soak_archive_reader_close(r);
		return -1;
	}
	*out = r;
	return 0;
}

int soak_archive_reader_next(struct soak_archive_reader *r, struct soak_archive_entry *e,
                             struct soak_err *err)
{
	struct archive_entry *ae;
	const char *p;
	int rc;

	memset(e, 0, sizeof(*e));
	rc = archive_read_next_header(r->a, &ae);
	if (rc == ARCHIVE_EOF)
		return 0;
	if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
		return lib_err(r->a, err, SOAK_EXIT_INPUT, "cannot read archive", r->path);
	free(r->name);
	free(r->link);
	r->link = NULL;
	r->name = soak_archive_entry_path(ae, 0);
	if (!r->name)
		return soak_err_set(err, SOAK_EXIT_INPUT,
		                    "cannot read archive '%s': an entry has no readable name",
		                    r->path);
	for (p = r->name; p[0] == '.' && p[1] == '/';)
		p += 2;
	memmove(r->name, p, strlen(p) + 1);
	e->path = r->name;
	r->link = soak_archive_entry_path(ae, 1);
	if (r->link) {
		e->type = SOAK_ARCHIVE_HARDLINK;
		e->link = r->link;
	} else {
		switch (archive_entry_filetype(ae)) {
		case AE_IFREG:
			e->type = SOAK_ARCHIVE_FILE;
			break;
		case AE_IFDIR:
			e->type = SOAK_ARCHIVE_DIR;
			break;
		case AE_IFLNK:
			e->type = SOAK_ARCHIVE_SYMLINK;
			e->link = archive_entry_symlink_utf8(ae);
			break;
		default:
			e->type = SOAK_ARCHIVE_OTHER;
		}
	}
	e->mode = (unsigned)archive_entry_perm(ae) & 07777;
	e->mtime = (int64_t)archive_entry_mtime(ae);
	e->mtime_nsec = archive_entry_mtime_nsec(ae);
	e->uid = archive_entry_uid(ae);
	e->gid = archive_entry_gid(ae);
	e->uname = archive_entry_uname(ae);
	e->gname = archive_entry_gname(ae);
	e->size = archive_entry_size_is_set(ae) && archive_entry_size(ae) > 0
	              ? (uint64_t)archive_entry_size(ae)
	              : 0;
	return 1;
}

ptrdiff_t soak_archive_reader_read(struct soak_archive_reader *r, void *buf, size_t n,
                                   struct soak_err *err)
{
	la_ssize_t k = archive_read_data(r->a, buf, n);

	if (k < 0) {
		lib_err(r->a, err, SOAK_EXIT_INPUT, "cannot read archive", r->path);
		return -1;
	}
	return (ptrdiff_t)k;
}

void soak_archive_reader_close(struct soak_archive_reader *r)
{
	if (!r)
		return;
	if (r->a)
		archive_read_free(r->a);
	if (r->fd >= 0)
		soak_os_close(r->fd);
	free(r->name);
	free(r->link);
	free(r->path);
	free(r);
}
