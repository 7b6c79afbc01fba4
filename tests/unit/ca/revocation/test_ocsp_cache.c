/*
 * test_ocsp_cache.c - unit tests for src/ca/revocation/ocsp_cache.c: hits
 * and misses (expired responses are misses), the replacement rules (newer
 * stored responses win; on-demand and unknown ones never replace a stored
 * one), the bound on "unknown" entries, sweeping, growth to many entries,
 * the precomputed ETag and HTTP dates, and readers racing a writer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "revocation/ocsp_cache.h"
#include "signer/signer.h"

static const unsigned char sa[] = {0x11, 0x22, 0x33};
static const unsigned char sb[] = {0x11, 0x22, 0x34};

static void put(struct ca_ocsp_cache *c, const unsigned char *serial, size_t len, unsigned char v,
    int64_t next_update, int64_t id, bool unknown, bool want)
{
	unsigned char der[40];

	memset(der, v, sizeof(der));
	assert_int_equal(ca_ocsp_cache_put(c, serial, len, der, sizeof(der), 1000, next_update, id,
	    unknown), want);
}

/* The version byte of the response for serial at now, or -1 for a miss. */
static int get(struct ca_ocsp_cache *c, const unsigned char *serial, size_t len, int64_t now)
{
	struct ca_ocsp_hit h;
	int v;

	memset(&h, 0, sizeof(h));
	if (!ca_ocsp_cache_get(c, serial, len, now, &h))
		return -1;
	assert_int_equal(h.der_len, 40);
	v = h.der[0];
	ca_ocsp_hit_cleanup(&h);
	return v;
}

static void test_hit_miss_and_headers(void **state)
{
	struct ca_ocsp_cache *c = NULL;
	struct ca_ocsp_hit h;
	unsigned char der[40], md[SHA256_DIGEST_LENGTH];
	char want[68];
	size_t i;

	(void)state;
	assert_int_equal(ca_ocsp_cache_new(10, &c), 0);
	assert_int_equal(get(c, sa, sizeof(sa), 100), -1);
	put(c, sa, sizeof(sa), 7, 2000, 1, false, true);
	assert_int_equal(get(c, sa, sizeof(sa), 100), 7);
	assert_int_equal(get(c, sb, sizeof(sb), 100), -1);
	assert_int_equal(get(c, sa, 2, 100), -1); /* a prefix is another serial */
	/* expired at next_update */
	assert_int_equal(get(c, sa, sizeof(sa), 1999), 7);
	assert_int_equal(get(c, sa, sizeof(sa), 2000), -1);
	memset(&h, 0, sizeof(h));
	assert_true(ca_ocsp_cache_get(c, sa, sizeof(sa), 100, &h));
	assert_int_equal(h.this_update, 1000);
	assert_int_equal(h.next_update, 2000);
	assert_false(h.unknown);
	memset(der, 7, sizeof(der));
	SHA256(der, sizeof(der), md);
	want[0] = '"';
	for (i = 0; i < sizeof(md); i++)
		snprintf(want + 1 + 2 * i, 3, "%02x", md[i]);
	want[65] = '"';
	want[66] = '\0';
	assert_string_equal(h.etag, want);
	assert_string_equal(h.last_modified, "Thu, 01 Jan 1970 00:16:40 GMT");
	assert_string_equal(h.expires, "Thu, 01 Jan 1970 00:33:20 GMT");
	ca_ocsp_hit_cleanup(&h);
	/* bad serial lengths */
	assert_false(ca_ocsp_cache_put(c, sa, 0, der, 1, 1, 2, 1, false));
	assert_false(ca_ocsp_cache_put(c, der, CA_OCSP_SERIAL_MAX + 1, der, 1, 1, 2, 1, false));
	assert_false(ca_ocsp_cache_put(c, sa, sizeof(sa), der, 0, 1, 2, 1, false));
	assert_int_equal(get(c, der, CA_OCSP_SERIAL_MAX + 1, 100), -1);
	ca_ocsp_cache_free(c);
}

static void test_replacement_rules(void **state)
{
	struct ca_ocsp_cache *c = NULL;

	(void)state;
	assert_int_equal(ca_ocsp_cache_new(10, &c), 0);
	/* on demand, then stored: the stored one wins */
	put(c, sa, sizeof(sa), 1, 9000, 0, false, true);
	put(c, sa, sizeof(sa), 2, 9000, 0, false, true);
	assert_int_equal(get(c, sa, sizeof(sa), 100), 2);
	put(c, sa, sizeof(sa), 3, 9000, 5, false, true);
	assert_int_equal(get(c, sa, sizeof(sa), 100), 3);
	/* an older or equal stored one, an on-demand one, an unknown one: refused */
	put(c, sa, sizeof(sa), 4, 9000, 4, false, false);
	put(c, sa, sizeof(sa), 4, 9000, 5, false, false);
	put(c, sa, sizeof(sa), 4, 9000, 0, false, false);
	put(c, sa, sizeof(sa), 4, 9000, 0, true, false);
	assert_int_equal(get(c, sa, sizeof(sa), 100), 3);
	put(c, sa, sizeof(sa), 6, 9000, 6, false, true);
	assert_int_equal(get(c, sa, sizeof(sa), 100), 6);
	/* unknown, then stored */
	put(c, sb, sizeof(sb), 8, 9000, 0, true, true);
	assert_int_equal(get(c, sb, sizeof(sb), 100), 8);
	put(c, sb, sizeof(sb), 9, 9000, 7, false, true);
	assert_int_equal(get(c, sb, sizeof(sb), 100), 9);
	assert_int_equal(ca_ocsp_cache_count(c), 2);
	ca_ocsp_cache_free(c);
}

static void test_unknown_bound_and_sweep(void **state)
{
	struct ca_ocsp_cache *c = NULL;
	unsigned char s[4] = {0x7f, 0, 0, 0};
	int i;

	(void)state;
	assert_int_equal(ca_ocsp_cache_new(3, &c), 0);
	assert_int_equal(ca_ocsp_cache_new(0, &c), CN_ERR_INTERNAL);
	put(c, sa, sizeof(sa), 1, 9000, 1, false, true);
	for (i = 1; i <= 3; i++) {
		s[3] = (unsigned char)i;
		put(c, s, sizeof(s), (unsigned char)i, 9000, 0, true, true);
	}
	assert_int_equal(ca_ocsp_cache_count(c), 4);
	/* the fourth unknown one: the others go, the stored one stays */
	s[3] = 4;
	put(c, s, sizeof(s), 4, 9000, 0, true, true);
	assert_int_equal(ca_ocsp_cache_count(c), 2);
	assert_int_equal(get(c, s, sizeof(s), 100), 4);
	s[3] = 1;
	assert_int_equal(get(c, s, sizeof(s), 100), -1);
	assert_int_equal(get(c, sa, sizeof(sa), 100), 1);
	/* sweep */
	put(c, sb, sizeof(sb), 2, 500, 2, false, true);
	assert_int_equal(ca_ocsp_cache_sweep(c, 600), 1);
	assert_int_equal(ca_ocsp_cache_count(c), 2);
	assert_int_equal(ca_ocsp_cache_sweep(c, 9000), 2);
	assert_int_equal(ca_ocsp_cache_count(c), 0);
	ca_ocsp_cache_free(c);
}

static void test_many_entries(void **state)
{
	struct ca_ocsp_cache *c = NULL;
	unsigned char s[16];
	int i;

	(void)state;
	assert_int_equal(ca_ocsp_cache_new(10, &c), 0);
	memset(s, 0x42, sizeof(s));
	for (i = 0; i < 20000; i++) {
		memcpy(s, &i, sizeof(i));
		put(c, s, sizeof(s), (unsigned char)(i & 0x7f), 9000, i + 1, false, true);
	}
	assert_int_equal(ca_ocsp_cache_count(c), 20000);
	for (i = 0; i < 20000; i += 7) {
		memcpy(s, &i, sizeof(i));
		assert_int_equal(get(c, s, sizeof(s), 100), i & 0x7f);
	}
	ca_ocsp_cache_free(c);
}

struct race {
	struct ca_ocsp_cache *c;
	volatile int stop;
	long reads;
};

static void *reader(void *arg)
{
	struct race *r = arg;
	struct ca_ocsp_hit h;
	size_t i;

	while (!r->stop) {
		memset(&h, 0, sizeof(h));
		if (ca_ocsp_cache_get(r->c, sa, sizeof(sa), 100, &h)) {
			/* a whole response, never a mix of two */
			for (i = 1; i < h.der_len; i++)
				if (h.der[i] != h.der[0])
					abort();
			ca_ocsp_hit_cleanup(&h);
		}
		r->reads++;
	}
	return NULL;
}

static void test_readers_race_writer(void **state)
{
	struct race r = {NULL, 0, 0};
	pthread_t t[2];
	int i;

	(void)state;
	assert_int_equal(ca_ocsp_cache_new(10, &r.c), 0);
	put(r.c, sa, sizeof(sa), 0, 9000, 1, false, true);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, reader, &r), 0);
	for (i = 2; i < 20000; i++)
		put(r.c, sa, sizeof(sa), (unsigned char)i, 9000, i, false, true);
	r.stop = 1;
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_true(r.reads > 0);
	assert_int_equal(get(r.c, sa, sizeof(sa), 100), (unsigned char)19999);
	ca_ocsp_cache_free(r.c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hit_miss_and_headers),
		cmocka_unit_test(test_replacement_rules),
		cmocka_unit_test(test_unknown_bound_and_sweep),
		cmocka_unit_test(test_many_entries),
		cmocka_unit_test(test_readers_race_writer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
