/*
 * test_csrcache.c - unit tests of src/ca/csrcache.c through csrcache.h: a
 * CSR handed over for an order is taken once, only with the very DER it was
 * parsed from; the oldest entry is dropped (and freed) when the cache is
 * full; a NULL cache frees what it is given.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csrcache.h"
#include "x509/key.h"

#define N_CSR 3

struct fx {
	unsigned char *der[N_CSR];
	size_t len[N_CSR];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	const char *names[N_CSR] = {"a.example.test", "b.example.test", "c.example.test"};
	EVP_PKEY *k = NULL;
	int i;

	if (f == NULL)
		return -1;
	for (i = 0; i < N_CSR; i++) {
		if (cn_key_generate(CN_KEY_P256, &k) != 0 ||
		    cn_csr_new(k, &names[i], 1, NULL, 0, false, &f->der[i], &f->len[i]) != 0)
			return -1;
		EVP_PKEY_free(k);
		k = NULL;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	int i;

	for (i = 0; i < N_CSR; i++)
		free(f->der[i]);
	free(f);
	return 0;
}

static struct cn_csr *parse(const struct fx *f, int i)
{
	struct cn_csr *csr = NULL;

	assert_int_equal(cn_csr_parse_der(f->der[i], f->len[i], &csr), 0);
	return csr;
}

static void test_put_then_take_once(void **state)
{
	struct fx *f = *state;
	struct ca_csrcache *cc = ca_csrcache_new(8);
	struct cn_csr *csr = parse(f, 0), *got;

	ca_csrcache_put(cc, 42, f->der[0], f->len[0], csr);
	got = ca_csrcache_take(cc, 42, f->der[0], f->len[0]);
	assert_ptr_equal(got, csr);
	assert_string_equal(got->dns_names[0], "a.example.test");
	assert_null(ca_csrcache_take(cc, 42, f->der[0], f->len[0]));
	cn_csr_free(got);
	ca_csrcache_free(cc);
}

/* Only the stored DER itself: another CSR for the same order is not it. */
static void test_take_needs_the_same_der(void **state)
{
	struct fx *f = *state;
	struct ca_csrcache *cc = ca_csrcache_new(8);
	struct cn_csr *got;

	ca_csrcache_put(cc, 7, f->der[0], f->len[0], parse(f, 0));
	assert_null(ca_csrcache_take(cc, 7, f->der[1], f->len[1]));
	assert_null(ca_csrcache_take(cc, 8, f->der[0], f->len[0]));
	assert_null(ca_csrcache_take(cc, 7, f->der[0], f->len[0] - 1));
	got = ca_csrcache_take(cc, 7, f->der[0], f->len[0]);
	assert_non_null(got);
	cn_csr_free(got);
	ca_csrcache_free(cc);
}

/* Two finalize requests racing on one order both parse; the job takes the
 * one whose DER was stored. */
static void test_same_order_two_csrs(void **state)
{
	struct fx *f = *state;
	struct ca_csrcache *cc = ca_csrcache_new(8);
	struct cn_csr *got;

	ca_csrcache_put(cc, 5, f->der[0], f->len[0], parse(f, 0));
	ca_csrcache_put(cc, 5, f->der[1], f->len[1], parse(f, 1));
	got = ca_csrcache_take(cc, 5, f->der[1], f->len[1]);
	assert_non_null(got);
	assert_string_equal(got->dns_names[0], "b.example.test");
	cn_csr_free(got);
	ca_csrcache_free(cc); /* frees the other one */
}

static void test_oldest_dropped_when_full(void **state)
{
	struct fx *f = *state;
	struct ca_csrcache *cc = ca_csrcache_new(2);
	struct cn_csr *got;
	int i;

	for (i = 0; i < N_CSR; i++)
		ca_csrcache_put(cc, i + 1, f->der[i], f->len[i], parse(f, i));
	assert_null(ca_csrcache_take(cc, 1, f->der[0], f->len[0]));
	for (i = 1; i < N_CSR; i++) {
		got = ca_csrcache_take(cc, i + 1, f->der[i], f->len[i]);
		assert_non_null(got);
		cn_csr_free(got);
	}
	ca_csrcache_free(cc);
}

static void test_null_cache(void **state)
{
	struct fx *f = *state;

	/* put frees the CSR (the sanitizer build would report a leak) */
	ca_csrcache_put(NULL, 1, f->der[0], f->len[0], parse(f, 0));
	assert_null(ca_csrcache_take(NULL, 1, f->der[0], f->len[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_then_take_once),
		cmocka_unit_test(test_take_needs_the_same_der),
		cmocka_unit_test(test_same_order_two_csrs),
		cmocka_unit_test(test_oldest_dropped_when_full),
		cmocka_unit_test(test_null_cache),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
