/*
 * csr.h - certificate signing requests (PKCS#10, RFC 2986) as ACME
 * finalization receives them (RFC 8555 section 7.4) and as the agent sends
 * them: strict parsing, the identifier check finalization needs, and
 * building a CSR.
 */
#ifndef CN_X509_CSR_H
#define CN_X509_CSR_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "err.h"

/* Largest CSR DER we parse. */
#define CN_CSR_MAX_DER (64 * 1024)

struct cn_csr_asn1; /* the decoded CertificationRequest (csr.c) */

struct cn_csr {
	struct cn_csr_asn1 *asn1;
	EVP_PKEY *pubkey;  /* owned reference */
	char **dns_names;  /* lower-case, duplicates removed */
	size_t n_dns;
	char **ip_addrs;   /* RFC 5952 text form, duplicates removed */
	size_t n_ip;
	char *common_name; /* UTF-8, or NULL */
};

/*
 * Parses a DER CSR strictly: the whole input is one CertificationRequest,
 * version 1, its self-signature verifies (SHA-1 and weaker are refused), at
 * most one extensionRequest attribute with at most one subjectAltName of
 * only dNSName (printable ASCII, lower-cased here) and iPAddress (4 or 16
 * octets) entries, at most one commonName. The key policy is not applied
 * here (see cn_key_policy_check). Caller frees with cn_csr_free. Every
 * failure is CN_ERR_BAD_CSR with a detail.
 */
int cn_csr_parse_der(const unsigned char *der, size_t len,
    struct cn_csr **out) CN_WUR;
void cn_csr_free(struct cn_csr *csr);

/*
 * RFC 8555 section 7.4: the CSR's subjectAltNames must be exactly the order's
 * identifiers: dns (compared case-insensitively) and ips (any valid text
 * form, compared as addresses); duplicates on either side are ignored. A
 * commonName, if present, must be one of the CSR's subjectAltNames.
 * CN_ERR_BAD_CSR with a detail naming the first extra or missing identifier;
 * CN_ERR_MALFORMED if an entry of ips is not an IP address.
 */
int cn_csr_check_identifiers(const struct cn_csr *csr, const char *const *dns,
    size_t n_dns, const char *const *ips, size_t n_ips) CN_WUR;

/*
 * Builds and signs a CSR for key with a subjectAltName of dns (lower-cased)
 * then ips (repeats left out) and, when set_cn, a commonName of the first DNS
 * name (else the first IP address; none if that name is longer than 64). Signed with SHA-256 (SHA-384 for P-384 keys; Ed25519
 * signs without a digest). Returns the DER in *der (caller frees with free)
 * and its length. CN_ERR_MALFORMED for invalid names, CN_ERR_CRYPTO.
 */
int cn_csr_new(EVP_PKEY *key, const char *const *dns, size_t n_dns,
    const char *const *ips, size_t n_ips, bool set_cn, unsigned char **der,
    size_t *len) CN_WUR;

#endif
