#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <archive.h>
#include <archive_entry.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_getFrameHeader */
#include <zstd.h>
#include <zstd_errors.h>

#include "cache_int.h"
#include "cache_tar_int.h"
#include "exitcode.h"
#include "fmt.h"
#include "os.h"
#include "parse.h"
#include "banned.h"

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
	int max_window;      /* zstd: the log of the largest window accepted */
	uint64_t max_memory; /* what the user allows (0: the default) */
	struct soak_err err; /* reading failed, or a window too large: SOAK_EXIT_ENV */
};

/* The log of the largest zstd window max_memory bytes hold (0: 2^31). */
static int window_limit(uint64_t max_memory)
{
	int wl = ZSTD_WINDOWLOG_MIN;

	if (!max_memory)
		return ZSTD_WINDOW_LOG_MAX;
	while (wl < ZSTD_WINDOW_LOG_MAX && (2ull << wl) <= max_memory)
		wl++;
	return wl;
}

/* The frame at src needs a window above the limit: an error of the environment
 * (this machine's memory, or the user's limit), not damage. */
static int window_refused(struct feeder *f, const char *src, size_t n)
{
	ZSTD_frameHeader h;
	char need[32], allow[32];
	const char *by = f->max_memory ? "--max-memory" : "the default";

	soak_format_size(1ull << f->max_window, allow, sizeof(allow));
	if (ZSTD_getFrameHeader(&h, src, n) == 0 && h.frameType == ZSTD_frame)
		return soak_err_set(&f->err, SOAK_EXIT_ENV,
		                    "the archive needs a zstd window of %s; %s allows %s "
		                    "(raise --max-memory to restore it)",
		                    soak_format_size(h.windowSize, need, sizeof(need)), by, allow);
	return soak_err_set(&f->err, SOAK_EXIT_ENV,
	                    "the archive needs a zstd window above %s, which %s allows "
	                    "(raise --max-memory to restore it)",
	                    allow, by);
}

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
		if (ZSTD_isError(r) &&
		    ZSTD_getErrorCode(r) == ZSTD_error_frameParameter_windowTooLarge) {
			window_refused(f, src + ipos, n - ipos);
			*bad = f->err;
			return -1;
		}
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
	struct soak_cache_anchor *anchors;
	size_t nanchors;
	struct soak_cache_links *links;
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

static int make_stage(struct soak_cache_anchor *an, struct soak_err *err)
{
	size_t n = strlen(an->dir) + 40;
	char *tmpl = malloc(n);

	struct soak_os_stat st;

	if (!tmpl)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	if (soak_os_stat(an->dir, &st) == 0) {
		an->have_before = 1;
		an->before_atime_ns = st.atime_ns;
		an->before_mtime_ns = st.mtime_ns;
	}
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
		soak_cache_tar_refuse(err, "is an absolute path", name);
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
		soak_cache_tar_refuse(err, "lies outside the cache paths", name);
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
	size_t an, an2;
	int self, ret = -1;
	char *staged = NULL, *hstaged = NULL, *name, *hl = NULL;
	la_int64_t declared = archive_entry_size_is_set(ae) ? archive_entry_size(ae) : 0;
	unsigned type = archive_entry_filetype(ae);

	/* copies: setting the entry's paths below frees the originals */
	name = soak_archive_entry_path(ae, 0);
	if (!name)
		return soak_err_set(err, SOAK_EXIT_INPUT, "an entry has no readable name");
	hl = soak_archive_entry_path(ae, 1);
	if (!hl && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK) {
		soak_cache_tar_refuse(err, "is a device, fifo or socket", name);
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
			soak_cache_tar_refuse(err, "would replace a directory of the cache paths",
			                      name);
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
	if (soak_cache_links_above(r->links, staged)) {
		soak_err_set(err, SOAK_EXIT_INPUT, "cannot extract '%s': " THROUGH_LINK, name);
		goto out;
	}
	if (hl) {
		hstaged = map_path(r, hl, &an2, &self, err);
		if (self) {
			soak_cache_tar_refuse(err, "is a hard link to a directory", name);
			goto out;
		}
		if (!hstaged)
			goto out;
		if (an2 != an) {
			soak_cache_tar_refuse(err, "is a hard link across cache paths", name);
			goto out;
		}
		if (soak_cache_links_has(r->links, hstaged)) {
			soak_cache_tar_refuse(err, "is a hard link to something not a file", name);
			goto out;
		}
		if (soak_cache_links_above(r->links, hstaged)) {
			soak_err_set(err, SOAK_EXIT_INPUT, "cannot extract '%s': " THROUGH_LINK,
			             name);
			goto out;
		}
		{
			struct soak_os_stat ls;

			/* a link to a link would write its data through it */
			if (soak_os_lstat(hstaged, &ls) == 0 && ls.type != SOAK_OS_FILE) {
				soak_cache_tar_refuse(err, "is a hard link to something not a file",
				                      name);
				goto out;
			}
		}
		if (soak_archive_entry_set_path(ae, hstaged, 1)) {
			soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
			goto out;
		}
	}
	r->out += 512;
	if (!hl && type == AE_IFLNK) {
		if (soak_cache_links_add(&r->links, ae, staged, name, err))
			goto out;
		r->pr->p.files++;
		ret = 0;
		goto out;
	}
	soak_cache_links_drop(r->links, staged); /* this entry replaces the link */
	if (soak_archive_entry_set_path(ae, staged, 0)) {
		soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		goto out;
	}
	archive_entry_set_perm(ae, archive_entry_perm(ae) & 01777); /* never set-id */
	if (archive_write_header(r->disk, ae) < ARCHIVE_OK) {
		soak_cache_tar_disk_fail(r->disk, name, err);
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
			soak_cache_tar_disk_fail(r->disk, name, err);
			goto out;
		}
		soak_cache_prog_tick(r->pr, 0);
	}
	if (archive_write_finish_entry(r->disk) < ARCHIVE_OK) {
		soak_cache_tar_disk_fail(r->disk, name, err);
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
	/* no ARCHIVE_EXTRACT_SECURE_SYMLINKS: no link exists until soak_cache_links_make(), which
	 * has it */
	archive_write_disk_set_options(r.disk, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
	                                           ARCHIVE_EXTRACT_SECURE_NODOTDOT);
	if (magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd) {
		if (!(r.f.z = ZSTD_createDCtx())) {
			soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
			goto out;
		}
		r.f.max_memory = o->max_memory;
		r.f.max_window = window_limit(o->max_memory);
		ZSTD_DCtx_setParameter(r.f.z, ZSTD_d_windowLogMax, r.f.max_window);
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
	if (soak_cache_links_make(r.links, err))
		goto check;
	if (archive_write_close(r.disk) != ARCHIVE_OK) {
		soak_cache_tar_disk_fail(r.disk, "(directories)", err);
		goto check;
	}
	extracted = 1;
check:
	/* a read error explains the damage it caused */
	if (feed_end(&r.f, err) || !extracted)
		goto out;
	st->files = pr->p.files;
	st->bytes = pr->p.bytes;
	if (soak_cache_move_commit(r.anchors, r.nanchors, err))
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
		if (r.anchors[i].stage) {
			soak_cache_move_remove_stage(r.anchors[i].stage);
			if (r.anchors[i].have_before) /* best effort: the times as they were */
				soak_os_utimes(r.anchors[i].dir, r.anchors[i].before_atime_ns,
				               r.anchors[i].before_mtime_ns, 0);
		}
		free(r.anchors[i].stage);
		free(r.anchors[i].dir);
	}
	soak_cache_links_free(r.links);
	free(r.anchors);
	free(r.anchor_of);
	free(r.bases);
	ZSTD_freeDCtx(r.f.z);
	soak_cache_pipe_free(&r.f.pipe);
	free(r.f.inbuf);
	return ret;
}
