/*
 * A growable byte buffer with a ceiling (after curl's dynbuf). The buffer is
 * always NUL-terminated. An append that would take len past max fails with -1
 * and leaves the buffer unchanged; nothing is silently truncated.
 */
#ifndef SOAK_BUF_H
#define SOAK_BUF_H

#include "attr.h"
#include <stddef.h>

struct soak_buf {
	char *data; /* NULL until the first append; then NUL-terminated */
	size_t len;
	size_t cap;
	size_t max; /* the ceiling on len */
};

void soak_buf_init(struct soak_buf *b, size_t max);
int soak_buf_add(struct soak_buf *b, const void *data, size_t n);
int soak_buf_adds(struct soak_buf *b, const char *s);
int soak_buf_addf(struct soak_buf *b, const char *fmt, ...) SOAK_PRINTF(2, 3);
void soak_buf_reset(struct soak_buf *b); /* len = 0, keeps memory */
void soak_buf_free(struct soak_buf *b);
/* Hand the data to the caller (who frees it); the buffer is re-initialized. */
char *soak_buf_detach(struct soak_buf *b, size_t *len);
/*
 * Append s, a name from the command under test (a KPI, a tuned parameter), as one
 * Markdown table cell: no '|', line break or HTML tag of it may end the cell or the
 * table, nor add markup. -1 when an append failed.
 */
int soak_buf_add_md_cell(struct soak_buf *b, const char *s);
/* The contents, "" when empty. */
const char *soak_buf_str(const struct soak_buf *b);

#endif
