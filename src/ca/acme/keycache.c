/*
 * keycache.c - decoded account public keys, so that a request signed with
 * a kid (RFC 8555 section 6.2) does not parse the stored JWK and build an
 * EVP_PKEY again: with OpenSSL 3.0 EVP_PKEY_fromdata builds a fresh EC group
 * each time, which cost about as much as verifying the signature (the
 * profile in bench/README.md; DESIGN.md "Keys are decoded once"). EC keys
 * now copy a group made once (cn_ec_pubkey_from_point), a tenth of that;
 * the cache still saves the JSON parse and the key.
 *
 * Direct-mapped by account id, one mutex. An entry is used only when the
 * account's stored JWK is byte for byte the one it was decoded from, so a
 * key change (section 7.3.5) made by this or any other instance sharing the
 * store is seen at the next request; the account row itself (status) is
 * still read from the store for every request.
 */
#include "acme/keycache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "jose/jwk.h"
#include "json.h"
#include "mem.h"

struct kc_entry {
	int64_t id;          /* 0: empty */
	char *jwk_json;
	EVP_PKEY *key;
};

struct ca_keycache {
	pthread_mutex_t mu;
	size_t n;
	struct kc_entry *e;
	unsigned long hits, misses;
};

struct ca_keycache *ca_keycache_new(size_t slots)
{
	struct ca_keycache *kc = cn_xcalloc(1, sizeof(*kc));

	kc->n = slots ? slots : 1;
	kc->e = cn_xcalloc(kc->n, sizeof(*kc->e));
	pthread_mutex_init(&kc->mu, NULL);
	return kc;
}

void ca_keycache_free(struct ca_keycache *kc)
{
	size_t i;

	if (kc == NULL)
		return;
	for (i = 0; i < kc->n; i++) {
		free(kc->e[i].jwk_json);
		EVP_PKEY_free(kc->e[i].key);
	}
	pthread_mutex_destroy(&kc->mu);
	free(kc->e);
	free(kc);
}

static int decode(const char *jwk_json, EVP_PKEY **out)
{
	json_t *jwk = NULL;
	int r;

	r = cn_json_parse_object(jwk_json, strlen(jwk_json), &jwk);
	if (r != 0)
		return cn_err_set(CN_ERR_STORE, "a stored account key does not parse");
	r = cn_jwk_to_pkey(jwk, out);
	json_decref(jwk);
	return r;
}

int ca_keycache_get(struct ca_keycache *kc, int64_t id, const char *jwk_json, EVP_PKEY **out)
{
	struct kc_entry *e;
	EVP_PKEY *key = NULL, *old_key = NULL;
	char *old_json = NULL;
	int r;

	if (kc == NULL || id <= 0)
		return decode(jwk_json, out);
	e = &kc->e[(uint64_t)id % kc->n];
	pthread_mutex_lock(&kc->mu);
	if (e->id == id && strcmp(e->jwk_json, jwk_json) == 0 && EVP_PKEY_up_ref(e->key) == 1) {
		*out = e->key;
		kc->hits++;
		pthread_mutex_unlock(&kc->mu);
		return 0;
	}
	kc->misses++;
	pthread_mutex_unlock(&kc->mu);
	/* decode outside the lock; two threads may both decode, both are right */
	r = decode(jwk_json, &key);
	if (r != 0)
		return r;
	if (EVP_PKEY_up_ref(key) != 1) {
		*out = key; /* not cached, still usable */
		return 0;
	}
	pthread_mutex_lock(&kc->mu);
	old_json = e->jwk_json;
	old_key = e->key;
	e->id = id;
	e->jwk_json = cn_xstrdup(jwk_json);
	e->key = key; /* the cache's reference */
	pthread_mutex_unlock(&kc->mu);
	free(old_json);
	EVP_PKEY_free(old_key);
	*out = key; /* the caller's reference */
	return 0;
}

void ca_keycache_stats(struct ca_keycache *kc, unsigned long *hits, unsigned long *misses)
{
	pthread_mutex_lock(&kc->mu);
	*hits = kc->hits;
	*misses = kc->misses;
	pthread_mutex_unlock(&kc->mu);
}
