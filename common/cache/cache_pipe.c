#include <stdlib.h>
#include <string.h>

#include "cache_pipe.h"
#include "exitcode.h"
#include "banned.h"

int soak_cache_pipe_init(struct soak_cache_pipe *p, size_t nchunks, size_t size,
                         struct soak_err *err)
{
	memset(p, 0, sizeof(*p));
	p->n = nchunks;
	p->size = size;
	p->buf = calloc(nchunks, sizeof(*p->buf));
	p->len = calloc(nchunks, sizeof(*p->len));
	p->tag = calloc(nchunks, sizeof(*p->tag));
	for (size_t i = 0; p->buf && i < nchunks; i++)
		if (!(p->buf[i] = malloc(size)))
			break;
	if (!p->buf || !p->len || !p->tag || !p->buf[nchunks - 1]) {
		soak_cache_pipe_free(p);
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	}
	if (pthread_mutex_init(&p->mu, NULL)) {
		soak_cache_pipe_free(p);
		return soak_err_set(err, SOAK_EXIT_ENV, "cannot create a mutex");
	}
	if (pthread_cond_init(&p->filled, NULL)) {
		pthread_mutex_destroy(&p->mu);
		soak_cache_pipe_free(p);
		return soak_err_set(err, SOAK_EXIT_ENV, "cannot create a condition variable");
	}
	if (pthread_cond_init(&p->emptied, NULL)) {
		pthread_cond_destroy(&p->filled);
		pthread_mutex_destroy(&p->mu);
		soak_cache_pipe_free(p);
		return soak_err_set(err, SOAK_EXIT_ENV, "cannot create a condition variable");
	}
	p->ready = 1;
	return 0;
}

void soak_cache_pipe_free(struct soak_cache_pipe *p)
{
	if (p->ready) {
		pthread_cond_destroy(&p->emptied);
		pthread_cond_destroy(&p->filled);
		pthread_mutex_destroy(&p->mu);
	}
	for (size_t i = 0; p->buf && i < p->n; i++)
		free(p->buf[i]);
	free(p->buf);
	free(p->len);
	free(p->tag);
	memset(p, 0, sizeof(*p));
}

char *soak_cache_pipe_slot(struct soak_cache_pipe *p)
{
	char *b = NULL;

	pthread_mutex_lock(&p->mu);
	while (!p->stopped && p->count == p->n)
		pthread_cond_wait(&p->emptied, &p->mu);
	if (!p->stopped)
		b = p->buf[(p->head + p->count) % p->n];
	pthread_mutex_unlock(&p->mu);
	return b;
}

void soak_cache_pipe_put(struct soak_cache_pipe *p, size_t len, uint64_t tag)
{
	pthread_mutex_lock(&p->mu);
	if (!p->stopped && p->count < p->n) {
		size_t i = (p->head + p->count) % p->n;

		p->len[i] = len;
		p->tag[i] = tag;
		p->count++;
		pthread_cond_signal(&p->filled);
	}
	pthread_mutex_unlock(&p->mu);
}

void soak_cache_pipe_finish(struct soak_cache_pipe *p, const struct soak_err *err)
{
	pthread_mutex_lock(&p->mu);
	if (!p->done) {
		p->done = 1;
		if (err && err->code)
			p->err = *err;
	}
	pthread_cond_signal(&p->filled);
	pthread_mutex_unlock(&p->mu);
}

int soak_cache_pipe_next(struct soak_cache_pipe *p, const char **buf, size_t *len, uint64_t *tag,
                         struct soak_err *err)
{
	int rc;

	pthread_mutex_lock(&p->mu);
	if (p->held) { /* the chunk handed out last time goes back */
		p->held = 0;
		p->head = (p->head + 1) % p->n;
		p->count--;
		pthread_cond_signal(&p->emptied);
	}
	while (!p->count && !p->done && !p->stopped)
		pthread_cond_wait(&p->filled, &p->mu);
	if (p->count && !p->stopped) {
		p->held = 1;
		*buf = p->buf[p->head];
		*len = p->len[p->head];
		if (tag)
			*tag = p->tag[p->head];
		rc = 1;
	} else if (p->err.code && !p->stopped) {
		if (err)
			*err = p->err;
		rc = -1;
	} else {
		rc = 0;
	}
	pthread_mutex_unlock(&p->mu);
	return rc;
}

void soak_cache_pipe_stop(struct soak_cache_pipe *p)
{
	pthread_mutex_lock(&p->mu);
	p->stopped = 1;
	pthread_cond_broadcast(&p->emptied);
	pthread_cond_broadcast(&p->filled);
	pthread_mutex_unlock(&p->mu);
}
