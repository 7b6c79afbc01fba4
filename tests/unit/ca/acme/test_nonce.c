/*
 * test_nonce.c - nonces made ahead in batches (acme/nonce.c): every nonce
 * handed out is in the store and good exactly once, nonces are distinct,
 * a batch is written in one store transaction, and a batch older than half
 * the nonce lifetime is replaced so that a client gets at least half of it.
 */
#include "../store/sqfix.h"

#include "acme/acme.h"
#include "config.h"

struct nfx {
	struct fx store;
	struct ca_config cfg;
	struct ca_ctx ctx;
};

static int setup(void **state)
{
	struct nfx *n = calloc(1, sizeof(*n));
	void *inner = NULL;

	if (n == NULL || fx_setup(&inner) != 0) {
		free(n);
		return -1;
	}
	n->store = *(struct fx *)inner;
	free(inner);
	ca_config_defaults(&n->cfg);
	n->cfg.nonce_lifetime_s = 100;
	n->ctx.cfg = &n->cfg;
	n->ctx.store = n->store.st;
	n->ctx.nonces = ca_noncepool_new();
	*state = n;
	return 0;
}

static int teardown(void **state)
{
	struct nfx *n = *state;
	struct fx *f = malloc(sizeof(*f));

	ca_noncepool_free(n->ctx.nonces);
	ca_config_cleanup(&n->cfg);
	*f = n->store;
	free(n);
	return fx_teardown((void **)&f);
}

static void test_each_nonce_good_once(void **state)
{
	struct nfx *n = *state;
	char *seen[CA_NONCE_BATCH * 2 + 1];
	size_t i, j;

	for (i = 0; i < CA_NONCE_BATCH * 2 + 1; i++) {
		assert_int_equal(ca_nonce_new(&n->ctx, 1000, &seen[i]), 0);
		assert_int_equal(strlen(seen[i]), 22);
		for (j = 0; j < i; j++)
			assert_string_not_equal(seen[i], seen[j]);
	}
	for (i = 0; i < CA_NONCE_BATCH * 2 + 1; i++) {
		assert_int_equal(ca_store_nonce_take(n->store.st, seen[i], 1001), 0);
		assert_int_equal(ca_store_nonce_take(n->store.st, seen[i], 1001),
		    CN_ERR_BAD_NONCE);
		free(seen[i]);
	}
}

static void test_old_batch_replaced(void **state)
{
	struct nfx *n = *state;
	char *a = NULL, *b = NULL, *c = NULL;

	/* Stored at 1000, good until 1100. */
	assert_int_equal(ca_nonce_new(&n->ctx, 1000, &a), 0);
	/* Still the same batch at 1049: expires at 1100. */
	assert_int_equal(ca_nonce_new(&n->ctx, 1049, &b), 0);
	assert_int_equal(ca_store_nonce_take(n->store.st, b, 1100), CN_ERR_BAD_NONCE);
	/* At 1050, half the lifetime has gone: a new batch, good until 1150. */
	assert_int_equal(ca_nonce_new(&n->ctx, 1050, &c), 0);
	assert_int_equal(ca_store_nonce_take(n->store.st, c, 1149), 0);
	assert_int_equal(ca_store_nonce_take(n->store.st, a, 1099), 0);
	free(a);
	free(b);
	free(c);
}

static void test_without_pool_one_at_a_time(void **state)
{
	struct nfx *n = *state;
	struct ca_noncepool *pool = n->ctx.nonces;
	char *a = NULL;

	n->ctx.nonces = NULL;
	assert_int_equal(ca_nonce_new(&n->ctx, 1000, &a), 0);
	n->ctx.nonces = pool;
	assert_int_equal(ca_store_nonce_take(n->store.st, a, 1001), 0);
	free(a);
}

static void test_add_many_is_all_or_none(void **state)
{
	struct nfx *n = *state;
	const char *vals[3] = {"dup-a", "dup-b", "dup-a"};

	assert_int_equal(ca_store_nonce_add_many(n->store.st, vals, 3, 2000), CN_ERR_CONFLICT);
	assert_int_equal(ca_store_nonce_take(n->store.st, "dup-b", 1000), CN_ERR_BAD_NONCE);
	assert_int_equal(ca_store_nonce_add_many(n->store.st, vals, 2, 2000), 0);
	assert_int_equal(ca_store_nonce_take(n->store.st, "dup-b", 1000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_each_nonce_good_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_batch_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_without_pool_one_at_a_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_many_is_all_or_none, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
