/* mem.c - allocation wrappers that abort on exhaustion. */
#include "mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

static void mem_die(size_t n)
{
	fprintf(stderr, "cairn: out of memory allocating %zu bytes\n", n);
	abort();
}

void *cn_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		mem_die(n);
	return p;
}

void *cn_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		mem_die(nmemb * size);
	return p;
}

void *cn_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		mem_die(n);
	return q;
}

char *cn_xstrdup(const char *s)
{
	return cn_xmemdup(s, strlen(s) + 1);
}

char *cn_xstrndup(const char *s, size_t n)
{
	char *p = cn_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void *cn_xmemdup(const void *p, size_t n)
{
	void *q = cn_xmalloc(n);

	if (n)
		memcpy(q, p, n);
	return q;
}

void cn_free_secret(void *p, size_t n)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, n);
	free(p);
}
