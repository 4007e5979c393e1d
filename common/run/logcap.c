#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logcap.h"
#include "exitcode.h"
#include "os.h"
#include "banned.h"

static void write_all(struct soak_logcap *l, const char *p, size_t n)
{
	if (n > 0 && !l->error && l->fd >= 0 && soak_os_write_all(l->fd, p, n) < 0)
		l->error = errno;
}

int soak_logcap_open(struct soak_logcap *l, const char *path, uint64_t cap, struct soak_err *err)
{
	memset(l, 0, sizeof(*l));
	l->fd = -1;
	l->path = strdup(path);
	if (!l->path)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot open '%s'", path);
	l->cap = cap;
	return 0;
}

static void keep_tail(struct soak_logcap *l, const char *data, size_t n)
{
	if (n >= SOAK_LOGCAP_TAIL) {
		memcpy(l->tail, data + n - SOAK_LOGCAP_TAIL, SOAK_LOGCAP_TAIL);
		l->tail_pos = 0;
		l->tail_len = SOAK_LOGCAP_TAIL;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		l->tail[l->tail_pos] = data[i];
		l->tail_pos = (l->tail_pos + 1) % SOAK_LOGCAP_TAIL;
	}
	l->tail_len = l->tail_len + n > SOAK_LOGCAP_TAIL ? SOAK_LOGCAP_TAIL : l->tail_len + n;
}

static void ring_add(struct soak_logcap *l, const char *data, size_t n)
{
	if (n >= l->ring_size) {
		memcpy(l->ring, data + n - l->ring_size, l->ring_size);
		l->ring_pos = 0;
		l->ring_len = l->ring_size;
		return;
	}
	size_t first = l->ring_size - l->ring_pos;
	if (first > n)
		first = n;
	memcpy(l->ring + l->ring_pos, data, first);
	memcpy(l->ring, data + first, n - first);
	l->ring_pos = (l->ring_pos + n) % l->ring_size;
	l->ring_len = l->ring_len + n > l->ring_size ? l->ring_size : l->ring_len + n;
}

void soak_logcap_write(struct soak_logcap *l, const char *data, size_t n)
{
	if (!l->path || n == 0)
		return;
	if (l->fd < 0 && !l->error) {
		l->fd = soak_os_open(l->path, SOAK_O_WRONLY | SOAK_O_CREAT | SOAK_O_TRUNC, 0644);
		if (l->fd < 0)
			l->error = errno;
	}
	keep_tail(l, data, n);
	l->total += n;
	uint64_t head = l->cap ? l->cap / 2 : UINT64_MAX;
	if (l->written < head) {
		size_t take = head - l->written < n ? (size_t)(head - l->written) : n;
		write_all(l, data, take);
		l->written += take;
		data += take;
		n -= take;
	}
	if (n == 0)
		return;
	if (!l->ring) {
		l->ring_size = (size_t)(l->cap - l->cap / 2);
		if (l->ring_size == 0)
			return;
		l->ring = malloc(l->ring_size);
		if (!l->ring) {
			l->ring_size = 0;
			l->error = ENOMEM;
			return;
		}
	}
	ring_add(l, data, n);
}

uint64_t soak_logcap_dropped(const struct soak_logcap *l)
{
	return l->total - l->written - l->ring_len;
}

int soak_logcap_close(struct soak_logcap *l, struct soak_err *err)
{
	int ret = 0;

	if (!l->path)
		return 0;
	uint64_t dropped = soak_logcap_dropped(l);
	if (dropped > 0) {
		char note[128];
		int n = snprintf(note, sizeof(note),
		                 "\n[soak-run: %" PRIu64
		                 " bytes dropped here; the log keeps its first and last %" PRIu64
		                 " bytes]\n",
		                 dropped, l->cap / 2);
		write_all(l, note, (size_t)n);
	}
	if (l->ring_len > 0) {
		size_t start = l->ring_len < l->ring_size ? 0 : l->ring_pos;
		size_t first = l->ring_len < l->ring_size ? l->ring_len : l->ring_size - start;
		write_all(l, l->ring + start, first);
		if (l->ring_len == l->ring_size)
			write_all(l, l->ring, start);
	}
	if (l->fd >= 0 && soak_os_close(l->fd) < 0 && !l->error)
		l->error = errno;
	l->fd = -1;
	if (l->error)
		ret = soak_err_errno(err, SOAK_EXIT_ENV, l->error, "cannot write '%s'", l->path);
	free(l->ring);
	l->ring = NULL;
	free(l->path);
	l->path = NULL;
	return ret;
}

char *soak_logcap_tail(const struct soak_logcap *l, char *buf, size_t n)
{
	size_t len = l->tail_len < n - 1 ? l->tail_len : n - 1;
	size_t start = (l->tail_pos + SOAK_LOGCAP_TAIL - len) % SOAK_LOGCAP_TAIL;
	if (l->tail_len < SOAK_LOGCAP_TAIL)
		start = l->tail_len - len;
	for (size_t i = 0; i < len; i++)
		buf[i] = l->tail[(start + i) % SOAK_LOGCAP_TAIL];
	buf[len] = '\0';
	return buf;
}
