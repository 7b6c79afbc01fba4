/*
 * nameset.h - a read-mostly set of DNS names (sorted array, binary
 * search) for the public suffix list and the operator's blocklist. Built
 * once at startup with _add and _seal; afterwards only _has is called, from
 * any number of threads.
 */
#ifndef CA_NAMESET_H
#define CA_NAMESET_H

#include <stdbool.h>
#include <stddef.h>

struct ca_nameset;

/* An empty set (never NULL: allocation aborts on exhaustion). */
struct ca_nameset *ca_nameset_new(void);
/* Adds name[0..len) as given (callers lower-case it first). */
void ca_nameset_add(struct ca_nameset *s, const char *name, size_t len);
/* Sorts and removes duplicates; call once, after the last _add. */
void ca_nameset_seal(struct ca_nameset *s);
/* True if the sealed set holds name[0..len). */
bool ca_nameset_has(const struct ca_nameset *s, const char *name, size_t len);
/* Names in the set (after _seal: distinct names). */
size_t ca_nameset_count(const struct ca_nameset *s);
void ca_nameset_free(struct ca_nameset *s);

#endif
