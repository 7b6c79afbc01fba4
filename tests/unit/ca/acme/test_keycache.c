/*
 * test_keycache.c - unit tests of src/ca/acme/keycache.c through
 * acme/keycache.h: decoded account keys are reused only for the same
 * account and the same stored JWK (a key change is seen at once), slots
 * shared by several accounts give each its own key, bad JWKs fail as
 * without a cache, and concurrent lookups return the right key.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "acme/keycache.h"
#include "jose/jwk.h"
#include "x509/key.h"

#define N_KEYS 6

struct fx {
	EVP_PKEY *key[N_KEYS];
	char *jwk[N_KEYS]; /* canonical JSON of key[i]'s public JWK */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	json_t *j = NULL;
	int i;

	if (f == NULL)
		return -1;
	for (i = 0; i < N_KEYS; i++) {
		if (cn_key_generate(i % 2 ? CN_KEY_P384 : CN_KEY_P256, &f->key[i]) != 0 ||
		    cn_jwk_from_pkey(f->key[i], &j) != 0 || cn_jwk_canonical(j, &f->jwk[i]) != 0)
			return -1;
		json_decref(j);
		j = NULL;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	int i;

	for (i = 0; i < N_KEYS; i++) {
		EVP_PKEY_free(f->key[i]);
		free(f->jwk[i]);
	}
	free(f);
	return 0;
}

/* k is the public half of want */
static void assert_same_key(EVP_PKEY *k, EVP_PKEY *want)
{
	assert_non_null(k);
	assert_int_equal(EVP_PKEY_eq(k, want), 1);
}

static void test_without_cache_decodes(void **state)
{
	struct fx *f = *state;
	EVP_PKEY *k = NULL;

	assert_int_equal(ca_keycache_get(NULL, 7, f->jwk[0], &k), 0);
	assert_same_key(k, f->key[0]);
	EVP_PKEY_free(k);
}

static void test_hit_returns_the_cached_key(void **state)
{
	struct fx *f = *state;
	struct ca_keycache *kc = ca_keycache_new(16);
	EVP_PKEY *a = NULL, *b = NULL;
	unsigned long hits, misses;

	assert_int_equal(ca_keycache_get(kc, 5, f->jwk[0], &a), 0);
	assert_int_equal(ca_keycache_get(kc, 5, f->jwk[0], &b), 0);
	assert_ptr_equal(a, b);
	assert_same_key(b, f->key[0]);
	ca_keycache_stats(kc, &hits, &misses);
	assert_int_equal(hits, 1);
	assert_int_equal(misses, 1);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
	/* the caller's references outlive the cache and the reverse */
	ca_keycache_free(kc);
}

/* RFC 8555 7.3.5: after a key change the stored JWK differs. */
static void test_changed_jwk_is_decoded_again(void **state)
{
	struct fx *f = *state;
	struct ca_keycache *kc = ca_keycache_new(16);
	EVP_PKEY *a = NULL, *b = NULL, *c = NULL;

	assert_int_equal(ca_keycache_get(kc, 9, f->jwk[0], &a), 0);
	assert_int_equal(ca_keycache_get(kc, 9, f->jwk[2], &b), 0);
	assert_same_key(a, f->key[0]);
	assert_same_key(b, f->key[2]);
	assert_int_equal(EVP_PKEY_eq(a, b), 0);
	/* and back: never the stale key */
	assert_int_equal(ca_keycache_get(kc, 9, f->jwk[0], &c), 0);
	assert_same_key(c, f->key[0]);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
	EVP_PKEY_free(c);
	ca_keycache_free(kc);
}

static void test_accounts_sharing_a_slot(void **state)
{
	struct fx *f = *state;
	struct ca_keycache *kc = ca_keycache_new(1);
	EVP_PKEY *k = NULL;
	int round, i;

	for (round = 0; round < 2; round++) {
		for (i = 0; i < N_KEYS; i++) {
			assert_int_equal(ca_keycache_get(kc, i + 1, f->jwk[i], &k), 0);
			assert_same_key(k, f->key[i]);
			EVP_PKEY_free(k);
			k = NULL;
		}
	}
	/* same JWK, other account: not the other account's entry */
	assert_int_equal(ca_keycache_get(kc, 100, f->jwk[N_KEYS - 1], &k), 0);
	assert_same_key(k, f->key[N_KEYS - 1]);
	EVP_PKEY_free(k);
	ca_keycache_free(kc);
}

static void test_bad_jwk(void **state)
{
	struct ca_keycache *kc = ca_keycache_new(4);
	EVP_PKEY *k = NULL;

	(void)state;
	assert_int_equal(ca_keycache_get(kc, 1, "{not json", &k), CN_ERR_STORE);
	assert_int_equal(ca_keycache_get(kc, 1,
	    "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"AAAA\",\"y\":\"AAAA\"}", &k), CN_ERR_BAD_KEY);
	assert_null(k);
	ca_keycache_free(kc);
}

struct worker {
	struct fx *f;
	struct ca_keycache *kc;
	int idx;
	int wrong;
	int failed;
};

static void *hammer(void *arg)
{
	struct worker *w = arg;
	EVP_PKEY *k;
	int n, i;

	for (n = 0; n < 400; n++) {
		i = (n * 7 + w->idx) % N_KEYS;
		k = NULL;
		if (ca_keycache_get(w->kc, i + 1, w->f->jwk[i], &k) != 0) {
			w->failed++;
			continue;
		}
		if (EVP_PKEY_eq(k, w->f->key[i]) != 1)
			w->wrong++;
		EVP_PKEY_free(k);
	}
	return NULL;
}

static void test_concurrent_lookups(void **state)
{
	struct fx *f = *state;
	struct ca_keycache *kc = ca_keycache_new(3); /* forces evictions */
	struct worker w[4];
	pthread_t th[4];
	int i;

	for (i = 0; i < 4; i++) {
		w[i] = (struct worker){f, kc, i, 0, 0};
		assert_int_equal(pthread_create(&th[i], NULL, hammer, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].failed, 0);
		assert_int_equal(w[i].wrong, 0);
	}
	ca_keycache_free(kc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_without_cache_decodes),
		cmocka_unit_test(test_hit_returns_the_cached_key),
		cmocka_unit_test(test_changed_jwk_is_decoded_again),
		cmocka_unit_test(test_accounts_sharing_a_slot),
		cmocka_unit_test(test_bad_jwk),
		cmocka_unit_test(test_concurrent_lookups),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
