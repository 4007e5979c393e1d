#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cache_tar_int.h"
#include "exitcode.h"
#include "fs.h"
#include "os.h"
#include "str.h"
#include "banned.h"

void soak_cache_move_remove_stage(const char *path)
{
	/* the stage's name comes from soak_os_realpath: on Windows '\'-separated,
	 * possibly right below a drive root ("C:\.soak-cache-restore-x") */
	size_t len = strlen(path), rlen = soak_os_path_root_len(path), i = len;
	struct soak_err ignored = {0};
	struct soak_fs_root *root;
	char *dir;

	while (i > rlen && !soak_os_is_sep((unsigned char)path[i - 1]))
		i--;
	if (!i || i == len)
		return;
	dir = soak_strndup(path, i > rlen ? i - 1 : i);
	if (dir && soak_fs_root_open(dir, &root, &ignored) == 0) {
		soak_fs_remove_tree(root, path + i);
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

static int mover_open(struct mover *m, const struct soak_cache_anchor *an, struct soak_err *err)
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

int soak_cache_move_commit(struct soak_cache_anchor *anchors, size_t n, struct soak_err *err)
{
	struct mover m;
	int ret;

	for (size_t i = 0; i < n; i++) {
		struct soak_cache_anchor *an = &anchors[i];

		if (!an->stage)
			continue;
		ret = mover_open(&m, an, err);
		if (!ret)
			ret = soak_fs_walk_depth(m.stage, NEST_MAX, check_entry, &m, err);
		mover_close(&m);
		if (ret)
			return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct soak_cache_anchor *an = &anchors[i];

		if (!an->stage)
			continue;
		ret = mover_open(&m, an, err);
		if (!ret)
			ret = soak_fs_walk_depth(m.stage, NEST_MAX, merge_entry, &m, err);
		if (!ret)
			ret = mover_finish(&m, err);
		if (!ret) { /* what the moves left (emptied directories) goes before the
			     * times are set: removing it would change them. The stage's
			     * root is closed first: on Windows a directory still open
			     * is not removed (or only once the last handle goes). */
			soak_fs_root_close(m.stage);
			m.stage = NULL;
			soak_cache_move_remove_stage(an->stage);
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
