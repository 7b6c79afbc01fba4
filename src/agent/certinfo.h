/*
 * certinfo.h - what the agent needs to know about an installed certificate:
 * serial, validity, names, issuer, and its RFC 9773 section 4.1 unique
 * identifier (base64url(AKI keyIdentifier) "." base64url(serial DER
 * contents)) for renewalInfo and "replaces".
 */
#ifndef AGENT_CERTINFO_H
#define AGENT_CERTINFO_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "err.h"

struct agent_certinfo {
	char serial[48];     /* lower-case hex */
	int64_t not_before;  /* Unix seconds */
	int64_t not_after;
	char **names;        /* dNSName and iPAddress SANs, in order */
	size_t n_names;
	char *ari_id;        /* NULL when the certificate has no AKI keyIdentifier */
	char *issuer_cn;     /* NULL when absent */
};

/* Reads the first certificate of a PEM file's contents. */
int agent_certinfo_from_pem(const char *pem, size_t len, struct agent_certinfo *ci) CN_WUR;
int agent_certinfo_from_x509(X509 *x, struct agent_certinfo *ci) CN_WUR;
/*
 * Only serial, not_before, not_after and ari_id of the first certificate,
 * read from its DER without OpenSSL (names and issuer_cn stay empty): what
 * a renewal check needs, at a fraction of the cost. CN_ERR_MALFORMED for
 * anything it does not follow; the full parse may still succeed.
 */
int agent_certinfo_brief_from_pem(const char *pem, size_t len, struct agent_certinfo *ci) CN_WUR;
void agent_certinfo_cleanup(struct agent_certinfo *ci);

/* RFC 9773 unique identifier of x (heap). CN_ERR_MALFORMED without an AKI keyIdentifier. */
int agent_ari_cert_id(X509 *x, char **out) CN_WUR;

/* RFC 3339 UTC text of t ("2025-01-02T03:04:05Z"). */
void agent_fmt_time(int64_t t, char out[32]);
/* Parses RFC 3339 (UTC "Z" or numeric offset, optional fraction). */
int agent_parse_time(const char *s, int64_t *out) CN_WUR;

#endif
