/*
 * test_client.c - unit tests for src/core/http/client.c: header parsing
 * (Retry-After, Link), and real requests to a small HTTP/1.1 server running
 * in a thread on an ephemeral loopback port (keep-alive reuse, body limit,
 * timeouts, refused connections, POST bodies).
 */
#define _GNU_SOURCE /* memmem, strcasestr in the test server */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/client.h"

/* ---- table tests ------------------------------------------------------- */

static void test_retry_after(void **state)
{
	static const struct {
		const char *v;
		time_t now;
		int rc;
		long secs;
	} cases[] = {
		{"0", 40, 0, 0},
		{"  120 ", 40, 0, 120},
		{"3", 40, 0, 3},
		{"99999999999999999999", 40, 0, 86400L * 30},
		{"Sun, 06 Nov 1994 08:49:37 GMT", 2000000000, 0, 0}, /* in the past */
		{"Thu, 01 Jan 1970 00:01:40 GMT", 40, 0, 60},
		{"Sunday, 06-Nov-94 08:49:37 GMT", 784111700, 0, 77},  /* obsolete RFC 850 form */
		{"Sat, 01 Jan 2000 00:00:00 GMT", 0, 0, 86400L * 30},  /* clamped */
		{"12abc", 40, CN_ERR_MALFORMED, 0},
		{"", 40, CN_ERR_MALFORMED, 0},
		{"-5", 40, CN_ERR_MALFORMED, 0},
		{"tomorrow", 40, CN_ERR_MALFORMED, 0},
	};
	size_t i;
	long s;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = -7;
		assert_int_equal(cn_http_retry_after_parse(cases[i].v, cases[i].now, &s), cases[i].rc);
		if (cases[i].rc == 0)
			assert_int_equal(s, cases[i].secs);
	}
}

static void test_link_parse(void **state)
{
	struct cn_http_resp r;

	(void)state;
	memset(&r, 0, sizeof(r));
	cn_http_link_parse("<https://ca/dir>;rel=\"index\", <https://ca/c/1/1>; rel=alternate;title=\"x,y\","
	    " <https://ca/up>; rel=\"up alternate\"", &r);
	assert_int_equal(r.n_links, 4);
	assert_string_equal(r.links[0].url, "https://ca/dir");
	assert_string_equal(r.links[0].rel, "index");
	assert_string_equal(r.links[1].url, "https://ca/c/1/1");
	assert_string_equal(r.links[1].rel, "alternate");
	assert_string_equal(cn_http_link_find(&r, "up"), "https://ca/up");
	assert_string_equal(cn_http_link_find(&r, "ALTERNATE"), "https://ca/c/1/1");
	assert_null(cn_http_link_find(&r, "next"));
	cn_http_resp_cleanup(&r);

	/* malformed values are skipped, not fatal */
	memset(&r, 0, sizeof(r));
	cn_http_link_parse("garbage, <u1>; rel=up, <u2 ; rel=x", &r);
	assert_int_equal(r.n_links, 1);
	assert_string_equal(r.links[0].url, "u1");
	cn_http_resp_cleanup(&r);

	/* bounded */
	memset(&r, 0, sizeof(r));
	{
		char big[4096] = "";
		size_t i, o = 0;

		for (i = 0; i < 40; i++)
			o += (size_t)snprintf(big + o, sizeof(big) - o, "<u%zu>;rel=up,", i);
		cn_http_link_parse(big, &r);
	}
	assert_int_equal(r.n_links, CN_HTTP_MAX_LINKS);
	cn_http_resp_cleanup(&r);
}

static void test_is_type(void **state)
{
	struct cn_http_resp r;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_false(cn_http_is_type(&r, "application/json"));
	r.content_type = strdup("Application/JSON; charset=utf-8");
	assert_true(cn_http_is_type(&r, "application/json"));
	assert_false(cn_http_is_type(&r, "application/jso"));
	assert_false(cn_http_is_type(&r, "application/problem+json"));
	cn_http_resp_cleanup(&r);
}

/* ---- a tiny HTTP/1.1 server --------------------------------------------- */

struct srv {
	int lfd;
	int port;
	int stop_pipe[2];
	pthread_t th;
	int accepts;
	int requests;
	char last_body[256];
	char last_method[8];
};

static void srv_reply(int fd, const char *path, struct srv *s)
{
	char out[8192];
	int n;

	if (strcmp(path, "/hdrs") == 0) {
		n = snprintf(out, sizeof(out),
		    "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
		    "Replay-Nonce: abc-DEF_123\r\nLocation: https://ca/acct/1\r\n"
		    "Retry-After: 7\r\nLink: <https://ca/dir>;rel=\"index\"\r\n"
		    "Link: <https://ca/issuer>;rel=\"up\"\r\n"
		    "Content-Length: 11\r\n\r\n{\"ok\":true}");
	} else if (strcmp(path, "/big") == 0) {
		char body[4000];

		memset(body, 'x', sizeof(body));
		n = snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%.*s",
		    sizeof(body), (int)sizeof(body), body);
	} else if (strcmp(path, "/slow") == 0) {
		usleep(1500 * 1000);
		return;
	} else if (strcmp(path, "/echo") == 0) {
		n = snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s",
		    strlen(s->last_body), s->last_body);
	} else {
		n = snprintf(out, sizeof(out), "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
	}
	if (write(fd, out, (size_t)n) != n)
		return;
}

/* Serves requests on one connection until the peer closes it. */
static void srv_conn(struct srv *s, int fd)
{
	char buf[8192];
	size_t len = 0;
	ssize_t n;

	for (;;) {
		char *end, *cl, path[256], method[8];
		size_t hdr_len, body_len = 0;

		end = NULL;
		while ((end = memmem(buf, len, "\r\n\r\n", 4)) == NULL) {
			n = read(fd, buf + len, sizeof(buf) - 1 - len);
			if (n <= 0)
				return;
			len += (size_t)n;
			buf[len] = '\0';
		}
		hdr_len = (size_t)(end - buf) + 4;
		cl = strcasestr(buf, "Content-Length:");
		if (cl != NULL && cl < end)
			body_len = strtoul(cl + 15, NULL, 10);
		while (len < hdr_len + body_len) {
			n = read(fd, buf + len, sizeof(buf) - 1 - len);
			if (n <= 0)
				return;
			len += (size_t)n;
		}
		if (sscanf(buf, "%7s %255s", method, path) != 2)
			return;
		snprintf(s->last_method, sizeof(s->last_method), "%s", method);
		snprintf(s->last_body, sizeof(s->last_body), "%.*s", (int)body_len, buf + hdr_len);
		s->requests++;
		srv_reply(fd, path, s);
		memmove(buf, buf + hdr_len + body_len, len - hdr_len - body_len);
		len -= hdr_len + body_len;
	}
}

static void *srv_main(void *arg)
{
	struct srv *s = arg;
	struct pollfd pfd[2];
	int fd;

	for (;;) {
		pfd[0].fd = s->lfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = s->stop_pipe[0];
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) < 0)
			break;
		if (pfd[1].revents)
			break;
		fd = accept(s->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		s->accepts++;
		srv_conn(s, fd);
		close(fd);
	}
	return NULL;
}

static int srv_setup(void **state)
{
	struct srv *s = calloc(1, sizeof(*s));
	struct sockaddr_in a;
	socklen_t al = sizeof(a);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(s->lfd, 8) != 0 || getsockname(s->lfd, (struct sockaddr *)&a, &al) != 0 ||
	    pipe(s->stop_pipe) != 0)
		return -1;
	s->port = ntohs(a.sin_port);
	pthread_create(&s->th, NULL, srv_main, s);
	*state = s;
	return 0;
}

static int srv_teardown(void **state)
{
	struct srv *s = *state;

	if (write(s->stop_pipe[1], "x", 1) != 1)
		return -1;
	pthread_join(s->th, NULL);
	close(s->lfd);
	close(s->stop_pipe[0]);
	close(s->stop_pipe[1]);
	free(s);
	return 0;
}

static void url_of(const struct srv *s, const char *path, char *out, size_t n)
{
	snprintf(out, n, "http://127.0.0.1:%d%s", s->port, path);
}

static void test_request_headers_keepalive(void **state)
{
	struct srv *s = *state;
	struct cn_http_opts o = {0};
	struct cn_http *h = NULL;
	struct cn_http_req q = {0};
	struct cn_http_resp r;
	char url[128];
	int i;

	assert_int_equal(cn_http_new(&o, &h), 0);
	url_of(s, "/hdrs", url, sizeof(url));
	q.method = "GET";
	q.url = url;
	for (i = 0; i < 3; i++) {
		assert_int_equal(cn_http_do(h, &q, &r), 0);
		assert_int_equal(r.status, 201);
		assert_string_equal((char *)r.body, "{\"ok\":true}");
		assert_int_equal(r.body_len, 11);
		assert_true(cn_http_is_type(&r, "application/json"));
		assert_string_equal(r.replay_nonce, "abc-DEF_123");
		assert_string_equal(r.location, "https://ca/acct/1");
		assert_int_equal(r.retry_after, 7);
		assert_string_equal(cn_http_link_find(&r, "up"), "https://ca/issuer");
		assert_string_equal(cn_http_link_find(&r, "index"), "https://ca/dir");
		cn_http_resp_cleanup(&r);
	}
	/* HEAD and POST on the same connection */
	q.method = "HEAD";
	assert_int_equal(cn_http_do(h, &q, &r), 0);
	assert_int_equal(r.body_len, 0);
	assert_string_equal(r.replay_nonce, "abc-DEF_123");
	cn_http_resp_cleanup(&r);
	url_of(s, "/echo", url, sizeof(url));
	q.method = "POST";
	q.body = "{\"a\":1}";
	q.body_len = 7;
	{
		const char *hd[] = {"Content-Type: application/jose+json", NULL};

		q.headers = hd;
		assert_int_equal(cn_http_do(h, &q, &r), 0);
	}
	assert_string_equal((char *)r.body, "{\"a\":1}");
	assert_string_equal(s->last_method, "POST");
	assert_null(r.replay_nonce);
	assert_int_equal(r.retry_after, -1);
	cn_http_resp_cleanup(&r);
	assert_int_equal(s->accepts, 1);
	assert_int_equal(s->requests, 5);
	cn_http_free(h);
}

static void test_body_limit(void **state)
{
	struct srv *s = *state;
	struct cn_http_opts o = {0};
	struct cn_http *h = NULL;
	struct cn_http_req q = {0};
	struct cn_http_resp r;
	char url[128];

	o.max_body = 1000;
	assert_int_equal(cn_http_new(&o, &h), 0);
	url_of(s, "/big", url, sizeof(url));
	q.url = url;
	memset(&r, 0x55, sizeof(r));
	assert_int_equal(cn_http_do(h, &q, &r), CN_ERR_TOO_BIG);
	cn_http_free(h);

	o.max_body = 4000;
	assert_int_equal(cn_http_new(&o, &h), 0);
	assert_int_equal(cn_http_do(h, &q, &r), 0);
	assert_int_equal(r.body_len, 4000);
	cn_http_resp_cleanup(&r);
	cn_http_free(h);
}

static void test_timeout_and_refused(void **state)
{
	struct srv *s = *state;
	struct cn_http_opts o = {0};
	struct cn_http *h = NULL;
	struct cn_http_req q = {0};
	struct cn_http_resp r;
	char url[128];
	int fd, port;
	struct sockaddr_in a;
	socklen_t al = sizeof(a);

	o.timeout_ms = 300;
	assert_int_equal(cn_http_new(&o, &h), 0);
	url_of(s, "/slow", url, sizeof(url));
	q.url = url;
	assert_int_equal(cn_http_do(h, &q, &r), CN_ERR_TIMEOUT);

	/* a port nobody listens on: bind, read the port, close */
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	port = ntohs(a.sin_port);
	close(fd);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	assert_int_equal(cn_http_do(h, &q, &r), CN_ERR_CONNECTION);

	q.url = "ftp://127.0.0.1/";
	assert_int_equal(cn_http_do(h, &q, &r), CN_ERR_USAGE);
	q.url = "http://127.0.0.1:1/";
	q.method = "DELETE";
	assert_int_equal(cn_http_do(h, &q, &r), CN_ERR_USAGE);
	cn_http_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_link_parse),
		cmocka_unit_test(test_is_type),
		cmocka_unit_test_setup_teardown(test_request_headers_keepalive, srv_setup, srv_teardown),
		cmocka_unit_test_setup_teardown(test_body_limit, srv_setup, srv_teardown),
		cmocka_unit_test_setup_teardown(test_timeout_and_refused, srv_setup, srv_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
