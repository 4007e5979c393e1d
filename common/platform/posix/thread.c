/*
 * Threads on POSIX (thread.h): pthreads. A thread starts with SIGINT, SIGTERM
 * and SIGHUP blocked, so they reach the thread that installed the handlers.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include "thread.h"
#include "banned.h"

struct soak_thread {
	pthread_t id;
	void (*fn)(void *arg);
	void *arg;
};

struct soak_mutex {
	pthread_mutex_t m;
};

struct soak_cond {
	pthread_cond_t c;
};

static void *thread_main(void *p)
{
	struct soak_thread *t = p;

	t->fn(t->arg);
	return NULL;
}

int soak_thread_start(struct soak_thread **out, void (*fn)(void *arg), void *arg)
{
	struct soak_thread *t = calloc(1, sizeof(*t));
	sigset_t block, old;
	int e;

	*out = NULL;
	if (!t)
		return -1;
	t->fn = fn;
	t->arg = arg;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	e = pthread_create(&t->id, NULL, thread_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		free(t);
		errno = e;
		return -1;
	}
	*out = t;
	return 0;
}

void soak_thread_join(struct soak_thread *t)
{
	if (!t)
		return;
	pthread_join(t->id, NULL);
	free(t);
}

struct soak_mutex *soak_mutex_new(void)
{
	struct soak_mutex *m = malloc(sizeof(*m));
	int e;

	if (!m)
		return NULL;
	if ((e = pthread_mutex_init(&m->m, NULL))) {
		free(m);
		errno = e;
		return NULL;
	}
	return m;
}

void soak_mutex_free(struct soak_mutex *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->m);
	free(m);
}

void soak_mutex_lock(struct soak_mutex *m)
{
	pthread_mutex_lock(&m->m);
}

void soak_mutex_unlock(struct soak_mutex *m)
{
	pthread_mutex_unlock(&m->m);
}

struct soak_cond *soak_cond_new(void)
{
	struct soak_cond *c = malloc(sizeof(*c));
	int e;

	if (!c)
		return NULL;
	if ((e = pthread_cond_init(&c->c, NULL))) {
		free(c);
		errno = e;
		return NULL;
	}
	return c;
}

void soak_cond_free(struct soak_cond *c)
{
	if (!c)
		return;
	pthread_cond_destroy(&c->c);
	free(c);
}

void soak_cond_wait(struct soak_cond *c, struct soak_mutex *m)
{
	pthread_cond_wait(&c->c, &m->m);
}

void soak_cond_signal(struct soak_cond *c)
{
	pthread_cond_signal(&c->c);
}

void soak_cond_broadcast(struct soak_cond *c)
{
	pthread_cond_broadcast(&c->c);
}
