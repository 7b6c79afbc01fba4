/*
 * build.c - the pieces the signer assembles certificates from: a v3
 * TBSCertificate (RFC 5280 4.1.2) and the extensions of the CA/B Forum BR
 * 7.1.2 profiles: basicConstraints (4.2.1.9), keyUsage (4.2.1.3),
 * extKeyUsage (4.2.1.12), subjectKeyIdentifier (4.2.1.2, method 1),
 * authorityKeyIdentifier (4.2.1.1, keyIdentifier only), subjectAltName
 * (4.2.1.6), authorityInfoAccess (4.2.2.1), cRLDistributionPoints (4.2.1.13,
 * one fullName URI) and certificatePolicies (4.2.1.4, BR 7.1.6.1 OID).
 */
#include "signer/build.h"

#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>

/* BR 7.1.6.1: domain-validated reserved policy identifier. */
#define OID_BR_DOMAIN_VALIDATED "2.23.140.1.2.1"

static int set_time(X509 *x, int64_t t, int before)
{
	ASN1_TIME *at = NULL;
	int ok;

	/* UTCTime through 2049, GeneralizedTime after (RFC 5280 4.1.2.5). */
	at = ASN1_TIME_set(NULL, (time_t)t);
	if (at == NULL)
		return 0;
	ok = before ? X509_set1_notBefore(x, at) : X509_set1_notAfter(x, at);
	ASN1_TIME_free(at);
	return ok;
}

int ca_build_tbs(const unsigned char *serial, size_t serial_len,
    const unsigned char *issuer_der, size_t issuer_len, const X509_NAME *subject,
    int64_t not_before, int64_t not_after, EVP_PKEY *pubkey, X509 **out)
{
	const unsigned char *p = issuer_der;
	X509 *x = NULL;
	X509_NAME *issuer = NULL;
	BIGNUM *bn = NULL;
	ASN1_INTEGER *sn = NULL;
	int r;

	issuer = d2i_X509_NAME(NULL, &p, (long)issuer_len);
	if (issuer == NULL || p != issuer_der + issuer_len) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "decoding the issuer name");
		goto out;
	}
	bn = BN_bin2bn(serial, (int)serial_len, NULL);
	sn = bn != NULL ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
	x = X509_new();
	if (sn == NULL || x == NULL ||
	    X509_set_version(x, X509_VERSION_3) != 1 ||
	    X509_set_serialNumber(x, sn) != 1 ||
	    X509_set_issuer_name(x, issuer) != 1 ||
	    (subject != NULL && X509_set_subject_name(x, subject) != 1) ||
	    set_time(x, not_before, 1) != 1 || set_time(x, not_after, 0) != 1 ||
	    (pubkey != NULL && X509_set_pubkey(x, pubkey) != 1)) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "building a certificate");
		goto out;
	}
	*out = x;
	x = NULL;
	r = 0;
out:
	X509_free(x);
	X509_NAME_free(issuer);
	ASN1_INTEGER_free(sn);
	BN_free(bn);
	return r;
}

/* X509_add1_ext_i2d with our error convention. */
static int add_ext(X509 *x, int nid, void *value, int crit, const char *what)
{
	if (X509_add1_ext_i2d(x, nid, value, crit, X509V3_ADD_DEFAULT) != 1)
		return cn_err_openssl(CN_ERR_CRYPTO, what);
	return 0;
}

int ca_build_basic_constraints(X509 *x, bool ca, int pathlen)
{
	BASIC_CONSTRAINTS *bc = NULL;
	int r;

	bc = BASIC_CONSTRAINTS_new();
	if (bc == NULL) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "BASIC_CONSTRAINTS_new");
		goto out;
	}
	bc->ca = ca ? 0xff : 0;
	if (ca && pathlen >= 0) {
		bc->pathlen = ASN1_INTEGER_new();
		if (bc->pathlen == NULL || ASN1_INTEGER_set(bc->pathlen, pathlen) != 1) {
			r = cn_err_openssl(CN_ERR_CRYPTO, "pathLenConstraint");
			goto out;
		}
	}
	r = add_ext(x, NID_basic_constraints, bc, 1, "adding basicConstraints");
out:
	BASIC_CONSTRAINTS_free(bc);
	return r;
}

int ca_build_key_usage(X509 *x, unsigned bits)
{
	ASN1_BIT_STRING *ku = NULL;
	int bit, r;

	ku = ASN1_BIT_STRING_new();
	if (ku == NULL) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "ASN1_BIT_STRING_new");
		goto out;
	}
	for (bit = 0; bit <= 8; bit++) {
		if ((bits & (1u << bit)) && ASN1_BIT_STRING_set_bit(ku, bit, 1) != 1) {
			r = cn_err_openssl(CN_ERR_CRYPTO, "ASN1_BIT_STRING_set_bit");
			goto out;
		}
	}
	r = add_ext(x, NID_key_usage, ku, 1, "adding keyUsage");
out:
	ASN1_BIT_STRING_free(ku);
	return r;
}

int ca_build_eku_server_auth(X509 *x)
{
	EXTENDED_KEY_USAGE *eku = NULL;
	int r;

	eku = sk_ASN1_OBJECT_new_null();
	if (eku == NULL || sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(NID_server_auth)) <= 0) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "building extKeyUsage");
		goto out;
	}
	r = add_ext(x, NID_ext_key_usage, eku, 0, "adding extKeyUsage");
out:
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	return r;
}

static int add_key_id_ext(X509 *x, int nid, const unsigned char *id, size_t len)
{
	ASN1_OCTET_STRING *os = NULL;
	AUTHORITY_KEYID *aki = NULL;
	int r;

	os = ASN1_OCTET_STRING_new();
	if (os == NULL || ASN1_OCTET_STRING_set(os, id, (int)len) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "building a key identifier");
		goto out;
	}
	if (nid == NID_subject_key_identifier) {
		r = add_ext(x, nid, os, 0, "adding subjectKeyIdentifier");
		goto out;
	}
	aki = AUTHORITY_KEYID_new();
	if (aki == NULL) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "AUTHORITY_KEYID_new");
		goto out;
	}
	aki->keyid = os;
	os = NULL;
	r = add_ext(x, nid, aki, 0, "adding authorityKeyIdentifier");
out:
	ASN1_OCTET_STRING_free(os);
	AUTHORITY_KEYID_free(aki);
	return r;
}

int ca_build_ski(X509 *x)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (X509_pubkey_digest(x, EVP_sha1(), md, &len) != 1)
		return cn_err_openssl(CN_ERR_CRYPTO, "hashing the public key");
	return add_key_id_ext(x, NID_subject_key_identifier, md, len);
}

int ca_build_aki(X509 *x, const unsigned char *key_id, size_t len)
{
	return add_key_id_ext(x, NID_authority_key_identifier, key_id, len);
}

int ca_build_san(X509 *x, GENERAL_NAMES *gens, bool critical)
{
	return add_ext(x, NID_subject_alt_name, gens, critical ? 1 : 0,
	    "adding subjectAltName");
}

static GENERAL_NAME *uri_name(const char *url)
{
	GENERAL_NAME *gen = GENERAL_NAME_new();
	ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();

	if (gen == NULL || ia5 == NULL || ASN1_STRING_set(ia5, url, -1) != 1) {
		GENERAL_NAME_free(gen);
		ASN1_IA5STRING_free(ia5);
		return NULL;
	}
	GENERAL_NAME_set0_value(gen, GEN_URI, ia5);
	return gen;
}

static int aia_push(AUTHORITY_INFO_ACCESS *aia, int method, const char *url)
{
	ACCESS_DESCRIPTION *ad = NULL;
	GENERAL_NAME *gen = NULL;

	ad = ACCESS_DESCRIPTION_new();
	gen = uri_name(url);
	if (ad == NULL || gen == NULL)
		goto fail;
	ASN1_OBJECT_free(ad->method);
	ad->method = OBJ_nid2obj(method);
	GENERAL_NAME_free(ad->location);
	ad->location = gen;
	gen = NULL;
	if (sk_ACCESS_DESCRIPTION_push(aia, ad) <= 0)
		goto fail;
	return 0;
fail:
	ACCESS_DESCRIPTION_free(ad);
	GENERAL_NAME_free(gen);
	return cn_err_openssl(CN_ERR_CRYPTO, "building authorityInfoAccess");
}

int ca_build_aia(X509 *x, const char *ocsp_url, const char *issuer_url)
{
	AUTHORITY_INFO_ACCESS *aia = NULL;
	int r;

	aia = sk_ACCESS_DESCRIPTION_new_null();
	if (aia == NULL) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "building authorityInfoAccess");
		goto out;
	}
	if (ocsp_url != NULL) {
		r = aia_push(aia, NID_ad_OCSP, ocsp_url);
		if (r != 0)
			goto out;
	}
	if (issuer_url != NULL) {
		r = aia_push(aia, NID_ad_ca_issuers, issuer_url);
		if (r != 0)
			goto out;
	}
	r = add_ext(x, NID_info_access, aia, 0, "adding authorityInfoAccess");
out:
	sk_ACCESS_DESCRIPTION_pop_free(aia, ACCESS_DESCRIPTION_free);
	return r;
}

int ca_build_crl_dp(X509 *x, const char *url)
{
	CRL_DIST_POINTS *dps = NULL;
	DIST_POINT *dp = NULL;
	GENERAL_NAME *gen = NULL;
	int r;

	dps = sk_DIST_POINT_new_null();
	dp = DIST_POINT_new();
	gen = uri_name(url);
	if (dps == NULL || dp == NULL || gen == NULL)
		goto fail;
	dp->distpoint = DIST_POINT_NAME_new();
	if (dp->distpoint == NULL)
		goto fail;
	dp->distpoint->type = 0; /* fullName */
	dp->distpoint->name.fullname = GENERAL_NAMES_new();
	if (dp->distpoint->name.fullname == NULL ||
	    sk_GENERAL_NAME_push(dp->distpoint->name.fullname, gen) <= 0)
		goto fail;
	gen = NULL;
	if (sk_DIST_POINT_push(dps, dp) <= 0)
		goto fail;
	dp = NULL;
	r = add_ext(x, NID_crl_distribution_points, dps, 0,
	    "adding cRLDistributionPoints");
	goto out;
fail:
	r = cn_err_openssl(CN_ERR_CRYPTO, "building cRLDistributionPoints");
out:
	GENERAL_NAME_free(gen);
	DIST_POINT_free(dp);
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	return r;
}

int ca_build_policy_dv(X509 *x)
{
	CERTIFICATEPOLICIES *pols = NULL;
	POLICYINFO *pi = NULL;
	int r;

	pols = sk_POLICYINFO_new_null();
	pi = POLICYINFO_new();
	if (pols == NULL || pi == NULL)
		goto fail;
	ASN1_OBJECT_free(pi->policyid);
	pi->policyid = OBJ_txt2obj(OID_BR_DOMAIN_VALIDATED, 1);
	if (pi->policyid == NULL || sk_POLICYINFO_push(pols, pi) <= 0)
		goto fail;
	pi = NULL;
	r = add_ext(x, NID_certificate_policies, pols, 0,
	    "adding certificatePolicies");
	goto out;
fail:
	r = cn_err_openssl(CN_ERR_CRYPTO, "building certificatePolicies");
out:
	POLICYINFO_free(pi);
	sk_POLICYINFO_pop_free(pols, POLICYINFO_free);
	return r;
}

int ca_build_key_id(X509 *cert, unsigned char out[CA_KEY_ID_MAX], size_t *len)
{
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(cert);
	unsigned int n = 0;

	if (ski != NULL && ASN1_STRING_length(ski) > 0 &&
	    ASN1_STRING_length(ski) <= CA_KEY_ID_MAX) {
		memcpy(out, ASN1_STRING_get0_data(ski), (size_t)ASN1_STRING_length(ski));
		*len = (size_t)ASN1_STRING_length(ski);
		return 0;
	}
	ERR_clear_error();
	if (X509_pubkey_digest(cert, EVP_sha1(), out, &n) != 1)
		return cn_err_openssl(CN_ERR_CRYPTO, "hashing the issuer key");
	*len = n;
	return 0;
}

const char *ca_build_md_name(EVP_PKEY *key)
{
	if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC && EVP_PKEY_get_bits(key) == 384)
		return "SHA384";
	return "SHA256";
}

int ca_build_name(const char *org, const char *cn, X509_NAME **out)
{
	X509_NAME *name = NULL;
	int r;

	name = X509_NAME_new();
	if (name == NULL ||
	    (org != NULL && X509_NAME_add_entry_by_NID(name, NID_organizationName,
	    MBSTRING_UTF8, (const unsigned char *)org, -1, -1, 0) != 1) ||
	    X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "building a name");
		goto out;
	}
	*out = name;
	name = NULL;
	r = 0;
out:
	X509_NAME_free(name);
	return r;
}
