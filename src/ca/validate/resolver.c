/*
 * resolver.c - the DNS lookups of domain validation (A, AAAA, TXT), through
 * libunbound forwarding to the one resolver the CA is configured with, with
 * DNSSEC validation when a trust anchor file is given (RFC 8555 section
 * 10.2: the CA's resolver must be trustworthy; BR 3.2.2.4 lookups).
 *
 * Threads and deadlines: one ub_ctx is shared by all validation threads and
 * used asynchronously (ub_ctx_async with a background thread), so that each
 * lookup can be abandoned at its caller's deadline: ub_resolve() would block
 * for as long as unbound keeps retrying. Every call into libunbound is made
 * under r->lock. A waiting thread either polls ub_fd() itself, the lock
 * released, and then runs ub_process() under the lock (which runs the
 * callbacks of every thread's queries, each of which lives on its caller's
 * stack), or, when another thread is polling, waits on r->cond, which the
 * poller broadcasts after each ub_process(). A lookup that reaches its
 * deadline is ub_cancel()ed under the lock, so its callback never runs
 * afterwards.
 *
 * Freshness: the caches are capped at a TTL of 0, so a subscriber that fixes
 * a record sees it used at the next validation, not after a cached TTL.
 *
 * TTLs: with the cap, libunbound reports every TTL as 0 (ub_result.ttl and
 * the answer packet alike) unless serve-original-ttl is on, which leaves
 * the cache alone and only puts the TTLs the server sent into the answer
 * packet. The TXT lookups read the smallest TTL of the answer section from
 * that packet (ca_v_answer_min_ttl): dns-persist-01 caps the reuse of a
 * validation by it (draft-ietf-acme-dns-persist section 7.8).
 *
 * Raw record sets (ca_resolve_rrsets_by) serve CAA (caa.c), which asks
 * every level of a name at once.
 *
 * Not here: CAA policy (caa.c), the choice of addresses to contact (target.c).
 */
#include "validate/validate.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <unbound.h>

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "validate/validate_int.h"

#define RR_A 1
#define RR_TXT 16
#define RR_AAAA 28
#define RR_CAA 257
#define RR_CLASS_IN 1
#define RCODE_NXDOMAIN 3
/* Largest TXT record we accept after concatenating its strings. */
#define MAX_TXT_LEN 65535

struct ca_resolver {
	struct ub_ctx *ctx;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* CLOCK_MONOTONIC; broadcast after ub_process() */
	bool polling;        /* a thread is waiting on ub_fd(); under lock */
	int timeout_ms;      /* the deadline of the public lookups */
};

/* One outstanding query, on its caller's stack; fields under r->lock. */
struct rq {
	const char *name;
	int type;
	int async_id;
	bool done;
	int err;               /* a UB_* error, 0 when res is set */
	struct ub_result *res; /* owned */
};

enum rq_state { RQ_DATA, RQ_EMPTY, RQ_NXDOMAIN, RQ_FAIL };

static const char *type_name(int type)
{
	switch (type) {
	case RR_A:
		return "A";
	case RR_AAAA:
		return "AAAA";
	case RR_TXT:
		return "TXT";
	case RR_CAA:
		return "CAA";
	default:
		return "?";
	}
}

static const char *rcode_name(int rcode)
{
	static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
	    "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"};

	if (rcode >= 0 && (size_t)rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	return "unknown rcode";
}

/* Names go to libunbound as text: allow only what a DNS name is made of. */
static bool name_ok(const char *name)
{
	size_t len = strlen(name), label = 0, i;

	if (len == 0 || len > CA_V_MAX_NAME + 1 || name[0] == '.')
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
			c == '_'))
			return false;
		if (++label > 63)
			return false;
	}
	return name[len - 1] == '.' || len <= CA_V_MAX_NAME;
}

/* "1.2.3.4:53" or "[::1]:53" -> "1.2.3.4@53", the form ub_ctx_set_fwd takes. */
static int fwd_parse(const char *spec, char *out, size_t out_len)
{
	char host[INET6_ADDRSTRLEN + 1];
	unsigned char bin[16];
	const char *colon, *hs, *he;
	char *end = NULL;
	long port;
	int n;

	if (spec == NULL || spec[0] == '\0')
		return cn_err_set(CN_ERR_USAGE, "validation resolver is not set (want HOST:PORT)");
	if (spec[0] == '[') {
		hs = spec + 1;
		he = strchr(hs, ']');
		if (he == NULL || he[1] != ':')
			return cn_err_set(CN_ERR_USAGE, "resolver '%s': want [IPv6]:PORT", spec);
		colon = he + 1;
	} else {
		hs = spec;
		colon = strchr(spec, ':');
		if (colon == NULL || strchr(colon + 1, ':') != NULL)
			return cn_err_set(CN_ERR_USAGE, "resolver '%s': want IPv4:PORT or [IPv6]:PORT", spec);
		he = colon;
	}
	if ((size_t)(he - hs) >= sizeof(host))
		return cn_err_set(CN_ERR_USAGE, "resolver '%s': bad address", spec);
	memcpy(host, hs, (size_t)(he - hs));
	host[he - hs] = '\0';
	if (inet_pton(AF_INET, host, bin) != 1 && inet_pton(AF_INET6, host, bin) != 1)
		return cn_err_set(CN_ERR_USAGE, "resolver '%s': '%s' is not an IP address", spec, host);
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno != 0 || port < 1 || port > 65535)
		return cn_err_set(CN_ERR_USAGE, "resolver '%s': bad port", spec);
	n = snprintf(out, out_len, "%s@%ld", host, port);
	if (n < 0 || (size_t)n >= out_len)
		return cn_err_set(CN_ERR_USAGE, "resolver '%s': too long", spec);
	return 0;
}

static int ub_opt(struct ub_ctx *ctx, const char *opt, const char *val)
{
	int e = ub_ctx_set_option(ctx, opt, val);

	if (e != 0)
		return cn_err_set(CN_ERR_INTERNAL, "libunbound option %s %s: %s", opt, val, ub_strerror(e));
	return 0;
}

int ca_resolver_new(const struct ca_validate_cfg *cfg, struct ca_resolver **out)
{
	static const char *const opts[][2] = {
	    {"do-not-query-localhost:", "no"}, /* the forwarder may be on loopback */
	    {"cache-max-ttl:", "0"},
	    {"cache-max-negative-ttl:", "0"},
	    /* the TTLs as sent, in answer packets only (see the top) */
	    {"serve-original-ttl:", "yes"},
	    {"infra-keep-probing:", "yes"}, /* one timeout must not blacklist our only forwarder */
	    {"infra-host-ttl:", "60"},
	    /* unbound answers NXDOMAIN itself for the RFC 6761 name "test.";
	     * ask the forwarder instead, so test deployments (and the interop
	     * suites, which use example.test) work. Whether such names may be
	     * issued for is the identifier policy's decision, not the resolver's. */
	    {"local-zone:", "test. transparent"},
	    /* ... and do not validate them: the root zone proves that "test."
	     * does not exist, so under the IANA root anchor every test name
	     * would be bogus. A zone below it with its own trust anchor (the
	     * DNSSEC tests) is still validated: the closest anchor wins. */
	    {"domain-insecure:", "test."},
	};
	struct ca_validate_cfg c;
	struct ca_resolver *r = NULL;
	char fwd[INET6_ADDRSTRLEN + 16];
	pthread_condattr_t ca;
	size_t i;
	int e, rc;

	ca_v_cfg_fill(cfg, &c);
	rc = fwd_parse(c.resolver, fwd, sizeof(fwd));
	if (rc != 0)
		goto out;
	if (c.trust_anchor_file != NULL && access(c.trust_anchor_file, R_OK) != 0) {
		rc = cn_err_set(CN_ERR_USAGE, "DNSSEC trust anchor file %s: %s", c.trust_anchor_file,
		    strerror(errno));
		goto out;
	}
	r = cn_xcalloc(1, sizeof(*r));
	r->timeout_ms = c.total_timeout_ms;
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cond, &ca);
	pthread_condattr_destroy(&ca);
	r->ctx = ub_ctx_create();
	if (r->ctx == NULL) {
		rc = cn_err_set(CN_ERR_INTERNAL, "ub_ctx_create failed");
		goto out;
	}
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		rc = ub_opt(r->ctx, opts[i][0], opts[i][1]);
		if (rc != 0)
			goto out;
	}
	e = ub_ctx_set_fwd(r->ctx, fwd);
	if (e == 0 && c.trust_anchor_file != NULL)
		e = ub_ctx_add_ta_file(r->ctx, c.trust_anchor_file);
	if (e == 0)
		e = ub_ctx_async(r->ctx, 1);
	/*
	 * Removing a zone that does not exist has no effect but finalizes the
	 * context now, so a bad trust anchor file fails at startup rather than
	 * at the first validation.
	 */
	if (e == 0)
		e = ub_ctx_zone_remove(r->ctx, "cairn-finalize.invalid.");
	if (e != 0) {
		rc = cn_err_set(e == UB_INITFAIL ? CN_ERR_USAGE : CN_ERR_INTERNAL,
		    "libunbound setup (forwarder %s%s%s): %s", fwd, c.trust_anchor_file ? ", trust anchors " : "",
		    c.trust_anchor_file ? c.trust_anchor_file : "", ub_strerror(e));
		goto out;
	}
	CN_LOG(CN_LOG_INFO, "validate", "resolver %s%s", c.resolver,
	    c.trust_anchor_file ? " (DNSSEC validating)" : "");
	*out = r;
	r = NULL;
	rc = 0;
out:
	ca_resolver_free(r);
	return rc;
}

void ca_resolver_free(struct ca_resolver *r)
{
	if (r == NULL)
		return;
	if (r->ctx != NULL)
		ub_ctx_delete(r->ctx);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static void rq_done(void *arg, int err, struct ub_result *res)
{
	struct rq *q = arg;

	q->err = err;
	q->res = res;
	q->done = true;
}

static bool all_done(const struct rq *qs, size_t nq)
{
	size_t i;

	for (i = 0; i < nq; i++)
		if (!qs[i].done)
			return false;
	return true;
}

/*
 * Runs the nq queries at once until all are answered or deadline passes.
 * Afterwards each query is either done (err/res set) or cancelled (!done).
 */
static void lookup(struct ca_resolver *r, struct rq *qs, size_t nq, int64_t deadline)
{
	struct timespec ts;
	struct pollfd pfd;
	size_t i;
	int e, left;

	pthread_mutex_lock(&r->lock);
	for (i = 0; i < nq; i++) {
		e = ub_resolve_async(r->ctx, qs[i].name, qs[i].type, RR_CLASS_IN, &qs[i], rq_done,
		    &qs[i].async_id);
		if (e != 0) {
			qs[i].err = e;
			qs[i].done = true;
		}
	}
	while (!all_done(qs, nq)) {
		left = ca_v_left_ms(deadline);
		if (left == 0)
			break;
		if (r->polling) {
			ts.tv_sec = (time_t)(deadline / 1000);
			ts.tv_nsec = (long)(deadline % 1000) * 1000000L;
			pthread_cond_timedwait(&r->cond, &r->lock, &ts);
			continue;
		}
		r->polling = true;
		pthread_mutex_unlock(&r->lock);
		pfd.fd = ub_fd(r->ctx); /* fixed for the context's life */
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, left) < 0 && errno != EINTR)
			CN_LOG(CN_LOG_WARN, "validate", "poll on libunbound: %s", strerror(errno));
		pthread_mutex_lock(&r->lock);
		e = ub_process(r->ctx); /* non-blocking when nothing arrived */
		r->polling = false;
		pthread_cond_broadcast(&r->cond);
		if (e != 0) {
			/* The pipe to libunbound's thread is broken: fail, don't spin. */
			CN_LOG(CN_LOG_ERR, "validate", "ub_process: %s", ub_strerror(e));
			for (i = 0; i < nq; i++) {
				if (!qs[i].done) {
					(void)ub_cancel(r->ctx, qs[i].async_id);
					qs[i].err = e;
					qs[i].done = true;
				}
			}
		}
	}
	for (i = 0; i < nq; i++)
		if (!qs[i].done)
			(void)ub_cancel(r->ctx, qs[i].async_id);
	pthread_mutex_unlock(&r->lock);
}

/* Classifies a finished query; on RQ_FAIL and RQ_NXDOMAIN msg says why. */
static enum rq_state rq_state(const struct rq *q, char *msg, size_t msg_len, int *code)
{
	const struct ub_result *res = q->res;

	*code = CN_ERR_DNS;
	if (!q->done) {
		snprintf(msg, msg_len, "DNS lookup of %s %s timed out", type_name(q->type), q->name);
		return RQ_FAIL;
	}
	if (q->err != 0 || res == NULL) {
		snprintf(msg, msg_len, "DNS lookup of %s %s failed: %s", type_name(q->type), q->name,
		    ub_strerror(q->err));
		return RQ_FAIL;
	}
	/* A bogus answer can carry data and rcode NOERROR: check it first. */
	if (res->bogus) {
		snprintf(msg, msg_len, "DNSSEC validation of %s %s failed: %s", type_name(q->type), q->name,
		    res->why_bogus ? res->why_bogus : "bogus answer");
		return RQ_FAIL;
	}
	if (res->nxdomain || res->rcode == RCODE_NXDOMAIN) {
		snprintf(msg, msg_len, "NXDOMAIN looking up %s for %s", type_name(q->type), q->name);
		return RQ_NXDOMAIN;
	}
	if (res->rcode != 0) {
		snprintf(msg, msg_len, "%s looking up %s for %s", rcode_name(res->rcode), type_name(q->type),
		    q->name);
		return RQ_FAIL;
	}
	if (!res->havedata || res->data == NULL || res->data[0] == NULL)
		return RQ_EMPTY;
	return RQ_DATA;
}

static void rq_cleanup(struct rq *qs, size_t nq)
{
	size_t i;

	for (i = 0; i < nq; i++) {
		ub_resolve_free(qs[i].res);
		qs[i].res = NULL;
	}
}

void ca_addrs_free(char **addrs, size_t n)
{
	size_t i;

	if (addrs == NULL)
		return;
	for (i = 0; i < n; i++)
		free(addrs[i]);
	free(addrs);
}

static size_t count_data(const struct ub_result *res)
{
	size_t n = 0;

	while (res->data[n] != NULL)
		n++;
	return n;
}

int ca_resolve_addrs_by(struct ca_resolver *r, const char *name, int64_t deadline, char ***addrs,
    size_t *n)
{
	struct rq qs[2];
	enum rq_state st[2];
	char msg[2][400];
	char text[INET6_ADDRSTRLEN];
	char **list = NULL;
	size_t cnt = 0, cap = 0, i, j;
	int code[2], rc;

	if (!name_ok(name))
		return cn_err_set(CN_ERR_DNS, "'%.80s' is not a valid DNS name", name);
	memset(qs, 0, sizeof(qs));
	qs[0].name = qs[1].name = name;
	qs[0].type = RR_AAAA; /* IPv6 first: the order callers try them in */
	qs[1].type = RR_A;
	lookup(r, qs, 2, deadline);
	for (i = 0; i < 2; i++) {
		msg[i][0] = '\0';
		st[i] = rq_state(&qs[i], msg[i], sizeof(msg[i]), &code[i]);
		if (st[i] == RQ_DATA)
			cap += count_data(qs[i].res);
		/* Any bogus answer fails the lookup, whatever the other type says. */
		if (st[i] == RQ_FAIL && qs[i].res != NULL && qs[i].res->bogus) {
			rc = cn_err_set(code[i], "%s", msg[i]);
			goto out;
		}
	}
	list = cap ? cn_xcalloc(cap, sizeof(*list)) : NULL;
	for (i = 0; i < 2; i++) {
		if (st[i] != RQ_DATA)
			continue;
		for (j = 0; qs[i].res->data[j] != NULL; j++) {
			int af = qs[i].type == RR_A ? AF_INET : AF_INET6;
			int want = qs[i].type == RR_A ? 4 : 16;

			if (qs[i].res->len[j] != want)
				continue; /* not an address of this type: ignore it */
			if (inet_ntop(af, qs[i].res->data[j], text, sizeof(text)) == NULL)
				continue;
			list[cnt++] = cn_xstrdup(text);
		}
	}
	if (cnt == 0) {
		/* Prefer what went wrong with A, then AAAA, then "nothing there". */
		if (st[1] == RQ_FAIL || st[1] == RQ_NXDOMAIN)
			rc = cn_err_set(code[1], "%s", msg[1]);
		else if (st[0] == RQ_FAIL || st[0] == RQ_NXDOMAIN)
			rc = cn_err_set(code[0], "%s", msg[0]);
		else
			rc = cn_err_set(CN_ERR_DNS, "no valid A or AAAA records found for %s", name);
		goto out;
	}
	CN_LOG(CN_LOG_DEBUG, "validate", "dns %s: %zu address(es), first %s", name, cnt, list[0]);
	*addrs = list;
	*n = cnt;
	list = NULL;
	cnt = 0;
	rc = 0;
out:
	ca_addrs_free(list, cnt);
	rq_cleanup(qs, 2);
	return rc;
}

int ca_v_txt_join(const unsigned char *p, size_t len, char **out)
{
	struct cn_buf b;
	size_t i = 0, k, slen;
	int rc = 0;

	cn_buf_init(&b, MAX_TXT_LEN);
	while (i < len && rc == 0) {
		slen = p[i++];
		if (slen > len - i) {
			rc = cn_err_set(CN_ERR_DNS, "malformed TXT record");
			break;
		}
		for (k = 0; k < slen && rc == 0; k++) {
			if (p[i + k] == '\0')
				rc = cn_buf_add(&b, "\\x00", 4);
			else
				rc = cn_buf_add(&b, &p[i + k], 1);
		}
		i += slen;
	}
	if (rc == 0)
		*out = cn_buf_take(&b, NULL);
	cn_buf_free(&b);
	return rc;
}

/* Skips the domain name at pkt[*pos] (labels, ending in a root label or a
 * compression pointer, RFC 1035 section 4.1.4); false if it runs off the end. */
static bool skip_name(const unsigned char *pkt, size_t len, size_t *pos)
{
	size_t p = *pos, labels = 0;

	while (p < len && labels++ <= 127) {
		unsigned char b = pkt[p];

		if (b == 0) {
			*pos = p + 1;
			return true;
		}
		if ((b & 0xC0) == 0xC0) {
			if (len - p < 2)
				return false;
			*pos = p + 2;
			return true;
		}
		if ((b & 0xC0) != 0)
			return false; /* the extended label types of RFC 6891 are obsolete */
		p += 1 + (size_t)b;
	}
	return false;
}

bool ca_v_answer_min_ttl(const unsigned char *pkt, size_t len, uint32_t *ttl)
{
	size_t pos = 12, i, qd, an;
	uint32_t min = UINT32_MAX, t;

	if (pkt == NULL || len < 12)
		return false;
	qd = (size_t)pkt[4] << 8 | pkt[5];
	an = (size_t)pkt[6] << 8 | pkt[7];
	if (an == 0)
		return false;
	for (i = 0; i < qd; i++) {
		if (!skip_name(pkt, len, &pos) || len - pos < 4)
			return false;
		pos += 4; /* QTYPE, QCLASS */
	}
	for (i = 0; i < an; i++) {
		size_t rdlen;

		/* TYPE, CLASS, TTL, RDLENGTH, then RDATA */
		if (!skip_name(pkt, len, &pos) || len - pos < 10)
			return false;
		t = (uint32_t)pkt[pos + 4] << 24 | (uint32_t)pkt[pos + 5] << 16 |
		    (uint32_t)pkt[pos + 6] << 8 | pkt[pos + 7];
		if (t & 0x80000000U)
			t = 0; /* RFC 2181 section 8 */
		rdlen = (size_t)pkt[pos + 8] << 8 | pkt[pos + 9];
		pos += 10;
		if (len - pos < rdlen)
			return false;
		pos += rdlen;
		if (t < min)
			min = t;
	}
	*ttl = min;
	return true;
}

/* The TTL of a query's answer: the smallest in its answer section (CNAMEs
 * included), else what libunbound says (0 under the cache cap). */
static uint32_t rq_ttl(const struct rq *q)
{
	uint32_t t = 0;

	if (q->res == NULL)
		return 0;
	if (ca_v_answer_min_ttl(q->res->answer_packet, q->res->answer_len > 0 ?
	    (size_t)q->res->answer_len : 0, &t))
		return t;
	return q->res->ttl > 0 ? (uint32_t)q->res->ttl : 0;
}

int ca_resolve_txt_ttl_by(struct ca_resolver *r, const char *name, int64_t deadline, char ***txts,
    size_t *n, uint32_t *ttl)
{
	struct rq q;
	char msg[400] = "";
	char **list = NULL;
	size_t cnt = 0, cap, j;
	int code, rc;

	if (!name_ok(name))
		return cn_err_set(CN_ERR_DNS, "'%.80s' is not a valid DNS name", name);
	memset(&q, 0, sizeof(q));
	q.name = name;
	q.type = RR_TXT;
	lookup(r, &q, 1, deadline);
	switch (rq_state(&q, msg, sizeof(msg), &code)) {
	case RQ_FAIL:
		rc = cn_err_set(code, "%s", msg);
		goto out;
	case RQ_NXDOMAIN:
	case RQ_EMPTY:
		*txts = NULL;
		*n = 0;
		if (ttl != NULL)
			*ttl = 0;
		rc = 0;
		goto out;
	case RQ_DATA:
		break;
	}
	cap = count_data(q.res);
	list = cn_xcalloc(cap, sizeof(*list));
	for (j = 0; j < cap; j++) {
		if (q.res->len[j] < 0) {
			rc = cn_err_set(CN_ERR_DNS, "malformed TXT record at %s", name);
			goto out;
		}
		rc = ca_v_txt_join((const unsigned char *)q.res->data[j], (size_t)q.res->len[j], &list[cnt]);
		if (rc != 0) {
			rc = cn_err_set(CN_ERR_DNS, "malformed or oversized TXT record at %s", name);
			goto out;
		}
		cnt++;
	}
	CN_LOG(CN_LOG_DEBUG, "validate", "dns %s: %zu TXT record(s), TTL %lu", name, cnt,
	    (unsigned long)rq_ttl(&q));
	if (ttl != NULL)
		*ttl = rq_ttl(&q);
	*txts = list;
	*n = cnt;
	list = NULL;
	cnt = 0;
	rc = 0;
out:
	ca_addrs_free(list, cnt);
	rq_cleanup(&q, 1);
	return rc;
}

int ca_resolve_txt_by(struct ca_resolver *r, const char *name, int64_t deadline, char ***txts, size_t *n)
{
	return ca_resolve_txt_ttl_by(r, name, deadline, txts, n, NULL);
}

int ca_resolve_addrs(struct ca_resolver *r, const char *name, char ***addrs, size_t *n)
{
	return ca_resolve_addrs_by(r, name, ca_v_now_ms() + r->timeout_ms, addrs, n);
}

int ca_resolve_txt(struct ca_resolver *r, const char *name, char ***txts, size_t *n)
{
	return ca_resolve_txt_by(r, name, ca_v_now_ms() + r->timeout_ms, txts, n);
}

int ca_resolve_txt_ttl(struct ca_resolver *r, const char *name, char ***txts, size_t *n,
    uint32_t *ttl)
{
	return ca_resolve_txt_ttl_by(r, name, ca_v_now_ms() + r->timeout_ms, txts, n, ttl);
}

void ca_rrset_cleanup(struct ca_rrset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->rdata[i]);
	free(s->rdata);
	free(s->rdata_len);
	free(s->why);
	s->rdata = NULL;
	s->rdata_len = NULL;
	s->why = NULL;
	s->n = 0;
	s->rc = 0;
	s->bogus = false;
	s->ttl = 0;
}

/* Copies a finished query's outcome into its set. */
static void rrset_fill(const struct rq *q, struct ca_rrset *s)
{
	char msg[400] = "";
	size_t cnt, j;
	int code;

	switch (rq_state(q, msg, sizeof(msg), &code)) {
	case RQ_FAIL:
		s->rc = code;
		s->bogus = q->res != NULL && q->res->bogus;
		s->why = cn_xstrdup(msg);
		return;
	case RQ_NXDOMAIN:
	case RQ_EMPTY:
		return;
	case RQ_DATA:
		break;
	}
	cnt = count_data(q->res);
	s->rdata = cn_xcalloc(cnt, sizeof(*s->rdata));
	s->rdata_len = cn_xcalloc(cnt, sizeof(*s->rdata_len));
	for (j = 0; j < cnt; j++) {
		size_t len = q->res->len[j] > 0 ? (size_t)q->res->len[j] : 0;

		/* one spare byte, so that an empty RDATA is not a zero-size allocation */
		s->rdata[j] = cn_xmalloc(len + 1);
		memcpy(s->rdata[j], q->res->data[j], len);
		s->rdata_len[j] = len;
	}
	s->n = cnt;
	s->ttl = rq_ttl(q);
}

int ca_resolve_rrsets_by(struct ca_resolver *r, int type, struct ca_rrset *sets, size_t n,
    int64_t deadline)
{
	struct rq *qs = NULL;
	size_t *idx = NULL, nq = 0, i;

	if (n > CA_V_MAX_PARALLEL)
		return cn_err_set(CN_ERR_MALFORMED, "%zu names asked at once, at most %d", n,
		    CA_V_MAX_PARALLEL);
	for (i = 0; i < n; i++) {
		sets[i].rc = 0;
		sets[i].bogus = false;
		sets[i].why = NULL;
		sets[i].n = 0;
		sets[i].rdata = NULL;
		sets[i].rdata_len = NULL;
		sets[i].ttl = 0;
	}
	if (n == 0)
		return 0;
	qs = cn_xcalloc(n, sizeof(*qs));
	idx = cn_xcalloc(n, sizeof(*idx));
	for (i = 0; i < n; i++) {
		if (!name_ok(sets[i].name)) {
			char esc[100];

			cn_log_escape(sets[i].name, strnlen(sets[i].name, 80), esc, sizeof(esc));
			sets[i].rc = CN_ERR_DNS;
			sets[i].why = cn_xmalloc(sizeof(esc) + 40);
			snprintf(sets[i].why, sizeof(esc) + 40, "'%s' is not a valid DNS name", esc);
			continue;
		}
		qs[nq].name = sets[i].name;
		qs[nq].type = type;
		idx[nq++] = i;
	}
	lookup(r, qs, nq, deadline);
	for (i = 0; i < nq; i++)
		rrset_fill(&qs[i], &sets[idx[i]]);
	rq_cleanup(qs, nq);
	free(qs);
	free(idx);
	return 0;
}
