/*
 * test_policy.c - unit tests of src/ca/policy.c through policy.h: DNS name
 * syntax (LDH labels of 1..63 octets, 253 in all, RFC 1035 section 2.3.4
 * as BR 7.1.2.7.12 requires, no underscores, no trailing dot, at least two
 * labels, a final label that is not all digits, no reserved LDH labels but
 * XN-labels, nothing in an IP reverse zone), wildcards only as a whole
 * leftmost label (RFC 8555 section 7.1.3), IP identifiers (RFC 8738)
 * normalized to RFC 5952 text, unknown types, and the challenge types
 * offered for each kind of identifier (RFC 8555 section 7.1.3, RFC 8738
 * section 7); XN-labels that must be A-labels (RFC 3492 Punycode), names
 * that are ICANN public suffixes (the Debian publicsuffix list) and
 * wildcards directly below one, while RFC 6761 test names stay allowed; an
 * operator blocklist (a name and its subdomains, wildcards covering a
 * blocked name); ca_policy_init errors naming the file and line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "err.h"
#include "policy.h"

/* Only the list paths are read: NULL public_suffix_list = the Debian list. */
static struct ca_config cfg;
static char blocklist_path[] = "/tmp/cairn-blocklist-XXXXXX";

static const char blocklist_text[] =
	"# operator blocklist for test_policy\n"
	"\n"
	"blocked.example\n"
	"  Secret.Bank.Example   # trailing comment, mixed case\n"
	"onlyhere.sub.example\r\n"
	"xn--bcher-kva.blocked-idn.example\n";

static int setup(void **state)
{
	int fd;

	(void)state;
	fd = mkstemp(blocklist_path);
	if (fd < 0)
		return -1;
	if (write(fd, blocklist_text, sizeof(blocklist_text) - 1) != (ssize_t)(sizeof(blocklist_text) - 1)) {
		close(fd);
		return -1;
	}
	close(fd);
	cfg.blocklist = blocklist_path;
	return ca_policy_init(&cfg) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	ca_policy_cleanup();
	unlink(blocklist_path);
	return 0;
}

struct id_case {
	const char *type;
	const char *value;
	int r;
	const char *norm;    /* normalized value when r == 0 */
	bool wildcard;
	const char *detail;  /* a substring of the detail when r != 0, or NULL */
};

static const struct id_case dns_cases[] = {
	/* accepted, normalized to lower case */
	{"dns", "example.com", 0, "example.com", false, NULL},
	{"dns", "EXAMPLE.COM", 0, "example.com", false, NULL},
	{"dns", "Www.ExAmple.Org", 0, "www.example.org", false, NULL},
	{"dns", "a.b", 0, "a.b", false, NULL},
	{"dns", "xn--bcher-kva.example", 0, "xn--bcher-kva.example", false, NULL},
	{"dns", "XN--BCHER-KVA.example", 0, "xn--bcher-kva.example", false, NULL},
	{"dns", "a-b.c-d.example", 0, "a-b.c-d.example", false, NULL},
	{"dns", "1.example.com", 0, "1.example.com", false, NULL},
	{"dns", "123.456.example", 0, "123.456.example", false, NULL},
	{"dns", "0-0.example", 0, "0-0.example", false, NULL},
	{"dns", "example.c0m", 0, "example.c0m", false, NULL},
	{"dns", "example.1a", 0, "example.1a", false, NULL},
	{"dns", "a.b.c.d.e.f.g.h.example", 0, "a.b.c.d.e.f.g.h.example", false, NULL},
	/* wildcards: only "*." as the whole leftmost label */
	{"dns", "*.example.com", 0, "example.com", true, NULL},
	{"dns", "*.EXAMPLE.com", 0, "example.com", true, NULL},
	{"dns", "*.a.b", 0, "a.b", true, NULL},
	{"dns", "*.sub.example.com", 0, "sub.example.com", true, NULL},
	{"dns", "a.*.b", CN_ERR_REJECTED_ID, NULL, false, "outside letters"},
	{"dns", "*a.b.c", CN_ERR_REJECTED_ID, NULL, false, "outside letters"},
	{"dns", "a*.b.c", CN_ERR_REJECTED_ID, NULL, false, "outside letters"},
	{"dns", "a.b.*", CN_ERR_REJECTED_ID, NULL, false, "outside letters"},
	{"dns", "*.*.example.com", CN_ERR_REJECTED_ID, NULL, false, "outside letters"},
	{"dns", "**.example.com", CN_ERR_REJECTED_ID, NULL, false, "outside letters"},
	{"dns", "*", CN_ERR_REJECTED_ID, NULL, false, NULL},
	{"dns", "*.", CN_ERR_REJECTED_ID, NULL, false, "empty"},
	{"dns", "*.com", CN_ERR_REJECTED_ID, NULL, false, "two labels"},
	{"dns", ".*.example.com", CN_ERR_REJECTED_ID, NULL, false, NULL},
	{"dns", "*.example.com.", CN_ERR_REJECTED_ID, NULL, false, "dot"},
	{"dns", "*.-example.com", CN_ERR_REJECTED_ID, NULL, false, "hyphen"},
	/* structure */
	{"dns", "", CN_ERR_REJECTED_ID, NULL, false, "empty"},
	{"dns", "com", CN_ERR_REJECTED_ID, NULL, false, "two labels"},
	{"dns", "localhost", CN_ERR_REJECTED_ID, NULL, false, "two labels"},
	{"dns", "example.com.", CN_ERR_REJECTED_ID, NULL, false, "ends with a dot"},
	{"dns", ".", CN_ERR_REJECTED_ID, NULL, false, NULL},
	{"dns", ".example.com", CN_ERR_REJECTED_ID, NULL, false, "empty label"},
	{"dns", "a..example", CN_ERR_REJECTED_ID, NULL, false, "empty label"},
	/* numeric final label */
	{"dns", "example.123", CN_ERR_REJECTED_ID, NULL, false, "numeric"},
	{"dns", "1.2.3.4", CN_ERR_REJECTED_ID, NULL, false, "numeric"},
	{"dns", "*.1.2.3", CN_ERR_REJECTED_ID, NULL, false, "numeric"},
	/* characters */
	{"dns", "under_score.example", CN_ERR_REJECTED_ID, NULL, false, "outside letters"},
	{"dns", "_acme-challenge.example.com", CN_ERR_REJECTED_ID, NULL, false, "outside letters"},
	{"dns", "exa mple.com", CN_ERR_REJECTED_ID, NULL, false, "outside letters"},
	{"dns", "ex\xc3\xa4mple.com", CN_ERR_REJECTED_ID, NULL, false, "outside letters"},
	{"dns", "ex%61mple.com", CN_ERR_REJECTED_ID, NULL, false, "outside letters"},
	{"dns", "example.com/", CN_ERR_REJECTED_ID, NULL, false, "outside letters"},
	{"dns", "example.com:443", CN_ERR_REJECTED_ID, NULL, false, "outside letters"},
	{"dns", "example.com\n", CN_ERR_REJECTED_ID, NULL, false, "outside letters"},
	{"dns", "[::1]", CN_ERR_REJECTED_ID, NULL, false, "outside letters"},
	{"dns", "user@example.com", CN_ERR_REJECTED_ID, NULL, false, "outside letters"},
	/* hyphens */
	{"dns", "-a.example", CN_ERR_REJECTED_ID, NULL, false, "starts with a hyphen"},
	{"dns", "a-.example", CN_ERR_REJECTED_ID, NULL, false, "ends with a hyphen"},
	{"dns", "example.-com", CN_ERR_REJECTED_ID, NULL, false, "starts with a hyphen"},
	{"dns", "example.com-", CN_ERR_REJECTED_ID, NULL, false, "ends with a hyphen"},
	{"dns", "-.example", CN_ERR_REJECTED_ID, NULL, false, "hyphen"},
	{"dns", "a.-.example", CN_ERR_REJECTED_ID, NULL, false, "hyphen"},
	/* BR 7.1.2.7.12: "--" in positions 3-4 only in an XN-label */
	{"dns", "a--b.example", 0, "a--b.example", false, NULL},
	{"dns", "abc--d.example", 0, "abc--d.example", false, NULL},
	{"dns", "ab--cd.example", CN_ERR_REJECTED_ID, NULL, false, "reserved LDH"},
	{"dns", "AB--cd.example", CN_ERR_REJECTED_ID, NULL, false, "reserved LDH"},
	{"dns", "www.ab--c.example", CN_ERR_REJECTED_ID, NULL, false, "reserved LDH"},
	{"dns", "example.ab--cd", CN_ERR_REJECTED_ID, NULL, false, "reserved LDH"},
	{"dns", "*.ab--cd.example", CN_ERR_REJECTED_ID, NULL, false, "reserved LDH"},
	{"dns", "xy--z.example", CN_ERR_REJECTED_ID, NULL, false, "reserved LDH"},
	{"dns", "xn--z.example", CN_ERR_REJECTED_ID, NULL, false, "not a valid A-label"},
	{"dns", "Xn--Z.example", CN_ERR_REJECTED_ID, NULL, false, "not a valid A-label"},
	/* BR 4.2.2: nothing in an IP reverse zone */
	{"dns", "1.2.0.192.in-addr.arpa", CN_ERR_REJECTED_ID, NULL, false, "reverse zone"},
	{"dns", "in-addr.arpa", CN_ERR_REJECTED_ID, NULL, false, "reverse zone"},
	{"dns", "*.in-addr.arpa", CN_ERR_REJECTED_ID, NULL, false, "reverse zone"},
	{"dns", "ip6.arpa", CN_ERR_REJECTED_ID, NULL, false, "reverse zone"},
	{"dns", "1.0.0.0.IP6.ARPA", CN_ERR_REJECTED_ID, NULL, false, "reverse zone"},
	{"dns", "notin-addr.arpa", 0, "notin-addr.arpa", false, NULL},
	{"dns", "in-addr.arpa.example.com", 0, "in-addr.arpa.example.com", false, NULL},
	{"dns", "x.myip6.arpa", 0, "x.myip6.arpa", false, NULL},
};

/* XN-labels must be A-labels: Punycode that decodes and encodes back (RFC 3492). */
static const struct id_case xn_cases[] = {
	{"dns", "xn--bcher-kva.example", 0, "xn--bcher-kva.example", false, NULL},   /* bücher */
	{"dns", "www.xn--mnchen-3ya.de", 0, "www.xn--mnchen-3ya.de", false, NULL},   /* münchen */
	{"dns", "xn--fiqs8s.example", 0, "xn--fiqs8s.example", false, NULL},         /* 中国 */
	{"dns", "example.xn--fiqs8s", 0, "example.xn--fiqs8s", false, NULL},
	{"dns", "*.xn--mnchen-3ya.de", 0, "xn--mnchen-3ya.de", true, NULL},
	{"dns", "xn--ls8h.example", 0, "xn--ls8h.example", false, NULL},             /* U+1F4A9 */
	{"dns", "XN--BCHER-KVA.EXAMPLE", 0, "xn--bcher-kva.example", false, NULL},
	{"dns", "xn--bcher-kva9.example", CN_ERR_REJECTED_ID, NULL, false, "ends inside a number"},
	{"dns", "xn--bcher-kv.example", CN_ERR_REJECTED_ID, NULL, false, "not a valid A-label"},
	{"dns", "xn--abc.example", CN_ERR_REJECTED_ID, NULL, false, "not a valid A-label"},
	{"dns", "xn--abc-.example", CN_ERR_REJECTED_ID, NULL, false, "ends with a hyphen"},
	{"dns", "xn--zca.example", 0, "xn--zca.example", false, NULL},                 /* U+00DF */
	{"dns", "xn--ab-cja.example", 0, "xn--ab-cja.example", false, NULL},           /* abé */
	{"dns", "xn--a.example", CN_ERR_REJECTED_ID, NULL, false, "control character (U+0080)"},
	{"dns", "xn--9999999999a.example", CN_ERR_REJECTED_ID, NULL, false, "overflows"},
	{"dns", "xn--a-93t.example", CN_ERR_REJECTED_ID, NULL, false, "full stop (U+3002)"},
	{"dns", "xn--x-3ba.example", CN_ERR_REJECTED_ID, NULL, false, "no-break space"},
	{"dns", "xn--zn7c.example", CN_ERR_REJECTED_ID, NULL, false, "replacement character"},
	{"dns", "xn--266c.example", CN_ERR_REJECTED_ID, NULL, false, "noncharacter"},
	{"dns", "xn--ab---epa.example", CN_ERR_REJECTED_ID, NULL, false, "positions 3 and 4"},
	{"dns", "xn----bga.example", CN_ERR_REJECTED_ID, NULL, false, "begins or ends with a hyphen"},
	{"dns", "xn----9fa.example", CN_ERR_REJECTED_ID, NULL, false, "begins or ends with a hyphen"},
	{"dns", "xn--nope.example", 0, "xn--nope.example", false, NULL},               /* two CJK ideographs */
	{"dns", "sub.xn--bcher-kva.xn--abc.example", CN_ERR_REJECTED_ID, NULL, false, "'xn--abc' of"},
};

/* The public suffix list (ICANN section) and the test names RFC 6761 reserves. */
static const struct id_case psl_cases[] = {
	{"dns", "co.uk", CN_ERR_REJECTED_ID, NULL, false, "'co.uk' is a public suffix"},
	{"dns", "CO.UK", CN_ERR_REJECTED_ID, NULL, false, "public suffix"},
	{"dns", "*.co.uk", CN_ERR_REJECTED_ID, NULL, false, "directly below the public suffix 'co.uk'"},
	{"dns", "example.co.uk", 0, "example.co.uk", false, NULL},
	{"dns", "*.example.co.uk", 0, "example.co.uk", true, NULL},
	{"dns", "*.com", CN_ERR_REJECTED_ID, NULL, false, "two labels"},
	{"dns", "com.au", CN_ERR_REJECTED_ID, NULL, false, "public suffix"},
	{"dns", "kyoto.jp", CN_ERR_REJECTED_ID, NULL, false, "public suffix"},
	/* wildcard rule "*.ck" with exception "!www.ck" */
	{"dns", "anything.ck", CN_ERR_REJECTED_ID, NULL, false, "public suffix"},
	{"dns", "www.ck", 0, "www.ck", false, NULL},
	{"dns", "a.www.ck", 0, "a.www.ck", false, NULL},
	{"dns", "b.anything.ck", 0, "b.anything.ck", false, NULL},
	/* "*.kawasaki.jp" with "!city.kawasaki.jp" */
	{"dns", "foo.kawasaki.jp", CN_ERR_REJECTED_ID, NULL, false, "public suffix"},
	{"dns", "city.kawasaki.jp", 0, "city.kawasaki.jp", false, NULL},
	/* Unicode rules are matched as A-labels: "公司.cn", "xn--55qx5d.cn" */
	{"dns", "xn--55qx5d.cn", CN_ERR_REJECTED_ID, NULL, false, "public suffix"},
	{"dns", "example.xn--55qx5d.cn", 0, "example.xn--55qx5d.cn", false, NULL},
	/* private-section suffixes are the operators' own names */
	{"dns", "github.io", 0, "github.io", false, NULL},
	/* unlisted top-level labels: the implicit "*" rule; .test is not listed */
	{"dns", "example.test", 0, "example.test", false, NULL},
	{"dns", "a.example.test", 0, "a.example.test", false, NULL},
	{"dns", "*.example.test", 0, "example.test", true, NULL},
	{"dns", "lego-dns.example.test", 0, "lego-dns.example.test", false, NULL},
	{"dns", "example.invalid", 0, "example.invalid", false, NULL},
	{"dns", "example.com", 0, "example.com", false, NULL},
};

/* The blocklist of setup(): a name and every name below it. */
static const struct id_case block_cases[] = {
	{"dns", "blocked.example", CN_ERR_REJECTED_ID, NULL, false, "'blocked.example' is on its blocklist"},
	{"dns", "BLOCKED.example", CN_ERR_REJECTED_ID, NULL, false, "blocklist"},
	{"dns", "www.blocked.example", CN_ERR_REJECTED_ID, NULL, false, "'blocked.example' is on its blocklist"},
	{"dns", "a.b.c.blocked.example", CN_ERR_REJECTED_ID, NULL, false, "blocklist"},
	{"dns", "*.blocked.example", CN_ERR_REJECTED_ID, NULL, false, "blocklist"},
	{"dns", "notblocked.example", 0, "notblocked.example", false, NULL},
	{"dns", "blocked.example.com", 0, "blocked.example.com", false, NULL},
	{"dns", "secret.bank.example", CN_ERR_REJECTED_ID, NULL, false, "'secret.bank.example' is on"},
	{"dns", "x.secret.bank.example", CN_ERR_REJECTED_ID, NULL, false, "blocklist"},
	{"dns", "bank.example", 0, "bank.example", false, NULL},
	{"dns", "www.bank.example", 0, "www.bank.example", false, NULL},
	/* *.bank.example would cover secret.bank.example */
	{"dns", "*.bank.example", CN_ERR_REJECTED_ID, NULL, false, "would cover a name that is on the blocklist"},
	/* ... but *.sub.example does not cover onlyhere.sub.example's subdomains alone */
	{"dns", "*.sub.example", CN_ERR_REJECTED_ID, NULL, false, "would cover"},
	{"dns", "*.x.sub.example", 0, "x.sub.example", true, NULL},
	{"dns", "*.example", CN_ERR_REJECTED_ID, NULL, false, NULL},   /* example is a suffix by "*" */
	{"dns", "xn--bcher-kva.blocked-idn.example", CN_ERR_REJECTED_ID, NULL, false, "blocklist"},
	{"dns", "blocked-idn.example", 0, "blocked-idn.example", false, NULL},
	/* IP identifiers are not affected */
	{"ip", "192.0.2.1", 0, "192.0.2.1", false, NULL},
};

static const struct id_case ip_cases[] = {
	{"ip", "192.0.2.1", 0, "192.0.2.1", false, NULL},
	{"ip", "0.0.0.0", 0, "0.0.0.0", false, NULL},
	{"ip", "255.255.255.255", 0, "255.255.255.255", false, NULL},
	{"ip", "127.0.0.1", 0, "127.0.0.1", false, NULL},
	/* RFC 5952: lower case (4.3), no leading zeros (4.1), "::" for the
	 * longest run of zero fields (4.2.1, 4.2.3), first one on a tie, never
	 * for a single zero field (4.2.2); mixed notation for IPv4-mapped (5) */
	{"ip", "::1", 0, "::1", false, NULL},
	{"ip", "::", 0, "::", false, NULL},
	{"ip", "0:0:0:0:0:0:0:0", 0, "::", false, NULL},
	{"ip", "0:0:0:0:0:0:0:1", 0, "::1", false, NULL},
	{"ip", "2001:DB8::1", 0, "2001:db8::1", false, NULL},
	{"ip", "2001:0db8:0000:0000:0000:0000:0000:0001", 0, "2001:db8::1", false, NULL},
	{"ip", "2001:db8::0:1", 0, "2001:db8::1", false, NULL},
	{"ip", "2001:db8:0:0:1:0:0:1", 0, "2001:db8::1:0:0:1", false, NULL},
	{"ip", "2001:0:0:1:0:0:0:1", 0, "2001:0:0:1::1", false, NULL},
	{"ip", "2001:db8:0:1:1:1:1:1", 0, "2001:db8:0:1:1:1:1:1", false, NULL},
	{"ip", "2001:db8::1:0:0:0", 0, "2001:db8:0:0:1::", false, NULL},
	{"ip", "FE80::ABCD:EF01", 0, "fe80::abcd:ef01", false, NULL},
	{"ip", "1:2:3:4:5:6:7:8", 0, "1:2:3:4:5:6:7:8", false, NULL},
	{"ip", "::ffff:192.0.2.1", 0, "::ffff:192.0.2.1", false, NULL},
	{"ip", "0:0:0:0:0:FFFF:c000:0201", 0, "::ffff:192.0.2.1", false, NULL},
	/* not addresses */
	{"ip", "", CN_ERR_REJECTED_ID, NULL, false, "not an IP address"},
	{"ip", "1.2.3", CN_ERR_REJECTED_ID, NULL, false, "not an IP address"},
	{"ip", "1.2.3.4.5", CN_ERR_REJECTED_ID, NULL, false, NULL},
	{"ip", "256.1.1.1", CN_ERR_REJECTED_ID, NULL, false, NULL},
	{"ip", "1.2.3.-1", CN_ERR_REJECTED_ID, NULL, false, NULL},
	{"ip", "01.2.3.4", CN_ERR_REJECTED_ID, NULL, false, NULL},   /* octal? */
	{"ip", "0x7f.0.0.1", CN_ERR_REJECTED_ID, NULL, false, NULL},
	{"ip", "127.1", CN_ERR_REJECTED_ID, NULL, false, NULL},
	{"ip", "2130706433", CN_ERR_REJECTED_ID, NULL, false, NULL},
	{"ip", " 1.2.3.4", CN_ERR_REJECTED_ID, NULL, false, NULL},
	{"ip", "1.2.3.4 ", CN_ERR_REJECTED_ID, NULL, false, NULL},
	{"ip", "1.2.3.4/32", CN_ERR_REJECTED_ID, NULL, false, NULL},
	{"ip", "1.2.3.4:80", CN_ERR_REJECTED_ID, NULL, false, NULL},
	{"ip", "::1::", CN_ERR_REJECTED_ID, NULL, false, NULL},
	{"ip", ":::", CN_ERR_REJECTED_ID, NULL, false, NULL},
	{"ip", "1:2:3:4:5:6:7:8:9", CN_ERR_REJECTED_ID, NULL, false, NULL},
	{"ip", "1:2:3:4:5:6:7", CN_ERR_REJECTED_ID, NULL, false, NULL},
	{"ip", "12345::", CN_ERR_REJECTED_ID, NULL, false, NULL},
	{"ip", "2001:db8::g", CN_ERR_REJECTED_ID, NULL, false, NULL},
	{"ip", "fe80::1%eth0", CN_ERR_REJECTED_ID, NULL, false, NULL},
	{"ip", "[::1]", CN_ERR_REJECTED_ID, NULL, false, NULL},
	{"ip", "::1/128", CN_ERR_REJECTED_ID, NULL, false, NULL},
	{"ip", "example.com", CN_ERR_REJECTED_ID, NULL, false, NULL},
	{"ip", "*.1.2.3", CN_ERR_REJECTED_ID, NULL, false, NULL},
};

static const struct id_case type_cases[] = {
	{"DNS", "example.com", CN_ERR_UNSUPPORTED_ID, NULL, false, "'DNS'"},
	{"IP", "192.0.2.1", CN_ERR_UNSUPPORTED_ID, NULL, false, "'IP'"},
	{"email", "a@example.com", CN_ERR_UNSUPPORTED_ID, NULL, false, "'email'"},
	{"", "example.com", CN_ERR_UNSUPPORTED_ID, NULL, false, "''"},
	{"dns ", "example.com", CN_ERR_UNSUPPORTED_ID, NULL, false, NULL},
	{"permanent-identifier", "x", CN_ERR_UNSUPPORTED_ID, NULL, false, NULL},
	/* the type is checked even when the value would be bad anyway */
	{"uri", "", CN_ERR_UNSUPPORTED_ID, NULL, false, "not supported"},
};

static void run_cases(const struct id_case *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct id_case *c = &cases[i];
		struct ca_identifier id;
		int r;

		memset(&id, 0x5a, sizeof(id));
		cn_err_clear();
		r = ca_policy_identifier(&cfg, c->type, c->value, &id);
		if (r != c->r)
			fail_msg("%s '%s': got %d (%s), want %d", c->type, c->value, r,
			    cn_err_detail(), c->r);
		if (r == 0) {
			assert_string_equal(id.type, c->type);
			if (strcmp(id.value, c->norm) != 0)
				fail_msg("%s '%s': normalized to '%s', want '%s'", c->type, c->value,
				    id.value, c->norm);
			assert_int_equal(id.wildcard, c->wildcard);
		} else {
			assert_null(id.value); /* safe to clean up */
			assert_true(cn_err_detail()[0] != '\0');
			if (c->detail && strstr(cn_err_detail(), c->detail) == NULL)
				fail_msg("%s '%s': detail '%s' lacks '%s'", c->type, c->value,
				    cn_err_detail(), c->detail);
		}
		ca_identifier_cleanup(&id);
		assert_null(id.value);
	}
}

static void test_dns_names(void **state)
{
	(void)state;
	run_cases(dns_cases, sizeof(dns_cases) / sizeof(dns_cases[0]));
}

static void test_xn_labels(void **state)
{
	(void)state;
	run_cases(xn_cases, sizeof(xn_cases) / sizeof(xn_cases[0]));
}

static void test_public_suffixes(void **state)
{
	(void)state;
	run_cases(psl_cases, sizeof(psl_cases) / sizeof(psl_cases[0]));
}

static void test_blocklist(void **state)
{
	(void)state;
	run_cases(block_cases, sizeof(block_cases) / sizeof(block_cases[0]));
}

static char *write_temp(const char *text)
{
	char *path = strdup("/tmp/cairn-policy-XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

/* Bad lists fail ca_policy_init with the file (and line) named; the lists loaded before stay. */
static void test_init_errors(void **state)
{
	static const struct {
		const char *blocklist;
		const char *detail;
	} bad_blocklists[] = {
		{"ok.example\n*.wild.example\n", ":2: '*.wild.example' is not a DNS name"},
		{"trailing.dot.example.\n", ":1:"},
		{"a..b\n", ":1:"},
		{"good.example\n\nunder_score.example\n", ":3:"},
		{"sp ace.example\n", ":1:"},
	};
	struct ca_config c = cfg;
	struct ca_identifier id;
	char *path;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_blocklists) / sizeof(bad_blocklists[0]); i++) {
		path = write_temp(bad_blocklists[i].blocklist);
		c.blocklist = path;
		assert_int_equal(ca_policy_init(&c), CN_ERR_USAGE);
		if (strstr(cn_err_detail(), path) == NULL || strstr(cn_err_detail(), bad_blocklists[i].detail) == NULL)
			fail_msg("blocklist %zu: detail '%s' lacks '%s'", i, cn_err_detail(), bad_blocklists[i].detail);
		unlink(path);
		free(path);
	}
	c = cfg;
	c.blocklist = (char *)"/nonexistent/cairn-blocklist";
	assert_int_equal(ca_policy_init(&c), CN_ERR_USAGE);
	assert_non_null(strstr(cn_err_detail(), "/nonexistent/cairn-blocklist"));
	c = cfg;
	c.public_suffix_list = (char *)"/nonexistent/psl.dat";
	assert_int_equal(ca_policy_init(&c), CN_ERR_USAGE);
	assert_non_null(strstr(cn_err_detail(), "/nonexistent/psl.dat"));
	/* a file that is not the list */
	path = write_temp("// ===BEGIN ICANN DOMAINS===\ncom\nnet\n// ===END ICANN DOMAINS===\n");
	c.public_suffix_list = path;
	assert_int_equal(ca_policy_init(&c), CN_ERR_USAGE);
	assert_non_null(strstr(cn_err_detail(), "is not the public suffix list"));
	unlink(path);
	free(path);
	/* the failures changed nothing: setup()'s lists still apply */
	assert_int_equal(ca_policy_identifier(&cfg, "dns", "www.blocked.example", &id), CN_ERR_REJECTED_ID);
	assert_int_equal(ca_policy_identifier(&cfg, "dns", "co.uk", &id), CN_ERR_REJECTED_ID);
	/* an empty blocklist path blocks nothing; replacing the lists works */
	c = cfg;
	c.blocklist = (char *)"";
	assert_int_equal(ca_policy_init(&c), 0);
	assert_int_equal(ca_policy_identifier(&c, "dns", "www.blocked.example", &id), 0);
	ca_identifier_cleanup(&id);
	assert_int_equal(ca_policy_init(&cfg), 0);
	assert_int_equal(ca_policy_identifier(&cfg, "dns", "www.blocked.example", &id), CN_ERR_REJECTED_ID);
}

/* Without ca_policy_init the first use loads the lists of its cfg; when it cannot, refusal is internal. */
static void test_lazy_load(void **state)
{
	struct ca_config c = cfg;
	struct ca_identifier id;

	(void)state;
	ca_policy_cleanup();
	c.public_suffix_list = (char *)"/nonexistent/psl.dat";
	assert_int_equal(ca_policy_identifier(&c, "dns", "example.com", &id), CN_ERR_INTERNAL);
	assert_non_null(strstr(cn_err_detail(), "/nonexistent/psl.dat"));
	/* syntax errors are still reported as such */
	assert_int_equal(ca_policy_identifier(&c, "dns", "a..b", &id), CN_ERR_REJECTED_ID);
	assert_int_equal(ca_policy_identifier(&cfg, "dns", "co.uk", &id), CN_ERR_REJECTED_ID);
	assert_int_equal(ca_policy_identifier(&cfg, "dns", "blocked.example", &id), CN_ERR_REJECTED_ID);
	assert_int_equal(ca_policy_identifier(&cfg, "dns", "example.co.uk", &id), 0);
	ca_identifier_cleanup(&id);
}

static void test_ip_addresses(void **state)
{
	(void)state;
	run_cases(ip_cases, sizeof(ip_cases) / sizeof(ip_cases[0]));
}

static void test_unknown_types(void **state)
{
	(void)state;
	run_cases(type_cases, sizeof(type_cases) / sizeof(type_cases[0]));
}

/*
 * Builds "<prefix>" + labels of label_len characters of c joined by dots,
 * the last one shortened so that the name is exactly total characters long
 * (not counting prefix).
 */
static char *make_name(const char *prefix, size_t label_len, size_t total, char c)
{
	size_t plen = strlen(prefix), i, run = 0;
	char *s = malloc(plen + total + 1);

	assert_non_null(s);
	memcpy(s, prefix, plen);
	for (i = 0; i < total; i++) {
		if (run == label_len && i + 1 < total) {
			s[plen + i] = '.';
			run = 0;
		} else {
			s[plen + i] = c;
			run++;
		}
	}
	s[plen + total] = '\0';
	return s;
}

struct len_case {
	const char *prefix;
	size_t label_len, total;
	int r;
	const char *detail;
};

static const struct len_case len_cases[] = {
	/* one long label plus ".example" */
	{"", 63, 63 + 8, 0, NULL},
	{"", 64, 64 + 8, CN_ERR_REJECTED_ID, "longer than 63"},
	{"*.", 63, 63 + 8, 0, NULL},
	{"*.", 64, 64 + 8, CN_ERR_REJECTED_ID, "longer than 63"},
	/* total length with 63-character labels */
	{"", 63, 253, 0, NULL},
	{"", 63, 254, CN_ERR_REJECTED_ID, "longer than 253"},
	{"", 63, 255, CN_ERR_REJECTED_ID, "longer than 253"},
	{"", 63, 256, CN_ERR_REJECTED_ID, "longer than 253"},
	{"", 63, 4000, CN_ERR_REJECTED_ID, "longer than 253"},
	{"", 1, 253, 0, NULL},
	{"", 1, 254, CN_ERR_REJECTED_ID, "longer than 253"},
	/* "*." does not count: the name it covers may be 253 long */
	{"*.", 63, 253, 0, NULL},
	{"*.", 63, 254, CN_ERR_REJECTED_ID, "longer than 253"},
	{"*.", 63, 300, CN_ERR_REJECTED_ID, "longer than 253"},
};

static void test_lengths(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(len_cases) / sizeof(len_cases[0]); i++) {
		const struct len_case *c = &len_cases[i];
		struct ca_identifier id;
		char *name = NULL;
		int r;

		if (c->total == c->label_len + 8) {
			/* "<label>.example" */
			size_t plen = strlen(c->prefix);

			name = malloc(plen + c->total + 1);
			assert_non_null(name);
			memcpy(name, c->prefix, plen);
			memset(name + plen, 'L', c->label_len);
			memcpy(name + plen + c->label_len, ".example", 9);
		} else {
			name = make_name(c->prefix, c->label_len, c->total, 'N');
		}
		cn_err_clear();
		r = ca_policy_identifier(&cfg, "dns", name, &id);
		if (r != c->r)
			fail_msg("row %zu (%zu characters): got %d (%s)", i, strlen(name), r,
			    cn_err_detail());
		if (r == 0) {
			assert_int_equal(strlen(id.value), c->total);
			assert_int_equal(id.wildcard, c->prefix[0] == '*');
			/* lower-cased copy of the name without the prefix */
			assert_int_equal(id.value[0], c->total == c->label_len + 8 ? 'l' : 'n');
		} else if (strstr(cn_err_detail(), c->detail) == NULL) {
			fail_msg("row %zu: detail '%s' lacks '%s'", i, cn_err_detail(), c->detail);
		}
		ca_identifier_cleanup(&id);
		free(name);
	}
}

static void check_list(const char *const *got, const char *const *want)
{
	size_t i;

	for (i = 0; want[i] != NULL; i++) {
		assert_non_null(got[i]);
		assert_string_equal(got[i], want[i]);
	}
	assert_null(got[i]);
}

static void test_challenges(void **state)
{
	static const char *const dns_all[] = {"http-01", "dns-01", "tls-alpn-01", NULL};
	static const char *const dns_wild[] = {"dns-01", NULL};
	static const char *const ip[] = {"http-01", "tls-alpn-01", NULL};
	static const struct {
		const char *type, *value;
		const char *const *want;
	} cases[] = {
		{"dns", "example.com", dns_all},
		{"dns", "WWW.example.com", dns_all},
		/* RFC 8555 section 7.1.3: a wildcard is validated by dns-01 only */
		{"dns", "*.example.com", dns_wild},
		/* RFC 8738 section 7: no dns-01 for IP addresses */
		{"ip", "192.0.2.1", ip},
		{"ip", "2001:db8::1", ip},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ca_identifier id;

		assert_int_equal(ca_policy_identifier(&cfg, cases[i].type, cases[i].value, &id), 0);
		check_list(ca_policy_challenges(&id), cases[i].want);
		ca_identifier_cleanup(&id);
	}
}

/* Where a walk up a name stops (dns-persist-01): the registrable domain. */
static void test_registrable_domain(void **state)
{
	const char *top = NULL;

	(void)state;
	assert_int_equal(ca_policy_registrable_domain(&cfg, "www.shop.example.co.uk", &top), 0);
	assert_string_equal(top, "example.co.uk");
	assert_int_equal(ca_policy_registrable_domain(&cfg, "example.com", &top), 0);
	assert_string_equal(top, "example.com");
	assert_int_equal(ca_policy_registrable_domain(&cfg, "a.b.proto.example.test", &top), 0);
	assert_string_equal(top, "example.test");
	top = NULL;
	assert_int_equal(ca_policy_registrable_domain(&cfg, "co.uk", &top), CN_ERR_REJECTED_ID);
	assert_null(top);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns_names),
		cmocka_unit_test(test_xn_labels),
		cmocka_unit_test(test_public_suffixes),
		cmocka_unit_test(test_blocklist),
		cmocka_unit_test(test_ip_addresses),
		cmocka_unit_test(test_unknown_types),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_challenges),
		cmocka_unit_test(test_registrable_domain),
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_lazy_load),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
