/*
 * A minimal unit-test harness: CHECK(cond) records a failure with file and line
 * and goes on; check_done() prints "N passed, N failed" and returns the exit code.
 */
#ifndef SOAK_CHECK_H
#define SOAK_CHECK_H

#include <stdio.h>
#include <string.h>
#include <math.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (cond) {                                                                        \
			check_passed++;                                                            \
		} else {                                                                           \
			check_failed++;                                                            \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
		}                                                                                  \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *check_a_ = (a), *check_b_ = (b);                                       \
		if (check_a_ && check_b_ && !strcmp(check_a_, check_b_)) {                         \
			check_passed++;                                                            \
		} else {                                                                           \
			check_failed++;                                                            \
			fprintf(stderr, "%s:%d: '%s' != '%s'\n", __FILE__, __LINE__,               \
			        check_a_ ? check_a_ : "(null)", check_b_ ? check_b_ : "(null)");   \
		}                                                                                  \
	} while (0)

#define CHECK_INT(a, b)                                                                            \
	do {                                                                                       \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b);                    \
		if (check_a_ == check_b_) {                                                        \
			check_passed++;                                                            \
		} else {                                                                           \
			check_failed++;                                                            \
			fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__,  \
			        #a, check_a_, check_b_);                                           \
		}                                                                                  \
	} while (0)

/* |a - b| <= tol */
#define CHECK_NEAR(a, b, tol)                                                                      \
	do {                                                                                       \
		double check_a_ = (a), check_b_ = (b);                                             \
		if (fabs(check_a_ - check_b_) <= (tol)) {                                          \
			check_passed++;                                                            \
		} else {                                                                           \
			check_failed++;                                                            \
			fprintf(stderr, "%s:%d: %s == %.10g, expected %.10g (tol %g)\n", __FILE__, \
			        __LINE__, #a, check_a_, check_b_, (double)(tol));                  \
		}                                                                                  \
	} while (0)

static inline int check_done(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
