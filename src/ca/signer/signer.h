/*
 * signer.h - the only interface to the CA's private keys (DESIGN.md, STYLE.md
 * section 9): creating the PKI on first start, and signing subscriber
 * certificates under the CA/B Forum BR 7.1.2.7 profile.
 *
 * It runs in-process for now; requests are plain values (names, serial,
 * times, URLs and the subject's public key) and results are DER, so that a
 * separate signer process can serve the same calls over a socketpair later.
 * The signer re-checks every request against the issuance profile before
 * signing; callers are not trusted to have done so.
 *
 * Files in the data directory (keys mode 0600, all written atomically):
 *   root.pem root-key.pem                  the root CA (root-key.pem may be
 *                                          moved offline once the
 *                                          intermediate exists)
 *   intermediate.pem intermediate-key.pem  the issuing CA
 *   api-ca.pem api-ca-key.pem              a separate CA for the API's TLS
 *   api-cert.pem api-key.pem               the HTTPS API's certificate
 */
#ifndef CA_SIGNER_H
#define CA_SIGNER_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "err.h"
#include "x509/key.h"

/* A serial from ca_serial_new: 16 octets. */
#define CA_SERIAL_LEN 16
/* Shortest serial the signer accepts: 9 octets hold >= 64 random bits
 * (BR 7.1.2.7 serialNumber). */
#define CA_SERIAL_MIN_LEN 9
/* RFC 5280 4.1.2.2. */
#define CA_SERIAL_MAX_LEN 20
/* Longest URL in AIA or CRL DP. */
#define CA_URL_MAX 1024
/* ub-common-name (RFC 5280 appendix A). */
#define CA_CN_MAX 64

/*
 * Creates the CA and API TLS hierarchies in data_dir (created 0700 if
 * missing) unless they exist; an existing hierarchy is only checked (keys
 * match certificates, each certificate is signed by its CA) and never
 * changed, whatever ca_key_type and api_names say now.
 *   root: self-signed, "O=cairn, CN=cairn Root CA <6 hex>", 20 years,
 *         basicConstraints CA critical, keyUsage keyCertSign+cRLSign
 *         critical, SKI, AKI
 *   intermediate: signed by the root, 8 years, pathLen 0, keyUsage
 *         digitalSignature (so it may sign OCSP responses, BR 7.1.2.10.7)
 *         +keyCertSign+cRLSign, EKU serverAuth, certificatePolicies DV,
 *         SKI, AKI
 *   api-ca: self-signed like the root, pathLen 0
 *   api-cert: 1 year, serverAuth, SAN from api_names (IP literals become
 *         iPAddress, the rest dNSName), CN the first name
 * ca_key_type: CN_KEY_P256 (default), CN_KEY_P384 or CN_KEY_RSA2048..4096,
 * used for all four keys. api_names NULL/0 means localhost, 127.0.0.1, ::1.
 * Errors: CN_ERR_USAGE (key type, a name), CN_ERR_IO (files, an inconsistent
 * or partial hierarchy), CN_ERR_CRYPTO.
 */
int ca_pki_init(const char *data_dir, enum cn_key_type ca_key_type,
    const char *const *api_names, size_t n_api_names) CN_WUR;

/*
 * Reads the API TLS certificate (without api-ca) and its key as PEM for the
 * HTTPS server, after checking that they parse and match. Caller frees
 * *cert_pem with free and *key_pem with cn_free_secret(p, strlen(p)).
 * CN_ERR_NOT_FOUND, CN_ERR_IO, CN_ERR_BAD_KEY, CN_ERR_MALFORMED.
 */
int ca_pki_api_tls(const char *data_dir, char **cert_pem, char **key_pem) CN_WUR;

struct ca_signer;

/*
 * Loads intermediate.pem and intermediate-key.pem from data_dir once (the
 * key is decoded once and kept). Caller frees with ca_signer_free.
 * CN_ERR_NOT_FOUND, CN_ERR_IO, CN_ERR_BAD_KEY, CN_ERR_MALFORMED.
 */
int ca_signer_open(const char *data_dir, struct ca_signer **out) CN_WUR;
void ca_signer_free(struct ca_signer *s);

struct ca_issue_req {
	EVP_PKEY *subject_key;
	const char *const *dns_names;
	size_t n_dns;
	const char *const *ip_addrs;
	size_t n_ip;
	const char *common_name;    /* NULL for none */
	const unsigned char *serial; /* big-endian, positive, minimal */
	size_t serial_len;
	int64_t not_before, not_after; /* Unix seconds */
	const char *aia_issuer_url; /* caIssuers URL or NULL */
	const char *ocsp_url;       /* or NULL */
	const char *crl_url;        /* or NULL */
};

/*
 * Signs a subscriber certificate (BR 7.1.2.7, domain validated): v3; issuer
 * the intermediate's subject byte for byte; subject CN only when
 * common_name is given (it must be one of the names, 64 characters at
 * most); subjectAltName of dns_names (lower-cased) then ip_addrs, critical
 * when the subject is empty; keyUsage digitalSignature (+keyEncipherment for
 * RSA keys) critical; extKeyUsage serverAuth only; basicConstraints CA:FALSE
 * critical; AKI; SKI; AIA (OCSP, caIssuers) when a URL is given; CRL DP when
 * given; certificatePolicies 2.23.140.1.2.1. Signed with SHA-256 (SHA-384
 * for a P-384 intermediate) and verified before it is returned.
 *
 * Checks: the subject key passes cn_key_policy_check and is not the CA's
 * key (CN_ERR_BAD_KEY); at least one name, each a valid host name or IP
 * address (CN_ERR_REJECTED_ID); the commonName (CN_ERR_BAD_CSR); serial of
 * CA_SERIAL_MIN_LEN..CA_SERIAL_MAX_LEN octets, positive and minimally
 * encoded; not_before < not_after, not_before within 48 hours of now (BR
 * 7.1.2.7) and a validity period (not_after - not_before + 1 s) no longer
 * than BR 6.3.2 allows on the day of signing (398, 200, 100, 47 days); URLs
 * "http://" printable ASCII of at most CA_URL_MAX characters
 * (CN_ERR_INTERNAL: these come from cairnd itself).
 *
 * *der is the certificate (caller frees with free). Thread-safe: any number
 * of threads may issue through one signer at once.
 */
int ca_signer_issue(struct ca_signer *s, const struct ca_issue_req *req,
    unsigned char **der, size_t *der_len) CN_WUR;

/* 16 CSPRNG octets, the first in 0x01..0x7f, so that the DER INTEGER is
 * positive and exactly 16 octets long (>= 120 random bits). CN_ERR_CRYPTO. */
int ca_serial_new(unsigned char out[CA_SERIAL_LEN]) CN_WUR;
/* Lower-case hex of at most 23 octets (longer input is cut; never happens
 * for serials, which are at most 20). */
void ca_serial_hex(const unsigned char *serial, size_t len, char out[48]);

/* The intermediate certificate as PEM (borrowed; valid until
 * ca_signer_free), appended after the leaf in certificate downloads. */
const char *ca_signer_chain_pem(const struct ca_signer *s);
/* The intermediate certificate as DER (borrowed). */
const unsigned char *ca_signer_issuer_der(const struct ca_signer *s, size_t *len);
/* Borrowed: the intermediate's public key and certificate (for OCSP/CRL). */
EVP_PKEY *ca_signer_issuer_pubkey(const struct ca_signer *s);
X509 *ca_signer_issuer_cert(const struct ca_signer *s);

/* ---- OCSP responses (signer_ocsp.c): RFC 6960 section 4.2 with the
 * RFC 9919 profile, CA/B Forum BR 4.9.9 and 7.3 */

/* Longest serial (DER INTEGER contents octets) an OCSP request may carry
 * that we answer for; longer ones cannot be ours (RFC 5280 4.1.2.2: 20). */
#define CA_OCSP_SERIAL_MAX 32
/* BR 4.9.9: validity interval (thisUpdate to nextUpdate, inclusive) of a
 * response for a subscriber certificate. */
#define CA_OCSP_MIN_VALIDITY_S (8 * 3600)
#define CA_OCSP_MAX_VALIDITY_S (10 * 86400)

enum ca_ocsp_cert_status { CA_OCSP_GOOD, CA_OCSP_REVOKED, CA_OCSP_UNKNOWN };
enum ca_ocsp_hash { CA_OCSP_SHA1, CA_OCSP_SHA256, CA_OCSP_HASH_MAX };

struct ca_ocsp_sign_req {
	const unsigned char *serial; /* DER INTEGER contents octets */
	size_t serial_len;
	enum ca_ocsp_cert_status status;
	int reason;                  /* CRLReason when revoked; 0 (unspecified) is left out */
	int64_t revoked_at;
	int64_t this_update, next_update;
};

/*
 * Signs an OCSPResponse (successful, id-pkix-ocsp-basic) for one serial of
 * the intermediate: ResponderID byKey, no certs (the intermediate signs
 * itself, BR 4.9.9 option 1), no extensions, and two SingleResponses with
 * the same status, one with a SHA-1 and one with a SHA-256 CertID (RFC 9919
 * section 3.2.1), so one pre-signed response answers both kinds of
 * request. producedAt is now.
 * Checks (CN_ERR_INTERNAL): serial of 1..CA_OCSP_SERIAL_MAX octets in
 * minimal DER form; thisUpdate within a day of now; a validity interval of
 * CA_OCSP_MIN_VALIDITY_S..CA_OCSP_MAX_VALIDITY_S (BR 4.9.9); for revoked, a
 * reason in 0, 1, 3, 4, 5, 9 (BR 7.2.2) and revocationTime <= thisUpdate.
 * *der: caller frees with free. Thread-safe.
 */
int ca_signer_ocsp(struct ca_signer *s, const struct ca_ocsp_sign_req *req,
    unsigned char **der, size_t *der_len) CN_WUR;

/* The intermediate's CertID hashes for alg (RFC 6960 section 4.1.1:
 * issuerNameHash over its subject's DER, issuerKeyHash over its
 * subjectPublicKey BIT STRING value): *len is 20 (SHA-1) or 32 (SHA-256).
 * CN_ERR_CRYPTO. */
int ca_signer_ocsp_issuer_hashes(const struct ca_signer *s, enum ca_ocsp_hash alg,
    unsigned char name_hash[32], unsigned char key_hash[32], size_t *len) CN_WUR;

/* ---- CRLs (signer_crl.c): RFC 5280 section 5, CA/B Forum BR 7.2 */

/* BR 7.2: nextUpdate at most 10 days after thisUpdate. */
#define CA_CRL_MAX_VALIDITY_S (10 * 86400)

struct ca_crl_sign_entry {
	const unsigned char *serial; /* DER INTEGER contents octets */
	size_t serial_len;
	int reason;                  /* CRLReason; 0 (unspecified): no reasonCode */
	int64_t revoked_at;
};

struct ca_crl_sign_req {
	int64_t number;              /* crlNumber, >= 0 */
	int64_t this_update, next_update;
	const char *idp_url;         /* the shard's URL (IssuingDistributionPoint) */
	const struct ca_crl_sign_entry *entries;
	size_t n_entries;
};

/*
 * Signs a v2 CRL of the intermediate: issuer its subject byte for byte,
 * entries sorted by serial with a non-critical reasonCode unless the reason
 * is unspecified (BR 7.2.2), and the extensions authorityKeyIdentifier
 * (keyIdentifier), cRLNumber and a critical issuingDistributionPoint with
 * the fullName URI idp_url and onlyContainsUserCerts (BR 7.2.2.1).
 * Checks (CN_ERR_INTERNAL): thisUpdate within a day of now, nextUpdate after
 * it by at most CA_CRL_MAX_VALIDITY_S, number >= 0, reasons 0, 1, 3, 4, 5,
 * 9, serials of 1..CA_SERIAL_MAX_LEN octets, idp_url an http:// URL.
 * *der: caller frees with free. Thread-safe.
 */
int ca_signer_crl(struct ca_signer *s, const struct ca_crl_sign_req *req,
    unsigned char **der, size_t *der_len) CN_WUR;
/*
 * The alternate chain (cross.c), the certificates that follow the leaf in
 * the second chain the certificate URL offers (RFC 8555 section 7.4.2).
 * mode "" or NULL: none (*pem NULL). "auto": on first start a second root
 * root-x2.pem (root-x2-key.pem) is made, and with it intermediate-x2.pem,
 * the intermediate cross-signed (same subject, key and extensions); later
 * starts check them. Otherwise mode is a PEM file whose first certificate
 * has the intermediate's subject and key, each signed by the next. *pem:
 * the chain as PEM (caller frees). CN_ERR_USAGE, CN_ERR_IO, CN_ERR_CRYPTO,
 * CN_ERR_MALFORMED.
 */
int ca_pki_alt_chain(const char *data_dir, const char *mode, enum cn_key_type type,
    char **pem) CN_WUR;

#endif
