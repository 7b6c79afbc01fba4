/*
 * test_csr.c - unit tests for src/core/x509/csr.c: parsing CSRs of every key
 * type, the RFC 8555 7.4 identifier check (equal sets, extra and missing
 * names, case, duplicates, IP text forms, commonName), strictness (broken
 * signatures, tampered content, trailing or missing bytes, other SAN types,
 * weak digests, two commonNames, bad dNSName/iPAddress encodings), the
 * keys CSRs carry in every point form and through both key paths (EC points
 * straight, other keys through OpenSSL's decoder), each against what
 * OpenSSL's own X509_REQ parser makes of the same DER, and the key policy
 * applied to them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "err.h"
#include "x509/csr.h"
#include "x509/key.h"

static EVP_PKEY *keys[CN_KEY_TYPE_MAX];

static int keys_setup(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < CN_KEY_TYPE_MAX; i++)
		if (cn_key_generate((enum cn_key_type)i, &keys[i]) != 0)
			return -1;
	return 0;
}

static int keys_teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < CN_KEY_TYPE_MAX; i++)
		EVP_PKEY_free(keys[i]);
	return 0;
}

/* Adds a subjectAltName built by hand, so tests can put in what the
 * library's builders refuse. */
static void add_san_gens(X509_REQ *req, GENERAL_NAMES *gens)
{
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();

	assert_non_null(exts);
	assert_int_equal(X509V3_add1_i2d(&exts, NID_subject_alt_name, gens, 0,
	    X509V3_ADD_DEFAULT), 1);
	assert_int_equal(X509_REQ_add_extensions(req, exts), 1);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
}

/* A CSR made directly with OpenSSL: cn and cn2 may be NULL; san is an
 * OpenSSL config string ("DNS:a,IP:1.2.3.4") or NULL; gens, if not NULL,
 * is used instead of san. */
static void raw_csr(EVP_PKEY *key, const char *cn, const char *cn2,
    const char *san, GENERAL_NAMES *gens, const EVP_MD *md,
    unsigned char **der, size_t *len)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *name = X509_NAME_new();
	unsigned char *p = NULL;
	int n;

	assert_non_null(req);
	assert_non_null(name);
	assert_int_equal(X509_REQ_set_pubkey(req, key), 1);
	if (cn != NULL)
		assert_int_equal(X509_NAME_add_entry_by_NID(name, NID_commonName,
		    MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0), 1);
	if (cn2 != NULL)
		assert_int_equal(X509_NAME_add_entry_by_NID(name, NID_commonName,
		    MBSTRING_UTF8, (const unsigned char *)cn2, -1, -1, 0), 1);
	assert_int_equal(X509_REQ_set_subject_name(req, name), 1);
	if (gens != NULL) {
		add_san_gens(req, gens);
	} else if (san != NULL) {
		X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, NULL,
		    NID_subject_alt_name, san);
		STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();

		assert_non_null(ext);
		assert_int_equal(sk_X509_EXTENSION_push(exts, ext) > 0, 1);
		assert_int_equal(X509_REQ_add_extensions(req, exts), 1);
		sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	}
	assert_true(X509_REQ_sign(req, key, md) > 0);
	n = i2d_X509_REQ(req, &p);
	assert_true(n > 0);
	*der = malloc((size_t)n + 1);
	assert_non_null(*der);
	memcpy(*der, p, (size_t)n);
	*len = (size_t)n;
	OPENSSL_free(p);
	X509_NAME_free(name);
	X509_REQ_free(req);
}

static void test_csr_parse_every_key_type(void **state)
{
	const char *dns[] = {"Example.com", "www.example.com"};
	const char *ips[] = {"192.0.2.1", "2001:DB8:0::1"};
	int i, cn;

	(void)state;
	for (i = 0; i < CN_KEY_TYPE_MAX; i++) {
		for (cn = 0; cn <= 1; cn++) {
			unsigned char *der = NULL;
			size_t len = 0;
			struct cn_csr *csr = NULL;

			assert_int_equal(cn_csr_new(keys[i], dns, 2, ips, 2, cn == 1, &der,
			    &len), 0);
			if (cn_csr_parse_der(der, len, &csr) != 0)
				fail_msg("%s: %s", cn_key_type_name((enum cn_key_type)i),
				    cn_err_detail());
			assert_int_equal(csr->n_dns, 2);
			assert_string_equal(csr->dns_names[0], "example.com");
			assert_string_equal(csr->dns_names[1], "www.example.com");
			assert_int_equal(csr->n_ip, 2);
			assert_string_equal(csr->ip_addrs[0], "192.0.2.1");
			assert_string_equal(csr->ip_addrs[1], "2001:db8::1");
			if (cn)
				assert_string_equal(csr->common_name, "example.com");
			else
				assert_null(csr->common_name);
			assert_int_equal(EVP_PKEY_eq(csr->pubkey, keys[i]), 1);
			assert_non_null(csr->asn1);
			assert_int_equal(cn_csr_check_identifiers(csr, dns, 2, ips, 2), 0);
			cn_csr_free(csr);
			free(der);
		}
	}
	cn_csr_free(NULL);
}

static void test_csr_identifiers(void **state)
{
	static const char *const base_dns[] = {"a.example", "b.example"};
	static const char *const base_ips[] = {"192.0.2.1", "2001:db8::1"};
	static const struct {
		const char *dns[4];
		size_t n_dns;
		const char *ips[4];
		size_t n_ips;
		int rc;
		const char *detail;
	} cases[] = {
		{{"a.example", "b.example"}, 2, {"192.0.2.1", "2001:db8::1"}, 2, 0, NULL},
		{{"B.EXAMPLE", "a.Example"}, 2, {"2001:db8::1", "192.0.2.1"}, 2, 0, NULL},
		{{"a.example", "a.example", "b.example"}, 3,
		    {"192.0.2.1", "2001:db8::1", "192.0.2.1"}, 3, 0, NULL},
		{{"a.example", "b.example"}, 2, {"192.0.2.1", "2001:0DB8:0000::0001"}, 2,
		    0, NULL},
		{{"a.example", "b.example", "c.example"}, 3, {"192.0.2.1", "2001:db8::1"},
		    2, CN_ERR_BAD_CSR, "missing identifier c.example"},
		{{"a.example"}, 1, {"192.0.2.1", "2001:db8::1"}, 2, CN_ERR_BAD_CSR,
		    "b.example which is not in the order"},
		{{"a.example", "b.example"}, 2, {"192.0.2.1", "2001:db8::1", "192.0.2.2"},
		    3, CN_ERR_BAD_CSR, "missing identifier 192.0.2.2"},
		{{"a.example", "b.example"}, 2, {"192.0.2.1"}, 1, CN_ERR_BAD_CSR,
		    "2001:db8::1 which is not in the order"},
		{{"a.example", "b.example", "192.0.2.1"}, 3, {"2001:db8::1"}, 1,
		    CN_ERR_BAD_CSR, "192.0.2.1 which is not in the order"},
		{{"a.example", "b.example"}, 2, {"192.0.2.1", "2001:db8::1", "not-ip"}, 3,
		    CN_ERR_MALFORMED, NULL},
		{{"a.example.", "b.example"}, 2, {"192.0.2.1", "2001:db8::1"}, 2,
		    CN_ERR_BAD_CSR, NULL},
		{{NULL}, 0, {NULL}, 0, CN_ERR_BAD_CSR, "not in the order"},
	};
	unsigned char *der = NULL;
	size_t len = 0, i;
	struct cn_csr *csr = NULL;

	(void)state;
	assert_int_equal(cn_csr_new(keys[CN_KEY_P256], base_dns, 2, base_ips, 2, true,
	    &der, &len), 0);
	assert_int_equal(cn_csr_parse_der(der, len, &csr), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;

		cn_err_clear();
		rc = cn_csr_check_identifiers(csr, cases[i].dns, cases[i].n_dns,
		    cases[i].ips, cases[i].n_ips);
		if (rc != cases[i].rc)
			fail_msg("case %zu: got %d (%s)", i, rc, cn_err_detail());
		if (cases[i].detail != NULL && strstr(cn_err_detail(), cases[i].detail) == NULL)
			fail_msg("case %zu: detail \"%s\"", i, cn_err_detail());
	}
	cn_csr_free(csr);
	free(der);
}

/* commonName handling and names the library's own builder would not write. */
static void test_csr_common_name_and_case(void **state)
{
	static const struct {
		const char *cn;
		const char *san;
		const char *dns[2];
		size_t n_dns;
		const char *ips[2];
		size_t n_ips;
		int rc;
		const char *detail;
	} cases[] = {
		{"other.example", "DNS:a.example", {"a.example"}, 1, {NULL}, 0,
		    CN_ERR_BAD_CSR, "commonName \"other.example\""},
		{"A.EXAMPLE", "DNS:a.example", {"a.example"}, 1, {NULL}, 0, 0, NULL},
		{NULL, "DNS:WWW.Example.COM", {"www.example.com"}, 1, {NULL}, 0, 0, NULL},
		{"192.0.2.1", "IP:192.0.2.1", {NULL}, 0, {"192.0.2.1"}, 1, 0, NULL},
		{"0:0::1", "IP:::1", {NULL}, 0, {"::1"}, 1, 0, NULL},
		{"192.0.2.9", "IP:192.0.2.1", {NULL}, 0, {"192.0.2.1"}, 1,
		    CN_ERR_BAD_CSR, "commonName"},
		{"a.example", NULL, {"a.example"}, 1, {NULL}, 0, CN_ERR_BAD_CSR,
		    "no subjectAltName"},
		{"a.example", "DNS:a.example,DNS:A.example", {"a.example"}, 1, {NULL}, 0,
		    0, NULL},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned char *der = NULL;
		size_t len = 0;
		struct cn_csr *csr = NULL;
		int rc;

		raw_csr(keys[CN_KEY_P256], cases[i].cn, NULL, cases[i].san, NULL,
		    EVP_sha256(), &der, &len);
		if (cn_csr_parse_der(der, len, &csr) != 0)
			fail_msg("case %zu: parse: %s", i, cn_err_detail());
		rc = cn_csr_check_identifiers(csr, cases[i].dns, cases[i].n_dns,
		    cases[i].ips, cases[i].n_ips);
		if (rc != cases[i].rc)
			fail_msg("case %zu: got %d (%s)", i, rc, cn_err_detail());
		if (cases[i].detail != NULL && strstr(cn_err_detail(), cases[i].detail) == NULL)
			fail_msg("case %zu: detail \"%s\"", i, cn_err_detail());
		if (i == 2)
			assert_string_equal(csr->dns_names[0], "www.example.com");
		if (i == 7)
			assert_int_equal(csr->n_dns, 1); /* duplicates folded */
		cn_csr_free(csr);
		free(der);
	}
}

static GENERAL_NAMES *gens_one(int type, const void *data, int len)
{
	GENERAL_NAMES *gens = GENERAL_NAMES_new();
	GENERAL_NAME *gen = GENERAL_NAME_new();
	ASN1_STRING *s = ASN1_STRING_type_new(type == GEN_IPADD ? V_ASN1_OCTET_STRING :
	    V_ASN1_IA5STRING);

	assert_non_null(gens);
	assert_non_null(gen);
	assert_non_null(s);
	assert_int_equal(ASN1_STRING_set(s, data, len), 1);
	GENERAL_NAME_set0_value(gen, type, s);
	assert_true(sk_GENERAL_NAME_push(gens, gen) > 0);
	return gens;
}

/* Offset of needle in der (the test fails if absent). */
static size_t find(const unsigned char *der, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(der + i, needle, n) == 0)
			return i;
	fail_msg("\"%s\" not in the DER", needle);
	return 0;
}

enum mutation { M_NONE, M_FLIP_LAST, M_FLIP_NAME, M_TRAIL, M_TRUNC, M_EMPTY };

static void test_csr_rejects(void **state)
{
	static const struct {
		const char *what;
		enum cn_key_type key;
		const char *cn, *cn2, *san;
		int gen_type; /* 0: use san */
		const char *gen_data;
		int gen_len;
		int sha1;
		enum mutation m;
		const char *detail;
	} cases[] = {
		{"flipped signature, P-256", CN_KEY_P256, NULL, NULL, "DNS:a.example", 0,
		    NULL, 0, 0, M_FLIP_LAST, NULL},
		{"flipped signature, RSA", CN_KEY_RSA2048, NULL, NULL, "DNS:a.example", 0,
		    NULL, 0, 0, M_FLIP_LAST, "does not verify"},
		{"flipped signature, Ed25519", CN_KEY_ED25519, NULL, NULL, "DNS:a.example",
		    0, NULL, 0, 0, M_FLIP_LAST, "does not verify"},
		{"tampered name", CN_KEY_P256, NULL, NULL, "DNS:a.example", 0, NULL, 0, 0,
		    M_FLIP_NAME, "does not verify"},
		{"trailing byte", CN_KEY_P256, NULL, NULL, "DNS:a.example", 0, NULL, 0, 0,
		    M_TRAIL, "trailing"},
		{"truncated", CN_KEY_P256, NULL, NULL, "DNS:a.example", 0, NULL, 0, 0,
		    M_TRUNC, NULL},
		{"empty", CN_KEY_P256, NULL, NULL, "DNS:a.example", 0, NULL, 0, 0,
		    M_EMPTY, NULL},
		{"email SAN", CN_KEY_P256, NULL, NULL, "DNS:a.example,email:x@a.example",
		    0, NULL, 0, 0, M_NONE, "type 1"},
		{"URI SAN", CN_KEY_P256, NULL, NULL, "URI:http://a.example/", 0, NULL, 0, 0,
		    M_NONE, "type 6"},
		{"SHA-1", CN_KEY_RSA2048, NULL, NULL, "DNS:a.example", 0, NULL, 0, 1,
		    M_NONE, "too weak"},
		{"two CNs", CN_KEY_P256, "a.example", "b.example", "DNS:a.example", 0,
		    NULL, 0, 0, M_NONE, "more than one commonName"},
		{"space in dNSName", CN_KEY_P256, NULL, NULL, NULL, GEN_DNS, "a b.example",
		    11, 0, M_NONE, "0x20"},
		{"NUL in dNSName", CN_KEY_P256, NULL, NULL, NULL, GEN_DNS, "a\0.example",
		    10, 0, M_NONE, "0x00"},
		{"empty dNSName", CN_KEY_P256, NULL, NULL, NULL, GEN_DNS, "", 0, 0, M_NONE,
		    "0 characters"},
		{"5-octet iPAddress", CN_KEY_P256, NULL, NULL, NULL, GEN_IPADD,
		    "\xc0\x00\x02\x01\x00", 5, 0, M_NONE, "5 octets"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned char *der = NULL;
		size_t len = 0;
		struct cn_csr *csr = NULL;
		GENERAL_NAMES *gens = NULL;
		int rc;

		if (cases[i].gen_type != 0)
			gens = gens_one(cases[i].gen_type, cases[i].gen_data, cases[i].gen_len);
		raw_csr(keys[cases[i].key], cases[i].cn, cases[i].cn2, cases[i].san, gens,
		    cases[i].sha1 ? EVP_sha1() : cases[i].key == CN_KEY_ED25519 ? NULL :
		    EVP_sha256(), &der, &len);
		GENERAL_NAMES_free(gens);
		/* The unmodified CSR of a mutation case is valid. */
		if (cases[i].m != M_NONE) {
			assert_int_equal(cn_csr_parse_der(der, len, &csr), 0);
			cn_csr_free(csr);
			csr = NULL;
		}
		switch (cases[i].m) {
		case M_FLIP_LAST:
			der[len - 1] ^= 0x01;
			break;
		case M_FLIP_NAME:
			der[find(der, len, "a.example")] = 'b';
			break;
		case M_TRAIL:
			der[len++] = 0;
			break;
		case M_TRUNC:
			len--;
			break;
		case M_EMPTY:
			len = 0;
			break;
		case M_NONE:
			break;
		}
		cn_err_clear();
		rc = cn_csr_parse_der(der, len, &csr);
		if (rc != CN_ERR_BAD_CSR)
			fail_msg("%s: got %d (%s)", cases[i].what, rc, cn_err_detail());
		assert_null(csr);
		if (cases[i].detail != NULL && strstr(cn_err_detail(), cases[i].detail) == NULL)
			fail_msg("%s: detail \"%s\"", cases[i].what, cn_err_detail());
		free(der);
	}
}

static void test_csr_too_big(void **state)
{
	unsigned char *big = calloc(1, CN_CSR_MAX_DER + 1);
	struct cn_csr *csr = NULL;

	(void)state;
	assert_non_null(big);
	assert_int_equal(cn_csr_parse_der(big, CN_CSR_MAX_DER + 1, &csr), CN_ERR_BAD_CSR);
	assert_non_null(strstr(cn_err_detail(), "larger"));
	assert_int_equal(cn_csr_parse_der(big, 100, &csr), CN_ERR_BAD_CSR);
	assert_null(csr);
	free(big);
}

static EVP_PKEY *rsa_key(unsigned bits, unsigned long e)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	BIGNUM *bn = BN_new();
	EVP_PKEY *k = NULL;

	assert_non_null(ctx);
	assert_non_null(bn);
	assert_int_equal(BN_set_word(bn, e), 1);
	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits), 1);
	assert_int_equal(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, bn), 1);
	assert_int_equal(EVP_PKEY_generate(ctx, &k), 1);
	BN_free(bn);
	EVP_PKEY_CTX_free(ctx);
	return k;
}

/* The key a CSR carries goes through the subscriber key policy. */
static void test_csr_key_policy(void **state)
{
	static const struct {
		const char *what;
		int rc;
	} cases[] = {
		{"RSA 1024", CN_ERR_BAD_KEY},
		{"RSA 2048", 0},
		{"RSA 2048 e=3", CN_ERR_BAD_KEY},
		{"P-256", 0},
		{"P-384", 0},
		{"P-521", CN_ERR_BAD_KEY},
		{"Ed25519", CN_ERR_BAD_KEY},
	};
	const char *dns[] = {"a.example"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EVP_PKEY *k = NULL;
		unsigned char *der = NULL;
		size_t len = 0;
		struct cn_csr *csr = NULL;

		switch (i) {
		case 0: k = rsa_key(1024, 65537); break;
		case 1: k = rsa_key(2048, 65537); break;
		case 2: k = rsa_key(2048, 3); break;
		case 3: k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"); break;
		case 4: k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384"); break;
		case 5: k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521"); break;
		default: k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"); break;
		}
		assert_non_null(k);
		assert_int_equal(cn_csr_new(k, dns, 1, NULL, 0, true, &der, &len), 0);
		assert_int_equal(cn_csr_parse_der(der, len, &csr), 0);
		if (cn_key_policy_check(csr->pubkey) != cases[i].rc)
			fail_msg("%s: %s", cases[i].what, cn_err_detail());
		cn_csr_free(csr);
		free(der);
		EVP_PKEY_free(k);
	}
}


/* What OpenSSL's X509_REQ parser says of der: 1 (parses, self-signature
 * verifies), 0 otherwise; *key its public key when it parses. */
static int openssl_verdict(const unsigned char *der, size_t len, EVP_PKEY **key)
{
	const unsigned char *p = der;
	X509_REQ *req = d2i_X509_REQ(NULL, &p, (long)len);
	EVP_PKEY *k = req != NULL ? X509_REQ_get_pubkey(req) : NULL;
	int ok = k != NULL && p == der + len && X509_REQ_verify(req, k) == 1;

	ERR_clear_error();
	X509_REQ_free(req);
	if (ok)
		*key = k;
	else
		EVP_PKEY_free(k);
	return ok;
}

/* The CSR's key, in every point form and through both key paths, is the
 * key OpenSSL's X509_REQ parser finds; a point off the curve is refused. */
static void test_csr_key_paths(void **state)
{
	static const struct {
		const char *what;
		const char *group; /* NULL: RSA 2048 */
		const char *form;  /* EC point conversion form */
		bool off_curve;
		int policy;
	} cases[] = {
		{"P-256", "P-256", "uncompressed", false, 0},
		{"P-256 compressed", "P-256", "compressed", false, 0},
		{"P-256 hybrid", "P-256", "hybrid", false, 0},
		{"P-384 compressed", "P-384", "compressed", false, 0},
		{"P-521", "P-521", "uncompressed", false, CN_ERR_BAD_KEY},
		{"secp256k1 (decoder)", "secp256k1", "uncompressed", false, CN_ERR_BAD_KEY},
		{"RSA (decoder)", NULL, NULL, false, 0},
		{"P-256 off the curve", "P-256", "uncompressed", true, 0},
		{"P-384 off the curve", "P-384", "uncompressed", true, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EVP_PKEY *k = NULL, *ref = NULL;
		unsigned char *der = NULL, pt[200];
		size_t len = 0, n = 0, j;
		struct cn_csr *csr = NULL;
		int rc;

		if (cases[i].group == NULL) {
			k = rsa_key(2048, 65537);
		} else {
			k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", cases[i].group);
			assert_non_null(k);
			assert_int_equal(EVP_PKEY_set_utf8_string_param(k,
			    OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, cases[i].form), 1);
		}
		raw_csr(k, NULL, NULL, "DNS:a.example", NULL, EVP_sha256(), &der, &len);
		if (cases[i].off_curve) {
			assert_int_equal(EVP_PKEY_get_octet_string_param(k,
			    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt, sizeof(pt), &n), 1);
			for (j = 0; j + n <= len && memcmp(der + j, pt, n) != 0; j++)
				;
			assert_true(j + n <= len);
			der[j + n - 1] ^= 0x01; /* y's last bit */
		}
		cn_err_clear();
		rc = cn_csr_parse_der(der, len, &csr);
		if (openssl_verdict(der, len, &ref) != (rc == 0))
			fail_msg("%s: %d (%s), OpenSSL disagrees", cases[i].what, rc,
			    cn_err_detail());
		if (cases[i].off_curve) {
			assert_int_equal(rc, CN_ERR_BAD_CSR);
			assert_non_null(strstr(cn_err_detail(), "public key"));
		} else {
			if (rc != 0)
				fail_msg("%s: %s", cases[i].what, cn_err_detail());
			assert_int_equal(EVP_PKEY_eq(csr->pubkey, k), 1);
			assert_int_equal(EVP_PKEY_eq(csr->pubkey, ref), 1);
			if (cn_key_policy_check(csr->pubkey) != cases[i].policy)
				fail_msg("%s: policy %s", cases[i].what, cn_err_detail());
		}
		cn_csr_free(csr);
		EVP_PKEY_free(ref);
		EVP_PKEY_free(k);
		free(der);
	}
}

/* A first name longer than ub-common-name (64) gives no commonName. */
static void test_csr_new_long_first_name(void **state)
{
	const char *dns[] = {
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example",
	    "b.example"};
	unsigned char *der = NULL;
	size_t len = 0;
	struct cn_csr *csr = NULL;

	(void)state;
	assert_int_equal(cn_csr_new(keys[CN_KEY_P256], dns, 2, NULL, 0, true, &der,
	    &len), 0);
	assert_int_equal(cn_csr_parse_der(der, len, &csr), 0);
	assert_null(csr->common_name);
	assert_int_equal(csr->n_dns, 2);
	assert_int_equal(cn_csr_check_identifiers(csr, dns, 2, NULL, 0), 0);
	cn_csr_free(csr);
	free(der);
}

static void test_csr_new_rejects(void **state)
{
	static const struct {
		const char *dns[2];
		size_t n_dns;
		const char *ips[2];
		size_t n_ips;
	} cases[] = {
		{{"bad name.example"}, 1, {NULL}, 0},
		{{"a.example."}, 1, {NULL}, 0},
		{{"-a.example"}, 1, {NULL}, 0},
		{{"a..example"}, 1, {NULL}, 0},
		{{"*.*.example"}, 1, {NULL}, 0},
		{{NULL}, 0, {"1.2.3"}, 1},
		{{NULL}, 0, {"2001:db8::g"}, 1},
		{{NULL}, 0, {NULL}, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned char *der = NULL;
		size_t len = 0;

		if (cn_csr_new(keys[CN_KEY_P256], cases[i].dns, cases[i].n_dns,
		    cases[i].ips, cases[i].n_ips, true, &der, &len) != CN_ERR_MALFORMED)
			fail_msg("case %zu accepted", i);
		assert_null(der);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csr_parse_every_key_type),
		cmocka_unit_test(test_csr_identifiers),
		cmocka_unit_test(test_csr_common_name_and_case),
		cmocka_unit_test(test_csr_rejects),
		cmocka_unit_test(test_csr_too_big),
		cmocka_unit_test(test_csr_key_policy),
		cmocka_unit_test(test_csr_key_paths),
		cmocka_unit_test(test_csr_new_long_first_name),
		cmocka_unit_test(test_csr_new_rejects),
	};

	return cmocka_run_group_tests(tests, keys_setup, keys_teardown);
}
