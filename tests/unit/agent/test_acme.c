/* test_acme.c - unit tests for src/agent/acme.c against a scripted HTTP
 * server in a thread, with the real signer process: the directory, nonce
 * use (HEAD newNonce only when no nonce is held; every response's
 * Replay-Nonce kept; each nonce sent once), the badNonce retry with the
 * nonce the error carried (RFC 8555 6.5), Retry-After on 503 (waited) and
 * on 429 (too long: reported), problem documents as one-line errors, and
 * one retry after a dropped connection. */
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
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "acme.h"
#include "jose/jws.h"

/* ---- scripted server --------------------------------------------------------- */

#define MAX_SCRIPT 16

struct step {
	int status;            /* 0: close the connection without answering */
	const char *type;      /* problem type suffix, or NULL for a 200 JSON body */
	const char *extra_hdr; /* e.g. "Retry-After: 1\r\n" */
};

static int lfd, port, stop_pipe[2];
static pthread_t th;
static struct step script[MAX_SCRIPT];
static int n_script, pos, nonce_counter, heads;
static char seen_nonce[MAX_SCRIPT][64]; /* nonce of each POST, in order */
static int n_seen;
static double post_time[MAX_SCRIPT];

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int answer(int fd, const char *req, size_t hdr_len, size_t body_len)
{
	char out[2048], body[512], method[8] = "", path[128] = "";
	const struct step *st;
	int n;

	sscanf(req, "%7s %127s", method, path);
	nonce_counter++;
	if (strcmp(path, "/dir") == 0) {
		snprintf(body, sizeof(body), "{\"newNonce\":\"http://127.0.0.1:%d/nonce\",\"newAccount\":"
		    "\"http://127.0.0.1:%d/acct\",\"newOrder\":\"http://127.0.0.1:%d/order\","
		    "\"meta\":{\"termsOfService\":\"https://ca/tos\",\"externalAccountRequired\":true}}",
		    port, port, port);
		n = snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		    "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
		return write(fd, out, (size_t)n) == n ? 0 : -1;
	}
	if (strcmp(method, "HEAD") == 0) {
		heads++;
		n = snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\nReplay-Nonce: n%d\r\nContent-Length: 0\r\n\r\n",
		    nonce_counter);
		return write(fd, out, (size_t)n) == n ? 0 : -1;
	}
	/* a POST: note its nonce */
	{
		struct cn_jws *jws = NULL;

		if (n_seen < MAX_SCRIPT && cn_jws_parse(req + hdr_len, body_len, &jws) == 0) {
			snprintf(seen_nonce[n_seen], sizeof(seen_nonce[0]), "%s", jws->nonce ? jws->nonce : "");
			post_time[n_seen] = now_s();
			n_seen++;
			cn_jws_free(jws);
		}
	}
	st = pos < n_script ? &script[pos++] : &(struct step){200, NULL, NULL};
	if (st->status == 0)
		return -1; /* hang up */
	if (st->type == NULL)
		snprintf(body, sizeof(body), "{\"status\":\"valid\"}");
	else
		snprintf(body, sizeof(body), "{\"type\":\"urn:ietf:params:acme:error:%s\",\"detail\":\"because %s\"}",
		    st->type, st->type);
	n = snprintf(out, sizeof(out), "HTTP/1.1 %d X\r\nContent-Type: application/%s\r\nReplay-Nonce: n%d\r\n"
	    "Location: http://127.0.0.1:%d/acct/1\r\n%sContent-Length: %zu\r\n\r\n%s", st->status,
	    st->type ? "problem+json" : "json", nonce_counter, port, st->extra_hdr ? st->extra_hdr : "",
	    strlen(body), body);
	return write(fd, out, (size_t)n) == n ? 0 : -1;
}

static void *srv(void *arg)
{
	char buf[16384];
	struct pollfd pf[2];
	int fd;

	(void)arg;
	for (;;) {
		pf[0].fd = lfd;
		pf[0].events = POLLIN;
		pf[1].fd = stop_pipe[0];
		pf[1].events = POLLIN;
		if (poll(pf, 2, -1) < 0 || pf[1].revents)
			break;
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		{
			struct timeval tv = {1, 0};

			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		}
		for (;;) {
			size_t len = 0, hdr_len, body_len = 0;
			char *end, *cl;

			while ((end = memmem(buf, len, "\r\n\r\n", 4)) == NULL) {
				ssize_t r = read(fd, buf + len, sizeof(buf) - 1 - len);

				if (r <= 0)
					goto done;
				len += (size_t)r;
			}
			buf[len] = '\0';
			hdr_len = (size_t)(end - buf) + 4;
			cl = strcasestr(buf, "Content-Length:");
			if (cl != NULL && cl < end)
				body_len = strtoul(cl + 15, NULL, 10);
			while (len < hdr_len + body_len) {
				ssize_t r = read(fd, buf + len, sizeof(buf) - 1 - len);

				if (r <= 0)
					goto done;
				len += (size_t)r;
			}
			if (answer(fd, buf, hdr_len, body_len) != 0)
				break;
		}
done:
		close(fd);
	}
	return NULL;
}

static char dir[64];
static struct agent_signer *signer;

static int setup(void **state)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	char p[128];

	(void)state;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(lfd, 4) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &al) != 0 || pipe(stop_pipe) != 0)
		return -1;
	port = ntohs(a.sin_port);
	snprintf(dir, sizeof(dir), "/tmp/cairn-test-acme-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(p, sizeof(p), "%s/accounts", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/accounts/t", dir);
	mkdir(p, 0700);
	if (agent_signer_start(dir, &signer) != 0 ||
	    agent_signer_load_key(signer, AGENT_SLOT_ACCOUNT, "accounts/t/account.key", "p256", false, NULL, NULL) != 0)
		return -1;
	return pthread_create(&th, NULL, srv, NULL);
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	if (write(stop_pipe[1], "x", 1) != 1)
		return -1;
	pthread_join(th, NULL);
	close(lfd);
	agent_signer_stop(signer);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct agent_acme *open_acme(void)
{
	struct agent_acme *a = NULL;
	char url[64];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/dir", port);
	assert_int_equal(agent_acme_open(url, NULL, 5000, signer, &a), 0);
	a->kid = strdup("http://127.0.0.1/acct/1");
	return a;
}

static void reset(const struct step *steps, int n)
{
	if (n > 0)
		memcpy(script, steps, (size_t)n * sizeof(*steps));
	n_script = n;
	pos = 0;
	n_seen = 0;
	heads = 0;
}

static void test_directory_and_nonces(void **state)
{
	struct agent_acme *a = open_acme();
	struct cn_http_resp resp;
	json_t *obj = NULL;

	(void)state;
	assert_string_equal(a->tos, "https://ca/tos");
	assert_true(a->eab_required);
	assert_null(a->u_renewal_info);
	reset(NULL, 0);
	assert_int_equal(agent_acme_post(a, a->u_new_order, "{}", 0, &resp, &obj), 0);
	assert_int_equal(resp.status, 200);
	assert_string_equal(json_string_value(json_object_get(obj, "status")), "valid");
	cn_http_resp_cleanup(&resp);
	json_decref(obj);
	/* the second POST uses the nonce of the first response: no HEAD */
	assert_int_equal(agent_acme_post(a, a->u_new_order, NULL, 0, &resp, NULL), 0);
	cn_http_resp_cleanup(&resp);
	assert_int_equal(heads, 1);
	assert_int_equal(n_seen, 2);
	assert_string_not_equal(seen_nonce[0], seen_nonce[1]);
	agent_acme_free(a);
}

static void test_bad_nonce(void **state)
{
	static const struct step steps[] = {{400, "badNonce", NULL}, {400, "badNonce", NULL}, {200, NULL, NULL}};
	struct agent_acme *a = open_acme();
	struct cn_http_resp resp;

	(void)state;
	reset(steps, 3);
	assert_int_equal(agent_acme_post(a, a->u_new_order, "{}", 0, &resp, NULL), 0);
	cn_http_resp_cleanup(&resp);
	assert_int_equal(n_seen, 3);
	assert_int_equal(heads, 1); /* the retries use the nonces the errors carried */
	assert_string_not_equal(seen_nonce[0], seen_nonce[1]);
	assert_string_not_equal(seen_nonce[1], seen_nonce[2]);
	/* eleven badNonce in a row: give up with the CA's problem */
	{
		struct step many[MAX_SCRIPT];
		int i;

		for (i = 0; i < MAX_SCRIPT; i++)
			many[i] = (struct step){400, "badNonce", NULL};
		reset(many, MAX_SCRIPT);
		assert_int_equal(agent_acme_post(a, a->u_new_order, "{}", 0, &resp, NULL), CN_ERR_BAD_NONCE);
		assert_int_equal(n_seen, AGENT_ACME_NONCE_RETRIES + 1);
		assert_string_equal(cn_err_detail(), "urn:ietf:params:acme:error:badNonce: because badNonce");
	}
	agent_acme_free(a);
}

static void test_retry_after(void **state)
{
	static const struct step busy[] = {{503, "serverInternal", "Retry-After: 1\r\n"}, {200, NULL, NULL}};
	static const struct step limited[] = {{429, "rateLimited", "Retry-After: 3600\r\n"}};
	struct agent_acme *a = open_acme();
	struct cn_http_resp resp;

	(void)state;
	reset(busy, 2);
	assert_int_equal(agent_acme_post(a, a->u_new_order, "{}", 0, &resp, NULL), 0);
	cn_http_resp_cleanup(&resp);
	assert_int_equal(n_seen, 2);
	assert_true(post_time[1] - post_time[0] >= 0.95);
	reset(limited, 1);
	assert_int_equal(agent_acme_post(a, a->u_new_order, "{}", 0, &resp, NULL), CN_ERR_RATE_LIMITED);
	assert_int_equal(n_seen, 1);
	assert_string_equal(cn_err_detail(),
	    "urn:ietf:params:acme:error:rateLimited: because rateLimited (retry after 3600s)");
	agent_acme_free(a);
}

static void test_problems_and_drops(void **state)
{
	static const struct step rejected[] = {{403, "unauthorized", NULL}};
	static const struct step drop[] = {{0, NULL, NULL}, {200, NULL, NULL}};
	static const struct step drop6[] = {{0, NULL, NULL}, {0, NULL, NULL}, {0, NULL, NULL}, {0, NULL, NULL},
	    {0, NULL, NULL}, {0, NULL, NULL}};
	struct agent_acme *a = open_acme();
	struct cn_http_resp resp;

	(void)state;
	reset(rejected, 1);
	assert_int_equal(agent_acme_post(a, a->u_new_order, "{}", 0, &resp, NULL), CN_ERR_UNAUTHORIZED);
	assert_string_equal(cn_err_detail(), "urn:ietf:params:acme:error:unauthorized: because unauthorized");
	/* RAWERR: the error response is handed back */
	reset(rejected, 1);
	assert_int_equal(agent_acme_post(a, a->u_new_order, "{}", AGENT_POST_RAWERR, &resp, NULL), 0);
	assert_int_equal(resp.status, 403);
	cn_http_resp_cleanup(&resp);
	/* a dropped connection is retried (libcurl retries a dead reused
	 * connection itself; we retry once more with a fresh nonce) */
	reset(drop, 2);
	assert_int_equal(agent_acme_post(a, a->u_new_order, "{}", 0, &resp, NULL), 0);
	cn_http_resp_cleanup(&resp);
	assert_int_equal(n_seen, 2);
	/* ... but not forever */
	reset(drop6, 6);
	assert_int_equal(agent_acme_post(a, a->u_new_order, "{}", 0, &resp, NULL), CN_ERR_CONNECTION);
	assert_true(n_seen >= 2 && n_seen <= 4);
	/* without a kid a post needs AGENT_POST_JWK */
	free(a->kid);
	a->kid = NULL;
	assert_int_equal(agent_acme_post(a, a->u_new_order, "{}", 0, &resp, NULL), CN_ERR_USAGE);
	agent_acme_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_directory_and_nonces),
		cmocka_unit_test(test_bad_nonce),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_problems_and_drops),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
