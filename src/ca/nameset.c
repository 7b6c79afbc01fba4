/*
 * nameset.c - a set of DNS names as a sorted array of strings: loading the
 * ~9,000 ICANN rules of the public suffix list takes a few milliseconds,
 * and a lookup is a binary search without locks.
 */
#include "nameset.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

struct ca_nameset {
	char **names;
	size_t n, cap;
	bool sealed;
};

struct ca_nameset *ca_nameset_new(void)
{
	return cn_xcalloc(1, sizeof(struct ca_nameset));
}

void ca_nameset_add(struct ca_nameset *s, const char *name, size_t len)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->names = cn_xrealloc(s->names, s->cap * sizeof(*s->names));
	}
	s->names[s->n++] = cn_xstrndup(name, len);
	s->sealed = false;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void ca_nameset_seal(struct ca_nameset *s)
{
	size_t i, o = 0;

	if (s->n > 1)
		qsort(s->names, s->n, sizeof(*s->names), cmp);
	for (i = 0; i < s->n; i++) {
		if (o > 0 && strcmp(s->names[o - 1], s->names[i]) == 0) {
			free(s->names[i]);
			continue;
		}
		s->names[o++] = s->names[i];
	}
	s->n = o;
	s->sealed = true;
}

bool ca_nameset_has(const struct ca_nameset *s, const char *name, size_t len)
{
	size_t lo = 0, hi, mid;
	int c;

	if (s == NULL || !s->sealed)
		return false;
	hi = s->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strncmp(s->names[mid], name, len);
		if (c == 0 && s->names[mid][len] != '\0')
			c = 1; /* longer than name: sorts after it */
		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

size_t ca_nameset_count(const struct ca_nameset *s)
{
	return s ? s->n : 0;
}

void ca_nameset_free(struct ca_nameset *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		free(s->names[i]);
	free(s->names);
	free(s);
}
