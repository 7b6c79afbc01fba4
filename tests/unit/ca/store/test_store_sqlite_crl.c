/*
 * test_store_sqlite_crl.c - unit tests for src/ca/store/store_sqlite_crl.c
 * and the CRL trigger of 002_revocation.sql: shard rows, the entries of a
 * shard (only its own revoked certificates, and expired ones leave it), the
 * gen counters that mark a shard stale, and crlNumber compare-and-set.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "revocation_fixture.h"

static const unsigned char crl_a[] = {0x30, 0x00};
static const unsigned char crl_b[] = {0x30, 0x01, 0x00};

/* The stored state of one shard (without der unless asked). */
static struct ca_crl_shard shard_of(struct fx *f, int shard, bool with_der)
{
	struct ca_crl_shard *sh = NULL, out;
	size_t n = 0, i;
	bool found = false;

	memset(&out, 0, sizeof(out));
	assert_int_equal(ca_store_crl_shards(f->st, with_der, &sh, &n), 0);
	for (i = 0; i < n; i++) {
		if (i > 0)
			assert_true(sh[i - 1].shard < sh[i].shard);
		if (sh[i].shard == shard) {
			out = sh[i];
			memset(&sh[i], 0, sizeof(sh[i]));
			found = true;
		}
		ca_crl_shard_cleanup(&sh[i]);
	}
	free(sh);
	assert_true(found);
	return out;
}

static void test_ensure(void **state)
{
	struct fx *f = *state;
	struct ca_crl_shard *sh = NULL;
	size_t n = 0, i;

	assert_int_equal(ca_store_crl_ensure(f->st, 3), 0);
	assert_int_equal(ca_store_crl_ensure(f->st, 2), 0); /* no duplicates, none removed */
	assert_int_equal(ca_store_crl_shards(f->st, true, &sh, &n), 0);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++) {
		assert_int_equal(sh[i].shard, (int)i);
		assert_int_equal(sh[i].number, 0);
		assert_null(sh[i].der);
		assert_true(sh[i].built_gen < sh[i].gen);
		ca_crl_shard_cleanup(&sh[i]);
	}
	free(sh);
	assert_int_equal(ca_store_crl_ensure(f->st, -1), CN_ERR_INTERNAL);
}

static void test_entries_by_shard_and_expiry(void **state)
{
	struct fx *f = *state;
	struct ca_crl_entry *e = NULL;
	size_t n = 0;

	fx_cert(f, "2a02", "k1", 5000, 1);
	fx_cert(f, "2a01", "k2", 900, 1);
	fx_cert(f, "2a03", "k3", 5000, 2);
	fx_cert(f, "2a04", "k4", 5000, 1); /* stays valid */
	assert_int_equal(ca_store_cert_revoke(f->st, "2a02", 4, 100), 0);
	assert_int_equal(ca_store_cert_revoke(f->st, "2a01", 0, 110), 0);
	assert_int_equal(ca_store_cert_revoke(f->st, "2a03", 5, 120), 0);
	assert_int_equal(ca_store_crl_entries(f->st, 1, 0, &e, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(e[0].serial, "2a01"); /* serial order */
	assert_int_equal(e[0].reason, 0);
	assert_int_equal(e[0].revoked_at, 110);
	assert_string_equal(e[1].serial, "2a02");
	assert_int_equal(e[1].reason, 4);
	free(e);
	/* an expired certificate leaves its shard */
	assert_int_equal(ca_store_crl_entries(f->st, 1, 901, &e, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(e[0].serial, "2a02");
	free(e);
	assert_int_equal(ca_store_crl_entries(f->st, 1, 900, &e, &n), 0);
	assert_int_equal(n, 2);
	free(e);
	assert_int_equal(ca_store_crl_entries(f->st, 2, 0, &e, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(e[0].serial, "2a03");
	free(e);
	assert_int_equal(ca_store_crl_entries(f->st, 3, 0, &e, &n), 0);
	assert_int_equal(n, 0);
	free(e);
}

static void test_gen_and_put(void **state)
{
	struct fx *f = *state;
	struct ca_crl_shard s;
	int64_t gen;

	fx_cert(f, "3b01", "k1", 5000, 4);
	fx_cert(f, "3b02", "k2", 5000, 4);
	s = shard_of(f, 4, false);
	gen = s.gen;
	/* issuance does not make a shard stale, revocation does */
	assert_int_equal(ca_store_crl_put(f->st, 4, 0, 1000, gen, crl_a, sizeof(crl_a), 1000, 2000), 0);
	s = shard_of(f, 4, true);
	assert_int_equal(s.number, 1000);
	assert_int_equal(s.built_gen, gen);
	assert_int_equal(s.gen, gen);
	assert_int_equal(s.this_update, 1000);
	assert_int_equal(s.next_update, 2000);
	assert_int_equal(s.der_len, sizeof(crl_a));
	assert_memory_equal(s.der, crl_a, sizeof(crl_a));
	ca_crl_shard_cleanup(&s);
	fx_cert(f, "3b03", "k3", 5000, 4);
	s = shard_of(f, 4, false);
	assert_int_equal(s.gen, gen);
	assert_int_equal(ca_store_cert_revoke(f->st, "3b01", 1, 1100), 0);
	s = shard_of(f, 4, false);
	assert_int_equal(s.gen, gen + 1);
	assert_true(s.built_gen < s.gen);
	/* a builder that started from number 1000 after it was replaced loses */
	assert_int_equal(ca_store_crl_put(f->st, 4, 1000, 1001, gen + 1, crl_b, sizeof(crl_b), 1100,
	    2100), 0);
	assert_int_equal(ca_store_crl_put(f->st, 4, 1000, 1002, gen + 1, crl_a, sizeof(crl_a), 1100,
	    2100), CN_ERR_CONFLICT);
	s = shard_of(f, 4, true);
	assert_int_equal(s.number, 1001);
	assert_memory_equal(s.der, crl_b, sizeof(crl_b));
	assert_int_equal(s.built_gen, s.gen);
	ca_crl_shard_cleanup(&s);
	/* numbers only grow */
	assert_int_equal(ca_store_crl_put(f->st, 4, 1001, 1001, gen, crl_a, sizeof(crl_a), 1, 2),
	    CN_ERR_INTERNAL);
	/* a revocation landing during a build: built_gen stays below gen */
	s = shard_of(f, 4, false);
	gen = s.gen;
	assert_int_equal(ca_store_cert_revoke(f->st, "3b02", 4, 1200), 0);
	assert_int_equal(ca_store_crl_put(f->st, 4, 1001, 1200, gen, crl_a, sizeof(crl_a), 1200,
	    2200), 0);
	s = shard_of(f, 4, false);
	assert_true(s.built_gen < s.gen);
	/* key compromise of a revoked certificate changes its reason: stale */
	gen = s.gen;
	assert_int_equal(ca_store_key_compromised(f->st, "3b02", 1300, NULL), 0);
	s = shard_of(f, 4, false);
	assert_true(s.gen > gen);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_ensure),
		T(test_entries_by_shard_and_expiry),
		T(test_gen_and_put),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
