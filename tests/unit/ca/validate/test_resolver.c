/*
 * test_resolver.c - src/ca/validate/resolver.c against pebble-challtestsrv
 * on loopback: A/AAAA (IPv6 first, RFC 5952 text), NXDOMAIN, no address,
 * SERVFAIL, TXT, DNSSEC bogus answers with a trust anchor, the deadline
 * with a resolver that never answers, bad configuration, and many threads
 * sharing one resolver; the TTLs of TXT answers (as the server sent them,
 * from the answer packet, with the caches still capped at 0) against a stub
 * DNS server, and the answer-section TTL reader on hand-made messages.
 *
 * Ports (22300-22309): 22300 DNS, 22301 management, 22302 a UDP socket that
 * never answers, 22303 nothing; 21530 the stub DNS server.
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
#include "validate/validate.h"
#include "validate/validate_int.h"
#include "vtest.h"

#define DNS_PORT 22300
#define MGMT_PORT 22301
#define BLACKHOLE_PORT 22302
#define NOTHING_PORT 22303
#define STUB_PORT 21530

static struct vt_cts cts;
static struct ca_resolver *res;
static struct ca_validate_cfg cfg = {.resolver = "127.0.0.1:22300", .allow_private = true};

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

static void test_a(void **state)
{
	char **a = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(ca_resolve_addrs(res, "plain.validate.example", &a, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(a[0], "127.0.0.1");
	ca_addrs_free(a, n);
}

static void test_aaaa_first(void **state)
{
	char **a = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(vt_cts_post(&cts, "/add-a",
			     "{\"host\":\"both.validate.example.\",\"addresses\":[\"192.0.2.7\",\"192.0.2.8\"]}"),
	    200);
	assert_int_equal(vt_cts_post(&cts, "/add-aaaa",
			     "{\"host\":\"both.validate.example.\",\"addresses\":[\"2001:DB8:0:0:0:0:0:1\"]}"),
	    200);
	assert_int_equal(ca_resolve_addrs(res, "both.validate.example", &a, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(a[0], "2001:db8::1"); /* RFC 5952 form */
	assert_true((strcmp(a[1], "192.0.2.7") == 0 && strcmp(a[2], "192.0.2.8") == 0) ||
		    (strcmp(a[1], "192.0.2.8") == 0 && strcmp(a[2], "192.0.2.7") == 0));
	ca_addrs_free(a, n);
}

static void test_nxdomain(void **state)
{
	char **a = NULL;
	size_t n = 0;

	(void)state;
	/* .invalid is answered NXDOMAIN by unbound itself (RFC 6761). */
	assert_int_equal(ca_resolve_addrs(res, "nothing.validate.invalid", &a, &n), CN_ERR_DNS);
	assert_non_null(strstr(cn_err_detail(), "NXDOMAIN"));
	assert_non_null(strstr(cn_err_detail(), "nothing.validate.invalid"));
	assert_null(a);
}

static void test_no_address(void **state)
{
	char **a = NULL;
	size_t n = 0;
	int rc;

	(void)state;
	assert_int_equal(vt_cts_post(&cts, "/set-default-ipv4", "{\"ip\":\"\"}"), 200);
	rc = ca_resolve_addrs(res, "empty.validate.example", &a, &n);
	assert_int_equal(vt_cts_post(&cts, "/set-default-ipv4", "{\"ip\":\"127.0.0.1\"}"), 200);
	assert_int_equal(rc, CN_ERR_DNS);
	assert_non_null(strstr(cn_err_detail(), "no valid A or AAAA records found for empty.validate.example"));
}

static void test_servfail(void **state)
{
	char **a = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(vt_cts_post(&cts, "/set-servfail", "{\"host\":\"sf.validate.example.\"}"), 200);
	assert_int_equal(ca_resolve_addrs(res, "sf.validate.example", &a, &n), CN_ERR_DNS);
	assert_non_null(strstr(cn_err_detail(), "SERVFAIL"));
	assert_int_equal(ca_resolve_txt(res, "sf.validate.example", &a, &n), CN_ERR_DNS);
	assert_non_null(strstr(cn_err_detail(), "SERVFAIL"));
}

static void test_bad_names(void **state)
{
	static const char *const bad[] = {"", ".", "a..b", "a b.example", "a\\046b.example", "-\".example",
	    "x.example\n"};
	char **a = NULL;
	size_t n = 0, i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ca_resolve_addrs(res, bad[i], &a, &n), CN_ERR_DNS);
		assert_int_equal(ca_resolve_txt(res, bad[i], &a, &n), CN_ERR_DNS);
	}
}

static void test_txt(void **state)
{
	char **t = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(vt_cts_post(&cts, "/set-txt", "{\"host\":\"_t.validate.example.\",\"value\":\"one\"}"), 200);
	assert_int_equal(vt_cts_post(&cts, "/set-txt", "{\"host\":\"_t.validate.example.\",\"value\":\"two\"}"), 200);
	assert_int_equal(ca_resolve_txt(res, "_t.validate.example", &t, &n), 0);
	assert_int_equal(n, 2);
	assert_true((strcmp(t[0], "one") == 0 && strcmp(t[1], "two") == 0) ||
		    (strcmp(t[0], "two") == 0 && strcmp(t[1], "one") == 0));
	ca_addrs_free(t, n);
	/* no record, then NXDOMAIN: both are "nothing there", not errors */
	assert_int_equal(ca_resolve_txt(res, "_none.validate.example", &t, &n), 0);
	assert_int_equal(n, 0);
	assert_null(t);
	assert_int_equal(ca_resolve_txt(res, "_none.validate.invalid", &t, &n), 0);
	assert_int_equal(n, 0);
	/* a fresh answer every time: the caches are capped at TTL 0 */
	assert_int_equal(vt_cts_post(&cts, "/clear-txt", "{\"host\":\"_t.validate.example.\"}"), 200);
	assert_int_equal(ca_resolve_txt(res, "_t.validate.example", &t, &n), 0);
	assert_int_equal(n, 0);
}

/* With a trust anchor for example., the unsigned answers of challtestsrv are bogus. */
static void test_dnssec_bogus(void **state)
{
	char path[] = "/tmp/cairn-ta-XXXXXX";
	char path2[] = "/tmp/cairn-ta-XXXXXX";
	struct ca_validate_cfg c = cfg;
	struct ca_resolver *v = NULL;
	char **a = NULL;
	size_t n = 0;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	dprintf(fd, "example. DS 12345 13 2 "
		    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n");
	close(fd);
	c.trust_anchor_file = path;
	assert_int_equal(ca_resolver_new(&c, &v), 0);
	assert_int_equal(ca_resolve_addrs(v, "signed.validate.example", &a, &n), CN_ERR_DNS);
	assert_non_null(strstr(cn_err_detail(), "DNSSEC validation of"));
	assert_non_null(strstr(cn_err_detail(), "DNSKEY")); /* unbound's why_bogus */
	assert_int_equal(ca_resolve_txt(v, "_acme-challenge.signed.validate.example", &a, &n), CN_ERR_DNS);
	assert_non_null(strstr(cn_err_detail(), "DNSSEC"));
	ca_resolver_free(v);
	/* outside the anchored zone: unsigned, accepted */
	assert_int_equal(ca_resolver_new(&c, &v), 0);
	assert_int_equal(ca_resolve_addrs(v, "plain.validate.localtest", &a, &n), 0);
	ca_addrs_free(a, n);
	ca_resolver_free(v);
	unlink(path);
	/* a trust anchor file that is missing or not one fails at creation */
	c.trust_anchor_file = "/nonexistent/cairn-ta";
	assert_int_equal(ca_resolver_new(&c, &v), CN_ERR_USAGE);
	fd = mkstemp(path2);
	assert_true(fd >= 0);
	dprintf(fd, "this is not a trust anchor\n");
	close(fd);
	c.trust_anchor_file = path2;
	assert_int_equal(ca_resolver_new(&c, &v), CN_ERR_USAGE);
	assert_non_null(strstr(cn_err_detail(), path2));
	unlink(path2);
}

static void test_bad_config(void **state)
{
	static const char *const bad[] = {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
	    "localhost:53", "::1:53", "[::1]", "[::1]53", "[nope]:53", "127.0.0.1:53x"};
	struct ca_validate_cfg c = cfg;
	struct ca_resolver *v = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c.resolver = bad[i];
		if (ca_resolver_new(&c, &v) != CN_ERR_USAGE)
			fail_msg("resolver '%s' accepted", bad[i]);
	}
	c.resolver = NULL;
	assert_int_equal(ca_resolver_new(&c, &v), CN_ERR_USAGE);
	c.resolver = "[::1]:53";
	assert_int_equal(ca_resolver_new(&c, &v), 0);
	ca_resolver_free(v);
	ca_resolver_free(NULL);
}

/* A resolver that never answers: the lookup gives up at the deadline. */
static void test_deadline(void **state)
{
	struct ca_validate_cfg c = cfg;
	struct ca_resolver *v = NULL;
	struct sockaddr_storage ss;
	socklen_t len = 0;
	char **a = NULL;
	size_t n = 0;
	int64_t t0, took;
	int fd;

	(void)state;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	vt_sockaddr("127.0.0.1", BLACKHOLE_PORT, &ss, &len);
	assert_int_equal(bind(fd, (struct sockaddr *)&ss, len), 0);
	c.resolver = "127.0.0.1:22302";
	c.total_timeout_ms = 700;
	assert_int_equal(ca_resolver_new(&c, &v), 0);
	t0 = vt_now_ms();
	assert_int_equal(ca_resolve_addrs(v, "slow.validate.example", &a, &n), CN_ERR_DNS);
	took = vt_now_ms() - t0;
	assert_non_null(strstr(cn_err_detail(), "timed out"));
	assert_true(took >= 650 && took < 2500);
	t0 = vt_now_ms();
	assert_int_equal(ca_resolve_txt(v, "_acme-challenge.slow.validate.example", &a, &n), CN_ERR_DNS);
	took = vt_now_ms() - t0;
	assert_true(took >= 650 && took < 2500);
	ca_resolver_free(v); /* with cancelled queries still in libunbound */
	close(fd);

	/* nothing listening: a failure, within the deadline too */
	c.resolver = "127.0.0.1:22303";
	assert_int_equal(ca_resolver_new(&c, &v), 0);
	t0 = vt_now_ms();
	assert_int_equal(ca_resolve_addrs(v, "down.validate.example", &a, &n), CN_ERR_DNS);
	assert_true(vt_now_ms() - t0 < 2500);
	ca_resolver_free(v);
}

#define THREADS 8
#define PER_THREAD 25

static void *worker(void *arg)
{
	long id = (long)arg, ok = 0;
	char name[64], **a = NULL;
	size_t n = 0;
	int i;

	for (i = 0; i < PER_THREAD; i++) {
		snprintf(name, sizeof(name), "t%ld-%d.validate.example", id, i);
		if (ca_resolve_addrs(res, name, &a, &n) == 0 && n == 1 && strcmp(a[0], "127.0.0.1") == 0)
			ok++;
		ca_addrs_free(a, n);
		a = NULL;
		n = 0;
	}
	return (void *)ok;
}

/* One resolver, many threads: every lookup answered, none lost or crossed. */
static void test_threads(void **state)
{
	pthread_t th[THREADS];
	void *ok;
	long i, total = 0;

	(void)state;
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, worker, (void *)i), 0);
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], &ok);
		total += (long)ok;
	}
	assert_int_equal(total, THREADS * PER_THREAD);
}

/* A DNS message: header with qd/an counts, the question "a.example TXT",
 * then the given answer bytes. */
static size_t msg(unsigned char *out, unsigned an, const unsigned char *answers, size_t alen)
{
	static const unsigned char head[] = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 7, 'e', 'x',
	    'a', 'm', 'p', 'l', 'e', 0, 0, 16, 0, 1};

	memcpy(out, head, sizeof(head));
	out[7] = (unsigned char)an;
	if (alen > 0)
		memcpy(out + sizeof(head), answers, alen);
	return sizeof(head) + alen;
}

static void test_answer_min_ttl(void **state)
{
	/* pointer to the question's name, TXT IN, TTL, RDLENGTH 2, "\1x" */
#define RR(t0, t1, t2, t3) 0xc0, 0x0c, 0, 16, 0, 1, t0, t1, t2, t3, 0, 2, 1, 'x'
	static const unsigned char two[] = {RR(0, 0, 0x0e, 0x10), RR(0, 0, 0, 120)};
	static const unsigned char high[] = {RR(0x80, 0, 0, 0x10)};
	/* a CNAME with an uncompressed owner "a.example" (TTL 60) to "b", then TXT */
	static const unsigned char cname[] = {1, 'a', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 5, 0, 1, 0, 0, 0,
	    60, 0, 3, 1, 'b', 0, RR(0, 0, 1, 0)};
	static const unsigned char truncated[] = {RR(0, 0, 0, 9)};
	static const unsigned char bad_label[] = {0x40, 0, 16, 0, 1, 0, 0, 0, 9, 0, 0};
	unsigned char m[1024], deep[600];
	uint32_t ttl = 7;
	size_t n, i;

	(void)state;
	n = msg(m, 2, two, sizeof(two));
	assert_true(ca_v_answer_min_ttl(m, n, &ttl));
	assert_int_equal(ttl, 120);
	n = msg(m, 1, high, sizeof(high)); /* RFC 2181 section 8: as 0 */
	assert_true(ca_v_answer_min_ttl(m, n, &ttl));
	assert_int_equal(ttl, 0);
	n = msg(m, 2, cname, sizeof(cname));
	assert_true(ca_v_answer_min_ttl(m, n, &ttl));
	assert_int_equal(ttl, 60);
	/* failures leave *ttl alone */
	ttl = 7;
	n = msg(m, 0, NULL, 0); /* no answer record */
	assert_false(ca_v_answer_min_ttl(m, n, &ttl));
	n = msg(m, 2, two, sizeof(two) - 1); /* the last RDATA cut short */
	assert_false(ca_v_answer_min_ttl(m, n, &ttl));
	n = msg(m, 2, truncated, sizeof(truncated)); /* one record announced more */
	assert_false(ca_v_answer_min_ttl(m, n, &ttl));
	n = msg(m, 1, bad_label, sizeof(bad_label)); /* label type 01 */
	assert_false(ca_v_answer_min_ttl(m, n, &ttl));
	assert_false(ca_v_answer_min_ttl(m, 11, &ttl)); /* shorter than a header */
	assert_false(ca_v_answer_min_ttl(NULL, 0, &ttl));
	/* an owner of 200 one-byte labels: more than a name may have */
	for (i = 0; i < 200; i++) {
		deep[2 * i] = 1;
		deep[2 * i + 1] = 'a';
	}
	deep[400] = 0;
	memcpy(deep + 401, "\0\x10\0\x01\0\0\0\x09\0\0", 10);
	n = msg(m, 1, deep, 411);
	assert_false(ca_v_answer_min_ttl(m, n, &ttl));
	assert_int_equal(ttl, 7);
#undef RR
}

static const struct vt_stub_rr one_rr[] = {{"_ttl.stub.example", 16, 3600, "one"}};
static const struct vt_stub_rr two_rr[] = {{"_ttl.stub.example", 16, 3600, "two"}};
static const struct vt_stub_rr cname_rr[] = {{"_cname.stub.example", 5, 120, "_ttl.stub.example"},
    {"_ttl.stub.example", 16, 3600, "one"}};
static const struct vt_stub_rr high_rr[] = {{"_high.stub.example", 16, 0x80000010U, "x"}};
static const struct vt_stub_rr soa_rr[] = {{"stub.example", 6, 3600, "ns.stub.example"}};
static const struct vt_stub_rr now_rr[] = {{"_neg.stub.example", 16, 3600, "now"}};
static const struct vt_stub_answer stub_a[] = {
    {"_ttl.stub.example", 16, 0, one_rr, 1, NULL, 0},
    {"_cname.stub.example", 16, 0, cname_rr, 2, NULL, 0},
    {"_high.stub.example", 16, 0, high_rr, 1, NULL, 0},
    {"_neg.stub.example", 16, 0, NULL, 0, soa_rr, 1}, /* no data, SOA minimum 3600 */
};
static const struct vt_stub_answer stub_b[] = {
    {"_ttl.stub.example", 16, 0, two_rr, 1, NULL, 0},
    {"_neg.stub.example", 16, 0, now_rr, 1, NULL, 0},
};

/* TTLs as the server sent them; the records themselves still fresh every time. */
static void test_txt_ttl(void **state)
{
	struct ca_validate_cfg c = {.resolver = "127.0.0.1:21530"};
	struct ca_resolver *v = NULL;
	struct vt_stub stub;
	char **t = NULL;
	size_t n = 0;
	uint32_t ttl = 1;

	(void)state;
	assert_int_equal(vt_stub_start(&stub, STUB_PORT, stub_a, sizeof(stub_a) / sizeof(stub_a[0])), 0);
	assert_int_equal(ca_resolver_new(&c, &v), 0);
	assert_int_equal(ca_resolve_txt_ttl(v, "_ttl.stub.example", &t, &n, &ttl), 0);
	assert_int_equal(n, 1);
	assert_string_equal(t[0], "one");
	assert_int_equal(ttl, 3600);
	ca_addrs_free(t, n);
	/* through a CNAME: the shorter of the two */
	assert_int_equal(ca_resolve_txt_ttl(v, "_cname.stub.example", &t, &n, &ttl), 0);
	assert_int_equal(n, 1);
	assert_string_equal(t[0], "one");
	assert_int_equal(ttl, 120);
	ca_addrs_free(t, n);
	assert_int_equal(ca_resolve_txt_ttl(v, "_high.stub.example", &t, &n, &ttl), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ttl, 0);
	ca_addrs_free(t, n);
	ttl = 1;
	assert_int_equal(ca_resolve_txt_ttl(v, "_neg.stub.example", &t, &n, &ttl), 0);
	assert_int_equal(n, 0);
	assert_int_equal(ttl, 0);
	/* the server changes its records: seen at once, cached TTLs or not */
	vt_stub_set(&stub, stub_b, sizeof(stub_b) / sizeof(stub_b[0]));
	assert_int_equal(ca_resolve_txt_ttl(v, "_ttl.stub.example", &t, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_string_equal(t[0], "two");
	ca_addrs_free(t, n);
	assert_int_equal(ca_resolve_txt(v, "_neg.stub.example", &t, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(t[0], "now");
	ca_addrs_free(t, n);
	ca_resolver_free(v);
	vt_stub_stop(&stub);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_a),
	    cmocka_unit_test(test_aaaa_first),
	    cmocka_unit_test(test_nxdomain),
	    cmocka_unit_test(test_no_address),
	    cmocka_unit_test(test_servfail),
	    cmocka_unit_test(test_bad_names),
	    cmocka_unit_test(test_txt),
	    cmocka_unit_test(test_dnssec_bogus),
	    cmocka_unit_test(test_bad_config),
	    cmocka_unit_test(test_deadline),
	    cmocka_unit_test(test_threads),
	    cmocka_unit_test(test_answer_min_ttl),
	    cmocka_unit_test(test_txt_ttl),
	};

	if (ca_validate_global_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
