/*
 * load-http01.c - the http-01 responder of bench/acme-load (RFC 8555
 * section 8.3): a small epoll HTTP/1.1 server on 127.0.0.1 in its own thread
 * that answers GET /.well-known/acme-challenge/TOKEN with the key
 * authorization registered for TOKEN (text/plain), 404 otherwise. Keep-alive
 * is honoured; a request must fit in one 4 KiB buffer (validators send a
 * few hundred bytes). Tokens live in a chained hash table under one mutex.
 *
 * Left out: chunked request bodies (a GET has none), pipelining beyond what
 * fits the buffer, IPv6.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "load.h"
#include "mem.h"

#define RS_BUCKETS 8192
#define RS_REQ_MAX 4096
#define RS_OUT_MAX 1024
#define RS_EVENTS 64
#define RS_PREFIX "/.well-known/acme-challenge/"

struct rs_entry {
	char *token, *key_auth;
	struct rs_entry *next;
};

struct rs_conn {
	int fd;
	struct rs_conn *prev, *next; /* every open connection, for stop */
	char in[RS_REQ_MAX];
	size_t in_len;
	char out[RS_OUT_MAX];
	size_t out_len, out_off;
	bool close_after;
};

struct bl_responder {
	int lfd, efd, stopfd;
	pthread_t thread;
	pthread_mutex_t mu;
	struct rs_entry *buckets[RS_BUCKETS];
	struct rs_conn *conns;
	atomic_uint_fast64_t served, refused;
};

static unsigned hash_token(const char *s)
{
	unsigned h = 2166136261u; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h & (RS_BUCKETS - 1);
}

void bl_responder_put(struct bl_responder *r, const char *token, const char *key_auth)
{
	struct rs_entry *e = cn_xcalloc(1, sizeof(*e));
	unsigned h = hash_token(token);

	e->token = cn_xstrdup(token);
	e->key_auth = cn_xstrdup(key_auth);
	pthread_mutex_lock(&r->mu);
	e->next = r->buckets[h];
	r->buckets[h] = e;
	pthread_mutex_unlock(&r->mu);
}

void bl_responder_del(struct bl_responder *r, const char *token)
{
	struct rs_entry **pp, *e = NULL;
	unsigned h = hash_token(token);

	pthread_mutex_lock(&r->mu);
	for (pp = &r->buckets[h]; *pp; pp = &(*pp)->next) {
		if (strcmp((*pp)->token, token) == 0) {
			e = *pp;
			*pp = e->next;
			break;
		}
	}
	pthread_mutex_unlock(&r->mu);
	if (e) {
		free(e->token);
		free(e->key_auth);
		free(e);
	}
}

/* Copies the key authorization of token into out; false if unknown. */
static bool lookup(struct bl_responder *r, const char *token, size_t token_len, char *out,
    size_t out_size)
{
	struct rs_entry *e;
	char tok[128];
	bool found = false;

	if (token_len == 0 || token_len >= sizeof(tok))
		return false;
	memcpy(tok, token, token_len);
	tok[token_len] = '\0';
	pthread_mutex_lock(&r->mu);
	for (e = r->buckets[hash_token(tok)]; e; e = e->next) {
		if (strcmp(e->token, tok) == 0) {
			snprintf(out, out_size, "%s", e->key_auth);
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&r->mu);
	return found;
}

void bl_responder_counts(struct bl_responder *r, uint64_t *served, uint64_t *refused)
{
	*served = atomic_load(&r->served);
	*refused = atomic_load(&r->refused);
}

static void conn_close(struct bl_responder *r, struct rs_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		r->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	close(c->fd);
	free(c);
}

/* Case-insensitive search for a header line "name: value" containing word. */
static bool header_has(const char *hdrs, const char *name, const char *word)
{
	const char *p = hdrs;
	size_t n = strlen(name), w = strlen(word);

	while ((p = strstr(p, "\r\n")) != NULL) {
		const char *end;

		p += 2;
		if (strncasecmp(p, name, n) != 0 || p[n] != ':')
			continue;
		end = strstr(p, "\r\n");
		for (p += n + 1; end && p + w <= end; p++)
			if (strncasecmp(p, word, w) == 0)
				return true;
	}
	return false;
}

/* Builds the response to the complete request head in c->in[0..head_len). */
static void respond(struct bl_responder *r, struct rs_conn *c, size_t head_len)
{
	char key_auth[512];
	const char *sp1, *sp2, *path;
	bool ok = false, http10;
	int n;

	c->in[head_len - 1] = '\0'; /* the last '\n' of "\r\n\r\n" */
	sp1 = strchr(c->in, ' ');
	sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	http10 = sp2 && strncmp(sp2 + 1, "HTTP/1.0", 8) == 0;
	if (sp1 && sp2 && (size_t)(sp1 - c->in) == 3 && strncmp(c->in, "GET", 3) == 0) {
		path = sp1 + 1;
		if ((size_t)(sp2 - path) > strlen(RS_PREFIX) &&
		    strncmp(path, RS_PREFIX, strlen(RS_PREFIX)) == 0)
			ok = lookup(r, path + strlen(RS_PREFIX), (size_t)(sp2 - path) - strlen(RS_PREFIX),
			    key_auth, sizeof(key_auth));
	}
	c->close_after = http10 || header_has(c->in, "connection", "close");
	if (ok) {
		n = snprintf(c->out, sizeof(c->out),
		    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n%s\r\n%s",
		    strlen(key_auth), c->close_after ? "Connection: close\r\n" : "", key_auth);
		atomic_fetch_add(&r->served, 1);
	} else {
		n = snprintf(c->out, sizeof(c->out),
		    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n%s\r\n",
		    c->close_after ? "Connection: close\r\n" : "");
		atomic_fetch_add(&r->refused, 1);
	}
	c->out_len = n > 0 && (size_t)n < sizeof(c->out) ? (size_t)n : 0;
	c->out_off = 0;
	/* keep what follows the head (a pipelined request) */
	memmove(c->in, c->in + head_len, c->in_len - head_len);
	c->in_len -= head_len;
}

/* Writes what is pending; returns -1 when the connection is to be closed,
 * 1 when output remains (wait for EPOLLOUT), 0 when all is written. */
static int flush_out(struct rs_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t w = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 1;
		if (w <= 0)
			return -1;
		c->out_off += (size_t)w;
	}
	c->out_len = c->out_off = 0;
	return c->close_after ? -1 : 0;
}

/* Handles readiness of a client connection; false when it was closed. */
static bool on_conn(struct bl_responder *r, struct rs_conn *c, uint32_t events)
{
	struct epoll_event ev;
	char *end;
	int f;

	if (events & EPOLLERR)
		goto closed; /* EPOLLHUP: read what is left, then see EOF */
	if (c->out_len) {
		f = flush_out(c);
		if (f < 0)
			goto closed;
		if (f > 0)
			return true;
	}
	for (;;) {
		ssize_t n;

		if (c->in_len == sizeof(c->in) - 1)
			goto closed; /* a request head larger than we accept */
		n = read(c->fd, c->in + c->in_len, sizeof(c->in) - 1 - c->in_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			goto closed;
		c->in_len += (size_t)n;
		c->in[c->in_len] = '\0';
		while ((end = strstr(c->in, "\r\n\r\n")) != NULL) {
			respond(r, c, (size_t)(end + 4 - c->in));
			c->in[c->in_len] = '\0';
			f = flush_out(c);
			if (f < 0)
				goto closed;
			if (f > 0) {
				ev.events = EPOLLIN | EPOLLOUT;
				ev.data.ptr = c;
				epoll_ctl(r->efd, EPOLL_CTL_MOD, c->fd, &ev);
				return true;
			}
		}
	}
	ev.events = EPOLLIN;
	ev.data.ptr = c;
	epoll_ctl(r->efd, EPOLL_CTL_MOD, c->fd, &ev);
	return true;
closed:
	epoll_ctl(r->efd, EPOLL_CTL_DEL, c->fd, NULL);
	conn_close(r, c);
	return false;
}

static void on_accept(struct bl_responder *r)
{
	struct epoll_event ev;
	int fd, one = 1;

	for (;;) {
		struct rs_conn *c;

		fd = accept(r->lfd, NULL, NULL);
		if (fd < 0)
			return;
		if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = cn_xcalloc(1, sizeof(*c));
		c->fd = fd;
		c->next = r->conns;
		if (c->next)
			c->next->prev = c;
		r->conns = c;
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(r->efd, EPOLL_CTL_ADD, fd, &ev) != 0)
			conn_close(r, c);
	}
}

static void *responder_main(void *arg)
{
	struct bl_responder *r = arg;
	struct epoll_event evs[RS_EVENTS];
	int i, n;

	for (;;) {
		n = epoll_wait(r->efd, evs, RS_EVENTS, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr == &r->lfd)
				on_accept(r);
			else if (evs[i].data.ptr == &r->stopfd)
				return NULL;
			else
				on_conn(r, evs[i].data.ptr, evs[i].events);
		}
	}
	return NULL;
}

int bl_responder_start(int port, struct bl_responder **out)
{
	struct bl_responder *r = cn_xcalloc(1, sizeof(*r));
	struct sockaddr_in sa;
	struct epoll_event ev;
	int one = 1, e;

	r->lfd = r->efd = r->stopfd = -1;
	pthread_mutex_init(&r->mu, NULL);
	r->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->lfd < 0)
		goto fail;
	setsockopt(r->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(r->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(r->lfd, 1024) != 0)
		goto fail;
	r->efd = epoll_create1(EPOLL_CLOEXEC);
	r->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->efd < 0 || r->stopfd < 0)
		goto fail;
	ev.events = EPOLLIN;
	ev.data.ptr = &r->lfd;
	if (epoll_ctl(r->efd, EPOLL_CTL_ADD, r->lfd, &ev) != 0)
		goto fail;
	ev.data.ptr = &r->stopfd;
	if (epoll_ctl(r->efd, EPOLL_CTL_ADD, r->stopfd, &ev) != 0)
		goto fail;
	e = pthread_create(&r->thread, NULL, responder_main, r);
	if (e != 0) {
		errno = e;
		goto fail;
	}
	*out = r;
	return 0;
fail:
	e = cn_err_set(CN_ERR_IO, "http-01 responder on 127.0.0.1:%d: %s", port, strerror(errno));
	if (r->lfd >= 0)
		close(r->lfd);
	if (r->efd >= 0)
		close(r->efd);
	if (r->stopfd >= 0)
		close(r->stopfd);
	pthread_mutex_destroy(&r->mu);
	free(r);
	return e;
}

void bl_responder_stop(struct bl_responder *r)
{
	uint64_t one = 1;
	size_t i;

	if (r == NULL)
		return;
	if (write(r->stopfd, &one, sizeof(one)) == (ssize_t)sizeof(one))
		pthread_join(r->thread, NULL);
	while (r->conns)
		conn_close(r, r->conns);
	for (i = 0; i < RS_BUCKETS; i++) {
		while (r->buckets[i]) {
			struct rs_entry *e = r->buckets[i];

			r->buckets[i] = e->next;
			free(e->token);
			free(e->key_auth);
			free(e);
		}
	}
	close(r->lfd);
	close(r->efd);
	close(r->stopfd);
	pthread_mutex_destroy(&r->mu);
	free(r);
}
