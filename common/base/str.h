/* String helpers the C standard lacks and not every C library has (strndup). */
#ifndef SOAK_STR_H
#define SOAK_STR_H

#include <stddef.h>

/* At most n bytes of s, NUL-terminated, malloc'ed; NULL when out of memory. */
char *soak_strndup(const char *s, size_t n);

#endif
