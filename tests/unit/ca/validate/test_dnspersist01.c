/*
 * test_dnspersist01.c - src/ca/validate/dnspersist01.c
 * (draft-ietf-acme-dns-persist): the record check, table-driven (section 4:
 * issuer matching, accounturi, policy=wildcard, persistUntil and its
 * boundary, unknown parameters, malformed issue-values of RFC 8659 section
 * 4.2); "below" on label boundaries, the walk up to the registrable domain
 * with its bound (sections 5, 6), the reuse period capped by the TTL (7.8);
 * and whole validations against pebble-challtestsrv (records at the name
 * and its parents, policy=wildcard, the top of the walk, persistUntil, which
 * record wins, which error is reported) and a stub DNS server that gives
 * the record a TTL (challtestsrv's are 0).
 *
 * Ports (21540-21549): 21540 DNS, 21541 management, 21542 the stub server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "err.h"
#include "validate/validate.h"
#include "vtest.h"

#define DNS_PORT 21540
#define MGMT_PORT 21541
#define STUB_PORT 21542

#define ACCT "https://ca.example/acme/acct/7"
#define ISSUERS "ca.example,other-name.example"

static const struct {
	const char *txt;
	bool need_policy; /* a wildcard, or a record at a parent */
	int want;
} records[] = {
	{"ca.example; accounturi=" ACCT, false, 0},
	{"CA.Example;accounturi=" ACCT, false, 0},
	{"  other-name.example ;  accounturi = " ACCT "  ", false, 0},
	{"ca.example; accounturi=" ACCT "; policy=wildcard", true, 0},
	{"ca.example; accounturi=" ACCT "; Policy=WILDCARD", true, 0},
	{"ca.example; accounturi=" ACCT "; policy=other", false, 0},
	{"ca.example; accounturi=" ACCT "; policy=other", true, CN_ERR_INCORRECT_RESPONSE},
	{"ca.example; accounturi=" ACCT, true, CN_ERR_INCORRECT_RESPONSE},
	{"ca.example; accounturi=" ACCT "; persistUntil=2000", false, 0},
	{"ca.example; accounturi=" ACCT "; persistUntil=1000", false, 0}, /* now: not after it */
	{"ca.example; accounturi=" ACCT "; persistUntil=999", false, CN_ERR_INCORRECT_RESPONSE},
	{"ca.example; accounturi=" ACCT "; persistUntil=999; policy=wildcard", true,
	    CN_ERR_INCORRECT_RESPONSE},
	{"ca.example; accounturi=" ACCT "; persistUntil=", false, CN_ERR_INCORRECT_RESPONSE},
	{"ca.example; accounturi=" ACCT "; persistUntil=+2000", false, CN_ERR_INCORRECT_RESPONSE},
	{"ca.example; accounturi=" ACCT "; persistUntil=2000x", false, CN_ERR_INCORRECT_RESPONSE},
	{"ca.example; accounturi=" ACCT "; persistUntil=99999999999999999999", false,
	    CN_ERR_INCORRECT_RESPONSE},
	{"ca.example; accounturi=" ACCT "; persistUntil=2000; persistUntil=3000", false,
	    CN_ERR_INCORRECT_RESPONSE},
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
	for (i = 0; i < sizeof(records) / sizeof(records[0]); i++) {
		r = ca_dns_persist_record_check(records[i].txt, ISSUERS, ACCT, records[i].need_policy, 1000);
		if (r != records[i].want)
			fail_msg("case %zu '%s': got %d, want %d", i, records[i].txt, r, records[i].want);
	}
}

static void test_is_below(void **state)
{
	static const struct {
		const char *name, *parent;
		bool below;
	} cases[] = {
		{"www.example.com", "example.com", true},
		{"a.b.example.com", "example.com", true},
		{"WWW.Example.COM", "example.com", true},
		{"example.com", "example.com", false},      /* not a proper suffix */
		{"badexample.com", "example.com", false},   /* not on a label boundary */
		{"www.badexample.com", "example.com", false},
		{".example.com", "example.com", false},     /* an empty label */
		{"example.com", "www.example.com", false},
		{"www.example.com", "", false},
		{"www.example.com", "com", true},
		{"www.example.net", "example.com", false},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (ca_dns_name_is_below(cases[i].name, cases[i].parent) != cases[i].below)
			fail_msg("case %zu: '%s' below '%s'", i, cases[i].name, cases[i].parent);
}

static void test_walk(void **state)
{
	static const struct {
		const char *domain, *top;
		size_t max;
		const char *want; /* the names, joined by " " */
	} cases[] = {
		{"www.example.com", "example.com", 10, "www.example.com example.com"},
		{"a.b.example.co.uk", "example.co.uk", 10, "a.b.example.co.uk b.example.co.uk example.co.uk"},
		{"example.com", "example.com", 10, "example.com"},      /* the name is the top */
		{"www.example.com", NULL, 10, "www.example.com"},       /* no top: the name only */
		{"www.example.com", "ample.com", 10, "www.example.com"}, /* not a label boundary */
		{"www.example.com", "other.com", 10, "www.example.com"},
		{"example.com", "www.example.com", 10, "example.com"},  /* top below the name */
		{"a.b.example.com", "example.com", 2, "a.b.example.com b.example.com"},
		{"a.b.example.com", "example.com", 0, ""},
		/* the fixed bound: 12 labels below the top, 10 names asked */
		{"l1.l2.l3.l4.l5.l6.l7.l8.l9.l10.l11.l12.example.com", "example.com", 99,
		    "l1.l2.l3.l4.l5.l6.l7.l8.l9.l10.l11.l12.example.com "
		    "l2.l3.l4.l5.l6.l7.l8.l9.l10.l11.l12.example.com "
		    "l3.l4.l5.l6.l7.l8.l9.l10.l11.l12.example.com l4.l5.l6.l7.l8.l9.l10.l11.l12.example.com "
		    "l5.l6.l7.l8.l9.l10.l11.l12.example.com l6.l7.l8.l9.l10.l11.l12.example.com "
		    "l7.l8.l9.l10.l11.l12.example.com l8.l9.l10.l11.l12.example.com "
		    "l9.l10.l11.l12.example.com l10.l11.l12.example.com"},
	};
	const char *names[CA_DNS_PERSIST_MAX_LEVELS + 2];
	char got[1024];
	size_t i, k, n, o;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = ca_dns_persist_walk(cases[i].domain, cases[i].top, names, cases[i].max);
		assert_true(n <= CA_DNS_PERSIST_MAX_LEVELS);
		for (k = 0, o = 0, got[0] = '\0'; k < n; k++) {
			/* each one the domain or a label-boundary suffix of it */
			assert_true(k == 0 ? names[k] == cases[i].domain :
			    ca_dns_name_is_below(cases[i].domain, names[k]));
			o += (size_t)snprintf(got + o, sizeof(got) - o, "%s%s", k ? " " : "", names[k]);
		}
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, got, cases[i].want);
	}
}

/* Section 7.8: the reuse period is the shorter of the CA's and the TTL. */
static void test_reuse_until(void **state)
{
	static const struct {
		int64_t validated, reuse_s;
		uint32_t ttl;
		int64_t want;
	} cases[] = {
		{1000, 30 * 86400, 300, 1300},                   /* TTL shorter: it caps */
		{1000, 30 * 86400, 0, 1000},                     /* TTL 0: no reuse at all */
		{1000, 3600, 86400, 4600},                       /* TTL longer: the CA's period */
		{1000, 3600, 3600, 4600},
		{1000, 30 * 86400, UINT32_MAX, 1000 + 30 * 86400},
		{1000, 0, 300, 1000},
		{1000, -5, 300, 1000},
		{1700000000, 398 * 86400, 2147483647U, 1700000000 + 398 * 86400},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (ca_dns_persist_reuse_until(cases[i].validated, cases[i].reuse_s, cases[i].ttl) !=
		    cases[i].want)
			fail_msg("case %zu: got %lld, want %lld", i,
			    (long long)ca_dns_persist_reuse_until(cases[i].validated, cases[i].reuse_s,
			    cases[i].ttl), (long long)cases[i].want);
}

/* ---- whole validations against challtestsrv */

static struct vt_cts cts;
static struct ca_resolver *res;
static struct ca_validate_cfg vcfg = {.resolver = "127.0.0.1:21540"};

static int setup(void **state)
{
	(void)state;
	return vt_dns_start(&cts, DNS_PORT, MGMT_PORT, &vcfg, &res);
}

static int teardown(void **state)
{
	(void)state;
	vt_dns_stop(&cts, res);
	return 0;
}

static void txt(const char *name, const char *value)
{
	char json[768];

	snprintf(json, sizeof(json), "{\"host\":\"_validation-persist.%s.\",\"value\":\"%s\"}", name, value);
	assert_int_equal(vt_cts_post(&cts, "/set-txt", json), 200);
}

/* Validates domain with the walk up to top; 0 or the error, *m filled. */
static int check(const char *domain, const char *top, struct ca_dns_persist_match *m)
{
	memset(m, 0, sizeof(*m));
	cn_err_clear();
	return ca_validate_dns_persist01(&vcfg, res, domain, false, top, ISSUERS, ACCT,
	    (int64_t)time(NULL), 0, m);
}

static void expect_valid(const char *domain, const char *top, const char *fqdn, size_t level)
{
	struct ca_dns_persist_match m;
	int r = check(domain, top, &m);

	if (r != 0)
		fail_msg("%s (top %s): %d %s", domain, top ? top : "-", r, cn_err_detail());
	assert_string_equal(m.fqdn, fqdn);
	assert_int_equal(m.level, level);
	assert_int_equal(m.ttl_s, 0); /* challtestsrv's TTL */
}

static void expect_fail(const char *domain, const char *top, int code, const char *detail)
{
	struct ca_dns_persist_match m;
	int r = check(domain, top, &m);

	if (r != code)
		fail_msg("%s (top %s): got %d (%s), want %d", domain, top ? top : "-", r, cn_err_detail(),
		    code);
	if (detail != NULL && strstr(cn_err_detail(), detail) == NULL)
		fail_msg("%s: detail '%s' lacks '%s'", domain, cn_err_detail(), detail);
	assert_int_equal(m.fqdn[0], '\0');
}

/* Sections 5, 6: policy=wildcard at a parent covers the subdomains and the wildcards. */
static void test_subdomains(void **state)
{
	(void)state;
	txt("w.persist.example", "ca.example; accounturi=" ACCT "; policy=wildcard");
	expect_valid("w.persist.example", "w.persist.example", "w.persist.example", 0);
	expect_valid("www.w.persist.example", "w.persist.example", "w.persist.example", 1);
	expect_valid("a.b.w.persist.example", "w.persist.example", "w.persist.example", 2);
	expect_valid("*.w.persist.example", "w.persist.example", "w.persist.example", 0);
	expect_valid("*.www.w.persist.example", "w.persist.example", "w.persist.example", 1);
	/* the walk stops at top: a top below the record's name never reaches it */
	expect_fail("www.x.w.persist.example", "x.w.persist.example", CN_ERR_UNAUTHORIZED,
	    "parents up to x.w.persist.example");
	expect_fail("www.w.persist.example", NULL, CN_ERR_UNAUTHORIZED, "no TXT record found");
	expect_fail("www.w.persist.example", "persist.example.net", CN_ERR_UNAUTHORIZED, NULL);
	/* a name that merely ends in the same characters is not below it */
	expect_fail("aw.persist.example", "persist.example", CN_ERR_UNAUTHORIZED, NULL);
}

/* Without policy=wildcard: the exact name only; no subdomain, no wildcard. */
static void test_no_policy(void **state)
{
	struct ca_dns_persist_match m;

	(void)state;
	txt("np.persist.example", "ca.example; accounturi=" ACCT "; policy=other");
	expect_valid("np.persist.example", "np.persist.example", "np.persist.example", 0);
	expect_fail("www.np.persist.example", "np.persist.example", CN_ERR_INCORRECT_RESPONSE,
	    "policy=wildcard");
	expect_fail("*.np.persist.example", "np.persist.example", CN_ERR_INCORRECT_RESPONSE,
	    "policy=wildcard");
	/* the wildcard flag works as "*." does */
	assert_int_equal(ca_validate_dns_persist01(&vcfg, res, "np.persist.example", true,
	    "np.persist.example", ISSUERS, ACCT, (int64_t)time(NULL), 0, &m), CN_ERR_INCORRECT_RESPONSE);
}

/* The most specific matching record wins; records that do not match are
 * passed over for one that does; the reason given is the most specific. */
static void test_which_record(void **state)
{
	(void)state;
	txt("p.persist.example", "ca.example; accounturi=" ACCT "; policy=wildcard");
	txt("ex.p.persist.example", "ca.example; accounturi=" ACCT);
	expect_valid("ex.p.persist.example", "p.persist.example", "ex.p.persist.example", 0);
	/* another account's record at the name, ours at the parent */
	txt("oa.p.persist.example", "ca.example; accounturi=https://ca.example/acme/acct/8");
	expect_valid("oa.p.persist.example", "p.persist.example", "p.persist.example", 1);
	/* another issuer only: ignored */
	txt("oi.q.persist.example", "other.example; accounturi=" ACCT "; policy=wildcard");
	expect_fail("oi.q.persist.example", "q.persist.example", CN_ERR_INCORRECT_RESPONSE,
	    "none for issuer");
	/* ours at both levels, neither passes: the name's own reason */
	txt("q.persist.example", "ca.example; accounturi=" ACCT);
	txt("r.q.persist.example", "ca.example; accounturi=https://ca.example/acme/acct/9");
	expect_fail("r.q.persist.example", "q.persist.example", CN_ERR_INCORRECT_RESPONSE,
	    "_validation-persist.r.q.persist.example: record's accounturi");
	expect_fail("s.q.persist.example", "q.persist.example", CN_ERR_INCORRECT_RESPONSE,
	    "_validation-persist.q.persist.example: the record lacks policy=wildcard");
}

/* Section 4 item 5, 7.9: no validation completes after persistUntil. */
static void test_persist_until(void **state)
{
	char rec[256];

	(void)state;
	snprintf(rec, sizeof(rec), "ca.example; accounturi=" ACCT "; policy=wildcard; persistUntil=%lld",
	    (long long)time(NULL) - 10);
	txt("old.persist.example", rec);
	expect_fail("old.persist.example", "old.persist.example", CN_ERR_INCORRECT_RESPONSE,
	    "persistUntil");
	expect_fail("www.old.persist.example", "old.persist.example", CN_ERR_INCORRECT_RESPONSE,
	    "has passed");
	snprintf(rec, sizeof(rec), "ca.example; accounturi=" ACCT "; policy=wildcard; persistUntil=%lld",
	    (long long)time(NULL) + 3600);
	txt("new.persist.example", rec);
	expect_valid("www.new.persist.example", "new.persist.example", "new.persist.example", 1);
}

/* The TTL of the matching record's RRset is reported (stub server). */
static void test_ttl(void **state)
{
	static const struct vt_stub_rr rr[] = {{"_validation-persist.t.stub.example", 16, 300,
	    "ca.example; accounturi=" ACCT "; policy=wildcard"}};
	static const struct vt_stub_answer table[] = {
	    {"_validation-persist.t.stub.example", 16, 0, rr, 1, NULL, 0}};
	struct ca_validate_cfg c = {.resolver = "127.0.0.1:21542"};
	struct ca_dns_persist_match m;
	struct ca_resolver *v = NULL;
	struct vt_stub stub;
	int64_t now = (int64_t)time(NULL);

	(void)state;
	assert_int_equal(vt_stub_start(&stub, STUB_PORT, table, 1), 0);
	assert_int_equal(ca_resolver_new(&c, &v), 0);
	memset(&m, 0, sizeof(m));
	assert_int_equal(ca_validate_dns_persist01(&c, v, "www.t.stub.example", false, "t.stub.example",
	    ISSUERS, ACCT, now, 0, &m), 0);
	assert_string_equal(m.fqdn, "t.stub.example");
	assert_int_equal(m.level, 1);
	assert_int_equal(m.ttl_s, 300);
	assert_int_equal(ca_dns_persist_reuse_until(now, 30 * 86400, m.ttl_s), now + 300);
	ca_resolver_free(v);
	vt_stub_stop(&stub);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_check),
		cmocka_unit_test(test_is_below),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_reuse_until),
		cmocka_unit_test(test_subdomains),
		cmocka_unit_test(test_no_policy),
		cmocka_unit_test(test_which_record),
		cmocka_unit_test(test_persist_until),
		cmocka_unit_test(test_ttl),
	};

	if (ca_validate_global_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
