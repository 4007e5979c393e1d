/*
 * File trees, Windows implementation (fs.h). Windows has no *at() calls, so every
 * operation re-opens the directories from the root down, component by component,
 * with FILE_FLAG_OPEN_REPARSE_POINT (a link or junction is refused, ELOOP) and checks
 * each is a directory on the root's volume (EXDEV otherwise). Those handles are held,
 * shared for read and write but not for delete, until the operation ends: while a
 * directory is open without FILE_SHARE_DELETE nobody can rename, delete or replace it
 * (that needs DELETE access, which the sharing mode refuses), and a directory with an
 * open handle below it cannot be renamed either. So the full path built from the
 * root's final path and the verified components names the very directories that were
 * checked, and only the last component is opened by path, itself with
 * FILE_FLAG_OPEN_REPARSE_POINT. Directories are listed through their held handle
 * (FileIdBothDirectoryInfo), not by name.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "win32.h"

#include "fs.h"
#include "exitcode.h"
#include "banned.h"

#define SHARE_ALL (FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)
#define SHARE_HOLD (FILE_SHARE_READ | FILE_SHARE_WRITE)
#define DIR_ACCESS (FILE_LIST_DIRECTORY | FILE_READ_ATTRIBUTES | SYNCHRONIZE)
#define OPEN_FLAGS (FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT)
#define NAME_SURROGATE(tag) (((tag)&0x20000000u) != 0)
#ifndef IO_REPARSE_TAG_MOUNT_POINT
#define IO_REPARSE_TAG_MOUNT_POINT 0xA0000003L
#endif

/* FILE_RENAME_INFO with flags (Windows 10 1607). */
#define RENAME_INFO_EX 22
#define RENAME_REPLACE 0x1
#define RENAME_POSIX 0x2

struct rename_info {
	DWORD flags; /* FileRenameInfo: the BOOLEAN ReplaceIfExists in its first byte */
	HANDLE root;
	DWORD len; /* bytes */
	WCHAR name[1];
};

struct soak_fs_root {
	HANDLE h;   /* shared for delete: the root may be renamed between operations */
	char *path; /* as given, for messages */
	DWORD vol;
	unsigned tmp_seq;
};

/* The directories held from the root down to the one an operation works in. */
struct chain {
	HANDLE *h;
	size_t n;
	char *dir; /* full path of the last one */
};

static HANDLE open_full(const char *full, DWORD access, DWORD share, DWORD flags)
{
	wchar_t *w = soak_w32_long_path(full);
	HANDLE h;

	if (!w)
		return INVALID_HANDLE_VALUE;
	h = CreateFileW(w, access, share, NULL, OPEN_EXISTING, flags, NULL);
	if (h == INVALID_HANDLE_VALUE)
		soak_w32_fail();
	free(w);
	return h;
}

/* dir + "\" + rel[0..len) with '/' as '\'; malloc'ed. */
static char *join(const char *dir, const char *rel, size_t len)
{
	size_t dl = strlen(dir);
	char *s = malloc(dl + 1 + len + 1);

	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	memcpy(s, dir, dl);
	if (len) {
		s[dl++] = '\\';
		for (size_t i = 0; i < len; i++)
			s[dl++] = rel[i] == '/' ? '\\' : rel[i];
	}
	s[dl] = '\0';
	return s;
}

/* The final path of h (\\?\C:\x), UTF-8, without a trailing '\'. */
static char *final_path(HANDLE h)
{
	DWORD n = GetFinalPathNameByHandleW(h, NULL, 0, FILE_NAME_NORMALIZED | VOLUME_NAME_DOS),
	      got;
	wchar_t *w;
	char *s;
	size_t l;

	if (!n) {
		soak_w32_fail();
		return NULL;
	}
	if (!(w = malloc(((size_t)n + 1) * sizeof(*w)))) {
		errno = ENOMEM;
		return NULL;
	}
	got = GetFinalPathNameByHandleW(h, w, n + 1, FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
	if (!got || got > n) {
		if (!got)
			soak_w32_fail();
		else
			errno = ENAMETOOLONG;
		free(w);
		return NULL;
	}
	s = soak_w32_utf8(w, got);
	free(w);
	if (s && (l = strlen(s)) > 0 && s[l - 1] == '\\')
		s[l - 1] = '\0';
	return s;
}

/* 0 when h is a directory, not a reparse point, on the root's volume; -1 with errno. */
static int check_dir(const struct soak_fs_root *r, HANDLE h)
{
	BY_HANDLE_FILE_INFORMATION bi;

	if (!GetFileInformationByHandle(h, &bi))
		return soak_w32_fail();
	errno = (bi.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) ? ELOOP
	        : !(bi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)  ? ENOTDIR
	        : bi.dwVolumeSerialNumber != r->vol                  ? EXDEV
	                                                             : 0;
	return errno ? -1 : 0;
}

char *soak_fs_realpath(const char *path)
{
	return soak_os_realpath(path);
}

int soak_fs_root_open(const char *path, struct soak_fs_root **out, struct soak_err *err)
{
	BY_HANDLE_FILE_INFORMATION bi;
	struct soak_fs_root *r;
	size_t len = strlen(path);
	char *p;
	HANDLE h;
	int e;

	*out = NULL;
	if (!(p = strdup(path)))
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot open '%s'", path);
	/* "dir\" would name the directory a link points to; the name must not be a link */
	while (len > 1 && (p[len - 1] == '/' || p[len - 1] == '\\') && p[len - 2] != ':')
		p[--len] = '\0';
	h = open_full(p, DIR_ACCESS, SHARE_ALL, OPEN_FLAGS);
	if (h == INVALID_HANDLE_VALUE) {
		e = errno;
		free(p);
		return soak_err_errno(err, e == ENOENT ? SOAK_EXIT_INPUT : SOAK_EXIT_ENV, e,
		                      "cannot open '%s'", path);
	}
	if (!GetFileInformationByHandle(h, &bi)) {
		e = soak_w32_errno(GetLastError());
		CloseHandle(h);
		free(p);
		return soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot read '%s'", path);
	}
	if (bi.dwFileAttributes & (FILE_ATTRIBUTE_REPARSE_POINT)) {
		CloseHandle(h);
		free(p);
		return soak_err_set(err, SOAK_EXIT_USAGE,
		                    "'%s' is a symbolic link: give the directory itself", path);
	}
	if (!(bi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) {
		CloseHandle(h);
		free(p);
		return soak_err_set(err, SOAK_EXIT_USAGE, "'%s' is not a directory", path);
	}
	if (!(r = calloc(1, sizeof(*r)))) {
		CloseHandle(h);
		free(p);
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot open '%s'", path);
	}
	r->h = h;
	r->path = p;
	r->vol = bi.dwVolumeSerialNumber;
	*out = r;
	return 0;
}

void soak_fs_root_close(struct soak_fs_root *r)
{
	if (!r)
		return;
	CloseHandle(r->h);
	free(r->path);
	free(r);
}

static void chain_close(struct chain *c)
{
	for (size_t i = c->n; i > 0; i--)
		CloseHandle(c->h[i - 1]);
	free(c->h);
	free(c->dir);
	memset(c, 0, sizeof(*c));
}

static int invalid_name(const char *p, size_t cl)
{
	if (!cl || (p[0] == '.' && (cl == 1 || (cl == 2 && p[1] == '.'))))
		return 1;
	/* '\' would be a separator and ':' a stream name on Windows */
	for (size_t i = 0; i < cl; i++)
		if (p[i] == '\\' || p[i] == ':')
			return 1;
	return 0;
}

/*
 * Hold the root and the directories of path[0..len), each opened without following a
 * link and checked (see the top of the file). -1 with errno and err.
 */
static int chain_open(struct soak_fs_root *r, const char *path, size_t len, struct chain *c,
                      struct soak_err *err)
{
	const char *p = path, *end = path + len;
	size_t cap = 8;
	HANDLE h;

	memset(c, 0, sizeof(*c));
	if (!(c->h = malloc(cap * sizeof(*c->h)))) {
		errno = ENOMEM;
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot open '%s'", r->path);
	}
	/* a second handle on the root, not shared for delete: the root stays put meanwhile */
	h = ReOpenFile(r->h, DIR_ACCESS, SHARE_HOLD, FILE_FLAG_BACKUP_SEMANTICS);
	if (h == INVALID_HANDLE_VALUE) {
		int e = soak_w32_errno(GetLastError());
		chain_close(c);
		errno = e;
		return soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot open '%s'", r->path);
	}
	c->h[c->n++] = h;
	if (!(c->dir = final_path(h))) {
		int e = errno;
		chain_close(c);
		errno = e;
		return soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot open '%s'", r->path);
	}
	while (p < end) {
		const char *q = memchr(p, '/', (size_t)(end - p));
		size_t cl;
		char *next;
		int e;

		if (!q)
			q = end;
		cl = (size_t)(q - p);
		if (invalid_name(p, cl)) {
			chain_close(c);
			soak_err_set(err, SOAK_EXIT_ENV, "invalid path '%.*s'", (int)len, path);
			errno = EINVAL;
			return -1;
		}
		if (c->n == cap) {
			HANDLE *nh = realloc(c->h, 2 * cap * sizeof(*nh));
			if (!nh) {
				chain_close(c);
				errno = ENOMEM;
				return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM,
				                      "cannot open '%s'", path);
			}
			c->h = nh;
			cap *= 2;
		}
		next = join(c->dir, p, cl);
		h = next ? open_full(next, DIR_ACCESS, SHARE_HOLD, OPEN_FLAGS)
		         : INVALID_HANDLE_VALUE;
		if (h == INVALID_HANDLE_VALUE || check_dir(r, h) < 0) {
			e = errno;
			if (h != INVALID_HANDLE_VALUE)
				CloseHandle(h);
			free(next);
			chain_close(c);
			errno = e;
			if (e == EXDEV)
				soak_err_set(err, SOAK_EXIT_ENV,
				             "cannot open '%.*s': another file system",
				             (int)(q - path), path);
			else
				soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot open '%.*s'",
				               (int)(q - path), path);
			return -1;
		}
		c->h[c->n++] = h;
		free(c->dir);
		c->dir = next;
		p = q + 1;
	}
	return 0;
}

/* Hold the directory of path; *name is its last component. */
static int split(struct soak_fs_root *r, const char *path, const char **name, struct chain *c,
                 struct soak_err *err)
{
	const char *slash = strrchr(path, '/');

	*name = slash ? slash + 1 : path;
	if (invalid_name(*name, strlen(*name))) {
		memset(c, 0, sizeof(*c));
		soak_err_set(err, SOAK_EXIT_ENV, "invalid path '%s'", path);
		errno = EINVAL;
		return -1;
	}
	return chain_open(r, path, slash ? (size_t)(slash - path) : 0, c, err);
}

/* split() reporting through errno only; *full gets the full path of path. */
static int parent(struct soak_fs_root *r, const char *path, const char **name, struct chain *c,
                  char **full)
{
	struct soak_err ignored = {0};

	if (split(r, path, name, c, &ignored) < 0)
		return -1;
	if (!(*full = join(c->dir, *name, strlen(*name)))) {
		chain_close(c);
		return -1;
	}
	return 0;
}

/* ---- directory listing through a handle ---- */

struct ent {
	char *name;
	DWORD attrs, tag;
	uint64_t size;
	int64_t mtime_ns;
};

static int cmp_ent(const void *a, const void *b)
{
	return strcmp(((const struct ent *)a)->name, ((const struct ent *)b)->name);
}

static void ents_free(struct ent *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/* The entries of the directory open at h, sorted bytewise; -1 with errno. */
static int read_ents(HANDLE h, struct ent **out, size_t *count)
{
	FILE_INFO_BY_HANDLE_CLASS cls = FileIdBothDirectoryRestartInfo;
	size_t bufsz = 64 * 1024, n = 0, cap = 0;
	struct ent *v = NULL;
	unsigned char *buf = malloc(bufsz);
	int e = 0;

	*out = NULL;
	*count = 0;
	if (!buf) {
		errno = ENOMEM;
		return -1;
	}
	for (;;) {
		FILE_ID_BOTH_DIR_INFO *fi;
		size_t off = 0;

		if (!GetFileInformationByHandleEx(h, cls, buf, (DWORD)bufsz)) {
			DWORD le = GetLastError();
			if (le != ERROR_NO_MORE_FILES && le != ERROR_FILE_NOT_FOUND)
				e = soak_w32_errno(le);
			break;
		}
		cls = FileIdBothDirectoryInfo;
		do {
			const WCHAR *nm;
			size_t nl;

			fi = (FILE_ID_BOTH_DIR_INFO *)(buf + off);
			nm = fi->FileName;
			nl = fi->FileNameLength / sizeof(WCHAR);
			off += fi->NextEntryOffset;
			if ((nl == 1 && nm[0] == L'.') ||
			    (nl == 2 && nm[0] == L'.' && nm[1] == L'.'))
				continue;
			if (n == cap) {
				size_t nc = cap ? 2 * cap : 32;
				struct ent *t = realloc(v, nc * sizeof(*t));
				if (!t) {
					e = ENOMEM;
					goto done;
				}
				v = t;
				cap = nc;
			}
			if (!(v[n].name = soak_w32_utf8(nm, nl))) {
				e = errno;
				goto done;
			}
			v[n].attrs = fi->FileAttributes;
			v[n].tag =
			    (fi->FileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) ? fi->EaSize : 0;
			v[n].size = (uint64_t)fi->EndOfFile.QuadPart;
			v[n].mtime_ns = soak_w32_filetime_ns((const FILETIME *)&fi->LastWriteTime);
			n++;
		} while (fi->NextEntryOffset);
	}
done:
	free(buf);
	if (e) {
		ents_free(v, n);
		errno = e;
		return -1;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_ent);
	*out = v;
	*count = n;
	return 0;
}

/* A reparse point read as a link: name surrogates, and any whose tag is unknown. */
static int is_link(DWORD attrs, DWORD tag)
{
	if (!(attrs & FILE_ATTRIBUTE_REPARSE_POINT))
		return 0;
	/* a directory reparse point is never entered, whatever its tag */
	return !tag || NAME_SURROGATE(tag) || (attrs & FILE_ATTRIBUTE_DIRECTORY);
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
	const char *dir; /* full path of the directory being read */
};

static int path_set(struct walk *w, size_t plen, const char *name, size_t *len)
{
	size_t nl = strlen(name), need = plen + 1 + nl + 1;

	if (need > w->cap) {
		size_t cap = w->cap ? w->cap : 256;
		char *p;
		while (cap < need)
			cap *= 2;
		if (!(p = realloc(w->path, cap)))
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

static int emit(struct walk *w, enum soak_fs_type type, const struct ent *in, unsigned mode,
                const char *skip)
{
	struct soak_fs_entry e;

	e.path = w->path;
	e.type = type;
	e.size = in && type != SOAK_FS_DIR ? in->size : 0;
	e.mtime_ns = in ? in->mtime_ns : 0;
	e.mtime_ms =
	    in ? (e.mtime_ns >= 0 ? e.mtime_ns / 1000000 : -((-e.mtime_ns + 999999) / 1000000)) : 0;
	e.skip = skip;
	e.mode = in ? mode : 0;
	e.walk = w;
	return w->fn(w->ctx, &e, w->err);
}

/* 1 when h is a directory of the root's volume (check_dir) and the file id is that of was. */
static int same_dir(const struct soak_fs_root *r, HANDLE h, const BY_HANDLE_FILE_INFORMATION *was)
{
	BY_HANDLE_FILE_INFORMATION bi;

	return check_dir(r, h) == 0 && GetFileInformationByHandle(h, &bi) &&
	       bi.dwVolumeSerialNumber == was->dwVolumeSerialNumber &&
	       bi.nFileIndexHigh == was->nFileIndexHigh && bi.nFileIndexLow == was->nFileIndexLow;
}

/* 1 when the junction at full is a volume mount point (another file system). */
static int is_mount(const char *full, DWORD tag)
{
	char *t;
	int m;

	if (tag != IO_REPARSE_TAG_MOUNT_POINT || !(t = soak_os_readlink(full)))
		return 0;
	m = !strncmp(t, "Volume{", 7);
	free(t);
	return m;
}

static int walk_dir(struct walk *w, HANDLE dh, size_t plen, int depth)
{
	const char *parent_dir = w->dir;
	struct ent *v;
	size_t n;
	int ret = -1;

	if (read_ents(dh, &v, &n) < 0) {
		int e = errno;
		w->path[plen] = '\0';
		if (!plen)
			return soak_err_errno(w->err, SOAK_EXIT_ENV, e, "cannot read '%s'",
			                      w->r->path);
		return emit(w, SOAK_FS_SKIP, NULL, 0, strerror(e));
	}
	for (size_t i = 0; i < n; i++) {
		struct ent *in = &v[i];
		BY_HANDLE_FILE_INFORMATION id;
		char *full;
		size_t len;
		HANDLE ch;
		int rc;

		if (path_set(w, plen, in->name, &len) < 0 ||
		    !(full = join(parent_dir, in->name, strlen(in->name)))) {
			soak_err_errno(w->err, SOAK_EXIT_ENV, ENOMEM, "cannot read '%s'",
			               w->r->path);
			goto out;
		}
		if (is_link(in->attrs, in->tag)) {
			struct soak_os_stat st;

			if ((in->attrs & FILE_ATTRIBUTE_DIRECTORY) && is_mount(full, in->tag))
				rc = emit(w, SOAK_FS_SKIP, in, 0755, "another file system");
			else {
				in->size = soak_os_lstat(full, &st) == 0 ? st.size : 0;
				rc = emit(w, SOAK_FS_LINK, in, 0777, NULL);
			}
			free(full);
			if (rc < 0)
				goto out;
			continue;
		}
		if (!(in->attrs & FILE_ATTRIBUTE_DIRECTORY)) {
			free(full);
			if (emit(w, SOAK_FS_FILE, in,
			         (in->attrs & FILE_ATTRIBUTE_READONLY) ? 0444 : 0644, NULL) < 0)
				goto out;
			continue;
		}
		if (depth + 1 > w->max_depth) {
			free(full);
			if (emit(w, SOAK_FS_SKIP, in, 0755, "too deep") < 0)
				goto out;
			continue;
		}
		ch = open_full(full, DIR_ACCESS, SHARE_HOLD, OPEN_FLAGS);
		if (ch == INVALID_HANDLE_VALUE) {
			int e = errno;
			free(full);
			if (e == ENOENT)
				continue;
			if (emit(w, SOAK_FS_SKIP, in, 0755, strerror(e)) < 0)
				goto out;
			continue;
		}
		if (check_dir(w->r, ch) < 0 || !GetFileInformationByHandle(ch, &id)) {
			int e = errno;
			CloseHandle(ch);
			free(full);
			if (emit(w, SOAK_FS_SKIP, in, 0755,
			         e == EXDEV ? "another file system" : "changed during the walk") <
			    0)
				goto out;
			continue;
		}
		/*
		 * Not held during the callback: it may rename or remove the directory (the
		 * cache moves a staged tree into place), which our handle, not shared for
		 * delete, would refuse (a sharing violation, EBUSY). To go on into it, it is
		 * opened again the same way (FILE_FLAG_OPEN_REPARSE_POINT, check_dir) and
		 * must be the very directory checked above (volume and file index): a link
		 * or another directory put there meanwhile is never entered.
		 */
		CloseHandle(ch);
		rc = emit(w, SOAK_FS_DIR, in, 0755, NULL);
		if (rc == 0) {
			ch = open_full(full, DIR_ACCESS, SHARE_HOLD, OPEN_FLAGS);
			if (ch == INVALID_HANDLE_VALUE || !same_dir(w->r, ch, &id)) {
				if (ch != INVALID_HANDLE_VALUE)
					CloseHandle(ch);
				free(full);
				if (emit(w, SOAK_FS_SKIP, in, 0755, "changed during the walk") < 0)
					goto out;
				continue;
			}
			w->dir = full;
			rc = walk_dir(w, ch, len, depth + 1);
			w->dir = parent_dir;
			CloseHandle(ch);
		}
		free(full);
		if (rc < 0)
			goto out;
	}
	ret = 0;
out:
	ents_free(v, n);
	return ret;
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
	struct walk w = {r, fn, ctx, err, NULL, 0, max_depth, NULL};
	struct chain c;
	int ret;

	if (chain_open(r, "", 0, &c, err) < 0)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot read '%s'", r->path);
	if (!(w.path = malloc(256))) {
		chain_close(&c);
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot read '%s'", r->path);
	}
	w.cap = 256;
	w.path[0] = '\0';
	w.dir = c.dir;
	ret = walk_dir(&w, c.h[0], 0, 0);
	free(w.path);
	chain_close(&c);
	return ret;
}

/*
 * The parallel walk on Windows: one thread. The listing carries sizes and times
 * already (no call per entry), so decide and report run here in turn.
 */
struct pwalk_seq {
	const struct soak_fs_pwalk *pw;
	unsigned char *slot;
};

static int pwalk_seq_entry(void *ctx, const struct soak_fs_entry *e, struct soak_err *err)
{
	struct pwalk_seq *s = ctx;
	int entry = e->type == SOAK_FS_FILE || e->type == SOAK_FS_LINK || e->type == SOAK_FS_OTHER;

	if (entry) {
		memset(s->slot, 0, s->pw->slot_size);
		s->pw->decide(s->pw->ctx, e, s->slot);
	}
	return s->pw->report(s->pw->ctx, e, entry ? s->slot : NULL, err) < 0 ? -1 : 0;
}

int soak_fs_walk_parallel(struct soak_fs_root *r, const struct soak_fs_pwalk *pw,
                          struct soak_err *err)
{
	struct pwalk_seq s = {pw, malloc(pw->slot_size ? pw->slot_size : 1)};
	int ret;

	if (!s.slot)
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot read '%s'", r->path);
	ret = soak_fs_walk(r, pwalk_seq_entry, &s, err);
	free(s.slot);
	return ret;
}

/* ---- changes ---- */

int soak_fs_remove(struct soak_fs_root *r, const char *path, struct soak_err *err)
{
	const char *name;
	struct chain c;
	char *full;
	int rc;

	if (split(r, path, &name, &c, err) < 0)
		return -1;
	full = join(c.dir, name, strlen(name));
	rc = full ? soak_os_unlink(full) : -1;
	free(full);
	chain_close(&c);
	if (rc < 0)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot remove '%s'", path);
	return 0;
}

int soak_fs_entry_remove(const struct soak_fs_entry *e, struct soak_err *err)
{
	const struct walk *w = e->walk;

	/* handles are opened by full path here: the checked way from the root */
	return soak_fs_remove(w->r, e->path, err);
}

int soak_fs_exists(struct soak_fs_root *r, const char *path)
{
	struct soak_os_stat st;
	const char *name;
	struct chain c;
	char *full;
	int rc;

	if (parent(r, path, &name, &c, &full) < 0)
		return 0;
	rc = soak_os_lstat(full, &st) == 0;
	free(full);
	chain_close(&c);
	return rc;
}

/* Open the regular file at path for reading; c holds its directory, *full its path. */
static int open_regular(struct soak_fs_root *r, const char *path, struct chain *c, char **full,
                        struct soak_os_stat *st, struct soak_err *err)
{
	const char *name;
	int fd;

	if (split(r, path, &name, c, err) < 0)
		return -1;
	if (!(*full = join(c->dir, name, strlen(name)))) {
		chain_close(c);
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot open '%s'", path);
	}
	fd = soak_os_open(*full, SOAK_O_RDONLY | SOAK_O_NOFOLLOW, 0);
	if (fd < 0 || soak_os_fstat(fd, st) < 0) {
		int e = errno;
		if (fd >= 0)
			soak_os_close(fd);
		free(*full);
		chain_close(c);
		return soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot open '%s'", path);
	}
	if (st->type != SOAK_OS_FILE) {
		soak_os_close(fd);
		free(*full);
		chain_close(c);
		return soak_err_set(err, SOAK_EXIT_ENV, "'%s' is not a regular file", path);
	}
	return fd;
}

int soak_fs_measure(struct soak_fs_root *r, const char *path, soak_fs_filter filter, void *ctx,
                    uint64_t *out_bytes, struct soak_err *err)
{
	struct soak_os_stat st;
	struct chain c;
	char *full;
	int fd = open_regular(r, path, &c, &full, &st, err), ret;

	if (fd < 0)
		return -1;
	ret = filter(ctx, fd, -1, out_bytes, err);
	soak_os_close(fd);
	free(full);
	chain_close(&c);
	if (ret < 0)
		soak_err_prefix(err, "'%s'", path);
	return ret;
}

/* Rename from to to (full paths), never over an existing file. */
static int rename_noreplace(const char *from, const char *to)
{
	wchar_t *wf = soak_w32_long_path(from), *wt = wf ? soak_w32_long_path(to) : NULL;
	BOOL ok;

	if (!wt) {
		free(wf);
		return -1;
	}
	ok = MoveFileExW(wf, wt, MOVEFILE_WRITE_THROUGH);
	free(wf);
	free(wt);
	return ok ? 0 : soak_w32_fail();
}

int soak_fs_rewrite(struct soak_fs_root *r, const char *path, const char *new_path,
                    soak_fs_filter filter, void *ctx, uint64_t *new_size, struct soak_err *err)
{
	const char *new_name = strrchr(new_path, '/');
	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) : 0;
	char tmp[64], *full, *tfull = NULL, *nfull = NULL;
	struct soak_os_stat st, ost;
	uint64_t bytes = 0;
	struct chain c;
	int in, out = -1, e;

	new_name = new_name ? new_name + 1 : new_path;
	if ((size_t)(new_name - new_path) != (slash ? dlen + 1 : 0) ||
	    (dlen && memcmp(path, new_path, dlen)) || invalid_name(new_name, strlen(new_name)))
		return soak_err_set(err, SOAK_EXIT_ENV, "'%s' and '%s' are not in one directory",
		                    path, new_path);
	in = open_regular(r, path, &c, &full, &st, err);
	if (in < 0)
		return -1;
	if (!(nfull = join(c.dir, new_name, strlen(new_name)))) {
		e = ENOMEM;
		goto tmp_fail;
	}
	for (int tries = 0; out < 0 && tries < 100; tries++) {
		snprintf(tmp, sizeof(tmp), ".soak-clean-%ld-%u.tmp", soak_os_getpid(),
		         r->tmp_seq++);
		free(tfull);
		if (!(tfull = join(c.dir, tmp, strlen(tmp)))) {
			errno = ENOMEM;
			break;
		}
		out = soak_os_open(
		    tfull, SOAK_O_WRONLY | SOAK_O_CREAT | SOAK_O_EXCL | SOAK_O_NOFOLLOW, 0600);
		if (out < 0 && errno != EEXIST)
			break;
	}
	if (out < 0) {
		e = errno;
		goto tmp_fail;
	}
	if (filter(ctx, in, out, &bytes, err) < 0) {
		soak_err_prefix(err, "'%s'", path);
		goto fail;
	}
	/* the mode last: a read-only attribute set first would refuse the times */
	if (soak_os_futimes(out, st.atime_ns, st.mtime_ns) < 0 || soak_os_fsync(out) < 0 ||
	    soak_os_fstat(out, &ost) < 0 || soak_os_fchmod(out, st.mode) < 0) {
		soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot write '%s'", new_path);
		goto fail;
	}
	e = soak_os_close(out);
	out = -1;
	if (e < 0) {
		soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot write '%s'", new_path);
		goto fail;
	}
	if (rename_noreplace(tfull, nfull) < 0) {
		soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot rename to '%s'", new_path);
		goto fail;
	}
	soak_os_close(in);
	if (soak_os_unlink(full) < 0) {
		/* the original stays: take the new copy back, as if never made */
		e = errno;
		soak_os_unlink(nfull);
		soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot remove '%s' after writing '%s'", path,
		               new_path);
		free(full);
		free(tfull);
		free(nfull);
		chain_close(&c);
		return -1;
	}
	free(full);
	free(tfull);
	free(nfull);
	chain_close(&c);
	*new_size = ost.size;
	return 0;
tmp_fail:
	soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot create a temporary file for '%s'", new_path);
	soak_os_close(in);
	free(full);
	free(tfull);
	free(nfull);
	chain_close(&c);
	return -1;
fail:
	if (out >= 0)
		soak_os_close(out);
	soak_os_unlink(tfull);
	soak_os_close(in);
	free(full);
	free(tfull);
	free(nfull);
	chain_close(&c);
	return -1;
}

/* ---- changes for extraction ---- */

/* Open the last component of path with OPEN_REPARSE_POINT; c holds its directory. */
static HANDLE open_last(struct soak_fs_root *r, const char *path, struct chain *c, DWORD access,
                        DWORD share)
{
	const char *name;
	char *full;
	HANDLE h;

	if (!*path) {
		if (chain_open(r, "", 0, c, &(struct soak_err){0}) < 0)
			return INVALID_HANDLE_VALUE;
		h = ReOpenFile(r->h, access, share, FILE_FLAG_BACKUP_SEMANTICS);
		if (h == INVALID_HANDLE_VALUE) {
			int e = soak_w32_errno(GetLastError());
			chain_close(c);
			errno = e;
		}
		return h;
	}
	if (parent(r, path, &name, c, &full) < 0)
		return INVALID_HANDLE_VALUE;
	h = open_full(full, access, share, OPEN_FLAGS);
	free(full);
	if (h == INVALID_HANDLE_VALUE) {
		int e = errno;
		chain_close(c);
		errno = e;
	}
	return h;
}

static int info(HANDLE h, BY_HANDLE_FILE_INFORMATION *bi, DWORD *tag)
{
	FILE_ATTRIBUTE_TAG_INFO ti;

	if (!GetFileInformationByHandle(h, bi))
		return soak_w32_fail();
	*tag = 0;
	if (bi->dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)
		*tag = GetFileInformationByHandleEx(h, FileAttributeTagInfo, &ti, sizeof(ti))
		           ? ti.ReparseTag
		           : 0;
	return 0;
}

int soak_fs_stat(struct soak_fs_root *r, const char *path, struct soak_os_stat *st)
{
	BY_HANDLE_FILE_INFORMATION bi;
	const char *name;
	struct chain c;
	char *full;
	int rc;

	if (*path) {
		if (parent(r, path, &name, &c, &full) < 0)
			return -1;
		rc = soak_os_lstat(full, st);
		free(full);
		chain_close(&c);
		return rc;
	}
	if (!GetFileInformationByHandle(r->h, &bi))
		return soak_w32_fail();
	memset(st, 0, sizeof(*st));
	st->type = SOAK_OS_DIR;
	st->mode = 0755;
	st->mtime_ns = soak_w32_filetime_ns(&bi.ftLastWriteTime);
	st->atime_ns = soak_w32_filetime_ns(&bi.ftLastAccessTime);
	st->dev = bi.dwVolumeSerialNumber;
	st->ino = ((uint64_t)bi.nFileIndexHigh << 32) | bi.nFileIndexLow;
	st->nlink = bi.nNumberOfLinks;
	return 0;
}

int soak_fs_list(struct soak_fs_root *r, const char *path, char ***names, size_t *n)
{
	struct soak_err ignored = {0};
	struct chain c;
	struct ent *v;
	size_t cnt;
	char **out;

	*names = NULL;
	*n = 0;
	/* chain_open checks every component, the last one too */
	if (chain_open(r, path, strlen(path), &c, &ignored) < 0)
		return -1;
	if (read_ents(c.h[c.n - 1], &v, &cnt) < 0) {
		int e = errno;
		chain_close(&c);
		errno = e;
		return -1;
	}
	chain_close(&c);
	if (!(out = malloc((cnt ? cnt : 1) * sizeof(*out)))) {
		ents_free(v, cnt);
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < cnt; i++)
		out[i] = v[i].name;
	free(v);
	*names = out;
	*n = cnt;
	return 0;
}

/* The read-only attribute from the owner-write bit; a directory's is left alone. */
static int set_readonly(HANDLE h, unsigned mode)
{
	FILE_BASIC_INFO b;
	DWORD a;

	if (!GetFileInformationByHandleEx(h, FileBasicInfo, &b, sizeof(b)))
		return soak_w32_fail();
	a = b.FileAttributes;
	if (a & FILE_ATTRIBUTE_DIRECTORY)
		return 0;
	if (mode & 0200)
		a &= ~(DWORD)FILE_ATTRIBUTE_READONLY;
	else
		a |= FILE_ATTRIBUTE_READONLY;
	if (a == b.FileAttributes)
		return 0;
	memset(&b, 0, sizeof(b));
	b.FileAttributes = a ? a : FILE_ATTRIBUTE_NORMAL;
	return SetFileInformationByHandle(h, FileBasicInfo, &b, sizeof(b)) ? 0 : soak_w32_fail();
}

int soak_fs_chmod(struct soak_fs_root *r, const char *path, unsigned mode)
{
	BY_HANDLE_FILE_INFORMATION bi;
	struct chain c;
	DWORD tag;
	HANDLE h = open_last(r, path, &c, FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES, SHARE_ALL);
	int rc;

	if (h == INVALID_HANDLE_VALUE)
		return -1;
	if (info(h, &bi, &tag) < 0) {
		rc = -1;
	} else if (bi.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) {
		errno = ELOOP;
		rc = -1;
	} else {
		rc = set_readonly(h, mode);
	}
	CloseHandle(h);
	chain_close(&c);
	return rc;
}

int soak_fs_set_mtime(struct soak_fs_root *r, const char *path, int64_t mtime_ns)
{
	FILETIME m = soak_w32_ns_filetime(mtime_ns);
	struct chain c;
	HANDLE h = open_last(r, path, &c, FILE_WRITE_ATTRIBUTES, SHARE_ALL);
	int rc;

	if (h == INVALID_HANDLE_VALUE)
		return -1;
	rc = SetFileTime(h, NULL, NULL, &m) ? 0 : soak_w32_fail();
	CloseHandle(h);
	chain_close(&c);
	return rc;
}

#define DEL_ACCESS (DELETE | DIR_ACCESS | FILE_WRITE_ATTRIBUTES)

int soak_fs_rmdir(struct soak_fs_root *r, const char *path)
{
	BY_HANDLE_FILE_INFORMATION bi;
	struct chain c;
	DWORD tag;
	HANDLE h;
	int rc;

	if (!*path) {
		errno = EINVAL;
		return -1;
	}
	h = open_last(r, path, &c, DEL_ACCESS, SHARE_HOLD);
	if (h == INVALID_HANDLE_VALUE)
		return -1;
	if (info(h, &bi, &tag) < 0) {
		rc = -1;
	} else if ((bi.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) ||
	           !(bi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) {
		errno = ENOTDIR; /* rmdir(2) of a link or a file */
		rc = -1;
	} else {
		rc = soak_w32_delete_handle(h);
	}
	CloseHandle(h);
	chain_close(&c);
	return rc;
}

/* The entries of the directory at the handle h: 1 when there are none, 0, -1. */
static int dir_empty(HANDLE h)
{
	struct ent *v;
	size_t n;

	if (read_ents(h, &v, &n) < 0)
		return -1;
	ents_free(v, n);
	return n == 0;
}

/* FILE_INFORMATION_CLASS values of FileRenameInformation(Ex). */
#define NT_RENAME 10
#define NT_RENAME_EX 65

struct io_status {
	union {
		LONG status;
		void *pointer;
	} u;
	ULONG_PTR info;
};
typedef LONG(NTAPI *set_info_fn)(HANDLE, struct io_status *, void *, ULONG, int);
typedef ULONG(NTAPI *status_fn)(LONG);

/* NtSetInformationFile from ntdll; FALSE with the Win32 error set. */
static BOOL nt_set_info(HANDLE h, void *buf, DWORD sz, int cls)
{
	HMODULE nt = GetModuleHandleW(L"ntdll.dll");
	set_info_fn set =
	    nt ? (set_info_fn)(void (*)(void))GetProcAddress(nt, "NtSetInformationFile") : NULL;
	status_fn conv =
	    nt ? (status_fn)(void (*)(void))GetProcAddress(nt, "RtlNtStatusToDosError") : NULL;
	struct io_status io;
	LONG st;

	if (!set || !conv) {
		SetLastError(ERROR_CALL_NOT_IMPLEMENTED);
		return FALSE;
	}
	st = set(h, &io, buf, sz, cls);
	if (st >= 0)
		return TRUE;
	SetLastError(conv(st));
	return FALSE;
}

static int rename_handle(HANDLE h, HANDLE dir, const char *name, int replace)
{
	wchar_t *w = soak_w32_utf16(name, (size_t)-1);
	struct rename_info *ri;
	size_t len;
	DWORD sz;
	BOOL ok;

	if (!w)
		return -1;
	len = wcslen(w);
	sz = (DWORD)(sizeof(*ri) + len * sizeof(WCHAR));
	if (!(ri = calloc(1, sz))) {
		free(w);
		errno = ENOMEM;
		return -1;
	}
	ri->root = dir;
	ri->len = (DWORD)(len * sizeof(WCHAR));
	memcpy(ri->name, w, (len + 1) * sizeof(WCHAR));
	free(w);
	/*
	 * NtSetInformationFile with RootDirectory, the held target directory, and a bare
	 * name: the exact renameat(). (kernelbase's SetFileInformationByHandle rewrites
	 * the name as a DOS path, which a relative name with a root is not.)
	 */
	ri->flags = (replace ? RENAME_REPLACE : 0) | RENAME_POSIX;
	ok = nt_set_info(h, ri, sz, NT_RENAME_EX);
	if (!ok && GetLastError() != ERROR_ALREADY_EXISTS &&
	    GetLastError() != ERROR_NOT_SAME_DEVICE && GetLastError() != ERROR_ACCESS_DENIED &&
	    GetLastError() != ERROR_FILE_NOT_FOUND && GetLastError() != ERROR_PATH_NOT_FOUND) {
		ri->flags = replace ? 1 : 0;
		ok = nt_set_info(h, ri, sz, NT_RENAME);
	}
	free(ri);
	return ok ? 0 : soak_w32_fail();
}

int soak_fs_rename(struct soak_fs_root *from, const char *from_path, struct soak_fs_root *to,
                   const char *to_path)
{
	BY_HANDLE_FILE_INFORMATION bi, tbi;
	const char *tname;
	struct chain fc, tc;
	struct soak_err ignored = {0};
	DWORD tag, ttag;
	char *tfull = NULL;
	HANDLE h, t = INVALID_HANDLE_VALUE;
	int rc = -1, src_dir;

	/* the source itself is held (a link as a link) and renamed through its handle */
	h = open_last(from, from_path, &fc, DELETE | FILE_READ_ATTRIBUTES | SYNCHRONIZE, SHARE_ALL);
	if (h == INVALID_HANDLE_VALUE)
		return -1;
	if (!*from_path || !*to_path) {
		errno = EINVAL;
		goto out_h;
	}
	if (info(h, &bi, &tag) < 0)
		goto out_h;
	src_dir = (bi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) &&
	          !(bi.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT);
	if (split(to, to_path, &tname, &tc, &ignored) < 0)
		goto out_h;
	if (!(tfull = join(tc.dir, tname, strlen(tname))))
		goto out;
	t = open_full(tfull, DEL_ACCESS, SHARE_HOLD, OPEN_FLAGS);
	if (t != INVALID_HANDLE_VALUE) {
		int tdir;

		if (info(t, &tbi, &ttag) < 0)
			goto out;
		if (tbi.dwVolumeSerialNumber == bi.dwVolumeSerialNumber &&
		    tbi.nFileIndexHigh == bi.nFileIndexHigh &&
		    tbi.nFileIndexLow == bi.nFileIndexLow) {
			rc = 0; /* the same file: rename(2) does nothing */
			goto out;
		}
		tdir = (tbi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) &&
		       !(tbi.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT);
		if (src_dir != tdir) {
			errno = src_dir ? ENOTDIR : EISDIR;
			goto out;
		}
		if (tdir) {
			/* Windows never replaces a directory: remove the empty one first */
			int empty = dir_empty(t);
			if (empty <= 0) {
				if (!empty)
					errno = ENOTEMPTY;
				goto out;
			}
			if (soak_w32_delete_handle(t) < 0)
				goto out;
		}
		CloseHandle(t);
		t = INVALID_HANDLE_VALUE;
	} else if (errno != ENOENT) {
		goto out;
	}
	rc = rename_handle(h, tc.h[tc.n - 1], tname, 1);
out:
	if (t != INVALID_HANDLE_VALUE)
		CloseHandle(t);
	free(tfull);
	chain_close(&tc);
out_h:
	CloseHandle(h);
	chain_close(&fc);
	return rc;
}

/* Remove name in the held directory dir (full path) and what is under it. */
static void remove_at(struct soak_fs_root *r, const char *dir, const char *name, int depth,
                      int *first)
{
	BY_HANDLE_FILE_INFORMATION bi;
	struct ent *v;
	size_t n;
	DWORD tag;
	char *full = join(dir, name, strlen(name));
	HANDLE h;

	if (!full) {
		if (!*first)
			*first = ENOMEM;
		return;
	}
	h = open_full(full, DEL_ACCESS, SHARE_HOLD, OPEN_FLAGS);
	if (h == INVALID_HANDLE_VALUE) {
		/* not a directory (no FILE_LIST_DIRECTORY on files is no issue: the same bit
		 * reads a file), or in use: remove it as a non-directory */
		if (errno != ENOENT && soak_os_unlink(full) < 0 && errno != ENOENT && !*first)
			*first = errno;
		free(full);
		return;
	}
	if (info(h, &bi, &tag) < 0) {
		if (!*first)
			*first = errno;
		goto done;
	}
	if (!(bi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) ||
	    (bi.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)) {
		/* a file, or a link of any kind: the name itself goes, never a target */
		if (soak_w32_delete_handle(h) < 0 && !*first)
			*first = errno;
		goto done;
	}
	if (bi.dwVolumeSerialNumber != r->vol) {
		if (!*first)
			*first = EXDEV;
		goto done;
	}
	if (depth > 4 * SOAK_FS_MAX_DEPTH) {
		if (!*first)
			*first = ELOOP;
		goto done;
	}
	if (read_ents(h, &v, &n) < 0) {
		if (!*first)
			*first = errno;
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		remove_at(r, full, v[i].name, depth + 1, first);
	ents_free(v, n);
	if (soak_w32_delete_handle(h) < 0 && errno != ENOENT && !*first)
		*first = errno;
done:
	CloseHandle(h);
	free(full);
}

int soak_fs_remove_tree(struct soak_fs_root *r, const char *path)
{
	struct soak_err ignored = {0};
	const char *name;
	struct chain c;
	int first = 0;

	if (split(r, path, &name, &c, &ignored) < 0)
		return errno == ENOENT ? 0 : -1;
	remove_at(r, c.dir, name, 0, &first);
	chain_close(&c);
	if (first) {
		errno = first;
		return -1;
	}
	return 0;
}
