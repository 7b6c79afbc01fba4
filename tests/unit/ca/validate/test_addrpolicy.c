/*
 * test_addrpolicy.c - src/ca/validate/addrpolicy.c: the SSRF guard, from a
 * table of special-purpose addresses (refused, with the range named) and
 * public ones (allowed); allow_private lets everything through.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "validate/validate.h"

struct row {
	const char *addr;
	bool allowed;
	const char *range; /* expected in the detail when refused */
};

static const struct row rows[] = {
    {"127.0.0.1", false, "127.0.0.0/8"},
    {"127.255.255.254", false, "127.0.0.0/8"},
    {"10.0.0.1", false, "10.0.0.0/8"},
    {"10.255.255.255", false, "10.0.0.0/8"},
    {"172.16.0.1", false, "172.16.0.0/12"},
    {"172.31.255.255", false, "172.16.0.0/12"},
    {"192.168.1.1", false, "192.168.0.0/16"},
    {"100.64.0.1", false, "100.64.0.0/10"},
    {"100.127.255.255", false, "100.64.0.0/10"},
    {"169.254.169.254", false, "169.254.0.0/16"},
    {"0.0.0.0", false, "0.0.0.0/8"},
    {"0.1.2.3", false, "0.0.0.0/8"},
    {"224.0.0.1", false, "224.0.0.0/4"},
    {"239.255.255.250", false, "224.0.0.0/4"},
    {"255.255.255.255", false, "255.255.255.255/32"},
    {"240.0.0.1", false, "240.0.0.0/4"},
    {"192.0.2.1", false, "192.0.2.0/24"},
    {"198.51.100.7", false, "198.51.100.0/24"},
    {"203.0.113.9", false, "203.0.113.0/24"},
    {"198.18.0.1", false, "198.18.0.0/15"},
    {"198.19.255.255", false, "198.18.0.0/15"},
    {"192.0.0.9", false, "192.0.0.0/24"},
    {"192.88.99.1", false, "192.88.99.0/24"},
    {"::1", false, "::1/128"},
    {"::", false, "::/128"},
    {"fe80::1", false, "fe80::/10"},
    {"febf:ffff::1", false, "fe80::/10"},
    {"fc00::1", false, "fc00::/7"},
    {"fd12:3456::1", false, "fc00::/7"},
    {"ff02::1", false, "ff00::/8"},
    {"::ffff:127.0.0.1", false, "::ffff:0:0/96"},
    {"::ffff:8.8.8.8", false, "::ffff:0:0/96"},
    {"::127.0.0.1", false, "::/96"},
    {"2001:db8::1", false, "2001:db8::/32"},
    {"2001:db8:ffff::1", false, "2001:db8::/32"},
    {"64:ff9b::10.0.0.1", false, "64:ff9b::/96"},
    {"64:ff9b:1::1", false, "64:ff9b:1::/48"},
    {"100::1", false, "100::/64"},
    {"2001::1", false, "2001::/32"},
    {"2001:2::1", false, "2001:2::/48"},
    {"2001:1ff::1", false, "2001::/23"},
    {"2002:7f00:1::1", false, "2002::/16"},
    {"3fff::1", false, "3fff::/20"},
    {"fec0::1", false, "fec0::/10"},
    {"4000::1", false, "global unicast 2000::/3"},
    {"1::1", false, "global unicast 2000::/3"},
    /* public */
    {"8.8.8.8", true, NULL},
    {"1.1.1.1", true, NULL},
    {"100.63.255.255", true, NULL},
    {"100.128.0.0", true, NULL},
    {"172.15.255.255", true, NULL},
    {"172.32.0.0", true, NULL},
    {"192.0.3.1", true, NULL},
    {"192.169.0.1", true, NULL},
    {"223.255.255.255", true, NULL},
    {"2606:4700::1", true, NULL},
    {"2a00:1450:4001::1", true, NULL},
    {"2001:200::1", true, NULL},
    {"2001:4860:4860::8888", true, NULL},
    {"3ffe::1", true, NULL},
};

static const char *const not_addresses[] = {
    "", "localhost", "1.2.3", "1.2.3.4.5", "01.2.3.4", "256.1.1.1", "1.2.3.4 ", "fe80::1%lo", "[::1]", "::g",
};

static void test_table(void **state)
{
	struct ca_validate_cfg cfg = {.resolver = "127.0.0.1:53"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int rc = ca_addr_check(&cfg, rows[i].addr);

		if (rows[i].allowed) {
			if (rc != 0)
				fail_msg("%s refused: %s", rows[i].addr, cn_err_detail());
			continue;
		}
		if (rc != CN_ERR_CONNECTION)
			fail_msg("%s allowed (rc %d)", rows[i].addr, rc);
		if (strstr(cn_err_detail(), rows[i].range) == NULL)
			fail_msg("%s: detail '%s' does not name %s", rows[i].addr, cn_err_detail(), rows[i].range);
		if (strstr(cn_err_detail(), rows[i].addr) == NULL)
			fail_msg("%s: detail '%s' does not name the address", rows[i].addr, cn_err_detail());
	}
}

static void test_allow_private(void **state)
{
	struct ca_validate_cfg cfg = {.resolver = "127.0.0.1:53", .allow_private = true};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (ca_addr_check(&cfg, rows[i].addr) != 0)
			fail_msg("%s refused with allow_private: %s", rows[i].addr, cn_err_detail());
}

static void test_not_addresses(void **state)
{
	struct ca_validate_cfg cfg = {.resolver = "127.0.0.1:53", .allow_private = true};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(not_addresses) / sizeof(not_addresses[0]); i++)
		if (ca_addr_check(&cfg, not_addresses[i]) != CN_ERR_CONNECTION)
			fail_msg("'%s' accepted as an address", not_addresses[i]);
	assert_int_equal(ca_addr_check(&cfg, NULL), CN_ERR_CONNECTION);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_allow_private),
	    cmocka_unit_test(test_not_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
