/*
 * test_store_sqlite_ocsp.c - unit tests for src/ca/store/store_sqlite_ocsp.c
 * and the triggers of 002_revocation.sql: issuing and revoking queue a
 * response in the same transaction; responses are stored with
 * compare-and-set (a stale signer never overwrites a newer status, and a
 * revocation during signing stays queued); mirroring by id; the refresh
 * work list; purging expired ones; serials reserved with a CRL shard.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "revocation_fixture.h"

static const unsigned char der_a[] = {1, 2, 3};
static const unsigned char der_b[] = {4, 5, 6, 7};

static void pending(struct fx *f, struct ca_ocsp_work **list, size_t *n)
{
	assert_int_equal(ca_store_ocsp_pending(f->st, 100, list, n), 0);
}

static void test_issue_and_revoke_queue_work(void **state)
{
	struct fx *f = *state;
	struct ca_ocsp_work *t = NULL;
	struct ca_ocsp_row row = {0};
	size_t n = 99;
	int64_t first_id;

	pending(f, &t, &n);
	assert_int_equal(n, 0);
	free(t);
	fx_cert(f, "0a01", "k1", 5000, 0);
	pending(f, &t, &n);
	assert_int_equal(n, 1);
	assert_string_equal(t[0].serial, "0a01");
	assert_int_equal(t[0].status, CA_ST_VALID);
	assert_int_equal(t[0].resp_id, 0);
	assert_int_equal(t[0].not_after, 5000);
	assert_true(t[0].pending_gen > 0);
	assert_int_equal(ca_store_ocsp_put(f->st, &t[0], der_a, sizeof(der_a), 100, 200), 0);
	free(t);
	pending(f, &t, &n);
	assert_int_equal(n, 0);
	free(t);
	assert_int_equal(ca_store_ocsp_get(f->st, "0a01", &row), 0);
	assert_int_equal(row.der_len, sizeof(der_a));
	assert_memory_equal(row.der, der_a, sizeof(der_a));
	assert_int_equal(row.this_update, 100);
	assert_int_equal(row.next_update, 200);
	first_id = row.id;
	ca_ocsp_row_cleanup(&row);

	/* revocation queues it again, with the new status */
	assert_int_equal(ca_store_cert_revoke(f->st, "0a01", 4, 150), 0);
	pending(f, &t, &n);
	assert_int_equal(n, 1);
	assert_int_equal(t[0].status, CA_ST_REVOKED);
	assert_int_equal(t[0].reason, 4);
	assert_int_equal(t[0].revoked_at, 150);
	assert_int_equal(t[0].resp_id, first_id);
	assert_int_equal(ca_store_ocsp_put(f->st, &t[0], der_b, sizeof(der_b), 150, 250), 0);
	free(t);
	assert_int_equal(ca_store_ocsp_get(f->st, "0a01", &row), 0);
	assert_true(row.id > first_id);
	assert_memory_equal(row.der, der_b, sizeof(der_b));
	ca_ocsp_row_cleanup(&row);
	pending(f, &t, &n);
	assert_int_equal(n, 0);
	free(t);
	assert_int_equal(ca_store_ocsp_get(f->st, "0b99", &row), CN_ERR_NOT_FOUND);
}

static void test_put_compare_and_set(void **state)
{
	struct fx *f = *state;
	struct ca_ocsp_work *t = NULL, *t2 = NULL, stale;
	struct ca_ocsp_row row = {0};
	size_t n = 0;

	fx_cert(f, "0c01", "k1", 5000, 0);
	pending(f, &t, &n);
	assert_int_equal(n, 1);
	stale = t[0];
	/* another signer read the same item and was first */
	assert_int_equal(ca_store_ocsp_put(f->st, &t[0], der_a, sizeof(der_a), 100, 200), 0);
	assert_int_equal(ca_store_ocsp_put(f->st, &stale, der_b, sizeof(der_b), 101, 201),
	    CN_ERR_CONFLICT);
	assert_int_equal(ca_store_ocsp_get(f->st, "0c01", &row), 0);
	assert_memory_equal(row.der, der_a, sizeof(der_a));
	ca_ocsp_row_cleanup(&row);
	free(t);

	/* a revocation while a "good" response is being signed */
	assert_int_equal(ca_store_ocsp_due(f->st, 1000, 0, 10, &t, &n), 0);
	assert_int_equal(n, 1);
	stale = t[0];
	free(t);
	assert_int_equal(stale.pending_gen, 0);
	assert_int_equal(ca_store_cert_revoke(f->st, "0c01", 1, 300), 0);
	pending(f, &t2, &n);
	assert_int_equal(n, 1);
	assert_int_equal(t2[0].status, CA_ST_REVOKED);
	/* the revoked one is stored first; the stale refresh then loses */
	assert_int_equal(ca_store_ocsp_put(f->st, &t2[0], der_b, sizeof(der_b), 300, 400), 0);
	assert_int_equal(ca_store_ocsp_put(f->st, &stale, der_a, sizeof(der_a), 301, 401),
	    CN_ERR_CONFLICT);
	assert_int_equal(ca_store_ocsp_get(f->st, "0c01", &row), 0);
	assert_memory_equal(row.der, der_b, sizeof(der_b));
	ca_ocsp_row_cleanup(&row);
	free(t2);
}

static void test_revocation_during_signing_stays_queued(void **state)
{
	struct fx *f = *state;
	struct ca_ocsp_work *t = NULL, *t2 = NULL;
	size_t n = 0;

	fx_cert(f, "0d01", "k1", 5000, 0);
	pending(f, &t, &n);
	assert_int_equal(n, 1);
	assert_int_equal(t[0].status, CA_ST_VALID);
	/* revoked after the signer read it as valid */
	assert_int_equal(ca_store_cert_revoke(f->st, "0d01", 5, 120), 0);
	assert_int_equal(ca_store_ocsp_put(f->st, &t[0], der_a, sizeof(der_a), 100, 200), 0);
	free(t);
	pending(f, &t2, &n);
	assert_int_equal(n, 1);
	assert_int_equal(t2[0].status, CA_ST_REVOKED);
	assert_int_equal(t2[0].reason, 5);
	assert_int_equal(ca_store_ocsp_put(f->st, &t2[0], der_b, sizeof(der_b), 120, 220), 0);
	free(t2);
	pending(f, &t, &n);
	assert_int_equal(n, 0);
	free(t);
}

static void put_first(struct fx *f, const char *serial, int64_t this_update,
    int64_t next_update)
{
	struct ca_ocsp_work *t = NULL;
	size_t n = 0, i;

	pending(f, &t, &n);
	for (i = 0; i < n; i++)
		if (strcmp(t[i].serial, serial) == 0)
			assert_int_equal(ca_store_ocsp_put(f->st, &t[i], der_a, sizeof(der_a),
			    this_update, next_update), 0);
	free(t);
}

static void test_since_and_due(void **state)
{
	struct fx *f = *state;
	struct ca_ocsp_row *rows = NULL;
	struct ca_ocsp_work *t = NULL;
	size_t n = 0, i;
	int64_t last;

	fx_cert(f, "0e01", "k1", 5000, 0);
	fx_cert(f, "0e02", "k2", 5000, 1);
	fx_cert(f, "0e03", "k3", 900, 1);   /* expires at 900 */
	put_first(f, "0e01", 100, 1000);
	put_first(f, "0e02", 300, 1300);
	put_first(f, "0e03", 200, 600);     /* its response expires at 600 */
	assert_int_equal(ca_store_ocsp_since(f->st, 0, 50, 100, &rows, &n), 0);
	assert_int_equal(n, 3);
	assert_true(rows[0].id < rows[1].id && rows[1].id < rows[2].id);
	assert_string_equal(rows[0].serial, "0e01");
	assert_string_equal(rows[2].serial, "0e03");
	last = rows[1].id;
	for (i = 0; i < n; i++)
		ca_ocsp_row_cleanup(&rows[i]);
	free(rows);
	/* after the second; and expired responses are left out */
	assert_int_equal(ca_store_ocsp_since(f->st, last, 50, 100, &rows, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].serial, "0e03");
	ca_ocsp_row_cleanup(&rows[0]);
	free(rows);
	assert_int_equal(ca_store_ocsp_since(f->st, 0, 700, 100, &rows, &n), 0);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++)
		ca_ocsp_row_cleanup(&rows[i]);
	free(rows);
	/* batch limit */
	assert_int_equal(ca_store_ocsp_since(f->st, 0, 50, 1, &rows, &n), 0);
	assert_int_equal(n, 1);
	ca_ocsp_row_cleanup(&rows[0]);
	free(rows);

	/* due: signed at or before 250, certificate unexpired at 950 */
	assert_int_equal(ca_store_ocsp_due(f->st, 250, 950, 100, &t, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(t[0].serial, "0e01");
	assert_true(t[0].resp_id > 0);
	assert_int_equal(t[0].pending_gen, 0);
	free(t);
	assert_int_equal(ca_store_ocsp_due(f->st, 400, 0, 100, &t, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(t[0].serial, "0e01"); /* oldest first */
	assert_string_equal(t[1].serial, "0e03");
	assert_string_equal(t[2].serial, "0e02");
	free(t);
}

static void test_purge(void **state)
{
	struct fx *f = *state;
	struct ca_ocsp_row row = {0};
	int64_t n = -1;

	fx_cert(f, "0f01", "k1", 5000, 0);  /* valid long after */
	fx_cert(f, "0f02", "k2", 900, 0);   /* expires at 900 */
	put_first(f, "0f01", 100, 600);
	put_first(f, "0f02", 100, 600);
	/* at 1000 both responses have expired; only the expired certificate's goes */
	assert_int_equal(ca_store_ocsp_purge(f->st, 1000, 1000, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ca_store_ocsp_get(f->st, "0f02", &row), CN_ERR_NOT_FOUND);
	assert_int_equal(ca_store_ocsp_get(f->st, "0f01", &row), 0);
	ca_ocsp_row_cleanup(&row);
	/* the scan is bounded by this_update */
	assert_int_equal(ca_store_ocsp_purge(f->st, 99999, 50, &n), 0);
	assert_int_equal(n, 0);
}

static void test_reserve_shard(void **state)
{
	struct fx *f = *state;
	struct ca_crl_shard *sh = NULL;
	size_t n = 0, i;
	bool seen = false;

	assert_int_equal(ca_store_serial_reserve_shard(f->st, "1101", 0, 7, 5), 0);
	assert_int_equal(ca_store_serial_reserve_shard(f->st, "1101", 0, 7, 5), CN_ERR_CONFLICT);
	assert_int_equal(ca_store_serial_reserve(f->st, "1101", 0, 5), CN_ERR_CONFLICT);
	assert_int_equal(ca_store_serial_reserve_shard(f->st, "1102", 0, -1, 5), CN_ERR_INTERNAL);
	assert_int_equal(ca_store_serial_reserve_shard(f->st,
	    "010203040506070809101112131415161718192021222324", 0, 1, 5), CN_ERR_TOO_BIG);
	/* the shard's row exists now, stale (never built) */
	assert_int_equal(ca_store_crl_shards(f->st, false, &sh, &n), 0);
	for (i = 0; i < n; i++) {
		if (sh[i].shard == 7) {
			seen = true;
			assert_int_equal(sh[i].number, 0);
			assert_true(sh[i].built_gen < sh[i].gen);
		}
		ca_crl_shard_cleanup(&sh[i]);
	}
	free(sh);
	assert_true(seen);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_issue_and_revoke_queue_work),
		T(test_put_compare_and_set),
		T(test_revocation_during_signing_stays_queued),
		T(test_since_and_due),
		T(test_purge),
		T(test_reserve_shard),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
