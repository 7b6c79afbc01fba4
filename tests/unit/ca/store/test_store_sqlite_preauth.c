/*
 * test_store_sqlite_preauth.c - authorizations outside orders in the SQLite
 * store (src/ca/store/store_sqlite_preauth.c): pre-authorization (RFC 8555
 * section 7.4.1) and cancelling an account's pending work on deactivation
 * (section 7.3.6).
 */
#include "sqfix.h"

static void test_authz_create_and_reuse(void **state)
{
	struct fx *f = *state;
	struct ca_challenge ch[2];
	struct ca_authz az, got, found;
	int64_t acct, *orders = NULL;
	size_t n = 9;

	memset(&got, 0, sizeof(got));
	memset(&found, 0, sizeof(found));
	acct = fx_account(f->st, "a");
	fx_fill_authz(&az, ch, acct, "pre.example");
	assert_int_equal(ca_store_authz_create(f->st, &az), 0);
	assert_true(az.id > 0);
	assert_true(ch[0].id > 0 && ch[1].id > ch[0].id);
	assert_int_equal(ch[0].authz_id, az.id);
	assert_int_equal(ca_store_authz_get(f->st, az.id, &got), 0);
	assert_int_equal(got.n_challenges, 2);
	assert_string_equal(got.id_value, "pre.example");
	assert_string_equal(got.challenges[1].type, "dns-01");
	ca_authz_cleanup(&got);
	assert_int_equal(ca_store_orders_by_authz(f->st, az.id, &orders, &n), 0);
	assert_int_equal(n, 0);
	free(orders);

	/* once valid, it is found for reuse by a new order */
	assert_int_equal(ca_store_challenge_start(f->st, ch[0].id, 1100), 0);
	assert_int_equal(ca_store_challenge_finish(f->st, ch[0].id, true, NULL, 1101), 0);
	assert_int_equal(ca_store_authz_find_valid(f->st, acct, "dns", "pre.example", false, 1200,
	    &found), 0);
	assert_int_equal(found.id, az.id);
	ca_authz_cleanup(&found);
}

static void test_cancel_pending(void **state)
{
	struct fx *f = *state;
	struct ca_challenge ch[2];
	struct ca_authz az, got;
	struct ca_order o;
	int64_t a, b, pending, ready, valid, other, ready_chall, authz_p;

	memset(&got, 0, sizeof(got));
	memset(&o, 0, sizeof(o));
	a = fx_account(f->st, "a");
	b = fx_account(f->st, "b");
	pending = fx_order(f->st, a, "p.example", &authz_p, NULL);
	ready = fx_order(f->st, a, "r.example", NULL, &ready_chall);
	assert_int_equal(ca_store_challenge_start(f->st, ready_chall, 1100), 0);
	assert_int_equal(ca_store_challenge_finish(f->st, ready_chall, true, NULL, 1101), 0);
	valid = fx_cert(f->st, a, "0b", "k", 900000);
	other = fx_order(f->st, b, "o.example", NULL, NULL);
	fx_fill_authz(&az, ch, a, "pre.example");
	assert_int_equal(ca_store_authz_create(f->st, &az), 0);

	assert_int_equal(ca_store_account_cancel_pending(f->st, a, "{\"t\":1}"), 0);
	assert_int_equal(ca_store_order_get(f->st, pending, &o), 0);
	assert_int_equal(o.status, CA_ST_INVALID);
	assert_string_equal(o.error_json, "{\"t\":1}");
	ca_order_cleanup(&o);
	assert_int_equal(ca_store_order_get(f->st, ready, &o), 0);
	assert_int_equal(o.status, CA_ST_INVALID);
	ca_order_cleanup(&o);
	assert_int_equal(ca_store_order_get(f->st, valid, &o), 0);
	assert_int_equal(o.status, CA_ST_VALID);
	ca_order_cleanup(&o);
	assert_int_equal(ca_store_order_get(f->st, other, &o), 0);
	assert_int_equal(o.status, CA_ST_PENDING);
	ca_order_cleanup(&o);
	assert_int_equal(ca_store_authz_get(f->st, az.id, &got), 0);
	assert_int_equal(got.status, CA_ST_DEACTIVATED);
	ca_authz_cleanup(&got);
	assert_int_equal(ca_store_authz_get(f->st, authz_p, &got), 0);
	assert_int_equal(got.status, CA_ST_DEACTIVATED);
	ca_authz_cleanup(&got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_authz_create_and_reuse, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_cancel_pending, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
