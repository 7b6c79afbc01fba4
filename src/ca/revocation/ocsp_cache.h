/*
 * ocsp_cache.h - the OCSP responder's in-memory table of pre-signed
 * responses, keyed by certificate serial: what every GET and POST is
 * answered from without signing, and without touching the store (RFC 9919
 * section 7.3, BR 4.9.9: responses are produced in advance).
 *
 * Three kinds of entry: mirrored from the store (store_id > 0; a higher id
 * replaces a lower one), signed on demand for a certificate whose stored
 * response has not arrived yet (store_id 0; never replaces a stored one),
 * and "unknown" responses for serials this CA never issued (bounded in
 * number: all of them are dropped when the limit is hit). Thread-safe: any number of
 * readers and writers.
 */
#ifndef CA_OCSP_CACHE_H
#define CA_OCSP_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct ca_ocsp_cache;

/* A response as the HTTP layer needs it. */
struct ca_ocsp_hit {
	unsigned char *der;        /* heap copy: caller frees */
	size_t der_len;
	int64_t this_update;
	int64_t next_update;
	char etag[68];             /* "\"" + hex SHA-256 of der + "\"" (RFC 9919 7.2) */
	char last_modified[32];    /* this_update as an HTTP date (RFC 9110 5.6.7) */
	char expires[32];          /* next_update as an HTTP date */
	bool unknown;
};

/* max_unknown: most "unknown" entries kept (>= 1). */
int ca_ocsp_cache_new(size_t max_unknown, struct ca_ocsp_cache **out) CN_WUR;
void ca_ocsp_cache_free(struct ca_ocsp_cache *c);

/* Stores a copy of der as the response for serial (DER INTEGER contents
 * octets, 1..CA_OCSP_SERIAL_MAX) following the replacement rules above.
 * Returns true if it was stored. */
bool ca_ocsp_cache_put(struct ca_ocsp_cache *c, const unsigned char *serial,
    size_t serial_len, const unsigned char *der, size_t der_len, int64_t this_update,
    int64_t next_update, int64_t store_id, bool unknown);
/* The response for serial if there is one with next_update > now: true and
 * *hit filled (release with ca_ocsp_hit_cleanup). */
bool ca_ocsp_cache_get(struct ca_ocsp_cache *c, const unsigned char *serial,
    size_t serial_len, int64_t now, struct ca_ocsp_hit *hit);
void ca_ocsp_hit_cleanup(struct ca_ocsp_hit *hit);
/* Drops entries with next_update <= now; returns how many. */
size_t ca_ocsp_cache_sweep(struct ca_ocsp_cache *c, int64_t now);
/* Entries held (all kinds). */
size_t ca_ocsp_cache_count(struct ca_ocsp_cache *c);

#endif
