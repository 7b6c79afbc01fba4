/*
 * test_ratelimit.c - unit tests of src/ca/ratelimit.c: the window and
 * Retry-After arithmetic, the address key of new accounts (IPv4, IPv6 /64,
 * IPv4-mapped), and each limit through its check against a real store:
 * the request under the limit passes, the one at it gets rateLimited with
 * Retry-After and a detail naming the limit; 0 turns a limit off; renewals
 * (same set held by the account, or "replaces") pass the certificate limits.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include "store/sqfix.h"

#include "acme/acme.h"
#include "config.h"
#include "mem.h"
#include "policy.h"
#include "ratelimit.h"

static void test_retry_after(void **state)
{
	static const struct {
		int64_t t, window, now, want;
	} cases[] = {
		{1000, 3600, 1000, 3600},     /* just counted: the whole window */
		{1000, 3600, 2000, 2600},
		{1000, 3600, 4599, 1},        /* the last second it counts */
		{1000, 3600, 4600, 1},        /* gone: never below 1 */
		{1000, 3600, 9000, 1},
		{5000, 0, 4000, 1000},        /* no window: until t (an expiry) */
		{5000, 0, 5000, 1},
		{1700000000, 7 * 86400, 1700000000 + 86400, 6 * 86400},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(ca_ratelimit_retry_after(cases[i].t, cases[i].window, cases[i].now),
		    cases[i].want);
}

static void test_fmt_window(void **state)
{
	static const struct {
		int64_t s;
		const char *want;
	} cases[] = {
		{7 * 86400, "7d"}, {86400, "1d"}, {3 * 3600, "3h"}, {3600, "1h"}, {90 * 60, "90m"},
		{25 * 3600, "25h"}, {61, "61s"}, {1, "1s"}, {0, "0s"},
	};
	char out[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ca_ratelimit_fmt_window(cases[i].s, out);
		assert_string_equal(out, cases[i].want);
	}
}

/* addr (IPv4 or IPv6 text) as a socket address in *ss. */
static void sockaddr_of(const char *addr, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(addr, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, addr, &s6->sin6_addr), 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, addr, &s4->sin_addr), 1);
	}
}

static void ip_key_of(const char *addr, char out[CA_RATE_IP_KEY_MAX])
{
	struct sockaddr_storage ss;

	sockaddr_of(addr, &ss);
	assert_int_equal(ca_ratelimit_ip_key((struct sockaddr *)&ss, out), 0);
}

static void test_ip_key(void **state)
{
	static const char *const cases[][2] = {
		{"192.0.2.1", "192.0.2.1"},
		{"127.0.0.1", "127.0.0.1"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"},
		{"2001:db8:1:3::1", "2001:db8:1:3::/64"},
		{"::1", "::/64"},
		{"::ffff:192.0.2.1", "192.0.2.1"},
	};
	struct sockaddr_un un;
	char out[CA_RATE_IP_KEY_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ip_key_of(cases[i][0], out);
		assert_string_equal(out, cases[i][1]);
	}
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	assert_int_equal(ca_ratelimit_ip_key((struct sockaddr *)&un, out), CN_ERR_INTERNAL);
}

/* ---- the checks against a store */

struct env {
	struct fx fx;
	struct ca_config cfg;
	struct ca_ctx ctx;
};

/* Every limit off; each test turns on the one it looks at. */
static int env_setup(void **state)
{
	struct env *e;
	void *fx = NULL;

	if (fx_setup(&fx) != 0)
		return -1;
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return -1;
	e->fx = *(struct fx *)fx;
	free(fx);
	ca_config_defaults(&e->cfg);
	e->cfg.rate_orders = 0;
	e->cfg.rate_certs_domain = 0;
	e->cfg.rate_duplicates = 0;
	e->cfg.rate_failed = 0;
	e->cfg.rate_accounts = 0;
	e->cfg.rate_pending_authz = 0;
	e->ctx.cfg = &e->cfg;
	e->ctx.store = e->fx.st;
	*state = e;
	return 0;
}

static int env_teardown(void **state)
{
	struct env *e = *state;
	struct fx *f = cn_xmalloc(sizeof(*f));

	*f = e->fx;
	ca_config_cleanup(&e->cfg);
	free(e);
	*state = f;
	return fx_teardown(state);
}

static void req_init(struct ca_req *req, int64_t account, int64_t now)
{
	memset(req, 0, sizeof(*req));
	req->now = now;
	req->account.id = account;
}

/* A DNS identifier, as policy.c normalizes it. */
static struct ca_identifier dns_id(const char *name, bool wildcard)
{
	struct ca_identifier id;

	memset(&id, 0, sizeof(id));
	snprintf(id.type, sizeof(id.type), "dns");
	id.value = (char *)name;
	id.wildcard = wildcard;
	return id;
}

static const char *header(const struct ca_resp *resp, const char *name)
{
	size_t i;

	for (i = 0; i < resp->n_headers; i++)
		if (strcmp(resp->header_names[i], name) == 0)
			return resp->header_values[i];
	return NULL;
}

/* The check's result r was rateLimited with Retry-After `retry` and a
 * detail holding each of the strings in want (NULL-terminated). */
static void assert_limited(int r, struct ca_resp *resp, const char *retry, const char *const *want)
{
	const char *d = cn_err_detail();

	assert_int_equal(r, CN_ERR_RATE_LIMITED);
	assert_non_null(header(resp, "Retry-After"));
	assert_string_equal(header(resp, "Retry-After"), retry);
	for (; *want; want++)
		if (strstr(d, *want) == NULL)
			fail_msg("detail '%s' lacks '%s'", d, *want);
	ca_resp_cleanup(resp);
}

static void test_orders_per_account(void **state)
{
	static const char *const want[] = {"rate limit rate-orders-per-account", "at most 2 ",
	    "per 3h", "new orders", NULL};
	struct env *e = *state;
	struct ca_identifier id = dns_id("www.example.com", false);
	struct ca_resp resp;
	struct ca_req req;
	int64_t a, b;

	memset(&resp, 0, sizeof(resp));
	e->cfg.rate_orders = 2;
	e->cfg.rate_orders_window_s = 3 * 3600;
	a = fx_account(e->fx.st, "a");
	b = fx_account(e->fx.st, "b");
	(void)fx_order_at(e->fx.st, a, "[]", 10000, NULL);
	req_init(&req, a, 10500);
	assert_int_equal(ca_ratelimit_new_order(&e->ctx, &req, &id, 1, false, &resp), 0);
	assert_int_equal(resp.n_headers, 0);
	(void)fx_order_at(e->fx.st, a, "[]", 10400, NULL);
	/* the 3rd order: refused until the one of 10000 is 3 hours old */
	assert_limited(ca_ratelimit_new_order(&e->ctx, &req, &id, 1, false, &resp), &resp,
	    "10300", want);
	/* replaces does not lift this limit */
	assert_limited(ca_ratelimit_new_order(&e->ctx, &req, &id, 1, true, &resp), &resp,
	    "10300", want);
	req_init(&req, a, 10000 + 3 * 3600);
	assert_int_equal(ca_ratelimit_new_order(&e->ctx, &req, &id, 1, false, &resp), 0);
	/* other accounts have their own count; 0 turns it off */
	req_init(&req, b, 10500);
	assert_int_equal(ca_ratelimit_new_order(&e->ctx, &req, &id, 1, false, &resp), 0);
	e->cfg.rate_orders = 0;
	req_init(&req, a, 10500);
	assert_int_equal(ca_ratelimit_new_order(&e->ctx, &req, &id, 1, false, &resp), 0);
	assert_int_equal(resp.n_headers, 0);
}

static void test_certs_per_domain(void **state)
{
	static const char *const want[] = {"rate limit rate-certs-per-domain",
	    "registered domain example.co.uk", "at most 2 per 7d", NULL};
	static const char *const want_ip[] = {"ip:192.0.2.7", NULL};
	struct env *e = *state;
	struct ca_identifier api = dns_id("api.example.co.uk", false);
	struct ca_identifier two[2] = {dns_id("other.co.uk", false),
	    dns_id("example.co.uk", true)};
	struct ca_identifier www = dns_id("www.example.co.uk", false);
	struct ca_identifier ip;
	struct ca_resp resp;
	struct ca_req req;
	int64_t a, b, now = 100000;

	memset(&resp, 0, sizeof(resp));
	e->cfg.rate_certs_domain = 2;
	e->cfg.rate_certs_domain_window_s = 7 * 86400;
	a = fx_account(e->fx.st, "a");
	b = fx_account(e->fx.st, "b");
	fx_issue_at(e->fx.st, a, "[{\"type\":\"dns\",\"value\":\"www.example.co.uk\"}]", "01", now - 1000,
	    now + 86400);
	req_init(&req, b, now);
	assert_int_equal(ca_ratelimit_new_order(&e->ctx, &req, &api, 1, false, &resp), 0);
	fx_issue_at(e->fx.st, b, "[{\"type\":\"dns\",\"value\":\"*.mail.example.co.uk\"}]", "02", now - 500,
	    now + 86400);
	assert_limited(ca_ratelimit_new_order(&e->ctx, &req, &api, 1, false, &resp), &resp,
	    "603800", want);
	/* any registered domain of the order at the limit refuses it; a
	 * wildcard counts under its base name */
	assert_limited(ca_ratelimit_new_order(&e->ctx, &req, two, 2, false, &resp), &resp,
	    "603800", want);
	assert_int_equal(ca_ratelimit_new_order(&e->ctx, &req, two, 1, false, &resp), 0);
	/* renewals pass: "replaces", or a's own unexpired certificate */
	assert_int_equal(ca_ratelimit_new_order(&e->ctx, &req, &api, 1, true, &resp), 0);
	req_init(&req, a, now);
	assert_int_equal(ca_ratelimit_new_order(&e->ctx, &req, &www, 1, false, &resp), 0);
	req_init(&req, b, now);
	assert_limited(ca_ratelimit_new_order(&e->ctx, &req, &www, 1, false, &resp), &resp,
	    "603800", want);
	req_init(&req, a, now + 86400);                      /* 01 has expired */
	assert_limited(ca_ratelimit_new_order(&e->ctx, &req, &www, 1, false, &resp), &resp,
	    "517400", want);
	/* the window slides */
	req_init(&req, b, now - 1000 + 7 * 86400);
	assert_int_equal(ca_ratelimit_new_order(&e->ctx, &req, &api, 1, false, &resp), 0);
	/* an IP address counts alone */
	memset(&ip, 0, sizeof(ip));
	snprintf(ip.type, sizeof(ip.type), "ip");
	ip.value = (char *)"192.0.2.7";
	fx_issue_at(e->fx.st, a, "[{\"type\":\"ip\",\"value\":\"192.0.2.7\"}]", "03", now, now + 86400);
	fx_issue_at(e->fx.st, a, "[{\"type\":\"ip\",\"value\":\"192.0.2.7\"},"
	    "{\"type\":\"dns\",\"value\":\"x.example.org\"}]", "04", now, now + 86400);
	req_init(&req, b, now + 1);
	assert_limited(ca_ratelimit_new_order(&e->ctx, &req, &ip, 1, false, &resp), &resp,
	    "604799", want_ip);
	e->cfg.rate_certs_domain = 0;
	assert_int_equal(ca_ratelimit_new_order(&e->ctx, &req, &ip, 1, false, &resp), 0);
}

static void test_duplicates(void **state)
{
	static const char *const want[] = {"rate limit rate-duplicate-certs",
	    "exactly this set", "at most 2 per 1d", NULL};
	struct env *e = *state;
	struct ca_identifier set[2] = {dns_id("example.com", false),
	    dns_id("www.example.com", false)};
	struct ca_identifier wild = dns_id("example.com", true);
	struct ca_resp resp;
	struct ca_req req;
	int64_t a, b, now = 100000;

	memset(&resp, 0, sizeof(resp));
	e->cfg.rate_duplicates = 2;
	e->cfg.rate_duplicates_window_s = 86400;
	a = fx_account(e->fx.st, "a");
	b = fx_account(e->fx.st, "b");
	fx_issue_at(e->fx.st, a, "[{\"type\":\"dns\",\"value\":\"www.example.com\"},"
	    "{\"type\":\"dns\",\"value\":\"example.com\"}]", "01", now - 100, now - 50);
	req_init(&req, b, now);
	assert_int_equal(ca_ratelimit_new_order(&e->ctx, &req, set, 2, false, &resp), 0);
	fx_issue_at(e->fx.st, a, "[{\"type\":\"dns\",\"value\":\"example.com\"},"
	    "{\"type\":\"dns\",\"value\":\"www.example.com\"}]", "02", now - 10, now - 5);
	/* both have expired already: they still count (not renewals of b's) */
	assert_limited(ca_ratelimit_new_order(&e->ctx, &req, set, 2, false, &resp), &resp,
	    "86300", want);
	req_init(&req, a, now);
	assert_limited(ca_ratelimit_new_order(&e->ctx, &req, set, 2, false, &resp), &resp,
	    "86300", want);
	/* a subset, or the wildcard, is another set */
	assert_int_equal(ca_ratelimit_new_order(&e->ctx, &req, set, 1, false, &resp), 0);
	assert_int_equal(ca_ratelimit_new_order(&e->ctx, &req, &wild, 1, false, &resp), 0);
	assert_int_equal(ca_ratelimit_new_order(&e->ctx, &req, set, 2, true, &resp), 0);
}

static void test_failed_and_pending(void **state)
{
	static const char *const want_failed[] = {"rate limit rate-failed-validations",
	    "failed validations of dns fail.example.com", "at most 1 per 1h", NULL};
	static const char *const want_pending[] = {"rate limit rate-pending-authz",
	    "pending authorizations", "at most 2 ", NULL};
	struct env *e = *state;
	struct ca_identifier fail = dns_id("fail.example.com", false);
	struct ca_identifier fail_wild = dns_id("fail.example.com", true);
	struct ca_identifier ok = dns_id("ok.example.com", false);
	struct ca_challenge ch[2];
	struct ca_authz az;
	struct ca_resp resp;
	struct ca_req req;
	int64_t a, b;

	memset(&resp, 0, sizeof(resp));
	e->cfg.rate_failed = 1;
	e->cfg.rate_failed_window_s = 3600;
	e->cfg.rate_pending_authz = 2;
	a = fx_account(e->fx.st, "a");
	b = fx_account(e->fx.st, "b");
	fx_fill_authz(&az, ch, a, "fail.example.com");
	az.created = 10000;
	az.expires = 20000;
	assert_int_equal(ca_store_authz_create(e->fx.st, &az), 0);
	req_init(&req, a, 10100);
	assert_int_equal(ca_ratelimit_new_authz(&e->ctx, &req, &fail, &resp), 0);
	assert_int_equal(ca_store_challenge_start(e->fx.st, ch[0].id, 10050), 0);
	assert_int_equal(ca_store_challenge_finish(e->fx.st, ch[0].id, false, "{}", 10060), 0);
	assert_limited(ca_ratelimit_new_authz(&e->ctx, &req, &fail, &resp), &resp, "3500",
	    want_failed);
	assert_limited(ca_ratelimit_new_order(&e->ctx, &req, &fail_wild, 1, false, &resp), &resp,
	    "3500", want_failed);
	assert_int_equal(ca_ratelimit_new_authz(&e->ctx, &req, &ok, &resp), 0);
	req_init(&req, b, 10100);
	assert_int_equal(ca_ratelimit_new_authz(&e->ctx, &req, &fail, &resp), 0);
	req_init(&req, a, 13600);
	assert_int_equal(ca_ratelimit_new_authz(&e->ctx, &req, &fail, &resp), 0);

	/* pending: two orders' authorizations (expiring 15000 and 15100) */
	(void)fx_order_at(e->fx.st, a, "[]", 10000, NULL);
	req_init(&req, a, 10200);
	assert_int_equal(ca_ratelimit_new_authz(&e->ctx, &req, &ok, &resp), 0);
	(void)fx_order_at(e->fx.st, a, "[]", 10100, NULL);
	assert_limited(ca_ratelimit_new_authz(&e->ctx, &req, &ok, &resp), &resp, "4800",
	    want_pending);
	assert_limited(ca_ratelimit_new_order(&e->ctx, &req, &ok, 1, false, &resp), &resp,
	    "4800", want_pending);
	req_init(&req, a, 15000);                            /* one has expired */
	assert_int_equal(ca_ratelimit_new_authz(&e->ctx, &req, &ok, &resp), 0);
}

static void test_accounts_per_ip(void **state)
{
	static const char *const want[] = {"rate limit rate-accounts-per-ip",
	    "new accounts from 2001:db8:1:2::/64", "at most 2 per 3h", NULL};
	struct env *e = *state;
	struct sockaddr_in6 p1, p2, p3;
	struct ca_resp resp;
	struct ca_req req;
	int64_t a, b;

	memset(&resp, 0, sizeof(resp));
	memset(&p1, 0, sizeof(p1));
	p1.sin6_family = AF_INET6;
	p2 = p3 = p1;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:1:2::1", &p1.sin6_addr), 1);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:1:2:aaaa::9", &p2.sin6_addr), 1);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:1:3::1", &p3.sin6_addr), 1);
	e->cfg.rate_accounts = 2;
	e->cfg.rate_accounts_window_s = 3 * 3600;
	a = fx_account(e->fx.st, "a");
	b = fx_account(e->fx.st, "b");
	req_init(&req, 0, 50000);
	req.peer = (struct sockaddr *)&p1;
	assert_int_equal(ca_ratelimit_new_account(&e->ctx, &req, &resp), 0);
	ca_ratelimit_account_created(&e->ctx, &req, a);
	req.peer = (struct sockaddr *)&p2;
	req.now = 50100;
	assert_int_equal(ca_ratelimit_new_account(&e->ctx, &req, &resp), 0);
	ca_ratelimit_account_created(&e->ctx, &req, b);
	req.now = 50200;
	assert_limited(ca_ratelimit_new_account(&e->ctx, &req, &resp), &resp, "10600", want);
	req.peer = (struct sockaddr *)&p3;                  /* another /64 */
	assert_int_equal(ca_ratelimit_new_account(&e->ctx, &req, &resp), 0);
	req.peer = NULL;                                     /* unknown: not limited */
	req.now = 50200;
	assert_int_equal(ca_ratelimit_new_account(&e->ctx, &req, &resp), 0);
	req.peer = (struct sockaddr *)&p1;
	req.now = 50000 + 3 * 3600;
	assert_int_equal(ca_ratelimit_new_account(&e->ctx, &req, &resp), 0);
	assert_int_equal(resp.n_headers, 0);
}

static bool exempt(const char *cidrs, const char *addr)
{
	struct sockaddr_storage ss;

	sockaddr_of(addr, &ss);
	return ca_ratelimit_exempt(cidrs, (struct sockaddr *)&ss);
}

static void test_exempt(void **state)
{
	const char *dflt = "127.0.0.0/8,::1/128";

	(void)state;
	assert_true(exempt(dflt, "127.0.0.1"));
	assert_true(exempt(dflt, "127.255.0.9"));
	assert_true(exempt(dflt, "::1"));
	assert_false(exempt(dflt, "128.0.0.1"));
	assert_false(exempt(dflt, "::2"));
	assert_false(exempt(dflt, "2001:db8::1"));
	assert_false(exempt("", "127.0.0.1"));
	assert_true(exempt(" 10.1.2.0/23 , 2001:db8::/32", "10.1.3.200"));
	assert_false(exempt("10.1.2.0/23", "10.1.4.1"));
	assert_true(exempt("10.1.2.0/23, 2001:db8::/32", "2001:db8:ffff::1"));
	assert_true(exempt("192.0.2.7", "192.0.2.7"));
	assert_false(exempt("192.0.2.7", "192.0.2.8"));
	assert_true(exempt("0.0.0.0/0", "203.0.113.1"));
	assert_false(exempt("0.0.0.0/0", "2001:db8::1"));  /* IPv4 prefixes hold IPv4 only */
	assert_true(exempt("::ffff:0:0/96", "198.51.100.1"));
	assert_int_equal(ca_ratelimit_exempt_check(dflt), 0);
	assert_int_equal(ca_ratelimit_exempt_check(""), 0);
	assert_int_equal(ca_ratelimit_exempt_check("10.0.0.0/33"), CN_ERR_USAGE);
	assert_int_equal(ca_ratelimit_exempt_check("127.0.0.1,localhost"), CN_ERR_USAGE);
	assert_int_equal(ca_ratelimit_exempt_check("::1/129"), CN_ERR_USAGE);
	assert_int_equal(ca_ratelimit_exempt_check("10.0.0.0/"), CN_ERR_USAGE);
	assert_int_equal(ca_ratelimit_exempt_check("10.0.0.0/8,,"), CN_ERR_USAGE);
	assert_false(ca_ratelimit_exempt(dflt, NULL));
}

/* The default list lets loopback clients (local tools, tests) through
 * every limit. */
static void test_exempt_client_not_limited(void **state)
{
	struct env *e = *state;
	struct sockaddr_in lo;
	struct ca_resp resp;
	struct ca_req req;

	memset(&resp, 0, sizeof(resp));
	memset(&lo, 0, sizeof(lo));
	lo.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, "127.0.0.1", &lo.sin_addr), 1);
	free(e->cfg.rate_exempt);
	e->cfg.rate_exempt = strdup("127.0.0.0/8");
	e->cfg.rate_accounts = 1;
	req_init(&req, 0, 50000);
	req.peer = (struct sockaddr *)&lo;
	ca_ratelimit_account_created(&e->ctx, &req, fx_account(e->fx.st, "x"));
	assert_int_equal(ca_ratelimit_new_account(&e->ctx, &req, &resp), 0);
	free(e->cfg.rate_exempt);
	e->cfg.rate_exempt = strdup("");
	assert_int_equal(ca_ratelimit_new_account(&e->ctx, &req, &resp), CN_ERR_RATE_LIMITED);
	ca_resp_cleanup(&resp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_fmt_window),
		cmocka_unit_test(test_ip_key),
		cmocka_unit_test_setup_teardown(test_orders_per_account, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_certs_per_domain, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_duplicates, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_failed_and_pending, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_accounts_per_ip, env_setup, env_teardown),
		cmocka_unit_test(test_exempt),
		cmocka_unit_test_setup_teardown(test_exempt_client_not_limited, env_setup, env_teardown),
	};
	int r;

	r = cmocka_run_group_tests(tests, NULL, NULL);
	ca_policy_cleanup();
	return r;
}
