/*
 * keycache.h - decoded account public keys, keyed by account id and
 * checked against the stored JWK (keycache.c).
 */
#ifndef CA_ACME_KEYCACHE_H
#define CA_ACME_KEYCACHE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "err.h"

/* Slots of the cache cairnd makes (an entry is a JWK string and a key:
 * about 1-4 KiB). */
#define CA_KEYCACHE_SLOTS 1024

struct ca_keycache;

/* A cache of `slots` entries (at least 1). Free with ca_keycache_free. */
struct ca_keycache *ca_keycache_new(size_t slots);
void ca_keycache_free(struct ca_keycache *kc);

/*
 * The public key of account id whose stored JWK (canonical JSON) is
 * jwk_json: the cached one if it was decoded from this very JWK, else
 * decoded now (cn_jwk_to_pkey) and cached. kc NULL decodes without a
 * cache. *out: a new reference (EVP_PKEY_free). Errors: CN_ERR_STORE when
 * jwk_json does not parse, as cn_jwk_to_pkey otherwise.
 */
int ca_keycache_get(struct ca_keycache *kc, int64_t id, const char *jwk_json,
    EVP_PKEY **out) CN_WUR;

/* Lookups answered from the cache and decoded since it was made. */
void ca_keycache_stats(struct ca_keycache *kc, unsigned long *hits, unsigned long *misses);

#endif
