/*
 * buf.h - one growable byte buffer, always with a limit (curl dynbuf,
 * openssh sshbuf), and one borrowed view.
 */
#ifndef CN_BUF_H
#define CN_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "err.h"

struct cn_buf {
	unsigned char *data; /* NUL-terminated whenever non-NULL */
	size_t len, cap;     /* bytes used (excluding the NUL), bytes allocated */
	size_t max;          /* the largest len the owner allows */
};

struct cn_span {
	const unsigned char *p;
	size_t len;
}; /* borrowed, never freed */

void cn_buf_init(struct cn_buf *b, size_t max);
/* Appends n bytes; CN_ERR_TOO_BIG past max (b is unchanged then). */
int cn_buf_add(struct cn_buf *b, const void *p, size_t n) CN_WUR;
int cn_buf_adds(struct cn_buf *b, const char *s) CN_WUR;
int cn_buf_addf(struct cn_buf *b, const char *fmt, ...) CN_PRINTF(2, 3) CN_WUR;
int cn_buf_vaddf(struct cn_buf *b, const char *fmt, va_list ap) CN_PRINTF(2, 0) CN_WUR;
/* Hands the data to the caller (never NULL; "" when empty); b is reset. */
char *cn_buf_take(struct cn_buf *b, size_t *len);
/* The contents as a C string (borrowed; "" when empty). */
const char *cn_buf_str(const struct cn_buf *b);
void cn_buf_reset(struct cn_buf *b);
void cn_buf_free(struct cn_buf *b);

#endif
