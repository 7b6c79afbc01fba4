/* test_renew.c - unit tests for the renewal decision of src/agent/renew.c:
 * the one-third rule, ARI (RFC 9773) through a real HTTP exchange with a
 * small server in a thread (window in the past / future, the chosen time
 * kept while the window stays, Retry-After clamping, errors falling back
 * to the lifetime rule with a six-hour recheck, invalid windows), and the
 * backoff after failed attempts. */
#define _GNU_SOURCE /* memmem in the test server */
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
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

/* ---- the server ------------------------------------------------------------ */

static int lfd = -1, port, stop_pipe[2], ari_requests;
static pthread_t th;
static char ari_status[64] = "200 OK", ari_body[512], ari_retry[32], last_path[256];

static void *srv(void *arg)
{
	char buf[4096], out[2048];
	struct pollfd pf[2];
	int fd, n;

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
			/* a failed test may leave its connection open: do not hang teardown */
			struct timeval tv = {1, 0};

			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		}
		for (;;) { /* keep-alive: one request after another */
			size_t len = 0;
			char path[256] = "";

			while (memmem(buf, len, "\r\n\r\n", 4) == NULL) {
				ssize_t r = read(fd, buf + len, sizeof(buf) - 1 - len);

				if (r <= 0)
					goto done;
				len += (size_t)r;
			}
			buf[len] = '\0';
			sscanf(buf, "GET %255s", path);
			snprintf(last_path, sizeof(last_path), "%s", path);
			if (strcmp(path, "/dir") == 0) {
				char body[512];

				snprintf(body, sizeof(body),
				    "{\"newNonce\":\"http://127.0.0.1:%d/nonce\",\"newAccount\":\"http://127.0.0.1:%d/acct\","
				    "\"newOrder\":\"http://127.0.0.1:%d/order\",\"renewalInfo\":\"http://127.0.0.1:%d/ari\"}",
				    port, port, port, port);
				n = snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				    "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
			} else {
				ari_requests++;
				n = snprintf(out, sizeof(out), "HTTP/1.1 %s\r\nContent-Type: application/json\r\n%s"
				    "Content-Length: %zu\r\n\r\n%s", ari_status, ari_retry, strlen(ari_body), ari_body);
			}
			if (write(fd, out, (size_t)n) != n)
				break;
		}
done:
		close(fd);
	}
	return NULL;
}

static int setup(void **state)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);

	(void)state;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(lfd, 4) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &al) != 0 || pipe(stop_pipe) != 0)
		return -1;
	port = ntohs(a.sin_port);
	return pthread_create(&th, NULL, srv, NULL);
}

static int teardown(void **state)
{
	(void)state;
	if (write(stop_pipe[1], "x", 1) != 1)
		return -1;
	pthread_join(th, NULL);
	close(lfd);
	close(stop_pipe[0]);
	close(stop_pipe[1]);
	return 0;
}

static void set_ari(const char *status, int64_t start, int64_t end, const char *retry)
{
	char s[32], e[32];

	agent_fmt_time(start, s);
	agent_fmt_time(end, e);
	snprintf(ari_status, sizeof(ari_status), "%s", status);
	snprintf(ari_body, sizeof(ari_body), "{\"suggestedWindow\":{\"start\":\"%s\",\"end\":\"%s\"},"
	    "\"explanationURL\":\"https://ca/why\"}", s, e);
	snprintf(ari_retry, sizeof(ari_retry), "%s", retry);
}

static void cert(struct agent_certinfo *ci, int64_t nb, int64_t na)
{
	memset(ci, 0, sizeof(*ci));
	ci->not_before = nb;
	ci->not_after = na;
	ci->ari_id = (char *)"aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE";
}

static int64_t jint(const json_t *o, const char *k)
{
	return (int64_t)json_integer_value(json_object_get(o, k));
}

/* ---- tests ------------------------------------------------------------------ */

static void test_lifetime_rule(void **state)
{
	struct agent_certinfo ci;
	struct agent_due d;
	json_t *st = json_object();
	int64_t now = 2000000000, day = 86400;

	(void)state;
	cert(&ci, now - 10 * day, now + 80 * day);
	assert_int_equal(agent_renew_check(NULL, &ci, st, now, &d), 0);
	assert_false(d.due);
	assert_int_equal(d.when, now + 50 * day); /* 30 days before the end */
	assert_int_equal(d.recheck, d.when);
	cert(&ci, now - 70 * day, now + 20 * day);
	assert_int_equal(agent_renew_check(NULL, &ci, st, now, &d), 0);
	assert_true(d.due);
	cert(&ci, now - 90 * day, now - 1);
	assert_int_equal(agent_renew_check(NULL, &ci, st, now, &d), 0);
	assert_true(d.due);
	assert_non_null(strstr(d.why, "expired"));
	json_decref(st);
}

static void test_backoff(void **state)
{
	struct agent_certinfo ci;
	struct agent_due d;
	json_t *st = json_object();
	int64_t now = 2000000000, day = 86400;
	char t[32];

	(void)state;
	cert(&ci, now - 70 * day, now + 20 * day); /* due by lifetime */
	agent_fmt_time(now - 100, t);
	json_object_set_new(st, "failures", json_integer(3));
	json_object_set_new(st, "last_failure", json_string(t));
	assert_int_equal(agent_renew_check(NULL, &ci, st, now, &d), 0);
	assert_false(d.due);
	assert_int_equal(d.when, now - 100 + 1200); /* 300 s doubled twice */
	json_object_set_new(st, "failures", json_integer(30));
	assert_int_equal(agent_renew_check(NULL, &ci, st, now, &d), 0);
	assert_int_equal(d.when, now - 100 + AGENT_FAIL_BACKOFF_MAX);
	agent_fmt_time(now - 2000, t);
	json_object_set_new(st, "failures", json_integer(1));
	json_object_set_new(st, "last_failure", json_string(t));
	assert_int_equal(agent_renew_check(NULL, &ci, st, now, &d), 0);
	assert_true(d.due);
	json_decref(st);
}

static void test_ari(void **state)
{
	struct agent_acme *a = NULL;
	struct agent_certinfo ci;
	struct agent_due d;
	char url[64];
	json_t *st = json_object(), *ari;
	int64_t now = (int64_t)time(NULL), day = 86400, chosen;

	(void)state;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/dir", port);
	assert_int_equal(agent_acme_open(url, NULL, 5000, NULL, &a), 0);
	assert_non_null(a->u_renewal_info);
	cert(&ci, now - 10 * day, now + 80 * day);

	/* a window in the future: not due, chosen inside it */
	set_ari("200 OK", now + 5 * day, now + 6 * day, "Retry-After: 21600\r\n");
	ari_requests = 0;
	assert_int_equal(agent_renew_check(a, &ci, st, now, &d), 0);
	assert_int_equal(ari_requests, 1);
	assert_string_equal(last_path, "/ari/aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
	assert_false(d.due);
	assert_true(d.when >= now + 5 * day && d.when < now + 6 * day);
	assert_int_equal(d.recheck, now + 21600);
	ari = json_object_get(st, "ari");
	chosen = jint(ari, "chosen");
	assert_int_equal(chosen, d.when);
	assert_string_equal(json_string_value(json_object_get(ari, "explanation")), "https://ca/why");
	/* before the recheck time: no request, same decision */
	assert_int_equal(agent_renew_check(a, &ci, st, now + 100, &d), 0);
	assert_int_equal(ari_requests, 1);
	assert_int_equal(d.when, chosen);
	/* after it, same window: fetched again, the chosen time is kept */
	assert_int_equal(agent_renew_check(a, &ci, st, now + 21601, &d), 0);
	assert_int_equal(ari_requests, 2);
	assert_int_equal(jint(json_object_get(st, "ari"), "chosen"), chosen);

	/* the CA moves the window into the past (e.g. a revocation event): due now */
	set_ari("200 OK", now - 2 * day, now - day, "Retry-After: 5\r\n");
	assert_int_equal(agent_renew_check(a, &ci, st, now + 50000, &d), 0); /* past the last recheck */
	assert_true(d.due);
	assert_non_null(strstr(d.why, "ARI window"));
	assert_int_equal(jint(json_object_get(st, "ari"), "recheck"), now + 50000 + AGENT_ARI_MIN_RECHECK);

	/* a server error: lifetime rule, and ask again in six hours */
	json_object_clear(st);
	set_ari("500 Internal Server Error", now, now + 1, "");
	assert_int_equal(agent_renew_check(a, &ci, st, now, &d), 0);
	assert_false(d.due);
	assert_int_equal(d.when, now + 50 * day);
	assert_int_equal(jint(json_object_get(st, "ari"), "recheck"), now + AGENT_ARI_ERROR_RECHECK);
	assert_int_equal(d.recheck, now + AGENT_ARI_ERROR_RECHECK);

	/* an invalid window (end before start) counts as no answer */
	json_object_clear(st);
	set_ari("200 OK", now + day, now - day, "Retry-After: 60\r\n");
	assert_int_equal(agent_renew_check(a, &ci, st, now, &d), 0);
	assert_int_equal(d.when, now + 50 * day);
	assert_true(json_is_true(json_object_get(json_object_get(st, "ari"), "error")));

	/* Retry-After above a day is treated as a day */
	json_object_clear(st);
	set_ari("200 OK", now + 5 * day, now + 6 * day, "Retry-After: 999999\r\n");
	assert_int_equal(agent_renew_check(a, &ci, st, now, &d), 0);
	assert_int_equal(d.recheck, now + AGENT_ARI_MAX_RECHECK);

	/* an expired certificate is never asked about (RFC 9773 4.3) */
	ari_requests = 0;
	json_object_clear(st);
	cert(&ci, now - 100 * day, now - 1);
	assert_int_equal(agent_renew_check(a, &ci, st, now, &d), 0);
	assert_int_equal(ari_requests, 0);
	assert_true(d.due);

	json_decref(st);
	agent_acme_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lifetime_rule),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test_setup_teardown(test_ari, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
