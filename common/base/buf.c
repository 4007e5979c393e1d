#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "banned.h"

void soak_buf_init(struct soak_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

/* Make room for n more bytes plus the NUL; -1 past the ceiling or out of memory. */
static int grow(struct soak_buf *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (n > b->max - b->len || n >= SIZE_MAX - b->len)
		return -1;
	need = b->len + n + 1;
	if (b->data && need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (b->max < SIZE_MAX && cap > b->max + 1)
		cap = b->max + 1;
	p = realloc(b->data, cap);
	if (!p)
		return -1;
	if (!b->data)
		p[0] = '\0';
	b->data = p;
	b->cap = cap;
	return 0;
}

int soak_buf_add(struct soak_buf *b, const void *data, size_t n)
{
	if (grow(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int soak_buf_adds(struct soak_buf *b, const char *s)
{
	return soak_buf_add(b, s, strlen(s));
}

int soak_buf_addf(struct soak_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || grow(b, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void soak_buf_reset(struct soak_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void soak_buf_free(struct soak_buf *b)
{
	free(b->data);
	soak_buf_init(b, b->max);
}

char *soak_buf_detach(struct soak_buf *b, size_t *len)
{
	char *p = b->data;

	if (!p)
		p = calloc(1, 1);
	if (len)
		*len = p ? b->len : 0;
	soak_buf_init(b, b->max);
	return p;
}

const char *soak_buf_str(const struct soak_buf *b)
{
	return b->data ? b->data : "";
}

int soak_buf_add_md_cell(struct soak_buf *b, const char *s)
{
	int rc = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '|')
			rc |= soak_buf_adds(b, "\\|");
		else if (c == '<')
			rc |= soak_buf_adds(b, "&lt;");
		else if (c == '>')
			rc |= soak_buf_adds(b, "&gt;");
		else if (c == '&')
			rc |= soak_buf_adds(b, "&amp;");
		else if (c == '`' || c == '[' || c == ']' || c == '*' || c == '\\')
			rc |= soak_buf_addf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			rc |= soak_buf_add(b, " ", 1);
		else
			rc |= soak_buf_add(b, s, 1);
	}
	return rc ? -1 : 0;
}
