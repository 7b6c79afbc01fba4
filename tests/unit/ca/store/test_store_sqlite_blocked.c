/*
 * test_store_sqlite_blocked.c - unit tests for
 * src/ca/store/store_sqlite_blocked.c: key compromise (BR 4.9.1.1 item 3)
 * blocks the key and revokes, in one transaction, every unexpired valid
 * certificate with it; a certificate revoked before for another reason gets
 * keyCompromise; revoking again for keyCompromise is alreadyRevoked; and
 * blocking a key by its hash alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "revocation_fixture.h"

static bool blocked(struct fx *f, const char *key)
{
	bool b = true;

	assert_int_equal(ca_store_key_is_blocked(f->st, key, &b), 0);
	return b;
}

static void test_key_compromised(void **state)
{
	struct fx *f = *state;
	int64_t now = (int64_t)time(NULL), n = -1;
	struct ca_ocsp_work *t = NULL;
	size_t np = 0;
	int reason = -1;

	fx_cert(f, "4c01", "KEY", now + 1000, 0);
	fx_cert(f, "4c02", "KEY", now + 1000, 1);
	fx_cert(f, "4c03", "KEY", now - 10, 1);      /* expired: left alone */
	fx_cert(f, "4c04", "OTHER", now + 1000, 0);
	fx_cert(f, "4c05", "KEY", now + 1000, 2);
	assert_int_equal(ca_store_cert_revoke(f->st, "4c05", 4, now - 5), 0);
	assert_false(blocked(f, "KEY"));

	assert_int_equal(ca_store_key_compromised(f->st, "4c01", now, &n), 0);
	/* 4c01 and 4c02 revoked */
	assert_int_equal(n, 2);
	assert_true(blocked(f, "KEY"));
	assert_false(blocked(f, "OTHER"));
	assert_int_equal(fx_status(f, "4c01", &reason), CA_ST_REVOKED);
	assert_int_equal(reason, 1);
	assert_int_equal(fx_status(f, "4c02", &reason), CA_ST_REVOKED);
	assert_int_equal(reason, 1);
	assert_int_equal(fx_status(f, "4c03", NULL), CA_ST_VALID);
	assert_int_equal(fx_status(f, "4c04", NULL), CA_ST_VALID);
	/* revoked before for superseded: keeps that, not re-revoked */
	assert_int_equal(fx_status(f, "4c05", &reason), CA_ST_REVOKED);
	assert_int_equal(reason, 4);
	/* their new OCSP responses are queued */
	assert_int_equal(ca_store_ocsp_pending(f->st, 100, &t, &np), 0);
	assert_int_equal(np, 5);
	free(t);

	/* again: alreadyRevoked, nothing changes */
	assert_int_equal(ca_store_key_compromised(f->st, "4c02", now, &n), CN_ERR_ALREADY_REVOKED);
	/* a certificate revoked for another reason, reported compromised */
	assert_int_equal(ca_store_key_compromised(f->st, "4c05", now, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(fx_status(f, "4c05", &reason), CA_ST_REVOKED);
	assert_int_equal(reason, 1);
	assert_int_equal(ca_store_key_compromised(f->st, "ffff", now, &n), CN_ERR_NOT_FOUND);
}

static void test_key_compromised_expired_cert(void **state)
{
	struct fx *f = *state;
	int64_t now = (int64_t)time(NULL), n = -1;
	int reason = -1;

	/* the subscriber reports an expired certificate's key: still blocked */
	fx_cert(f, "5d01", "OLD", now - 100, 0);
	fx_cert(f, "5d02", "OLD", now + 100, 0);
	assert_int_equal(ca_store_key_compromised(f->st, "5d01", now, &n), 0);
	assert_int_equal(n, 2);
	assert_true(blocked(f, "OLD"));
	assert_int_equal(fx_status(f, "5d01", &reason), CA_ST_REVOKED);
	assert_int_equal(reason, 1);
}

static void test_key_block(void **state)
{
	struct fx *f = *state;
	int64_t now = (int64_t)time(NULL), n = -1;

	fx_cert(f, "6e01", "K6", now + 100, 0);
	assert_int_equal(ca_store_key_block(f->st, "K6", NULL, now, &n), 0);
	assert_int_equal(n, 1);
	assert_true(blocked(f, "K6"));
	assert_int_equal(fx_status(f, "6e01", NULL), CA_ST_REVOKED);
	/* blocking twice is fine */
	assert_int_equal(ca_store_key_block(f->st, "K6", "6e01", now, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(ca_store_key_block(f->st, "", NULL, now, &n), CN_ERR_INTERNAL);
	assert_false(blocked(f, "NEVER"));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_key_compromised),
		T(test_key_compromised_expired_cert),
		T(test_key_block),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
