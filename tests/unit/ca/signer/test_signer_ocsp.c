/*
 * test_signer_ocsp.c - unit tests for src/ca/signer/signer_ocsp.c: OCSP
 * responses of a fresh PKI parsed and verified with OpenSSL's OCSP code
 * (the intermediate signs itself; ResponderID byKey; no certs), found by
 * both SHA-1 and SHA-256 CertIDs (RFC 9919 3.2.1), with the status, times
 * and reason asked for (none for unspecified, BR 7.2.2); the issuer hashes;
 * and every request the BR profile forbids refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "err.h"
#include "log.h"
#include "signer/signer.h"
#include "x509/cert.h"

#include "signer_fixture.h"

static int setup(void **state)
{
	return signer_fixture_setup(state, "/tmp/cairn-signocsp-XXXXXX");
}

static const unsigned char serial[] = {0x53, 0x64, 0x82, 0x51, 0x0f, 0xbf, 0xe5, 0xf1, 0x70,
    0x18, 0x6a, 0xd2, 0x76, 0xb0, 0xae, 0x29};

static struct ca_ocsp_sign_req req_at(int64_t now)
{
	struct ca_ocsp_sign_req r;

	memset(&r, 0, sizeof(r));
	r.serial = serial;
	r.serial_len = sizeof(serial);
	r.status = CA_OCSP_GOOD;
	r.this_update = now - 60;
	r.next_update = r.this_update + 7 * 86400 - 1;
	return r;
}

static int64_t gt(const ASN1_GENERALIZEDTIME *t)
{
	struct tm tm;

	assert_non_null(t);
	assert_int_equal(ASN1_STRING_type(t), V_ASN1_GENERALIZEDTIME);
	/* RFC 9919 3.2.4: YYYYMMDDHHMMSSZ, no fractions */
	assert_int_equal(ASN1_STRING_length(t), 15);
	assert_int_equal(ASN1_STRING_get0_data(t)[14], 'Z');
	assert_int_equal(ASN1_TIME_to_tm(t, &tm), 1);
	return (int64_t)timegm(&tm);
}

/* Signs req, parses and verifies the response, and returns it. */
static OCSP_BASICRESP *sign_verify(struct fixture *f, const struct ca_ocsp_sign_req *req)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	size_t len = 0;
	OCSP_RESPONSE *resp;
	OCSP_BASICRESP *bs;
	STACK_OF(X509) *chain = sk_X509_new_null();
	X509_STORE *store = X509_STORE_new();
	const ASN1_OCTET_STRING *key_id = NULL;
	const X509_NAME *name = NULL;

	assert_int_equal(ca_signer_ocsp(f->signer, req, &der, &len), 0);
	p = der;
	resp = d2i_OCSP_RESPONSE(NULL, &p, (long)len);
	assert_non_null(resp);
	assert_ptr_equal(p, der + len);
	assert_int_equal(OCSP_response_status(resp), OCSP_RESPONSE_STATUS_SUCCESSFUL);
	bs = OCSP_response_get1_basic(resp);
	assert_non_null(bs);
	/* signed by the intermediate itself, found through the issuer */
	assert_true(sk_X509_num(OCSP_resp_get0_certs(bs)) <= 0);
	assert_int_equal(OCSP_resp_get0_id(bs, &key_id, &name), 1);
	assert_non_null(key_id);
	assert_null(name);
	assert_int_equal(X509_STORE_add_cert(store, f->root), 1);
	assert_true(sk_X509_push(chain, f->inter) > 0);
	assert_int_equal(OCSP_basic_verify(bs, chain, store, OCSP_TRUSTOTHER), 1);
	assert_int_equal(OCSP_resp_count(bs), 2);
	assert_int_equal(OCSP_BASICRESP_get_ext_count(bs), 0);
	gt(OCSP_resp_get0_produced_at(bs));
	sk_X509_free(chain);
	X509_STORE_free(store);
	OCSP_RESPONSE_free(resp);
	free(der);
	return bs;
}

/* Finds the status for serial by a CertID of md. */
static int find(struct fixture *f, OCSP_BASICRESP *bs, const EVP_MD *md, int *reason,
    int64_t *rev, int64_t *thisupd, int64_t *nextupd)
{
	ASN1_GENERALIZEDTIME *r = NULL, *t = NULL, *n = NULL;
	BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
	ASN1_INTEGER *sn = BN_to_ASN1_INTEGER(bn, NULL);
	OCSP_CERTID *id = OCSP_cert_id_new(md, X509_get_subject_name(f->inter),
	    X509_get0_pubkey_bitstr(f->inter), sn);
	int status = -1;

	assert_non_null(id);
	assert_int_equal(OCSP_resp_find_status(bs, id, &status, reason, &r, &t, &n), 1);
	*thisupd = gt(t);
	*nextupd = gt(n);
	*rev = r != NULL ? gt(r) : 0;
	OCSP_CERTID_free(id);
	ASN1_INTEGER_free(sn);
	BN_free(bn);
	return status;
}

static void test_good_both_certids(void **state)
{
	struct fixture *f = *state;
	int64_t now = (int64_t)time(NULL), rev, t, n;
	struct ca_ocsp_sign_req req = req_at(now);
	OCSP_BASICRESP *bs = sign_verify(f, &req);
	int reason = 99;

	assert_int_equal(find(f, bs, EVP_sha1(), &reason, &rev, &t, &n), V_OCSP_CERTSTATUS_GOOD);
	assert_int_equal(t, req.this_update);
	assert_int_equal(n, req.next_update);
	assert_int_equal(find(f, bs, EVP_sha256(), &reason, &rev, &t, &n), V_OCSP_CERTSTATUS_GOOD);
	OCSP_BASICRESP_free(bs);
}

static void test_revoked_and_unknown(void **state)
{
	struct fixture *f = *state;
	int64_t now = (int64_t)time(NULL), rev, t, n;
	struct ca_ocsp_sign_req req = req_at(now);
	OCSP_BASICRESP *bs;
	int reason = 99;

	req.status = CA_OCSP_REVOKED;
	req.reason = 4;
	req.revoked_at = now - 3600;
	bs = sign_verify(f, &req);
	assert_int_equal(find(f, bs, EVP_sha256(), &reason, &rev, &t, &n), V_OCSP_CERTSTATUS_REVOKED);
	assert_int_equal(reason, OCSP_REVOKED_STATUS_SUPERSEDED);
	assert_int_equal(rev, now - 3600);
	OCSP_BASICRESP_free(bs);
	/* unspecified: no revocationReason (BR 7.2.2) */
	req.reason = 0;
	bs = sign_verify(f, &req);
	assert_int_equal(find(f, bs, EVP_sha1(), &reason, &rev, &t, &n), V_OCSP_CERTSTATUS_REVOKED);
	assert_int_equal(reason, OCSP_REVOKED_STATUS_NOSTATUS);
	OCSP_BASICRESP_free(bs);
	req = req_at(now);
	req.status = CA_OCSP_UNKNOWN;
	req.next_update = req.this_update + CA_OCSP_MIN_VALIDITY_S - 1;
	bs = sign_verify(f, &req);
	assert_int_equal(find(f, bs, EVP_sha1(), &reason, &rev, &t, &n), V_OCSP_CERTSTATUS_UNKNOWN);
	OCSP_BASICRESP_free(bs);
}

static void test_refusals(void **state)
{
	static const unsigned char non_minimal[] = {0x00, 0x12};
	static const unsigned char too_long[CA_OCSP_SERIAL_MAX + 1] = {0x01};
	struct fixture *f = *state;
	int64_t now = (int64_t)time(NULL);
	struct ca_ocsp_sign_req req;
	unsigned char *der = NULL;
	size_t len = 0;
	int i;

	for (i = 0; i < 10; i++) {
		req = req_at(now);
		switch (i) {
		case 0: req.next_update = req.this_update + CA_OCSP_MAX_VALIDITY_S; break;
		case 1: req.next_update = req.this_update + CA_OCSP_MIN_VALIDITY_S - 2; break;
		case 2: req.this_update = now - 2 * 86400; req.next_update = now; break;
		case 3: req.next_update = req.this_update; break;
		case 4: req.status = CA_OCSP_REVOKED; req.reason = 6; req.revoked_at = now - 100; break;
		case 5: req.status = CA_OCSP_REVOKED; req.reason = 1; req.revoked_at = now + 100; break;
		case 6: req.serial = non_minimal; req.serial_len = sizeof(non_minimal); break;
		case 7: req.serial = too_long; req.serial_len = sizeof(too_long); break;
		case 8: req.serial_len = 0; break;
		default: req.status = (enum ca_ocsp_cert_status)7; break;
		}
		assert_int_equal(ca_signer_ocsp(f->signer, &req, &der, &len), CN_ERR_INTERNAL);
		assert_null(der);
	}
	/* the longest interval that is allowed */
	req = req_at(now);
	req.next_update = req.this_update + CA_OCSP_MAX_VALIDITY_S - 1;
	assert_int_equal(ca_signer_ocsp(f->signer, &req, &der, &len), 0);
	free(der);
}

static void test_issuer_hashes(void **state)
{
	struct fixture *f = *state;
	unsigned char name[32], key[32], want[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	size_t len = 0;

	assert_int_equal(ca_signer_ocsp_issuer_hashes(f->signer, CA_OCSP_SHA1, name, key, &len), 0);
	assert_int_equal(len, 20);
	assert_int_equal(X509_NAME_digest(X509_get_subject_name(f->inter), EVP_sha1(), want, &n), 1);
	assert_memory_equal(name, want, 20);
	assert_int_equal(X509_pubkey_digest(f->inter, EVP_sha1(), want, &n), 1);
	assert_memory_equal(key, want, 20);
	assert_int_equal(ca_signer_ocsp_issuer_hashes(f->signer, CA_OCSP_SHA256, name, key, &len), 0);
	assert_int_equal(len, 32);
	assert_int_equal(X509_pubkey_digest(f->inter, EVP_sha256(), want, &n), 1);
	assert_memory_equal(key, want, 32);
	assert_int_equal(ca_signer_ocsp_issuer_hashes(f->signer, CA_OCSP_HASH_MAX, name, key, &len),
	    CN_ERR_INTERNAL);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_good_both_certids),
		T(test_revoked_and_unknown),
		T(test_refusals),
		T(test_issuer_hashes),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
