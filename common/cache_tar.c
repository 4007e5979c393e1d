#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <archive.h>
#include <archive_entry.h>
#include <zstd.h>

#include "cache_int.h"
#include "exitcode.h"
#include "hash.h"
#include "banned.h"

#define IO_BLOCK (1024 * 1024)
#define RATIO_FLOOR (16ull * 1024 * 1024) /* below this many bytes out, no ratio check */
#define ZSTD_WINDOW_LOG_MAX 31            /* archives made with zstd --long=30 (actions/cache) */

/* ---------------------------------------------------------------- writing */

struct hl {
	dev_t dev;
	ino_t ino;
	char *rel;
};

struct wctx {
	const struct soak_cache_opts *o;
	struct archive *a;
	struct archive_entry *e;
	int fd;
	const char *path;
	struct soak_sha256 h;
	ZSTD_CCtx *z;
	char *zout;
	size_t zcap;
	uint64_t size;
	int io_errno;
	struct soak_cache_prog *pr;
	struct soak_cache_tar_stats *st;
	char *buf;
	struct hl *links; /* files with more than one link, open addressing */
	size_t nlinks, caplinks;
	char ***warnings;
	size_t *nwarnings;
};

static int emit(struct wctx *w, const void *p, size_t n)
{
	const char *q = p;

	if (soak_sha256_update(&w->h, p, n, NULL))
		return -1;
	w->size += n;
	while (n) {
		ssize_t k = write(w->fd, q, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			w->io_errno = errno;
			return -1;
		}
		q += k;
		n -= (size_t)k;
	}
	return 0;
}

static int zstd_push(struct wctx *w, const void *p, size_t n, ZSTD_EndDirective end)
{
	ZSTD_inBuffer in = {p, n, 0};
	size_t left;

	do {
		ZSTD_outBuffer out = {w->zout, w->zcap, 0};

		left = ZSTD_compressStream2(w->z, &out, &in, end);
		if (ZSTD_isError(left)) {
			archive_set_error(w->a, EIO, "zstd: %s", ZSTD_getErrorName(left));
			return -1;
		}
		if (out.pos && emit(w, w->zout, out.pos))
			goto io;
	} while (end == ZSTD_e_end ? left != 0 : in.pos < in.size);
	return 0;
io:
	archive_set_error(w->a, w->io_errno ? w->io_errno : EIO, "%s",
	                  w->io_errno ? strerror(w->io_errno) : "SHA-256 failed");
	return -1;
}

static la_ssize_t on_write(struct archive *a, void *ctx, const void *p, size_t n)
{
	struct wctx *w = ctx;

	if (w->z)
		return zstd_push(w, p, n, ZSTD_e_continue) ? -1 : (la_ssize_t)n;
	if (emit(w, p, n)) {
		archive_set_error(a, w->io_errno ? w->io_errno : EIO, "%s",
		                  w->io_errno ? strerror(w->io_errno) : "SHA-256 failed");
		return -1;
	}
	return (la_ssize_t)n;
}

static int on_close(struct archive *a, void *ctx)
{
	struct wctx *w = ctx;

	(void)a;
	if (w->z && zstd_push(w, NULL, 0, ZSTD_e_end))
		return ARCHIVE_FATAL;
	return ARCHIVE_OK;
}

/* A warning "'path' what". */
static int warn(struct wctx *w, const char *path, const char *what)
{
	char msg[1200], **t;

	snprintf(msg, sizeof(msg), "'%s' %s", path, what);
	t = realloc(*w->warnings, (*w->nwarnings + 1) * sizeof(*t));
	if (!t)
		return -1;
	*w->warnings = t;
	if (!(t[*w->nwarnings] = strdup(msg)))
		return -1;
	(*w->nwarnings)++;
	return 0;
}

static size_t hl_slot(const struct wctx *w, dev_t dev, ino_t ino)
{
	size_t i = ((size_t)ino * 2654435761u ^ (size_t)dev) & (w->caplinks - 1);

	while (w->links[i].rel && !(w->links[i].dev == dev && w->links[i].ino == ino))
		i = (i + 1) & (w->caplinks - 1);
	return i;
}

/* The first path archived for this file, or NULL (then rel is remembered). */
static const char *hl_seen(struct wctx *w, const struct stat *st, const char *rel, int *oom)
{
	size_t i;

	*oom = 0;
	if (2 * (w->nlinks + 1) > w->caplinks) {
		size_t ncap = w->caplinks ? 2 * w->caplinks : 256;
		struct hl *old = w->links, *nv = calloc(ncap, sizeof(*nv));
		size_t oldcap = w->caplinks;

		if (!nv) {
			*oom = 1;
			return NULL;
		}
		w->links = nv;
		w->caplinks = ncap;
		for (size_t k = 0; k < oldcap; k++)
			if (old[k].rel)
				w->links[hl_slot(w, old[k].dev, old[k].ino)] = old[k];
		free(old);
	}
	i = hl_slot(w, st->st_dev, st->st_ino);
	if (w->links[i].rel)
		return w->links[i].rel;
	if (!(w->links[i].rel = strdup(rel))) {
		*oom = 1;
		return NULL;
	}
	w->links[i].dev = st->st_dev;
	w->links[i].ino = st->st_ino;
	w->nlinks++;
	return NULL;
}

static int archive_fail(struct wctx *w, struct soak_err *err)
{
	const char *m = archive_error_string(w->a);

	return soak_err_set(err, SOAK_EXIT_ENV, "cannot write '%s': %s", w->path,
	                    m ? m : "libarchive error");
}

static int copy_file(struct wctx *w, const char *abs, const struct stat *st, struct soak_err *err)
{
	uint64_t done = 0;
	int fd = open(abs, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return soak_err_errno(err, SOAK_EXIT_INPUT, errno, "cannot open '%s'", abs);
	while (done < (uint64_t)st->st_size) {
		size_t want = (uint64_t)st->st_size - done < IO_BLOCK
		                  ? (size_t)((uint64_t)st->st_size - done)
		                  : IO_BLOCK;
		ssize_t n = read(fd, w->buf, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			return soak_err_errno(err, SOAK_EXIT_INPUT, e, "cannot read '%s'", abs);
		}
		if (n == 0) { /* shrank while read: tar pads with zeros, so do we */
			memset(w->buf, 0, want);
			n = (ssize_t)want;
			if (done + want == (uint64_t)st->st_size)
				warn(w, abs, "shrank while it was archived; padded with zeros");
		}
		if (archive_write_data(w->a, w->buf, (size_t)n) != n) {
			close(fd);
			return archive_fail(w, err);
		}
		done += (uint64_t)n;
		w->pr->p.bytes += (uint64_t)n;
		soak_cache_prog_tick(w->pr, 0);
	}
	close(fd);
	return 0;
}

static int visit(void *ctx, const char *abs, const char *rel, const struct stat *st,
                 struct soak_err *err)
{
	struct wctx *w = ctx;
	struct archive_entry *e = w->e;
	const char *first = NULL;
	char target[4097];
	int oom;

	archive_entry_clear(e);
	archive_entry_set_pathname(e, rel);
	archive_entry_set_mode(e, st->st_mode);
	archive_entry_set_uid(e, st->st_uid);
	archive_entry_set_gid(e, st->st_gid);
	archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	archive_entry_set_size(e, 0);
	if (S_ISREG(st->st_mode)) {
		if (st->st_nlink > 1) {
			first = hl_seen(w, st, rel, &oom);
			if (oom)
				return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		}
		if (first)
			archive_entry_set_hardlink(e, first);
		else
			archive_entry_set_size(e, st->st_size);
	} else if (S_ISLNK(st->st_mode)) {
		ssize_t n = readlink(abs, target, sizeof(target) - 1);

		if (n < 0)
			return soak_err_errno(err, SOAK_EXIT_INPUT, errno, "cannot read link '%s'",
			                      abs);
		target[n] = '\0';
		archive_entry_set_symlink(e, target);
	} else if (!S_ISDIR(st->st_mode)) {
		return warn(w, abs, "is not a file, directory or link; not cached")
		           ? soak_err_set(err, SOAK_EXIT_ENV, "out of memory")
		           : 0;
	}
	if (archive_write_header(w->a, e) != ARCHIVE_OK)
		return archive_fail(w, err);
	w->st->files++;
	w->pr->p.files++;
	if (S_ISREG(st->st_mode) && !first) {
		if (copy_file(w, abs, st, err))
			return -1;
		w->st->bytes += (uint64_t)st->st_size;
	}
	return 0;
}

int soak_cache_tar_write(const struct soak_cache_opts *o, const struct soak_cache_paths *p,
                         const char *path, struct soak_cache_prog *pr,
                         struct soak_cache_tar_stats *st, char ***warnings, size_t *nwarnings,
                         struct soak_err *err)
{
	struct wctx w = {.o = o, .fd = -1, .path = path, .pr = pr, .st = st};
	int ret = -1, rc;

	memset(st, 0, sizeof(*st));
	w.warnings = warnings;
	w.nwarnings = nwarnings;
	if (soak_sha256_init(&w.h, err))
		return -1;
	w.a = archive_write_new();
	w.e = archive_entry_new();
	w.buf = malloc(IO_BLOCK);
	if (!w.a || !w.e || !w.buf) {
		soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		goto out;
	}
	rc = archive_write_set_format_pax(w.a);
	if (rc == ARCHIVE_OK && o->compression == SOAK_CACHE_GZIP) {
		char level[16];

		snprintf(level, sizeof(level), "%d", o->level > 0 ? o->level : 6);
		rc = archive_write_add_filter_gzip(w.a);
		if (rc == ARCHIVE_OK)
			rc = archive_write_set_filter_option(w.a, "gzip", "timestamp", NULL);
		if (rc == ARCHIVE_OK)
			rc = archive_write_set_filter_option(w.a, "gzip", "compression-level",
			                                     level);
	} else if (rc == ARCHIVE_OK) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		int threads = o->threads > 0 ? o->threads : (int)(cpus > 0 ? cpus : 1);

		w.zcap = ZSTD_CStreamOutSize();
		w.zout = malloc(w.zcap);
		w.z = ZSTD_createCCtx();
		if (!w.z || !w.zout) {
			soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
			goto out;
		}
		ZSTD_CCtx_setParameter(w.z, ZSTD_c_compressionLevel, o->level > 0 ? o->level : 3);
		ZSTD_CCtx_setParameter(w.z, ZSTD_c_checksumFlag, 1);
		/* a libzstd without threads refuses: then it compresses in this thread */
		if (threads > 1)
			ZSTD_CCtx_setParameter(w.z, ZSTD_c_nbWorkers, threads);
	}
	if (rc == ARCHIVE_OK)
		rc = archive_write_set_bytes_per_block(w.a, 64 * 1024);
	if (rc == ARCHIVE_OK)
		rc = archive_write_set_bytes_in_last_block(w.a, 1);
	if (rc != ARCHIVE_OK) {
		archive_fail(&w, err);
		goto out;
	}
	w.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w.fd < 0) {
		soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot create '%s'", path);
		goto out;
	}
	if (archive_write_open(w.a, &w, NULL, on_write, on_close) != ARCHIVE_OK) {
		archive_fail(&w, err);
		goto out;
	}
	pr->p.phase = "archiving";
	if (soak_cache_paths_walk(p, visit, &w, err))
		goto out;
	if (archive_write_close(w.a) != ARCHIVE_OK) {
		archive_fail(&w, err);
		goto out;
	}
	/* no fsync: an entry a power cut damaged fails its checksum, which is a miss */
	if (soak_sha256_final(&w.h, st->sha256, err))
		goto out;
	st->size = w.size;
	soak_cache_prog_tick(pr, 1);
	ret = 0;
out:
	soak_sha256_free(&w.h);
	if (w.fd >= 0 && close(w.fd) < 0 && !ret)
		ret = soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot write '%s'", path);
	if (w.a)
		archive_write_free(w.a);
	if (w.e)
		archive_entry_free(w.e);
	ZSTD_freeCCtx(w.z);
	for (size_t i = 0; i < w.caplinks; i++)
		free(w.links[i].rel);
	free(w.links);
	free(w.zout);
	free(w.buf);
	return ret;
}

/* ------------------------------------------------------------- extracting */

struct anchor {
	char *dir;      /* an existing directory at or above a base: what staging lands in */
	char *stage;    /* the staging directory in it (real path), once made */
	int have_attrs; /* the archive had an entry for dir itself */
	mode_t mode;
	struct timespec mtime;
};

struct rctx {
	const struct soak_cache_opts *o;
	const struct soak_cache_paths *p;
	struct archive *a, *disk;
	int fd;
	ZSTD_DCtx *z;
	ZSTD_inBuffer in;
	char *inbuf, *outbuf;
	size_t outcap, last;
	int eof;
	uint64_t raw;      /* bytes of the archive read */
	uint64_t out;      /* bytes of files produced (and headers) */
	char **bases;      /* the bases without those inside another */
	size_t *anchor_of; /* per base */
	size_t nbases;
	struct anchor *anchors;
	size_t nanchors;
	struct soak_cache_prog *pr;
	char *why; /* a refusal, set from a callback */
};

static la_ssize_t on_read_raw(struct archive *a, void *ctx, const void **buf)
{
	struct rctx *r = ctx;
	ssize_t n;

	do
		n = read(r->fd, r->inbuf, IO_BLOCK);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(a, errno, "%s", strerror(errno));
		return -1;
	}
	r->raw += (uint64_t)n;
	*buf = r->inbuf;
	return n;
}

static la_ssize_t on_read_zstd(struct archive *a, void *ctx, const void **buf)
{
	struct rctx *r = ctx;

	for (;;) {
		ZSTD_outBuffer out = {r->outbuf, r->outcap, 0};

		if (r->in.pos == r->in.size && !r->eof) {
			ssize_t n = read(r->fd, r->inbuf, IO_BLOCK);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				archive_set_error(a, errno, "%s", strerror(errno));
				return -1;
			}
			r->raw += (uint64_t)n;
			r->in.src = r->inbuf;
			r->in.size = (size_t)n;
			r->in.pos = 0;
			r->eof = n == 0;
		}
		if (r->eof && r->in.pos == r->in.size) {
			if (r->last != 0) {
				archive_set_error(a, EINVAL, "zstd: the stream is truncated");
				return -1;
			}
			return 0;
		}
		r->last = ZSTD_decompressStream(r->z, &out, &r->in);
		if (ZSTD_isError(r->last)) {
			archive_set_error(a, EINVAL, "zstd: %s", ZSTD_getErrorName(r->last));
			return -1;
		}
		if (out.pos) {
			*buf = r->outbuf;
			return (la_ssize_t)out.pos;
		}
	}
}

static int under(const char *a, const char *b)
{
	size_t n = strlen(b);

	if (!strcmp(b, "/"))
		return a[0] == '/';
	return !strncmp(a, b, n) && (a[n] == '\0' || a[n] == '/');
}

static int refuse(struct rctx *r, struct soak_err *err, const char *why, const char *path)
{
	return soak_err_set(err, SOAK_EXIT_INPUT, "refused: '%s' %s", path, why);
}

static int make_stage(struct anchor *an, struct soak_err *err)
{
	size_t n = strlen(an->dir) + 40;
	char *tmpl = malloc(n);

	if (!tmpl)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	snprintf(tmpl, n, "%s%s.soak-cache-restore-XXXXXX", an->dir,
	         strcmp(an->dir, "/") ? "/" : "");
	if (!mkdtemp(tmpl)) {
		int e = errno;

		free(tmpl);
		return soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot create a directory in '%s'",
		                      an->dir);
	}
	an->stage = realpath(tmpl, NULL);
	if (!an->stage) {
		int e = errno;

		rmdir(tmpl);
		free(tmpl);
		return soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot resolve '%s'", an->dir);
	}
	free(tmpl);
	return 0;
}

/*
 * Where an archive path goes: the staging path (malloc'ed) under the anchor of
 * the base it lies in, or NULL with err (refused) — or with *self set when it
 * is the anchor itself.
 */
static char *map_path(struct rctx *r, const char *name, size_t *anchor, int *self,
                      struct soak_err *err)
{
	size_t n = strlen(r->p->root) + strlen(name) + 2;
	char *joined, *t, *rel, *out = NULL;
	size_t b;

	*self = 0;
	if (name[0] == '/') {
		refuse(r, err, "is an absolute path", name);
		return NULL;
	}
	if (!(joined = malloc(n))) {
		soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		return NULL;
	}
	snprintf(joined, n, "%s/%s", r->p->root, name);
	t = soak_cache_path_norm(joined);
	free(joined);
	if (!t) {
		soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		return NULL;
	}
	for (b = 0; b < r->nbases && !under(t, r->bases[b]); b++)
		;
	if (b == r->nbases) {
		refuse(r, err, "lies outside the cache paths", name);
		free(t);
		return NULL;
	}
	*anchor = r->anchor_of[b];
	if (!strcmp(t, r->anchors[*anchor].dir)) {
		*self = 1;
		free(t);
		return NULL;
	}
	if (!r->anchors[*anchor].stage && make_stage(&r->anchors[*anchor], err)) {
		free(t);
		return NULL;
	}
	rel = soak_cache_path_rel(r->anchors[*anchor].dir, t);
	if (rel) {
		n = strlen(r->anchors[*anchor].stage) + strlen(rel) + 2;
		if ((out = malloc(n)))
			snprintf(out, n, "%s/%s", r->anchors[*anchor].stage, rel);
	}
	if (!out)
		soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	free(rel);
	free(t);
	return out;
}

static int disk_fail(struct rctx *r, const char *name, struct soak_err *err)
{
	const char *m = archive_error_string(r->disk);

	/* a write through a link, or a failed link, is the archive's doing */
	return soak_err_set(err, SOAK_EXIT_INPUT, "cannot extract '%s': %s", name,
	                    m ? m : "libarchive error");
}

static int over_limits(struct rctx *r, const char *name, struct soak_err *err)
{
	if (r->o->max_size && r->out > r->o->max_size)
		return soak_err_set(
		    err, SOAK_EXIT_INPUT,
		    "refused at '%s': the files pass the limit of %llu bytes (--max-size)", name,
		    (unsigned long long)r->o->max_size);
	if (r->o->max_ratio > 0 && r->out > RATIO_FLOOR &&
	    (double)r->out > r->o->max_ratio * (double)(r->raw ? r->raw : 1))
		return soak_err_set(err, SOAK_EXIT_INPUT,
		                    "refused at '%s': %llu bytes out of %llu is a ratio above %g "
		                    "(--max-ratio)",
		                    name, (unsigned long long)r->out, (unsigned long long)r->raw,
		                    r->o->max_ratio);
	return 0;
}

static int extract_entry(struct rctx *r, struct archive_entry *ae, struct soak_err *err)
{
	const char *name0 = archive_entry_pathname(ae), *hl0 = archive_entry_hardlink(ae);
	size_t an, an2;
	int self, ret = -1;
	char *staged = NULL, *hstaged = NULL, *name, *hl = NULL;
	la_int64_t declared = archive_entry_size_is_set(ae) ? archive_entry_size(ae) : 0;
	mode_t type = archive_entry_filetype(ae);

	if (!name0)
		return soak_err_set(err, SOAK_EXIT_INPUT, "an entry has no readable name");
	/* copies: setting the entry's paths below frees the originals */
	name = strdup(name0);
	if (hl0)
		hl = strdup(hl0);
	if (!name || (hl0 && !hl)) {
		soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		goto out;
	}
	if (!hl && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK) {
		refuse(r, err, "is a device, fifo or socket", name);
		goto out;
	}
	if (declared < 0 || (r->o->max_size && (uint64_t)declared + r->out > r->o->max_size)) {
		soak_err_set(err, SOAK_EXIT_INPUT,
		             "refused at '%s': the files pass the limit of %llu bytes (--max-size)",
		             name, (unsigned long long)r->o->max_size);
		goto out;
	}
	staged = map_path(r, name, &an, &self, err);
	if (self) {
		if (type != AE_IFDIR) {
			refuse(r, err, "would replace a directory of the cache paths", name);
			goto out;
		}
		r->anchors[an].have_attrs = 1;
		r->anchors[an].mode = archive_entry_perm(ae) & 01777;
		r->anchors[an].mtime.tv_sec = archive_entry_mtime(ae);
		r->anchors[an].mtime.tv_nsec = archive_entry_mtime_nsec(ae);
		if (archive_read_data_skip(r->a) == ARCHIVE_OK)
			ret = 0;
		else
			soak_err_set(err, SOAK_EXIT_INPUT, "the archive is damaged at '%s'", name);
		goto out;
	}
	if (!staged)
		goto out;
	if (hl) {
		hstaged = map_path(r, hl, &an2, &self, err);
		if (self) {
			refuse(r, err, "is a hard link to a directory", name);
			goto out;
		}
		if (!hstaged)
			goto out;
		if (an2 != an) {
			refuse(r, err, "is a hard link across cache paths", name);
			goto out;
		}
		{
			struct stat ls;

			/* a link to a link would write its data through it */
			if (lstat(hstaged, &ls) == 0 && !S_ISREG(ls.st_mode)) {
				refuse(r, err, "is a hard link to something not a file", name);
				goto out;
			}
		}
		archive_entry_set_hardlink(ae, hstaged);
	}
	archive_entry_set_pathname(ae, staged);
	archive_entry_set_perm(ae, archive_entry_perm(ae) & 01777); /* never set-id */
	r->out += 512;
	if (archive_write_header(r->disk, ae) < ARCHIVE_OK) {
		disk_fail(r, name, err);
		goto out;
	}
	for (;;) {
		const void *buf;
		size_t len;
		la_int64_t off;
		int rc = archive_read_data_block(r->a, &buf, &len, &off);

		if (rc == ARCHIVE_EOF)
			break;
		if (rc < ARCHIVE_OK) {
			const char *m = archive_error_string(r->a);

			soak_err_set(err, SOAK_EXIT_INPUT, "cannot read '%s' from the archive: %s",
			             name, m ? m : "damaged");
			goto out;
		}
		r->out += len;
		r->pr->p.bytes += len;
		if (over_limits(r, name, err))
			goto out;
		if (archive_write_data_block(r->disk, buf, len, off) < ARCHIVE_OK) {
			disk_fail(r, name, err);
			goto out;
		}
		soak_cache_prog_tick(r->pr, 0);
	}
	if (archive_write_finish_entry(r->disk) < ARCHIVE_OK) {
		disk_fail(r, name, err);
		goto out;
	}
	r->pr->p.files++;
	ret = 0;
out:
	free(staged);
	free(hstaged);
	free(name);
	free(hl);
	return ret;
}

static int rm_cb(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	if (flag == FTW_DP || flag == FTW_D)
		return rmdir(path) < 0 ? 0 : 0;
	unlink(path);
	return 0;
}

static int chmod_cb(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)f;
	if (flag == FTW_D || flag == FTW_DNR)
		chmod(path, (st->st_mode & 07777) | 0700);
	return 0;
}

/* rm -rf of a staging directory (ours: it may hold read-only directories). */
static void remove_tree(const char *path)
{
	nftw(path, chmod_cb, 32, FTW_PHYS);
	nftw(path, rm_cb, 32, FTW_PHYS | FTW_DEPTH);
}

/* Move the staged tree sfd into the target directory tfd, entry by entry. */
static int merge(int sfd, int tfd, const char *where, int depth, struct soak_err *err)
{
	DIR *d;
	struct dirent *de;
	int dfd = dup(sfd), ret = 0;

	if (depth > 1024)
		return soak_err_set(err, SOAK_EXIT_INPUT, "'%s': directories nested too deep",
		                    where);
	if (dfd < 0 || !(d = fdopendir(dfd))) {
		if (dfd >= 0)
			close(dfd);
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot read '%s'", where);
	}
	while (!ret && (errno = 0, de = readdir(d))) {
		struct stat ss, ts;
		const char *n = de->d_name;
		int have, ro;

		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		if (fstatat(sfd, n, &ss, AT_SYMLINK_NOFOLLOW) < 0) {
			ret = soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot stat '%s/%s'",
			                     where, n);
			break;
		}
		have = fstatat(tfd, n, &ts, AT_SYMLINK_NOFOLLOW) == 0;
		if (have && S_ISDIR(ss.st_mode) && S_ISDIR(ts.st_mode)) {
			int cs = openat(sfd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			int ct = openat(tfd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			struct timespec ts2[2] = {{0, UTIME_OMIT}, ss.st_mtim};
			char sub[4096];

			snprintf(sub, sizeof(sub), "%s/%s", where, n);
			if (cs < 0 || ct < 0)
				ret = soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot open '%s'",
				                     sub);
			else if (fchmod(cs, (ss.st_mode & 07777) | 0700) < 0 ||
			         fchmod(ct, (ts.st_mode & 07777) | 0700) < 0)
				ret = soak_err_errno(err, SOAK_EXIT_ENV, errno,
				                     "cannot change '%s'", sub);
			else
				ret = merge(cs, ct, sub, depth + 1, err);
			if (!ret && (fchmod(ct, ss.st_mode & 07777) < 0 || futimens(ct, ts2) < 0))
				ret = soak_err_errno(err, SOAK_EXIT_ENV, errno,
				                     "cannot change '%s'", sub);
			if (cs >= 0)
				close(cs);
			if (ct >= 0)
				close(ct);
			continue;
		}
		if (have && S_ISDIR(ts.st_mode) && unlinkat(tfd, n, AT_REMOVEDIR) < 0) {
			ret = soak_err_errno(err, SOAK_EXIT_ENV, errno,
			                     "cannot replace directory '%s/%s'", where, n);
			break;
		}
		if (have && !S_ISDIR(ts.st_mode) && S_ISDIR(ss.st_mode) &&
		    unlinkat(tfd, n, 0) < 0) {
			ret = soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot replace '%s/%s'",
			                     where, n);
			break;
		}
		/* a directory moved to another parent must be writable (its ".." changes):
		 * read-only ones (Go's module cache) are made so for the move */
		ro = S_ISDIR(ss.st_mode) && !(ss.st_mode & S_IWUSR);
		if (ro && fchmodat(sfd, n, (ss.st_mode & 07777) | S_IWUSR, 0) < 0)
			ret = soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot change '%s/%s'",
			                     where, n);
		else if (renameat(sfd, n, tfd, n) < 0)
			ret = soak_err_errno(err, SOAK_EXIT_ENV, errno,
			                     "cannot move '%s/%s' into place", where, n);
		else if (ro && fchmodat(tfd, n, ss.st_mode & 07777, 0) < 0)
			ret = soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot change '%s/%s'",
			                     where, n);
	}
	if (!ret && errno)
		ret = soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot read '%s'", where);
	closedir(d);
	return ret;
}

static int commit(struct rctx *r, struct soak_err *err)
{
	for (size_t i = 0; i < r->nanchors; i++) {
		struct anchor *an = &r->anchors[i];
		int sfd, tfd, ret = 0;

		if (!an->stage)
			continue;
		sfd = open(an->stage, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		tfd = open(an->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sfd < 0 || tfd < 0)
			ret =
			    soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot open '%s'", an->dir);
		else
			ret = merge(sfd, tfd, an->dir, 0, err);
		if (!ret && an->have_attrs) {
			struct timespec t[2] = {{0, UTIME_OMIT}, an->mtime};

			if (fchmod(tfd, an->mode) < 0 || futimens(tfd, t) < 0)
				ret = soak_err_errno(err, SOAK_EXIT_ENV, errno,
				                     "cannot change '%s'", an->dir);
		}
		if (sfd >= 0)
			close(sfd);
		if (tfd >= 0)
			close(tfd);
		if (ret)
			return -1;
	}
	return 0;
}

/* The bases without those inside another, and for each the directory staging lands in. */
static int plan_targets(struct rctx *r, struct soak_err *err)
{
	const struct soak_cache_paths *p = r->p;

	r->bases = calloc(p->nbases + 1, sizeof(*r->bases));
	r->anchor_of = calloc(p->nbases + 1, sizeof(*r->anchor_of));
	r->anchors = calloc(p->nbases + 1, sizeof(*r->anchors));
	if (!r->bases || !r->anchor_of || !r->anchors)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	for (size_t i = 0; i < p->nbases; i++) {
		int inner = 0;
		struct stat st;
		char *dir;
		size_t k;

		for (size_t j = 0; j < p->nbases && !inner; j++)
			inner = j != i && under(p->bases[i], p->bases[j]) &&
			        (strcmp(p->bases[i], p->bases[j]) || j < i);
		if (inner)
			continue;
		if (!(dir = strdup(p->bases[i])))
			return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		/* the nearest directory that exists, at or above the base */
		while (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
			char *slash = strrchr(dir, '/');

			if (!slash || slash == dir) {
				dir[1] = '\0';
				dir[0] = '/';
				break;
			}
			*slash = '\0';
		}
		for (k = 0; k < r->nanchors && strcmp(r->anchors[k].dir, dir); k++)
			;
		if (k == r->nanchors)
			r->anchors[r->nanchors++].dir = dir;
		else
			free(dir);
		r->anchor_of[r->nbases] = k;
		r->bases[r->nbases++] = p->bases[i];
	}
	return 0;
}

int soak_cache_tar_extract(const struct soak_cache_opts *o, const struct soak_cache_paths *p,
                           int fd, uint64_t size, struct soak_cache_prog *pr,
                           struct soak_cache_tar_stats *st, struct soak_err *err)
{
	struct rctx r = {.o = o, .p = p, .fd = fd, .pr = pr};
	unsigned char magic[4] = {0};
	struct archive_entry *ae;
	int ret = -1, rc;

	memset(st, 0, sizeof(*st));
	st->size = size;
	if (plan_targets(&r, err))
		goto out;
	if (pread(fd, magic, sizeof(magic), 0) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot read the archive");
		goto out;
	}
	r.inbuf = malloc(IO_BLOCK);
	r.a = archive_read_new();
	r.disk = archive_write_disk_new();
	if (!r.inbuf || !r.a || !r.disk) {
		soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		goto out;
	}
	archive_read_support_format_tar(r.a);
	archive_write_disk_set_options(r.disk, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
	                                           ARCHIVE_EXTRACT_SECURE_SYMLINKS |
	                                           ARCHIVE_EXTRACT_SECURE_NODOTDOT);
	if (magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd) {
		r.z = ZSTD_createDCtx();
		r.outcap = ZSTD_DStreamOutSize();
		r.outbuf = malloc(r.outcap);
		if (!r.z || !r.outbuf) {
			soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
			goto out;
		}
		ZSTD_DCtx_setParameter(r.z, ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG_MAX);
		rc = archive_read_open(r.a, &r, NULL, on_read_zstd, NULL);
	} else {
		archive_read_support_filter_gzip(r.a);
		rc = archive_read_open(r.a, &r, NULL, on_read_raw, NULL);
	}
	if (rc != ARCHIVE_OK) {
		const char *m = archive_error_string(r.a);

		soak_err_set(err, SOAK_EXIT_INPUT, "not an archive: %s", m ? m : "unknown format");
		goto out;
	}
	pr->p.phase = "extracting";
	pr->p.bytes = pr->p.files = 0;
	pr->p.total = 0;
	while ((rc = archive_read_next_header(r.a, &ae)) == ARCHIVE_OK || rc == ARCHIVE_WARN) {
		if (extract_entry(&r, ae, err))
			goto out;
	}
	if (rc != ARCHIVE_EOF) {
		const char *m = archive_error_string(r.a);

		soak_err_set(err, SOAK_EXIT_INPUT, "the archive is damaged: %s",
		             m ? m : "unknown error");
		goto out;
	}
	if (archive_write_close(r.disk) != ARCHIVE_OK) {
		disk_fail(&r, "(directories)", err);
		goto out;
	}
	st->files = pr->p.files;
	st->bytes = pr->p.bytes;
	if (commit(&r, err))
		goto out;
	soak_cache_prog_tick(pr, 1);
	ret = 0;
out:
	if (r.disk)
		archive_write_free(r.disk);
	if (r.a)
		archive_read_free(r.a);
	for (size_t i = 0; i < r.nanchors; i++) {
		if (r.anchors[i].stage)
			remove_tree(r.anchors[i].stage);
		free(r.anchors[i].stage);
		free(r.anchors[i].dir);
	}
	free(r.anchors);
	free(r.anchor_of);
	free(r.bases);
	ZSTD_freeDCtx(r.z);
	free(r.outbuf);
	free(r.inbuf);
	return ret;
}
