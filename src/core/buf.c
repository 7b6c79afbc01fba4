/* buf.c - bounded growable buffer. */
#include "buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

void cn_buf_init(struct cn_buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
}

int cn_buf_add(struct cn_buf *b, const void *p, size_t n)
{
	size_t need, cap;

	/* len + n + 1 (the NUL) must not wrap either, whatever max is. */
	if (n > b->max || b->len > b->max - n || b->len + n == SIZE_MAX)
		return cn_err_set(CN_ERR_TOO_BIG, "more than %zu bytes", b->max);
	need = b->len + n + 1;
	if (need > b->cap) {
		cap = b->cap ? b->cap : 64;
		while (cap < need)
			cap = cap > SIZE_MAX / 2 ? need : cap * 2;
		b->data = cn_xrealloc(b->data, cap);
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int cn_buf_adds(struct cn_buf *b, const char *s)
{
	return cn_buf_add(b, s, strlen(s));
}

int cn_buf_vaddf(struct cn_buf *b, const char *fmt, va_list ap)
{
	char small[256];
	char *big = NULL;
	va_list ap2;
	int n, r;

	va_copy(ap2, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return cn_err_set(CN_ERR_INTERNAL, "vsnprintf failed");
	if ((size_t)n < sizeof(small))
		return cn_buf_add(b, small, (size_t)n);
	if ((size_t)n > b->max)
		return cn_err_set(CN_ERR_TOO_BIG, "more than %zu bytes", b->max);
	big = cn_xmalloc((size_t)n + 1);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	r = cn_buf_add(b, big, (size_t)n);
	free(big);
	return r;
}

int cn_buf_addf(struct cn_buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = cn_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return r;
}

char *cn_buf_take(struct cn_buf *b, size_t *len)
{
	char *p = (char *)b->data;

	if (len)
		*len = b->len;
	if (p == NULL)
		p = cn_xstrdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

const char *cn_buf_str(const struct cn_buf *b)
{
	return b->data ? (const char *)b->data : "";
}

void cn_buf_reset(struct cn_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void cn_buf_free(struct cn_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
