/* test_certinfo.c - unit tests for src/agent/certinfo.c: the RFC 9773
 * section 4.1 identifier (the RFC's own example), names, validity and
 * RFC 3339 times; the brief DER reader agrees with the full parse (EC and
 * RSA keys, short and 20-octet serials, UTCTime and GeneralizedTime, v1
 * without extensions, a critical extension, no AKI) and fails cleanly on
 * every truncation and byte flip. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include <openssl/pem.h>

#include "b64url.h"
#include "certinfo.h"
#include "x509/key.h"
#include "x509/san.h"

/* A certificate with the AKI and serial of RFC 9773 Appendix A. */
static X509 *make_cert(void)
{
	static const unsigned char kid[] = {0x69, 0x88, 0x5B, 0x6B, 0x87, 0x46, 0x40, 0x41, 0xE1, 0xB3,
	    0x7B, 0x84, 0x7B, 0xA0, 0xAE, 0x2C, 0xDE, 0x01, 0xC8, 0xD4};
	const char *dns[] = {"a.example", "*.b.example"}, *ips[] = {"2001:db8::1"};
	AUTHORITY_KEYID *akid = AUTHORITY_KEYID_new();
	GENERAL_NAMES *san = NULL;
	EVP_PKEY *k = NULL;
	X509 *x = X509_new();
	X509_NAME *nm = X509_NAME_new();

	assert_int_equal(cn_key_generate(CN_KEY_P256, &k), 0);
	assert_int_equal(cn_san_new(dns, 2, ips, 1, &san), 0);
	akid->keyid = ASN1_OCTET_STRING_new();
	ASN1_OCTET_STRING_set(akid->keyid, kid, sizeof(kid));
	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), 0x87654321ULL);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)"Test Issuer CA", -1, -1, 0);
	X509_set_issuer_name(x, nm);
	X509_set_subject_name(x, nm);
	ASN1_TIME_set(X509_getm_notBefore(x), 1700000000);
	ASN1_TIME_set(X509_getm_notAfter(x), 1700000000 + 90 * 86400);
	X509_set_pubkey(x, k);
	assert_int_equal(X509_add1_ext_i2d(x, NID_authority_key_identifier, akid, 0, 0), 1);
	assert_int_equal(X509_add1_ext_i2d(x, NID_subject_alt_name, san, 0, 0), 1);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	AUTHORITY_KEYID_free(akid);
	GENERAL_NAMES_free(san);
	X509_NAME_free(nm);
	EVP_PKEY_free(k);
	return x;
}

static void test_ari_id_and_info(void **state)
{
	struct agent_certinfo ci;
	X509 *x = make_cert();
	char *id = NULL;

	(void)state;
	assert_int_equal(agent_ari_cert_id(x, &id), 0);
	assert_string_equal(id, "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
	free(id);
	assert_int_equal(agent_certinfo_from_x509(x, &ci), 0);
	assert_string_equal(ci.serial, "0087654321");
	assert_int_equal(ci.not_before, 1700000000);
	assert_int_equal(ci.not_after, 1700000000 + 90 * 86400);
	assert_int_equal(ci.n_names, 3);
	assert_string_equal(ci.names[0], "a.example");
	assert_string_equal(ci.names[1], "*.b.example");
	assert_string_equal(ci.names[2], "2001:db8::1");
	assert_string_equal(ci.issuer_cn, "Test Issuer CA");
	assert_string_equal(ci.ari_id, "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
	agent_certinfo_cleanup(&ci);
	X509_free(x);
}

static void test_no_aki(void **state)
{
	EVP_PKEY *k = NULL;
	X509 *x = X509_new();
	char *id = NULL;

	(void)state;
	assert_int_equal(cn_key_generate(CN_KEY_P256, &k), 0);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_set_pubkey(x, k);
	assert_int_equal(agent_ari_cert_id(x, &id), CN_ERR_MALFORMED);
	EVP_PKEY_free(k);
	X509_free(x);
}

static void test_times(void **state)
{
	static const struct {
		const char *s;
		int rc;
		int64_t t;
	} cases[] = {
		{"1970-01-01T00:00:00Z", 0, 0},
		{"2025-01-02T04:00:00Z", 0, 1735790400},
		{"2025-01-02T04:00:00.123456Z", 0, 1735790400},
		{"2025-01-02T06:30:00+02:30", 0, 1735790400},
		{"2025-01-01T23:00:00-05:00", 0, 1735790400},
		{"2024-02-29T12:00:00z", 0, 1709208000},
		{"2025-01-02 04:00:00Z", CN_ERR_MALFORMED, 0},
		{"2025-01-02T04:00:00", CN_ERR_MALFORMED, 0},
		{"2025-13-02T04:00:00Z", CN_ERR_MALFORMED, 0},
		{"2025-01-02T04:00:00Zjunk", CN_ERR_MALFORMED, 0},
		{"2025-01-02T04:00:00.Z", CN_ERR_MALFORMED, 0},
		{"", CN_ERR_MALFORMED, 0},
	};
	char buf[32];
	int64_t t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = -1;
		if (agent_parse_time(cases[i].s, &t) != cases[i].rc)
			fail_msg("'%s'", cases[i].s);
		if (cases[i].rc == 0 && t != cases[i].t)
			fail_msg("'%s': %lld", cases[i].s, (long long)t);
	}
	agent_fmt_time(1735790400, buf);
	assert_string_equal(buf, "2025-01-02T04:00:00Z");
}

/* A certificate built to order (see test_brief_matches_full). */
struct spec {
	enum cn_key_type kt;
	const unsigned char *serial;
	size_t serial_len;
	int64_t nb, na;
	bool v1;           /* version 1: no extensions at all */
	bool aki;          /* with an AKI keyIdentifier (and an authorityCertSerialNumber) */
	bool critical_san; /* the SAN marked critical: a BOOLEAN in the extension */
};

static X509 *build(const struct spec *sp)
{
	static const unsigned char kid[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
	const char *dns[] = {"brief.example"};
	EVP_PKEY *k = NULL;
	X509 *x = X509_new();
	X509_NAME *nm = X509_NAME_new();
	BIGNUM *bn = BN_bin2bn(sp->serial, (int)sp->serial_len, NULL);

	assert_int_equal(cn_key_generate(sp->kt, &k), 0);
	assert_non_null(BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)));
	BN_free(bn);
	X509_set_version(x, sp->v1 ? X509_VERSION_1 : X509_VERSION_3);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)"Brief CA", -1, -1, 0);
	X509_set_issuer_name(x, nm);
	X509_set_subject_name(x, nm);
	assert_non_null(ASN1_TIME_set(X509_getm_notBefore(x), (time_t)sp->nb));
	assert_non_null(ASN1_TIME_set(X509_getm_notAfter(x), (time_t)sp->na));
	X509_set_pubkey(x, k);
	if (!sp->v1) {
		GENERAL_NAMES *san = NULL;

		assert_int_equal(cn_san_new(dns, 1, NULL, 0, &san), 0);
		assert_int_equal(X509_add1_ext_i2d(x, NID_subject_alt_name, san, sp->critical_san, 0), 1);
		GENERAL_NAMES_free(san);
		if (sp->aki) {
			AUTHORITY_KEYID *akid = AUTHORITY_KEYID_new();

			akid->keyid = ASN1_OCTET_STRING_new();
			ASN1_OCTET_STRING_set(akid->keyid, kid, sizeof(kid));
			akid->serial = ASN1_INTEGER_new();
			ASN1_INTEGER_set(akid->serial, 42);
			assert_int_equal(X509_add1_ext_i2d(x, NID_authority_key_identifier, akid, 0, 0), 1);
			AUTHORITY_KEYID_free(akid);
		}
	}
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	X509_NAME_free(nm);
	EVP_PKEY_free(k);
	return x;
}

/* PEM text of der (one base64 line, as the reader must accept any line length). */
static char *pem_of(const unsigned char *der, size_t len)
{
	char *b = cn_b64_encode(der, len), *out;
	size_t n = strlen(b) + 80;

	out = malloc(n);
	assert_non_null(out);
	snprintf(out, n, "junk before\n-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n", b);
	free(b);
	return out;
}

static void test_brief_matches_full(void **state)
{
	static const unsigned char s1[] = {0x87, 0x65, 0x43, 0x21}, s2[] = {0},
	    s20[] = {0x7f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
	const struct spec specs[] = {
		{CN_KEY_P256, s1, sizeof(s1), 1700000000, 1700000000 + 90 * 86400, false, true, false},
		{CN_KEY_RSA2048, s20, sizeof(s20), 1700000000, 2556057600 /* 2051: GeneralizedTime */, false, true, true},
		{CN_KEY_P384, s2, sizeof(s2), 946684799 /* 1999-12-31, UTCTime 99 */, 2524607999, false, false, false},
		{CN_KEY_P256, s1, sizeof(s1), 1700000000, 1700003600, true, false, false},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct agent_certinfo full, brief;
		X509 *x = build(&specs[i]);
		BIO *bio = BIO_new(BIO_s_mem());
		char *pem = NULL;
		long n;

		assert_int_equal(PEM_write_bio_X509(bio, x), 1);
		n = BIO_get_mem_data(bio, &pem);
		assert_int_equal(agent_certinfo_from_pem(pem, (size_t)n, &full), 0);
		if (agent_certinfo_brief_from_pem(pem, (size_t)n, &brief) != 0)
			fail_msg("spec %zu: %s", i, cn_err_detail());
		assert_string_equal(brief.serial, full.serial);
		assert_int_equal(brief.not_before, specs[i].nb);
		assert_int_equal(brief.not_before, full.not_before);
		assert_int_equal(brief.not_after, full.not_after);
		if (full.ari_id == NULL)
			assert_null(brief.ari_id);
		else
			assert_string_equal(brief.ari_id, full.ari_id);
		assert_true(specs[i].aki == (brief.ari_id != NULL));
		assert_int_equal(brief.n_names, 0);
		assert_null(brief.issuer_cn);
		agent_certinfo_cleanup(&full);
		agent_certinfo_cleanup(&brief);
		BIO_free(bio);
		X509_free(x);
	}
}

/* Every truncation and every flipped byte: an error or a result, never a crash (ASan). */
static void test_brief_rejects_damage(void **state)
{
	static const unsigned char s1[] = {0x87, 0x65, 0x43, 0x21};
	const struct spec sp = {CN_KEY_P256, s1, sizeof(s1), 1700000000, 1700086400, false, true, false};
	struct agent_certinfo ci;
	unsigned char *der = NULL, *copy;
	X509 *x = build(&sp);
	int len = i2d_X509(x, &der);
	size_t i;
	char *pem;

	(void)state;
	assert_true(len > 0);
	assert_int_equal(agent_certinfo_brief_from_pem("no pem here", 11, &ci), CN_ERR_MALFORMED);
	assert_int_equal(agent_certinfo_brief_from_pem("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----",
	    58, &ci), CN_ERR_MALFORMED);
	for (i = 0; i < (size_t)len; i++) {
		pem = pem_of(der, i);
		if (agent_certinfo_brief_from_pem(pem, strlen(pem), &ci) != CN_ERR_MALFORMED)
			fail_msg("truncated to %zu bytes: accepted", i);
		free(pem);
	}
	copy = malloc((size_t)len + 1);
	assert_non_null(copy);
	memcpy(copy, der, (size_t)len);
	copy[len] = 0;
	pem = pem_of(copy, (size_t)len + 1); /* trailing byte after the certificate */
	assert_int_equal(agent_certinfo_brief_from_pem(pem, strlen(pem), &ci), CN_ERR_MALFORMED);
	free(pem);
	for (i = 0; i < (size_t)len; i++) {
		memcpy(copy, der, (size_t)len);
		copy[i] ^= 0xff;
		pem = pem_of(copy, (size_t)len);
		if (agent_certinfo_brief_from_pem(pem, strlen(pem), &ci) == 0)
			agent_certinfo_cleanup(&ci);
		free(pem);
	}
	free(copy);
	OPENSSL_free(der);
	X509_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ari_id_and_info),
		cmocka_unit_test(test_no_aki),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_brief_matches_full),
		cmocka_unit_test(test_brief_rejects_damage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
