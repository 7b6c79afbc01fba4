/*
 * test_caa.c - src/ca/validate/caa.c: CAA RDATA parsing (RFC 8659 section
 * 4.1), the decision on a relevant RRset (sections 4.2-4.5: issue,
 * issuewild, the critical flag, the issue-value grammar; RFC 8657
 * accounturi and validationmethods) from a table, and the lookup through
 * pebble-challtestsrv on loopback: climbing to the closest RRset, CNAMEs,
 * SERVFAIL and timeouts refusing, DNSSEC-bogus answers giving a dns error.
 *
 * Ports (25510-25519): 25510 DNS, 25511 management, 25512 a UDP socket that
 * never answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "validate/caa.h"
#include "validate/validate.h"
#include "vtest.h"

#define DNS_PORT 25510
#define MGMT_PORT 25511
#define BLACKHOLE_PORT 25512

#define IDS "cairn.test, ca2.cairn.test"
#define ACCT "https://ca.test/acme/acct/1"

static struct vt_cts cts;
static struct ca_resolver *res;
static struct ca_validate_cfg cfg = {.resolver = "127.0.0.1:25510", .allow_private = true};

static int setup(void **state)
{
	(void)state;
	return vt_dns_start(&cts, DNS_PORT, MGMT_PORT, &cfg, &res);
}

static int teardown(void **state)
{
	(void)state;
	vt_dns_stop(&cts, res);
	return 0;
}

/* ---- RDATA parsing */

struct rr_case {
	const char *rdata;
	size_t len;
	int r;
	unsigned flags;
	const char *tag;
	const char *value;
	size_t value_len;
};

#define RR(s) s, sizeof(s) - 1

static const struct rr_case rr_cases[] = {
    {RR("\x00\x05issuecairn.test"), 0, 0, "issue", "cairn.test", 10},
    {RR("\x80\x05issue;"), 0, 128, "issue", ";", 1},
    {RR("\x00\x05issue"), 0, 0, "issue", "", 0},
    {RR("\x01\x03tbsx"), 0, 1, "tbs", "x", 1},
    {RR("\x00\x05IsSuEcairn.test"), 0, 0, "IsSuE", "cairn.test", 10},
    {RR("\x00\x05issuea\x00" "b"), 0, 0, "issue", "a\0b", 3},
    {RR("\x00\x09issuewildx"), 0, 0, "issuewild", "x", 1},
    {RR(""), CN_ERR_MALFORMED, 0, NULL, NULL, 0},
    {RR("\x00"), CN_ERR_MALFORMED, 0, NULL, NULL, 0},
    {RR("\x00\x00"), CN_ERR_MALFORMED, 0, NULL, NULL, 0},
    {RR("\x00\x00value"), CN_ERR_MALFORMED, 0, NULL, NULL, 0},
    {RR("\x00\x06issue"), CN_ERR_MALFORMED, 0, NULL, NULL, 0},
    {RR("\x00\xffissue"), CN_ERR_MALFORMED, 0, NULL, NULL, 0},
    {RR("\x00\x05iss-ex"), CN_ERR_MALFORMED, 0, NULL, NULL, 0},
    {RR("\x00\x05iss eabc"), CN_ERR_MALFORMED, 0, NULL, NULL, 0},
    {RR("\x00\x05issu\x00" "abc"), CN_ERR_MALFORMED, 0, NULL, NULL, 0},
};

static void test_rr_parse(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rr_cases) / sizeof(rr_cases[0]); i++) {
		const struct rr_case *c = &rr_cases[i];
		struct ca_caa_rr rr;
		int r;

		memset(&rr, 0xa5, sizeof(rr));
		r = ca_caa_rr_parse((const unsigned char *)c->rdata, c->len, &rr);
		if (r != c->r)
			fail_msg("case %zu: got %d, want %d (%s)", i, r, c->r, cn_err_detail());
		if (r != 0)
			continue;
		assert_int_equal(rr.flags, c->flags);
		assert_string_equal(rr.tag, c->tag);
		assert_int_equal(rr.value_len, c->value_len);
		assert_memory_equal(rr.value, c->value, c->value_len);
		assert_int_equal(rr.value[rr.value_len], '\0');
		ca_caa_rr_cleanup(&rr);
	}
	ca_caa_rr_cleanup(NULL);
}

static void test_rr_parse_long(void **state)
{
	unsigned char buf[2 + 255 + 300];
	struct ca_caa_rr rr;

	(void)state;
	buf[0] = 0;
	buf[1] = 255;
	memset(buf + 2, 'a', 255);
	memset(buf + 257, 'v', 300);
	assert_int_equal(ca_caa_rr_parse(buf, sizeof(buf), &rr), 0);
	assert_int_equal(strlen(rr.tag), 255);
	assert_int_equal(rr.value_len, 300);
	ca_caa_rr_cleanup(&rr);
	assert_int_equal(ca_caa_rr_parse(NULL, 0, &rr), CN_ERR_MALFORMED);
}

/* ---- the decision */

#define MAX_RRS 4

struct rr_in {
	unsigned flags;
	const char *tag;
	const char *value; /* NULL ends the list */
};

struct decide_case {
	const char *name;
	struct rr_in rrs[MAX_RRS];
	bool wildcard;
	const char *method;  /* "-" = NULL, NULL = "http-01" */
	const char *account; /* "-" = NULL, NULL = ACCT */
	int r;
	const char *detail;  /* substring of the refusal's detail */
};

static const struct decide_case decide_cases[] = {
    {"no records", {{0}}, false, NULL, NULL, 0, NULL},
    {"issue us", {{0, "issue", "cairn.test"}}, false, NULL, NULL, 0, NULL},
    {"issue us, upper case", {{0, "issue", "CAIRN.Test"}}, false, NULL, NULL, 0, NULL},
    {"issue our second identity", {{0, "issue", "ca2.cairn.test"}}, false, NULL, NULL, 0, NULL},
    {"issue a parent of ours", {{0, "issue", "test"}}, false, NULL, NULL, CN_ERR_CAA, "another CA"},
    {"issue another CA", {{0, "issue", "other.ca"}}, false, NULL, NULL, CN_ERR_CAA,
	"0 issue \"other.ca\" (another CA)"},
    {"additive", {{0, "issue", "other.ca"}, {0, "issue", "cairn.test"}}, false, NULL, NULL, 0, NULL},
    {"additive with empty", {{0, "issue", ";"}, {0, "issue", "cairn.test"}}, false, NULL, NULL, 0, NULL},
    {"no issuer", {{0, "issue", ";"}}, false, NULL, NULL, CN_ERR_CAA, "no issuer"},
    {"empty value", {{0, "issue", ""}}, false, NULL, NULL, CN_ERR_CAA, "no issuer"},
    {"RFC 8659 malformed example", {{0, "issue", "%%%%%"}}, false, NULL, NULL, CN_ERR_CAA, "malformed"},
    {"white space around", {{0, "issue", " \tcairn.test \t"}}, false, NULL, NULL, 0, NULL},
    {"semicolon, no parameters", {{0, "issue", "cairn.test;"}}, false, NULL, NULL, 0, NULL},
    {"semicolon and space", {{0, "issue", "cairn.test ; "}}, false, NULL, NULL, 0, NULL},
    {"trailing dot", {{0, "issue", "cairn.test."}}, false, NULL, NULL, CN_ERR_CAA, "malformed"},
    {"leading hyphen", {{0, "issue", "-cairn.test"}}, false, NULL, NULL, CN_ERR_CAA, "malformed"},
    {"label ends in hyphen", {{0, "issue", "cairn-.test"}}, false, NULL, NULL, CN_ERR_CAA, "malformed"},
    {"inner hyphens", {{0, "issue", "ca--irn.test"}}, false, NULL, NULL, CN_ERR_CAA, "another CA"},
    {"two words", {{0, "issue", "cairn.test other"}}, false, NULL, NULL, CN_ERR_CAA, "malformed"},
    {"control byte", {{0, "issue", "cairn.test\x01"}}, false, NULL, NULL, CN_ERR_CAA, "\\x01"},
    {"unknown parameter", {{0, "issue", "cairn.test; foo=bar"}}, false, NULL, NULL, 0, NULL},
    {"empty parameter value", {{0, "issue", "cairn.test; foo="}}, false, NULL, NULL, 0, NULL},
    {"parameter spaces", {{0, "issue", "cairn.test ;foo = bar ; x=y"}}, false, NULL, NULL, 0, NULL},
    {"trailing semicolon after parameter", {{0, "issue", "cairn.test; foo=bar;"}}, false, NULL, NULL,
	CN_ERR_CAA, "malformed"},
    {"parameter without =", {{0, "issue", "cairn.test; foo"}}, false, NULL, NULL, CN_ERR_CAA, "malformed"},
    {"parameter value with space", {{0, "issue", "cairn.test; foo=a b"}}, false, NULL, NULL, CN_ERR_CAA,
	"malformed"},
    {"only parameters", {{0, "issue", "; accounturi=" ACCT}}, false, NULL, NULL, CN_ERR_CAA, "no issuer"},
    /* RFC 8657 accounturi */
    {"accounturi ours", {{0, "issue", "cairn.test; accounturi=" ACCT}}, false, NULL, NULL, 0, NULL},
    {"accounturi another", {{0, "issue", "cairn.test; accounturi=https://ca.test/acme/acct/2"}}, false,
	NULL, NULL, CN_ERR_CAA, "accounturi names another account"},
    {"accounturi prefix of ours", {{0, "issue", "cairn.test; accounturi=https://ca.test/acme/acct/"}},
	false, NULL, NULL, CN_ERR_CAA, "another account"},
    {"accounturi with ours as prefix", {{0, "issue", "cairn.test; accounturi=" ACCT "0"}}, false, NULL,
	NULL, CN_ERR_CAA, "another account"},
    {"accounturi twice", {{0, "issue", "cairn.test; accounturi=" ACCT "; accounturi=" ACCT}}, false, NULL,
	NULL, CN_ERR_CAA, "more than one accounturi"},
    {"accounturi name case", {{0, "issue", "cairn.test; AccountURI=https://x.test/1"}}, false, NULL, NULL,
	CN_ERR_CAA, "another account"},
    {"accounturi without an account", {{0, "issue", "cairn.test; accounturi=" ACCT}}, false, NULL, "-",
	CN_ERR_CAA, "another account"},
    {"accounturi for another, plain for us", {{0, "issue", "cairn.test; accounturi=https://x.test/9"},
						 {0, "issue", "cairn.test"}},
	false, NULL, NULL, 0, NULL},
    {"accounturi and unknown parameter", {{0, "issue", "cairn.test; foo=1; accounturi=" ACCT}}, false, NULL,
	NULL, 0, NULL},
    /* RFC 8657 validationmethods */
    {"methods list ours", {{0, "issue", "cairn.test; validationmethods=http-01"}}, false, NULL, NULL, 0,
	NULL},
    {"methods list another", {{0, "issue", "cairn.test; validationmethods=dns-01"}}, false, NULL, NULL,
	CN_ERR_CAA, "validationmethods does not list"},
    {"methods list several", {{0, "issue", "cairn.test; validationmethods=dns-01,http-01,tls-alpn-01"}},
	false, NULL, NULL, 0, NULL},
    {"methods for dns-01", {{0, "issue", "cairn.test; validationmethods=dns-01"}}, false, "dns-01", NULL, 0,
	NULL},
    {"methods exact match", {{0, "issue", "cairn.test; validationmethods=HTTP-01"}}, false, NULL, NULL,
	CN_ERR_CAA, "does not list"},
    {"methods prefix", {{0, "issue", "cairn.test; validationmethods=http-0"}}, false, NULL, NULL,
	CN_ERR_CAA, "does not list"},
    {"methods empty", {{0, "issue", "cairn.test; validationmethods="}}, false, NULL, NULL, CN_ERR_CAA,
	"does not list"},
    {"methods empty label", {{0, "issue", "cairn.test; validationmethods=dns-01,,http-01"}}, false, NULL,
	NULL, CN_ERR_CAA, "malformed validationmethods"},
    {"methods trailing comma", {{0, "issue", "cairn.test; validationmethods=http-01,"}}, false, NULL, NULL,
	CN_ERR_CAA, "malformed validationmethods"},
    {"methods bad char", {{0, "issue", "cairn.test; validationmethods=http_01"}}, false, NULL, NULL,
	CN_ERR_CAA, "malformed validationmethods"},
    {"methods twice", {{0, "issue", "cairn.test; validationmethods=http-01; validationmethods=http-01"}},
	false, NULL, NULL, CN_ERR_CAA, "more than one validationmethods"},
    {"methods without a method", {{0, "issue", "cairn.test; validationmethods=http-01"}}, false, "-", NULL,
	CN_ERR_CAA, "does not list"},
    {"methods and accounturi", {{0, "issue", "cairn.test; validationmethods=http-01; accounturi=" ACCT}},
	false, NULL, NULL, 0, NULL},
    /* the critical flag */
    {"critical unknown tag", {{0, "issue", "cairn.test"}, {128, "tbs", "Unknown"}}, false, NULL, NULL,
	CN_ERR_CAA, "(RFC 8659 section 4.5): 128 tbs \"Unknown\""},
    {"critical unknown, wildcard", {{128, "future", "x"}}, true, NULL, NULL, CN_ERR_CAA, "critical"},
    {"critical flag with other bits", {{0xff, "tbs", "x"}, {0, "issue", "cairn.test"}}, false, NULL, NULL,
	CN_ERR_CAA, "critical"},
    {"non-critical unknown tag", {{0, "tbs", "Unknown"}, {0, "issue", "cairn.test"}}, false, NULL, NULL, 0,
	NULL},
    {"reserved flag bit only", {{1, "tbs", "x"}}, false, NULL, NULL, 0, NULL},
    {"critical known tag", {{128, "issue", "cairn.test"}}, false, NULL, NULL, 0, NULL},
    {"critical iodef", {{128, "iodef", "mailto:a@example.com"}}, false, NULL, NULL, 0, NULL},
    {"critical issuemail", {{128, "issuemail", ";"}, {0, "issue", "cairn.test"}}, false, NULL, NULL, 0, NULL},
    {"tag case-insensitive", {{0, "ISSUE", "other.ca"}}, false, NULL, NULL, CN_ERR_CAA, "another CA"},
    {"only iodef", {{0, "iodef", "mailto:a@example.com"}}, false, NULL, NULL, 0, NULL},
    /* issuewild (section 4.3) */
    {"issuewild ignored for a plain name", {{0, "issuewild", "other.ca"}}, false, NULL, NULL, 0, NULL},
    {"issuewild ours, issue none, plain name", {{0, "issue", ";"}, {0, "issuewild", "cairn.test"}}, false,
	NULL, NULL, CN_ERR_CAA, "no issuer"},
    {"wildcard: issue applies", {{0, "issue", "cairn.test"}}, true, NULL, NULL, 0, NULL},
    {"wildcard: issue refuses", {{0, "issue", "other.ca"}}, true, NULL, NULL, CN_ERR_CAA,
	"for *.caa.example"},
    {"wildcard: issuewild takes precedence", {{0, "issue", "cairn.test"}, {0, "issuewild", "other.ca"}},
	true, NULL, NULL, CN_ERR_CAA, "0 issuewild \"other.ca\""},
    {"wildcard: issuewild ours", {{0, "issue", ";"}, {0, "issuewild", "cairn.test"}}, true, NULL, NULL, 0,
	NULL},
    {"wildcard: issuewild empty", {{0, "issuewild", ";"}}, true, NULL, NULL, CN_ERR_CAA, "no issuer"},
    {"wildcard: issuewild with accounturi", {{0, "issuewild", "cairn.test; accounturi=" ACCT}}, true,
	"dns-01", NULL, 0, NULL},
};

static void test_decide(void **state)
{
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(decide_cases) / sizeof(decide_cases[0]); i++) {
		const struct decide_case *c = &decide_cases[i];
		struct ca_caa_rr rrs[MAX_RRS];
		struct ca_caa_req req;
		int r;

		memset(rrs, 0, sizeof(rrs));
		for (n = 0; n < MAX_RRS && c->rrs[n].tag != NULL; n++) {
			rrs[n].flags = c->rrs[n].flags;
			snprintf(rrs[n].tag, sizeof(rrs[n].tag), "%s", c->rrs[n].tag);
			rrs[n].value = (char *)c->rrs[n].value;
			rrs[n].value_len = strlen(c->rrs[n].value);
		}
		req.identities = IDS;
		req.account_uri = c->account == NULL ? ACCT : strcmp(c->account, "-") == 0 ? NULL : c->account;
		req.method = c->method == NULL ? "http-01" : strcmp(c->method, "-") == 0 ? NULL : c->method;
		req.wildcard = c->wildcard;
		cn_err_clear();
		r = ca_caa_decide(&req, "caa.example", "example", rrs, n);
		if (r != c->r)
			fail_msg("%s: got %d, want %d (%s)", c->name, r, c->r, cn_err_detail());
		if (c->detail != NULL && strstr(cn_err_detail(), c->detail) == NULL)
			fail_msg("%s: detail '%s' lacks '%s'", c->name, cn_err_detail(), c->detail);
		if (r != 0 && strstr(cn_err_detail(), "(at example)") == NULL)
			fail_msg("%s: detail '%s' does not name the owner", c->name, cn_err_detail());
	}
}

/* A NUL inside the value makes it malformed (it cannot be matched as text). */
static void test_decide_nul(void **state)
{
	struct ca_caa_rr rr = {0, "issue", (char *)"cairn.test\0x", 12};
	struct ca_caa_req req = {IDS, ACCT, "http-01", false};

	(void)state;
	assert_int_equal(ca_caa_decide(&req, "caa.example", "caa.example", &rr, 1), CN_ERR_CAA);
	assert_non_null(strstr(cn_err_detail(), "malformed"));
	assert_non_null(strstr(cn_err_detail(), "cairn.test\\x00x"));
	/* no identities at all: a caller bug */
	req.identities = NULL;
	assert_int_equal(ca_caa_decide(&req, "caa.example", "caa.example", &rr, 1), CN_ERR_MALFORMED);
}

/* Many refusing records: the detail stays bounded and says how many were left out. */
static void test_decide_many(void **state)
{
	struct ca_caa_rr rrs[20];
	struct ca_caa_req req = {IDS, ACCT, "http-01", false};
	char big[300];
	size_t i;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (i = 0; i < 20; i++) {
		rrs[i].flags = 0;
		snprintf(rrs[i].tag, sizeof(rrs[i].tag), "issue");
		rrs[i].value = i == 0 ? big : (char *)"other.ca";
		rrs[i].value_len = strlen(rrs[i].value);
	}
	assert_int_equal(ca_caa_decide(&req, "caa.example", "caa.example", rrs, 20), CN_ERR_CAA);
	assert_true(strlen(cn_err_detail()) < 512);
	assert_non_null(strstr(cn_err_detail(), "xxx...\""));
	assert_non_null(strstr(cn_err_detail(), "and 17 more"));
}

/* ---- lookups through challtestsrv */

static int check(const char *domain, bool wildcard, const char *method)
{
	struct ca_caa_req req = {IDS, ACCT, method, wildcard};

	cn_err_clear();
	return ca_caa_check(&cfg, res, domain, &req);
}

static void add_caa(const char *host, const char *tag, const char *value)
{
	char json[512];

	snprintf(json, sizeof(json), "{\"host\":\"%s.\",\"policies\":[{\"tag\":\"%s\",\"value\":\"%s\"}]}", host, tag,
	    value);
	assert_int_equal(vt_cts_post(&cts, "/add-caa", json), 200);
}

static void clear_caa(const char *host)
{
	char json[300];

	snprintf(json, sizeof(json), "{\"host\":\"%s.\"}", host);
	assert_int_equal(vt_cts_post(&cts, "/clear-caa", json), 200);
}

static void test_lookup_none(void **state)
{
	(void)state;
	assert_int_equal(check("a.b.none.caa.example", false, "http-01"), 0);
	assert_int_equal(check("none.caa.example", true, "dns-01"), 0);
}

static void test_lookup_climb(void **state)
{
	(void)state;
	add_caa("climb.caa.example", "issue", "other.ca");
	/* the parent's RRset is the relevant one for names below it */
	assert_int_equal(check("x.y.climb.caa.example", false, "http-01"), CN_ERR_CAA);
	assert_non_null(strstr(cn_err_detail(), "x.y.climb.caa.example (at climb.caa.example)"));
	assert_non_null(strstr(cn_err_detail(), "0 issue \"other.ca\""));
	assert_int_equal(check("climb.caa.example", false, "http-01"), CN_ERR_CAA);
	/* the closest RRset wins: one that allows us below the refusing one */
	add_caa("y.climb.caa.example", "issue", "cairn.test");
	assert_int_equal(check("x.y.climb.caa.example", false, "http-01"), 0);
	assert_int_equal(check("y.climb.caa.example", false, "http-01"), 0);
	/* and a refusing one below an allowing one */
	add_caa("z.y.climb.caa.example", "issue", ";");
	assert_int_equal(check("z.y.climb.caa.example", false, "http-01"), CN_ERR_CAA);
	assert_non_null(strstr(cn_err_detail(), "no issuer"));
	/* records change: every check sees the current ones (no cache) */
	clear_caa("climb.caa.example");
	assert_int_equal(check("x.climb.caa.example", false, "http-01"), 0);
	/* at the top-level label too (the root is not asked) */
	add_caa("caatld", "issue", "other.ca");
	assert_int_equal(check("a.b.caatld", false, "http-01"), CN_ERR_CAA);
	assert_non_null(strstr(cn_err_detail(), "(at caatld)"));
	clear_caa("caatld");
}

static void test_lookup_parameters(void **state)
{
	(void)state;
	add_caa("acct.caa.example", "issue", "cairn.test; accounturi=" ACCT);
	assert_int_equal(check("acct.caa.example", false, "http-01"), 0);
	clear_caa("acct.caa.example");
	add_caa("acct.caa.example", "issue", "cairn.test; accounturi=https://ca.test/acme/acct/77");
	assert_int_equal(check("acct.caa.example", false, "http-01"), CN_ERR_CAA);
	assert_non_null(strstr(cn_err_detail(), "another account"));
	add_caa("vm.caa.example", "issue", "cairn.test; validationmethods=dns-01");
	assert_int_equal(check("vm.caa.example", false, "dns-01"), 0);
	assert_int_equal(check("vm.caa.example", false, "http-01"), CN_ERR_CAA);
	assert_non_null(strstr(cn_err_detail(), "after http-01"));
}

static void test_lookup_wildcard(void **state)
{
	(void)state;
	add_caa("wild.caa.example", "issue", "cairn.test");
	add_caa("wild.caa.example", "issuewild", "other.ca");
	assert_int_equal(check("wild.caa.example", false, "dns-01"), 0);
	assert_int_equal(check("wild.caa.example", true, "dns-01"), CN_ERR_CAA);
	assert_non_null(strstr(cn_err_detail(), "*.wild.caa.example"));
	assert_non_null(strstr(cn_err_detail(), "issuewild"));
}

static void test_lookup_cname(void **state)
{
	(void)state;
	/* CAA(alias) follows the alias: the target's records are alias's RRset */
	add_caa("target.caa.example", "issue", "other.ca");
	assert_int_equal(vt_cts_post(&cts, "/set-cname",
			     "{\"host\":\"alias.caa.example.\",\"target\":\"target.caa.example.\"}"),
	    200);
	assert_int_equal(check("alias.caa.example", false, "http-01"), CN_ERR_CAA);
	assert_non_null(strstr(cn_err_detail(), "other.ca"));
}

static void test_lookup_servfail(void **state)
{
	(void)state;
	/* a failure at the name or below the relevant RRset refuses */
	assert_int_equal(vt_cts_post(&cts, "/set-servfail", "{\"host\":\"sf.caa.example.\"}"), 200);
	assert_int_equal(check("sf.caa.example", false, "dns-01"), CN_ERR_CAA);
	assert_non_null(strstr(cn_err_detail(), "CAA lookup for sf.caa.example failed"));
	assert_non_null(strstr(cn_err_detail(), "SERVFAIL"));
	assert_int_equal(check("x.sf.caa.example", false, "dns-01"), CN_ERR_CAA);
	assert_non_null(strstr(cn_err_detail(), "SERVFAIL"));
	/* a failure above the relevant RRset does not matter */
	add_caa("ok.sf.caa.example", "issue", "cairn.test");
	assert_int_equal(check("ok.sf.caa.example", false, "dns-01"), 0);
	/* (unbound keeps a SERVFAIL for about 5 s whatever the cache TTL caps say, so
	 * clearing it is not checked here) */
	assert_int_equal(vt_cts_post(&cts, "/clear-servfail", "{\"host\":\"sf.caa.example.\"}"), 200);
}

static void test_lookup_bad_args(void **state)
{
	struct ca_caa_req req = {NULL, ACCT, "http-01", false};

	(void)state;
	assert_int_equal(check("", false, "http-01"), CN_ERR_MALFORMED);
	assert_int_equal(check("a..b", false, "http-01"), CN_ERR_MALFORMED);
	assert_int_equal(check("*.a.b", false, "http-01"), CN_ERR_MALFORMED);
	assert_int_equal(ca_caa_check(&cfg, res, "a.example", &req), CN_ERR_MALFORMED);
	assert_int_equal(ca_caa_check(&cfg, res, "a.example", NULL), CN_ERR_MALFORMED);
}

/* With a trust anchor for example., challtestsrv's unsigned answers are bogus: a dns error. */
static void test_lookup_bogus(void **state)
{
	char path[] = "/tmp/cairn-caa-ta-XXXXXX";
	struct ca_validate_cfg c = cfg;
	struct ca_caa_req req = {IDS, ACCT, "http-01", false};
	struct ca_resolver *v = NULL;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	dprintf(fd, "example. DS 12345 13 2 "
		    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n");
	close(fd);
	c.trust_anchor_file = path;
	assert_int_equal(ca_resolver_new(&c, &v), 0);
	assert_int_equal(ca_caa_check(&c, v, "signed.caa.example", &req), CN_ERR_DNS);
	assert_non_null(strstr(cn_err_detail(), "DNSSEC validation of CAA"));
	/* outside the anchored zone: insecure, fine */
	assert_int_equal(ca_caa_check(&c, v, "plain.caa.localtest", &req), 0);
	ca_resolver_free(v);
	unlink(path);
}

/* A resolver that never answers: the check gives up at the deadline and refuses. */
static void test_lookup_timeout(void **state)
{
	struct ca_validate_cfg c = cfg;
	struct ca_caa_req req = {IDS, ACCT, "http-01", false};
	struct ca_resolver *v = NULL;
	struct sockaddr_storage ss;
	socklen_t len = 0;
	int64_t t0, took;
	int fd;

	(void)state;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	vt_sockaddr("127.0.0.1", BLACKHOLE_PORT, &ss, &len);
	assert_int_equal(bind(fd, (struct sockaddr *)&ss, len), 0);
	c.resolver = "127.0.0.1:25512";
	c.total_timeout_ms = 700;
	assert_int_equal(ca_resolver_new(&c, &v), 0);
	t0 = vt_now_ms();
	assert_int_equal(ca_caa_check(&c, v, "a.b.slow.caa.example", &req), CN_ERR_CAA);
	took = vt_now_ms() - t0;
	assert_non_null(strstr(cn_err_detail(), "timed out"));
	assert_non_null(strstr(cn_err_detail(), "a.b.slow.caa.example"));
	assert_true(took >= 650 && took < 2500);
	ca_resolver_free(v);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rr_parse),
	    cmocka_unit_test(test_rr_parse_long),
	    cmocka_unit_test(test_decide),
	    cmocka_unit_test(test_decide_nul),
	    cmocka_unit_test(test_decide_many),
	    cmocka_unit_test(test_lookup_none),
	    cmocka_unit_test(test_lookup_climb),
	    cmocka_unit_test(test_lookup_parameters),
	    cmocka_unit_test(test_lookup_wildcard),
	    cmocka_unit_test(test_lookup_cname),
	    cmocka_unit_test(test_lookup_servfail),
	    cmocka_unit_test(test_lookup_bad_args),
	    cmocka_unit_test(test_lookup_bogus),
	    cmocka_unit_test(test_lookup_timeout),
	};

	if (ca_validate_global_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
