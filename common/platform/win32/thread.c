/*
 * Threads on Windows (thread.h): _beginthreadex (so the C runtime is set up for
 * the thread), slim reader/writer locks taken exclusively, and condition
 * variables.
 */
#include <errno.h>
#include <process.h>
#include <stdlib.h>

#include "win32.h"

#include "thread.h"
#include "banned.h"

struct soak_thread {
	HANDLE h;
	void (*fn)(void *arg);
	void *arg;
};

struct soak_mutex {
	SRWLOCK l;
};

struct soak_cond {
	CONDITION_VARIABLE c;
};

static unsigned __stdcall thread_main(void *p)
{
	struct soak_thread *t = p;

	t->fn(t->arg);
	return 0;
}

int soak_thread_start(struct soak_thread **out, void (*fn)(void *arg), void *arg)
{
	struct soak_thread *t = calloc(1, sizeof(*t));
	uintptr_t h;

	*out = NULL;
	if (!t)
		return -1;
	t->fn = fn;
	t->arg = arg;
	h = _beginthreadex(NULL, 0, thread_main, t, 0, NULL);
	if (!h) {
		free(t);
		if (!errno)
			errno = EAGAIN;
		return -1;
	}
	t->h = (HANDLE)h;
	*out = t;
	return 0;
}

void soak_thread_join(struct soak_thread *t)
{
	if (!t)
		return;
	WaitForSingleObject(t->h, INFINITE);
	CloseHandle(t->h);
	free(t);
}

struct soak_mutex *soak_mutex_new(void)
{
	struct soak_mutex *m = malloc(sizeof(*m));

	if (m)
		InitializeSRWLock(&m->l);
	return m;
}

void soak_mutex_free(struct soak_mutex *m)
{
	free(m); /* an SRW lock needs no clean-up */
}

void soak_mutex_lock(struct soak_mutex *m)
{
	AcquireSRWLockExclusive(&m->l);
}

void soak_mutex_unlock(struct soak_mutex *m)
{
	ReleaseSRWLockExclusive(&m->l);
}

struct soak_cond *soak_cond_new(void)
{
	struct soak_cond *c = malloc(sizeof(*c));

	if (c)
		InitializeConditionVariable(&c->c);
	return c;
}

void soak_cond_free(struct soak_cond *c)
{
	free(c);
}

void soak_cond_wait(struct soak_cond *c, struct soak_mutex *m)
{
	SleepConditionVariableSRW(&c->c, &m->l, INFINITE, 0);
}

void soak_cond_signal(struct soak_cond *c)
{
	WakeConditionVariable(&c->c);
}

void soak_cond_broadcast(struct soak_cond *c)
{
	WakeAllConditionVariable(&c->c);
}
