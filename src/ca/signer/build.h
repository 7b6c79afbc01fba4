/*
 * build.h - building blocks of the certificates the signer makes (internal
 * to src/ca/signer/): the TBSCertificate skeleton and one function per
 * X.509 v3 extension (RFC 5280 4.2.1), each added with the criticality the
 * CA/B Forum BR 7.1.2 profiles require. Not for use outside the signer.
 */
#ifndef CA_SIGNER_BUILD_H
#define CA_SIGNER_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "err.h"

/* keyUsage bits, by their RFC 5280 4.2.1.3 bit number. */
enum ca_ku {
	CA_KU_DIGITAL_SIGNATURE = 1 << 0,
	CA_KU_KEY_ENCIPHERMENT = 1 << 2,
	CA_KU_KEY_CERT_SIGN = 1 << 5,
	CA_KU_CRL_SIGN = 1 << 6,
};

#define CA_KEY_ID_MAX 64

/*
 * A new v3 certificate with serial (positive, minimally encoded), issuer
 * (DER Name, copied byte for byte), subject (NULL for an empty one),
 * validity and the subject's public key (X509_set_pubkey; NULL leaves the
 * key for the caller to set, say with cn_pubkey_to_cert); no extensions yet.
 */
int ca_build_tbs(const unsigned char *serial, size_t serial_len,
    const unsigned char *issuer_der, size_t issuer_len, const X509_NAME *subject,
    int64_t not_before, int64_t not_after, EVP_PKEY *pubkey, X509 **out) CN_WUR;

int ca_build_basic_constraints(X509 *x, bool ca, int pathlen) CN_WUR; /* critical */
int ca_build_key_usage(X509 *x, unsigned bits) CN_WUR;              /* critical */
int ca_build_eku_server_auth(X509 *x) CN_WUR;
/* SHA-1 of the subjectPublicKey BIT STRING (RFC 5280 4.2.1.2 method 1). */
int ca_build_ski(X509 *x) CN_WUR;
/* keyIdentifier only (BR 7.1.2.11.1). */
int ca_build_aki(X509 *x, const unsigned char *key_id, size_t len) CN_WUR;
/* Takes no ownership of gens. */
int ca_build_san(X509 *x, GENERAL_NAMES *gens, bool critical) CN_WUR;
/* Either URL may be NULL, not both; id-ad-ocsp first. */
int ca_build_aia(X509 *x, const char *ocsp_url, const char *issuer_url) CN_WUR;
int ca_build_crl_dp(X509 *x, const char *url) CN_WUR;
/* certificatePolicies with the BR 7.1.6.1 domain-validated OID only. */
int ca_build_policy_dv(X509 *x) CN_WUR;

/* The subjectKeyIdentifier of cert (or, without one, the SHA-1 of its key). */
int ca_build_key_id(X509 *cert, unsigned char out[CA_KEY_ID_MAX],
    size_t *len) CN_WUR;
/* Digest name for a signing key: "SHA384" for P-384, else "SHA256". */
const char *ca_build_md_name(EVP_PKEY *key);
/* A subject Name with O (when org is not NULL) and CN. */
int ca_build_name(const char *org, const char *cn, X509_NAME **out) CN_WUR;

#endif
