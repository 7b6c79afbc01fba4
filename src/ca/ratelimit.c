/*
 * ratelimit.c - the rate limits of cairnd, RFC 8555 section 6.6: a request
 * over a limit gets the rateLimited problem with HTTP 429 and a Retry-After
 * header (section 6.6 SHOULD), the detail naming the limit. The limits and
 * their defaults follow Let's Encrypt's (letsencrypt.org/docs/rate-limits):
 *
 *   --rate-orders-per-account    300 new orders per account per 3 hours
 *   --rate-certs-per-domain       50 certificates per registered domain per 7 days
 *   --rate-duplicate-certs         5 certificates for one identifier set per 7 days
 *   --rate-failed-validations      5 failed validations per account and identifier per hour
 *   --rate-accounts-per-ip        10 new accounts per IPv4 address or IPv6 /64 per 3 hours
 *   --rate-pending-authz         300 pending authorizations per account
 *
 * Windows slide: an event counts while now < its time + the window. The
 * store answers each check with the time of the limit-th newest event in
 * the window (store.h), which is also what Retry-After needs. A registered
 * domain is a name's ICANN public suffix plus one label (policy.c); an IP
 * address identifier counts on its own. An order that renews (RFC 9773
 * "replaces", or exactly the identifiers of an unexpired certificate the
 * account holds) is exempt from the two certificate limits, as at Let's
 * Encrypt. Failed validations are invalid authorizations, counted from
 * their creation.
 *
 * Left out: Let's Encrypt's limits per certificate-request IP and its
 * override lists. The checks read the store before the request writes, so
 * concurrent requests may pass a limit by the few that race.
 */
#include "ratelimit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mem.h"
#include "store/store.h"

#define CA_RATE_DETAIL 512

int ca_ratelimit_ip_key(const struct sockaddr *sa, char out[CA_RATE_IP_KEY_MAX])
{
	struct in6_addr a6;
	struct in_addr a4;
	char buf[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		memcpy(&a4, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, sizeof(a4));
	} else if (sa->sa_family == AF_INET6) {
		memcpy(&a6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, sizeof(a6));
		if (IN6_IS_ADDR_V4MAPPED(&a6)) {
			memcpy(&a4, a6.s6_addr + 12, sizeof(a4));
		} else {
			memset(a6.s6_addr + 8, 0, 8);
			if (inet_ntop(AF_INET6, &a6, buf, sizeof(buf)) == NULL)
				return cn_err_set(CN_ERR_INTERNAL, "inet_ntop failed");
			snprintf(out, CA_RATE_IP_KEY_MAX, "%s/64", buf);
			return 0;
		}
	} else {
		return cn_err_set(CN_ERR_INTERNAL, "peer address of family %d", sa->sa_family);
	}
	if (inet_ntop(AF_INET, &a4, buf, sizeof(buf)) == NULL)
		return cn_err_set(CN_ERR_INTERNAL, "inet_ntop failed");
	snprintf(out, CA_RATE_IP_KEY_MAX, "%s", buf);
	return 0;
}

int64_t ca_ratelimit_retry_after(int64_t t, int64_t window_s, int64_t now)
{
	int64_t s = t + window_s - now;

	return s < 1 ? 1 : s;
}

void ca_ratelimit_fmt_window(int64_t window_s, char out[32])
{
	if (window_s > 0 && window_s % 86400 == 0)
		snprintf(out, 32, "%lldd", (long long)(window_s / 86400));
	else if (window_s > 0 && window_s % 3600 == 0)
		snprintf(out, 32, "%lldh", (long long)(window_s / 3600));
	else if (window_s > 0 && window_s % 60 == 0)
		snprintf(out, 32, "%lldm", (long long)(window_s / 60));
	else
		snprintf(out, 32, "%llds", (long long)window_s);
}

/*
 * The outcome of one store check: r from ca_store_rate_* with the time t of
 * the limit-th newest event. CN_ERR_NOT_FOUND (fewer events) passes. At the
 * limit: Retry-After, a log line and CN_ERR_RATE_LIMITED whose detail is
 * `what` followed by the limit's value, window and option.
 */
static int verdict(const struct ca_req *req, struct ca_resp *resp, int r, int64_t t,
    const char *option, int limit, int64_t window_s, const char *what)
{
	char win[32], detail[CA_RATE_DETAIL];
	int64_t retry;

	if (r == CN_ERR_NOT_FOUND)
		return 0;
	if (r != 0)
		return r;
	retry = ca_ratelimit_retry_after(t, window_s, req->now);
	if (retry > INT_MAX)
		retry = INT_MAX;
	if (window_s > 0) {
		ca_ratelimit_fmt_window(window_s, win);
		snprintf(detail, sizeof(detail), "%s: at most %d per %s (rate limit %s); "
		    "retry after %lld seconds", what, limit, win, option, (long long)retry);
	} else {
		snprintf(detail, sizeof(detail), "%s: at most %d (rate limit %s); "
		    "retry after %lld seconds", what, limit, option, (long long)retry);
	}
	ca_resp_retry_after(resp, (int)retry);
	CN_LOG(CN_LOG_INFO, "acme", "acct=%lld rate limited: %s", req->has_account ?
	    (long long)req->account.id : 0LL, detail);
	return cn_err_set(CN_ERR_RATE_LIMITED, "%s", detail);
}

/* One item of a CIDR list into addr[16] (IPv4 mapped into ::ffff:0:0/96)
 * and its prefix length in that 128-bit form; -1 if it is not a CIDR. */
static int cidr_parse(const char *item, size_t len, unsigned char addr[16], int *bits)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	struct in_addr a4;
	long n;
	int max;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, item, len);
	buf[len] = '\0';
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, &a4) == 1) {
		addr[10] = addr[11] = 0xff;
		memcpy(addr + 12, &a4, 4);
		max = 32;
	} else if (inet_pton(AF_INET6, buf, addr) == 1) {
		max = 128;
	} else {
		return -1;
	}
	n = max;
	if (slash != NULL) {
		errno = 0;
		n = strtol(slash + 1, &end, 10);
		if (errno != 0 || end == slash + 1 || *end != '\0' || n < 0 || n > max)
			return -1;
	}
	*bits = (int)n + (128 - max);
	return 0;
}

static bool prefix_equal(const unsigned char *a, const unsigned char *b, int bits)
{
	int full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)full) != 0)
		return false;
	return rest == 0 || ((a[full] ^ b[full]) & (0xff << (8 - rest))) == 0;
}

/* Calls fn on each item of the list; stops at the first non-zero. */
static int cidr_each(const char *cidrs, int (*fn)(const char *, size_t, void *), void *arg)
{
	const char *p = cidrs, *comma;
	size_t len;
	int r;

	while (p != NULL && *p != '\0') {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		while (len > 0 && *p == ' ') {
			p++;
			len--;
		}
		while (len > 0 && p[len - 1] == ' ')
			len--;
		r = fn(p, len, arg);
		if (r != 0)
			return r;
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}

static int item_valid(const char *item, size_t len, void *arg)
{
	unsigned char a[16];
	int bits;

	(void)arg;
	if (cidr_parse(item, len, a, &bits) == 0)
		return 0;
	return cn_err_set(CN_ERR_USAGE, "--rate-limit-exempt: '%.*s' is not an address or "
	    "CIDR", (int)(len > 64 ? 64 : len), item);
}

int ca_ratelimit_exempt_check(const char *cidrs)
{
	return cidr_each(cidrs, item_valid, NULL);
}

static int item_match(const char *item, size_t len, void *arg)
{
	const unsigned char *peer = arg;
	unsigned char a[16];
	int bits;

	return cidr_parse(item, len, a, &bits) == 0 && prefix_equal(a, peer, bits);
}

bool ca_ratelimit_exempt(const char *cidrs, const struct sockaddr *sa)
{
	unsigned char peer[16] = {0};

	if (cidrs == NULL || sa == NULL)
		return false;
	if (sa->sa_family == AF_INET) {
		peer[10] = peer[11] = 0xff;
		memcpy(peer + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		memcpy(peer, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
	} else {
		return false;
	}
	return cidr_each(cidrs, item_match, peer) != 0;
}

int ca_ratelimit_new_account(const struct ca_ctx *ctx, const struct ca_req *req,
    struct ca_resp *resp)
{
	const struct ca_config *cfg = ctx->cfg;
	char key[CA_RATE_IP_KEY_MAX], what[CA_RATE_IP_KEY_MAX + 64];
	int64_t t = 0;
	int r;

	if (cfg->rate_accounts == 0 || req->peer == NULL ||
	    ca_ratelimit_exempt(cfg->rate_exempt, req->peer))
		return 0;
	r = ca_ratelimit_ip_key(req->peer, key);
	if (r != 0)
		return r;
	r = ca_store_rate_accounts(ctx->store, key, req->now - cfg->rate_accounts_window_s,
	    cfg->rate_accounts, &t);
	snprintf(what, sizeof(what), "too many new accounts from %s", key);
	return verdict(req, resp, r, t, "rate-accounts-per-ip", cfg->rate_accounts,
	    cfg->rate_accounts_window_s, what);
}

void ca_ratelimit_account_created(const struct ca_ctx *ctx, const struct ca_req *req,
    int64_t account_id)
{
	char key[CA_RATE_IP_KEY_MAX];
	int r;

	if (ctx->cfg->rate_accounts == 0 || req->peer == NULL)
		return;
	r = ca_ratelimit_ip_key(req->peer, key);
	if (r == 0)
		r = ca_store_account_origin_set(ctx->store, account_id, key, req->now);
	if (r != 0)
		CN_LOG(CN_LOG_WARN, "acme", "acct=%lld: its address is not counted: %s",
		    (long long)account_id, cn_err_detail());
}

/* Pending authorizations of the account (no window: they count until they
 * expire, and Retry-After is when one does). */
static int check_pending(const struct ca_ctx *ctx, const struct ca_req *req,
    struct ca_resp *resp)
{
	const struct ca_config *cfg = ctx->cfg;
	int64_t t = 0;
	int r;

	if (cfg->rate_pending_authz == 0)
		return 0;
	r = ca_store_rate_pending_authzs(ctx->store, req->account.id, req->now,
	    cfg->rate_pending_authz, &t);
	return verdict(req, resp, r, t, "rate-pending-authz", cfg->rate_pending_authz, 0,
	    "too many pending authorizations for this account");
}

/* Failed validations of the account for one identifier. */
static int check_failed(const struct ca_ctx *ctx, const struct ca_req *req,
    const struct ca_identifier *id, struct ca_resp *resp)
{
	const struct ca_config *cfg = ctx->cfg;
	char what[CA_MAX_DNS_NAME + 96];
	int64_t t = 0;
	int r;

	if (cfg->rate_failed == 0)
		return 0;
	r = ca_store_rate_failed_authzs(ctx->store, req->account.id, id->type, id->value,
	    req->now - cfg->rate_failed_window_s, cfg->rate_failed, &t);
	snprintf(what, sizeof(what), "too many failed validations of %s %s for this account",
	    id->type, id->value);
	return verdict(req, resp, r, t, "rate-failed-validations", cfg->rate_failed,
	    cfg->rate_failed_window_s, what);
}

/* The identifier as the store names it: "dns:NAME", "dns:*.NAME", "ip:ADDRESS". */
static void id_name(const struct ca_identifier *id, char out[CA_RATE_MAX_NAME])
{
	snprintf(out, CA_RATE_MAX_NAME, "%s:%s%s", id->type, id->wildcard ? "*." : "", id->value);
}

/* The key certificates per registered domain are counted under: the
 * registered domain of a DNS name, "ip:ADDRESS" for an IP address. */
static int domain_key(const struct ca_ctx *ctx, const struct ca_identifier *id,
    char out[CA_RATE_MAX_NAME])
{
	const char *rd = NULL;
	int r;

	if (strcmp(id->type, "dns") != 0) {
		id_name(id, out);
		return 0;
	}
	r = ca_policy_registrable_domain(ctx->cfg, id->value, &rd);
	if (r == CN_ERR_REJECTED_ID)
		rd = id->value; /* a public suffix itself: policy refuses it anyway */
	else if (r != 0)
		return r;
	snprintf(out, CA_RATE_MAX_NAME, "%s", rd);
	return 0;
}

/* Certificates per registered domain of each identifier, then duplicates
 * of the whole set (names[0..n)). */
static int check_certs(const struct ca_ctx *ctx, const struct ca_req *req,
    const struct ca_identifier *ids, size_t n, const char *const *names, struct ca_resp *resp)
{
	const struct ca_config *cfg = ctx->cfg;
	char (*keys)[CA_RATE_MAX_NAME] = NULL;
	char what[CA_RATE_MAX_NAME + 64];
	size_t i, k, n_keys = 0;
	int64_t t = 0;
	int r = 0;

	keys = cn_xcalloc(n, sizeof(*keys));
	for (i = 0; i < n && cfg->rate_certs_domain > 0; i++) {
		bool seen = false;

		r = domain_key(ctx, &ids[i], keys[n_keys]);
		if (r != 0)
			goto out;
		for (k = 0; k < n_keys; k++)
			seen = seen || strcmp(keys[k], keys[n_keys]) == 0;
		if (seen)
			continue;
		r = ca_store_rate_certs_domain(ctx->store, keys[n_keys],
		    req->now - cfg->rate_certs_domain_window_s, cfg->rate_certs_domain, &t);
		snprintf(what, sizeof(what), "too many certificates for %s%s",
		    strchr(keys[n_keys], ':') ? "" : "registered domain ", keys[n_keys]);
		r = verdict(req, resp, r, t, "rate-certs-per-domain", cfg->rate_certs_domain,
		    cfg->rate_certs_domain_window_s, what);
		if (r != 0)
			goto out;
		n_keys++;
	}
	if (cfg->rate_duplicates > 0) {
		r = ca_store_rate_duplicates(ctx->store, names, n,
		    req->now - cfg->rate_duplicates_window_s, cfg->rate_duplicates, &t);
		r = verdict(req, resp, r, t, "rate-duplicate-certs", cfg->rate_duplicates,
		    cfg->rate_duplicates_window_s,
		    "too many certificates for exactly this set of identifiers");
	}
out:
	free(keys);
	return r;
}

int ca_ratelimit_new_order(const struct ca_ctx *ctx, const struct ca_req *req,
    const struct ca_identifier *ids, size_t n, bool replaces, struct ca_resp *resp)
{
	const struct ca_config *cfg = ctx->cfg;
	char (*names)[CA_RATE_MAX_NAME] = NULL;
	const char **name_ptrs = NULL;
	bool renewal = replaces;
	int64_t t = 0;
	size_t i;
	int r = 0;

	if (ca_ratelimit_exempt(cfg->rate_exempt, req->peer))
		return 0;
	if (cfg->rate_orders > 0) {
		r = ca_store_rate_orders(ctx->store, req->account.id,
		    req->now - cfg->rate_orders_window_s, cfg->rate_orders, &t);
		r = verdict(req, resp, r, t, "rate-orders-per-account", cfg->rate_orders,
		    cfg->rate_orders_window_s, "too many new orders for this account");
	}
	if (r == 0)
		r = check_pending(ctx, req, resp);
	for (i = 0; i < n && r == 0; i++)
		r = check_failed(ctx, req, &ids[i], resp);
	if (r != 0 || n == 0 || (cfg->rate_certs_domain == 0 && cfg->rate_duplicates == 0))
		return r;
	names = cn_xcalloc(n, sizeof(*names));
	name_ptrs = cn_xcalloc(n, sizeof(*name_ptrs));
	for (i = 0; i < n; i++) {
		id_name(&ids[i], names[i]);
		name_ptrs[i] = names[i];
	}
	if (!renewal)
		r = ca_store_cert_renewal_of(ctx->store, req->account.id, name_ptrs, n, req->now,
		    &renewal);
	if (r == 0 && !renewal)
		r = check_certs(ctx, req, ids, n, name_ptrs, resp);
	free(name_ptrs);
	free(names);
	return r;
}

int ca_ratelimit_new_authz(const struct ca_ctx *ctx, const struct ca_req *req,
    const struct ca_identifier *id, struct ca_resp *resp)
{
	int r;

	if (ca_ratelimit_exempt(ctx->cfg->rate_exempt, req->peer))
		return 0;
	r = check_pending(ctx, req, resp);
	if (r == 0)
		r = check_failed(ctx, req, id, resp);
	return r;
}
