/*
 * File trees, POSIX implementation (fs.h). Every directory is opened relative
 * to its parent's descriptor with O_NOFOLLOW and checked to be on the root's
 * file system (device, and on Linux the mount id from statx, which also tells a
 * bind mount of the same device apart). Names within a directory are sorted so
 * that a dry run and the real run see the same order.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>
#ifdef __linux__
#include <sys/sysmacros.h>
#endif

#include "fs.h"
#include "exitcode.h"
#include "thread.h"
#include "banned.h"

#define DIRCACHE 16
#define OPEN_DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

struct dcache {
	char *path; /* relative directory path, "" never cached */
	size_t len;
	int fd;
};

struct soak_fs_root {
	int fd;
	char *path; /* as given, for messages */
	uint64_t dev, mnt;
	int have_mnt;
	struct dcache cache[DIRCACHE];
	unsigned next;
	unsigned tmp_seq;
};

struct info {
	mode_t mode;
	uint64_t size;
	int64_t mtime_ms, mtime_ns;
	uint64_t dev, ino, mnt;
	int have_mnt;
};

/* lstat of name relative to dirfd ("" with empty: dirfd itself). */
static int stat_at(int dirfd, const char *name, int empty, struct info *o)
{
	struct stat st;

#if defined(__linux__) && defined(STATX_MNT_ID)
	struct statx sx;
	int fl = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | (empty ? AT_EMPTY_PATH : 0);

	if (statx(dirfd, name, fl,
	          STATX_TYPE | STATX_MODE | STATX_SIZE | STATX_MTIME | STATX_INO | STATX_MNT_ID,
	          &sx) == 0) {
		o->mode = sx.stx_mode;
		o->size = sx.stx_size;
		o->mtime_ms = (int64_t)sx.stx_mtime.tv_sec * 1000 + sx.stx_mtime.tv_nsec / 1000000;
		o->mtime_ns = (int64_t)sx.stx_mtime.tv_sec * 1000000000 + sx.stx_mtime.tv_nsec;
		o->dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
		o->ino = sx.stx_ino;
		o->mnt = sx.stx_mnt_id;
		o->have_mnt = (sx.stx_mask & STATX_MNT_ID) != 0;
		return 0;
	}
	if (errno != ENOSYS)
		return -1;
#endif
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW | (empty ? AT_EMPTY_PATH : 0)) < 0)
		return -1;
	o->mode = st.st_mode;
	o->size = (uint64_t)st.st_size;
	o->mtime_ms = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
	o->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	o->dev = (uint64_t)st.st_dev;
	o->ino = (uint64_t)st.st_ino;
	o->mnt = 0;
	o->have_mnt = 0;
	return 0;
}

static int same_fs(const struct soak_fs_root *r, const struct info *in)
{
	if (in->dev != r->dev)
		return 0;
	return !r->have_mnt || !in->have_mnt || in->mnt == r->mnt;
}

char *soak_fs_realpath(const char *path)
{
	return realpath(path, NULL);
}

int soak_fs_root_open(const char *path, struct soak_fs_root **out, struct soak_err *err)
{
	struct soak_fs_root *r;
	struct info in;
	size_t len = strlen(path);
	char *p;
	int fd, e;

	*out = NULL;
	/* "dir/" would follow a link named dir; the name itself must not be one */
	p = strdup(path);
	if (!p)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot open '%s'", path);
	while (len > 1 && p[len - 1] == '/')
		p[--len] = '\0';
	fd = open(p, OPEN_DIR_FLAGS);
	if (fd < 0) {
		struct stat st;
		e = errno;
		/* O_DIRECTORY | O_NOFOLLOW on a link fails with ENOTDIR or ELOOP */
		if ((e == ELOOP || e == ENOTDIR) && lstat(p, &st) == 0 && S_ISLNK(st.st_mode))
			e = ELOOP;
		free(p);
		if (e == ELOOP)
			return soak_err_set(err, SOAK_EXIT_USAGE,
			                    "'%s' is a symbolic link: give the directory itself",
			                    path);
		if (e == ENOTDIR)
			return soak_err_set(err, SOAK_EXIT_USAGE, "'%s' is not a directory", path);
		return soak_err_errno(err, e == ENOENT ? SOAK_EXIT_INPUT : SOAK_EXIT_ENV, e,
		                      "cannot open '%s'", path);
	}
	if (stat_at(fd, "", 1, &in) < 0) {
		e = errno;
		close(fd);
		free(p);
		return soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot read '%s'", path);
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		close(fd);
		free(p);
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot open '%s'", path);
	}
	r->fd = fd;
	r->path = p;
	r->dev = in.dev;
	r->mnt = in.mnt;
	r->have_mnt = in.have_mnt;
	for (int i = 0; i < DIRCACHE; i++)
		r->cache[i].fd = -1;
	*out = r;
	return 0;
}

void soak_fs_root_close(struct soak_fs_root *r)
{
	if (!r)
		return;
	for (int i = 0; i < DIRCACHE; i++) {
		if (r->cache[i].fd >= 0)
			close(r->cache[i].fd);
		free(r->cache[i].path);
	}
	close(r->fd);
	free(r->path);
	free(r);
}

/* ---- the walk ---- */

struct walk {
	struct soak_fs_root *r;
	int (*fn)(void *ctx, const struct soak_fs_entry *e, struct soak_err *err);
	void *ctx;
	struct soak_err *err;
	char *path;
	size_t cap;
	int max_depth;
	int fd; /* the directory of the entry being reported */
};

/* The names of one directory. */
struct names {
	char *buf; /* NUL-separated names */
	size_t len, cap;
	size_t *off;
	size_t n, ncap;
};

/* Each name is kept after a byte of its d_type (DT_UNKNOWN where there is none). */
static int names_add(struct names *nm, const char *name, unsigned char type)
{
	size_t l = strlen(name) + 2;

	if (nm->len + l > nm->cap) {
		size_t cap = nm->cap ? nm->cap * 2 : 4096;
		char *b;
		while (cap < nm->len + l)
			cap *= 2;
		b = realloc(nm->buf, cap);
		if (!b)
			return -1;
		nm->buf = b;
		nm->cap = cap;
	}
	if (nm->n == nm->ncap) {
		size_t ncap = nm->ncap ? nm->ncap * 2 : 64;
		size_t *o = realloc(nm->off, ncap * sizeof(*o));
		if (!o)
			return -1;
		nm->off = o;
		nm->ncap = ncap;
	}
	nm->buf[nm->len] = (char)type;
	memcpy(nm->buf + nm->len + 1, name, l - 1);
	nm->off[nm->n++] = nm->len + 1;
	nm->len += l;
	return 0;
}

#ifdef DT_UNKNOWN
#define DTYPE(de) ((unsigned char)(de)->d_type)
#else
#define DT_UNKNOWN 0
#define DT_DIR 4
#define DTYPE(de) ((unsigned char)DT_UNKNOWN)
#endif

static const char *sort_base;

static int cmp_off(const void *a, const void *b)
{
	return strcmp(sort_base + *(const size_t *)a, sort_base + *(const size_t *)b);
}

static int dot_or_dotdot(const char *n)
{
	return n[0] == '.' && (!n[1] || (n[1] == '.' && !n[2]));
}

/*
 * Every name of the directory dirfd into nm. On Linux straight from getdents64
 * on dirfd itself (no second descriptor, no DIR); elsewhere through a dup'ed
 * descriptor and readdir. -1 with errno.
 */
static int read_dir(int dirfd, struct names *nm)
{
#ifdef __linux__
	char buf[32 * 1024];
	ssize_t n;

	/* from the start: the root's descriptor is read again by a later walk */
	if (lseek(dirfd, 0, SEEK_SET) < 0)
		return -1;
	/* void *: glibc's buffer type; musl's (the static release build) is struct dirent * */
	while ((n = getdents64(dirfd, (void *)buf, sizeof(buf))) > 0) {
		for (ssize_t o = 0; o < n;) {
			const struct dirent64 *de = (const struct dirent64 *)(buf + o);
			o += de->d_reclen;
			if (!dot_or_dotdot(de->d_name) &&
			    names_add(nm, de->d_name, DTYPE(de)) < 0) {
				errno = ENOMEM;
				return -1;
			}
		}
	}
	return n < 0 ? -1 : 0;
#else
	struct dirent *de;
	int dfd = dup(dirfd), e;
	DIR *d;

	if (dfd < 0 || !(d = fdopendir(dfd))) {
		e = errno;
		if (dfd >= 0)
			close(dfd);
		errno = e;
		return -1;
	}
	rewinddir(d); /* the offset is shared with dirfd, which a later walk reads again */
	while ((de = readdir(d))) {
		if (!dot_or_dotdot(de->d_name) && names_add(nm, de->d_name, DTYPE(de)) < 0) {
			closedir(d);
			errno = ENOMEM;
			return -1;
		}
	}
	closedir(d);
	return 0;
#endif
}

/* Set w->path to prefix (of length plen) + "/" + name; returns the new length. */
static int path_set(struct walk *w, size_t plen, const char *name, size_t *len)
{
	size_t nl = strlen(name), need = plen + 1 + nl + 1;

	if (need > w->cap) {
		size_t cap = w->cap ? w->cap : 256;
		char *p;
		while (cap < need)
			cap *= 2;
		p = realloc(w->path, cap);
		if (!p)
			return -1;
		w->path = p;
		w->cap = cap;
	}
	if (plen)
		w->path[plen++] = '/';
	memcpy(w->path + plen, name, nl + 1);
	*len = plen + nl;
	return 0;
}

static int emit(struct walk *w, enum soak_fs_type type, const struct info *in, const char *skip)
{
	struct soak_fs_entry e;

	e.path = w->path;
	e.type = type;
	e.size = in ? in->size : 0;
	e.mtime_ms = in ? in->mtime_ms : 0;
	e.skip = skip;
	e.mode = in ? (unsigned)(in->mode & 07777) : 0;
	e.mtime_ns = in ? in->mtime_ns : 0;
	e.walk = w;
	return w->fn(w->ctx, &e, w->err);
}

/*
 * Open the subdirectory name of dirfd, stat'ed before as was, and check that it
 * is still that directory, on the root's file system. 1 with *cfd; 0 when it is
 * gone; -1 after reporting a skip; -2 when the callback stopped the walk.
 */
static int open_sub(struct walk *w, int dirfd, const char *name, const struct info *was, int *cfd)
{
	struct info chk;
	int fd = openat(dirfd, name, OPEN_DIR_FLAGS);

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return emit(w, SOAK_FS_SKIP, was, strerror(errno)) < 0 ? -2 : -1;
	}
	if (stat_at(fd, "", 1, &chk) < 0 || chk.ino != was->ino || !same_fs(w->r, &chk)) {
		close(fd);
		return emit(w, SOAK_FS_SKIP, was, "changed during the walk") < 0 ? -2 : -1;
	}
	*cfd = fd;
	return 1;
}

static int walk_dir(struct walk *w, int dirfd, size_t plen, int depth)
{
	struct names nm = {0};
	int ret = -1;

	if (read_dir(dirfd, &nm) < 0) {
		int e = errno;
		free(nm.buf);
		free(nm.off);
		w->path[plen] = '\0';
		if (e == ENOMEM || !plen)
			return soak_err_errno(w->err, SOAK_EXIT_ENV, e, "cannot read '%s'",
			                      plen ? w->path : w->r->path);
		w->fd = dirfd;
		return emit(w, SOAK_FS_SKIP, NULL, strerror(e));
	}
	sort_base = nm.buf;
	if (nm.n) /* an empty directory has no array at all */
		qsort(nm.off, nm.n, sizeof(*nm.off), cmp_off);

	for (size_t i = 0; i < nm.n; i++) {
		const char *name = nm.buf + nm.off[i];
		struct info in;
		size_t len;
		int cfd = -1, rc;

		if (path_set(w, plen, name, &len) < 0) {
			soak_err_errno(w->err, SOAK_EXIT_ENV, ENOMEM, "cannot read '%s'",
			               w->r->path);
			goto out;
		}
		w->fd = dirfd;
		if (stat_at(dirfd, name, 0, &in) < 0) {
			if (errno == ENOENT) /* gone since readdir */
				continue;
			if (emit(w, SOAK_FS_SKIP, NULL, strerror(errno)) < 0)
				goto out;
			continue;
		}
		if (!same_fs(w->r, &in)) {
			if (emit(w, SOAK_FS_SKIP, &in, "another file system") < 0)
				goto out;
			continue;
		}
		if (S_ISREG(in.mode) || S_ISLNK(in.mode)) {
			if (emit(w, S_ISREG(in.mode) ? SOAK_FS_FILE : SOAK_FS_LINK, &in, NULL) < 0)
				goto out;
			continue;
		}
		if (!S_ISDIR(in.mode)) {
			if (emit(w, SOAK_FS_OTHER, &in, NULL) < 0)
				goto out;
			continue;
		}
		if (depth + 1 > w->max_depth) {
			if (emit(w, SOAK_FS_SKIP, &in, "too deep") < 0)
				goto out;
			continue;
		}
		rc = open_sub(w, dirfd, name, &in, &cfd);
		if (rc == -2)
			goto out;
		if (rc <= 0)
			continue;
		rc = emit(w, SOAK_FS_DIR, &in, NULL);
		if (rc < 0) {
			close(cfd);
			goto out;
		}
		if (rc == 0 && walk_dir(w, cfd, len, depth + 1) < 0) {
			close(cfd);
			goto out;
		}
		close(cfd);
	}
	ret = 0;
out:
	free(nm.buf);
	free(nm.off);
	return ret;
}

int soak_fs_entry_remove(const struct soak_fs_entry *e, struct soak_err *err)
{
	const struct walk *w = e->walk;
	const char *slash = strrchr(e->path, '/');

	if (unlinkat(w->fd, slash ? slash + 1 : e->path, 0) < 0)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot remove '%s'", e->path);
	return 0;
}

int soak_fs_walk(struct soak_fs_root *r,
                 int (*fn)(void *ctx, const struct soak_fs_entry *e, struct soak_err *err),
                 void *ctx, struct soak_err *err)
{
	return soak_fs_walk_depth(r, SOAK_FS_MAX_DEPTH, fn, ctx, err);
}

int soak_fs_walk_depth(struct soak_fs_root *r, int max_depth,
                       int (*fn)(void *ctx, const struct soak_fs_entry *e, struct soak_err *err),
                       void *ctx, struct soak_err *err)
{
	struct walk w = {r, fn, ctx, err, NULL, 0, max_depth, r->fd};
	int ret;

	w.path = malloc(256);
	if (!w.path)
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot read '%s'", r->path);
	w.cap = 256;
	w.path[0] = '\0';
	ret = walk_dir(&w, r->fd, 0, 0);
	free(w.path);
	return ret;
}

/* ---- the parallel walk ---- */

#define PW_BATCH 256 /* entries per batch */
#define PW_MAXTHREADS 64

/* A directory the batches refer to: its descriptor stays open while one does. */
struct pdir {
	int fd;
	int refs; /* the reader's, and one per batch (touched by the caller's thread only) */
};

enum { PW_STAT, PW_DONE, PW_GONE }; /* an item to stat and decide; reported as is; skipped */

struct pitem {
	size_t off;  /* path in the batch's names */
	size_t base; /* the name within the path */
	unsigned char state;
	unsigned char type; /* enum soak_fs_type, once known */
	int err;            /* SOAK_FS_SKIP: an errno, or 0 with why */
	const char *why;
	struct info in;
	int have_in;
};

enum { B_FILLING, B_READY, B_CLAIMED, B_DONE };

struct pbatch {
	struct pdir *dir;
	char *names;
	size_t nlen, ncap;
	struct pitem it[PW_BATCH];
	size_t n;
	unsigned char *slots; /* PW_BATCH * slot_size */
	int state;
};

struct pwalk {
	struct soak_fs_root *r;
	const struct soak_fs_pwalk *pw;
	struct soak_err *err;
	int max_depth;
	struct soak_mutex *mu;
	struct soak_cond *work, *done;
	struct pbatch *ring;
	size_t nring;
	size_t head, claim, tail; /* counters; ring index = counter % nring */
	struct pbatch *cur;       /* being filled by the reader (ring[tail]) */
	int quit;                 /* workers: no more batches will come */
	int stopped;              /* report asked to stop, or an error */
	char *path;               /* the reader's path buffer */
	size_t cap;
};

static struct pbatch *pw_at(struct pwalk *p, size_t i)
{
	return &p->ring[i % p->nring];
}

/* Stat and decide each item of b; the caller holds no lock. */
static void pw_process(struct pwalk *p, struct pbatch *b)
{
	struct walk wk = {0};

	wk.r = p->r;
	wk.fd = b->dir->fd;
	for (size_t i = 0; i < b->n; i++) {
		struct pitem *it = &b->it[i];
		struct soak_fs_entry e;
		void *slot = b->slots + i * p->pw->slot_size;

		if (it->state != PW_STAT)
			continue;
		it->state = PW_DONE;
		if (stat_at(b->dir->fd, b->names + it->off + it->base, 0, &it->in) < 0) {
			if (errno == ENOENT) { /* gone since the directory was read */
				it->state = PW_GONE;
				continue;
			}
			it->type = SOAK_FS_SKIP;
			it->err = errno;
			continue;
		}
		it->have_in = 1;
		if (!same_fs(p->r, &it->in)) {
			it->type = SOAK_FS_SKIP;
			it->why = "another file system";
			continue;
		}
		if (S_ISDIR(it->in.mode)) { /* read as a non-directory: replaced meanwhile */
			it->type = SOAK_FS_SKIP;
			it->why = "changed during the walk";
			continue;
		}
		it->type = S_ISREG(it->in.mode)   ? SOAK_FS_FILE
		           : S_ISLNK(it->in.mode) ? SOAK_FS_LINK
		                                  : SOAK_FS_OTHER;
		e.path = b->names + it->off;
		e.type = (enum soak_fs_type)it->type;
		e.size = it->in.size;
		e.mtime_ms = it->in.mtime_ms;
		e.mtime_ns = it->in.mtime_ns;
		e.mode = (unsigned)(it->in.mode & 07777);
		e.skip = NULL;
		e.walk = &wk;
		memset(slot, 0, p->pw->slot_size);
		p->pw->decide(p->pw->ctx, &e, slot);
	}
}

/* Under the lock: the next batch to stat, or NULL. */
static struct pbatch *pw_take(struct pwalk *p)
{
	while (p->claim < p->tail) {
		struct pbatch *b = pw_at(p, p->claim++);
		if (b->state == B_READY) {
			b->state = B_CLAIMED;
			return b;
		}
	}
	return NULL;
}

/* Under the lock: process the claimed batch b without it, and say it is done. */
static void pw_run(struct pwalk *p, struct pbatch *b)
{
	soak_mutex_unlock(p->mu);
	pw_process(p, b);
	soak_mutex_lock(p->mu);
	b->state = B_DONE;
	soak_cond_broadcast(p->done);
}

static void pw_worker(void *arg)
{
	struct pwalk *p = arg;

	soak_mutex_lock(p->mu);
	for (;;) {
		struct pbatch *b = pw_take(p);
		if (b)
			pw_run(p, b);
		else if (p->quit)
			break;
		else
			soak_cond_wait(p->work, p->mu);
	}
	soak_mutex_unlock(p->mu);
}

static void pdir_put(struct pdir *d)
{
	if (d && --d->refs == 0) {
		close(d->fd);
		free(d);
	}
}

/* Report the oldest batch once it is done (stat'ing batches meanwhile). */
static void pw_report_head(struct pwalk *p)
{
	struct pbatch *b = pw_at(p, p->head);
	struct soak_err scratch;

	soak_mutex_lock(p->mu);
	while (b->state != B_DONE) {
		struct pbatch *o = pw_take(p);
		if (o)
			pw_run(p, o);
		else
			soak_cond_wait(p->done, p->mu);
	}
	soak_mutex_unlock(p->mu);
	for (size_t i = 0; i < b->n; i++) {
		struct pitem *it = &b->it[i];
		struct soak_fs_entry e;
		struct walk wk = {0};
		int skip = it->type == SOAK_FS_SKIP;

		if (it->state == PW_GONE)
			continue;
		wk.r = p->r;
		wk.fd = b->dir->fd;
		e.path = b->names + it->off;
		e.type = (enum soak_fs_type)it->type;
		e.size = it->have_in ? it->in.size : 0;
		e.mtime_ms = it->have_in ? it->in.mtime_ms : 0;
		e.mtime_ns = it->have_in ? it->in.mtime_ns : 0;
		e.mode = it->have_in ? (unsigned)(it->in.mode & 07777) : 0;
		e.skip = skip ? (it->err ? strerror(it->err) : it->why) : NULL;
		e.walk = &wk;
		if (p->pw->report(p->pw->ctx, &e,
		                  skip || it->type == SOAK_FS_DIR ? NULL
		                                                  : b->slots + i * p->pw->slot_size,
		                  p->stopped ? &scratch : p->err) < 0)
			p->stopped = 1;
	}
	pdir_put(b->dir);
	b->dir = NULL;
	b->n = 0;
	b->nlen = 0;
	soak_mutex_lock(p->mu);
	b->state = B_FILLING;
	p->head++;
	if (p->claim < p->head) /* a batch done at publishing was never claimed */
		p->claim = p->head;
	soak_mutex_unlock(p->mu);
}

/* Hand the batch being filled to the workers. */
static void pw_publish(struct pwalk *p)
{
	struct pbatch *b = p->cur;

	if (!b)
		return;
	p->cur = NULL;
	soak_mutex_lock(p->mu);
	p->tail++;
	b->state = B_READY;
	for (size_t i = 0; i < b->n; i++)
		if (b->it[i].state == PW_STAT)
			goto ready;
	b->state = B_DONE; /* nothing to stat */
ready:
	soak_cond_signal(p->work);
	soak_mutex_unlock(p->mu);
}

/*
 * Add an item for path (the reader's path buffer, len bytes, the name from
 * base) to the batch being filled, starting one on dir when needed. -1: out of
 * memory.
 */
static struct pitem *pw_add(struct pwalk *p, struct pdir *dir, size_t len, size_t base)
{
	struct pbatch *b = p->cur;
	struct pitem *it;

	if (b && (b->dir != dir || b->n == PW_BATCH)) {
		pw_publish(p);
		b = NULL;
	}
	if (!b) {
		while (p->tail - p->head >= p->nring)
			pw_report_head(p);
		b = p->cur = pw_at(p, p->tail);
		b->dir = dir;
		dir->refs++;
	}
	if (b->nlen + len + 1 > b->ncap) {
		size_t cap = b->ncap ? b->ncap * 2 : 8192;
		char *nb;
		while (cap < b->nlen + len + 1)
			cap *= 2;
		if (!(nb = realloc(b->names, cap)))
			return NULL;
		b->names = nb;
		b->ncap = cap;
	}
	it = &b->it[b->n++];
	memset(it, 0, sizeof(*it));
	it->off = b->nlen;
	it->base = base;
	memcpy(b->names + b->nlen, p->path, len + 1);
	b->nlen += len + 1;
	return it;
}

/* An entry the reader resolved itself (a directory, a skip), with its info if any. */
static int pw_direct(struct pwalk *p, struct pdir *dir, size_t len, size_t base,
                     enum soak_fs_type type, const struct info *in, int err, const char *why)
{
	struct pitem *it = pw_add(p, dir, len, base);

	if (!it)
		return -1;
	it->state = PW_DONE;
	it->type = (unsigned char)type;
	it->err = err;
	it->why = why;
	if (in) {
		it->in = *in;
		it->have_in = 1;
	}
	return 0;
}

static int pw_nomem(struct pwalk *p)
{
	p->stopped = 1;
	return soak_err_errno(p->err, SOAK_EXIT_ENV, ENOMEM, "cannot read '%s'", p->r->path);
}

/* Queue the entry at p->path[0..len) for a worker to stat and judge; -1 out of memory. */
static int pw_add_stat(struct pwalk *p, struct pdir *dir, size_t len, size_t base)
{
	struct pitem *it = pw_add(p, dir, len, base);

	if (!it)
		return pw_nomem(p);
	it->state = PW_STAT;
	return 0;
}

/* path_set on the reader's buffer. */
static int pw_path(struct pwalk *p, size_t plen, const char *name, size_t *len)
{
	struct walk w = {0};
	int r;

	w.path = p->path;
	w.cap = p->cap;
	r = path_set(&w, plen, name, len);
	p->path = w.path;
	p->cap = w.cap;
	return r;
}

static int pw_dir(struct pwalk *p, struct pdir *dir, size_t plen, int depth)
{
	struct names nm = {0};
	int ret = -1;

	if (read_dir(dir->fd, &nm) < 0) {
		int e = errno;
		free(nm.buf);
		free(nm.off);
		p->path[plen] = '\0';
		if (e == ENOMEM || !plen) {
			p->stopped = 1;
			return soak_err_errno(p->err, SOAK_EXIT_ENV, e, "cannot read '%s'",
			                      plen ? p->path : p->r->path);
		}
		{
			const char *sl = strrchr(p->path, '/');
			size_t base = sl ? (size_t)(sl - p->path) + 1 : 0;
			return pw_direct(p, dir, plen, base, SOAK_FS_SKIP, NULL, e, NULL) < 0
			           ? pw_nomem(p)
			           : 0;
		}
	}
	sort_base = nm.buf;
	if (nm.n)
		qsort(nm.off, nm.n, sizeof(*nm.off), cmp_off);

	for (size_t i = 0; i < nm.n && !p->stopped; i++) {
		const char *name = nm.buf + nm.off[i];
		unsigned char dt = (unsigned char)nm.buf[nm.off[i] - 1];
		size_t len, base = plen ? plen + 1 : 0;
		struct info in;
		struct pdir *sub;
		int cfd = -1, fd;

		if (pw_path(p, plen, name, &len) < 0) {
			pw_nomem(p);
			goto out;
		}
		if (dt != DT_DIR && dt != DT_UNKNOWN) {
			if (pw_add_stat(p, dir, len, base) < 0)
				goto out;
			continue;
		}
		if (stat_at(dir->fd, name, 0, &in) < 0) {
			if (errno == ENOENT)
				continue;
			if (pw_direct(p, dir, len, base, SOAK_FS_SKIP, NULL, errno, NULL) < 0) {
				pw_nomem(p);
				goto out;
			}
			continue;
		}
		if (!S_ISDIR(in.mode)) { /* DT_UNKNOWN: a worker stats it again */
			if (pw_add_stat(p, dir, len, base) < 0)
				goto out;
			continue;
		}
		if (!same_fs(p->r, &in) || depth + 1 > p->max_depth) {
			if (pw_direct(p, dir, len, base, SOAK_FS_SKIP, &in, 0,
			              same_fs(p->r, &in) ? "too deep" : "another file system") <
			    0) {
				pw_nomem(p);
				goto out;
			}
			continue;
		}
		fd = openat(dir->fd, name, OPEN_DIR_FLAGS);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			if (pw_direct(p, dir, len, base, SOAK_FS_SKIP, &in, errno, NULL) < 0) {
				pw_nomem(p);
				goto out;
			}
			continue;
		}
		{
			struct info chk;
			if (stat_at(fd, "", 1, &chk) < 0 || chk.ino != in.ino ||
			    !same_fs(p->r, &chk)) {
				close(fd);
				if (pw_direct(p, dir, len, base, SOAK_FS_SKIP, &in, 0,
				              "changed during the walk") < 0) {
					pw_nomem(p);
					goto out;
				}
				continue;
			}
		}
		cfd = fd;
		if (pw_direct(p, dir, len, base, SOAK_FS_DIR, &in, 0, NULL) < 0 ||
		    !(sub = malloc(sizeof(*sub)))) {
			close(cfd);
			pw_nomem(p);
			goto out;
		}
		sub->fd = cfd;
		sub->refs = 1;
		ret = pw_dir(p, sub, len, depth + 1);
		pdir_put(sub);
		if (ret < 0)
			goto out;
		ret = -1;
	}
	ret = p->stopped ? -1 : 0;
out:
	free(nm.buf);
	free(nm.off);
	return ret;
}

int soak_fs_walk_parallel(struct soak_fs_root *r, const struct soak_fs_pwalk *pw,
                          struct soak_err *err)
{
	struct pwalk p = {0};
	struct soak_thread *th[PW_MAXTHREADS];
	struct pdir *root;
	int nth = pw->threads < 0 ? 0 : pw->threads > PW_MAXTHREADS ? PW_MAXTHREADS : pw->threads;
	int started = 0, ret = -1;

	p.r = r;
	p.pw = pw;
	p.err = err;
	p.max_depth = SOAK_FS_MAX_DEPTH;
	p.nring = 8 + 4 * (size_t)nth;
	p.mu = soak_mutex_new();
	p.work = soak_cond_new();
	p.done = soak_cond_new();
	p.ring = calloc(p.nring, sizeof(*p.ring));
	p.path = malloc(256);
	p.cap = 256;
	root = malloc(sizeof(*root));
	if (!p.mu || !p.work || !p.done || !p.ring || !p.path || !root)
		goto nomem;
	for (size_t i = 0; i < p.nring; i++)
		if (!(p.ring[i].slots = malloc(PW_BATCH * (pw->slot_size ? pw->slot_size : 1))))
			goto nomem;
	p.path[0] = '\0';
	root->fd = dup(r->fd);
	root->refs = 1;
	if (root->fd < 0) {
		soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot read '%s'", r->path);
		free(root);
		root = NULL;
		goto out;
	}
	for (; started < nth; started++)
		if (soak_thread_start(&th[started], pw_worker, &p) < 0)
			break; /* fewer threads: the caller does the rest */
	ret = pw_dir(&p, root, 0, 0);
	pw_publish(&p);
	while (p.head < p.tail)
		pw_report_head(&p);
	if (p.stopped)
		ret = -1;
	goto out;
nomem:
	soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot read '%s'", r->path);
	free(root);
	root = NULL;
out:
	if (p.mu) {
		soak_mutex_lock(p.mu);
		p.quit = 1;
		if (p.work)
			soak_cond_broadcast(p.work);
		soak_mutex_unlock(p.mu);
	}
	for (int i = 0; i < started; i++)
		soak_thread_join(th[i]);
	pdir_put(root);
	for (size_t i = 0; p.ring && i < p.nring; i++) {
		free(p.ring[i].names);
		free(p.ring[i].slots);
	}
	free(p.ring);
	free(p.path);
	soak_cond_free(p.work);
	soak_cond_free(p.done);
	soak_mutex_free(p.mu);
	return ret;
}

/* ---- changes ---- */

/*
 * The descriptor of the directory path[0..len) (not to be closed by the
 * caller), opened component by component without following links.
 */
static int dir_fd(struct soak_fs_root *r, const char *path, size_t len, struct soak_err *err)
{
	const char *p = path, *end = path + len;
	char comp[NAME_MAX + 1];
	struct dcache *c;
	struct info in;
	int cur = r->fd;

	if (!len)
		return r->fd;
	for (int i = 0; i < DIRCACHE; i++)
		if (r->cache[i].fd >= 0 && r->cache[i].len == len &&
		    !memcmp(r->cache[i].path, path, len))
			return r->cache[i].fd;
	while (p < end) {
		const char *q = memchr(p, '/', (size_t)(end - p));
		size_t cl;
		int nfd;

		if (!q)
			q = end;
		cl = (size_t)(q - p);
		if (!cl || cl > NAME_MAX ||
		    (p[0] == '.' && (cl == 1 || (cl == 2 && p[1] == '.')))) {
			if (cur != r->fd)
				close(cur);
			soak_err_set(err, SOAK_EXIT_ENV, "invalid path '%.*s'", (int)len, path);
			errno = EINVAL;
			return -1;
		}
		memcpy(comp, p, cl);
		comp[cl] = '\0';
		nfd = openat(cur, comp, OPEN_DIR_FLAGS);
		if (nfd < 0) {
			int e = errno;
			if (cur != r->fd)
				close(cur);
			soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot open '%.*s'", (int)(q - path),
			               path);
			errno = e;
			return -1;
		}
		if (cur != r->fd)
			close(cur);
		cur = nfd;
		if (stat_at(cur, "", 1, &in) < 0 || !same_fs(r, &in)) {
			close(cur);
			soak_err_set(err, SOAK_EXIT_ENV, "cannot open '%.*s': another file system",
			             (int)(q - path), path);
			errno = EXDEV;
			return -1;
		}
		p = q + 1;
	}
	c = &r->cache[r->next++ % DIRCACHE];
	if (c->fd >= 0)
		close(c->fd);
	free(c->path);
	c->path = strndup(path, len);
	if (!c->path) {
		c->fd = -1;
		close(cur);
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot open '%.*s'", (int)len,
		                      path);
	}
	c->len = len;
	c->fd = cur;
	return cur;
}

/* Split path into its directory's descriptor and the last name. */
static int split(struct soak_fs_root *r, const char *path, const char **name, struct soak_err *err)
{
	const char *slash = strrchr(path, '/');

	*name = slash ? slash + 1 : path;
	if (!**name || !strcmp(*name, ".") || !strcmp(*name, "..")) {
		soak_err_set(err, SOAK_EXIT_ENV, "invalid path '%s'", path);
		errno = EINVAL;
		return -1;
	}
	return dir_fd(r, path, slash ? (size_t)(slash - path) : 0, err);
}

int soak_fs_remove(struct soak_fs_root *r, const char *path, struct soak_err *err)
{
	const char *name;
	int dfd = split(r, path, &name, err);

	if (dfd < 0)
		return -1;
	if (unlinkat(dfd, name, 0) < 0)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot remove '%s'", path);
	return 0;
}

int soak_fs_exists(struct soak_fs_root *r, const char *path)
{
	struct soak_err err = {0};
	const char *name;
	struct stat st;
	int dfd = split(r, path, &name, &err);

	if (dfd < 0)
		return 0;
	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Open the regular file at path for reading; *dfd gets its directory. */
static int open_regular(struct soak_fs_root *r, const char *path, int *dfd, const char **name,
                        struct stat *st, struct soak_err *err)
{
	int fd;

	*dfd = split(r, path, name, err);
	if (*dfd < 0)
		return -1;
	fd = openat(*dfd, *name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot open '%s'", path);
	if (fstat(fd, st) < 0) {
		int e = errno;
		close(fd);
		return soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot read '%s'", path);
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return soak_err_set(err, SOAK_EXIT_ENV, "'%s' is not a regular file", path);
	}
	return fd;
}

int soak_fs_measure(struct soak_fs_root *r, const char *path, soak_fs_filter filter, void *ctx,
                    uint64_t *out_bytes, struct soak_err *err)
{
	const char *name;
	struct stat st;
	int dfd, fd = open_regular(r, path, &dfd, &name, &st, err), ret;

	if (fd < 0)
		return -1;
	ret = filter(ctx, fd, -1, out_bytes, err);
	close(fd);
	if (ret < 0)
		soak_err_prefix(err, "'%s'", path);
	return ret;
}

/* Rename tmp to name in dfd, never over an existing file. */
static int rename_noreplace(int dfd, const char *tmp, const char *name)
{
#if defined(__linux__) && defined(RENAME_NOREPLACE)
	if (renameat2(dfd, tmp, dfd, name, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
#endif
	if (linkat(dfd, tmp, dfd, name, 0) < 0)
		return -1;
	unlinkat(dfd, tmp, 0);
	return 0;
}

int soak_fs_rewrite(struct soak_fs_root *r, const char *path, const char *new_path,
                    soak_fs_filter filter, void *ctx, uint64_t *new_size, struct soak_err *err)
{
	const char *name, *new_name = strrchr(new_path, '/');
	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) : 0;
	char tmp[64];
	struct timespec times[2];
	struct stat st, ost;
	uint64_t bytes = 0;
	int dfd, in, out = -1, e;

	new_name = new_name ? new_name + 1 : new_path;
	if ((size_t)(new_name - new_path) != (slash ? dlen + 1 : 0) ||
	    (dlen && memcmp(path, new_path, dlen)) || !*new_name)
		return soak_err_set(err, SOAK_EXIT_ENV, "'%s' and '%s' are not in one directory",
		                    path, new_path);
	in = open_regular(r, path, &dfd, &name, &st, err);
	if (in < 0)
		return -1;
	for (int tries = 0; out < 0 && tries < 100; tries++) {
		snprintf(tmp, sizeof(tmp), ".soak-clean-%ld-%u.tmp", (long)getpid(), r->tmp_seq++);
		out = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (out < 0 && errno != EEXIST)
			break;
	}
	if (out < 0) {
		e = errno;
		close(in);
		return soak_err_errno(err, SOAK_EXIT_ENV, e,
		                      "cannot create a temporary file for '%s'", new_path);
	}
	if (filter(ctx, in, out, &bytes, err) < 0) {
		soak_err_prefix(err, "'%s'", path);
		goto fail;
	}
	times[0] = st.st_atim;
	times[1] = st.st_mtim;
	if (fchmod(out, st.st_mode & 07777) < 0 || futimens(out, times) < 0 || fsync(out) < 0 ||
	    fstat(out, &ost) < 0) {
		soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot write '%s'", new_path);
		goto fail;
	}
	e = close(out);
	out = -1;
	if (e < 0) {
		soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot write '%s'", new_path);
		goto fail;
	}
	if (rename_noreplace(dfd, tmp, new_name) < 0) {
		soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot rename to '%s'", new_path);
		goto fail;
	}
	if (fsync(dfd) < 0 && errno != EINVAL) {
		e = errno;
		close(in);
		return soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot sync the directory of '%s'",
		                      new_path);
	}
	close(in);
	if (unlinkat(dfd, name, 0) < 0) {
		/* the original stays (e.g. immutable): take the new copy back, as if never made */
		e = errno;
		unlinkat(dfd, new_name, 0);
		return soak_err_errno(err, SOAK_EXIT_ENV, e,
		                      "cannot remove '%s' after writing '%s'", path, new_path);
	}
	*new_size = (uint64_t)ost.st_size;
	return 0;
fail:
	if (out >= 0)
		close(out);
	unlinkat(dfd, tmp, 0);
	close(in);
	return -1;
}

/* ---- changes for extraction ---- */

/* Forget the cached descriptors of path and of the directories under it. */
static void cache_drop(struct soak_fs_root *r, const char *path)
{
	size_t len = strlen(path);

	for (int i = 0; i < DIRCACHE; i++) {
		struct dcache *c = &r->cache[i];

		if (c->fd < 0 || c->len < len || memcmp(c->path, path, len) ||
		    (c->len > len && len && c->path[len] != '/'))
			continue;
		close(c->fd);
		c->fd = -1;
		free(c->path);
		c->path = NULL;
	}
}

/* The directory of path and its last name: split() reporting through errno. */
static int parent_fd(struct soak_fs_root *r, const char *path, const char **name)
{
	struct soak_err ignored = {0};

	return split(r, path, name, &ignored);
}

static void to_os_stat(const struct stat *st, struct soak_os_stat *o)
{
	memset(o, 0, sizeof(*o));
	o->type = S_ISREG(st->st_mode)   ? SOAK_OS_FILE
	          : S_ISDIR(st->st_mode) ? SOAK_OS_DIR
	          : S_ISLNK(st->st_mode) ? SOAK_OS_LINK
	                                 : SOAK_OS_OTHER;
	o->mode = (unsigned)(st->st_mode & 07777);
	o->size = (uint64_t)st->st_size;
	o->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	o->atime_ns = (int64_t)st->st_atim.tv_sec * 1000000000 + st->st_atim.tv_nsec;
	o->dev = (uint64_t)st->st_dev;
	o->ino = (uint64_t)st->st_ino;
	o->nlink = (uint32_t)st->st_nlink;
	o->uid = (uint32_t)st->st_uid;
	o->gid = (uint32_t)st->st_gid;
}

int soak_fs_stat(struct soak_fs_root *r, const char *path, struct soak_os_stat *st)
{
	const char *name;
	struct stat s;
	int dfd;

	if (!*path) {
		if (fstat(r->fd, &s) < 0)
			return -1;
	} else {
		if ((dfd = parent_fd(r, path, &name)) < 0)
			return -1;
		if (fstatat(dfd, name, &s, AT_SYMLINK_NOFOLLOW) < 0)
			return -1;
	}
	to_os_stat(&s, st);
	return 0;
}

/* A new descriptor of the directory at path ("": the root), on the root's file system. */
static int open_dir(struct soak_fs_root *r, const char *path)
{
	const char *name;
	struct info in;
	int dfd, fd;

	if (!*path)
		return fcntl(r->fd, F_DUPFD_CLOEXEC, 0);
	if ((dfd = parent_fd(r, path, &name)) < 0)
		return -1;
	fd = openat(dfd, name, OPEN_DIR_FLAGS);
	if (fd < 0) {
		struct stat s;

		/* O_DIRECTORY | O_NOFOLLOW on a link fails with ENOTDIR or ELOOP */
		if (errno == ENOTDIR && fstatat(dfd, name, &s, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(s.st_mode))
			errno = ELOOP;
		return -1;
	}
	if (stat_at(fd, "", 1, &in) < 0 || !same_fs(r, &in)) {
		close(fd);
		errno = EXDEV;
		return -1;
	}
	return fd;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in the directory fd (closed), sorted. */
static int read_names(int fd, char ***names, size_t *n)
{
	char **v = NULL;
	size_t cnt = 0, cap = 0;
	struct dirent *de;
	DIR *d = fdopendir(fd);
	int e = 0;

	*names = NULL;
	*n = 0;
	if (!d) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	errno = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		if (cnt == cap) {
			size_t nc = cap ? 2 * cap : 16;
			char **t = realloc(v, nc * sizeof(*t));

			if (!t) {
				e = ENOMEM;
				break;
			}
			v = t;
			cap = nc;
		}
		if (!(v[cnt] = strdup(de->d_name))) {
			e = ENOMEM;
			break;
		}
		cnt++;
		errno = 0;
	}
	if (!e && errno)
		e = errno;
	closedir(d);
	if (e) {
		for (size_t i = 0; i < cnt; i++)
			free(v[i]);
		free(v);
		errno = e;
		return -1;
	}
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_names);
	*names = v;
	*n = cnt;
	return 0;
}

int soak_fs_list(struct soak_fs_root *r, const char *path, char ***names, size_t *n)
{
	int fd = open_dir(r, path);

	*names = NULL;
	*n = 0;
	if (fd < 0)
		return -1;
	return read_names(fd, names, n);
}

int soak_fs_chmod(struct soak_fs_root *r, const char *path, unsigned mode)
{
	const char *name;
	struct stat s;
	int dfd;

	if (!*path)
		return fchmod(r->fd, (mode_t)mode);
	if ((dfd = parent_fd(r, path, &name)) < 0)
		return -1;
	/* no fchmodat(AT_SYMLINK_NOFOLLOW) everywhere: a link is refused instead */
	if (fstatat(dfd, name, &s, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	if (S_ISLNK(s.st_mode)) {
		errno = ELOOP;
		return -1;
	}
	return fchmodat(dfd, name, (mode_t)mode, 0);
}

int soak_fs_set_mtime(struct soak_fs_root *r, const char *path, int64_t mtime_ns)
{
	struct timespec ts[2] = {{0, UTIME_OMIT}, {0, 0}};
	const char *name;
	int dfd;

	ts[1].tv_sec = (time_t)(mtime_ns / 1000000000);
	ts[1].tv_nsec = (long)(mtime_ns % 1000000000);
	if (ts[1].tv_nsec < 0) {
		ts[1].tv_sec--;
		ts[1].tv_nsec += 1000000000;
	}
	if (!*path)
		return futimens(r->fd, ts);
	if ((dfd = parent_fd(r, path, &name)) < 0)
		return -1;
	return utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW);
}

int soak_fs_rmdir(struct soak_fs_root *r, const char *path)
{
	const char *name;
	int dfd = parent_fd(r, path, &name);

	if (dfd < 0)
		return -1;
	cache_drop(r, path);
	return unlinkat(dfd, name, AT_REMOVEDIR);
}

int soak_fs_rename(struct soak_fs_root *from, const char *from_path, struct soak_fs_root *to,
                   const char *to_path)
{
	const char *fname, *tname;
	int fdfd, tdfd;

	/* dir_fd() caches what it opens: the second call does not close the first one's */
	if ((fdfd = parent_fd(from, from_path, &fname)) < 0 ||
	    (tdfd = parent_fd(to, to_path, &tname)) < 0)
		return -1;
	if (renameat(fdfd, fname, tdfd, tname) < 0)
		return -1;
	cache_drop(from, from_path);
	cache_drop(to, to_path);
	return 0;
}

/* Remove name in dfd and what is under it; the first failure's errno in *first. */
static void remove_at(struct soak_fs_root *r, int dfd, const char *name, int depth, int *first)
{
	struct stat s;
	struct info in;
	char **names;
	size_t n;
	int fd;

	if (fstatat(dfd, name, &s, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT && !*first)
			*first = errno;
		return;
	}
	if (!S_ISDIR(s.st_mode)) {
		if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT && !*first)
			*first = errno;
		return;
	}
	if (depth > 4 * SOAK_FS_MAX_DEPTH) {
		if (!*first)
			*first = ELOOP;
		return;
	}
	if ((s.st_mode & 0700) != 0700)
		fchmodat(dfd, name, (s.st_mode & 07777) | 0700, 0);
	fd = openat(dfd, name, OPEN_DIR_FLAGS);
	if (fd >= 0 && (stat_at(fd, "", 1, &in) < 0 || !same_fs(r, &in))) {
		close(fd);
		if (!*first)
			*first = EXDEV;
		return;
	}
	if (fd < 0 || read_names(dup(fd), &names, &n) < 0) {
		if (!*first)
			*first = errno;
		if (fd >= 0)
			close(fd);
		return;
	}
	for (size_t i = 0; i < n; i++)
		remove_at(r, fd, names[i], depth + 1, first);
	soak_os_names_free(names, n);
	close(fd);
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && !*first)
		*first = errno;
}

int soak_fs_remove_tree(struct soak_fs_root *r, const char *path)
{
	const char *name;
	int first = 0, dfd = parent_fd(r, path, &name);

	if (dfd < 0)
		return errno == ENOENT ? 0 : -1;
	cache_drop(r, path);
	remove_at(r, dfd, name, 0, &first);
	if (first) {
		errno = first;
		return -1;
	}
	return 0;
}
