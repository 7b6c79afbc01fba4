/*
 * vtest.h - helpers shared by the validation tests (header-only: each test
 * is one translation unit): start and stop pebble-challtestsrv (Debian
 * package pebble) as the DNS server, drive its management API, wait for
 * TCP/UDP servers to come up by polling (never sleeping blindly), run a
 * small accept loop on loopback for in-test servers, and a stub DNS server
 * (UDP) answering from a table the test sets, with the TTLs it chooses
 * (challtestsrv answers every record with TTL 0).
 */
#ifndef VTEST_H
#define VTEST_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "err.h"
#include "validate/validate.h"

static inline int64_t vt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline int vt_sockaddr(const char *ip, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)port);
		*len = sizeof(*s4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)port);
		*len = sizeof(*s6);
		return AF_INET6;
	}
	return -1;
}

/* True once something accepts TCP connections on ip:port. */
static inline bool vt_tcp_up(const char *ip, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	int fd, af, ok;

	af = vt_sockaddr(ip, port, &ss, &len);
	fd = socket(af, SOCK_STREAM, 0);
	if (fd < 0)
		return false;
	ok = connect(fd, (struct sockaddr *)&ss, len) == 0;
	close(fd);
	return ok;
}

/* True once a DNS server on 127.0.0.1:port answers a query (within 200 ms). */
static inline bool vt_dns_up(int port)
{
	/* id 0x1234, RD, one question: "ready.example. A IN" */
	static const unsigned char q[] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 5, 'r', 'e', 'a', 'd',
	    'y', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1};
	unsigned char buf[512];
	struct sockaddr_storage ss;
	struct pollfd p;
	socklen_t len = 0;
	ssize_t n = -1;
	int fd;

	vt_sockaddr("127.0.0.1", port, &ss, &len);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return false;
	if (sendto(fd, q, sizeof(q), 0, (struct sockaddr *)&ss, len) == (ssize_t)sizeof(q)) {
		p.fd = fd;
		p.events = POLLIN;
		if (poll(&p, 1, 200) == 1)
			n = recv(fd, buf, sizeof(buf), 0);
	}
	close(fd);
	return n >= 4 && buf[0] == 0x12 && buf[1] == 0x34;
}

/* Polls cond every 20 ms until it holds or timeout_ms passes. */
#define VT_WAIT_FOR(cond, timeout_ms)                                                   \
	({                                                                              \
		int64_t vt_end_ = vt_now_ms() + (timeout_ms);                           \
		bool vt_ok_ = false;                                                    \
		while (!(vt_ok_ = (cond)) && vt_now_ms() < vt_end_)                     \
			poll(NULL, 0, 20);                                              \
		vt_ok_;                                                                 \
	})

struct vt_cts {
	pid_t pid;
	int dns_port, mgmt_port;
};

/*
 * Starts pebble-challtestsrv with DNS on 127.0.0.1:dns_port, management on
 * 127.0.0.1:mgmt_port, every A query answered 127.0.0.1 unless mocked, no
 * default AAAA, and the challenge servers given (0 = off). Waits until DNS,
 * management and each server answer. The child dies with us (PDEATHSIG).
 */
static inline int vt_cts_start(struct vt_cts *c, int dns_port, int mgmt_port, int http01_port, int https01_port,
    int tlsalpn01_port)
{
	char dns[32], mgmt[32], h1[32] = "", hs[32] = "", ta[32] = "";
	pid_t pid;
	int i, ok;

	snprintf(dns, sizeof(dns), "127.0.0.1:%d", dns_port);
	snprintf(mgmt, sizeof(mgmt), "127.0.0.1:%d", mgmt_port);
	if (http01_port)
		snprintf(h1, sizeof(h1), "127.0.0.1:%d", http01_port);
	if (https01_port)
		snprintf(hs, sizeof(hs), "127.0.0.1:%d", https01_port);
	if (tlsalpn01_port)
		snprintf(ta, sizeof(ta), "127.0.0.1:%d", tlsalpn01_port);
	/* Nothing of ours may already be there: a stale server would answer for us. */
	if (vt_tcp_up("127.0.0.1", mgmt_port) || vt_dns_up(dns_port)) {
		fprintf(stderr, "vtest: port %d or %d already in use\n", mgmt_port, dns_port);
		return -1;
	}
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(127);
		if (devnull >= 0 && getenv("VTEST_VERBOSE") == NULL) {
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		for (i = 3; i < 1024; i++)
			if (i != devnull)
				close(i);
		execlp("pebble-challtestsrv", "pebble-challtestsrv", "-dns01", dns, "-management", mgmt, "-http01", h1,
		    "-https01", hs, "-tlsalpn01", ta, "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", (char *)NULL);
		_exit(127);
	}
	c->pid = pid;
	c->dns_port = dns_port;
	c->mgmt_port = mgmt_port;
	ok = VT_WAIT_FOR(vt_tcp_up("127.0.0.1", mgmt_port) || waitpid(pid, NULL, WNOHANG) != 0, 15000) &&
	     VT_WAIT_FOR(vt_dns_up(dns_port), 10000) &&
	     (!http01_port || VT_WAIT_FOR(vt_tcp_up("127.0.0.1", http01_port), 10000)) &&
	     (!https01_port || VT_WAIT_FOR(vt_tcp_up("127.0.0.1", https01_port), 10000)) &&
	     (!tlsalpn01_port || VT_WAIT_FOR(vt_tcp_up("127.0.0.1", tlsalpn01_port), 10000));
	if (!ok || kill(pid, 0) != 0) {
		fprintf(stderr, "vtest: pebble-challtestsrv did not come up (is the pebble package installed?)\n");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		c->pid = 0;
		return -1;
	}
	return 0;
}

static inline void vt_cts_stop(struct vt_cts *c)
{
	if (c->pid <= 0)
		return;
	kill(c->pid, SIGTERM);
	if (!VT_WAIT_FOR(waitpid(c->pid, NULL, WNOHANG) == c->pid, 5000)) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
	}
	c->pid = 0;
}

/* pebble-challtestsrv answering DNS on dns_port and a resolver of cfg that
 * asks it: the fixture of the DNS-only tests. 0 or -1 (reason on stderr). */
static inline int vt_dns_start(struct vt_cts *c, int dns_port, int mgmt_port,
    const struct ca_validate_cfg *cfg, struct ca_resolver **res)
{
	if (vt_cts_start(c, dns_port, mgmt_port, 0, 0, 0) != 0)
		return -1;
	if (ca_resolver_new(cfg, res) != 0) {
		fprintf(stderr, "ca_resolver_new: %s\n", cn_err_detail());
		return -1;
	}
	return 0;
}

static inline void vt_dns_stop(struct vt_cts *c, struct ca_resolver *res)
{
	ca_resolver_free(res);
	vt_cts_stop(c);
}

static inline size_t vt_discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* POSTs json to the management API; returns the HTTP status or -1. */
static inline long vt_cts_post(const struct vt_cts *c, const char *path, const char *json)
{
	char url[128];
	long status = -1;
	CURL *h = curl_easy_init();

	if (h == NULL)
		return -1;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", c->mgmt_port, path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, vt_discard);
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	return status;
}

/*
 * A loopback TCP server: a thread accepting on ip:port and calling
 * handle(fd, arg) for each connection, one at a time, until vt_srv_stop.
 */
struct vt_srv {
	int lfd;
	int stop[2];
	pthread_t th;
	void (*handle)(int fd, void *arg);
	void *arg;
	int accepted; /* connections so far (under the thread; read after a request completes) */
};

/* Waits until fd is readable (true) or stop_fd is, or poll fails (false). */
static inline bool vt_wait_readable(int fd, int stop_fd)
{
	struct pollfd pf[2];

	for (;;) {
		pf[0].fd = fd;
		pf[0].events = POLLIN;
		pf[1].fd = stop_fd;
		pf[1].events = POLLIN;
		if (poll(pf, 2, -1) >= 0)
			return pf[1].revents == 0 && (pf[0].revents & POLLIN) != 0;
		if (errno != EINTR)
			return false;
	}
}

static inline void *vt_srv_main(void *p)
{
	struct vt_srv *s = p;
	sigset_t pipe;

	/* Our servers may write to a client that went away: no SIGPIPE here. */
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, NULL);
	while (vt_wait_readable(s->lfd, s->stop[0])) {
		int fd = accept(s->lfd, NULL, NULL);

		if (fd < 0)
			continue;
		__atomic_add_fetch(&s->accepted, 1, __ATOMIC_SEQ_CST);
		s->handle(fd, s->arg);
		close(fd);
	}
	return NULL;
}

static inline int vt_srv_start(struct vt_srv *s, const char *ip, int port, void (*handle)(int, void *), void *arg)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	int af, one = 1;

	memset(s, 0, sizeof(*s));
	s->handle = handle;
	s->arg = arg;
	af = vt_sockaddr(ip, port, &ss, &len);
	s->lfd = socket(af, SOCK_STREAM, 0);
	if (s->lfd < 0)
		return -1;
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (af == AF_INET6)
		setsockopt(s->lfd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(s->lfd, (struct sockaddr *)&ss, len) != 0 || listen(s->lfd, 16) != 0) {
		fprintf(stderr, "vtest: cannot listen on %s port %d: %s\n", ip, port, strerror(errno));
		close(s->lfd);
		return -1;
	}
	if (pipe(s->stop) != 0) {
		close(s->lfd);
		return -1;
	}
	if (pthread_create(&s->th, NULL, vt_srv_main, s) != 0) {
		close(s->lfd);
		close(s->stop[0]);
		close(s->stop[1]);
		return -1;
	}
	return VT_WAIT_FOR(vt_tcp_up(ip, port), 5000) ? 0 : -1;
}

static inline void vt_srv_stop(struct vt_srv *s)
{
	if (write(s->stop[1], "x", 1) != 1)
		return;
	pthread_join(s->th, NULL);
	close(s->lfd);
	close(s->stop[0]);
	close(s->stop[1]);
}

static inline int vt_srv_accepted(struct vt_srv *s)
{
	return __atomic_load_n(&s->accepted, __ATOMIC_SEQ_CST);
}

/* ---- a stub DNS server on UDP loopback, answering from a table */

/* One record: TXT (text is the one character-string), CNAME (text is the
 * target), SOA (text is the zone's primary server; the SOA minimum is ttl). */
struct vt_stub_rr {
	const char *owner;
	int type;
	uint32_t ttl;
	const char *text;
};

/* What the stub answers to qname/qtype (ASCII case-insensitive, no trailing
 * dot): rcode, answer records, authority records. Unlisted: NXDOMAIN. */
struct vt_stub_answer {
	const char *qname;
	int qtype;
	int rcode;
	const struct vt_stub_rr *an;
	size_t n_an;
	const struct vt_stub_rr *ns;
	size_t n_ns;
};

struct vt_stub {
	int fd;
	int stop[2];
	pthread_t th;
	pthread_mutex_t lock;
	const struct vt_stub_answer *table; /* under lock */
	size_t n;
	int queries;                        /* under lock */
};

/* Appends the wire form of the dotted name; false when it does not fit. */
static inline bool vt_stub_name(unsigned char *out, size_t cap, size_t *len, const char *name)
{
	const char *p = name, *e;

	while (*p) {
		e = strchr(p, '.');
		if (e == NULL)
			e = p + strlen(p);
		if (e - p > 63 || *len + 1 + (size_t)(e - p) >= cap)
			return false;
		out[(*len)++] = (unsigned char)(e - p);
		memcpy(out + *len, p, (size_t)(e - p));
		*len += (size_t)(e - p);
		p = *e ? e + 1 : e;
	}
	if (*len >= cap)
		return false;
	out[(*len)++] = 0;
	return true;
}

static inline bool vt_stub_u16(unsigned char *out, size_t cap, size_t *len, unsigned v)
{
	if (*len + 2 > cap)
		return false;
	out[(*len)++] = (unsigned char)(v >> 8);
	out[(*len)++] = (unsigned char)v;
	return true;
}

static inline bool vt_stub_u32(unsigned char *out, size_t cap, size_t *len, uint32_t v)
{
	return vt_stub_u16(out, cap, len, v >> 16) && vt_stub_u16(out, cap, len, v & 0xffff);
}

static inline bool vt_stub_rr_put(unsigned char *out, size_t cap, size_t *len, const struct vt_stub_rr *rr)
{
	size_t rdlen_at, start;
	size_t tl;

	if (!vt_stub_name(out, cap, len, rr->owner) || !vt_stub_u16(out, cap, len, (unsigned)rr->type) ||
	    !vt_stub_u16(out, cap, len, 1) || !vt_stub_u32(out, cap, len, rr->ttl))
		return false;
	rdlen_at = *len;
	if (!vt_stub_u16(out, cap, len, 0))
		return false;
	start = *len;
	if (rr->type == 16) {
		tl = strlen(rr->text);
		if (tl > 255 || *len + 1 + tl > cap)
			return false;
		out[(*len)++] = (unsigned char)tl;
		memcpy(out + *len, rr->text, tl);
		*len += tl;
	} else if (rr->type == 5) {
		if (!vt_stub_name(out, cap, len, rr->text))
			return false;
	} else if (rr->type == 6) {
		if (!vt_stub_name(out, cap, len, rr->text) || !vt_stub_name(out, cap, len, rr->text) ||
		    !vt_stub_u32(out, cap, len, 1) || !vt_stub_u32(out, cap, len, 3600) ||
		    !vt_stub_u32(out, cap, len, 600) || !vt_stub_u32(out, cap, len, 86400) ||
		    !vt_stub_u32(out, cap, len, rr->ttl))
			return false;
	} else {
		return false;
	}
	out[rdlen_at] = (unsigned char)((*len - start) >> 8);
	out[rdlen_at + 1] = (unsigned char)(*len - start);
	return true;
}

/* The answer to one query q[0..qlen) into out; 0 when the query is not one. */
static inline size_t vt_stub_reply(struct vt_stub *st, const unsigned char *q, size_t qlen, unsigned char *out,
    size_t cap)
{
	char qname[256];
	size_t p = 12, o = 0, len = 0, i;
	unsigned qtype;
	const struct vt_stub_answer *a = NULL;
	bool ok = true;

	if (qlen < 17 || cap < 512)
		return 0;
	while (p < qlen && q[p] != 0) {
		size_t l = q[p];

		if (l > 63 || p + 1 + l >= qlen || o + l + 1 >= sizeof(qname))
			return 0;
		if (o > 0)
			qname[o++] = '.';
		memcpy(qname + o, q + p + 1, l);
		o += l;
		p += 1 + l;
	}
	qname[o] = '\0';
	if (p + 5 > qlen)
		return 0;
	qtype = (unsigned)q[p + 1] << 8 | q[p + 2];
	p += 5; /* root label, QTYPE, QCLASS */
	pthread_mutex_lock(&st->lock);
	st->queries++;
	for (i = 0; i < st->n && a == NULL; i++)
		if (strcasecmp(st->table[i].qname, qname) == 0 && (unsigned)st->table[i].qtype == qtype)
			a = &st->table[i];
	memcpy(out, q, p); /* header and question */
	out[2] = 0x84 | (q[2] & 0x01); /* QR, AA, RD as asked */
	out[3] = 0x80 | (unsigned char)(a ? a->rcode : 3);
	out[6] = out[7] = out[8] = out[9] = out[10] = out[11] = 0;
	len = p;
	if (a != NULL) {
		for (i = 0; i < a->n_an && ok; i++)
			ok = vt_stub_rr_put(out, cap, &len, &a->an[i]);
		for (i = 0; i < a->n_ns && ok; i++)
			ok = vt_stub_rr_put(out, cap, &len, &a->ns[i]);
		out[7] = (unsigned char)a->n_an;
		out[9] = (unsigned char)a->n_ns;
	}
	pthread_mutex_unlock(&st->lock);
	out[4] = 0;
	out[5] = 1;
	return ok ? len : 0;
}

static inline void *vt_stub_main(void *arg)
{
	struct vt_stub *st = arg;
	unsigned char q[1500], r[4096];
	struct sockaddr_storage from;
	socklen_t fl;
	ssize_t n;
	size_t rl;

	while (vt_wait_readable(st->fd, st->stop[0])) {
		fl = sizeof(from);
		n = recvfrom(st->fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
		if (n <= 0)
			continue;
		rl = vt_stub_reply(st, q, (size_t)n, r, sizeof(r));
		if (rl > 0)
			(void)sendto(st->fd, r, rl, 0, (struct sockaddr *)&from, fl);
	}
	return NULL;
}

/* Starts the stub on 127.0.0.1:port (UDP) answering from table[0..n). */
static inline int vt_stub_start(struct vt_stub *st, int port, const struct vt_stub_answer *table, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;

	memset(st, 0, sizeof(*st));
	pthread_mutex_init(&st->lock, NULL);
	st->table = table;
	st->n = n;
	vt_sockaddr("127.0.0.1", port, &ss, &len);
	st->fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (st->fd < 0)
		return -1;
	if (bind(st->fd, (struct sockaddr *)&ss, len) != 0 || pipe(st->stop) != 0) {
		fprintf(stderr, "vtest: cannot bind UDP port %d: %s\n", port, strerror(errno));
		close(st->fd);
		return -1;
	}
	if (pthread_create(&st->th, NULL, vt_stub_main, st) != 0) {
		close(st->fd);
		close(st->stop[0]);
		close(st->stop[1]);
		return -1;
	}
	return 0;
}

/* Answers from another table from now on. */
static inline void vt_stub_set(struct vt_stub *st, const struct vt_stub_answer *table, size_t n)
{
	pthread_mutex_lock(&st->lock);
	st->table = table;
	st->n = n;
	pthread_mutex_unlock(&st->lock);
}

static inline int vt_stub_queries(struct vt_stub *st)
{
	int n;

	pthread_mutex_lock(&st->lock);
	n = st->queries;
	pthread_mutex_unlock(&st->lock);
	return n;
}

static inline void vt_stub_stop(struct vt_stub *st)
{
	if (write(st->stop[1], "x", 1) != 1)
		return;
	pthread_join(st->th, NULL);
	close(st->fd);
	close(st->stop[0]);
	close(st->stop[1]);
	pthread_mutex_destroy(&st->lock);
}

#endif
