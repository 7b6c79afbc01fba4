/*
 * ocsp_req.c - parsing OCSP requests (RFC 6960 section 4.1.1 and appendix
 * A.1, RFC 9919 sections 3.1 and 6) with a small DER reader whose every
 * read checks the bytes left, so that a request from the network is never
 * handed to a general ASN.1 decoder on the responder's hot path.
 *
 *   OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest,
 *                              optionalSignature [0] EXPLICIT Signature OPTIONAL }
 *   TBSRequest  ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1,
 *                              requestorName [1] EXPLICIT GeneralName OPTIONAL,
 *                              requestList SEQUENCE OF Request,
 *                              requestExtensions [2] EXPLICIT Extensions OPTIONAL }
 *   Request     ::= SEQUENCE { reqCert CertID,
 *                              singleRequestExtensions [0] EXPLICIT Extensions OPTIONAL }
 *   CertID      ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier,
 *                              issuerNameHash OCTET STRING, issuerKeyHash OCTET STRING,
 *                              serialNumber CertificateSerialNumber }
 *
 * Only one Request is accepted (RFC 9919 3.1.1): pre-signed responses answer
 * one certificate each. Extensions and the signature are skipped; a nonce is
 * noted and not echoed (RFC 9919 section 5).
 */
#include "revocation/ocsp_req.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "mem.h"

#define TAG_INTEGER 0x02
#define TAG_OCTET_STRING 0x04
#define TAG_NULL 0x05
#define TAG_OID 0x06
#define TAG_SEQUENCE 0x30
#define TAG_CTX_CONS(n) (0xa0 | (n))

/* 1.3.14.3.2.26 and 2.16.840.1.101.3.4.2.1 (contents octets). */
static const unsigned char oid_sha1[] = {0x2b, 0x0e, 0x03, 0x02, 0x1a};
static const unsigned char oid_sha256[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01};
/* id-pkix-ocsp-nonce 1.3.6.1.5.5.7.48.1.2 */
static const unsigned char oid_nonce[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02};

struct der {
	const unsigned char *p;
	size_t len;
};

/* Reads one TLV with a one-byte tag and a definite, minimally encoded
 * length (X.690 10.1) from d; content borrows from d. */
static bool der_next(struct der *d, unsigned char *tag, struct der *content)
{
	size_t n, len = 0, i;

	if (d->len < 2)
		return false;
	*tag = d->p[0];
	if ((*tag & 0x1f) == 0x1f)
		return false; /* high tag numbers: none in an OCSP request */
	if (d->p[1] < 0x80) {
		len = d->p[1];
		n = 2;
	} else {
		size_t octets = d->p[1] & 0x7f;

		/* 0x80 is the indefinite form (BER only); more than 3 octets
		 * exceeds any request we accept. */
		if (octets == 0 || octets > 3 || d->len < 2 + octets)
			return false;
		if (d->p[2] == 0)
			return false; /* not minimal */
		for (i = 0; i < octets; i++)
			len = (len << 8) | d->p[2 + i];
		if (len < 0x80)
			return false; /* should have used the short form */
		n = 2 + octets;
	}
	if (len > d->len - n)
		return false;
	content->p = d->p + n;
	content->len = len;
	d->p += n + len;
	d->len -= n + len;
	return true;
}

/* Reads a TLV that must have the given tag. */
static bool der_expect(struct der *d, unsigned char want, struct der *content)
{
	struct der save = *d;
	unsigned char tag;

	if (!der_next(d, &tag, content) || tag != want) {
		*d = save;
		return false;
	}
	return true;
}

/* True if the next TLV has the given tag (without consuming it). */
static bool der_peek(const struct der *d, unsigned char tag)
{
	return d->len > 0 && d->p[0] == tag;
}

static bool oid_is(const struct der *oid, const unsigned char *want, size_t len)
{
	return oid->len == len && memcmp(oid->p, want, len) == 0;
}

/* Scans Extensions ::= SEQUENCE OF Extension for the nonce. */
static bool extensions_scan(struct der exts, bool *nonce)
{
	struct der ext, oid;

	while (exts.len > 0) {
		if (!der_expect(&exts, TAG_SEQUENCE, &ext) || !der_expect(&ext, TAG_OID, &oid))
			return false;
		if (oid_is(&oid, oid_nonce, sizeof(oid_nonce)))
			*nonce = true;
	}
	return true;
}

/* [n] EXPLICIT Extensions: the wrapper holds exactly one SEQUENCE. */
static bool explicit_extensions(struct der wrapped, bool *nonce)
{
	struct der exts;

	if (!der_expect(&wrapped, TAG_SEQUENCE, &exts) || wrapped.len != 0)
		return false;
	return extensions_scan(exts, nonce);
}

static enum ca_ocsp_req_result parse_certid(struct der certid, struct ca_ocsp_req *out)
{
	struct der alg, oid, params, name_hash, key_hash, serial;
	unsigned char tag;

	if (!der_expect(&certid, TAG_SEQUENCE, &alg) || !der_expect(&alg, TAG_OID, &oid))
		return CA_OCSP_REQ_MALFORMED;
	if (alg.len > 0) {
		/* parameters: NULL (RFC 5754 allows absent or NULL for SHA-2) */
		if (!der_next(&alg, &tag, &params) || alg.len != 0)
			return CA_OCSP_REQ_MALFORMED;
		if (tag != TAG_NULL || params.len != 0)
			return CA_OCSP_REQ_BAD_HASH;
	}
	if (oid_is(&oid, oid_sha1, sizeof(oid_sha1))) {
		out->hash = CA_OCSP_SHA1;
		out->hash_len = 20;
	} else if (oid_is(&oid, oid_sha256, sizeof(oid_sha256))) {
		out->hash = CA_OCSP_SHA256;
		out->hash_len = 32;
	} else {
		if (oid.len == 0)
			return CA_OCSP_REQ_MALFORMED;
		/* Still check that the rest is a CertID before saying "hash". */
		if (!der_expect(&certid, TAG_OCTET_STRING, &name_hash) ||
		    !der_expect(&certid, TAG_OCTET_STRING, &key_hash) ||
		    !der_expect(&certid, TAG_INTEGER, &serial) || certid.len != 0)
			return CA_OCSP_REQ_MALFORMED;
		return CA_OCSP_REQ_BAD_HASH;
	}
	if (!der_expect(&certid, TAG_OCTET_STRING, &name_hash) ||
	    !der_expect(&certid, TAG_OCTET_STRING, &key_hash) ||
	    !der_expect(&certid, TAG_INTEGER, &serial) || certid.len != 0)
		return CA_OCSP_REQ_MALFORMED;
	if (name_hash.len != out->hash_len || key_hash.len != out->hash_len)
		return CA_OCSP_REQ_MALFORMED;
	/* X.690 8.3.2: minimal two's complement. */
	if (serial.len == 0 || serial.len > CA_OCSP_SERIAL_MAX)
		return CA_OCSP_REQ_MALFORMED;
	if (serial.len > 1 && ((serial.p[0] == 0x00 && (serial.p[1] & 0x80) == 0) ||
	    (serial.p[0] == 0xff && (serial.p[1] & 0x80) != 0)))
		return CA_OCSP_REQ_MALFORMED;
	out->name_hash = name_hash.p;
	out->key_hash = key_hash.p;
	out->serial = serial.p;
	out->serial_len = serial.len;
	return CA_OCSP_REQ_OK;
}

enum ca_ocsp_req_result ca_ocsp_req_parse(const unsigned char *der, size_t len,
    struct ca_ocsp_req *out)
{
	struct der in = {der, len}, req, tbs, x, list, one, certid, ver;
	struct ca_ocsp_req r;
	enum ca_ocsp_req_result res;

	memset(&r, 0, sizeof(r));
	if (der == NULL || len == 0 || len > CA_OCSP_REQ_MAX)
		return CA_OCSP_REQ_MALFORMED;
	if (!der_expect(&in, TAG_SEQUENCE, &req) || in.len != 0)
		return CA_OCSP_REQ_MALFORMED;
	if (!der_expect(&req, TAG_SEQUENCE, &tbs))
		return CA_OCSP_REQ_MALFORMED;
	if (der_peek(&req, TAG_CTX_CONS(0))) {
		/* optionalSignature: ignored (RFC 9919 section 3.1.2). */
		if (!der_expect(&req, TAG_CTX_CONS(0), &x))
			return CA_OCSP_REQ_MALFORMED;
		r.signed_req = true;
	}
	if (req.len != 0)
		return CA_OCSP_REQ_MALFORMED;
	if (der_peek(&tbs, TAG_CTX_CONS(0))) {
		/* version [0] EXPLICIT INTEGER: only v1 (0) exists. */
		if (!der_expect(&tbs, TAG_CTX_CONS(0), &x) || !der_expect(&x, TAG_INTEGER, &ver) ||
		    x.len != 0 || ver.len != 1 || ver.p[0] != 0)
			return CA_OCSP_REQ_MALFORMED;
	}
	if (der_peek(&tbs, TAG_CTX_CONS(1))) {
		/* requestorName: handled as if absent (RFC 9919 3.1.2). */
		if (!der_expect(&tbs, TAG_CTX_CONS(1), &x))
			return CA_OCSP_REQ_MALFORMED;
	}
	if (!der_expect(&tbs, TAG_SEQUENCE, &list))
		return CA_OCSP_REQ_MALFORMED;
	if (der_peek(&tbs, TAG_CTX_CONS(2))) {
		if (!der_expect(&tbs, TAG_CTX_CONS(2), &x) || !explicit_extensions(x, &r.has_nonce))
			return CA_OCSP_REQ_MALFORMED;
	}
	if (tbs.len != 0)
		return CA_OCSP_REQ_MALFORMED;
	/* Exactly one Request. */
	if (!der_expect(&list, TAG_SEQUENCE, &one) || list.len != 0)
		return CA_OCSP_REQ_MALFORMED;
	if (!der_expect(&one, TAG_SEQUENCE, &certid))
		return CA_OCSP_REQ_MALFORMED;
	if (der_peek(&one, TAG_CTX_CONS(0))) {
		bool ignored = false;

		if (!der_expect(&one, TAG_CTX_CONS(0), &x) || !explicit_extensions(x, &ignored))
			return CA_OCSP_REQ_MALFORMED;
	}
	if (one.len != 0)
		return CA_OCSP_REQ_MALFORMED;
	res = parse_certid(certid, &r);
	if (res != CA_OCSP_REQ_OK)
		return res;
	*out = r;
	return CA_OCSP_REQ_OK;
}

int ca_ocsp_req_b64_decode(const char *in, size_t in_len, unsigned char **out,
    size_t *out_len)
{
	char *norm = NULL;
	unsigned char *der = NULL;
	size_t i, n = 0, der_len = 0;
	int r;

	/* base64 of CA_OCSP_REQ_MAX bytes, plus padding. */
	if (in_len > (CA_OCSP_REQ_MAX + 2) / 3 * 4)
		return cn_err_set(CN_ERR_TOO_BIG, "OCSP request longer than %d bytes",
		    CA_OCSP_REQ_MAX);
	if (in_len == 0)
		return cn_err_set(CN_ERR_MALFORMED, "empty OCSP request");
	norm = cn_xmalloc(in_len + 3);
	for (i = 0; i < in_len; i++) {
		char c = in[i];

		if (c == ' ')
			c = '+';
		else if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		norm[n++] = c;
	}
	/* Padding may have been left out or eaten by a client. */
	while (n > 0 && norm[n - 1] == '=')
		n--;
	if (n % 4 == 1) {
		r = cn_err_set(CN_ERR_MALFORMED, "OCSP request is not base64");
		goto out;
	}
	while (n % 4 != 0)
		norm[n++] = '=';
	r = cn_b64_decode(norm, n, &der, &der_len);
	if (r != 0) {
		r = cn_err_set(CN_ERR_MALFORMED, "OCSP request is not base64");
		goto out;
	}
	if (der_len > CA_OCSP_REQ_MAX) {
		r = cn_err_set(CN_ERR_TOO_BIG, "OCSP request longer than %d bytes", CA_OCSP_REQ_MAX);
		goto out;
	}
	*out = der;
	*out_len = der_len;
	der = NULL;
	r = 0;
out:
	free(der);
	free(norm);
	return r;
}
