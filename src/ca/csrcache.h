/*
 * csrcache.h - parsed CSRs handed from the finalize request to the
 * finalization job of the same process (csrcache.c).
 */
#ifndef CA_CSRCACHE_H
#define CA_CSRCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "x509/csr.h"

/* Entries cairnd keeps (finalizations waiting for a worker). */
#define CA_CSRCACHE_SLOTS 256

struct ca_csrcache;

/* A cache of at most `slots` CSRs (at least 1). Free with ca_csrcache_free,
 * which frees the CSRs still in it. */
struct ca_csrcache *ca_csrcache_new(size_t slots);
void ca_csrcache_free(struct ca_csrcache *cc);

/*
 * Hands over csr, parsed from der (der_len bytes, copied), for order_id: the
 * cache owns csr from now on. When full, the oldest entry is dropped. cc
 * NULL frees csr.
 */
void ca_csrcache_put(struct ca_csrcache *cc, int64_t order_id, const unsigned char *der,
    size_t der_len, struct cn_csr *csr);

/*
 * Takes the CSR put for order_id whose DER is exactly der: the caller owns
 * it (cn_csr_free). NULL when there is none (cc NULL, another process
 * accepted the finalization, or it was dropped): parse der then.
 */
struct cn_csr *ca_csrcache_take(struct ca_csrcache *cc, int64_t order_id,
    const unsigned char *der, size_t der_len);

#endif
