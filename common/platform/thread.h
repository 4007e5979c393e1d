/*
 * Threads, platform layer: a thread that runs a function and is joined, a mutex
 * and a condition variable. POSIX threads (posix/thread.c) and the Win32 API
 * (win32/thread.c: _beginthreadex, SRW locks, condition variables) behind one
 * opaque API. A new thread starts with the terminating signals blocked (POSIX),
 * so that the thread that installed the handlers (sig.h) is the one they reach.
 */
#ifndef SOAK_THREAD_H
#define SOAK_THREAD_H

struct soak_thread; /* opaque */
struct soak_mutex;  /* opaque */
struct soak_cond;   /* opaque */

/* Start fn(arg) on a new thread. 0, or -1 with errno (EAGAIN, ENOMEM). */
int soak_thread_start(struct soak_thread **out, void (*fn)(void *arg), void *arg);
/* Wait for the thread to end and free it. */
void soak_thread_join(struct soak_thread *t);

/* A mutex (not recursive). new: NULL with errno. */
struct soak_mutex *soak_mutex_new(void);
void soak_mutex_free(struct soak_mutex *m);
void soak_mutex_lock(struct soak_mutex *m);
void soak_mutex_unlock(struct soak_mutex *m);

/* A condition variable, used with a mutex. new: NULL with errno. */
struct soak_cond *soak_cond_new(void);
void soak_cond_free(struct soak_cond *c);
/* Release m, wait for a signal (or a spurious wake-up), take m again. */
void soak_cond_wait(struct soak_cond *c, struct soak_mutex *m);
void soak_cond_signal(struct soak_cond *c);
void soak_cond_broadcast(struct soak_cond *c);

#endif
