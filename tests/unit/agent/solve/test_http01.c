/* test_http01.c - unit tests for src/agent/solve/http01.c and solve.c:
 * key authorizations and dns-01 digests (RFC 8555 sections 8.1, 8.4, with
 * the RFC 7638 / RFC 8555 example values), token checks, host:port
 * parsing, the webroot solver's files and the standalone responder over a
 * real loopback connection. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "http/client.h"
#include "solve/solve.h"

static void fill(struct agent_chall *c, const char *token)
{
	memset(c, 0, sizeof(*c));
	c->type = strdup("http-01");
	c->ident_type = strdup("dns");
	c->ident = strdup("a.example");
	c->token = strdup(token);
	c->url = strdup("https://ca/chall/1");
}

static void test_prepare(void **state)
{
	struct agent_chall c;

	(void)state;
	fill(&c, "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA");
	assert_int_equal(agent_chall_prepare(&c, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"), 0);
	assert_string_equal(c.key_authz,
	    "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
	/* base64url(SHA-256(key_authz)), 43 characters */
	assert_int_equal(strlen(c.dns_value), 43);
	agent_chall_cleanup(&c);
	fill(&c, "../../etc/passwd-xxxxxxxxxx");
	assert_int_equal(agent_chall_prepare(&c, "t"), CN_ERR_MALFORMED);
	agent_chall_cleanup(&c);
	fill(&c, "short");
	assert_int_equal(agent_chall_prepare(&c, "t"), CN_ERR_MALFORMED);
	agent_chall_cleanup(&c);
}

static void test_hostport(void **state)
{
	static const struct {
		const char *in, *addr;
		int port, rc;
	} cases[] = {
		{"80", "::", 80, 0},
		{"127.0.0.1:5002", "127.0.0.1", 5002, 0},
		{"[::1]:443", "::1", 443, 0},
		{"::1:443", NULL, 0, CN_ERR_USAGE},
		{"127.0.0.1:0", NULL, 0, CN_ERR_USAGE},
		{"127.0.0.1:65536", NULL, 0, CN_ERR_USAGE},
		{"x:80x", NULL, 0, CN_ERR_USAGE},
		{"", NULL, 0, CN_ERR_USAGE},
	};
	size_t i;
	char *addr;
	int port;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		addr = NULL;
		if (agent_parse_hostport(cases[i].in, &addr, &port) != cases[i].rc)
			fail_msg("'%s'", cases[i].in);
		if (cases[i].rc == 0) {
			assert_string_equal(addr, cases[i].addr);
			assert_int_equal(port, cases[i].port);
		}
		free(addr);
	}
}

static void test_webroot(void **state)
{
	struct agent_solver *s = NULL;
	struct agent_chall c;
	char dir[64], path[256], *data = NULL;
	struct stat sb;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/cairn-test-webroot-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(agent_http01_webroot_new("/nonexistent/dir", &s), CN_ERR_USAGE);
	assert_int_equal(agent_http01_webroot_new(dir, &s), 0);
	fill(&c, "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA");
	assert_int_equal(agent_chall_prepare(&c, "thumb"), 0);
	assert_int_equal(s->ops->present(s, &c), 0);
	snprintf(path, sizeof(path), "%s/.well-known/acme-challenge/%s", dir, c.token);
	assert_int_equal(cn_file_read(path, 1024, &data, NULL), 0);
	assert_string_equal(data, c.key_authz);
	free(data);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0644);
	assert_int_equal(s->ops->cleanup(s, &c), 0);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(s->ops->cleanup(s, &c), 0); /* idempotent */
	agent_chall_cleanup(&c);
	agent_solver_free(s);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

static int start_standalone(struct agent_solver **s, int *port)
{
	char hp[32];
	int p;

	for (p = 23950; p < 24000; p++) {
		snprintf(hp, sizeof(hp), "127.0.0.1:%d", p);
		if (agent_http01_standalone_new(hp, s) == 0) {
			*port = p;
			return 0;
		}
	}
	return -1;
}

static void test_standalone(void **state)
{
	struct agent_solver *s = NULL;
	struct agent_chall c;
	struct cn_http_opts o = {0};
	struct cn_http *h = NULL;
	struct cn_http_req q = {0};
	struct cn_http_resp r;
	char url[256];
	int port = 0, i;

	(void)state;
	assert_int_equal(start_standalone(&s, &port), 0);
	fill(&c, "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA");
	assert_int_equal(agent_chall_prepare(&c, "thumb"), 0);
	assert_int_equal(s->ops->present(s, &c), 0);
	assert_int_equal(cn_http_new(&o, &h), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/.well-known/acme-challenge/%s", port, c.token);
	q.url = url;
	for (i = 0; i < 3; i++) {
		assert_int_equal(cn_http_do(h, &q, &r), 0);
		assert_int_equal(r.status, 200);
		assert_string_equal((char *)r.body, c.key_authz);
		assert_true(cn_http_is_type(&r, "text/plain"));
		cn_http_resp_cleanup(&r);
	}
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/.well-known/acme-challenge/unknown-token-xxxxxxxx", port);
	assert_int_equal(cn_http_do(h, &q, &r), 0);
	assert_int_equal(r.status, 404);
	cn_http_resp_cleanup(&r);
	q.method = "POST";
	assert_int_equal(cn_http_do(h, &q, &r), 0);
	assert_int_equal(r.status, 405);
	cn_http_resp_cleanup(&r);
	/* after cleanup the token is gone */
	assert_int_equal(s->ops->cleanup(s, &c), 0);
	q.method = "GET";
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/.well-known/acme-challenge/%s", port, c.token);
	assert_int_equal(cn_http_do(h, &q, &r), 0);
	assert_int_equal(r.status, 404);
	cn_http_resp_cleanup(&r);
	/* the port is taken while the solver lives */
	{
		struct agent_solver *s2 = NULL;
		char hp[32];

		snprintf(hp, sizeof(hp), "127.0.0.1:%d", port);
		assert_int_equal(agent_http01_standalone_new(hp, &s2), CN_ERR_IO);
	}
	cn_http_free(h);
	agent_chall_cleanup(&c);
	agent_solver_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prepare),
		cmocka_unit_test(test_hostport),
		cmocka_unit_test(test_webroot),
		cmocka_unit_test(test_standalone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
