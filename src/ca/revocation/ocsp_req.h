/*
 * ocsp_req.h - the OCSP request parser (RFC 6960 section 4.1.1, profiled by
 * RFC 9919 section 3.1): untrusted bytes from GET paths and POST bodies in,
 * the one CertID we answer for out. No OpenSSL: a bounded DER reader.
 */
#ifndef CA_OCSP_REQ_H
#define CA_OCSP_REQ_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "signer/signer.h"

/* Largest OCSPRequest DER we parse (one unsigned request is ~80 bytes; a
 * signed one with a certificate a few KB). */
#define CA_OCSP_REQ_MAX 8192

/* What the parser makes of a request. */
enum ca_ocsp_req_result {
	CA_OCSP_REQ_OK,           /* out is filled */
	CA_OCSP_REQ_MALFORMED,    /* not a DER OCSPRequest, or not exactly one Request */
	CA_OCSP_REQ_BAD_HASH,     /* a CertID hash other than SHA-1 or SHA-256 */
};

struct ca_ocsp_req {
	enum ca_ocsp_hash hash;        /* of issuerNameHash and issuerKeyHash */
	const unsigned char *name_hash; /* issuerNameHash (borrowed from the input) */
	const unsigned char *key_hash;  /* issuerKeyHash (borrowed) */
	size_t hash_len;               /* 20 or 32 */
	const unsigned char *serial;   /* serialNumber contents octets (borrowed) */
	size_t serial_len;             /* 1..CA_OCSP_SERIAL_MAX, minimal DER */
	bool has_nonce;                /* requestExtensions held id-pkix-ocsp-nonce */
	bool signed_req;               /* optionalSignature present (ignored, RFC 9919 3.1.2) */
};

/*
 * Parses a DER OCSPRequest of len bytes (at most CA_OCSP_REQ_MAX): definite
 * minimal lengths, nothing after the outer SEQUENCE, version v1 if given,
 * exactly one Request, a CertID whose hash algorithm is SHA-1 or SHA-256
 * (parameters absent or NULL) with hashes of that length and a serialNumber
 * of 1..CA_OCSP_SERIAL_MAX minimally encoded octets. requestorName,
 * singleRequestExtensions, requestExtensions and the signature are skipped
 * (their structure is checked only as far as needed to skip them). out
 * borrows pointers into der and is written only for CA_OCSP_REQ_OK.
 */
enum ca_ocsp_req_result ca_ocsp_req_parse(const unsigned char *der, size_t len,
    struct ca_ocsp_req *out);

/*
 * Decodes the base64 of an OCSP GET request (RFC 6960 appendix A.1, RFC
 * 9919 section 6) as it arrives in the path after URL-decoding: standard
 * base64 with or without padding; ' ' is taken as '+' (a '+' that was
 * form-decoded). The result (caller frees) is at most CA_OCSP_REQ_MAX bytes.
 * CN_ERR_MALFORMED, CN_ERR_TOO_BIG.
 */
int ca_ocsp_req_b64_decode(const char *in, size_t in_len, unsigned char **out,
    size_t *out_len) CN_WUR;

#endif
