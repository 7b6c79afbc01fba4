/*
 * mem.h - allocation that aborts on exhaustion (as redis zmalloc and openssh
 * xmalloc do), so callers never check our own allocations for NULL.
 */
#ifndef CN_MEM_H
#define CN_MEM_H

#include <stddef.h>

void *cn_xmalloc(size_t n);
void *cn_xcalloc(size_t nmemb, size_t size);
void *cn_xrealloc(void *p, size_t n);
char *cn_xstrdup(const char *s);
char *cn_xstrndup(const char *s, size_t n);
void *cn_xmemdup(const void *p, size_t n);
/* Wipes then frees n bytes at p; NULL-safe. */
void cn_free_secret(void *p, size_t n);

#endif
