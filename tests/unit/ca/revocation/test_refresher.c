/*
 * test_refresher.c - unit tests for src/ca/revocation/refresher.c on a real
 * store and signer: a round signs and stores the responses of new and
 * revoked certificates and serves them from memory; responses are signed
 * again once older than --ocsp-refresh; another instance on the same store
 * serves the same stored bytes; CRL shards are built for every shard, rebuilt
 * with a larger crlNumber after a revocation, and drop certificates one
 * interval after they expire; the thread publishes a revocation after a
 * wake within a poll interval.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/x509v3.h>

#include "acme/acme.h"
#include "rv_fixture.h"

#define S1 "5364825100bfe5f170186ad276b0ae29"
#define S2 "1f42051835f049a9c6cc8fd1c9bf6350"

static void test_round_signs_and_serves(void **state)
{
	struct rvfx *r = *state;
	int64_t now = (int64_t)time(NULL);
	struct ca_ocsp_answer a, b;
	struct ca_ocsp_row row;
	int reason = -1;

	fx_cert(r->store, S1, "k1", now + 86400, 0);
	assert_int_equal(ca_revocation_round(r->rv, now), 0);
	memset(&row, 0, sizeof(row));
	assert_int_equal(ca_store_ocsp_get(r->store->st, S1, &row), 0);
	rvfx_ask(r, S1, now, &a);
	assert_int_equal(rvfx_status(r, &a, S1, NULL), V_OCSP_CERTSTATUS_GOOD);
	/* what is served is the stored response, byte for byte */
	assert_int_equal(a.der_len, row.der_len);
	assert_memory_equal(a.der, row.der, row.der_len);
	assert_int_equal(a.this_update, row.this_update);
	assert_int_equal(a.next_update, row.this_update + r->cfg.ocsp_validity_s - 1);
	assert_true(a.this_update <= now && a.this_update >= now - 60);
	/* max-age: until the next refresh */
	assert_true(a.max_age > 0 && a.max_age <= r->cfg.ocsp_refresh_s);
	ca_ocsp_row_cleanup(&row);

	/* revoked */
	assert_int_equal(ca_store_cert_revoke(r->store->st, S1, 4, now), 0);
	assert_int_equal(ca_revocation_round(r->rv, now), 0);
	rvfx_ask(r, S1, now, &b);
	assert_int_equal(rvfx_status(r, &b, S1, &reason), V_OCSP_CERTSTATUS_REVOKED);
	assert_int_equal(reason, OCSP_REVOKED_STATUS_SUPERSEDED);
	assert_true(b.this_update >= now);
	assert_string_not_equal(a.etag, b.etag);
	ca_ocsp_answer_cleanup(&a);
	ca_ocsp_answer_cleanup(&b);
}

static void test_refresh_and_second_instance(void **state)
{
	struct rvfx *r = *state;
	int64_t now = (int64_t)time(NULL);
	struct ca_revocation *rv2 = NULL;
	struct ca_ocsp_answer a, b, c;
	struct ca_ocsp_row row1, row2;

	memset(&row1, 0, sizeof(row1));
	memset(&row2, 0, sizeof(row2));
	fx_cert(r->store, S2, "k2", now + 86400, 1);
	assert_int_equal(ca_revocation_round(r->rv, now), 0);
	assert_int_equal(ca_store_ocsp_get(r->store->st, S2, &row1), 0);
	/* nothing is due yet */
	assert_int_equal(ca_revocation_round(r->rv, now + 10), 0);
	assert_int_equal(ca_store_ocsp_get(r->store->st, S2, &row2), 0);
	assert_int_equal(row2.id, row1.id);
	ca_ocsp_row_cleanup(&row2);
	/* past --ocsp-refresh: signed again, and the new one is served */
	r->cfg.ocsp_refresh_s = 3600;
	assert_int_equal(ca_revocation_round(r->rv, now + 3700), 0);
	assert_int_equal(ca_store_ocsp_get(r->store->st, S2, &row2), 0);
	assert_true(row2.id > row1.id);
	assert_true(row2.this_update >= now + 3600);
	rvfx_ask(r, S2, now + 3700, &a);
	assert_int_equal(a.this_update, row2.this_update);
	assert_int_equal(rvfx_status(r, &a, S2, NULL), V_OCSP_CERTSTATUS_GOOD);

	/* another instance mirrors the store: the same bytes, nothing signed */
	assert_int_equal(ca_revocation_new(&r->cfg, r->store->st, r->signer, &rv2), 0);
	assert_int_equal(ca_revocation_round(rv2, now + 3700), 0);
	ca_revocation_ocsp_answer(rv2, NULL, 0, now, &c);
	assert_int_equal(c.kind, CA_OCSP_ANSWER_MALFORMED);
	ca_ocsp_answer_cleanup(&c);
	{
		unsigned char *der = NULL;
		size_t len = rvfx_request(r, NULL, EVP_sha256(), S2, &der);

		ca_revocation_ocsp_answer(rv2, der, len, now + 3700, &b);
		OPENSSL_free(der);
	}
	assert_int_equal(b.kind, CA_OCSP_ANSWER_SIGNED);
	assert_int_equal(b.der_len, row2.der_len);
	assert_memory_equal(b.der, row2.der, row2.der_len);
	ca_revocation_free(rv2);
	ca_ocsp_row_cleanup(&row1);
	ca_ocsp_row_cleanup(&row2);
	ca_ocsp_answer_cleanup(&a);
	ca_ocsp_answer_cleanup(&b);
}

/* The CRL the HTTP handler serves for shard, parsed. */
static X509_CRL *fetch_crl(struct rvfx *r, int shard, int64_t now)
{
	struct ca_req req;
	struct ca_resp resp;
	const unsigned char *p;
	char path[32];
	X509_CRL *crl;

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	snprintf(path, sizeof(path), "/crl/%d.crl", shard);
	req.method = "GET";
	req.path = path;
	req.now = now;
	ca_revocation_handle_crl(r->rv, &req, &resp);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.content_type, "application/pkix-crl");
	p = (const unsigned char *)resp.body;
	crl = d2i_X509_CRL(NULL, &p, (long)resp.body_len);
	assert_non_null(crl);
	assert_int_equal(X509_CRL_verify(crl, X509_get0_pubkey(r->inter)), 1);
	ca_resp_cleanup(&resp);
	return crl;
}

static long crl_number(X509_CRL *crl)
{
	ASN1_INTEGER *n = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL);
	long v;

	assert_non_null(n);
	v = ASN1_INTEGER_get(n);
	ASN1_INTEGER_free(n);
	return v;
}

static bool crl_lists(X509_CRL *crl, const char *serial_hex)
{
	STACK_OF(X509_REVOKED) *revs = X509_CRL_get_REVOKED(crl);
	unsigned char sb[64];
	size_t n = rvfx_unhex(serial_hex, sb);
	int i;

	for (i = 0; i < sk_X509_REVOKED_num(revs); i++) {
		const ASN1_INTEGER *sn = X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revs, i));

		if ((size_t)ASN1_STRING_length(sn) == n && memcmp(ASN1_STRING_get0_data(sn), sb, n) == 0)
			return true;
	}
	return false;
}

static void test_crl_shards(void **state)
{
	struct rvfx *r = *state;
	int64_t now = (int64_t)time(NULL), interval;
	X509_CRL *crl, *other;
	long n0, other0;
	int i;

	r->cfg.crl_interval_s = 3600;
	interval = r->cfg.crl_interval_s;
	assert_int_equal(ca_store_crl_ensure(r->store->st, r->cfg.crl_shards), 0);
	fx_cert(r->store, "0a0a0a0a0a0a0a0a0a01", "k1", now + 86400, 2);
	fx_cert(r->store, "0a0a0a0a0a0a0a0a0a02", "k2", now - interval - 10, 2); /* long expired */
	fx_cert(r->store, "0a0a0a0a0a0a0a0a0a03", "k3", now - 10, 2);            /* just expired */
	assert_int_equal(ca_store_cert_revoke(r->store->st, "0a0a0a0a0a0a0a0a0a02", 4, now - 20), 0);
	assert_int_equal(ca_store_cert_revoke(r->store->st, "0a0a0a0a0a0a0a0a0a03", 5, now - 20), 0);
	assert_int_equal(ca_revocation_round(r->rv, now), 0);
	/* every shard has a CRL */
	for (i = 0; i < r->cfg.crl_shards; i++)
		X509_CRL_free(fetch_crl(r, i, now));
	crl = fetch_crl(r, 2, now);
	n0 = crl_number(crl);
	assert_true(n0 >= now);
	assert_false(crl_lists(crl, "0a0a0a0a0a0a0a0a0a01"));
	assert_false(crl_lists(crl, "0a0a0a0a0a0a0a0a0a02")); /* gone one interval after expiry */
	assert_true(crl_lists(crl, "0a0a0a0a0a0a0a0a0a03"));
	X509_CRL_free(crl);
	other = fetch_crl(r, 3, now);
	other0 = crl_number(other);
	X509_CRL_free(other);

	/* a revocation rebuilds its shard, with a larger number; others stay */
	assert_int_equal(ca_store_cert_revoke(r->store->st, "0a0a0a0a0a0a0a0a0a01", 1, now), 0);
	assert_int_equal(ca_revocation_round(r->rv, now), 0);
	crl = fetch_crl(r, 2, now);
	assert_true(crl_number(crl) > n0);
	assert_true(crl_lists(crl, "0a0a0a0a0a0a0a0a0a01"));
	X509_CRL_free(crl);
	other = fetch_crl(r, 3, now);
	assert_int_equal(crl_number(other), other0);
	X509_CRL_free(other);
	/* one interval later every shard is signed again */
	assert_int_equal(ca_revocation_round(r->rv, now + interval), 0);
	other = fetch_crl(r, 3, now + interval);
	assert_true(crl_number(other) > other0);
	X509_CRL_free(other);
	crl = fetch_crl(r, 2, now + interval);
	assert_false(crl_lists(crl, "0a0a0a0a0a0a0a0a0a03")); /* now one interval past expiry */
	X509_CRL_free(crl);
}

static void test_thread_publishes_revocation(void **state)
{
	struct rvfx *r = *state;
	int64_t now = (int64_t)time(NULL);
	struct ca_ocsp_answer a;
	int i, status = -1;

	fx_cert(r->store, S1, "k1", now + 86400, 0);
	assert_int_equal(ca_revocation_start(r->rv), 0);
	assert_int_equal(ca_store_cert_revoke(r->store->st, S1, 5, (int64_t)time(NULL)), 0);
	ca_revocation_wake(r->rv);
	/* within a few poll intervals (1 s each) */
	for (i = 0; i < 50 && status != V_OCSP_CERTSTATUS_REVOKED; i++) {
		struct timespec ts = {0, 100 * 1000 * 1000};

		nanosleep(&ts, NULL);
		rvfx_ask(r, S1, (int64_t)time(NULL), &a);
		status = rvfx_status(r, &a, S1, NULL);
		ca_ocsp_answer_cleanup(&a);
	}
	assert_int_equal(status, V_OCSP_CERTSTATUS_REVOKED);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, rvfx_setup, rvfx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_round_signs_and_serves),
		T(test_refresh_and_second_instance),
		T(test_crl_shards),
		T(test_thread_publishes_revocation),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
