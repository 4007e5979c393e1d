/*
 * thread.h: threads that run and are joined, a mutex that keeps a shared
 * counter exact, and a condition variable handing numbers one at a time from a
 * producer to consumers through a one-place mailbox (every number arrives once).
 */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "thread.h"
#include "banned.h"

#define NTHREADS 4
#define ROUNDS 20000
#define ITEMS 5000

struct shared {
	struct soak_mutex *mu;
	struct soak_cond *put, *got;
	long counter;
	int box; /* 0: empty, else the number in it; -1: no more */
	long sum[NTHREADS];
	int taken[NTHREADS];
};

struct arg {
	struct shared *s;
	int id;
};

static void add_many(void *p)
{
	struct arg *a = p;

	for (int i = 0; i < ROUNDS; i++) {
		soak_mutex_lock(a->s->mu);
		a->s->counter++;
		soak_mutex_unlock(a->s->mu);
	}
}

static void consume(void *p)
{
	struct arg *a = p;
	struct shared *s = a->s;

	soak_mutex_lock(s->mu);
	for (;;) {
		while (!s->box)
			soak_cond_wait(s->put, s->mu);
		if (s->box < 0)
			break;
		s->sum[a->id] += s->box;
		s->taken[a->id]++;
		s->box = 0;
		soak_cond_broadcast(s->got);
	}
	soak_mutex_unlock(s->mu);
}

int main(void)
{
	struct shared s = {0};
	struct soak_thread *t[NTHREADS];
	struct arg args[NTHREADS];
	long total = 0;
	int taken = 0;

	s.mu = soak_mutex_new();
	s.put = soak_cond_new();
	s.got = soak_cond_new();
	CHECK(s.mu && s.put && s.got);

	for (int i = 0; i < NTHREADS; i++) {
		args[i].s = &s;
		args[i].id = i;
		CHECK_INT(soak_thread_start(&t[i], add_many, &args[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++)
		soak_thread_join(t[i]);
	CHECK_INT(s.counter, (long)NTHREADS * ROUNDS);

	for (int i = 0; i < NTHREADS; i++)
		CHECK_INT(soak_thread_start(&t[i], consume, &args[i]), 0);
	for (int n = 1; n <= ITEMS; n++) {
		soak_mutex_lock(s.mu);
		while (s.box)
			soak_cond_wait(s.got, s.mu);
		s.box = n;
		soak_cond_broadcast(s.put);
		soak_mutex_unlock(s.mu);
	}
	soak_mutex_lock(s.mu);
	while (s.box)
		soak_cond_wait(s.got, s.mu);
	s.box = -1;
	soak_cond_broadcast(s.put);
	soak_mutex_unlock(s.mu);
	for (int i = 0; i < NTHREADS; i++) {
		soak_thread_join(t[i]);
		total += s.sum[i];
		taken += s.taken[i];
	}
	CHECK_INT(taken, ITEMS);
	CHECK_INT(total, (long)ITEMS * (ITEMS + 1) / 2);

	soak_thread_join(NULL); /* nothing to join: no effect */
	soak_cond_free(s.put);
	soak_cond_free(s.got);
	soak_mutex_free(s.mu);
	return check_done();
}
