/*
 * test_cert.c - unit tests for src/core/x509/cert.c: strict DER decoding,
 * PEM encoding and chain parsing, serial number hex and ASN.1 time
 * conversion.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "err.h"
#include "file.h"
#include "mem.h"
#include "x509/cert.h"

/* A self-signed certificate with the given serial (big-endian magnitude,
 * negative if neg). */
static X509 *make_cert(const unsigned char *serial, size_t len, int neg)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	BIGNUM *bn = BN_bin2bn(serial, (int)len, NULL);
	ASN1_INTEGER *sn;
	X509_NAME *name;

	assert_non_null(k);
	assert_non_null(x);
	assert_non_null(bn);
	BN_set_negative(bn, neg);
	sn = BN_to_ASN1_INTEGER(bn, NULL);
	assert_non_null(sn);
	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	assert_int_equal(X509_set_serialNumber(x, sn), 1);
	name = X509_get_subject_name(x);
	assert_int_equal(X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
	    (const unsigned char *)"test", -1, -1, 0), 1);
	assert_int_equal(X509_set_issuer_name(x, name), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
	assert_int_equal(X509_set_pubkey(x, k), 1);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	ASN1_INTEGER_free(sn);
	BN_free(bn);
	EVP_PKEY_free(k);
	return x;
}

static void test_der_roundtrip_and_strictness(void **state)
{
	X509 *x = make_cert((const unsigned char *)"\x01\x02", 2, 0);
	X509 *back = NULL;
	unsigned char *der = NULL, *longer;
	size_t len = 0;

	(void)state;
	assert_int_equal(cn_cert_to_der(x, &der, &len), 0);
	assert_int_equal(cn_cert_from_der(der, len, &back), 0);
	assert_int_equal(X509_cmp(x, back), 0);
	X509_free(back);
	back = NULL;
	longer = cn_xmalloc(len + 1);
	memcpy(longer, der, len);
	longer[len] = 0;
	assert_int_equal(cn_cert_from_der(longer, len + 1, &back), CN_ERR_MALFORMED);
	assert_int_equal(cn_cert_from_der(der, len - 1, &back), CN_ERR_MALFORMED);
	assert_int_equal(cn_cert_from_der(der, 0, &back), CN_ERR_MALFORMED);
	assert_int_equal(cn_cert_from_der(der, CN_CERT_MAX_DER + 1, &back),
	    CN_ERR_TOO_BIG);
	assert_null(back);
	free(longer);
	free(der);
	X509_free(x);
}

static void test_pem_chain(void **state)
{
	X509 *a = make_cert((const unsigned char *)"\x0a", 1, 0);
	X509 *b = make_cert((const unsigned char *)"\x0b", 1, 0);
	STACK_OF(X509) *chain = NULL;
	char *pa = NULL, *pb = NULL;
	char buf[8192];
	static const char key_block[] =
	    "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
	static const char garbage_block[] =
	    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

	(void)state;
	assert_int_equal(cn_cert_to_pem(a, &pa), 0);
	assert_int_equal(cn_cert_to_pem(b, &pb), 0);
	assert_true(strncmp(pa, "-----BEGIN CERTIFICATE-----\n", 28) == 0);

	/* Two certificates with text around them, in order. */
	snprintf(buf, sizeof(buf), "leaf:\n%s\nissuer:\n%strailing words\n", pa, pb);
	assert_int_equal(cn_pem_certs_parse(buf, strlen(buf), &chain), 0);
	assert_int_equal(sk_X509_num(chain), 2);
	assert_int_equal(X509_cmp(sk_X509_value(chain, 0), a), 0);
	assert_int_equal(X509_cmp(sk_X509_value(chain, 1), b), 0);
	sk_X509_pop_free(chain, X509_free);
	chain = NULL;

	/* Failures. */
	assert_int_equal(cn_pem_certs_parse("", 0, &chain), CN_ERR_MALFORMED);
	assert_int_equal(cn_pem_certs_parse("hello\n", 6, &chain), CN_ERR_MALFORMED);
	snprintf(buf, sizeof(buf), "%s%s", pa, key_block);
	assert_int_equal(cn_pem_certs_parse(buf, strlen(buf), &chain), CN_ERR_MALFORMED);
	snprintf(buf, sizeof(buf), "%s%s", pa, garbage_block);
	assert_int_equal(cn_pem_certs_parse(buf, strlen(buf), &chain), CN_ERR_MALFORMED);
	/* A cut-off second block is an error, not the end of the chain. */
	snprintf(buf, sizeof(buf), "%s%.*s", pa, 60, pb);
	assert_int_equal(cn_pem_certs_parse(buf, strlen(buf), &chain), CN_ERR_MALFORMED);
	assert_null(chain);
	free(pa);
	free(pb);
	X509_free(a);
	X509_free(b);
}

static void test_cert_load(void **state)
{
	X509 *a = make_cert((const unsigned char *)"\x0a", 1, 0);
	X509 *back = NULL;
	char dir[] = "/tmp/cairn-test-cert-XXXXXX";
	char one[128], two[128], missing[128], buf[8192];
	char *pem = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(one, sizeof(one), "%s/one.pem", dir);
	snprintf(two, sizeof(two), "%s/two.pem", dir);
	snprintf(missing, sizeof(missing), "%s/missing.pem", dir);
	assert_int_equal(cn_cert_to_pem(a, &pem), 0);
	assert_int_equal(cn_file_write_atomic(one, pem, strlen(pem), 0644), 0);
	snprintf(buf, sizeof(buf), "%s%s", pem, pem);
	assert_int_equal(cn_file_write_atomic(two, buf, strlen(buf), 0644), 0);
	assert_int_equal(cn_cert_load(one, &back), 0);
	assert_int_equal(X509_cmp(a, back), 0);
	X509_free(back);
	back = NULL;
	assert_int_equal(cn_cert_load(two, &back), CN_ERR_MALFORMED);
	assert_non_null(strstr(cn_err_detail(), "two.pem"));
	assert_int_equal(cn_cert_load(missing, &back), CN_ERR_NOT_FOUND);
	assert_null(back);
	unlink(one);
	unlink(two);
	rmdir(dir);
	free(pem);
	X509_free(a);
}

static void test_serial_hex(void **state)
{
	static const struct {
		const char *serial;
		size_t len;
		int neg;
		const char *hex;
	} cases[] = {
		{"\x01", 1, 0, "01"},
		{"\x7f\xff", 2, 0, "7fff"},
		{"\x80\x01", 2, 0, "008001"}, /* DER keeps the sign octet */
		{"\x00\x00\x05", 3, 0, "05"},  /* DER is minimal */
		{"\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10"
		 "\x11\x12\x13\x14", 20, 0, "0102030405060708090a0b0c0d0e0f1011121314"},
		{"\x01", 1, 1, "ff"},
		{"\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10"
		 "\x11\x12\x13\x14\x15\x16\x17", 23, 0,
		 "0102030405060708090a0b0c0d0e0f1011121314151617"},
		{"\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10"
		 "\x11\x12\x13\x14\x15\x16\x17\x18", 24, 0, NULL},
	};
	char hex[48];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		X509 *x = make_cert((const unsigned char *)cases[i].serial, cases[i].len,
		    cases[i].neg);

		if (cases[i].hex == NULL) {
			assert_int_equal(cn_cert_serial_hex(x, hex), CN_ERR_MALFORMED);
		} else {
			assert_int_equal(cn_cert_serial_hex(x, hex), 0);
			assert_string_equal(hex, cases[i].hex);
		}
		X509_free(x);
	}
}

static void test_asn1_time(void **state)
{
	static const struct {
		const char *text;
		int type;
		int rc;
		int64_t unix_time;
	} cases[] = {
		{"700101000000Z", V_ASN1_UTCTIME, 0, 0},
		{"500101000000Z", V_ASN1_UTCTIME, 0, -631152000},
		{"491231235959Z", V_ASN1_UTCTIME, 0, 2524607999},
		{"19700101000000Z", V_ASN1_GENERALIZEDTIME, 0, 0},
		{"20500101000000Z", V_ASN1_GENERALIZEDTIME, 0, 2524608000},
		{"20240229120000Z", V_ASN1_GENERALIZEDTIME, 0, 1709208000},
		{"99991231235959Z", V_ASN1_GENERALIZEDTIME, 0, 253402300799},
		{"20240229120000+0100", V_ASN1_GENERALIZEDTIME, CN_ERR_MALFORMED, 0},
		{"2024022912000Z", V_ASN1_GENERALIZEDTIME, CN_ERR_MALFORMED, 0},
		{"20240230120000Z", V_ASN1_GENERALIZEDTIME, CN_ERR_MALFORMED, 0},
		{"7001010000Z", V_ASN1_UTCTIME, CN_ERR_MALFORMED, 0},
		{"20240229120000.5Z", V_ASN1_GENERALIZEDTIME, CN_ERR_MALFORMED, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ASN1_TIME *t = ASN1_STRING_type_new(cases[i].type);
		int64_t got = -1;

		assert_non_null(t);
		assert_int_equal(ASN1_STRING_set(t, cases[i].text, -1), 1);
		if (cn_asn1_time_to_unix(t, &got) != cases[i].rc)
			fail_msg("%s: rc", cases[i].text);
		if (cases[i].rc == 0 && got != cases[i].unix_time)
			fail_msg("%s: got %lld", cases[i].text, (long long)got);
		ASN1_TIME_free(t);
	}
	assert_int_equal(cn_asn1_time_to_unix(NULL, &(int64_t){0}), CN_ERR_MALFORMED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_der_roundtrip_and_strictness),
		cmocka_unit_test(test_pem_chain),
		cmocka_unit_test(test_cert_load),
		cmocka_unit_test(test_serial_hex),
		cmocka_unit_test(test_asn1_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
