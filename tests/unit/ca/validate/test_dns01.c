/*
 * test_dns01.c - src/ca/validate/dns01.c against pebble-challtestsrv as the
 * DNS server: the digest among several TXT records, a mismatch, no record,
 * wildcards, a CNAME to a delegated name, SERVFAIL, and a check of the
 * digest against RFC 8555 section 8.4's recipe computed independently.
 *
 * Ports (22320-22329): 22320 DNS, 22321 management.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "err.h"
#include "validate/validate.h"
#include "vtest.h"

#define DNS_PORT 22320
#define MGMT_PORT 22321
#define KA "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI"

static struct vt_cts cts;
static struct ca_resolver *res;
static struct ca_validate_cfg cfg = {.resolver = "127.0.0.1:22320"};
static char digest_b64[64];

/* base64url(SHA-256(KA)) by EVP_EncodeBlock, independent of b64url.c. */
static void compute_digest(void)
{
	unsigned char d[32];
	unsigned char b64[64];
	unsigned int dl = 0;
	int n, i, o = 0;

	EVP_Digest(KA, strlen(KA), d, &dl, EVP_sha256(), NULL);
	n = EVP_EncodeBlock(b64, d, (int)dl);
	for (i = 0; i < n; i++) {
		char ch = (char)b64[i];

		if (ch == '=')
			break;
		digest_b64[o++] = ch == '+' ? '-' : ch == '/' ? '_' : ch;
	}
	digest_b64[o] = '\0';
}

static int setup(void **state)
{
	(void)state;
	compute_digest();
	return vt_dns_start(&cts, DNS_PORT, MGMT_PORT, &cfg, &res);
}

static int teardown(void **state)
{
	(void)state;
	vt_dns_stop(&cts, res);
	return 0;
}

static void add_txt(const char *host, const char *value)
{
	char json[512];

	snprintf(json, sizeof(json), "{\"host\":\"%s\",\"value\":\"%s\"}", host, value);
	assert_int_equal(vt_cts_post(&cts, "/set-txt", json), 200);
}

static void test_match_among_several(void **state)
{
	(void)state;
	add_txt("_acme-challenge.several.validate.example.", "some-other-token-value");
	add_txt("_acme-challenge.several.validate.example.", digest_b64);
	add_txt("_acme-challenge.several.validate.example.", "v=spf1 -all");
	assert_int_equal(ca_validate_dns01(&cfg, res, "several.validate.example", KA), 0);
	/* the digest of another key authorization is not there */
	assert_int_equal(ca_validate_dns01(&cfg, res, "several.validate.example", KA "x"),
	    CN_ERR_INCORRECT_RESPONSE);
}

static void test_mismatch(void **state)
{
	char near[64];

	(void)state;
	/* the digest with its last character changed, and a prefix of it */
	snprintf(near, sizeof(near), "%s", digest_b64);
	near[strlen(near) - 1] = near[strlen(near) - 1] == 'A' ? 'B' : 'A';
	add_txt("_acme-challenge.wrong.validate.example.", near);
	add_txt("_acme-challenge.wrong.validate.example.", "abc");
	assert_int_equal(ca_validate_dns01(&cfg, res, "wrong.validate.example", KA), CN_ERR_INCORRECT_RESPONSE);
	assert_non_null(strstr(cn_err_detail(), "2 TXT records at _acme-challenge.wrong.validate.example"));
	assert_non_null(strstr(cn_err_detail(), digest_b64));
	assert_non_null(strstr(cn_err_detail(), "\"abc\""));
}

static void test_trailing_junk_is_not_a_match(void **state)
{
	char longer[80];

	(void)state;
	snprintf(longer, sizeof(longer), "%s ", digest_b64);
	add_txt("_acme-challenge.junk.validate.example.", longer);
	snprintf(longer, sizeof(longer), "%sA", digest_b64);
	add_txt("_acme-challenge.junk.validate.example.", longer);
	assert_int_equal(ca_validate_dns01(&cfg, res, "junk.validate.example", KA), CN_ERR_INCORRECT_RESPONSE);
}

static void test_none(void **state)
{
	(void)state;
	assert_int_equal(ca_validate_dns01(&cfg, res, "none.validate.example", KA), CN_ERR_UNAUTHORIZED);
	assert_non_null(strstr(cn_err_detail(), "no TXT record found at _acme-challenge.none.validate.example"));
	/* a record at the name itself is not the challenge record */
	add_txt("bare.validate.example.", digest_b64);
	assert_int_equal(ca_validate_dns01(&cfg, res, "bare.validate.example", KA), CN_ERR_UNAUTHORIZED);
	/* NXDOMAIN (unbound's own .invalid zone) is "no record" too */
	assert_int_equal(ca_validate_dns01(&cfg, res, "gone.validate.invalid", KA), CN_ERR_UNAUTHORIZED);
}

static void test_wildcard(void **state)
{
	(void)state;
	add_txt("_acme-challenge.wild.validate.example.", digest_b64);
	assert_int_equal(ca_validate_dns01(&cfg, res, "*.wild.validate.example", KA), 0);
	assert_int_equal(ca_validate_dns01(&cfg, res, "wild.validate.example", KA), 0);
}

static void test_cname(void **state)
{
	(void)state;
	assert_int_equal(vt_cts_post(&cts, "/set-cname",
			     "{\"host\":\"_acme-challenge.cn.validate.example.\","
			     "\"target\":\"cn.delegated.validate.example.\"}"),
	    200);
	add_txt("cn.delegated.validate.example.", digest_b64);
	assert_int_equal(ca_validate_dns01(&cfg, res, "cn.validate.example", KA), 0);
}

static void test_servfail(void **state)
{
	(void)state;
	assert_int_equal(vt_cts_post(&cts, "/set-servfail", "{\"host\":\"_acme-challenge.sf.validate.example.\"}"),
	    200);
	assert_int_equal(ca_validate_dns01(&cfg, res, "sf.validate.example", KA), CN_ERR_DNS);
	assert_non_null(strstr(cn_err_detail(), "SERVFAIL"));
}

static void test_bad_domain(void **state)
{
	(void)state;
	assert_int_equal(ca_validate_dns01(&cfg, res, "not a name", KA), CN_ERR_MALFORMED);
	assert_int_equal(ca_validate_dns01(&cfg, res, "*.", KA), CN_ERR_MALFORMED);
	assert_int_equal(ca_validate_dns01(&cfg, res, "a.*.validate.example", KA), CN_ERR_MALFORMED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_match_among_several),
	    cmocka_unit_test(test_mismatch),
	    cmocka_unit_test(test_trailing_junk_is_not_a_match),
	    cmocka_unit_test(test_none),
	    cmocka_unit_test(test_wildcard),
	    cmocka_unit_test(test_cname),
	    cmocka_unit_test(test_servfail),
	    cmocka_unit_test(test_bad_domain),
	};

	if (ca_validate_global_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
