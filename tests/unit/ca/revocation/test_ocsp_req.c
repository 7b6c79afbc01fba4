/*
 * test_ocsp_req.c - unit tests for src/ca/revocation/ocsp_req.c: OCSP
 * requests (RFC 6960 4.1.1, RFC 9919 3.1) built here byte by byte, as
 * OpenSSL writes them (cross-checked with OpenSSL's encoder), and broken in
 * every way the parser must notice: truncation, trailing bytes, BER
 * lengths, zero or two Requests, hash algorithms, hash and serial lengths;
 * and the base64 decoding of GET paths.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "b64url.h"
#include "err.h"
#include "revocation/ocsp_req.h"

/* ---- a tiny DER writer */
struct w {
	unsigned char b[16384];
	size_t n;
};

static void put(struct w *w, const void *p, size_t n)
{
	assert_true(w->n + n <= sizeof(w->b));
	if (n > 0)
		memcpy(w->b + w->n, p, n);
	w->n += n;
}

/* tag + minimal length + contents */
static void tlv(struct w *w, unsigned char tag, const struct w *c)
{
	unsigned char h[4];

	h[0] = tag;
	if (c->n < 0x80) {
		h[1] = (unsigned char)c->n;
		put(w, h, 2);
	} else if (c->n < 0x100) {
		h[1] = 0x81;
		h[2] = (unsigned char)c->n;
		put(w, h, 3);
	} else {
		h[1] = 0x82;
		h[2] = (unsigned char)(c->n >> 8);
		h[3] = (unsigned char)c->n;
		put(w, h, 4);
	}
	put(w, c->b, c->n);
}

static void prim(struct w *w, unsigned char tag, const void *p, size_t n)
{
	struct w c = {{0}, 0};

	put(&c, p, n);
	tlv(w, tag, &c);
}

static const unsigned char oid_sha1[] = {0x2b, 0x0e, 0x03, 0x02, 0x1a};
static const unsigned char oid_sha256[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01};
static const unsigned char oid_sha384[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02};
static const unsigned char oid_nonce[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02};
static const unsigned char serial16[] = {0x53, 0x64, 0x82, 0x51, 0x0f, 0xbf, 0xe5, 0xf1,
    0x70, 0x18, 0x6a, 0xd2, 0x76, 0xb0, 0xae, 0x29};

/* What a request is made of; the builders vary one thing at a time. */
struct spec {
	const unsigned char *oid;
	size_t oid_len;
	int params;               /* 0: absent, 1: NULL, 2: an INTEGER */
	size_t name_len, key_len;
	const unsigned char *serial;
	size_t serial_len;
	int n_requests;
	bool version, requestor, nonce, single_ext, signature;
	int version_value;
};

static struct spec base_spec(void)
{
	struct spec s;

	memset(&s, 0, sizeof(s));
	s.oid = oid_sha1;
	s.oid_len = sizeof(oid_sha1);
	s.params = 1;
	s.name_len = s.key_len = 20;
	s.serial = serial16;
	s.serial_len = sizeof(serial16);
	s.n_requests = 1;
	return s;
}

static struct spec sha256_spec(void)
{
	struct spec s = base_spec();

	s.oid = oid_sha256;
	s.oid_len = sizeof(oid_sha256);
	s.name_len = s.key_len = 32;
	return s;
}

static void extensions(struct w *out, unsigned char wrap_tag)
{
	struct w ext = {{0}, 0}, exts = {{0}, 0}, wrap = {{0}, 0}, val = {{0}, 0};
	unsigned char nonce[16];

	memset(nonce, 0x42, sizeof(nonce));
	prim(&ext, 0x06, oid_nonce, sizeof(oid_nonce));
	prim(&val, 0x04, nonce, sizeof(nonce));
	tlv(&ext, 0x04, &val);
	tlv(&exts, 0x30, &ext);
	tlv(&wrap, 0x30, &exts);
	tlv(out, wrap_tag, &wrap);
}

static void build(const struct spec *s, struct w *out)
{
	struct w alg = {{0}, 0}, certid = {{0}, 0}, req = {{0}, 0}, list = {{0}, 0};
	struct w tbs = {{0}, 0}, top = {{0}, 0}, tmp = {{0}, 0}, tmp2 = {{0}, 0};
	unsigned char name[64], key[64], zero = 0, one = 1;
	int i;

	memset(name, 0xaa, sizeof(name));
	memset(key, 0xbb, sizeof(key));
	prim(&alg, 0x06, s->oid, s->oid_len);
	if (s->params == 1)
		prim(&alg, 0x05, NULL, 0);
	else if (s->params == 2)
		prim(&alg, 0x02, &one, 1);
	tlv(&certid, 0x30, &alg);
	prim(&certid, 0x04, name, s->name_len);
	prim(&certid, 0x04, key, s->key_len);
	prim(&certid, 0x02, s->serial, s->serial_len);
	tlv(&req, 0x30, &certid);
	if (s->single_ext)
		extensions(&req, 0xa0);
	for (i = 0; i < s->n_requests; i++)
		tlv(&list, 0x30, &req);
	if (s->version) {
		unsigned char v = (unsigned char)s->version_value;

		memset(&tmp, 0, sizeof(tmp));
		prim(&tmp, 0x02, &v, 1);
		tlv(&tbs, 0xa0, &tmp);
	}
	if (s->requestor) {
		memset(&tmp, 0, sizeof(tmp));
		prim(&tmp, 0x82, "requestor.example", 17); /* dNSName */
		tlv(&tbs, 0xa1, &tmp);
	}
	tlv(&tbs, 0x30, &list);
	if (s->nonce)
		extensions(&tbs, 0xa2);
	tlv(&top, 0x30, &tbs);
	if (s->signature) {
		/* Signature ::= SEQUENCE { AlgorithmIdentifier, BIT STRING } */
		memset(&tmp, 0, sizeof(tmp));
		memset(&tmp2, 0, sizeof(tmp2));
		prim(&tmp2, 0x06, oid_sha256, sizeof(oid_sha256));
		tlv(&tmp, 0x30, &tmp2);
		prim(&tmp, 0x03, &zero, 1);
		memset(&tmp2, 0, sizeof(tmp2));
		tlv(&tmp2, 0x30, &tmp);
		tlv(&top, 0xa0, &tmp2);
	}
	out->n = 0;
	tlv(out, 0x30, &top);
}

static enum ca_ocsp_req_result parse(const struct w *w, struct ca_ocsp_req *r)
{
	return ca_ocsp_req_parse(w->b, w->n, r);
}

static void test_valid_sha1_and_sha256(void **state)
{
	struct spec s = base_spec();
	struct ca_ocsp_req r;
	struct w w;

	(void)state;
	build(&s, &w);
	assert_int_equal(parse(&w, &r), CA_OCSP_REQ_OK);
	assert_int_equal(r.hash, CA_OCSP_SHA1);
	assert_int_equal(r.hash_len, 20);
	assert_int_equal(r.name_hash[0], 0xaa);
	assert_int_equal(r.key_hash[19], 0xbb);
	assert_int_equal(r.serial_len, sizeof(serial16));
	assert_memory_equal(r.serial, serial16, sizeof(serial16));
	/* borrowed from the input */
	assert_true(r.serial > w.b && r.serial < w.b + w.n);
	assert_false(r.has_nonce);
	assert_false(r.signed_req);

	s = sha256_spec();
	s.params = 0; /* RFC 5754: parameters may be absent */
	build(&s, &w);
	assert_int_equal(parse(&w, &r), CA_OCSP_REQ_OK);
	assert_int_equal(r.hash, CA_OCSP_SHA256);
	assert_int_equal(r.hash_len, 32);
}

static void test_optional_parts_skipped(void **state)
{
	struct spec s = base_spec();
	struct ca_ocsp_req r;
	struct w w;

	(void)state;
	s.version = true;
	s.requestor = true;
	s.nonce = true;
	s.single_ext = true;
	s.signature = true;
	build(&s, &w);
	assert_int_equal(parse(&w, &r), CA_OCSP_REQ_OK);
	assert_true(r.has_nonce);
	assert_true(r.signed_req);
	assert_memory_equal(r.serial, serial16, sizeof(serial16));
	/* only v1 exists */
	s.version_value = 1;
	build(&s, &w);
	assert_int_equal(parse(&w, &r), CA_OCSP_REQ_MALFORMED);
}

/* The parser agrees with OpenSSL's encoder for requests it makes. */
static void test_openssl_requests(void **state)
{
	const EVP_MD *mds[2] = {EVP_sha1(), EVP_sha256()};
	X509_NAME *name = X509_NAME_new();
	ASN1_BIT_STRING *key = ASN1_BIT_STRING_new();
	ASN1_INTEGER *sn = ASN1_INTEGER_new();
	unsigned char keybytes[65], *der = NULL;
	int i, n;

	(void)state;
	memset(keybytes, 4, sizeof(keybytes));
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"Test CA", -1, -1, 0), 1);
	assert_int_equal(ASN1_BIT_STRING_set(key, keybytes, sizeof(keybytes)), 1);
	assert_int_equal(ASN1_INTEGER_set_uint64(sn, 0x0102030405060708ULL), 1);
	for (i = 0; i < 2; i++) {
		OCSP_REQUEST *req = OCSP_REQUEST_new();
		OCSP_CERTID *id = OCSP_cert_id_new(mds[i], name, key, sn);
		struct ca_ocsp_req r;
		const unsigned char want[] = {1, 2, 3, 4, 5, 6, 7, 8};

		assert_non_null(id);
		assert_non_null(OCSP_request_add0_id(req, id));
		assert_int_equal(OCSP_request_add1_nonce(req, NULL, 16), 1);
		der = NULL;
		n = i2d_OCSP_REQUEST(req, &der);
		assert_true(n > 0);
		assert_int_equal(ca_ocsp_req_parse(der, (size_t)n, &r), CA_OCSP_REQ_OK);
		assert_int_equal(r.hash, i == 0 ? CA_OCSP_SHA1 : CA_OCSP_SHA256);
		assert_int_equal(r.serial_len, 8);
		assert_memory_equal(r.serial, want, 8);
		assert_true(r.has_nonce);
		OPENSSL_free(der);
		OCSP_REQUEST_free(req);
	}
	X509_NAME_free(name);
	ASN1_BIT_STRING_free(key);
	ASN1_INTEGER_free(sn);
}

static void test_hash_algorithms(void **state)
{
	struct spec s = base_spec();
	struct ca_ocsp_req r;
	struct w w;

	(void)state;
	/* SHA-384 is a fine CertID hash, just not one we answer for */
	s.oid = oid_sha384;
	s.oid_len = sizeof(oid_sha384);
	s.name_len = s.key_len = 48;
	build(&s, &w);
	assert_int_equal(parse(&w, &r), CA_OCSP_REQ_BAD_HASH);
	/* parameters other than NULL */
	s = base_spec();
	s.params = 2;
	build(&s, &w);
	assert_int_equal(parse(&w, &r), CA_OCSP_REQ_BAD_HASH);
	/* hash lengths must match the algorithm */
	s = base_spec();
	s.name_len = 32;
	build(&s, &w);
	assert_int_equal(parse(&w, &r), CA_OCSP_REQ_MALFORMED);
	s = sha256_spec();
	s.key_len = 20;
	build(&s, &w);
	assert_int_equal(parse(&w, &r), CA_OCSP_REQ_MALFORMED);
	/* an empty OID */
	s = base_spec();
	s.oid_len = 0;
	build(&s, &w);
	assert_int_equal(parse(&w, &r), CA_OCSP_REQ_MALFORMED);
}

static void test_serials(void **state)
{
	static const unsigned char one[] = {0x01};
	static const unsigned char neg[] = {0xff, 0x01};
	static const unsigned char lead_zero_ok[] = {0x00, 0x80};
	static const unsigned char lead_zero_bad[] = {0x00, 0x7f};
	static const unsigned char lead_ff_bad[] = {0xff, 0x80};
	unsigned char long_serial[CA_OCSP_SERIAL_MAX + 1];
	struct {
		const unsigned char *p;
		size_t len;
		enum ca_ocsp_req_result want;
	} cases[] = {
		{one, sizeof(one), CA_OCSP_REQ_OK},
		{neg, sizeof(neg), CA_OCSP_REQ_OK},
		{lead_zero_ok, sizeof(lead_zero_ok), CA_OCSP_REQ_OK},
		{lead_zero_bad, sizeof(lead_zero_bad), CA_OCSP_REQ_MALFORMED},
		{lead_ff_bad, sizeof(lead_ff_bad), CA_OCSP_REQ_MALFORMED},
		{one, 0, CA_OCSP_REQ_MALFORMED},
		{long_serial, CA_OCSP_SERIAL_MAX, CA_OCSP_REQ_OK},
		{long_serial, CA_OCSP_SERIAL_MAX + 1, CA_OCSP_REQ_MALFORMED},
	};
	struct ca_ocsp_req r;
	struct spec s;
	struct w w;
	size_t i;

	(void)state;
	memset(long_serial, 0x11, sizeof(long_serial));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = base_spec();
		s.serial = cases[i].p;
		s.serial_len = cases[i].len;
		build(&s, &w);
		assert_int_equal(parse(&w, &r), cases[i].want);
		if (cases[i].want == CA_OCSP_REQ_OK)
			assert_int_equal(r.serial_len, cases[i].len);
	}
}

static void test_request_count(void **state)
{
	struct spec s = base_spec();
	struct ca_ocsp_req r;
	struct w w;

	(void)state;
	s.n_requests = 0;
	build(&s, &w);
	assert_int_equal(parse(&w, &r), CA_OCSP_REQ_MALFORMED);
	s.n_requests = 2;
	build(&s, &w);
	assert_int_equal(parse(&w, &r), CA_OCSP_REQ_MALFORMED);
}

static void test_framing(void **state)
{
	struct spec s = base_spec();
	struct ca_ocsp_req r;
	struct w w, big;
	size_t i;

	(void)state;
	build(&s, &w);
	/* every truncation fails */
	for (i = 0; i < w.n; i++)
		assert_int_equal(ca_ocsp_req_parse(w.b, i, &r), CA_OCSP_REQ_MALFORMED);
	/* a byte after the request */
	w.b[w.n] = 0;
	assert_int_equal(ca_ocsp_req_parse(w.b, w.n + 1, &r), CA_OCSP_REQ_MALFORMED);
	assert_int_equal(ca_ocsp_req_parse(NULL, 0, &r), CA_OCSP_REQ_MALFORMED);
	/* the outer length in long form although it is short: not DER */
	memmove(w.b + 3, w.b + 2, w.n - 2);
	w.b[2] = w.b[1];
	w.b[1] = 0x81;
	assert_int_equal(ca_ocsp_req_parse(w.b, w.n + 1, &r), CA_OCSP_REQ_MALFORMED);
	/* indefinite length */
	build(&s, &w);
	w.b[1] = 0x80;
	assert_int_equal(ca_ocsp_req_parse(w.b, w.n, &r), CA_OCSP_REQ_MALFORMED);
	/* a wrong outer tag */
	build(&s, &w);
	w.b[0] = 0x31;
	assert_int_equal(ca_ocsp_req_parse(w.b, w.n, &r), CA_OCSP_REQ_MALFORMED);
	/* a high tag number */
	build(&s, &w);
	w.b[0] = 0x3f;
	assert_int_equal(ca_ocsp_req_parse(w.b, w.n, &r), CA_OCSP_REQ_MALFORMED);
	/* too big: a valid request padded by a huge extension is refused */
	memset(&big, 0, sizeof(big));
	assert_int_equal(ca_ocsp_req_parse(big.b, CA_OCSP_REQ_MAX + 1, &r), CA_OCSP_REQ_MALFORMED);
	/* garbage */
	for (i = 0; i < 64; i++)
		big.b[i] = (unsigned char)(i * 37 + 11);
	assert_int_equal(ca_ocsp_req_parse(big.b, 64, &r), CA_OCSP_REQ_MALFORMED);
}

static void test_b64_decode(void **state)
{
	struct spec s = base_spec();
	unsigned char *der = NULL;
	size_t len = 0, i;
	char *b64, *alt;
	struct w w;

	(void)state;
	build(&s, &w);
	b64 = cn_b64_encode(w.b, w.n);
	assert_int_equal(ca_ocsp_req_b64_decode(b64, strlen(b64), &der, &len), 0);
	assert_int_equal(len, w.n);
	assert_memory_equal(der, w.b, w.n);
	free(der);
	/* '+' form-decoded to ' ', '+' '/' as '-' '_', padding left out */
	alt = strdup(b64);
	assert_non_null(alt);
	for (i = 0; alt[i]; i++) {
		if (alt[i] == '+')
			alt[i] = (i % 2) ? ' ' : '-';
		else if (alt[i] == '/')
			alt[i] = '_';
	}
	while (strlen(alt) > 0 && alt[strlen(alt) - 1] == '=')
		alt[strlen(alt) - 1] = '\0';
	assert_int_equal(ca_ocsp_req_b64_decode(alt, strlen(alt), &der, &len), 0);
	assert_int_equal(len, w.n);
	assert_memory_equal(der, w.b, w.n);
	free(der);
	free(alt);
	free(b64);
	/* not base64 */
	assert_int_equal(ca_ocsp_req_b64_decode("MEow!!", 6, &der, &len), CN_ERR_MALFORMED);
	assert_int_equal(ca_ocsp_req_b64_decode("MEowS", 5, &der, &len), CN_ERR_MALFORMED);
	assert_int_equal(ca_ocsp_req_b64_decode("", 0, &der, &len), CN_ERR_MALFORMED);
	assert_int_equal(ca_ocsp_req_b64_decode("ME=w", 4, &der, &len), CN_ERR_MALFORMED);
	/* too long */
	alt = malloc(20000);
	assert_non_null(alt);
	memset(alt, 'A', 20000);
	assert_int_equal(ca_ocsp_req_b64_decode(alt, 20000, &der, &len), CN_ERR_TOO_BIG);
	free(alt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_sha1_and_sha256),
		cmocka_unit_test(test_optional_parts_skipped),
		cmocka_unit_test(test_openssl_requests),
		cmocka_unit_test(test_hash_algorithms),
		cmocka_unit_test(test_serials),
		cmocka_unit_test(test_request_count),
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_b64_decode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
