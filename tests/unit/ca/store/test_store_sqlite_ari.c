/*
 * test_store_sqlite_ari.c - ACME Renewal Information state in the SQLite
 * store (src/ca/store/store_sqlite_ari.c): early-renewal marks by serial,
 * by account and for all certificates (only valid, unexpired ones, and only
 * those that exist when the mark is set), and the "replaces" relation of
 * RFC 9773 section 5 with its alreadyReplaced check.
 */
#include "sqfix.h"

static bool marked(struct ca_store *st, const char *serial, int64_t *when, const char *url)
{
	char *u = NULL;
	int r;

	r = ca_store_ari_mark_get(st, serial, when, &u);
	if (r == CN_ERR_NOT_FOUND)
		return false;
	assert_int_equal(r, 0);
	if (url)
		assert_string_equal(u, url);
	free(u);
	return true;
}

static void test_marks(void **state)
{
	struct fx *f = *state;
	int64_t a1, a2, when = 0;
	size_t n = 99;

	a1 = fx_account(f->st, "a1");
	a2 = fx_account(f->st, "a2");
	(void)fx_cert(f->st, a1, "01", "k1", 900000);
	(void)fx_cert(f->st, a1, "02", "k2", 900000);
	(void)fx_cert(f->st, a2, "03", "k3", 900000);
	(void)fx_cert(f->st, a2, "04", "k4", 1500);      /* expires at 1500 */
	assert_int_equal(ca_store_cert_revoke(f->st, "03", 1, 1200), 0);

	assert_false(marked(f->st, "01", &when, NULL));
	assert_int_equal(ca_store_ari_mark(f->st, "01", 0, 2000, "https://x.example/why", &n), 0);
	assert_int_equal(n, 1);
	assert_true(marked(f->st, "01", &when, "https://x.example/why"));
	assert_int_equal(when, 2000);
	assert_false(marked(f->st, "02", &when, NULL));
	/* unknown, revoked and expired certificates cannot be marked by serial */
	assert_int_equal(ca_store_ari_mark(f->st, "ff", 0, 2000, "", &n), CN_ERR_NOT_FOUND);
	assert_int_equal(ca_store_ari_mark(f->st, "03", 0, 2000, "", &n), CN_ERR_NOT_FOUND);
	assert_int_equal(ca_store_ari_mark(f->st, "04", 0, 2000, "", &n), CN_ERR_NOT_FOUND);

	assert_int_equal(ca_store_ari_mark(f->st, NULL, a1, 2100, "", &n), 0);
	assert_int_equal(n, 2);
	assert_true(marked(f->st, "01", &when, ""));
	assert_int_equal(when, 2100);
	assert_true(marked(f->st, "02", &when, ""));
	assert_int_equal(ca_store_ari_mark(f->st, NULL, a2, 2100, "", &n), 0);
	assert_int_equal(n, 0);

	/* all: only what exists now; a later certificate is not marked */
	assert_int_equal(ca_store_ari_mark(f->st, NULL, 0, 1400, "u", &n), 0);
	assert_int_equal(n, 3);                              /* 01 02 04 */
	assert_true(marked(f->st, "04", &when, "u"));
	assert_false(marked(f->st, "03", &when, NULL));
	(void)fx_cert(f->st, a2, "05", "k5", 900000);
	assert_false(marked(f->st, "05", &when, NULL));
}

static void test_replaces(void **state)
{
	struct fx *f = *state;
	int64_t a, o1, o2, o3;
	char *id = NULL;

	a = fx_account(f->st, "a");
	(void)fx_cert(f->st, a, "0a", "k", 900000);
	o1 = fx_order(f->st, a, "n1.example", NULL, NULL);
	o2 = fx_order(f->st, a, "n2.example", NULL, NULL);
	o3 = fx_order(f->st, a, "n3.example", NULL, NULL);

	assert_int_equal(ca_store_order_replaces_get(f->st, o1, &id), CN_ERR_NOT_FOUND);
	assert_int_equal(ca_store_cert_replaced(f->st, "0a", 0, 2000), 0);
	assert_int_equal(ca_store_order_replaces_set(f->st, o1, "AKI.Cg", "0a", 2000), 0);
	assert_int_equal(ca_store_order_replaces_get(f->st, o1, &id), 0);
	assert_string_equal(id, "AKI.Cg");
	free(id);
	assert_int_equal(ca_store_cert_replaced(f->st, "0a", 0, 2000), CN_ERR_ALREADY_REPLACED);
	assert_int_equal(ca_store_cert_replaced(f->st, "0a", o1, 2000), 0);
	assert_int_equal(ca_store_order_replaces_set(f->st, o2, "AKI.Cg", "0a", 2000),
	    CN_ERR_ALREADY_REPLACED);
	assert_int_equal(ca_store_order_replaces_get(f->st, o2, &id), CN_ERR_NOT_FOUND);

	/* o1 expires unfinished (orders expire at 8000): it no longer counts */
	assert_int_equal(ca_store_cert_replaced(f->st, "0a", 0, 8000), 0);
	/* o1 invalid: the certificate may be replaced again */
	assert_int_equal(ca_store_order_transition(f->st, o1, CA_ST_PENDING, CA_ST_INVALID, NULL), 0);
	assert_int_equal(ca_store_order_replaces_set(f->st, o3, "AKI.Cg", "0a", 2000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_marks, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_replaces, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
