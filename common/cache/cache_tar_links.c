#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <archive.h>
#include <archive_entry.h>

#include "cache_tar_int.h"
#include "exitcode.h"
#include "os.h"
#include "banned.h"

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
#define LINKS_MAX (256ull * 1024 * 1024) /* bytes of pending links */
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

struct soak_cache_links {
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
static size_t links_slot(const struct soak_cache_links *l, const char *path, size_t len, uint64_t h)
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
static struct pending *links_get(struct soak_cache_links *l, const char *path, size_t len,
                                 uint64_t h)
{
	size_t i;

	if (!l || !l->n)
		return NULL;
	i = links_slot(l, path, len, h);
	if (!l->slot[i] || l->v[l->slot[i] - 1].dropped)
		return NULL;
	return &l->v[l->slot[i] - 1];
}

int soak_cache_links_above(struct soak_cache_links *l, const char *path)
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

int soak_cache_links_has(struct soak_cache_links *l, const char *path)
{
	size_t n = strlen(path);

	return links_get(l, path, n, fnv(path, n)) != NULL;
}

void soak_cache_links_drop(struct soak_cache_links *l, const char *path)
{
	size_t n = strlen(path);
	struct pending *pl = links_get(l, path, n, fnv(path, n));

	if (pl)
		pl->dropped = 1;
}

static int links_grow(struct soak_cache_links *l)
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
int soak_cache_links_add(struct soak_cache_links **lp, struct archive_entry *ae, const char *staged,
                         const char *name, struct soak_err *err)
{
	const char *target = archive_entry_symlink_utf8(ae);
	size_t sn = strlen(staged), nn = strlen(name), tn = target ? strlen(target) : 0, i;
	struct soak_cache_links *l = *lp;
	struct pending *pl;
	uint64_t h = fnv(staged, sn);

	if (!target)
		return soak_err_set(err, SOAK_EXIT_INPUT,
		                    "'%s' is a link without a readable target", name);
	if (!l && !(l = *lp = calloc(1, sizeof(*l))))
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

void soak_cache_links_free(struct soak_cache_links *l)
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
int soak_cache_links_make(struct soak_cache_links *l, struct soak_err *err)
{
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
			soak_cache_tar_refuse(
			    err, "is a symbolic link where the archive has a directory", pl->name);
			goto out;
		}
		archive_entry_clear(e);
		if (soak_archive_entry_set_path(e, pl->staged, 0)) {
			soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
			goto out;
		}
		archive_entry_set_filetype(e, AE_IFLNK);
		archive_entry_set_perm(e, pl->perm);
		archive_entry_set_symlink_utf8(e, pl->target);
		if (pl->has_mtime)
			archive_entry_set_mtime(e, pl->mtime, pl->mtime_ns);
		if (pl->has_atime)
			archive_entry_set_atime(e, pl->atime, pl->atime_ns);
		if (archive_write_header(disk, e) < ARCHIVE_OK ||
		    archive_write_finish_entry(disk) < ARCHIVE_OK) {
			soak_cache_tar_disk_fail(disk, pl->name, err);
			goto out;
		}
	}
	if (archive_write_close(disk) != ARCHIVE_OK) {
		soak_cache_tar_disk_fail(disk, "(links)", err);
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
