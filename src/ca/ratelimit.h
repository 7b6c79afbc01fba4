/*
 * ratelimit.h - cairnd's rate limits (RFC 8555 section 6.6), modelled on
 * Let's Encrypt's: new orders per account, certificates per registered
 * domain, duplicate certificates, failed validations per account and
 * identifier, new accounts per client address and pending authorizations
 * per account. Each is a --rate-* option (0 turns it off).
 *
 * The counts come from the store (store.h "rate limits"), so several cairnd
 * instances on one store share them. A refused request gets a rateLimited
 * problem (HTTP 429) whose detail names the limit, its value and window,
 * and a Retry-After header: the seconds until the event whose leaving the
 * window lifts the limit has left it.
 */
#ifndef CA_RATELIMIT_H
#define CA_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#include "acme/acme.h"
#include "err.h"
#include "policy.h"

#define CA_RATE_IP_KEY_MAX 64

/*
 * The key new accounts are counted under: an IPv4 address ("192.0.2.1",
 * also for an IPv4-mapped IPv6 address), or the /64 of an IPv6 address
 * ("2001:db8:1:2::/64"), since one host commonly holds a whole /64.
 * CN_ERR_INTERNAL for another address family.
 */
int ca_ratelimit_ip_key(const struct sockaddr *sa, char out[CA_RATE_IP_KEY_MAX]) CN_WUR;

/* Seconds until an event at t has left a window of window_s seconds (an
 * event counts while now < t + window_s), at least 1. With window_s = 0,
 * the seconds until t. */
int64_t ca_ratelimit_retry_after(int64_t t, int64_t window_s, int64_t now);

/* A window as the largest unit that divides it: "7d", "3h", "90m", "45s". */
void ca_ratelimit_fmt_window(int64_t window_s, char out[32]);

/*
 * The checks, one per request that creates something. Each returns 0 when
 * the request may go on, or CN_ERR_RATE_LIMITED with the detail set (the
 * caller writes the problem, ca_resp_problem(resp, r, NULL)) and a
 * Retry-After header added to resp, or a store error.
 */
/* newAccount (section 7.3): accounts created from the request's peer
 * address; no limit when the peer is unknown (req->peer NULL). */
int ca_ratelimit_new_account(const struct ca_ctx *ctx, const struct ca_req *req,
    struct ca_resp *resp) CN_WUR;
/* Records where a new account came from, for ca_ratelimit_new_account
 * (while that limit is on). A failure is logged only: the account exists. */
void ca_ratelimit_account_created(const struct ca_ctx *ctx, const struct ca_req *req,
    int64_t account_id);
/*
 * newOrder (section 7.4) of the authenticated account for ids[0..n)
 * (distinct, normalized): new orders per account, pending authorizations
 * per account, failed validations of each identifier, and, unless the order
 * renews (replaces names a certificate, or the account holds an unexpired
 * certificate for exactly these identifiers), certificates per registered
 * domain and duplicate certificates.
 */
int ca_ratelimit_new_order(const struct ca_ctx *ctx, const struct ca_req *req,
    const struct ca_identifier *ids, size_t n, bool replaces, struct ca_resp *resp) CN_WUR;
/* newAuthz (section 7.4.1): pending authorizations per account and failed
 * validations of the identifier. */
int ca_ratelimit_new_authz(const struct ca_ctx *ctx, const struct ca_req *req,
    const struct ca_identifier *id, struct ca_resp *resp) CN_WUR;

/* Whether sa is in the comma-separated CIDR list (an address alone is a
 * /32 or /128); an empty list matches nothing. */
bool ca_ratelimit_exempt(const char *cidrs, const struct sockaddr *sa);
/* 0 when every item of the list is a CIDR, else CN_ERR_USAGE naming it. */
int ca_ratelimit_exempt_check(const char *cidrs) CN_WUR;

#endif
