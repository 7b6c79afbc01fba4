/*
 * test_store_sqlite_eab.c - External Account Binding keys in the SQLite
 * store (src/ca/store/store_sqlite_eab.c): create, get, list, revoke, and
 * the one-transaction account insert that binds a key at most once.
 */
#include "sqfix.h"

static const unsigned char key1[] = "0123456789abcdef0123456789abcdef";

static void fill_account(struct ca_account *a, const char *thumb)
{
	memset(a, 0, sizeof(*a));
	a->status = CA_ST_VALID;
	snprintf(a->thumbprint, sizeof(a->thumbprint), "%s", thumb);
	a->jwk_json = (char *)"{\"kty\":\"EC\"}";
	a->contact_json = (char *)"[]";
	a->tos_agreed = true;
	a->created = 200;
}

static void test_create_get_list_revoke(void **state)
{
	struct fx *f = *state;
	struct ca_eab_key k;
	struct ca_eab_key *list = NULL;
	size_t n = 0;

	memset(&k, 0, sizeof(k));
	assert_int_equal(ca_store_eab_create(f->st, "kid-1", key1, 32, "team a", 100), 0);
	assert_int_equal(ca_store_eab_create(f->st, "kid-1", key1, 32, "", 101), CN_ERR_CONFLICT);
	assert_int_equal(ca_store_eab_create(f->st, "kid-2", key1, 16, NULL, 102), 0);
	assert_int_equal(ca_store_eab_get(f->st, "kid-1", &k), 0);
	assert_string_equal(k.kid, "kid-1");
	assert_int_equal(k.hmac_key_len, 32);
	assert_memory_equal(k.hmac_key, key1, 32);
	assert_int_equal(k.created, 100);
	assert_int_equal(k.revoked, 0);
	assert_int_equal(k.account_id, 0);
	assert_string_equal(k.comment, "team a");
	ca_eab_key_cleanup(&k);
	assert_int_equal(ca_store_eab_get(f->st, "nope", &k), CN_ERR_NOT_FOUND);

	assert_int_equal(ca_store_eab_list(f->st, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].kid, "kid-1");
	assert_string_equal(list[1].kid, "kid-2");
	assert_null(list[0].hmac_key);
	assert_string_equal(list[1].comment, "");
	ca_eab_keys_free(list, n);

	assert_int_equal(ca_store_eab_revoke(f->st, "kid-2", 300), 0);
	assert_int_equal(ca_store_eab_revoke(f->st, "kid-2", 301), CN_ERR_CONFLICT);
	assert_int_equal(ca_store_eab_revoke(f->st, "nope", 301), CN_ERR_NOT_FOUND);
	assert_int_equal(ca_store_eab_get(f->st, "kid-2", &k), 0);
	assert_int_equal(k.revoked, 300);
	ca_eab_key_cleanup(&k);
}

static void test_bind_once(void **state)
{
	struct fx *f = *state;
	struct ca_account a, got;
	struct ca_eab_key k;

	memset(&k, 0, sizeof(k));
	memset(&got, 0, sizeof(got));
	assert_int_equal(ca_store_eab_create(f->st, "kid-1", key1, 32, "", 100), 0);
	assert_int_equal(ca_store_eab_create(f->st, "kid-r", key1, 32, "", 100), 0);
	assert_int_equal(ca_store_eab_revoke(f->st, "kid-r", 150), 0);

	fill_account(&a, "thumb-a");
	assert_int_equal(ca_store_account_insert_eab(f->st, &a, "kid-1"), 0);
	assert_true(a.id > 0);
	assert_int_equal(ca_store_eab_get(f->st, "kid-1", &k), 0);
	assert_int_equal(k.account_id, a.id);
	ca_eab_key_cleanup(&k);

	/* a second account with the same key: refused, nothing inserted */
	fill_account(&a, "thumb-b");
	assert_int_equal(ca_store_account_insert_eab(f->st, &a, "kid-1"), CN_ERR_UNAUTHORIZED);
	assert_int_equal(a.id, 0);
	assert_int_equal(ca_store_account_by_thumbprint(f->st, "thumb-b", &got), CN_ERR_NOT_FOUND);
	/* revoked and unknown keys */
	assert_int_equal(ca_store_account_insert_eab(f->st, &a, "kid-r"), CN_ERR_UNAUTHORIZED);
	assert_int_equal(ca_store_account_insert_eab(f->st, &a, "kid-x"), CN_ERR_UNAUTHORIZED);
	assert_int_equal(ca_store_account_by_thumbprint(f->st, "thumb-b", &got), CN_ERR_NOT_FOUND);
}

static void test_conflicting_account_leaves_key_unbound(void **state)
{
	struct fx *f = *state;
	struct ca_account a;
	struct ca_eab_key k;

	memset(&k, 0, sizeof(k));
	(void)fx_account(f->st, "thumb-a");
	assert_int_equal(ca_store_eab_create(f->st, "kid-1", key1, 32, "", 100), 0);
	fill_account(&a, "thumb-a");
	assert_int_equal(ca_store_account_insert_eab(f->st, &a, "kid-1"), CN_ERR_CONFLICT);
	assert_int_equal(ca_store_eab_get(f->st, "kid-1", &k), 0);
	assert_int_equal(k.account_id, 0);
	ca_eab_key_cleanup(&k);
	fill_account(&a, "thumb-c");
	assert_int_equal(ca_store_account_insert_eab(f->st, &a, "kid-1"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_get_list_revoke, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_bind_once, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_conflicting_account_leaves_key_unbound,
		    fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
