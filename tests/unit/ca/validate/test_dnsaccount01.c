/*
 * test_dnsaccount01.c - the dns-account-01 label of
 * src/ca/validate/dnsaccount01.c: "_" + lower-case base32 of the first 10
 * octets of SHA-256(account URL). The first vector is the example of
 * draft-ietf-acme-dns-account-label-00 section 3.1; the others were
 * computed independently with Python's hashlib and base64.b32encode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "validate/validate.h"

static void test_labels(void **state)
{
	static const char *const v[][2] = {
		{"https://example.com/acme/acct/ExampleAccount", "_ujmmovf2vn55tgye"},
		{"https://example.com/acme/acct/evOfKhNU60wg", "_kyv43diublq5elpi"},
	};
	char label[CA_DNS_ACCOUNT_LABEL_LEN + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(ca_dns_account_label(v[i][0], label), 0);
		assert_string_equal(label, v[i][1]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_labels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
