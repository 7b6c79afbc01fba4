/*
 * load-csr.c - fast CSRs for bench/acme-load: a PKCS#10 request (RFC 2986)
 * with an empty subject and a subjectAltName extension request (RFC 5280
 * section 4.2.1.6) of dNSNames, assembled in DER by hand around a
 * SubjectPublicKeyInfo encoded once per pool key, and signed with
 * ecdsa-with-SHA256 (RFC 5758 section 3.2).
 *
 * Why by hand: with OpenSSL 3.0, X509_REQ_set_pubkey re-decodes the key
 * through OSSL_DECODER, which cost the generator more CPU than the rest of
 * the ACME flow (see bench/README.md). cn_csr_new stays the CSR builder of
 * the agent; the bench only needs P-256 keys and DNS names.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "buf.h"
#include "load.h"
#include "mem.h"

#define CSR_MAX (64 * 1024)

/* 1.2.840.113549.1.9.14 extensionRequest */
static const unsigned char oid_ext_req[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
    0x09, 0x0e};
/* 2.5.29.17 subjectAltName */
static const unsigned char oid_san[] = {0x06, 0x03, 0x55, 0x1d, 0x11};
/* 1.2.840.10045.4.3.2 ecdsa-with-SHA256, as an AlgorithmIdentifier */
static const unsigned char alg_ecdsa_sha256[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
    0x3d, 0x04, 0x03, 0x02};

/* Appends tag, DER length and content. */
static int tlv(struct cn_buf *out, unsigned char tag, const void *content, size_t len)
{
	unsigned char hdr[6];
	size_t h = 0;
	int r;

	hdr[h++] = tag;
	if (len < 0x80) {
		hdr[h++] = (unsigned char)len;
	} else if (len < 0x100) {
		hdr[h++] = 0x81;
		hdr[h++] = (unsigned char)len;
	} else if (len < 0x10000) {
		hdr[h++] = 0x82;
		hdr[h++] = (unsigned char)(len >> 8);
		hdr[h++] = (unsigned char)len;
	} else {
		return cn_err_set(CN_ERR_TOO_BIG, "DER element too long");
	}
	r = cn_buf_add(out, hdr, h);
	if (r == 0 && len)
		r = cn_buf_add(out, content, len);
	return r;
}

/* Wraps the contents of b in tag (b is replaced). */
static int wrap(struct cn_buf *b, unsigned char tag)
{
	struct cn_buf w;
	int r;

	cn_buf_init(&w, CSR_MAX);
	r = tlv(&w, tag, b->data, b->len);
	cn_buf_free(b);
	*b = w;
	return r;
}

int bl_cert_key_init(struct bl_cert_key *k)
{
	unsigned char *spki = NULL;
	int n;

	n = i2d_PUBKEY(k->key, &spki);
	if (n <= 0)
		return cn_err_openssl(CN_ERR_CRYPTO, "i2d_PUBKEY");
	k->spki = spki;
	k->spki_len = (size_t)n;
	return 0;
}

void bl_cert_key_cleanup(struct bl_cert_key *k)
{
	EVP_PKEY_free(k->key);
	OPENSSL_free(k->spki);
	memset(k, 0, sizeof(*k));
}

int bl_csr_der(const struct bl_cert_key *k, const char *const *names, size_t n,
    unsigned char **der, size_t *der_len)
{
	struct cn_buf gn, ext, info, out;
	EVP_MD_CTX *md = NULL;
	unsigned char sig[160];
	size_t sig_len = sizeof(sig) - 1, i;
	int r;

	cn_buf_init(&gn, CSR_MAX);
	cn_buf_init(&ext, CSR_MAX);
	cn_buf_init(&info, CSR_MAX);
	cn_buf_init(&out, CSR_MAX);
	/* GeneralNames: [2] IA5String dNSName ... */
	for (i = 0, r = 0; i < n && r == 0; i++)
		r = tlv(&gn, 0x82, names[i], strlen(names[i]));
	if (r == 0)
		r = wrap(&gn, 0x30);
	/* Extension { extnID subjectAltName, extnValue OCTET STRING } */
	if (r == 0)
		r = cn_buf_add(&ext, oid_san, sizeof(oid_san));
	if (r == 0)
		r = tlv(&ext, 0x04, gn.data, gn.len);
	if (r == 0)
		r = wrap(&ext, 0x30); /* Extension */
	if (r == 0)
		r = wrap(&ext, 0x30); /* Extensions */
	if (r == 0)
		r = wrap(&ext, 0x31); /* SET OF AttributeValue */
	if (r == 0) {
		struct cn_buf attr;

		cn_buf_init(&attr, CSR_MAX);
		r = cn_buf_add(&attr, oid_ext_req, sizeof(oid_ext_req));
		if (r == 0)
			r = cn_buf_add(&attr, ext.data, ext.len);
		if (r == 0)
			r = wrap(&attr, 0x30); /* Attribute */
		if (r == 0)
			r = wrap(&attr, 0xa0); /* [0] IMPLICIT SET OF Attribute */
		/* CertificationRequestInfo { version 0, subject {}, spki, attributes } */
		if (r == 0)
			r = cn_buf_add(&info, "\x02\x01\x00\x30\x00", 5);
		if (r == 0)
			r = cn_buf_add(&info, k->spki, k->spki_len);
		if (r == 0)
			r = cn_buf_add(&info, attr.data, attr.len);
		cn_buf_free(&attr);
	}
	if (r == 0)
		r = wrap(&info, 0x30);
	if (r != 0)
		goto out;
	md = EVP_MD_CTX_new();
	if (md == NULL || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k->key) != 1 ||
	    EVP_DigestSign(md, sig + 1, &sig_len, info.data, info.len) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "EVP_DigestSign");
		goto out;
	}
	sig[0] = 0x00; /* BIT STRING: no unused bits */
	r = cn_buf_add(&out, info.data, info.len);
	if (r == 0)
		r = cn_buf_add(&out, alg_ecdsa_sha256, sizeof(alg_ecdsa_sha256));
	if (r == 0)
		r = tlv(&out, 0x03, sig, sig_len + 1);
	if (r == 0)
		r = wrap(&out, 0x30);
	if (r != 0)
		goto out;
	*der = (unsigned char *)cn_buf_take(&out, der_len);
out:
	EVP_MD_CTX_free(md);
	cn_buf_free(&gn);
	cn_buf_free(&ext);
	cn_buf_free(&info);
	cn_buf_free(&out);
	return r;
}
