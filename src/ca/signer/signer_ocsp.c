/*
 * signer_ocsp.c - signing OCSP responses with the intermediate's key: RFC
 * 6960 section 4.2 (BasicOCSPResponse) with the RFC 9919 profile (section
 * 3.2: ResponderID byKey, nextUpdate always present, GeneralizedTime to the
 * second, one response answering SHA-1 and SHA-256 CertIDs) and CA/B Forum
 * BR 4.9.9 (validity interval 8 hours to 10 days, signed by the issuing CA
 * itself) and 7.3 (CRLReason values as for CRLs; no reasonCode entry
 * extension).
 *
 * Left out: nonces (responses are pre-signed, RFC 9919 section 5), delegated
 * OCSP responder certificates.
 */
#include "signer/signer.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>

#include "log.h"
#include "mem.h"
#include "signer/signer_int.h"

/* How far thisUpdate may be from the signer's clock. */
#define OCSP_TIME_SLACK_S 86400

static bool reason_ok(int reason)
{
	return reason == 0 || reason == 1 || reason == 3 || reason == 4 || reason == 5 ||
	    reason == 9;
}

/* Minimal two's complement contents octets of a DER INTEGER (X.690 8.3.2). */
static bool integer_minimal(const unsigned char *p, size_t len)
{
	if (len == 0)
		return false;
	if (len == 1)
		return true;
	if (p[0] == 0x00 && (p[1] & 0x80) == 0)
		return false;
	if (p[0] == 0xff && (p[1] & 0x80) != 0)
		return false;
	return true;
}

/* The serial as an ASN1_INTEGER (decoded from "02 len contents"). */
static int serial_integer(const unsigned char *serial, size_t len, ASN1_INTEGER **out)
{
	unsigned char der[2 + CA_OCSP_SERIAL_MAX];
	const unsigned char *p = der;
	ASN1_INTEGER *ai;

	if (len > CA_OCSP_SERIAL_MAX || !integer_minimal(serial, len))
		return cn_err_set(CN_ERR_INTERNAL, "serial must be 1 to %d octets, minimally encoded",
		    CA_OCSP_SERIAL_MAX);
	der[0] = 0x02;
	der[1] = (unsigned char)len;
	memcpy(der + 2, serial, len);
	ai = d2i_ASN1_INTEGER(NULL, &p, (long)(len + 2));
	if (ai == NULL)
		return cn_err_openssl(CN_ERR_INTERNAL, "decoding the serial");
	*out = ai;
	return 0;
}

static int check_request(const struct ca_ocsp_sign_req *req)
{
	int64_t now = (int64_t)time(NULL);
	int64_t interval = req->next_update - req->this_update + 1;

	if (req->this_update < now - OCSP_TIME_SLACK_S || req->this_update > now + OCSP_TIME_SLACK_S)
		return cn_err_set(CN_ERR_INTERNAL, "thisUpdate is more than a day from now");
	if (req->next_update <= req->this_update || interval < CA_OCSP_MIN_VALIDITY_S ||
	    interval > CA_OCSP_MAX_VALIDITY_S)
		return cn_err_set(CN_ERR_INTERNAL,
		    "OCSP validity interval must be 8 hours to 10 days (BR 4.9.9)");
	switch (req->status) {
	case CA_OCSP_GOOD:
	case CA_OCSP_UNKNOWN:
		return 0;
	case CA_OCSP_REVOKED:
		if (!reason_ok(req->reason))
			return cn_err_set(CN_ERR_INTERNAL, "CRLReason %d is not allowed (BR 7.2.2)",
			    req->reason);
		if (req->revoked_at > req->this_update || req->revoked_at <= 0)
			return cn_err_set(CN_ERR_INTERNAL, "revocationTime after thisUpdate");
		return 0;
	}
	return cn_err_set(CN_ERR_INTERNAL, "bad OCSP status %d", (int)req->status);
}

static const EVP_MD *hash_md(enum ca_ocsp_hash alg)
{
	return alg == CA_OCSP_SHA1 ? EVP_sha1() : EVP_sha256();
}

int ca_signer_ocsp_issuer_hashes(const struct ca_signer *s, enum ca_ocsp_hash alg,
    unsigned char name_hash[32], unsigned char key_hash[32], size_t *len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, k = 0;

	if (alg != CA_OCSP_SHA1 && alg != CA_OCSP_SHA256)
		return cn_err_set(CN_ERR_INTERNAL, "bad OCSP hash %d", (int)alg);
	if (X509_NAME_digest(X509_get_subject_name(s->cert), hash_md(alg), md, &n) != 1 ||
	    n > 32)
		return cn_err_openssl(CN_ERR_CRYPTO, "hashing the issuer name");
	memcpy(name_hash, md, n);
	if (X509_pubkey_digest(s->cert, hash_md(alg), md, &k) != 1 || k != n)
		return cn_err_openssl(CN_ERR_CRYPTO, "hashing the issuer key");
	memcpy(key_hash, md, k);
	*len = n;
	return 0;
}

static int add_single(OCSP_BASICRESP *bs, const struct ca_signer *s, const EVP_MD *md,
    const ASN1_INTEGER *serial, const struct ca_ocsp_sign_req *req,
    ASN1_GENERALIZEDTIME *rev, ASN1_GENERALIZEDTIME *thisupd, ASN1_GENERALIZEDTIME *nextupd)
{
	OCSP_CERTID *id = NULL;
	int status, reason = OCSP_REVOKED_STATUS_NOSTATUS;
	int r = 0;

	id = OCSP_cert_id_new(md, X509_get_subject_name(s->cert), X509_get0_pubkey_bitstr(s->cert),
	    serial);
	if (id == NULL) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "OCSP_cert_id_new");
		goto out;
	}
	switch (req->status) {
	case CA_OCSP_GOOD:
		status = V_OCSP_CERTSTATUS_GOOD;
		break;
	case CA_OCSP_REVOKED:
		status = V_OCSP_CERTSTATUS_REVOKED;
		/* BR 7.2.2: unspecified is represented by leaving the reason out. */
		if (req->reason != 0)
			reason = req->reason;
		break;
	default:
		status = V_OCSP_CERTSTATUS_UNKNOWN;
		break;
	}
	if (OCSP_basic_add1_status(bs, id, status, reason,
	        status == V_OCSP_CERTSTATUS_REVOKED ? rev : NULL, thisupd, nextupd) == NULL)
		r = cn_err_openssl(CN_ERR_CRYPTO, "OCSP_basic_add1_status");
out:
	OCSP_CERTID_free(id);
	return r;
}

int ca_signer_ocsp(struct ca_signer *s, const struct ca_ocsp_sign_req *req,
    unsigned char **der, size_t *der_len)
{
	ASN1_INTEGER *serial = NULL;
	ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
	OCSP_BASICRESP *bs = NULL;
	OCSP_RESPONSE *resp = NULL;
	EVP_MD_CTX *mctx = NULL;
	unsigned char *p = NULL;
	int n, r;

	r = check_request(req);
	if (r != 0)
		goto out;
	r = serial_integer(req->serial, req->serial_len, &serial);
	if (r != 0)
		goto out;
	thisupd = ASN1_GENERALIZEDTIME_set(NULL, (time_t)req->this_update);
	nextupd = ASN1_GENERALIZEDTIME_set(NULL, (time_t)req->next_update);
	if (req->status == CA_OCSP_REVOKED)
		rev = ASN1_GENERALIZEDTIME_set(NULL, (time_t)req->revoked_at);
	bs = OCSP_BASICRESP_new();
	mctx = EVP_MD_CTX_new();
	if (thisupd == NULL || nextupd == NULL || (req->status == CA_OCSP_REVOKED && rev == NULL) ||
	    bs == NULL || mctx == NULL) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "building an OCSP response");
		goto out;
	}
	r = add_single(bs, s, EVP_sha1(), serial, req, rev, thisupd, nextupd);
	if (r == 0)
		r = add_single(bs, s, EVP_sha256(), serial, req, rev, thisupd, nextupd);
	if (r != 0)
		goto out;
	if (EVP_DigestSignInit_ex(mctx, NULL, EVP_MD_get0_name(s->md), NULL, NULL, s->key,
	        NULL) != 1 ||
	    OCSP_basic_sign_ctx(bs, s->cert, mctx, NULL, OCSP_RESPID_KEY | OCSP_NOCERTS) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "signing the OCSP response");
		goto out;
	}
	resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
	if (resp == NULL) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "OCSP_response_create");
		goto out;
	}
	n = i2d_OCSP_RESPONSE(resp, &p);
	if (n <= 0) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "encoding the OCSP response");
		goto out;
	}
	*der = cn_xmemdup(p, (size_t)n);
	*der_len = (size_t)n;
	r = 0;
out:
	OPENSSL_free(p);
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	EVP_MD_CTX_free(mctx);
	ASN1_GENERALIZEDTIME_free(rev);
	ASN1_GENERALIZEDTIME_free(thisupd);
	ASN1_GENERALIZEDTIME_free(nextupd);
	ASN1_INTEGER_free(serial);
	return r;
}
