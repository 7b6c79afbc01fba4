/*
 * test_dnspersist01.c - the dns-persist-01 record check of
 * src/ca/validate/dnspersist01.c (draft-ietf-acme-dns-persist section 4),
 * table-driven: issuer matching, accounturi, policy=wildcard, persistUntil,
 * unknown parameters, malformed issue-values (RFC 8659 section 4.2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "validate/validate.h"

#define ACCT "https://ca.example/acme/acct/7"
#define ISSUERS "ca.example,other-name.example"

static const struct {
	const char *txt;
	bool wildcard;
	int want;
} cases[] = {
	{"ca.example; accounturi=" ACCT, false, 0},
	{"CA.Example;accounturi=" ACCT, false, 0},
	{"  other-name.example ;  accounturi = " ACCT "  ", false, 0},
	{"ca.example; accounturi=" ACCT "; policy=wildcard", true, 0},
	{"ca.example; accounturi=" ACCT "; Policy=WILDCARD", true, 0},
	{"ca.example; accounturi=" ACCT "; policy=other", false, 0},
	{"ca.example; accounturi=" ACCT "; policy=other", true, CN_ERR_INCORRECT_RESPONSE},
	{"ca.example; accounturi=" ACCT, true, CN_ERR_INCORRECT_RESPONSE},
	{"ca.example; accounturi=" ACCT "; persistUntil=2000", false, 0},
	{"ca.example; accounturi=" ACCT "; persistUntil=999", false, CN_ERR_INCORRECT_RESPONSE},
	{"ca.example; accounturi=" ACCT "; persistUntil=soon", false, CN_ERR_INCORRECT_RESPONSE},
	{"ca.example; accounturi=" ACCT "; persistUntil=-5", false, CN_ERR_INCORRECT_RESPONSE},
	{"ca.example; accounturi=" ACCT "; future-tag=x; x1=y", false, 0},
	{"ca.example; accounturi=" ACCT ";", false, 0},
	{"ca.example; accounturi=https://ca.example/acme/acct/8", false, CN_ERR_INCORRECT_RESPONSE},
	{"ca.example; accounturi=" ACCT "x", false, CN_ERR_INCORRECT_RESPONSE},
	{"ca.example", false, CN_ERR_INCORRECT_RESPONSE},
	{"ca.example; policy=wildcard", true, CN_ERR_INCORRECT_RESPONSE},
	{"ca.example; accounturi=" ACCT "; accounturi=" ACCT, false, CN_ERR_INCORRECT_RESPONSE},
	{"ca.example; accounturi", false, CN_ERR_INCORRECT_RESPONSE},
	{"ca.example accounturi=" ACCT, false, CN_ERR_INCORRECT_RESPONSE},
	{"ca.example; =x; accounturi=" ACCT, false, CN_ERR_INCORRECT_RESPONSE},
	/* other issuers and empty issue-values are not ours: ignored */
	{"evil.example; accounturi=" ACCT, false, CN_ERR_NOT_FOUND},
	{"ca.example.net; accounturi=" ACCT, false, CN_ERR_NOT_FOUND},
	{"example; accounturi=" ACCT, false, CN_ERR_NOT_FOUND},
	{"; accounturi=" ACCT, false, CN_ERR_NOT_FOUND},
	{"", false, CN_ERR_NOT_FOUND},
};

static void test_record_check(void **state)
{
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = ca_dns_persist_record_check(cases[i].txt, ISSUERS, ACCT, cases[i].wildcard, 1000);
		if (r != cases[i].want)
			fail_msg("case %zu '%s': got %d, want %d", i, cases[i].txt, r, cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
