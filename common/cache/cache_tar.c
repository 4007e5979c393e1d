#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <archive.h>
#include <archive_entry.h>
#include <zstd.h>

#include "cache_int.h"
#include "exitcode.h"
#include "fs.h"
#include "hash.h"
#include "os.h"
#include "str.h"
#include "banned.h"

#define IO_BLOCK (1024 * 1024)
/* Chunks handed between threads: writes from 1 MiB buffers another thread
 * filled cost twice the system time of 256 KiB ones on the benchmark VM */
#define CHUNK (256 * 1024)
#define NCHUNKS 8
#define MIN_READ (64 * 1024)              /* a read into a chunk wants this much room */
#define RATIO_FLOOR (16ull * 1024 * 1024) /* below this many bytes out, no ratio check */
#define ZSTD_WINDOW_LOG_MAX 31            /* archives made with zstd --long=30 (actions/cache) */

/* ---------------------------------------------------------------- writing */

/*
 * As `tar | zstd -T0` is two processes, a save is three threads beside zstd's
 * workers: this one walks the files and frames them with libarchive, reading
 * file data straight into the chunk that goes on; a compressor feeds zstd; a
 * sink hashes and writes the archive. With gzip, libarchive compresses here
 * and the sink takes its output.
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

static int visit(void *ctx, const char *abs, const char *rel, const struct soak_os_stat *st,
                 struct soak_err *err)
{
	struct wctx *w = ctx;
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
	archive_entry_set_pathname(e, rel);
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
		if (first)
			archive_entry_set_hardlink(e, first);
		else
			archive_entry_set_size(e, (la_int64_t)st->size);
	} else if (st->type == SOAK_OS_LINK) {
		char *target = soak_os_readlink(abs);

		if (!target)
			return soak_err_errno(err, SOAK_EXIT_INPUT, errno, "cannot read link '%s'",
			                      abs);
		archive_entry_set_symlink(e, target);
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
	if (soak_cache_paths_walk(p, visit, &w, err))
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
	free(w.buf);
	return ret;
}

/* ------------------------------------------------------------- extracting */

struct anchor {
	char *dir;      /* an existing directory at or above a base: what staging lands in */
	char *stage;    /* the staging directory in it (real path), once made */
	int have_attrs; /* the archive had an entry for dir itself */
	unsigned mode;
	int64_t mtime_ns;
};

/* The thread that reads the archive and hands on, to the extracting thread,
 * the stream decompressed (zstd) or the bytes as read (gzip, for libarchive).
 * Each chunk's tag is the count of archive bytes read so far (the ratio check). */
struct feeder {
	int fd;
	ZSTD_DCtx *z; /* NULL: hand on the bytes as read */
	char *inbuf;
	struct soak_cache_pipe pipe;
	pthread_t t;
	int started;
	uint64_t total;      /* bytes read */
	struct soak_err err; /* reading failed: SOAK_EXIT_ENV */
};

static int feed_read(struct feeder *f, char *dst, size_t n, ptrdiff_t *got)
{
	*got = soak_os_read(f->fd, dst, n);
	if (*got < 0)
		return soak_err_errno(&f->err, SOAK_EXIT_ENV, errno, "cannot read the archive");
	f->total += (uint64_t)*got;
	return 0;
}

/* Decompress n bytes at src into the pipe. 0; 1 when the extractor stopped;
 * -1 with the damage in *bad. */
static int feed_zstd(struct feeder *f, const char *src, size_t n, char **slot, size_t *fill,
                     size_t *last, struct soak_err *bad)
{
	ZSTD_inBuffer in = {src, n, 0};
	size_t ipos, r;
	int full;

	do {
		ZSTD_outBuffer out;

		if (!*slot && !(*slot = soak_cache_pipe_slot(&f->pipe)))
			return 1;
		out.dst = *slot;
		out.size = f->pipe.size;
		out.pos = *fill;
		ipos = in.pos;
		r = ZSTD_decompressStream(f->z, &out, &in);
		if (ZSTD_isError(r))
			return soak_err_set(bad, SOAK_EXIT_INPUT, "zstd: %s", ZSTD_getErrorName(r));
		/* a call that only found the output full again says nothing of the frame */
		if (in.pos != ipos || out.pos != *fill)
			*last = r;
		*fill = out.pos;
		full = *fill == f->pipe.size;
		if (full) {
			soak_cache_pipe_put(&f->pipe, *fill, f->total);
			*slot = NULL;
			*fill = 0;
		}
	} while (in.pos < in.size || full);
	return 0;
}

static void *feed_run(void *arg)
{
	struct feeder *f = arg;
	struct soak_err bad = {0}; /* what is wrong with the stream, for the extractor */
	char *slot = NULL;
	size_t fill = 0, last = 0;
	ptrdiff_t n;
	int rc;

	for (;;) {
		char *dst = f->inbuf;

		if (!f->z && !(dst = soak_cache_pipe_slot(&f->pipe)))
			return NULL; /* the extractor stopped */
		if (feed_read(f, dst, f->z ? IO_BLOCK : f->pipe.size, &n)) {
			soak_cache_pipe_finish(&f->pipe, &f->err);
			return NULL;
		}
		if (n == 0)
			break;
		if (!f->z) {
			soak_cache_pipe_put(&f->pipe, (size_t)n, f->total);
			continue;
		}
		rc = feed_zstd(f, dst, (size_t)n, &slot, &fill, &last, &bad);
		if (rc > 0)
			return NULL;
		if (rc < 0) { /* what came before the damage, then the damage */
			soak_cache_pipe_finish(&f->pipe, &bad);
			return NULL;
		}
	}
	if (f->z && fill)
		soak_cache_pipe_put(&f->pipe, fill, f->total);
	if (f->z && last != 0)
		soak_err_set(&bad, SOAK_EXIT_INPUT, "zstd: the stream is truncated");
	soak_cache_pipe_finish(&f->pipe, &bad);
	return NULL;
}

/* Stop the feeder and wait for it: 0, or -1 with its error. */
static int feed_end(struct feeder *f, struct soak_err *err)
{
	if (!f->started)
		return 0;
	soak_cache_pipe_stop(&f->pipe);
	pthread_join(f->t, NULL);
	f->started = 0;
	if (f->err.code) {
		*err = f->err;
		return -1;
	}
	return 0;
}

struct symlinks; /* below */

struct rctx {
	const struct soak_cache_opts *o;
	const struct soak_cache_paths *p;
	struct archive *a, *disk;
	struct feeder f;
	uint64_t raw;      /* bytes of the archive read */
	uint64_t out;      /* bytes of files produced (and headers) */
	char **bases;      /* the bases without those inside another */
	size_t *anchor_of; /* per base */
	size_t nbases;
	struct anchor *anchors;
	size_t nanchors;
	struct symlinks *links;
	struct soak_cache_prog *pr;
};

static la_ssize_t on_read(struct archive *a, void *ctx, const void **buf)
{
	struct rctx *r = ctx;
	struct soak_err why = {0};
	const char *b;
	size_t n;
	int rc = soak_cache_pipe_next(&r->f.pipe, &b, &n, &r->raw, &why);

	if (rc < 0) {
		archive_set_error(a, EINVAL, "%s", why.msg);
		return -1;
	}
	if (rc == 0)
		return 0;
	*buf = b;
	return (la_ssize_t)n;
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
	if (soak_os_mkdtemp(tmpl) < 0) {
		int e = errno;

		free(tmpl);
		return soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot create a directory in '%s'",
		                      an->dir);
	}
	an->stage = soak_os_realpath(tmpl);
	if (!an->stage) {
		int e = errno;

		soak_os_rmdir(tmpl);
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

static int disk_fail(struct archive *disk, const char *name, struct soak_err *err)
{
	const char *m = archive_error_string(disk);
	int e = archive_errno(disk);

	/* the file system's own trouble is the environment's: not a miss */
	if (e == ENOSPC || e == EIO || e == EROFS || e == ENOMEM
#ifdef EDQUOT
	    || e == EDQUOT
#endif
	)
		return soak_err_set(err, SOAK_EXIT_ENV, "cannot extract '%s': %s (%s)", name,
		                    m ? m : "libarchive error", strerror(e));
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

/*
 * Symbolic links wait until every other entry is out (GNU tar delays links the
 * same way). While the rest is written the staging directories hold no link,
 * so nothing can be written through one and libarchive need not walk every
 * path looking for one (that walk cost an open and a stat per directory of
 * every path). In archive order: an entry under a pending link is refused as
 * libarchive refuses it; an entry at a link's path replaces the link, as it
 * would have; a hard link to a pending link is refused. At the end the links
 * are made with libarchive's checks (none through another link), and a link
 * where the tree now has a directory is refused.
 */
#define LINKS_MAX (256ull * 1024 * 1024)              /* bytes of pending links */
#define THROUGH_LINK "Cannot extract through symlink" /* libarchive's words */
#define FNV_OFFSET 14695981039346656037ull
#define FNV_PRIME 1099511628211ull

struct pending {
	char *staged, *name, *target; /* one allocation */
	size_t len;                   /* of staged */
	unsigned perm;
	int has_mtime, has_atime;
	time_t mtime, atime;
	long mtime_ns, atime_ns;
	int dropped; /* replaced by a later entry */
};

struct symlinks {
	struct pending *v;
	size_t n, cap;
	size_t *slot; /* open addressing on staged paths: index + 1, 0 for free */
	size_t nslot;
	uint64_t bytes;
};

static uint64_t fnv(const char *s, size_t n)
{
	uint64_t h = FNV_OFFSET;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * FNV_PRIME;
	return h;
}

/* The slot of path[0..len): the one holding it, or the free one it would take. */
static size_t links_slot(const struct symlinks *l, const char *path, size_t len, uint64_t h)
{
	size_t i = (size_t)h & (l->nslot - 1);

	while (l->slot[i]) {
		const struct pending *pl = &l->v[l->slot[i] - 1];

		if (pl->len == len && !memcmp(pl->staged, path, len))
			break;
		i = (i + 1) & (l->nslot - 1);
	}
	return i;
}

/* The pending link at path[0..len) (h its hash), or NULL. */
static struct pending *links_get(struct symlinks *l, const char *path, size_t len, uint64_t h)
{
	size_t i;

	if (!l || !l->n)
		return NULL;
	i = links_slot(l, path, len, h);
	if (!l->slot[i] || l->v[l->slot[i] - 1].dropped)
		return NULL;
	return &l->v[l->slot[i] - 1];
}

/* 1 when a directory above path is a pending link. */
static int links_above(struct symlinks *l, const char *path)
{
	uint64_t h = FNV_OFFSET;

	if (!l || !l->n)
		return 0;
	for (size_t i = 0; path[i]; i++) {
		if (path[i] == '/' && i && links_get(l, path, i, h))
			return 1;
		h = (h ^ (unsigned char)path[i]) * FNV_PRIME;
	}
	return 0;
}

static int links_grow(struct symlinks *l)
{
	size_t ncap = l->cap ? 2 * l->cap : 64, nslot = 2 * ncap, *old = l->slot;
	size_t oldn = l->nslot;
	struct pending *v = realloc(l->v, ncap * sizeof(*v));

	if (!v)
		return -1;
	l->v = v;
	l->cap = ncap;
	if (!(l->slot = calloc(nslot, sizeof(*l->slot)))) {
		l->slot = old;
		return -1;
	}
	l->nslot = nslot;
	for (size_t i = 0; i < oldn; i++) {
		const struct pending *pl;

		if (!old[i])
			continue;
		pl = &l->v[old[i] - 1];
		l->slot[links_slot(l, pl->staged, pl->len, fnv(pl->staged, pl->len))] = old[i];
	}
	free(old);
	return 0;
}

/* Hold back the link entry ae, to be made at staged. */
static int links_add(struct rctx *r, struct archive_entry *ae, const char *staged, const char *name,
                     struct soak_err *err)
{
	const char *target = archive_entry_symlink(ae);
	size_t sn = strlen(staged), nn = strlen(name), tn = target ? strlen(target) : 0, i;
	struct symlinks *l = r->links;
	struct pending *pl;
	uint64_t h = fnv(staged, sn);

	if (!target)
		return soak_err_set(err, SOAK_EXIT_INPUT,
		                    "'%s' is a link without a readable target", name);
	if (!l && !(l = r->links = calloc(1, sizeof(*l))))
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	l->bytes += sizeof(*pl) + 2 * sizeof(size_t) + sn + nn + tn + 3;
	if (l->bytes > LINKS_MAX)
		return soak_err_set(err, SOAK_EXIT_INPUT,
		                    "refused at '%s': more than %llu bytes of symbolic links", name,
		                    (unsigned long long)LINKS_MAX);
	if (l->n == l->cap && links_grow(l))
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	pl = &l->v[l->n];
	memset(pl, 0, sizeof(*pl));
	if (!(pl->staged = malloc(sn + nn + tn + 3)))
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	pl->name = pl->staged + sn + 1;
	pl->target = pl->name + nn + 1;
	memcpy(pl->staged, staged, sn + 1);
	memcpy(pl->name, name, nn + 1);
	memcpy(pl->target, target, tn + 1);
	pl->len = sn;
	pl->perm = archive_entry_perm(ae) & 01777;
	if ((pl->has_mtime = archive_entry_mtime_is_set(ae))) {
		pl->mtime = archive_entry_mtime(ae);
		pl->mtime_ns = archive_entry_mtime_nsec(ae);
	}
	if ((pl->has_atime = archive_entry_atime_is_set(ae))) {
		pl->atime = archive_entry_atime(ae);
		pl->atime_ns = archive_entry_atime_nsec(ae);
	}
	i = links_slot(l, staged, sn, h);
	if (l->slot[i]) /* the same path again: the later link wins */
		l->v[l->slot[i] - 1].dropped = 1;
	l->slot[i] = ++l->n;
	return 0;
}

static void links_free(struct symlinks *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].staged);
	free(l->v);
	free(l->slot);
	free(l);
}

/* Make the pending links (see above). */
static int links_make(struct rctx *r, struct soak_err *err)
{
	struct symlinks *l = r->links;
	struct archive *disk;
	struct archive_entry *e;
	int ret = -1;

	if (!l || !l->n)
		return 0;
	disk = archive_write_disk_new();
	e = archive_entry_new();
	if (!disk || !e) {
		soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		goto out;
	}
	archive_write_disk_set_options(disk, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
	                                         ARCHIVE_EXTRACT_SECURE_SYMLINKS |
	                                         ARCHIVE_EXTRACT_SECURE_NODOTDOT);
	for (size_t i = 0; i < l->n; i++) {
		const struct pending *pl = &l->v[i];
		struct soak_os_stat st;

		if (pl->dropped)
			continue;
		if (soak_os_lstat(pl->staged, &st) == 0 && st.type == SOAK_OS_DIR) {
			refuse(r, err, "is a symbolic link where the archive has a directory",
			       pl->name);
			goto out;
		}
		archive_entry_clear(e);
		archive_entry_set_pathname(e, pl->staged);
		archive_entry_set_filetype(e, AE_IFLNK);
		archive_entry_set_perm(e, pl->perm);
		archive_entry_set_symlink(e, pl->target);
		if (pl->has_mtime)
			archive_entry_set_mtime(e, pl->mtime, pl->mtime_ns);
		if (pl->has_atime)
			archive_entry_set_atime(e, pl->atime, pl->atime_ns);
		if (archive_write_header(disk, e) < ARCHIVE_OK ||
		    archive_write_finish_entry(disk) < ARCHIVE_OK) {
			disk_fail(disk, pl->name, err);
			goto out;
		}
	}
	if (archive_write_close(disk) != ARCHIVE_OK) {
		disk_fail(disk, "(links)", err);
		goto out;
	}
	ret = 0;
out:
	if (disk)
		archive_write_free(disk);
	if (e)
		archive_entry_free(e);
	return ret;
}

static int extract_entry(struct rctx *r, struct archive_entry *ae, struct soak_err *err)
{
	const char *name0 = archive_entry_pathname(ae), *hl0 = archive_entry_hardlink(ae);
	size_t an, an2;
	int self, ret = -1;
	char *staged = NULL, *hstaged = NULL, *name, *hl = NULL;
	la_int64_t declared = archive_entry_size_is_set(ae) ? archive_entry_size(ae) : 0;
	unsigned type = archive_entry_filetype(ae);
	struct pending *pl;

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
		r->anchors[an].mtime_ns =
		    (int64_t)archive_entry_mtime(ae) * 1000000000 + archive_entry_mtime_nsec(ae);
		if (archive_read_data_skip(r->a) == ARCHIVE_OK)
			ret = 0;
		else
			soak_err_set(err, SOAK_EXIT_INPUT, "the archive is damaged at '%s'", name);
		goto out;
	}
	if (!staged)
		goto out;
	if (links_above(r->links, staged)) {
		soak_err_set(err, SOAK_EXIT_INPUT, "cannot extract '%s': " THROUGH_LINK, name);
		goto out;
	}
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
		if (links_get(r->links, hstaged, strlen(hstaged), fnv(hstaged, strlen(hstaged)))) {
			refuse(r, err, "is a hard link to something not a file", name);
			goto out;
		}
		if (links_above(r->links, hstaged)) {
			soak_err_set(err, SOAK_EXIT_INPUT, "cannot extract '%s': " THROUGH_LINK,
			             name);
			goto out;
		}
		{
			struct soak_os_stat ls;

			/* a link to a link would write its data through it */
			if (soak_os_lstat(hstaged, &ls) == 0 && ls.type != SOAK_OS_FILE) {
				refuse(r, err, "is a hard link to something not a file", name);
				goto out;
			}
		}
		archive_entry_set_hardlink(ae, hstaged);
	}
	r->out += 512;
	if (!hl && type == AE_IFLNK) {
		if (links_add(r, ae, staged, name, err))
			goto out;
		r->pr->p.files++;
		ret = 0;
		goto out;
	}
	if ((pl = links_get(r->links, staged, strlen(staged), fnv(staged, strlen(staged)))))
		pl->dropped = 1; /* this entry replaces the link */
	archive_entry_set_pathname(ae, staged);
	archive_entry_set_perm(ae, archive_entry_perm(ae) & 01777); /* never set-id */
	if (archive_write_header(r->disk, ae) < ARCHIVE_OK) {
		disk_fail(r->disk, name, err);
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
			disk_fail(r->disk, name, err);
			goto out;
		}
		soak_cache_prog_tick(r->pr, 0);
	}
	if (archive_write_finish_entry(r->disk) < ARCHIVE_OK) {
		disk_fail(r->disk, name, err);
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

/* rm -rf of a staging directory (ours: it may hold read-only directories). */
static void remove_tree(const char *path)
{
	const char *slash = strrchr(path, '/');
	struct soak_err ignored = {0};
	struct soak_fs_root *root;
	char *dir;

	if (!slash || !slash[1])
		return;
	dir = slash == path ? strdup("/") : soak_strndup(path, (size_t)(slash - path));
	if (dir && soak_fs_root_open(dir, &root, &ignored) == 0) {
		soak_fs_remove_tree(root, slash + 1);
		soak_fs_root_close(root);
	}
	free(dir);
}

#define NEST_MAX 1024 /* directories below an anchor */

/* A staged tree (stage) and the directory it goes into (target), both opened
 * as fs.h roots: nothing on the way is followed if it is a link. */
struct mover {
	struct soak_fs_root *stage, *target;
	const char *where; /* the anchor directory, for messages */
	struct merged {
		char *rel;
		unsigned mode;
		int64_t mtime_ns;
	} * dirs; /* directories of both, in walk order: their attributes go last */
	size_t ndirs, capdirs;
};

static int mover_open(struct mover *m, const struct anchor *an, struct soak_err *err)
{
	char *real = soak_fs_realpath(an->dir);

	memset(m, 0, sizeof(*m));
	m->where = an->dir;
	if (!real)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot open '%s'", an->dir);
	if (soak_fs_root_open(an->stage, &m->stage, err) ||
	    soak_fs_root_open(real, &m->target, err)) {
		free(real);
		err->code = SOAK_EXIT_ENV;
		return -1;
	}
	free(real);
	return 0;
}

static void mover_close(struct mover *m)
{
	soak_fs_root_close(m->stage);
	soak_fs_root_close(m->target);
	for (size_t i = 0; i < m->ndirs; i++)
		free(m->dirs[i].rel);
	free(m->dirs);
}

static int skipped(const struct mover *m, const struct soak_fs_entry *e, struct soak_err *err)
{
	if (!strcmp(e->skip, "too deep"))
		return soak_err_set(err, SOAK_EXIT_INPUT, "'%s/%s': directories nested too deep",
		                    m->where, e->path);
	return soak_err_set(err, SOAK_EXIT_ENV, "cannot read '%s/%s': %s", m->where, e->path,
	                    e->skip);
}

/*
 * Before anything moves: every staged entry can go where merge_entry() puts
 * it. What cannot is a file or link of the archive where the workspace has a
 * directory that is not empty (the move would fail there after earlier
 * entries moved in). 0, 1 (a directory not to enter), or -1: SOAK_EXIT_INPUT
 * (a miss) for such a conflict, SOAK_EXIT_ENV.
 */
static int check_entry(void *ctx, const struct soak_fs_entry *e, struct soak_err *err)
{
	struct mover *m = ctx;
	struct soak_os_stat ts;
	char **names;
	size_t n;

	if (e->type == SOAK_FS_SKIP)
		return skipped(m, e, err);
	if (soak_fs_stat(m->target, e->path, &ts) < 0 || ts.type != SOAK_OS_DIR)
		return e->type == SOAK_FS_DIR;
	if (e->type == SOAK_FS_DIR)
		return 0;
	if (soak_fs_list(m->target, e->path, &names, &n) == 0) {
		soak_os_names_free(names, n);
		if (!n)
			return 0;
	}
	return soak_err_set(err, SOAK_EXIT_INPUT,
	                    "'%s/%s' is a %s in the archive and a directory "
	                    "that is not empty in the workspace",
	                    m->where, e->path, e->type == SOAK_FS_LINK ? "symbolic link" : "file");
}

/* Remember a directory of both trees: its mode and time are set once its contents are in. */
static int mover_defer(struct mover *m, const struct soak_fs_entry *e, struct soak_err *err)
{
	if (m->ndirs == m->capdirs) {
		size_t cap = m->capdirs ? 2 * m->capdirs : 16;
		struct merged *v = realloc(m->dirs, cap * sizeof(*v));

		if (!v)
			return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		m->dirs = v;
		m->capdirs = cap;
	}
	if (!(m->dirs[m->ndirs].rel = strdup(e->path)))
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	m->dirs[m->ndirs].mode = e->mode;
	m->dirs[m->ndirs].mtime_ns = e->mtime_ns;
	m->ndirs++;
	return 0;
}

/* Move the staged entry e into the target, or enter it when both have a directory there. */
static int merge_entry(void *ctx, const struct soak_fs_entry *e, struct soak_err *err)
{
	struct mover *m = ctx;
	struct soak_os_stat ts;
	int have, ro, dir = e->type == SOAK_FS_DIR;

	if (e->type == SOAK_FS_SKIP)
		return skipped(m, e, err);
	have = soak_fs_stat(m->target, e->path, &ts) == 0;
	if (have && dir && ts.type == SOAK_OS_DIR) {
		if (soak_fs_chmod(m->stage, e->path, e->mode | 0700) < 0 ||
		    soak_fs_chmod(m->target, e->path, ts.mode | 0700) < 0)
			return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot change '%s/%s'",
			                      m->where, e->path);
		return mover_defer(m, e, err);
	}
	if (have && ts.type == SOAK_OS_DIR && soak_fs_rmdir(m->target, e->path) < 0)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot replace directory '%s/%s'",
		                      m->where, e->path);
	if (have && ts.type != SOAK_OS_DIR && dir) {
		struct soak_err why = {0};

		if (soak_fs_remove(m->target, e->path, &why))
			return soak_err_set(err, SOAK_EXIT_ENV, "cannot replace '%s/%s': %s",
			                    m->where, e->path, why.msg);
	}
	/* a directory moved to another parent must be writable (its ".." changes):
	 * read-only ones (Go's module cache) are made so for the move */
	ro = dir && !(e->mode & 0200);
	if (ro && soak_fs_chmod(m->stage, e->path, e->mode | 0200) < 0)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot change '%s/%s'", m->where,
		                      e->path);
	if (soak_fs_rename(m->stage, e->path, m->target, e->path) < 0)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot move '%s/%s' into place",
		                      m->where, e->path);
	if (ro && soak_fs_chmod(m->target, e->path, e->mode) < 0)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot change '%s/%s'", m->where,
		                      e->path);
	return dir; /* moved whole: nothing under it is left to visit */
}

/* The modes and times of the directories entered, deepest first. */
static int mover_finish(struct mover *m, struct soak_err *err)
{
	for (size_t i = m->ndirs; i-- > 0;) {
		const struct merged *d = &m->dirs[i];

		if (soak_fs_chmod(m->target, d->rel, d->mode) < 0 ||
		    soak_fs_set_mtime(m->target, d->rel, d->mtime_ns) < 0)
			return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot change '%s/%s'",
			                      m->where, d->rel);
	}
	return 0;
}

static int commit(struct rctx *r, struct soak_err *err)
{
	struct mover m;
	int ret;

	for (size_t i = 0; i < r->nanchors; i++) {
		struct anchor *an = &r->anchors[i];

		if (!an->stage)
			continue;
		ret = mover_open(&m, an, err);
		if (!ret)
			ret = soak_fs_walk_depth(m.stage, NEST_MAX, check_entry, &m, err);
		mover_close(&m);
		if (ret)
			return -1;
	}
	for (size_t i = 0; i < r->nanchors; i++) {
		struct anchor *an = &r->anchors[i];

		if (!an->stage)
			continue;
		ret = mover_open(&m, an, err);
		if (!ret)
			ret = soak_fs_walk_depth(m.stage, NEST_MAX, merge_entry, &m, err);
		if (!ret)
			ret = mover_finish(&m, err);
		if (!ret) { /* what the moves left (emptied directories) goes before the
			     * times are set: removing it would change them */
			remove_tree(an->stage);
			free(an->stage);
			an->stage = NULL;
		}
		if (!ret && an->have_attrs &&
		    (soak_fs_chmod(m.target, "", an->mode) < 0 ||
		     soak_fs_set_mtime(m.target, "", an->mtime_ns) < 0))
			ret = soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot change '%s'",
			                     an->dir);
		mover_close(&m);
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
		struct soak_os_stat st;
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
		while (soak_os_stat(dir, &st) < 0 || st.type != SOAK_OS_DIR) {
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
	struct rctx r = {.o = o, .p = p, .pr = pr};
	struct soak_err ignored = {0};
	unsigned char magic[4] = {0};
	struct archive_entry *ae;
	int ret = -1, rc, extracted = 0;

	memset(st, 0, sizeof(*st));
	st->size = size;
	r.f.fd = fd;
	if (plan_targets(&r, err))
		goto out;
	if (soak_os_pread(fd, magic, sizeof(magic), 0) < 0 || soak_os_seek(fd, 0, 0) < 0) {
		soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot read the archive");
		goto out;
	}
	if (soak_cache_pipe_init(&r.f.pipe, NCHUNKS, CHUNK, err))
		goto out;
	r.f.inbuf = malloc(IO_BLOCK);
	r.a = archive_read_new();
	r.disk = archive_write_disk_new();
	if (!r.f.inbuf || !r.a || !r.disk) {
		soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		goto out;
	}
	archive_read_support_format_tar(r.a);
	/* no ARCHIVE_EXTRACT_SECURE_SYMLINKS: no link exists until links_make(), which has it */
	archive_write_disk_set_options(r.disk, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
	                                           ARCHIVE_EXTRACT_SECURE_NODOTDOT);
	if (magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd) {
		if (!(r.f.z = ZSTD_createDCtx())) {
			soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
			goto out;
		}
		ZSTD_DCtx_setParameter(r.f.z, ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG_MAX);
	} else {
		archive_read_support_filter_gzip(r.a);
	}
	if (pthread_create(&r.f.t, NULL, feed_run, &r.f)) {
		soak_err_set(err, SOAK_EXIT_ENV, "cannot start a thread");
		goto out;
	}
	r.f.started = 1;
	if (archive_read_open(r.a, &r, NULL, on_read, NULL) != ARCHIVE_OK) {
		const char *m = archive_error_string(r.a);

		soak_err_set(err, SOAK_EXIT_INPUT, "not an archive: %s", m ? m : "unknown format");
		goto check;
	}
	pr->p.phase = "extracting";
	pr->p.bytes = pr->p.files = 0;
	pr->p.total = 0;
	while ((rc = archive_read_next_header(r.a, &ae)) == ARCHIVE_OK || rc == ARCHIVE_WARN) {
		if (extract_entry(&r, ae, err))
			goto check;
	}
	if (rc != ARCHIVE_EOF) {
		const char *m = archive_error_string(r.a);

		soak_err_set(err, SOAK_EXIT_INPUT, "the archive is damaged: %s",
		             m ? m : "unknown error");
		goto check;
	}
	/* the links before the directories' modes and times are set */
	if (links_make(&r, err))
		goto check;
	if (archive_write_close(r.disk) != ARCHIVE_OK) {
		disk_fail(r.disk, "(directories)", err);
		goto check;
	}
	extracted = 1;
check:
	/* a read error explains the damage it caused */
	if (feed_end(&r.f, err) || !extracted)
		goto out;
	st->files = pr->p.files;
	st->bytes = pr->p.bytes;
	if (commit(&r, err))
		goto out;
	soak_cache_prog_tick(pr, 1);
	ret = 0;
out:
	feed_end(&r.f, &ignored); /* after an early failure the thread may still run */
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
	links_free(r.links);
	free(r.anchors);
	free(r.anchor_of);
	free(r.bases);
	ZSTD_freeDCtx(r.f.z);
	soak_cache_pipe_free(&r.f.pipe);
	free(r.f.inbuf);
	return ret;
}
