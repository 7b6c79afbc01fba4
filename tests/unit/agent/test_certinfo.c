/* test_certinfo.c - unit tests for src/agent/certinfo.c: the RFC 9773
 * section 4.1 identifier (the RFC's own example), names, validity and
 * RFC 3339 times. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ari_id_and_info),
		cmocka_unit_test(test_no_aki),
		cmocka_unit_test(test_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
