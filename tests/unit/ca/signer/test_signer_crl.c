/*
 * test_signer_crl.c - unit tests for src/ca/signer/signer_crl.c: a CRL of
 * a fresh PKI parsed with OpenSSL field by field (v2, issuer, times,
 * entries sorted with reasonCode except for unspecified, AKI, cRLNumber,
 * critical IDP with the shard URL and onlyContainsUserCerts, BR 7.2), and
 * used by X509_verify_cert with CRL checking on a certificate the signer
 * issued for that shard: revoked when listed, good when not. Refusals of
 * what BR 7.2 forbids.
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

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "err.h"
#include "log.h"
#include "signer/signer.h"
#include "x509/cert.h"
#include "x509/key.h"

#include "signer_fixture.h"

#define SHARD_URL "http://127.0.0.1:22180/crl/3.crl"

static int setup(void **state)
{
	return signer_fixture_setup(state, "/tmp/cairn-signcrl-XXXXXX");
}

static const unsigned char s1[] = {0x30, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09};
static const unsigned char s2[] = {0x10, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09};
static const unsigned char s3[] = {0x20, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09};

static X509_CRL *sign_parse(struct fixture *f, const struct ca_crl_sign_req *req)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	size_t len = 0;
	X509_CRL *crl;

	assert_int_equal(ca_signer_crl(f->signer, req, &der, &len), 0);
	p = der;
	crl = d2i_X509_CRL(NULL, &p, (long)len);
	assert_non_null(crl);
	assert_ptr_equal(p, der + len);
	free(der);
	assert_int_equal(X509_CRL_verify(crl, X509_get0_pubkey(f->inter)), 1);
	return crl;
}

static int64_t t_of(const ASN1_TIME *t)
{
	int64_t v = 0;

	assert_int_equal(cn_asn1_time_to_unix(t, &v), 0);
	return v;
}

static void test_fields(void **state)
{
	struct fixture *f = *state;
	int64_t now = (int64_t)time(NULL);
	struct ca_crl_sign_entry e[3] = {
		{s1, sizeof(s1), 1, now - 300},
		{s2, sizeof(s2), 0, now - 200},
		{s3, sizeof(s3), 4, now - 100},
	};
	struct ca_crl_sign_req req = {1234567, now, now + 7 * 86400, SHARD_URL, e, 3};
	X509_CRL *crl = sign_parse(f, &req);
	STACK_OF(X509_REVOKED) *revs = X509_CRL_get_REVOKED(crl);
	ASN1_INTEGER *num;
	ISSUING_DIST_POINT *idp;
	AUTHORITY_KEYID *aki;
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(f->inter);
	GENERAL_NAME *gn;
	int crit = -1, i;

	assert_int_equal(X509_CRL_get_version(crl), X509_CRL_VERSION_2);
	assert_int_equal(X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(f->inter)), 0);
	assert_int_equal(t_of(X509_CRL_get0_lastUpdate(crl)), now);
	assert_int_equal(t_of(X509_CRL_get0_nextUpdate(crl)), now + 7 * 86400);
	/* sorted by serial; reasonCode non-critical, none for unspecified */
	assert_int_equal(sk_X509_REVOKED_num(revs), 3);
	for (i = 0; i < 3; i++) {
		X509_REVOKED *rv = sk_X509_REVOKED_value(revs, i);
		const unsigned char *want = i == 0 ? s2 : i == 1 ? s3 : s1;
		ASN1_ENUMERATED *reason;
		BIGNUM *bn = ASN1_INTEGER_to_BN(X509_REVOKED_get0_serialNumber(rv), NULL);
		unsigned char got[16];

		assert_int_equal(BN_bn2bin(bn, got), 10);
		assert_memory_equal(got, want, 10);
		BN_free(bn);
		reason = X509_REVOKED_get_ext_d2i(rv, NID_crl_reason, &crit, NULL);
		if (want == s2) {
			assert_null(reason);
			assert_int_equal(X509_REVOKED_get_ext_count(rv), 0);
		} else {
			assert_non_null(reason);
			assert_int_equal(crit, 0);
			assert_int_equal(ASN1_ENUMERATED_get(reason), want == s1 ? 1 : 4);
			ASN1_ENUMERATED_free(reason);
		}
		assert_int_equal(t_of(X509_REVOKED_get0_revocationDate(rv)),
		    want == s1 ? now - 300 : want == s2 ? now - 200 : now - 100);
	}
	num = X509_CRL_get_ext_d2i(crl, NID_crl_number, &crit, NULL);
	assert_non_null(num);
	assert_int_equal(crit, 0);
	assert_int_equal(ASN1_INTEGER_get(num), 1234567);
	ASN1_INTEGER_free(num);
	aki = X509_CRL_get_ext_d2i(crl, NID_authority_key_identifier, &crit, NULL);
	assert_non_null(aki);
	assert_int_equal(crit, 0);
	assert_int_equal(ASN1_OCTET_STRING_cmp(aki->keyid, ski), 0);
	assert_null(aki->issuer);
	AUTHORITY_KEYID_free(aki);
	idp = X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, &crit, NULL);
	assert_non_null(idp);
	assert_int_equal(crit, 1);
	assert_non_null(idp->distpoint);
	assert_int_equal(idp->distpoint->type, 0);
	assert_int_equal(sk_GENERAL_NAME_num(idp->distpoint->name.fullname), 1);
	gn = sk_GENERAL_NAME_value(idp->distpoint->name.fullname, 0);
	assert_int_equal(gn->type, GEN_URI);
	assert_int_equal(ASN1_STRING_length(gn->d.uniformResourceIdentifier), strlen(SHARD_URL));
	assert_memory_equal(ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier), SHARD_URL,
	    strlen(SHARD_URL));
	assert_true(idp->onlyuser > 0);
	assert_int_equal(idp->onlyCA, 0);
	assert_int_equal(idp->indirectCRL, 0);
	assert_null(idp->onlysomereasons);
	ISSUING_DIST_POINT_free(idp);
	assert_int_equal(X509_CRL_get_ext_count(crl), 3);
	X509_CRL_free(crl);

	/* an empty shard */
	req.n_entries = 0;
	req.entries = NULL;
	crl = sign_parse(f, &req);
	/* RFC 5280 5.1.2.6: no revokedCertificates at all when empty */
	assert_null(X509_CRL_get_REVOKED(crl));
	X509_CRL_free(crl);
}

/* X509_verify_cert with a CRL for leaf (the chain's root CRL not checked). */
static int verify_with_crl(struct fixture *f, X509 *leaf, X509_CRL *crl)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	int ok, err;

	assert_int_equal(X509_STORE_add_cert(store, f->root), 1);
	assert_int_equal(X509_STORE_add_crl(store, crl), 1);
	X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
	assert_true(sk_X509_push(untrusted, f->inter) > 0);
	assert_int_equal(X509_STORE_CTX_init(ctx, store, leaf, untrusted), 1);
	ok = X509_verify_cert(ctx);
	err = X509_STORE_CTX_get_error(ctx);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	sk_X509_free(untrusted);
	return ok == 1 ? X509_V_OK : err;
}

static void test_verify_cert_against_crl(void **state)
{
	static const char *const names[] = {"crl.example"};
	static const unsigned char serial[CA_SERIAL_LEN] = {0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
		12, 13, 14, 15};
	struct fixture *f = *state;
	int64_t now = (int64_t)time(NULL);
	struct ca_issue_req ir;
	struct ca_crl_sign_entry e = {serial, sizeof(serial), 1, now - 10};
	struct ca_crl_sign_req req = {7, now, now + 86400, SHARD_URL, &e, 1};
	unsigned char *der = NULL;
	size_t len = 0;
	EVP_PKEY *key = NULL;
	X509 *leaf = NULL;
	X509_CRL *crl;

	assert_int_equal(cn_key_generate(CN_KEY_P256, &key), 0);
	memset(&ir, 0, sizeof(ir));
	ir.subject_key = key;
	ir.dns_names = names;
	ir.n_dns = 1;
	ir.serial = serial;
	ir.serial_len = sizeof(serial);
	ir.not_before = now - 3600;
	ir.not_after = now + 86400;
	ir.crl_url = SHARD_URL;
	assert_int_equal(ca_signer_issue(f->signer, &ir, &der, &len), 0);
	assert_int_equal(cn_cert_from_der(der, len, &leaf), 0);
	free(der);
	crl = sign_parse(f, &req);
	assert_int_equal(verify_with_crl(f, leaf, crl), X509_V_ERR_CERT_REVOKED);
	X509_CRL_free(crl);
	req.n_entries = 0;
	req.number = 8;
	crl = sign_parse(f, &req);
	assert_int_equal(verify_with_crl(f, leaf, crl), X509_V_OK);
	X509_CRL_free(crl);
	X509_free(leaf);
	EVP_PKEY_free(key);
}

static void test_refusals(void **state)
{
	static const unsigned char neg[] = {0x80, 0x01};
	struct fixture *f = *state;
	int64_t now = (int64_t)time(NULL);
	struct ca_crl_sign_entry e;
	struct ca_crl_sign_req req;
	unsigned char *der = NULL;
	size_t len = 0;
	int i;

	for (i = 0; i < 9; i++) {
		struct ca_crl_sign_entry ok = {s1, sizeof(s1), 4, now - 5};

		e = ok;
		req = (struct ca_crl_sign_req){1, now, now + 86400, SHARD_URL, &e, 1};
		switch (i) {
		case 0: req.next_update = now + CA_CRL_MAX_VALIDITY_S + 1; break;
		case 1: req.next_update = now; break;
		case 2: req.number = -1; break;
		case 3: req.idp_url = "https://127.0.0.1/crl/3.crl"; break;
		case 4: req.idp_url = NULL; break;
		case 5: e.reason = 6; break;  /* certificateHold */
		case 6: e.revoked_at = now + 10; break;
		case 7: e.serial = neg; e.serial_len = sizeof(neg); break;
		default: req.this_update = now - 2 * 86400; req.next_update = now; break;
		}
		assert_int_equal(ca_signer_crl(f->signer, &req, &der, &len), CN_ERR_INTERNAL);
		assert_null(der);
	}
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_fields),
		T(test_verify_cert_against_crl),
		T(test_refusals),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
