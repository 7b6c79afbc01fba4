/*
 * rv_fixture.h - shared by test_responder.c and test_refresher.c: a real
 * store (../store/revocation_fixture.h), a fresh PKI and signer in the same
 * temp directory, the built-in configuration, a ca_revocation on top, and
 * helpers that build OCSP requests with OpenSSL and read responses back.
 * Static inline functions; each test binary includes it once.
 */
#ifndef TEST_RV_FIXTURE_H
#define TEST_RV_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "../store/revocation_fixture.h"
#include "config.h"
#include "revocation/revocation.h"
#include "signer/signer.h"
#include "x509/cert.h"

struct rvfx {
	struct fx *store;          /* store, account, certificate helper */
	struct ca_config cfg;
	struct ca_signer *signer;
	struct ca_revocation *rv;
	X509 *inter, *root;
	char pki[96];
};

static inline int rvfx_setup(void **state)
{
	struct rvfx *r = calloc(1, sizeof(*r));
	void *st = NULL;
	char path[160];

	if (r == NULL || fx_setup(&st) != 0)
		return -1;
	r->store = st;
	snprintf(r->pki, sizeof(r->pki), "%s/pki", r->store->dir);
	if (ca_pki_init(r->pki, CN_KEY_P256, NULL, 0) != 0 || ca_signer_open(r->pki, &r->signer) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/intermediate.pem", r->pki);
	if (cn_cert_load(path, &r->inter) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/root.pem", r->pki);
	if (cn_cert_load(path, &r->root) != 0)
		return -1;
	ca_config_defaults(&r->cfg);
	free(r->cfg.data_dir);
	r->cfg.data_dir = strdup(r->store->dir);
	if (r->cfg.data_dir == NULL || ca_config_finish(&r->cfg) != 0)
		return -1;
	if (ca_revocation_new(&r->cfg, r->store->st, r->signer, &r->rv) != 0)
		return -1;
	*state = r;
	return 0;
}

static inline int rvfx_teardown(void **state)
{
	static const char *const files[] = {"root.pem", "root-key.pem", "intermediate.pem",
		"intermediate-key.pem", "api-ca.pem", "api-ca-key.pem", "api-cert.pem", "api-key.pem"};
	struct rvfx *r = *state;
	void *st = r->store;
	char path[200];
	size_t i;

	ca_revocation_free(r->rv);
	ca_signer_free(r->signer);
	X509_free(r->inter);
	X509_free(r->root);
	ca_config_cleanup(&r->cfg);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", r->pki, files[i]);
		unlink(path);
	}
	rmdir(r->pki);
	fx_teardown(&st);
	free(r);
	return 0;
}

/* Hex to bytes (tests only: well-formed input). */
static inline size_t rvfx_unhex(const char *hex, unsigned char *out)
{
	size_t i, n = strlen(hex) / 2;
	unsigned int v;

	for (i = 0; i < n; i++) {
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (unsigned char)v;
	}
	return n;
}

/* A DER OCSPRequest for serial_hex under issuer (NULL: the intermediate)
 * with CertID hash md. Caller frees *der with OPENSSL_free. */
static inline size_t rvfx_request(struct rvfx *r, X509 *issuer, const EVP_MD *md,
    const char *serial_hex, unsigned char **der)
{
	unsigned char sb[64];
	size_t n = rvfx_unhex(serial_hex, sb);
	BIGNUM *bn = BN_bin2bn(sb, (int)n, NULL);
	ASN1_INTEGER *sn = BN_to_ASN1_INTEGER(bn, NULL);
	OCSP_REQUEST *req = OCSP_REQUEST_new();
	OCSP_CERTID *id;
	int len;

	if (issuer == NULL)
		issuer = r->inter;
	id = OCSP_cert_id_new(md, X509_get_subject_name(issuer), X509_get0_pubkey_bitstr(issuer), sn);
	assert_non_null(id);
	assert_non_null(OCSP_request_add0_id(req, id));
	*der = NULL;
	len = i2d_OCSP_REQUEST(req, der);
	assert_true(len > 0);
	OCSP_REQUEST_free(req);
	ASN1_INTEGER_free(sn);
	BN_free(bn);
	return (size_t)len;
}

/* Asks the responder about serial_hex (SHA-1 CertID) at now. */
static inline void rvfx_ask(struct rvfx *r, const char *serial_hex, int64_t now,
    struct ca_ocsp_answer *a)
{
	unsigned char *der = NULL;
	size_t len = rvfx_request(r, NULL, EVP_sha1(), serial_hex, &der);

	ca_revocation_ocsp_answer(r->rv, der, len, now, a);
	OPENSSL_free(der);
}

/* The status (V_OCSP_CERTSTATUS_*) a signed answer gives serial_hex after
 * verifying it with the intermediate; *reason as OpenSSL reports it. */
static inline int rvfx_status(struct rvfx *r, const struct ca_ocsp_answer *a,
    const char *serial_hex, int *reason)
{
	const unsigned char *p = a->der;
	OCSP_RESPONSE *resp;
	OCSP_BASICRESP *bs;
	OCSP_CERTID *id;
	STACK_OF(X509) *chain = sk_X509_new_null();
	X509_STORE *store = X509_STORE_new();
	unsigned char sb[64];
	size_t n = rvfx_unhex(serial_hex, sb);
	BIGNUM *bn = BN_bin2bn(sb, (int)n, NULL);
	ASN1_INTEGER *sn = BN_to_ASN1_INTEGER(bn, NULL);
	int status = -1, rsn = -1;

	assert_int_equal(a->kind, CA_OCSP_ANSWER_SIGNED);
	resp = d2i_OCSP_RESPONSE(NULL, &p, (long)a->der_len);
	assert_non_null(resp);
	bs = OCSP_response_get1_basic(resp);
	assert_non_null(bs);
	assert_int_equal(X509_STORE_add_cert(store, r->root), 1);
	assert_true(sk_X509_push(chain, r->inter) > 0);
	assert_int_equal(OCSP_basic_verify(bs, chain, store, OCSP_TRUSTOTHER), 1);
	id = OCSP_cert_id_new(EVP_sha256(), X509_get_subject_name(r->inter),
	    X509_get0_pubkey_bitstr(r->inter), sn);
	assert_int_equal(OCSP_resp_find_status(bs, id, &status, &rsn, NULL, NULL, NULL), 1);
	if (reason != NULL)
		*reason = rsn;
	OCSP_CERTID_free(id);
	ASN1_INTEGER_free(sn);
	BN_free(bn);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	sk_X509_free(chain);
	X509_STORE_free(store);
	return status;
}

#endif
