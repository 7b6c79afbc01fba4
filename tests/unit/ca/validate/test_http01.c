/*
 * test_http01.c - src/ca/validate/http01.c end to end on loopback:
 * pebble-challtestsrv answers DNS (every name is 127.0.0.1 unless mocked),
 * an in-test HTTP server plays the subscriber's web server (what it answers
 * depends on the token), and challtestsrv's own http-01 and https servers
 * serve as an independent peer.
 *
 * Ports (22310-22319): 22310 DNS, 22311 management, 22312 test server on
 * 127.0.0.1 and ::1, 22313 challtestsrv https, 22314 challtestsrv http-01,
 * 22315 test server on 127.0.0.1 only, 22316 and 22317 nothing.
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
#include "vtest.h"

#define DNS_PORT 22310
#define MGMT_PORT 22311
#define SRV_PORT 22312
#define CTS_HTTPS_PORT 22313
#define CTS_HTTP_PORT 22314
#define SRV4_PORT 22315
#define NOTHING_PORT 22317
#define WK "/.well-known/acme-challenge/"
#define KA "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI"

static struct vt_cts cts;
static struct vt_srv srv4, srv6, srv4only;
static struct ca_resolver *res;
static struct ca_validate_cfg base = {
    .resolver = "127.0.0.1:22310", .http01_port = SRV_PORT, .tlsalpn01_port = CTS_HTTPS_PORT, .allow_private = true};

/* What the test server saw last, for the assertions. */
static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;
static char seen_host[256], seen_ua[128], seen_path[512];
static int seen_family, seen_port;

static void seen(char *dst, size_t dst_len, const char *src)
{
	pthread_mutex_lock(&seen_lock);
	snprintf(dst, dst_len, "%s", src);
	pthread_mutex_unlock(&seen_lock);
}

static void send_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void respond(int fd, int status, const char *headers, const char *body, size_t blen, bool with_length)
{
	char head[1024];
	int n;

	n = snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\nConnection: close\r\n%s", status, headers ? headers : "");
	if (with_length)
		n += snprintf(head + n, sizeof(head) - (size_t)n, "Content-Length: %zu\r\n", blen);
	n += snprintf(head + n, sizeof(head) - (size_t)n, "\r\n");
	send_all(fd, head, (size_t)n);
	send_all(fd, body, blen);
}

static void redirect(int fd, int status, const char *location)
{
	char h[600];

	snprintf(h, sizeof(h), "Location: %s\r\n", location);
	respond(fd, status, h, "moved", 5, true);
}

/* Waits until the client goes away (or 10 s). */
static void stall(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char buf[256];

	while (poll(&p, 1, 10000) == 1 && recv(fd, buf, sizeof(buf), 0) > 0)
		;
}

static void header_value(const char *req, const char *name, char *out, size_t out_len)
{
	const char *p = req;
	size_t nl = strlen(name), vl;

	out[0] = '\0';
	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			p += nl + 1;
			while (*p == ' ')
				p++;
			vl = strcspn(p, "\r\n");
			snprintf(out, out_len, "%.*s", (int)vl, p);
			return;
		}
	}
}

/* Redirect chains: /hop/K redirects K more times, in varied forms. */
static void hop(int fd, int k)
{
	static const int codes[] = {301, 302, 307, 308};
	char loc[256];

	if (k <= 0) {
		respond(fd, 200, NULL, KA, strlen(KA), true);
		return;
	}
	if (k % 3 == 0)
		snprintf(loc, sizeof(loc), "/hop/%d", k - 1);
	else if (k % 3 == 1)
		snprintf(loc, sizeof(loc), "http://h%d.validate.example/hop/%d", k, k - 1);
	else
		snprintf(loc, sizeof(loc), "http://h%d.validate.example:%d/hop/%d", k, SRV_PORT, k - 1);
	redirect(fd, codes[k % 4], loc);
}

static void http_handle(int fd, void *arg)
{
	char req[4096], path[512], host[256], ua[128], *tok;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	size_t have = 0;
	ssize_t n;
	static char big[9000];
	static const char partial[] = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nLoqX";

	(void)arg;
	while (have < sizeof(req) - 1 && poll(&p, 1, 3000) == 1) {
		n = recv(fd, req + have, sizeof(req) - 1 - have, 0);
		if (n <= 0)
			break;
		have += (size_t)n;
		req[have] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL)
			break;
	}
	if (have == 0 || sscanf(req, "GET %511s HTTP/1.1", path) != 1)
		return; /* readiness probes connect and go */
	header_value(req, "Host", host, sizeof(host));
	header_value(req, "User-Agent", ua, sizeof(ua));
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	pthread_mutex_lock(&seen_lock);
	seen_family = ss.ss_family;
	seen_port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						 : ((struct sockaddr_in *)&ss)->sin_port);
	pthread_mutex_unlock(&seen_lock);
	seen(seen_host, sizeof(seen_host), host);
	seen(seen_ua, sizeof(seen_ua), ua);
	seen(seen_path, sizeof(seen_path), path);
	memset(big, 'a', sizeof(big));

	if (strncmp(path, "/hop/", 5) == 0) {
		hop(fd, (int)strtol(path + 5, NULL, 10));
		return;
	}
	if (strncmp(path, WK, strlen(WK)) != 0) {
		respond(fd, 404, NULL, "no", 2, true);
		return;
	}
	tok = path + strlen(WK);
	if (strncmp(tok, "chain", 5) == 0) {
		hop(fd, (int)strtol(tok + 5, NULL, 10));
	} else if (strcmp(tok, "good") == 0) {
		respond(fd, 200, "Content-Type: application/octet-stream\r\n", KA, strlen(KA), true);
	} else if (strcmp(tok, "crlf") == 0) {
		respond(fd, 200, NULL, KA "\r\n\t \n", strlen(KA) + 5, true);
	} else if (strcmp(tok, "wrong") == 0) {
		respond(fd, 200, NULL, "this-is-not-it\n", 15, true);
	} else if (strcmp(tok, "leading") == 0) {
		respond(fd, 200, NULL, " " KA, strlen(KA) + 1, true);
	} else if (strcmp(tok, "nul") == 0) {
		respond(fd, 200, NULL, KA "\0", strlen(KA) + 1, true);
	} else if (strcmp(tok, "forbidden") == 0) {
		respond(fd, 403, NULL, KA, strlen(KA), true);
	} else if (strcmp(tok, "s500") == 0) {
		respond(fd, 500, NULL, KA, strlen(KA), true);
	} else if (strcmp(tok, "s204") == 0) {
		respond(fd, 204, NULL, "", 0, false);
	} else if (strcmp(tok, "badport") == 0) {
		redirect(fd, 302, "http://bp.validate.example:22317" WK "good");
	} else if (strcmp(tok, "port80") == 0) {
		redirect(fd, 302, "http://bp.validate.example:80" WK "good");
	} else if (strcmp(tok, "ftp") == 0) {
		redirect(fd, 302, "ftp://ftp.validate.example/" WK "good");
	} else if (strcmp(tok, "userinfo") == 0) {
		redirect(fd, 302, "http://user:pw@ui.validate.example" WK "good");
	} else if (strcmp(tok, "singlelabel") == 0) {
		redirect(fd, 302, "http://intranet" WK "good");
	} else if (strcmp(tok, "toip") == 0) {
		redirect(fd, 307, "http://127.0.0.1" WK "good");
	} else if (strcmp(tok, "toip6") == 0) {
		redirect(fd, 308, "http://[::1]" WK "good");
	} else if (strcmp(tok, "tohttps") == 0) {
		redirect(fd, 302, "https://tls.validate.example" WK "ctstok");
	} else if (strcmp(tok, "tohttpsport") == 0) {
		redirect(fd, 302, "https://tls.validate.example:22316" WK "ctstok");
	} else if (strcmp(tok, "s303") == 0) {
		redirect(fd, 303, WK "good");
	} else if (strcmp(tok, "noloc") == 0) {
		respond(fd, 302, NULL, "", 0, true);
	} else if (strcmp(tok, "badloc") == 0) {
		redirect(fd, 302, "http://[zz/x");
	} else if (strcmp(tok, "loop") == 0) {
		redirect(fd, 302, WK "loop");
	} else if (strcmp(tok, "big") == 0) {
		respond(fd, 200, NULL, big, sizeof(big), true);
	} else if (strcmp(tok, "bigchunked") == 0) {
		respond(fd, 200, NULL, big, sizeof(big), false);
	} else if (strcmp(tok, "pad8192") == 0 || strcmp(tok, "pad8193") == 0) {
		size_t total = strcmp(tok, "pad8192") == 0 ? 8192 : 8193;
		char *b = malloc(total);

		memset(b, ' ', total);
		memcpy(b, KA, strlen(KA));
		respond(fd, 200, NULL, b, total, false);
		free(b);
	} else if (strcmp(tok, "slow") == 0) {
		stall(fd);
	} else if (strcmp(tok, "slowbody") == 0) {
		send_all(fd, partial, sizeof(partial) - 1);
		stall(fd);
	} else {
		respond(fd, 404, NULL, "no such token", 13, true);
	}
}

static int setup(void **state)
{
	(void)state;
	if (vt_cts_start(&cts, DNS_PORT, MGMT_PORT, CTS_HTTP_PORT, CTS_HTTPS_PORT, 0) != 0)
		return -1;
	if (vt_srv_start(&srv4, "127.0.0.1", SRV_PORT, http_handle, NULL) != 0 ||
	    vt_srv_start(&srv6, "::1", SRV_PORT, http_handle, NULL) != 0 ||
	    vt_srv_start(&srv4only, "127.0.0.1", SRV4_PORT, http_handle, NULL) != 0)
		return -1;
	if (vt_cts_post(&cts, "/add-http01", "{\"token\":\"ctstok\",\"content\":\"" KA "\"}") != 200)
		return -1;
	return ca_resolver_new(&base, &res);
}

static int teardown(void **state)
{
	(void)state;
	ca_resolver_free(res);
	vt_srv_stop(&srv4);
	vt_srv_stop(&srv6);
	vt_srv_stop(&srv4only);
	vt_cts_stop(&cts);
	return 0;
}

static int run(const struct ca_validate_cfg *cfg, const char *name, const char *token)
{
	int rc = ca_validate_http01(cfg, res, "dns", name, token, KA);

	if (getenv("VTEST_VERBOSE") != NULL)
		fprintf(stderr, "  %s %s -> %d %s\n", name, token, rc, rc ? cn_err_detail() : "");
	return rc;
}

static void test_good(void **state)
{
	(void)state;
	assert_int_equal(run(&base, "good.validate.example", "good"), 0);
	assert_string_equal(seen_host, "good.validate.example"); /* no port: as sent to port 80 */
	assert_string_equal(seen_ua, "cairnd");
	assert_string_equal(seen_path, WK "good");
	assert_int_equal(seen_family, AF_INET);
	/* trailing whitespace is ignored (RFC 8555 section 8.3 step 4) */
	assert_int_equal(run(&base, "good.validate.example", "crlf"), 0);
	/* 8192 bytes (the limit) with trailing spaces is still fine */
	assert_int_equal(run(&base, "good.validate.example", "pad8192"), 0);
}

static void test_wrong_body(void **state)
{
	(void)state;
	assert_int_equal(run(&base, "good.validate.example", "wrong"), CN_ERR_INCORRECT_RESPONSE);
	assert_non_null(strstr(cn_err_detail(), "http://good.validate.example" WK "wrong"));
	assert_non_null(strstr(cn_err_detail(), "got \"this-is-not-it\""));
	assert_int_equal(run(&base, "good.validate.example", "leading"), CN_ERR_INCORRECT_RESPONSE);
	assert_int_equal(run(&base, "good.validate.example", "nul"), CN_ERR_INCORRECT_RESPONSE);
	assert_non_null(strstr(cn_err_detail(), "\\x00"));
	/* the right body for another key authorization */
	assert_int_equal(ca_validate_http01(&base, res, "dns", "good.validate.example", "good", KA "x"),
	    CN_ERR_INCORRECT_RESPONSE);
}

static void test_status(void **state)
{
	(void)state;
	assert_int_equal(run(&base, "good.validate.example", "missing"), CN_ERR_UNAUTHORIZED);
	assert_non_null(strstr(cn_err_detail(), "HTTP 404"));
	assert_int_equal(run(&base, "good.validate.example", "forbidden"), CN_ERR_UNAUTHORIZED);
	assert_non_null(strstr(cn_err_detail(), "HTTP 403"));
	assert_int_equal(run(&base, "good.validate.example", "s500"), CN_ERR_UNAUTHORIZED);
	assert_int_equal(run(&base, "good.validate.example", "s204"), CN_ERR_UNAUTHORIZED);
	/* 303 is not among the BR's redirects */
	assert_int_equal(run(&base, "good.validate.example", "s303"), CN_ERR_UNAUTHORIZED);
	assert_non_null(strstr(cn_err_detail(), "HTTP 303"));
}

static void test_redirect_chain(void **state)
{
	struct ca_validate_cfg c = base;

	(void)state;
	assert_int_equal(run(&base, "r.validate.example", "chain1"), 0);
	assert_int_equal(run(&base, "r.validate.example", "chain4"), 0);
	/* ten redirects (the default limit), via relative, absolute and explicit-port targets */
	assert_int_equal(run(&base, "r.validate.example", "chain10"), 0);
	assert_string_equal(seen_path, "/hop/0");
	assert_string_equal(seen_host, "h1.validate.example");
	c.max_redirects = 3;
	assert_int_equal(run(&c, "r.validate.example", "chain3"), 0);
	assert_int_equal(run(&c, "r.validate.example", "chain4"), CN_ERR_CONNECTION);
	c.max_redirects = -1; /* none at all */
	assert_int_equal(run(&c, "r.validate.example", "chain1"), CN_ERR_CONNECTION);
	assert_int_equal(run(&c, "r.validate.example", "good"), 0);
}

static void test_too_many_redirects(void **state)
{
	(void)state;
	assert_int_equal(run(&base, "r.validate.example", "chain11"), CN_ERR_CONNECTION);
	assert_non_null(strstr(cn_err_detail(), "too many redirects"));
	assert_int_equal(run(&base, "r.validate.example", "loop"), CN_ERR_CONNECTION);
	assert_non_null(strstr(cn_err_detail(), "too many redirects"));
}

static void test_bad_redirects(void **state)
{
	static const struct {
		const char *token, *why;
	} rows[] = {
	    {"badport", "port 22317 is not allowed"},
	    {"port80", "port 80 is not allowed"},
	    {"tohttpsport", "port 22316 is not allowed; https redirects may only go to port 22313"},
	    {"ftp", "only http and https"},
	    {"userinfo", "userinfo"},
	    {"singlelabel", "valid domain name or an IP address"},
	    {"noloc", "without a usable Location"},
	    {"badloc", "http://[zz/x"},
	};
	size_t i;
	int before;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		before = vt_srv_accepted(&srv4);
		if (run(&base, "r.validate.example", rows[i].token) != CN_ERR_CONNECTION)
			fail_msg("%s: redirect followed", rows[i].token);
		if (strstr(cn_err_detail(), rows[i].why) == NULL)
			fail_msg("%s: detail '%s' lacks '%s'", rows[i].token, cn_err_detail(), rows[i].why);
		/* only the first request reached the server */
		assert_int_equal(vt_srv_accepted(&srv4), before + 1);
	}
}

static void test_redirect_to_ip(void **state)
{
	(void)state;
	assert_int_equal(run(&base, "r.validate.example", "toip"), 0);
	assert_string_equal(seen_host, "127.0.0.1");
	assert_int_equal(run(&base, "r.validate.example", "toip6"), 0);
	assert_string_equal(seen_host, "[::1]");
	assert_int_equal(seen_family, AF_INET6);
}

/* https hops go to the tls-alpn-01 port, with no certificate verification. */
static void test_redirect_to_https(void **state)
{
	(void)state;
	assert_int_equal(run(&base, "r.validate.example", "tohttps"), 0);
}

static void test_oversized(void **state)
{
	(void)state;
	assert_int_equal(run(&base, "good.validate.example", "big"), CN_ERR_INCORRECT_RESPONSE);
	assert_non_null(strstr(cn_err_detail(), "larger than 8192 bytes"));
	assert_int_equal(run(&base, "good.validate.example", "bigchunked"), CN_ERR_INCORRECT_RESPONSE);
	assert_non_null(strstr(cn_err_detail(), "larger than 8192 bytes"));
	assert_int_equal(run(&base, "good.validate.example", "pad8193"), CN_ERR_INCORRECT_RESPONSE);
}

static void test_timeout(void **state)
{
	struct ca_validate_cfg c = base;
	int64_t t0, took;

	(void)state;
	c.total_timeout_ms = 800;
	t0 = vt_now_ms();
	assert_int_equal(run(&c, "slow.validate.example", "slow"), CN_ERR_CONNECTION);
	took = vt_now_ms() - t0;
	assert_non_null(strstr(cn_err_detail(), "timeout"));
	assert_true(took >= 700 && took < 2500);
	t0 = vt_now_ms();
	assert_int_equal(run(&c, "slow.validate.example", "slowbody"), CN_ERR_CONNECTION);
	took = vt_now_ms() - t0;
	assert_true(took >= 700 && took < 2500);
}

static void test_refused(void **state)
{
	struct ca_validate_cfg c = base;

	(void)state;
	c.http01_port = NOTHING_PORT;
	assert_int_equal(run(&c, "good.validate.example", "good"), CN_ERR_CONNECTION);
	assert_non_null(strstr(cn_err_detail(), "cannot connect to 127.0.0.1 port 22317"));
}

static void test_nxdomain(void **state)
{
	(void)state;
	assert_int_equal(run(&base, "nx.validate.invalid", "good"), CN_ERR_DNS);
	assert_non_null(strstr(cn_err_detail(), "NXDOMAIN"));
	assert_int_equal(vt_cts_post(&cts, "/set-servfail", "{\"host\":\"sf.validate.example.\"}"), 200);
	assert_int_equal(run(&base, "sf.validate.example", "good"), CN_ERR_DNS);
}

static void test_private_refused(void **state)
{
	struct ca_validate_cfg c = base;
	int before = vt_srv_accepted(&srv4) + vt_srv_accepted(&srv6);

	(void)state;
	c.allow_private = false;
	assert_int_equal(run(&c, "good.validate.example", "good"), CN_ERR_CONNECTION);
	assert_non_null(strstr(cn_err_detail(), "127.0.0.0/8"));
	assert_int_equal(ca_validate_http01(&c, res, "ip", "127.0.0.1", "good", KA), CN_ERR_CONNECTION);
	assert_int_equal(ca_validate_http01(&c, res, "ip", "::1", "good", KA), CN_ERR_CONNECTION);
	assert_non_null(strstr(cn_err_detail(), "::1/128"));
	/* every address of the name is refused: nothing is contacted */
	assert_int_equal(vt_cts_post(&cts, "/add-aaaa", "{\"host\":\"mixed.validate.example.\",\"addresses\":[\"::1\"]}"),
	    200);
	assert_int_equal(run(&c, "mixed.validate.example", "good"), CN_ERR_CONNECTION);
	assert_int_equal(vt_srv_accepted(&srv4) + vt_srv_accepted(&srv6), before);
}

static void test_ipv6_first(void **state)
{
	(void)state;
	assert_int_equal(vt_cts_post(&cts, "/add-aaaa", "{\"host\":\"six.validate.example.\",\"addresses\":[\"::1\"]}"),
	    200);
	assert_int_equal(run(&base, "six.validate.example", "good"), 0);
	assert_int_equal(seen_family, AF_INET6);
	assert_string_equal(seen_host, "six.validate.example");
}

/* ::1 answers nothing on SRV4_PORT: the IPv4 address is tried next. */
static void test_ipv4_fallback(void **state)
{
	struct ca_validate_cfg c = base;
	int rc;

	(void)state;
	c.http01_port = SRV4_PORT;
	assert_int_equal(vt_cts_post(&cts, "/add-aaaa", "{\"host\":\"fb.validate.example.\",\"addresses\":[\"::1\"]}"),
	    200);
	assert_int_equal(run(&c, "fb.validate.example", "good"), 0);
	assert_int_equal(seen_family, AF_INET);
	assert_int_equal(seen_port, SRV4_PORT);
	/* IPv6 only: nothing to fall back to */
	assert_int_equal(vt_cts_post(&cts, "/add-aaaa", "{\"host\":\"only6.validate.example.\",\"addresses\":[\"::1\"]}"),
	    200);
	assert_int_equal(vt_cts_post(&cts, "/set-default-ipv4", "{\"ip\":\"\"}"), 200);
	rc = run(&c, "only6.validate.example", "good");
	assert_int_equal(vt_cts_post(&cts, "/set-default-ipv4", "{\"ip\":\"127.0.0.1\"}"), 200);
	assert_int_equal(rc, CN_ERR_CONNECTION);
	assert_non_null(strstr(cn_err_detail(), "cannot connect to ::1 port 22315"));
}

static void test_ip_identifiers(void **state)
{
	(void)state;
	assert_int_equal(ca_validate_http01(&base, res, "ip", "127.0.0.1", "good", KA), 0);
	assert_string_equal(seen_host, "127.0.0.1");
	assert_int_equal(ca_validate_http01(&base, res, "ip", "::1", "good", KA), 0);
	assert_string_equal(seen_host, "[::1]");
	assert_int_equal(seen_family, AF_INET6);
	assert_int_equal(ca_validate_http01(&base, res, "ip", "::1", "wrong", KA), CN_ERR_INCORRECT_RESPONSE);
	assert_non_null(strstr(cn_err_detail(), "http://[::1]" WK "wrong"));
}

static void test_bad_arguments(void **state)
{
	(void)state;
	assert_int_equal(run(&base, "good.validate.example", "../../etc"), CN_ERR_MALFORMED);
	assert_int_equal(run(&base, "good.validate.example", ""), CN_ERR_MALFORMED);
	assert_int_equal(run(&base, "good.validate.example", "a?b"), CN_ERR_MALFORMED);
	assert_int_equal(run(&base, "*.validate.example", "good"), CN_ERR_MALFORMED);
	assert_int_equal(run(&base, "bad_name.validate.example", "good"), CN_ERR_MALFORMED);
	assert_int_equal(ca_validate_http01(&base, res, "email", "a@b.example", "good", KA), CN_ERR_MALFORMED);
	assert_int_equal(ca_validate_http01(&base, res, "ip", "good.validate.example", "good", KA), CN_ERR_MALFORMED);
}

/* challtestsrv's http-01 server: an independent peer. */
static void test_challtestsrv_peer(void **state)
{
	struct ca_validate_cfg c = base;

	(void)state;
	c.http01_port = CTS_HTTP_PORT;
	assert_int_equal(run(&c, "peer.validate.example", "ctstok"), 0);
	/* challtestsrv answers an unknown token with an empty 200 */
	assert_int_equal(run(&c, "peer.validate.example", "unknowntok"), CN_ERR_INCORRECT_RESPONSE);
	assert_non_null(strstr(cn_err_detail(), "got \"\""));
}

#define THREADS 6
#define PER_THREAD 5

static void *worker(void *arg)
{
	long ok = 0;
	int i;

	(void)arg;
	for (i = 0; i < PER_THREAD; i++)
		if (run(&base, "good.validate.example", i % 2 ? "good" : "chain2") == 0 &&
		    run(&base, "good.validate.example", "wrong") == CN_ERR_INCORRECT_RESPONSE)
			ok++;
	return (void *)ok;
}

static void test_threads(void **state)
{
	pthread_t th[THREADS];
	void *ok;
	long i, total = 0;

	(void)state;
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, worker, NULL), 0);
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], &ok);
		total += (long)ok;
	}
	assert_int_equal(total, THREADS * PER_THREAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),
	    cmocka_unit_test(test_wrong_body),
	    cmocka_unit_test(test_status),
	    cmocka_unit_test(test_redirect_chain),
	    cmocka_unit_test(test_too_many_redirects),
	    cmocka_unit_test(test_bad_redirects),
	    cmocka_unit_test(test_redirect_to_ip),
	    cmocka_unit_test(test_redirect_to_https),
	    cmocka_unit_test(test_oversized),
	    cmocka_unit_test(test_timeout),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_nxdomain),
	    cmocka_unit_test(test_private_refused),
	    cmocka_unit_test(test_ipv6_first),
	    cmocka_unit_test(test_ipv4_fallback),
	    cmocka_unit_test(test_ip_identifiers),
	    cmocka_unit_test(test_bad_arguments),
	    cmocka_unit_test(test_challtestsrv_peer),
	    cmocka_unit_test(test_threads),
	};

	if (ca_validate_global_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
