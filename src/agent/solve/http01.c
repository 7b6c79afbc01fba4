/*
 * solve/http01.c - http-01 challenges (RFC 8555 section 8.3): the key
 * authorization is served at /.well-known/acme-challenge/TOKEN over plain
 * HTTP on port 80 (or wherever the CA's validator connects).
 *
 * Two ways: --webroot DIR writes DIR/.well-known/acme-challenge/TOKEN for a
 * web server that is already running; --standalone [ADDR:]PORT runs a small
 * HTTP/1.x responder in a thread for the duration of the order. It answers
 * GET (and HEAD) for known tokens with 200 text/plain, everything else with
 * 404, closes each connection after one response, bounds requests to
 * HTTP01_MAX_REQUEST bytes and HTTP01_CONN_TIMEOUT_MS, and serves up to
 * HTTP01_MAX_CONNS connections at once (validators connect from several
 * perspectives concurrently).
 */
#include "solve/solve.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"
#include "log.h"
#include "mem.h"

#define HTTP01_PREFIX "/.well-known/acme-challenge/"
#define HTTP01_MAX_REQUEST 8192
#define HTTP01_CONN_TIMEOUT_MS 10000
#define HTTP01_MAX_CONNS 32

/* ---- webroot -------------------------------------------------------------- */

struct webroot {
	char *dir;
};

static char *webroot_path(const struct webroot *w, const char *token)
{
	size_t n = strlen(w->dir) + strlen(HTTP01_PREFIX) + strlen(token) + 1;
	char *p = cn_xmalloc(n);

	snprintf(p, n, "%s%s%s", w->dir, HTTP01_PREFIX, token);
	return p;
}

static int mkdir_755(const char *p)
{
	if (mkdir(p, 0755) != 0 && errno != EEXIST)
		return cn_err_set(CN_ERR_IO, "mkdir %s: %s", p, strerror(errno));
	return 0;
}

static int webroot_present(struct agent_solver *s, const struct agent_chall *c)
{
	struct webroot *w = s->impl;
	char *p = NULL, *d = NULL;
	size_t n;
	int r;

	n = strlen(w->dir) + strlen(HTTP01_PREFIX) + 1;
	d = cn_xmalloc(n);
	snprintf(d, n, "%s/.well-known", w->dir);
	r = mkdir_755(d);
	if (r != 0)
		goto out;
	snprintf(d, n, "%s%s", w->dir, HTTP01_PREFIX);
	d[strlen(d) - 1] = '\0';
	r = mkdir_755(d);
	if (r != 0)
		goto out;
	p = webroot_path(w, c->token);
	r = cn_file_write_atomic(p, c->key_authz, strlen(c->key_authz), 0644);
	if (r == 0)
		CN_LOG(CN_LOG_DEBUG, "http-01", "wrote %s", p);
out:
	free(p);
	free(d);
	return r;
}

static int webroot_cleanup(struct agent_solver *s, const struct agent_chall *c)
{
	char *p = webroot_path(s->impl, c->token);
	int r = 0;

	if (unlink(p) != 0 && errno != ENOENT)
		r = cn_err_set(CN_ERR_IO, "unlink %s: %s", p, strerror(errno));
	free(p);
	return r;
}

static int noop_commit(struct agent_solver *s)
{
	(void)s;
	return 0;
}

static void webroot_free(struct agent_solver *s)
{
	struct webroot *w = s->impl;

	free(w->dir);
	free(w);
	free(s);
}

static const struct agent_solver_ops webroot_ops = {
	"http-01", webroot_present, webroot_cleanup, noop_commit, webroot_free,
};

int agent_http01_webroot_new(const char *dir, struct agent_solver **out)
{
	struct agent_solver *s;
	struct webroot *w;
	struct stat sb;
	size_t n = strlen(dir);

	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return cn_err_set(CN_ERR_USAGE, "--webroot %s is not a directory", dir);
	w = cn_xcalloc(1, sizeof(*w));
	while (n > 1 && dir[n - 1] == '/')
		n--;
	w->dir = cn_xstrndup(dir, n);
	s = cn_xcalloc(1, sizeof(*s));
	s->ops = &webroot_ops;
	s->impl = w;
	*out = s;
	return 0;
}

/* ---- standalone ------------------------------------------------------------ */

struct token_entry {
	char *token;
	char *key_authz;
};

struct conn {
	int fd;
	size_t len;
	long long deadline_ms;
	char buf[HTTP01_MAX_REQUEST + 1];
};

struct standalone {
	int lfd;
	int stop[2];
	pthread_t th;
	bool running;
	pthread_mutex_t mu;
	struct token_entry *tokens;
	size_t n_tokens;
	struct conn *conns[HTTP01_MAX_CONNS];
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void send_all_best_effort(int fd, const char *p, size_t n)
{
	ssize_t w;
	int tries = 0;

	while (n > 0 && tries < 100) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			struct pollfd pf = {fd, POLLOUT, 0};

			poll(&pf, 1, 100);
			tries++;
			continue;
		}
		return;
	}
}

/* Answers a complete request; the connection is closed afterwards. */
static void standalone_answer(struct standalone *sa, struct conn *c)
{
	char method[8], target[512], hdr[256];
	const char *tok, *body = NULL;
	char *ka = NULL;
	bool head;
	size_t i;
	int n;

	if (sscanf(c->buf, "%7s %511s", method, target) != 2 ||
	    (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)) {
		n = snprintf(hdr, sizeof(hdr), "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n"
		    "Connection: close\r\n\r\n");
		send_all_best_effort(c->fd, hdr, (size_t)n);
		return;
	}
	head = strcmp(method, "HEAD") == 0;
	if (strncmp(target, HTTP01_PREFIX, strlen(HTTP01_PREFIX)) == 0) {
		tok = target + strlen(HTTP01_PREFIX);
		pthread_mutex_lock(&sa->mu);
		for (i = 0; i < sa->n_tokens; i++) {
			if (strcmp(sa->tokens[i].token, tok) == 0) {
				ka = cn_xstrdup(sa->tokens[i].key_authz);
				break;
			}
		}
		pthread_mutex_unlock(&sa->mu);
	}
	if (ka == NULL) {
		n = snprintf(hdr, sizeof(hdr), "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
		    "Connection: close\r\n\r\n");
		send_all_best_effort(c->fd, hdr, (size_t)n);
		CN_LOG(CN_LOG_DEBUG, "http-01", "404 for an unknown path");
		return;
	}
	body = ka;
	n = snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n", strlen(body));
	send_all_best_effort(c->fd, hdr, (size_t)n);
	if (!head)
		send_all_best_effort(c->fd, body, strlen(body));
	CN_LOG(CN_LOG_DEBUG, "http-01", "served a key authorization");
	free(ka);
}

static void conn_close(struct standalone *sa, size_t i)
{
	close(sa->conns[i]->fd);
	free(sa->conns[i]);
	sa->conns[i] = NULL;
}

static void *standalone_main(void *arg)
{
	struct standalone *sa = arg;
	struct pollfd pf[HTTP01_MAX_CONNS + 2];
	size_t idx[HTTP01_MAX_CONNS + 2];
	size_t i, np;
	long long t, wait;

	for (;;) {
		pf[0].fd = sa->stop[0];
		pf[0].events = POLLIN;
		pf[1].fd = sa->lfd;
		pf[1].events = POLLIN;
		np = 2;
		t = now_ms();
		wait = HTTP01_CONN_TIMEOUT_MS;
		for (i = 0; i < HTTP01_MAX_CONNS; i++) {
			if (sa->conns[i] == NULL)
				continue;
			if (sa->conns[i]->deadline_ms <= t) {
				conn_close(sa, i);
				continue;
			}
			if (sa->conns[i]->deadline_ms - t < wait)
				wait = sa->conns[i]->deadline_ms - t;
			pf[np].fd = sa->conns[i]->fd;
			pf[np].events = POLLIN;
			idx[np] = i;
			np++;
		}
		if (poll(pf, np, (int)wait) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[0].revents)
			break;
		if (pf[1].revents & POLLIN) {
			int fd = accept(sa->lfd, NULL, NULL);

			if (fd >= 0) {
				fcntl(fd, F_SETFL, O_NONBLOCK);
				fcntl(fd, F_SETFD, FD_CLOEXEC);
				for (i = 0; i < HTTP01_MAX_CONNS && sa->conns[i] != NULL; i++)
					;
				if (i == HTTP01_MAX_CONNS) {
					close(fd); /* full: the validator retries */
				} else {
					sa->conns[i] = cn_xcalloc(1, sizeof(struct conn));
					sa->conns[i]->fd = fd;
					sa->conns[i]->deadline_ms = now_ms() + HTTP01_CONN_TIMEOUT_MS;
				}
			}
		}
		for (i = 2; i < np; i++) {
			struct conn *c = sa->conns[idx[i]];
			ssize_t n;

			if (c == NULL || pf[i].revents == 0)
				continue;
			n = recv(c->fd, c->buf + c->len, HTTP01_MAX_REQUEST - c->len, 0);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (n <= 0) {
				conn_close(sa, idx[i]);
				continue;
			}
			c->len += (size_t)n;
			c->buf[c->len] = '\0';
			if (strstr(c->buf, "\r\n\r\n") != NULL || strstr(c->buf, "\n\n") != NULL) {
				standalone_answer(sa, c);
				conn_close(sa, idx[i]);
			} else if (c->len >= HTTP01_MAX_REQUEST) {
				conn_close(sa, idx[i]);
			}
		}
	}
	for (i = 0; i < HTTP01_MAX_CONNS; i++)
		if (sa->conns[i] != NULL)
			conn_close(sa, i);
	return NULL;
}

static int standalone_present(struct agent_solver *s, const struct agent_chall *c)
{
	struct standalone *sa = s->impl;

	pthread_mutex_lock(&sa->mu);
	sa->tokens = cn_xrealloc(sa->tokens, (sa->n_tokens + 1) * sizeof(*sa->tokens));
	sa->tokens[sa->n_tokens].token = cn_xstrdup(c->token);
	sa->tokens[sa->n_tokens].key_authz = cn_xstrdup(c->key_authz);
	sa->n_tokens++;
	pthread_mutex_unlock(&sa->mu);
	return 0;
}

static int standalone_cleanup(struct agent_solver *s, const struct agent_chall *c)
{
	struct standalone *sa = s->impl;
	size_t i;

	pthread_mutex_lock(&sa->mu);
	for (i = 0; i < sa->n_tokens; i++) {
		if (strcmp(sa->tokens[i].token, c->token) == 0) {
			free(sa->tokens[i].token);
			free(sa->tokens[i].key_authz);
			sa->tokens[i] = sa->tokens[--sa->n_tokens];
			break;
		}
	}
	pthread_mutex_unlock(&sa->mu);
	return 0;
}

static void standalone_free(struct agent_solver *s)
{
	struct standalone *sa = s->impl;
	size_t i;

	if (sa->running) {
		if (write(sa->stop[1], "x", 1) != 1)
			CN_LOG(CN_LOG_WARN, "http-01", "cannot stop the responder: %s", strerror(errno));
		pthread_join(sa->th, NULL);
	}
	close(sa->stop[0]);
	close(sa->stop[1]);
	close(sa->lfd);
	for (i = 0; i < sa->n_tokens; i++) {
		free(sa->tokens[i].token);
		free(sa->tokens[i].key_authz);
	}
	free(sa->tokens);
	pthread_mutex_destroy(&sa->mu);
	free(sa);
	free(s);
}

static const struct agent_solver_ops standalone_ops = {
	"http-01", standalone_present, standalone_cleanup, noop_commit, standalone_free,
};

int agent_http01_standalone_new(const char *hostport, struct agent_solver **out)
{
	struct standalone *sa = NULL;
	struct agent_solver *s = NULL;
	char *addr = NULL;
	int port, lfd = -1, r;

	r = agent_parse_hostport(hostport, &addr, &port);
	if (r != 0)
		return r;
	r = agent_listen_tcp(addr, port, &lfd);
	free(addr);
	if (r != 0)
		return r;
	sa = cn_xcalloc(1, sizeof(*sa));
	sa->lfd = lfd;
	if (pipe(sa->stop) != 0) {
		close(lfd);
		free(sa);
		return cn_err_set(CN_ERR_IO, "pipe: %s", strerror(errno));
	}
	fcntl(sa->stop[0], F_SETFD, FD_CLOEXEC);
	fcntl(sa->stop[1], F_SETFD, FD_CLOEXEC);
	pthread_mutex_init(&sa->mu, NULL);
	s = cn_xcalloc(1, sizeof(*s));
	s->ops = &standalone_ops;
	s->impl = sa;
	if (pthread_create(&sa->th, NULL, standalone_main, sa) != 0) {
		standalone_free(s);
		return cn_err_set(CN_ERR_INTERNAL, "pthread_create failed");
	}
	sa->running = true;
	CN_LOG(CN_LOG_DEBUG, "http-01", "standalone responder on %s", hostport);
	*out = s;
	return 0;
}
