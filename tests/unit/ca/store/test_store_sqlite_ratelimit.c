/*
 * test_store_sqlite_ratelimit.c - what the rate limits count in the SQLite
 * store (src/ca/store/store_sqlite_ratelimit.c, schema 005_ratelimits.sql):
 * the n-th newest event of each kind inside a window (orders, invalid and
 * pending authorizations, account origins), the identifiers the trigger
 * records for every certificate (registered-domain suffixes, wildcards, IP
 * addresses; issuance time = serial reservation), duplicate sets, renewals,
 * and the backfill of certificates issued before the migration.
 */
#include <sqlite3.h>

#include "sqfix.h"
#include "store/schema.h"

#define NOT_FOUND CN_ERR_NOT_FOUND

#define EX_ONE "[{\"type\":\"dns\",\"value\":\"www.example.com\"}]"
#define EX_TWO "[{\"type\":\"dns\",\"value\":\"www.example.com\"}," \
	"{\"type\":\"dns\",\"value\":\"example.com\"}]"

static void test_orders_window(void **state)
{
	struct fx *f = *state;
	int64_t a, b, t = 0;

	a = fx_account(f->st, "a");
	b = fx_account(f->st, "b");
	(void)fx_order_at(f->st, a, "[]", 1000, NULL);
	(void)fx_order_at(f->st, a, "[]", 1100, NULL);
	(void)fx_order_at(f->st, a, "[]", 1200, NULL);
	(void)fx_order_at(f->st, b, "[]", 1300, NULL);
	/* newest first: 1200, 1100, 1000 */
	assert_int_equal(ca_store_rate_orders(f->st, a, 0, 1, &t), 0);
	assert_int_equal(t, 1200);
	assert_int_equal(ca_store_rate_orders(f->st, a, 0, 3, &t), 0);
	assert_int_equal(t, 1000);
	assert_int_equal(ca_store_rate_orders(f->st, a, 0, 4, &t), NOT_FOUND);
	/* the window is "after since": 1000 is out at since = 1000 */
	assert_int_equal(ca_store_rate_orders(f->st, a, 1000, 3, &t), NOT_FOUND);
	assert_int_equal(ca_store_rate_orders(f->st, a, 999, 3, &t), 0);
	assert_int_equal(ca_store_rate_orders(f->st, a, 1000, 2, &t), 0);
	assert_int_equal(t, 1100);
	assert_int_equal(ca_store_rate_orders(f->st, b, 0, 1, &t), 0);
	assert_int_equal(t, 1300);
	assert_int_equal(ca_store_rate_orders(f->st, 999, 0, 1, &t), NOT_FOUND);
	assert_int_equal(ca_store_rate_orders(f->st, a, 0, 0, &t), CN_ERR_INTERNAL);
}

static void test_failed_and_pending_authzs(void **state)
{
	struct fx *f = *state;
	struct ca_challenge ch[2];
	struct ca_authz az;
	int64_t a, t = 0, ids[4];
	int i;

	a = fx_account(f->st, "a");
	for (i = 0; i < 4; i++) {
		fx_fill_authz(&az, ch, a, i < 3 ? "fail.example" : "other.example");
		az.wildcard = i == 1; /* wildcard or not: the same identifier */
		az.created = 1000 + 100 * i;
		az.expires = 9000 - i;
		assert_int_equal(ca_store_authz_create(f->st, &az), 0);
		ids[i] = ch[0].id;
	}
	/* all four are pending: by expiry, newest 9000 */
	assert_int_equal(ca_store_rate_pending_authzs(f->st, a, 1000, 4, &t), 0);
	assert_int_equal(t, 8997);
	assert_int_equal(ca_store_rate_pending_authzs(f->st, a, 1000, 5, &t), NOT_FOUND);
	/* expired ones do not count: at 8998 two are left (8999, 9000) */
	assert_int_equal(ca_store_rate_pending_authzs(f->st, a, 8998, 2, &t), 0);
	assert_int_equal(t, 8999);
	assert_int_equal(ca_store_rate_pending_authzs(f->st, a, 8998, 3, &t), NOT_FOUND);
	assert_int_equal(ca_store_rate_failed_authzs(f->st, a, "dns", "fail.example", 0, 1, &t),
	    NOT_FOUND);
	for (i = 0; i < 4; i++) {
		assert_int_equal(ca_store_challenge_start(f->st, ids[i], 2000), 0);
		assert_int_equal(ca_store_challenge_finish(f->st, ids[i], false,
		    "{\"type\":\"urn:ietf:params:acme:error:connection\"}", 2001), 0);
	}
	/* invalid now: counted by creation 1200, 1100, 1000 */
	assert_int_equal(ca_store_rate_failed_authzs(f->st, a, "dns", "fail.example", 0, 3, &t), 0);
	assert_int_equal(t, 1000);
	assert_int_equal(ca_store_rate_failed_authzs(f->st, a, "dns", "fail.example", 1000, 3, &t),
	    NOT_FOUND);
	assert_int_equal(ca_store_rate_failed_authzs(f->st, a, "dns", "fail.example", 0, 1, &t), 0);
	assert_int_equal(t, 1200);
	assert_int_equal(ca_store_rate_failed_authzs(f->st, a, "dns", "other.example", 0, 2, &t),
	    NOT_FOUND);
	assert_int_equal(ca_store_rate_failed_authzs(f->st, a, "ip", "fail.example", 0, 1, &t),
	    NOT_FOUND);
	assert_int_equal(ca_store_rate_pending_authzs(f->st, a, 1000, 1, &t), NOT_FOUND);
}

static void test_account_origins(void **state)
{
	struct fx *f = *state;
	int64_t a, b, c, t = 0;
	char long_key[CA_RATE_MAX_NAME + 1];

	a = fx_account(f->st, "a");
	b = fx_account(f->st, "b");
	c = fx_account(f->st, "c");
	assert_int_equal(ca_store_account_origin_set(f->st, a, "192.0.2.1", 1000), 0);
	assert_int_equal(ca_store_account_origin_set(f->st, b, "192.0.2.1", 1010), 0);
	assert_int_equal(ca_store_account_origin_set(f->st, c, "2001:db8::/64", 1020), 0);
	assert_int_equal(ca_store_account_origin_set(f->st, a, "192.0.2.9", 1030), CN_ERR_CONFLICT);
	assert_int_equal(ca_store_account_origin_set(f->st, 4242, "192.0.2.9", 1030),
	    CN_ERR_NOT_FOUND);
	memset(long_key, 'x', sizeof(long_key) - 1);
	long_key[sizeof(long_key) - 1] = '\0';
	assert_int_equal(ca_store_account_origin_set(f->st, c, long_key, 1), CN_ERR_TOO_BIG);
	assert_int_equal(ca_store_rate_accounts(f->st, "192.0.2.1", 0, 2, &t), 0);
	assert_int_equal(t, 1000);
	assert_int_equal(ca_store_rate_accounts(f->st, "192.0.2.1", 1000, 2, &t), NOT_FOUND);
	assert_int_equal(ca_store_rate_accounts(f->st, "2001:db8::/64", 0, 1, &t), 0);
	assert_int_equal(t, 1020);
	assert_int_equal(ca_store_rate_accounts(f->st, "192.0.2.9", 0, 1, &t), NOT_FOUND);
}

static void test_certs_per_domain(void **state)
{
	struct fx *f = *state;
	int64_t a, b, t = 0;

	a = fx_account(f->st, "a");
	b = fx_account(f->st, "b");
	fx_issue_at(f->st, a, EX_TWO, "01", 10000, 90000);   /* two names, one certificate */
	fx_issue_at(f->st, b, "[{\"type\":\"dns\",\"value\":\"*.a.b.example.com\"}]", "02", 10100, 90000);
	fx_issue_at(f->st, a, "[{\"type\":\"dns\",\"value\":\"example.net\"},"
	    "{\"type\":\"ip\",\"value\":\"192.0.2.7\"}]", "03", 10200, 90000);
	/* under example.com: 10100, 10000 (the two names of 01 count once) */
	assert_int_equal(ca_store_rate_certs_domain(f->st, "example.com", 0, 2, &t), 0);
	assert_int_equal(t, 10000);
	assert_int_equal(ca_store_rate_certs_domain(f->st, "example.com", 0, 3, &t), NOT_FOUND);
	/* issuance is the serial's reservation, not the backdated notBefore */
	assert_int_equal(ca_store_rate_certs_domain(f->st, "example.com", 9999, 2, &t), 0);
	assert_int_equal(ca_store_rate_certs_domain(f->st, "example.com", 10000, 2, &t), NOT_FOUND);
	/* every level of a name; the wildcard's base name */
	assert_int_equal(ca_store_rate_certs_domain(f->st, "b.example.com", 0, 1, &t), 0);
	assert_int_equal(t, 10100);
	assert_int_equal(ca_store_rate_certs_domain(f->st, "a.b.example.com", 0, 1, &t), 0);
	assert_int_equal(ca_store_rate_certs_domain(f->st, "www.example.com", 0, 1, &t), 0);
	assert_int_equal(t, 10000);
	assert_int_equal(ca_store_rate_certs_domain(f->st, "xample.com", 0, 1, &t), NOT_FOUND);
	assert_int_equal(ca_store_rate_certs_domain(f->st, "*.a.b.example.com", 0, 1, &t),
	    NOT_FOUND);
	assert_int_equal(ca_store_rate_certs_domain(f->st, "example.net", 0, 1, &t), 0);
	assert_int_equal(t, 10200);
	/* an IP address is its own key */
	assert_int_equal(ca_store_rate_certs_domain(f->st, "ip:192.0.2.7", 0, 1, &t), 0);
	assert_int_equal(t, 10200);
	assert_int_equal(ca_store_rate_certs_domain(f->st, "0.2.7", 0, 1, &t), NOT_FOUND);
	assert_int_equal(ca_store_rate_certs_domain(f->st, "7", 0, 1, &t), NOT_FOUND);
}

static void test_duplicates_and_renewals(void **state)
{
	static const char *const one[] = {"dns:www.example.com"};
	static const char *const two[] = {"dns:example.com", "dns:www.example.com"};
	static const char *const two_other[] = {"dns:www.example.com", "dns:x.example.com"};
	static const char *const wild[] = {"dns:*.example.com"};
	struct fx *f = *state;
	int64_t a, b, t = 0;
	bool found = true;

	a = fx_account(f->st, "a");
	b = fx_account(f->st, "b");
	fx_issue_at(f->st, a, EX_ONE, "01", 10000, 20000);
	fx_issue_at(f->st, b, EX_ONE, "02", 10100, 90000);
	fx_issue_at(f->st, a, EX_TWO, "03", 10200, 90000);
	fx_issue_at(f->st, a, "[{\"type\":\"dns\",\"value\":\"*.example.com\"}]", "04", 10300, 90000);
	/* the same set, any account: 10100, 10000 */
	assert_int_equal(ca_store_rate_duplicates(f->st, one, 1, 0, 2, &t), 0);
	assert_int_equal(t, 10000);
	assert_int_equal(ca_store_rate_duplicates(f->st, one, 1, 0, 3, &t), NOT_FOUND);
	assert_int_equal(ca_store_rate_duplicates(f->st, one, 1, 10000, 1, &t), 0);
	assert_int_equal(t, 10100);
	/* a superset is another set, in any order */
	assert_int_equal(ca_store_rate_duplicates(f->st, two, 2, 0, 1, &t), 0);
	assert_int_equal(t, 10200);
	assert_int_equal(ca_store_rate_duplicates(f->st, two, 2, 0, 2, &t), NOT_FOUND);
	assert_int_equal(ca_store_rate_duplicates(f->st, two_other, 2, 0, 1, &t), NOT_FOUND);
	assert_int_equal(ca_store_rate_duplicates(f->st, wild, 1, 0, 1, &t), 0);
	assert_int_equal(t, 10300);
	assert_int_equal(ca_store_rate_duplicates(f->st, one, 0, 0, 1, &t), CN_ERR_INTERNAL);

	/* renewals: the account's own certificate, same set, not expired */
	assert_int_equal(ca_store_cert_renewal_of(f->st, a, one, 1, 15000, &found), 0);
	assert_true(found);
	assert_int_equal(ca_store_cert_renewal_of(f->st, a, one, 1, 20000, &found), 0);
	assert_false(found);                                 /* 01 expired */
	assert_int_equal(ca_store_cert_renewal_of(f->st, b, one, 1, 20000, &found), 0);
	assert_true(found);
	assert_int_equal(ca_store_cert_renewal_of(f->st, b, two, 2, 15000, &found), 0);
	assert_false(found);                                 /* a's set, not b's */
	assert_int_equal(ca_store_cert_renewal_of(f->st, a, two, 2, 15000, &found), 0);
	assert_true(found);
	assert_int_equal(ca_store_cert_renewal_of(f->st, a, two_other, 2, 15000, &found), 0);
	assert_false(found);
}

/* A store at schema 4 with one certificate, migrated to 5 by
 * ca_store_open: unexpired certificates are recorded, expired ones not. */
static void test_backfill(void **state)
{
	struct fx *f = *state;
	char dir[64], path[128], p[160];
	struct ca_store *st = NULL;
	sqlite3 *db = NULL;
	char *err = NULL;
	int64_t t = 0;
	bool found = false;
	size_t i;
	static const char *const one[] = {"dns:www.example.com"};
	static const char *const suffixes[] = {"", "-wal", "-shm"};

	(void)f;
	snprintf(dir, sizeof(dir), "/tmp/cairn-rl-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/store.db", dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	for (i = 0; i < ca_schema_n_migrations && ca_schema_migrations[i].version < 5; i++)
		assert_int_equal(sqlite3_exec(db, ca_schema_migrations[i].sql, NULL, NULL, &err),
		    SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	    "PRAGMA user_version = 4;"
	    "INSERT INTO accounts (id, status, thumbprint, jwk_json, created) "
	    "VALUES (7, 'valid', 't', '{}', 1);"
	    "INSERT INTO orders (id, account_id, status, expires, created, identifiers_json) "
	    "VALUES (1, 7, 'valid', 2, 1, '[{\"type\":\"dns\",\"value\":\"www.example.com\"}]'),"
	    "(2, 7, 'valid', 2, 1, '[{\"type\":\"dns\",\"value\":\"old.example.com\"}]');"
	    "INSERT INTO serials (serial, order_id, reserved) VALUES ('aa', 1, 5000), ('bb', 2, 4000);"
	    "INSERT INTO certs (serial, account_id, order_id, der, key_sha256, not_before, "
	    "not_after, status) VALUES ('aa', 7, 1, x'00', 'k', 1, 4000000000, 'valid'),"
	    "('bb', 7, 2, x'00', 'k', 1, 100, 'valid');", NULL, NULL, &err), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(ca_store_open(path, 2, &st), 0);
	assert_int_equal(ca_store_rate_certs_domain(st, "example.com", 0, 1, &t), 0);
	assert_int_equal(t, 5000);
	assert_int_equal(ca_store_rate_certs_domain(st, "example.com", 0, 2, &t), NOT_FOUND);
	assert_int_equal(ca_store_cert_renewal_of(st, 7, one, 1, 6000, &found), 0);
	assert_true(found);
	ca_store_close(st);
	for (i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", path, suffixes[i]);
		unlink(p);
	}
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_orders_window, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_failed_and_pending_authzs, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_account_origins, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_certs_per_domain, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_duplicates_and_renewals, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_backfill, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
