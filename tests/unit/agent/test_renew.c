/* test_renew.c - unit tests for the renewal decision of src/agent/renew.c:
 * the one-third rule, ARI (RFC 9773) through a real HTTP exchange with a
 * small server in a thread (window in the past / future, the chosen time
 * kept while the window stays, Retry-After clamping, errors falling back
 * to the lifetime rule with a six-hour recheck, invalid windows), when the
 * decision needs the CA at all (agent_ari_needs_fetch; the stored answer
 * used without a session), a CA without renewalInfo remembered for a day,
 * and the backoff after failed attempts. */
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

static int lfd = -1, port, stop_pipe[2], ari_requests, dir_requests;
static int dir_without_ari; /* the directory offers no renewalInfo */
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

				dir_requests++;
				if (dir_without_ari)
					snprintf(body, sizeof(body),
					    "{\"newNonce\":\"http://127.0.0.1:%d/nonce\",\"newAccount\":\"http://127.0.0.1:%d/acct\","
					    "\"newOrder\":\"http://127.0.0.1:%d/order\"}", port, port, port);
				else
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

#define ARI_ID "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE"

static void cert(struct agent_certinfo *ci, int64_t nb, int64_t na)
{
	memset(ci, 0, sizeof(*ci));
	ci->not_before = nb;
	ci->not_after = na;
	ci->ari_id = (char *)ARI_ID;
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

/* When the decision needs the CA: a table of stored states. */
static void test_needs_fetch(void **state)
{
	struct agent_certinfo ci;
	int64_t now = 2000000000, day = 86400;
	static const struct {
		const char *status; /* JSON */
		bool expired, no_id;
		bool want;
	} cases[] = {
		{"{}", false, false, true},                                              /* nothing stored */
		{"{\"ari\":{\"cert\":\"" ARI_ID "\",\"recheck\":2000000001,\"chosen\":1}}", false, false, false}, /* fresh */
		{"{\"ari\":{\"cert\":\"" ARI_ID "\",\"recheck\":2000000000,\"chosen\":1}}", false, false, true},  /* due now */
		{"{\"ari\":{\"cert\":\"" ARI_ID "\",\"recheck\":1999999999}}", false, false, true},               /* stale */
		{"{\"ari\":{\"cert\":\"other.id\",\"recheck\":2000000001}}", false, false, true},         /* another cert's */
		{"{\"ari\":{\"cert\":\"" ARI_ID "\"}}", false, false, true},                                     /* no recheck */
		{"{\"ari\":\"junk\"}", false, false, true},
		{"{\"ari\":{\"cert\":\"" ARI_ID "\",\"none\":true,\"recheck\":2000000001}}", false, false, false}, /* no ARI at the CA */
		{"{\"ari\":{\"cert\":\"" ARI_ID "\",\"error\":true,\"recheck\":2000000001}}", false, false, false},
		{"{}", true, false, false},  /* expired: never asked (RFC 9773 4.3) */
		{"{}", false, true, false},  /* no AKI: nothing to ask */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *st;

		cert(&ci, now - 10 * day, cases[i].expired ? now : now + 80 * day);
		if (cases[i].no_id)
			ci.ari_id = NULL;
		st = json_loads(cases[i].status, 0, NULL);
		assert_non_null(st);
		if (agent_ari_needs_fetch(&ci, st, now) != cases[i].want)
			fail_msg("case %zu (%s): want %d", i, cases[i].status, cases[i].want);
		json_decref(st);
	}
}

/* Without a session, the stored window decides (fresh or not), and status is left alone. */
static void test_stored_window_offline(void **state)
{
	struct agent_certinfo ci;
	struct agent_due d;
	int64_t now = 2000000000, day = 86400;
	json_t *st, *copy;
	char js[256];

	(void)state;
	cert(&ci, now - 10 * day, now + 80 * day);
	snprintf(js, sizeof(js), "{\"ari\":{\"cert\":\"%s\",\"start\":%lld,\"end\":%lld,\"chosen\":%lld,"
	    "\"recheck\":%lld}}", ci.ari_id, (long long)(now + day), (long long)(now + 2 * day),
	    (long long)(now + day + 5), (long long)(now + 3600));
	st = json_loads(js, 0, NULL);
	copy = json_deep_copy(st);
	assert_int_equal(agent_renew_check(NULL, &ci, st, now, &d), 0);
	assert_false(d.due);
	assert_int_equal(d.when, now + day + 5);
	assert_int_equal(d.recheck, now + 3600);
	assert_non_null(strstr(d.why, "ARI window"));
	assert_true(json_equal(st, copy));
	/* the chosen time has come: due, without asking */
	assert_int_equal(agent_renew_check(NULL, &ci, st, now + day + 5, &d), 0);
	assert_true(d.due);
	/* stale (CA out of reach): the last known window still decides */
	assert_int_equal(agent_renew_check(NULL, &ci, st, now + 7200, &d), 0);
	assert_false(d.due);
	assert_int_equal(d.when, now + day + 5);
	assert_true(json_equal(st, copy));
	json_decref(st);
	json_decref(copy);
}

/* A CA without renewalInfo: recorded for a day; until then no request and no change. */
static void test_no_renewal_info(void **state)
{
	struct agent_acme *a = NULL;
	struct agent_certinfo ci;
	struct agent_due d;
	char url[64];
	json_t *st = json_object(), *copy;
	int64_t now = (int64_t)time(NULL), day = 86400;

	(void)state;
	dir_without_ari = 1;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/dir", port);
	assert_int_equal(agent_acme_open(url, NULL, 5000, NULL, &a), 0);
	assert_null(a->u_renewal_info);
	cert(&ci, now - 10 * day, now + 80 * day);
	ari_requests = 0;
	assert_true(agent_ari_needs_fetch(&ci, st, now));
	assert_int_equal(agent_renew_check(a, &ci, st, now, &d), 0);
	assert_false(d.due);
	assert_int_equal(d.when, now + 50 * day);
	assert_true(json_is_true(json_object_get(json_object_get(st, "ari"), "none")));
	assert_int_equal(jint(json_object_get(st, "ari"), "recheck"), now + AGENT_ARI_NONE_RECHECK);
	assert_int_equal(d.recheck, now + AGENT_ARI_NONE_RECHECK);
	/* within the day: nothing to fetch, nothing changes */
	copy = json_deep_copy(st);
	assert_false(agent_ari_needs_fetch(&ci, st, now + day - 1));
	assert_int_equal(agent_renew_check(a, &ci, st, now + day - 1, &d), 0);
	assert_true(json_equal(st, copy));
	/* after it: asked again (a daemon pass would have a fresh directory) */
	assert_true(agent_ari_needs_fetch(&ci, st, now + day));
	assert_int_equal(agent_renew_check(a, &ci, st, now + day, &d), 0);
	assert_int_equal(jint(json_object_get(st, "ari"), "recheck"), now + day + AGENT_ARI_NONE_RECHECK);
	assert_int_equal(ari_requests, 0);
	json_decref(copy);
	json_decref(st);
	agent_acme_free(a);
	dir_without_ari = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lifetime_rule),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_needs_fetch),
		cmocka_unit_test(test_stored_window_offline),
		cmocka_unit_test_setup_teardown(test_ari, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_renewal_info, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
