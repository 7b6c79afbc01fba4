/*
 * signer_crl.c - signing CRLs with the intermediate's key: RFC 5280 section
 * 5 (v2 CertificateList; cRLNumber 5.2.3, issuingDistributionPoint 5.2.5,
 * authorityKeyIdentifier 5.2.1, reasonCode 5.3.1) under the CA/B Forum BR
 * 7.2 profile (partitioned CRLs with an IDP whose fullName is byte for byte
 * the certificates' CRL DP URI; no reasonCode for unspecified; nextUpdate at
 * most 10 days after thisUpdate).
 *
 * Left out: delta CRLs, indirect CRLs, invalidityDate, CRLs for CA
 * certificates (the root's CRL).
 */
#include "signer/signer.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "mem.h"
#include "signer/signer_int.h"

/* How far thisUpdate may be from the signer's clock. */
#define CRL_TIME_SLACK_S 86400

static bool reason_ok(int reason)
{
	return reason == 0 || reason == 1 || reason == 3 || reason == 4 || reason == 5 ||
	    reason == 9;
}

static int check_request(const struct ca_crl_sign_req *req)
{
	int64_t now = (int64_t)time(NULL);
	size_t i;

	if (req->this_update < now - CRL_TIME_SLACK_S || req->this_update > now + CRL_TIME_SLACK_S)
		return cn_err_set(CN_ERR_INTERNAL, "CRL thisUpdate is more than a day from now");
	if (req->next_update <= req->this_update ||
	    req->next_update - req->this_update > CA_CRL_MAX_VALIDITY_S)
		return cn_err_set(CN_ERR_INTERNAL,
		    "CRL nextUpdate must be at most 10 days after thisUpdate (BR 7.2)");
	if (req->number < 0)
		return cn_err_set(CN_ERR_INTERNAL, "negative crlNumber");
	if (req->idp_url == NULL || !ca_signer_url_ok(req->idp_url))
		return cn_err_set(CN_ERR_INTERNAL, "the CRL's distribution point must be an "
		    "http:// URL (BR 7.2.2.1)");
	if (req->n_entries > 0 && req->entries == NULL)
		return cn_err_set(CN_ERR_INTERNAL, "no CRL entries given");
	for (i = 0; i < req->n_entries; i++) {
		const struct ca_crl_sign_entry *e = &req->entries[i];

		if (!reason_ok(e->reason))
			return cn_err_set(CN_ERR_INTERNAL, "CRLReason %d is not allowed (BR 7.2.2)",
			    e->reason);
		if (e->serial_len == 0 || e->serial_len > CA_SERIAL_MAX_LEN + 1 ||
		    (e->serial[0] & 0x80) != 0)
			return cn_err_set(CN_ERR_INTERNAL, "bad serial in a CRL entry");
		if (e->revoked_at <= 0 || e->revoked_at > req->this_update)
			return cn_err_set(CN_ERR_INTERNAL, "revocationDate after thisUpdate");
	}
	return 0;
}

static int set_time(X509_CRL *crl, int64_t t, bool last)
{
	ASN1_TIME *at = ASN1_TIME_set(NULL, (time_t)t);
	int ok;

	/* UTCTime through 2049, GeneralizedTime after (RFC 5280 5.1.2.4). */
	if (at == NULL)
		return cn_err_openssl(CN_ERR_CRYPTO, "ASN1_TIME_set");
	ok = last ? X509_CRL_set1_lastUpdate(crl, at) : X509_CRL_set1_nextUpdate(crl, at);
	ASN1_TIME_free(at);
	if (ok != 1)
		return cn_err_openssl(CN_ERR_CRYPTO, "setting the CRL's times");
	return 0;
}

static int add_entry(X509_CRL *crl, const struct ca_crl_sign_entry *e)
{
	X509_REVOKED *rv = NULL;
	BIGNUM *bn = NULL;
	ASN1_INTEGER *sn = NULL;
	ASN1_TIME *at = NULL;
	ASN1_ENUMERATED *reason = NULL;
	int r;

	rv = X509_REVOKED_new();
	bn = BN_bin2bn(e->serial, (int)e->serial_len, NULL);
	sn = bn != NULL ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
	at = ASN1_TIME_set(NULL, (time_t)e->revoked_at);
	if (rv == NULL || sn == NULL || at == NULL ||
	    X509_REVOKED_set_serialNumber(rv, sn) != 1 ||
	    X509_REVOKED_set_revocationDate(rv, at) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "building a CRL entry");
		goto out;
	}
	if (e->reason != 0) {
		reason = ASN1_ENUMERATED_new();
		if (reason == NULL || ASN1_ENUMERATED_set(reason, e->reason) != 1 ||
		    X509_REVOKED_add1_ext_i2d(rv, NID_crl_reason, reason, 0, 0) != 1) {
			r = cn_err_openssl(CN_ERR_CRYPTO, "adding reasonCode");
			goto out;
		}
	}
	if (X509_CRL_add0_revoked(crl, rv) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "X509_CRL_add0_revoked");
		goto out;
	}
	rv = NULL;
	r = 0;
out:
	X509_REVOKED_free(rv);
	BN_free(bn);
	ASN1_INTEGER_free(sn);
	ASN1_TIME_free(at);
	ASN1_ENUMERATED_free(reason);
	return r;
}

static int add_aki(X509_CRL *crl, const struct ca_signer *s)
{
	AUTHORITY_KEYID *aki = AUTHORITY_KEYID_new();
	int r = 0;

	if (aki == NULL || (aki->keyid = ASN1_OCTET_STRING_new()) == NULL ||
	    ASN1_OCTET_STRING_set(aki->keyid, s->key_id, (int)s->key_id_len) != 1 ||
	    X509_CRL_add1_ext_i2d(crl, NID_authority_key_identifier, aki, 0, 0) != 1)
		r = cn_err_openssl(CN_ERR_CRYPTO, "adding authorityKeyIdentifier");
	AUTHORITY_KEYID_free(aki);
	return r;
}

static int add_number(X509_CRL *crl, int64_t number)
{
	ASN1_INTEGER *n = ASN1_INTEGER_new();
	int r = 0;

	if (n == NULL || ASN1_INTEGER_set_int64(n, number) != 1 ||
	    X509_CRL_add1_ext_i2d(crl, NID_crl_number, n, 0, 0) != 1)
		r = cn_err_openssl(CN_ERR_CRYPTO, "adding cRLNumber");
	ASN1_INTEGER_free(n);
	return r;
}

/* BR 7.2.2.1: distributionPoint fullName = the URI, onlyContainsUserCerts. */
static int add_idp(X509_CRL *crl, const char *url)
{
	ISSUING_DIST_POINT *idp = NULL;
	GENERAL_NAME *gen = NULL;
	ASN1_IA5STRING *ia5 = NULL;
	int r;

	idp = ISSUING_DIST_POINT_new();
	gen = GENERAL_NAME_new();
	ia5 = ASN1_IA5STRING_new();
	if (idp == NULL || gen == NULL || ia5 == NULL || ASN1_STRING_set(ia5, url, -1) != 1)
		goto fail;
	GENERAL_NAME_set0_value(gen, GEN_URI, ia5);
	ia5 = NULL;
	idp->distpoint = DIST_POINT_NAME_new();
	if (idp->distpoint == NULL)
		goto fail;
	idp->distpoint->type = 0; /* fullName */
	idp->distpoint->name.fullname = GENERAL_NAMES_new();
	if (idp->distpoint->name.fullname == NULL ||
	    sk_GENERAL_NAME_push(idp->distpoint->name.fullname, gen) <= 0)
		goto fail;
	gen = NULL;
	idp->onlyuser = 0xff;
	if (X509_CRL_add1_ext_i2d(crl, NID_issuing_distribution_point, idp, 1, 0) != 1)
		goto fail;
	r = 0;
	goto out;
fail:
	r = cn_err_openssl(CN_ERR_CRYPTO, "adding issuingDistributionPoint");
out:
	ISSUING_DIST_POINT_free(idp);
	GENERAL_NAME_free(gen);
	ASN1_IA5STRING_free(ia5);
	return r;
}

int ca_signer_crl(struct ca_signer *s, const struct ca_crl_sign_req *req,
    unsigned char **der, size_t *der_len)
{
	const unsigned char *np = s->issuer_name_der;
	X509_NAME *issuer = NULL;
	X509_CRL *crl = NULL;
	unsigned char *p = NULL;
	size_t i;
	int n, r;

	r = check_request(req);
	if (r != 0)
		goto out;
	/* The issuer is decoded afresh so no shared X509_NAME is touched. */
	issuer = d2i_X509_NAME(NULL, &np, (long)s->issuer_name_len);
	crl = X509_CRL_new();
	if (issuer == NULL || crl == NULL || X509_CRL_set_version(crl, X509_CRL_VERSION_2) != 1 ||
	    X509_CRL_set_issuer_name(crl, issuer) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "building a CRL");
		goto out;
	}
	r = set_time(crl, req->this_update, true);
	if (r == 0)
		r = set_time(crl, req->next_update, false);
	for (i = 0; r == 0 && i < req->n_entries; i++)
		r = add_entry(crl, &req->entries[i]);
	if (r == 0 && X509_CRL_sort(crl) != 1)
		r = cn_err_openssl(CN_ERR_CRYPTO, "sorting the CRL");
	if (r == 0)
		r = add_aki(crl, s);
	if (r == 0)
		r = add_number(crl, req->number);
	if (r == 0)
		r = add_idp(crl, req->idp_url);
	if (r != 0)
		goto out;
	if (X509_CRL_sign(crl, s->key, s->md) <= 0) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "signing the CRL");
		goto out;
	}
	if (X509_CRL_verify(crl, X509_get0_pubkey(s->cert)) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "verifying the new CRL");
		goto out;
	}
	n = i2d_X509_CRL(crl, &p);
	if (n <= 0) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "encoding the CRL");
		goto out;
	}
	CN_LOG(CN_LOG_INFO, "signer", "signed CRL number=%lld entries=%zu for %s",
	    (long long)req->number, req->n_entries, req->idp_url);
	*der = cn_xmemdup(p, (size_t)n);
	*der_len = (size_t)n;
	r = 0;
out:
	OPENSSL_free(p);
	X509_CRL_free(crl);
	X509_NAME_free(issuer);
	return r;
}
