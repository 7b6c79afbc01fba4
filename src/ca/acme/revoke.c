/*
 * revoke.c - revokeCert, RFC 8555 section 7.6. The request is signed either
 * by an account (kid) that ordered the certificate or holds valid
 * authorizations for all of its identifiers, or by the certificate's own key
 * (jwk). Reasons are the RFC 5280 CRLReason codes the Baseline Requirements
 * (section 7.2.2) allow a subscriber: unspecified (0), keyCompromise (1),
 * affiliationChanged (3), superseded (4), cessationOfOperation (5); others
 * get badRevocationReason. The revocation is stored, and the store queues
 * new OCSP responses and CRLs for it (revocation/refresher.c, woken here).
 * keyCompromise also blocks the key and revokes every unexpired certificate
 * with it (BR 4.9.1.1 item 3); a certificate already revoked for another
 * reason then gets keyCompromise as its reason (BR 7.2.2).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "acme/acme.h"
#include "b64url.h"
#include "json.h"
#include "log.h"
#include "revocation/revocation.h"
#include "signer/signer.h"
#include "x509/cert.h"
#include "x509/key.h"

#define CA_MAX_CERT_DER 16384
/* RFC 5280 section 5.3.1 */
#define CA_REASON_KEY_COMPROMISE 1

static bool reason_allowed(json_int_t reason)
{
	return reason == 0 || reason == 1 || reason == 3 || reason == 4 || reason == 5;
}

/* True if the account holds valid authorizations for every SAN of x. */
static bool account_controls_names(const struct ca_ctx *ctx, const struct ca_req *req, X509 *x)
{
	GENERAL_NAMES *sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	bool ok = sans != NULL && sk_GENERAL_NAME_num(sans) > 0;
	int i;

	for (i = 0; ok && i < sk_GENERAL_NAME_num(sans); i++) {
		GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, i);
		struct ca_authz az;
		const char *name;
		char buf[256];
		bool wild = false;

		memset(&az, 0, sizeof(az));
		if (gn->type != GEN_DNS) {
			ok = false;
			break;
		}
		name = (const char *)ASN1_STRING_get0_data(gn->d.dNSName);
		if (strncmp(name, "*.", 2) == 0) {
			wild = true;
			name += 2;
		}
		snprintf(buf, sizeof(buf), "%s", name);
		if (ca_store_authz_find_valid(ctx->store, req->account.id, "dns", buf, wild, req->now,
		        &az) != 0)
			ok = false;
		ca_authz_cleanup(&az);
	}
	GENERAL_NAMES_free(sans);
	return ok;
}

void ca_handle_revoke(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp)
{
	const char *cert_b64 = NULL;
	unsigned char *der = NULL;
	const unsigned char *p;
	size_t der_len = 0;
	json_t *reason_j;
	json_int_t reason = 0;
	struct ca_cert c;
	X509 *x = NULL;
	char serial[48], key_hash[48];
	int64_t n_revoked = 0;
	int r;

	memset(&c, 0, sizeof(c));
	if (ca_acme_auth(ctx, req, resp, CA_AUTH_KID_OR_JWK) != 0)
		return;
	if (req->payload == NULL) {
		r = cn_err_set(CN_ERR_MALFORMED, "revokeCert needs a payload");
		goto fail;
	}
	r = cn_json_get_str(req->payload, "certificate", &cert_b64);
	if (r != 0)
		goto fail;
	reason_j = json_object_get(req->payload, "reason");
	if (reason_j != NULL) {
		if (!json_is_integer(reason_j)) {
			r = cn_err_set(CN_ERR_MALFORMED, "reason must be an integer");
			goto fail;
		}
		reason = json_integer_value(reason_j);
		if (!reason_allowed(reason)) {
			r = cn_err_set(CN_ERR_BAD_REVOCATION_REASON,
			    "reason %lld is not allowed; use 0, 1, 3, 4 or 5", (long long)reason);
			goto fail;
		}
	}
	if (strlen(cert_b64) > CA_MAX_CERT_DER * 2 ||
	    cn_b64url_decode(cert_b64, strlen(cert_b64), &der, &der_len) != 0) {
		r = cn_err_set(CN_ERR_MALFORMED, "certificate is not base64url DER");
		goto fail;
	}
	p = der;
	x = d2i_X509(NULL, &p, (long)der_len);
	if (x == NULL || p != der + der_len) {
		r = cn_err_set(CN_ERR_MALFORMED, "certificate does not parse as DER X.509");
		goto fail;
	}
	r = cn_cert_serial_hex(x, serial);
	if (r != 0)
		goto fail;
	r = ca_store_cert_by_serial(ctx->store, serial, &c);
	if (r == CN_ERR_NOT_FOUND || (r == 0 && (c.der_len != der_len || memcmp(c.der, der, der_len)))) {
		r = cn_err_set(CN_ERR_NOT_FOUND, "this CA did not issue that certificate");
		goto fail;
	}
	if (r != 0)
		goto fail;
	if (req->has_account) {
		if (c.account_id != req->account.id && !account_controls_names(ctx, req, x)) {
			r = cn_err_set(CN_ERR_UNAUTHORIZED,
			    "the account neither ordered this certificate nor holds authorizations for all its names");
			goto fail;
		}
	} else {
		r = cn_pubkey_sha256_b64url(req->key, key_hash);
		if (r != 0)
			goto fail;
		if (strcmp(key_hash, c.key_sha256) != 0) {
			r = cn_err_set(CN_ERR_UNAUTHORIZED, "the request is not signed by the certificate's key");
			goto fail;
		}
	}
	if (reason == CA_REASON_KEY_COMPROMISE) {
		r = ca_store_key_compromised(ctx->store, serial, req->now, &n_revoked);
		if (r != 0)
			goto fail;
		CN_LOG(CN_LOG_INFO, "acme", "certificate %s revoked for keyCompromise by %s; key "
		    "%s blocked, %lld certificates revoked", serial, req->has_account ? "account" :
		    "certificate key", c.key_sha256, (long long)n_revoked);
		ca_revocation_wake(ctx->revocation);
		resp->status = 200;
		goto out;
	}
	if (c.status == CA_ST_REVOKED) {
		r = cn_err_set(CN_ERR_ALREADY_REVOKED, "certificate %s is already revoked", serial);
		goto fail;
	}
	r = ca_store_cert_revoke(ctx->store, serial, (int)reason, req->now);
	if (r == CN_ERR_ALREADY_REVOKED)
		cn_err_set(r, "certificate %s is already revoked", serial);
	if (r != 0)
		goto fail;
	CN_LOG(CN_LOG_INFO, "acme", "certificate %s revoked, reason %lld, by %s", serial,
	    (long long)reason, req->has_account ? "account" : "certificate key");
	ca_revocation_wake(ctx->revocation);
	resp->status = 200;
	goto out;
fail:
	ca_resp_problem(resp, r, NULL);
out:
	X509_free(x);
	free(der);
	ca_cert_cleanup(&c);
}
