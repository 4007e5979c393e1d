#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonl.h"
#include "exitcode.h"
#include "msg.h"
#include "os.h"
#include "banned.h"

int soak_jsonl_open(struct soak_jsonl_writer *w, const char *path, struct soak_err *err)
{
	w->fd = -1;
	w->path = strdup(path);
	if (!w->path)
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot open '%s'", path);
	w->fd = soak_os_open(path, SOAK_O_WRONLY | SOAK_O_CREAT | SOAK_O_APPEND, 0666);
	if (w->fd < 0) {
		int e = errno;
		free(w->path);
		w->path = NULL;
		return soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot open '%s'", path);
	}
	return 0;
}

/*
 * Take back the head of a line that could not be written whole (disk full), so the
 * file never holds a partial line that the next append would run into. end is the
 * file offset after that head; nothing is cut when someone appended since.
 */
static void unwrite(int fd, int64_t end, size_t n)
{
	struct soak_os_stat st;

	if (end >= (int64_t)n && soak_os_fstat(fd, &st) == 0 && st.size == (uint64_t)end)
		(void)!soak_os_ftruncate(fd, (uint64_t)end - n);
}

/* data ends in '\n'; one write(2) unless the kernel takes less (disk nearly full). */
static int write_line(struct soak_jsonl_writer *w, const char *data, size_t len,
                      struct soak_err *err)
{
	size_t done = 0;
	int64_t end = -1;

	while (done < len) {
		ptrdiff_t n = soak_os_write(w->fd, data + done, len - done);
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;

			if (done && end >= 0)
				unwrite(w->fd, end, done);
			return soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot write '%s'", w->path);
		}
		done += (size_t)n;
		if (done < len)
			end = soak_os_seek(w->fd, 0, 1);
	}
	return 0;
}

int soak_jsonl_append_raw(struct soak_jsonl_writer *w, const char *line, size_t n,
                          struct soak_err *err)
{
	char stackbuf[4096], *p = stackbuf;
	int ret;

	if (w->fd < 0)
		return soak_err_errno(err, SOAK_EXIT_ENV, EBADF, "cannot write '%s'",
		                      w->path ? w->path : "(closed)");
	if (memchr(line, '\n', n))
		return soak_err_set(err, SOAK_EXIT_INPUT,
		                    "cannot append to '%s': the record contains a newline",
		                    w->path);
	if (n >= sizeof(stackbuf)) {
		p = malloc(n + 1);
		if (!p)
			return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot write '%s'",
			                      w->path);
	}
	memcpy(p, line, n);
	p[n] = '\n';
	ret = write_line(w, p, n + 1, err);
	if (p != stackbuf)
		free(p);
	return ret;
}

int soak_jsonl_append(struct soak_jsonl_writer *w, const cJSON *obj, struct soak_err *err)
{
	char *s = cJSON_PrintUnformatted(obj);
	int ret;

	if (!s)
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot write '%s'",
		                      w->path ? w->path : "(closed)");
	ret = soak_jsonl_append_raw(w, s, strlen(s), err);
	cJSON_free(s);
	return ret;
}

void soak_jsonl_close(struct soak_jsonl_writer *w)
{
	if (w->fd >= 0)
		soak_os_close(w->fd);
	w->fd = -1;
	free(w->path);
	w->path = NULL;
}

int soak_jsonl_repair(const char *path, size_t *cut, struct soak_err *err)
{
	char chunk[65536];
	struct soak_os_stat st;
	uint64_t end, keep = 0;
	int fd;

	*cut = 0;
	fd = soak_os_open(path, SOAK_O_RDWR, 0);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot open '%s'", path);
	}
	if (soak_os_fstat(fd, &st) < 0) {
		int e = errno;
		soak_os_close(fd);
		return soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot read '%s'", path);
	}
	/* scan backwards for the last '\n'; keep everything up to and including it */
	for (end = st.size; end > 0;) {
		size_t want = end > sizeof(chunk) ? sizeof(chunk) : (size_t)end;
		ptrdiff_t n = soak_os_pread(fd, chunk, want, end - want);
		size_t i = want;

		if (n != (ptrdiff_t)want) {
			int e = n < 0 ? errno : EIO;
			soak_os_close(fd);
			return soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot read '%s'", path);
		}
		while (i > 0 && chunk[i - 1] != '\n')
			i--;
		if (i > 0) {
			keep = end - want + i;
			break;
		}
		end -= want;
	}
	if (keep < st.size) {
		if (soak_os_ftruncate(fd, keep) < 0 || soak_os_fsync(fd) < 0) {
			int e = errno;
			soak_os_close(fd);
			return soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot repair '%s'", path);
		}
		*cut = (size_t)(st.size - keep);
	}
	if (soak_os_close(fd) < 0)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot repair '%s'", path);
	return 0;
}

int soak_jsonl_reader_open(struct soak_jsonl_reader *r, const char *path, size_t max_line,
                           struct soak_err *err)
{
	memset(r, 0, sizeof(*r));
	soak_buf_init(&r->line, max_line);
	r->f = soak_os_fopen(path, "r");
	if (!r->f)
		return soak_err_errno(err, SOAK_EXIT_INPUT, errno, "cannot open '%s'", path);
	return 0;
}

/*
 * Empty lines are skipped, a trailing '\r' is dropped. At a partial last line the
 * stream is put back to the line's start, so a later call sees it once completed.
 */
int soak_jsonl_next(struct soak_jsonl_reader *r, const char **line, size_t *len,
                    struct soak_err *err)
{
	for (;;) {
		char chunk[512];
		size_t nchunk = 0;
		off_t consumed = 0;
		int overlong = 0, c;

		soak_buf_reset(&r->line);
		while ((c = soak_os_getc_unlocked(r->f)) != EOF && c != '\n') {
			consumed++;
			chunk[nchunk++] = (char)c;
			if (nchunk == sizeof(chunk)) {
				if (!overlong && soak_buf_add(&r->line, chunk, nchunk) < 0)
					overlong = 1;
				nchunk = 0;
			}
		}
		if (nchunk && !overlong && soak_buf_add(&r->line, chunk, nchunk) < 0)
			overlong = 1;
		if (c == EOF) {
			if (ferror(r->f))
				return soak_err_errno(err, SOAK_EXIT_ENV, errno ? errno : EIO,
				                      "cannot read a JSON Lines file");
			r->partial = consumed > 0;
			if (consumed) {
				off_t pos = ftello(r->f);
				if (pos >= consumed)
					fseeko(r->f, pos - consumed, SEEK_SET);
			}
			clearerr(r->f);
			return 0;
		}
		r->partial = 0;
		r->lineno++;
		if (overlong) {
			r->overlong++;
			continue;
		}
		if (r->line.len && r->line.data[r->line.len - 1] == '\r')
			r->line.data[--r->line.len] = '\0';
		if (!r->line.len)
			continue;
		*line = r->line.data;
		if (len)
			*len = r->line.len;
		return 1;
	}
}

void soak_jsonl_reader_close(struct soak_jsonl_reader *r)
{
	if (r->f)
		fclose(r->f);
	r->f = NULL;
	soak_buf_free(&r->line);
}

int soak_schema_check(const cJSON *obj, const char *what, struct soak_err *err)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(obj, "schema");
	const char *p;
	char *end;
	long major, minor;

	if (!cJSON_IsObject(obj))
		return soak_err_set(err, SOAK_EXIT_INPUT, "'%s' is not a JSON object", what);
	if (!s)
		return soak_err_set(err, SOAK_EXIT_INPUT,
		                    "'%s' has no schema version; this %s reads schema %d.x", what,
		                    soak_msg_prog(), SOAK_SCHEMA_MAJOR);
	if (!cJSON_IsString(s) || !s->valuestring)
		goto bad;
	p = s->valuestring;
	if (*p < '0' || *p > '9')
		goto bad;
	errno = 0;
	major = strtol(p, &end, 10);
	if (errno || *end != '.' || end[1] < '0' || end[1] > '9')
		goto bad;
	minor = strtol(end + 1, &end, 10);
	if (errno || *end || minor < 0)
		goto bad;
	if (major > SOAK_SCHEMA_MAJOR)
		return soak_err_set(
		    err, SOAK_EXIT_INPUT,
		    "'%s' has schema %s; this %s reads schema %d.x: upgrade soak-action", what,
		    s->valuestring, soak_msg_prog(), SOAK_SCHEMA_MAJOR);
	return 0;
bad:
	return soak_err_set(
	    err, SOAK_EXIT_INPUT,
	    "'%s' has an invalid schema version: expected \"MAJOR.MINOR\" like \"%s\"", what,
	    SOAK_SCHEMA);
}
