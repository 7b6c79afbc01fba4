/*
 * test_store_sqlite_admin.c - the administrator's lists in the SQLite store
 * (src/ca/store/store_sqlite_admin.c).
 */
#include "sqfix.h"

static void test_lists(void **state)
{
	struct fx *f = *state;
	struct ca_account *accts = NULL;
	struct ca_cert *certs = NULL;
	int64_t a, b, *ids = NULL;
	size_t n = 0;

	a = fx_account(f->st, "a");
	b = fx_account(f->st, "b");
	(void)fx_cert(f->st, a, "01", "k1", 900000);
	(void)fx_cert(f->st, b, "02", "k2", 900000);
	(void)fx_order(f->st, a, "x.example", NULL, NULL);

	assert_int_equal(ca_store_account_list(f->st, 0, 10, &accts, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(accts[0].id, b);
	assert_string_equal(accts[1].thumbprint, "a");
	ca_accounts_free(accts, n);
	assert_int_equal(ca_store_account_list(f->st, b, 10, &accts, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(accts[0].id, a);
	ca_accounts_free(accts, n);

	assert_int_equal(ca_store_order_ids(f->st, 0, 0, 10, &ids, &n), 0);
	assert_int_equal(n, 3);
	assert_true(ids[0] > ids[1] && ids[1] > ids[2]);
	free(ids);
	assert_int_equal(ca_store_order_ids(f->st, a, 0, 1, &ids, &n), 0);
	assert_int_equal(n, 1);
	free(ids);
	assert_int_equal(ca_store_order_ids(f->st, b, 0, 10, &ids, &n), 0);
	assert_int_equal(n, 1);
	free(ids);

	assert_int_equal(ca_store_cert_list(f->st, 0, 0, 10, &certs, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(certs[0].serial, "02");
	assert_int_equal(certs[0].der_len, 5);
	ca_certs_free(certs, n);
	assert_int_equal(ca_store_cert_list(f->st, a, 0, 10, &certs, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(certs[0].serial, "01");
	assert_string_equal(certs[0].key_sha256, "k1");
	ca_certs_free(certs, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lists, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
