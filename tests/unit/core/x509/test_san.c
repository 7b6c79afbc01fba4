/*
 * test_san.c - unit tests for src/core/x509/san.c: RFC 5952 IP text,
 * host name syntax, and subjectAltName building (lower-casing, order,
 * limits).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "x509/san.h"

static void test_ip_normalize(void **state)
{
	static const struct {
		const char *in, *out; /* out NULL: not an address */
	} cases[] = {
		{"192.0.2.1", "192.0.2.1"},
		{"0.0.0.0", "0.0.0.0"},
		{"2001:DB8::1", "2001:db8::1"},
		{"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
		{"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"}, /* 5952 4.2.2 */
		{"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},           /* 5952 4.2.3 */
		{"::1", "::1"},
		{"::", "::"},
		{"::ffff:192.0.2.1", "::ffff:192.0.2.1"},
		{"192.0.2", NULL},
		{"192.0.2.256", NULL},
		{"0x7f.0.0.1", NULL},
		{"1.2.3.4 ", NULL},
		{"2001:db8::1::2", NULL},
		{"2001:db8::1%eth0", NULL},
		{"example.com", NULL},
		{"", NULL},
	};
	char out[CN_IP_TEXT_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = cn_ip_normalize(cases[i].in, out);

		if (cases[i].out == NULL) {
			if (rc != CN_ERR_MALFORMED)
				fail_msg("\"%s\" accepted", cases[i].in);
		} else {
			assert_int_equal(rc, 0);
			assert_string_equal(out, cases[i].out);
		}
	}
	assert_int_equal(cn_ip_octets_to_text((const unsigned char *)"\x01\x02\x03", 3,
	    out), CN_ERR_MALFORMED);
	assert_int_equal(cn_ip_octets_to_text((const unsigned char *)"\x7f\x00\x00\x01",
	    4, out), 0);
	assert_string_equal(out, "127.0.0.1");
}

static void test_dns_name_is_valid(void **state)
{
	static const struct {
		const char *name;
		bool ok;
	} cases[] = {
		{"example.com", true},
		{"EXAMPLE.com", true},
		{"a", true},
		{"localhost", true},
		{"xn--bcher-kva.example", true},
		{"a-b.c-d.example", true},
		{"*.example.com", true},
		{"123.example", true},
		{"", false},
		{"example.com.", false},
		{".example.com", false},
		{"a..example", false},
		{"-a.example", false},
		{"a-.example", false},
		{"a_b.example", false},
		{"a b.example", false},
		{"*", false},
		{"*.", false},
		{"a.*.example", false},
		{"*a.example", false},
		{"*.*.example", false},
		{"\xc3\xa9.example", false},
		/* 63-octet label is fine, 64 is not */
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example", true},
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example", false},
	};
	char long_name[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (cn_dns_name_is_valid(cases[i].name) != cases[i].ok)
			fail_msg("\"%s\": expected %d", cases[i].name, cases[i].ok);
	/* 253 characters is the longest name. */
	for (i = 0; i < 253; i++)
		long_name[i] = i % 2 ? '.' : 'a';
	long_name[253] = '\0';
	assert_true(cn_dns_name_is_valid(long_name));
	long_name[253] = 'a';
	long_name[254] = '\0';
	assert_false(cn_dns_name_is_valid(long_name));
}

static void test_san_new(void **state)
{
	const char *dns[] = {"WWW.Example.com", "*.example.com"};
	const char *ips[] = {"2001:DB8::0:1", "192.0.2.1"};
	const char *bad_dns[] = {"a.example", "a_b.example"};
	const char *bad_ip[] = {"300.1.1.1"};
	const char **many = NULL;
	GENERAL_NAMES *gens = NULL;
	const GENERAL_NAME *g;
	const ASN1_STRING *v;
	int type;
	size_t i;

	(void)state;
	assert_int_equal(cn_san_new(dns, 2, ips, 2, &gens), 0);
	assert_int_equal(sk_GENERAL_NAME_num(gens), 4);
	g = sk_GENERAL_NAME_value(gens, 0);
	v = GENERAL_NAME_get0_value(g, &type);
	assert_int_equal(type, GEN_DNS);
	assert_string_equal((const char *)ASN1_STRING_get0_data(v), "www.example.com");
	v = GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(gens, 1), &type);
	assert_string_equal((const char *)ASN1_STRING_get0_data(v), "*.example.com");
	v = GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(gens, 2), &type);
	assert_int_equal(type, GEN_IPADD);
	assert_int_equal(ASN1_STRING_length(v), 16);
	assert_memory_equal(ASN1_STRING_get0_data(v),
	    "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	v = GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(gens, 3), &type);
	assert_int_equal(ASN1_STRING_length(v), 4);
	assert_memory_equal(ASN1_STRING_get0_data(v), "\xc0\x00\x02\x01", 4);
	GENERAL_NAMES_free(gens);
	gens = NULL;

	/* Repeats in any case or text form are left out. */
	{
		const char *rep_dns[] = {"A.example", "a.EXAMPLE", "b.example", "a.example"};
		const char *rep_ips[] = {"2001:db8::1", "2001:DB8:0::1", "192.0.2.1",
		    "::ffff:192.0.2.1"};

		assert_int_equal(cn_san_new(rep_dns, 4, rep_ips, 4, &gens), 0);
		assert_int_equal(sk_GENERAL_NAME_num(gens), 5);
		GENERAL_NAMES_free(gens);
		gens = NULL;
	}

	assert_int_equal(cn_san_new(bad_dns, 2, NULL, 0, &gens), CN_ERR_MALFORMED);
	assert_non_null(strstr(cn_err_detail(), "a_b.example"));
	assert_int_equal(cn_san_new(NULL, 0, bad_ip, 1, &gens), CN_ERR_MALFORMED);
	assert_int_equal(cn_san_new(NULL, 0, NULL, 0, &gens), CN_ERR_MALFORMED);
	many = calloc(CN_SAN_MAX_NAMES + 1, sizeof(*many));
	assert_non_null(many);
	for (i = 0; i <= CN_SAN_MAX_NAMES; i++)
		many[i] = "a.example";
	assert_int_equal(cn_san_new(many, CN_SAN_MAX_NAMES + 1, NULL, 0, &gens),
	    CN_ERR_TOO_BIG);
	assert_int_equal(cn_san_new(many, CN_SAN_MAX_NAMES, bad_ip, 1, &gens),
	    CN_ERR_TOO_BIG);
	assert_null(gens);
	assert_int_equal(cn_san_new(many, CN_SAN_MAX_NAMES, NULL, 0, &gens), 0);
	GENERAL_NAMES_free(gens);
	free(many);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip_normalize),
		cmocka_unit_test(test_dns_name_is_valid),
		cmocka_unit_test(test_san_new),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
