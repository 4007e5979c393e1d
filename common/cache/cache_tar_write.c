#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <archive.h>
#include <archive_entry.h>
#include <zstd.h>

#include "cache_int.h"
#include "cache_tar_int.h"
#include "exitcode.h"
#include "hash.h"
#include "os.h"
#include "banned.h"

/*
 * As `tar | zstd -T0` is two processes, a save is three threads beside zstd's
 * workers: this one walks the files and frames them with libarchive, reading
 * file data straight into the chunk that goes on; a compressor feeds zstd; a
 * sink hashes and writes the archive. With gzip, libarchive compresses here
 * and the sink takes its output.
 *
 * The order of the entries is chosen for the compressor: directories and
 * links as the walk finds them, then the regular files by extension, size and
 * path, so that copies and near-copies (the same header in two trees, a
 * library under two names) sit side by side, where a 128 MiB window with
 * long-distance matching finds them. The order is a function of the tree
 * alone; any order restores (a tar reader makes missing directories).
 */

struct hl {
	uint64_t dev;
	uint64_t ino;
	char *rel;
};

/* A producer's end of a pipe: the chunk being filled. */
struct filler {
	struct soak_cache_pipe *p;
	char *slot;
	size_t fill;
};

/* Room for want bytes (at most a chunk) in the current chunk: 0, or -1 when the
 * consumer has stopped. */
static int fill_room(struct filler *f, size_t want)
{
	if (f->slot && f->p->size - f->fill < want) {
		soak_cache_pipe_put(f->p, f->fill, 0);
		f->slot = NULL;
	}
	if (!f->slot) {
		f->slot = soak_cache_pipe_slot(f->p);
		f->fill = 0;
	}
	return f->slot ? 0 : -1;
}

static int fill_copy(struct filler *f, const void *p, size_t n)
{
	const char *q = p;

	while (n) {
		size_t k;

		if (fill_room(f, 1))
			return -1;
		k = f->p->size - f->fill < n ? f->p->size - f->fill : n;
		memcpy(f->slot + f->fill, q, k);
		f->fill += k;
		q += k;
		n -= k;
	}
	return 0;
}

static void fill_flush(struct filler *f)
{
	if (f->slot && f->fill)
		soak_cache_pipe_put(f->p, f->fill, 0);
	f->slot = NULL;
}

/* The thread that hashes and writes the archive as it comes out. */
struct sink {
	int fd;
	struct soak_cache_pipe pipe;
	struct soak_sha256 h;
	uint64_t size;
	int io_errno;    /* write(2) failed */
	int hash_failed; /* libcrypto did */
	pthread_t t;
	int started;
};

static void *sink_run(void *arg)
{
	struct sink *s = arg;
	const char *b;
	size_t n;

	while (soak_cache_pipe_next(&s->pipe, &b, &n, NULL, NULL) > 0) {
		if (soak_sha256_update(&s->h, b, n, NULL)) {
			s->hash_failed = 1;
			break;
		}
		s->size += n;
		while (n) {
			ptrdiff_t k = soak_os_write(s->fd, b, n);

			if (k < 0) {
				s->io_errno = errno;
				soak_cache_pipe_stop(&s->pipe);
				return NULL;
			}
			b += k;
			n -= (size_t)k;
		}
	}
	soak_cache_pipe_stop(&s->pipe); /* after a failure: the producer stops too */
	return NULL;
}

/* The thread that feeds the tar stream to zstd and its output to the sink. */
struct compressor {
	ZSTD_CCtx *z;
	struct soak_cache_pipe pipe; /* the tar stream */
	struct filler out;           /* into the sink */
	pthread_t t;
	int started;
	struct soak_err err; /* zstd failed */
};

static int zstd_push(struct compressor *c, const void *p, size_t n, ZSTD_EndDirective end)
{
	ZSTD_inBuffer in = {p, n, 0};
	size_t left;

	do {
		ZSTD_outBuffer out;

		if (fill_room(&c->out, 1))
			return -1; /* the sink failed; it says why */
		out.dst = c->out.slot;
		out.size = c->out.p->size;
		out.pos = c->out.fill;
		left = ZSTD_compressStream2(c->z, &out, &in, end);
		if (ZSTD_isError(left))
			return soak_err_set(&c->err, SOAK_EXIT_ENV, "zstd: %s",
			                    ZSTD_getErrorName(left));
		c->out.fill = out.pos;
	} while (end == ZSTD_e_end ? left != 0 : in.pos < in.size);
	return 0;
}

static void *compress_run(void *arg)
{
	struct compressor *c = arg;
	struct soak_err failed = {.code = SOAK_EXIT_ENV};
	const char *b;
	size_t n;
	int rc;

	while ((rc = soak_cache_pipe_next(&c->pipe, &b, &n, NULL, NULL)) > 0)
		if (zstd_push(c, b, n, ZSTD_e_continue))
			break;
	if (rc == 0 && !zstd_push(c, NULL, 0, ZSTD_e_end)) {
		fill_flush(&c->out);
		soak_cache_pipe_finish(c->out.p, NULL);
		return NULL;
	}
	soak_cache_pipe_stop(&c->pipe); /* the walker stops writing */
	c->out.slot = NULL;
	soak_cache_pipe_finish(c->out.p, &failed);
	return NULL;
}

/* A regular file, archived after the walk. */
struct held {
	char *abs; /* and the relative path after its NUL */
	const char *rel;
	const char *ext; /* in rel: from the last dot of the name, "" without one */
	struct soak_os_stat st;
};

struct wctx {
	const struct soak_cache_opts *o;
	struct archive *a;
	struct archive_entry *e;
	const char *path;
	int zstd;
	struct sink sink;
	struct compressor c;
	struct filler out; /* what libarchive writes: the tar stream (zstd) or gzip */
	struct soak_cache_prog *pr;
	struct soak_cache_tar_stats *st;
	char *buf;
	struct hl *links; /* files with more than one link, open addressing */
	size_t nlinks, caplinks;
	char ***warnings;
	size_t *nwarnings;
	struct held *files; /* the regular files, in the walk's order until sorted */
	size_t nfiles, capfiles;
};

static la_ssize_t on_write(struct archive *a, void *ctx, const void *p, size_t n)
{
	struct wctx *w = ctx;

	/* file data copy_file() read into the chunk already */
	if (w->out.slot && (const char *)p == w->out.slot + w->out.fill &&
	    n <= w->out.p->size - w->out.fill) {
		w->out.fill += n;
		return (la_ssize_t)n;
	}
	if (fill_copy(&w->out, p, n)) {
		archive_set_error(a, EIO, "the archive cannot be written");
		return -1;
	}
	return (la_ssize_t)n;
}

/* The threads' end: what is left goes on, they are joined. 0, or -1 with the
 * error (the sink's or the compressor's own first: they explain a failed
 * write better than libarchive). */
static int write_end(struct wctx *w, int failed, struct soak_err *err)
{
	struct soak_err stop = {.code = SOAK_EXIT_ENV};

	if (!failed)
		fill_flush(&w->out);
	w->out.slot = NULL;
	if (w->c.started) {
		soak_cache_pipe_finish(&w->c.pipe, failed ? &stop : NULL);
		pthread_join(w->c.t, NULL);
		w->c.started = 0;
	}
	if (w->sink.started) {
		/* a no-op when the compressor finished it */
		soak_cache_pipe_finish(&w->sink.pipe, failed ? &stop : NULL);
		pthread_join(w->sink.t, NULL);
		w->sink.started = 0;
	}
	if (w->sink.io_errno)
		return soak_err_errno(err, SOAK_EXIT_ENV, w->sink.io_errno, "cannot write '%s'",
		                      w->path);
	if (w->sink.hash_failed)
		return soak_err_set(err, SOAK_EXIT_ENV, "SHA-256 update failed");
	if (w->c.err.code) {
		*err = w->c.err;
		return -1;
	}
	return failed ? -1 : 0;
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

static size_t hl_slot(const struct wctx *w, uint64_t dev, uint64_t ino)
{
	size_t i = ((size_t)ino * 2654435761u ^ (size_t)dev) & (w->caplinks - 1);

	while (w->links[i].rel && !(w->links[i].dev == dev && w->links[i].ino == ino))
		i = (i + 1) & (w->caplinks - 1);
	return i;
}

/* The first path archived for this file, or NULL (then rel is remembered). */
static const char *hl_seen(struct wctx *w, const struct soak_os_stat *st, const char *rel, int *oom)
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
	i = hl_slot(w, st->dev, st->ino);
	if (w->links[i].rel)
		return w->links[i].rel;
	if (!(w->links[i].rel = strdup(rel))) {
		*oom = 1;
		return NULL;
	}
	w->links[i].dev = st->dev;
	w->links[i].ino = st->ino;
	w->nlinks++;
	return NULL;
}

static int archive_fail(struct wctx *w, struct soak_err *err)
{
	const char *m = archive_error_string(w->a);

	return soak_err_set(err, SOAK_EXIT_ENV, "cannot write '%s': %s", w->path,
	                    m ? m : "libarchive error");
}

static int copy_file(struct wctx *w, const char *abs, const struct soak_os_stat *st,
                     struct soak_err *err)
{
	uint64_t done = 0;
	/* O_NONBLOCK: a fifo put where the file was must not hang the save */
	int fd = soak_os_open(abs, SOAK_O_RDONLY | SOAK_O_NOFOLLOW | SOAK_O_NONBLOCK, 0);
	struct soak_os_stat now;

	if (fd < 0)
		return soak_err_errno(err, SOAK_EXIT_INPUT, errno, "cannot open '%s'", abs);
	if (soak_os_fstat(fd, &now) < 0 || now.type != SOAK_OS_FILE || now.dev != st->dev ||
	    now.ino != st->ino) {
		soak_os_close(fd);
		return soak_err_set(err, SOAK_EXIT_INPUT, "'%s' was replaced while it was archived",
		                    abs);
	}
	while (done < st->size) {
		size_t want = st->size - done < IO_BLOCK ? (size_t)(st->size - done) : IO_BLOCK;
		char *dst = w->buf;
		ptrdiff_t n;

		if (w->zstd) { /* straight into the tar stream's chunk */
			if (fill_room(&w->out, want < MIN_READ ? want : MIN_READ)) {
				soak_os_close(fd);
				archive_set_error(w->a, EIO, "the archive cannot be written");
				return archive_fail(w, err);
			}
			if (want > w->out.p->size - w->out.fill)
				want = w->out.p->size - w->out.fill;
			dst = w->out.slot + w->out.fill;
		}
		n = soak_os_read(fd, dst, want);
		if (n < 0) {
			int e = errno;

			soak_os_close(fd);
			return soak_err_errno(err, SOAK_EXIT_INPUT, e, "cannot read '%s'", abs);
		}
		if (n == 0) { /* shrank while read: tar pads with zeros, so do we */
			memset(dst, 0, want);
			n = (ptrdiff_t)want;
			if (done + want == st->size)
				warn(w, abs, "shrank while it was archived; padded with zeros");
		}
		if (archive_write_data(w->a, dst, (size_t)n) != n) {
			soak_os_close(fd);
			return archive_fail(w, err);
		}
		done += (uint64_t)n;
		w->pr->p.bytes += (uint64_t)n;
		soak_cache_prog_tick(w->pr, 0);
	}
	soak_os_close(fd);
	return 0;
}

/* The archive's file type of st, 0 for what is not archived. */
static unsigned ae_type(const struct soak_os_stat *st)
{
	switch (st->type) {
	case SOAK_OS_FILE:
		return AE_IFREG;
	case SOAK_OS_DIR:
		return AE_IFDIR;
	case SOAK_OS_LINK:
		return AE_IFLNK;
	default:
		return 0;
	}
}

/* Write the entry for one file, directory or link. */
static int put_entry(struct wctx *w, const char *abs, const char *rel,
                     const struct soak_os_stat *st, struct soak_err *err)
{
	struct archive_entry *e = w->e;
	const char *first = NULL;
	int64_t sec = st->mtime_ns / 1000000000;
	long nsec = (long)(st->mtime_ns % 1000000000);
	int oom;

	if (nsec < 0) {
		sec--;
		nsec += 1000000000;
	}
	archive_entry_clear(e);
	if (soak_archive_entry_set_path(e, rel, 0) < 0)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	archive_entry_set_mode(e, ae_type(st) | st->mode);
	archive_entry_set_uid(e, st->uid);
	archive_entry_set_gid(e, st->gid);
	archive_entry_set_mtime(e, (time_t)sec, nsec);
	archive_entry_set_size(e, 0);
	if (st->type == SOAK_OS_FILE) {
		if (st->nlink > 1) {
			first = hl_seen(w, st, rel, &oom);
			if (oom)
				return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		}
		if (first) {
			if (soak_archive_entry_set_path(e, first, 1) < 0)
				return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		} else
			archive_entry_set_size(e, (la_int64_t)st->size);
	} else if (st->type == SOAK_OS_LINK) {
		char *target = soak_os_readlink(abs);

		if (!target)
			return soak_err_errno(err, SOAK_EXIT_INPUT, errno, "cannot read link '%s'",
			                      abs);
		archive_entry_set_symlink_utf8(e, target);
		free(target);
	} else if (st->type != SOAK_OS_DIR) {
		return warn(w, abs, "is not a file, directory or link; not cached")
		           ? soak_err_set(err, SOAK_EXIT_ENV, "out of memory")
		           : 0;
	}
	if (archive_write_header(w->a, e) != ARCHIVE_OK)
		return archive_fail(w, err);
	w->st->files++;
	w->pr->p.files++;
	if (st->type == SOAK_OS_FILE && !first) {
		if (copy_file(w, abs, st, err))
			return -1;
		w->st->bytes += st->size;
	}
	return 0;
}

static int visit(void *ctx, const char *abs, const char *rel, const struct soak_os_stat *st,
                 struct soak_err *err)
{
	struct wctx *w = ctx;
	size_t na = strlen(abs) + 1, nr = strlen(rel) + 1;
	struct held *h;
	const char *name, *dot;

	if (st->type != SOAK_OS_FILE)
		return put_entry(w, abs, rel, st, err);
	if (w->nfiles == w->capfiles) {
		size_t ncap = w->capfiles ? 2 * w->capfiles : 1024;
		struct held *t = realloc(w->files, ncap * sizeof(*t));

		if (!t)
			return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		w->files = t;
		w->capfiles = ncap;
	}
	h = &w->files[w->nfiles];
	if (!(h->abs = malloc(na + nr)))
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	memcpy(h->abs, abs, na);
	memcpy(h->abs + na, rel, nr);
	h->rel = h->abs + na;
	name = strrchr(h->rel, '/');
	name = name ? name + 1 : h->rel;
	dot = strrchr(name, '.');
	h->ext = dot && dot != name ? dot : h->rel + nr - 1;
	h->st = *st;
	w->nfiles++;
	return 0;
}

/* Extension, then size, then path: the order the regular files go in. */
static int by_kind(const void *a, const void *b)
{
	const struct held *x = a, *y = b;
	int c = strcmp(x->ext, y->ext);

	if (c)
		return c;
	if (x->st.size != y->st.size)
		return x->st.size < y->st.size ? -1 : 1;
	return strcmp(x->rel, y->rel);
}

static int put_files(struct wctx *w, struct soak_err *err)
{
	if (w->nfiles > 1) /* qsort wants an array, even of none */
		qsort(w->files, w->nfiles, sizeof(*w->files), by_kind);
	for (size_t i = 0; i < w->nfiles; i++)
		if (put_entry(w, w->files[i].abs, w->files[i].rel, &w->files[i].st, err))
			return -1;
	return 0;
}

int soak_cache_tar_write(const struct soak_cache_opts *o, const struct soak_cache_paths *p,
                         const char *path, struct soak_cache_prog *pr,
                         struct soak_cache_tar_stats *st, char ***warnings, size_t *nwarnings,
                         struct soak_err *err)
{
	struct wctx w = {.o = o, .path = path, .pr = pr, .st = st};
	int ret = -1, rc, failed = 1;

	memset(st, 0, sizeof(*st));
	w.sink.fd = -1;
	w.warnings = warnings;
	w.nwarnings = nwarnings;
	w.zstd = o->compression != SOAK_CACHE_GZIP;
	if (soak_sha256_init(&w.sink.h, err))
		return -1;
	if (soak_cache_pipe_init(&w.sink.pipe, NCHUNKS, CHUNK, err))
		goto out;
	if (w.zstd && soak_cache_pipe_init(&w.c.pipe, NCHUNKS, CHUNK, err))
		goto out;
	w.c.out.p = &w.sink.pipe;
	w.out.p = w.zstd ? &w.c.pipe : &w.sink.pipe;
	w.a = archive_write_new();
	w.e = archive_entry_new();
	w.buf = malloc(IO_BLOCK);
	if (!w.a || !w.e || !w.buf) {
		soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		goto out;
	}
	rc = archive_write_set_format_pax(w.a);
	if (rc == ARCHIVE_OK && !w.zstd) {
		char level[16];

		snprintf(level, sizeof(level), "%d", o->level > 0 ? o->level : 6);
		rc = archive_write_add_filter_gzip(w.a);
		if (rc == ARCHIVE_OK)
			rc = archive_write_set_filter_option(w.a, "gzip", "timestamp", NULL);
		if (rc == ARCHIVE_OK)
			rc = archive_write_set_filter_option(w.a, "gzip", "compression-level",
			                                     level);
	} else if (rc == ARCHIVE_OK) {
		long cpus = soak_os_cpu_count();
		int threads = o->threads > 0 ? o->threads : (int)(cpus > 0 ? cpus : 1);

		w.c.z = ZSTD_createCCtx();
		if (!w.c.z) {
			soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
			goto out;
		}
		ZSTD_CCtx_setParameter(w.c.z, ZSTD_c_compressionLevel, o->level > 0 ? o->level : 3);
		ZSTD_CCtx_setParameter(w.c.z, ZSTD_c_checksumFlag, 1);
		if (o->window_log >= 0) {
			int wl = o->window_log > 0 ? o->window_log : SOAK_CACHE_WINDOW_LOG;
			size_t zr = ZSTD_CCtx_setParameter(w.c.z, ZSTD_c_windowLog, wl);

			if (!ZSTD_isError(zr))
				zr = ZSTD_CCtx_setParameter(w.c.z,
				                            ZSTD_c_enableLongDistanceMatching, 1);
			if (ZSTD_isError(zr)) {
				soak_err_set(err, SOAK_EXIT_USAGE, "zstd window log %d: %s", wl,
				             ZSTD_getErrorName(zr));
				goto out;
			}
		}
		/* a libzstd without threads refuses: then it compresses in its thread */
		if (threads > 1)
			ZSTD_CCtx_setParameter(w.c.z, ZSTD_c_nbWorkers, threads);
	}
	/* no blocking: each header and each read goes on as it is written, and
	 * file data without a copy (tar's 512-byte records are in the stream) */
	if (rc == ARCHIVE_OK)
		rc = archive_write_set_bytes_per_block(w.a, 0);
	if (rc != ARCHIVE_OK) {
		archive_fail(&w, err);
		goto out;
	}
	w.sink.fd = soak_os_open(path, SOAK_O_WRONLY | SOAK_O_CREAT | SOAK_O_TRUNC, 0644);
	if (w.sink.fd < 0) {
		soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot create '%s'", path);
		goto out;
	}
	if (pthread_create(&w.sink.t, NULL, sink_run, &w.sink)) {
		soak_err_set(err, SOAK_EXIT_ENV, "cannot start a thread");
		goto out;
	}
	w.sink.started = 1;
	if (w.zstd && pthread_create(&w.c.t, NULL, compress_run, &w.c)) {
		soak_err_set(err, SOAK_EXIT_ENV, "cannot start a thread");
		goto out;
	}
	w.c.started = w.zstd;
	if (archive_write_open(w.a, &w, NULL, on_write, NULL) != ARCHIVE_OK) {
		archive_fail(&w, err);
		goto out;
	}
	pr->p.phase = "archiving";
	if (soak_cache_paths_walk(p, visit, &w, err) || put_files(&w, err))
		goto out;
	if (archive_write_close(w.a) != ARCHIVE_OK) {
		archive_fail(&w, err);
		goto out;
	}
	failed = 0;
out:
	if (write_end(&w, failed, err) == 0) {
		/* no fsync: an entry a power cut damaged fails its checksum, which is a miss */
		if (soak_sha256_final(&w.sink.h, st->sha256, err) == 0) {
			st->size = w.sink.size;
			soak_cache_prog_tick(pr, 1);
			ret = 0;
		}
	}
	soak_sha256_free(&w.sink.h);
	if (w.sink.fd >= 0 && soak_os_close(w.sink.fd) < 0 && !ret)
		ret = soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot write '%s'", path);
	if (w.a)
		archive_write_free(w.a);
	if (w.e)
		archive_entry_free(w.e);
	ZSTD_freeCCtx(w.c.z);
	soak_cache_pipe_free(&w.c.pipe);
	soak_cache_pipe_free(&w.sink.pipe);
	for (size_t i = 0; i < w.caplinks; i++)
		free(w.links[i].rel);
	free(w.links);
	for (size_t i = 0; i < w.nfiles; i++)
		free(w.files[i].abs);
	free(w.files);
	free(w.buf);
	return ret;
}
