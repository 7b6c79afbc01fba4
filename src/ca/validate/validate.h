/*
 * validate.h - domain and IP address control validation for cairnd: the
 * http-01 (RFC 8555 section 8.3, RFC 8738 section 5, CA/B BR 3.2.2.4.19),
 * dns-01 (RFC 8555 section 8.4, BR 3.2.2.4.7) and tls-alpn-01 (RFC 8737,
 * RFC 8738 section 6, BR 3.2.2.4.20) challenges, the DNS resolver they use
 * (libunbound, forwarding to one configured resolver, optionally validating
 * DNSSEC) and the address policy that keeps the CA from being pointed at
 * private networks (RFC 8555 section 10.4).
 *
 * Threads: every function may be called from many worker threads at once.
 * A struct ca_resolver is shared; it must outlive every call that uses it.
 * No call blocks longer than about cfg->total_timeout_ms (each DNS lookup
 * and each challenge as a whole has that deadline).
 *
 * Errors: every function returns 0 or a negative CN_ERR_* and records, with
 * cn_err_set(), a detail a subscriber can act on (it names the URL, address
 * and what was wrong; untrusted bytes are escaped).
 *
 * Not here: CAA (caa.c), multi-perspective corroboration (perspective.c),
 * the identifier policy (which names and addresses may be ordered at all);
 * the ACME layer checks identifiers before asking for validation.
 */
#ifndef CA_VALIDATE_H
#define CA_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct ca_validate_cfg {
	const char *resolver;        /* "HOST:PORT" the CA asks for every lookup (required) */
	const char *trust_anchor_file; /* DNSSEC trust anchor file for libunbound, or NULL = no DNSSEC validation yet */
	int http01_port;             /* default 80 */
	int tlsalpn01_port;          /* default 443; also the only port https redirects may go to */
	bool allow_private;          /* allow loopback/private/reserved targets (tests set it) */
	int connect_timeout_ms;      /* default 5000 */
	int total_timeout_ms;        /* default 10000 */
	size_t max_body;             /* default 8192 bytes read from an http-01 response */
	int max_redirects;           /* default 10 */
};

/*
 * Defaults, used for any field left 0. A negative max_redirects allows no
 * redirect at all.
 */
#define CA_VALIDATE_HTTP01_PORT 80
#define CA_VALIDATE_TLSALPN01_PORT 443
#define CA_VALIDATE_CONNECT_TIMEOUT_MS 5000
#define CA_VALIDATE_TOTAL_TIMEOUT_MS 10000
#define CA_VALIDATE_MAX_BODY 8192
#define CA_VALIDATE_MAX_REDIRECTS 10

/*
 * Initializes libcurl (curl_global_init). main() must call it once, before
 * any thread is started and before any ca_validate_http01(); it is not
 * thread-safe itself. Returns 0 or CN_ERR_INTERNAL.
 */
int ca_validate_global_init(void) CN_WUR;

struct ca_resolver;

/*
 * A resolver for cfg->resolver ("IPv4:PORT" or "[IPv6]:PORT"; the host must
 * be an address), validating DNSSEC with cfg->trust_anchor_file when it is
 * set. The caches are capped at a TTL of 0 so that every validation sees
 * fresh data. cfg is copied. Caller frees with ca_resolver_free.
 * Errors: CN_ERR_USAGE (bad resolver string or trust anchor file),
 * CN_ERR_INTERNAL (libunbound failed).
 */
int ca_resolver_new(const struct ca_validate_cfg *cfg, struct ca_resolver **out) CN_WUR;
/* Frees r (NULL-safe); no call may be using r. */
void ca_resolver_free(struct ca_resolver *r);

/*
 * A and AAAA records of name through the configured resolver (both asked at
 * once, CNAMEs followed by the resolver). Addresses as text (IPv4 dotted
 * quad, IPv6 RFC 5952), IPv6 ones first; caller frees with ca_addrs_free.
 * A failed lookup of one type is tolerated when the other returns addresses.
 * Errors: CN_ERR_DNS (NXDOMAIN, no addresses, SERVFAIL or another rcode,
 * DNSSEC bogus with the validator's reason, timeout, bad name).
 */
int ca_resolve_addrs(struct ca_resolver *r, const char *name, char ***addrs, size_t *n) CN_WUR;
/* Frees what ca_resolve_addrs or ca_resolve_txt returned (NULL-safe). */
void ca_addrs_free(char **addrs, size_t n);

/*
 * TXT records of name (CNAMEs followed by the resolver); each record's
 * character-strings are concatenated (RFC 7208 section 3.3 style). NXDOMAIN
 * and an answer without TXT records give 0 with *n == 0 and *txts == NULL.
 * Caller frees with ca_addrs_free.
 * Errors: CN_ERR_DNS (SERVFAIL or another rcode, DNSSEC bogus, timeout, bad
 * name, malformed record).
 */
int ca_resolve_txt(struct ca_resolver *r, const char *name, char ***txts, size_t *n) CN_WUR;
/*
 * Same as ca_resolve_txt, and *ttl (when ttl is non-NULL) is the TTL the
 * server gave: the smallest TTL of the answer's records, CNAMEs included
 * (0 when there is no record). The caches are still capped at 0; only the
 * reported TTL is the original one.
 */
int ca_resolve_txt_ttl(struct ca_resolver *r, const char *name, char ***txts, size_t *n,
    uint32_t *ttl) CN_WUR;

/*
 * SSRF guard (RFC 8555 section 10.4): 0 if the textual IPv4 or IPv6 address
 * may be contacted; CN_ERR_CONNECTION, with a detail naming the range, if it
 * lies in an IANA special-purpose range (this network, private-use, shared
 * address space/CGNAT, loopback, link-local, documentation, benchmarking,
 * IETF protocol assignments, 6to4/Teredo/NAT64/IPv4-mapped, unique-local,
 * multicast, reserved, broadcast) or, for IPv6, outside global unicast
 * 2000::/3, and !cfg->allow_private. Text that is not an address is always
 * CN_ERR_CONNECTION.
 */
int ca_addr_check(const struct ca_validate_cfg *cfg, const char *addr) CN_WUR;

/*
 * Each returns 0 when the challenge is satisfied, else a CN_ERR_* with a
 * cn_err_set detail a subscriber can act on:
 *   CN_ERR_INCORRECT_RESPONSE  wrong content (body, TXT value, digest, or an
 *                              http-01 body larger than cfg->max_body)
 *   CN_ERR_CONNECTION          refused, timeout, too many redirects, bad
 *                              redirect target, forbidden address
 *   CN_ERR_DNS                 lookup failed
 *   CN_ERR_TLS                 TLS handshake or certificate problems (no
 *                              acme-tls/1, wrong SAN, missing or non-critical
 *                              acmeIdentifier extension)
 *   CN_ERR_UNAUTHORIZED        http-01 status other than 200 (404, 403, ...);
 *                              dns-01 without any TXT record
 *   CN_ERR_MALFORMED           bad arguments (unknown id_type, a wildcard
 *                              for http-01/tls-alpn-01, a token outside the
 *                              base64url alphabet)
 * id_type is "dns" or "ip"; key_authz = token "." thumbprint.
 */
int ca_validate_http01(const struct ca_validate_cfg *cfg, struct ca_resolver *r, const char *id_type,
    const char *id_value, const char *token, const char *key_authz) CN_WUR;
/* domain may start with "*." (the TXT is looked up without it). */
int ca_validate_dns01(const struct ca_validate_cfg *cfg, struct ca_resolver *r, const char *domain,
    const char *key_authz) CN_WUR;
int ca_validate_tlsalpn01(const struct ca_validate_cfg *cfg, struct ca_resolver *r, const char *id_type,
    const char *id_value, const char *key_authz) CN_WUR;

/* ---- drafts behind options (issue 4) */

/* Length of a dns-account-01 label: "_" and 16 base32 digits. */
#define CA_DNS_ACCOUNT_LABEL_LEN 17

/*
 * dns-account-01 (draft-ietf-acme-dns-account-label-00): the label
 * "_" base32(SHA-256(account_url)[0:10]) in lower case. CN_ERR_CRYPTO.
 */
int ca_dns_account_label(const char *account_url, char out[CA_DNS_ACCOUNT_LABEL_LEN + 1]) CN_WUR;
/* A TXT record at LABEL "._acme-challenge." domain must be base64url(SHA-256
 * (key_authz)); domain may start with "*.". Errors as ca_validate_dns01. */
int ca_validate_dns_account01(const struct ca_validate_cfg *cfg, struct ca_resolver *r,
    const char *domain, const char *account_url, const char *key_authz) CN_WUR;

/*
 * dns-persist-01 (draft-ietf-acme-dns-persist): checks one TXT record of
 * _validation-persist. 0 if it names one of issuers_csv (comma-separated,
 * case-insensitive), its accounturi is account_uri, its persistUntil (if
 * any) is not before now and, when need_policy (a wildcard, or a record
 * found at a parent of the name), it has policy=wildcard;
 * CN_ERR_NOT_FOUND if it names another issuer (to be ignored);
 * CN_ERR_INCORRECT_RESPONSE with a detail otherwise.
 */
int ca_dns_persist_record_check(const char *txt, const char *issuers_csv, const char *account_uri,
    bool need_policy, int64_t now) CN_WUR;

/* Most names one dns-persist-01 validation asks: the name and its parents. */
#define CA_DNS_PERSIST_MAX_LEVELS 10

/* True if name lies below parent: parent is a proper suffix of name on a
 * label boundary ("www.example.com" below "example.com"; not
 * "badexample.com", not "example.com" itself). ASCII case-insensitive. */
bool ca_dns_name_is_below(const char *name, const char *parent);
/*
 * The names whose _validation-persist label is asked for domain (no "*."),
 * most specific first: domain, then each parent of it down to top included
 * when domain lies below top (sections 5 and 6: top is the registrable
 * domain, never exceeded); only domain when top is NULL, domain itself or
 * not above domain. At most max and CA_DNS_PERSIST_MAX_LEVELS names; they
 * point into domain. Returns how many were written.
 */
size_t ca_dns_persist_walk(const char *domain, const char *top, const char **names, size_t max);
/*
 * Section 7.8: the end of the reuse period of a validation completed at
 * validated whose record had TTL ttl_s, reuse_s being the CA's reuse
 * period: validated + min(reuse_s, ttl_s) (a negative reuse_s counts as 0).
 */
int64_t ca_dns_persist_reuse_until(int64_t validated, int64_t reuse_s, uint32_t ttl_s);

/* What made a dns-persist-01 validation succeed. */
struct ca_dns_persist_match {
	char fqdn[254];   /* the validated FQDN: the name itself or a parent */
	uint32_t ttl_s;   /* the TTL of the TXT RRset that held the record */
	size_t level;     /* 0: the name itself, 1: its parent, ... */
};

/*
 * Looks the records of "_validation-persist." NAME up for NAME = domain (it
 * may start with "*.", which implies wildcard) and its parents up to top
 * (ca_dns_persist_walk), all at once, giving up after timeout_ms (<= 0:
 * cfg->total_timeout_ms); 0 when one record passes the check above, at
 * domain itself or, with policy=wildcard, at a parent (the most specific
 * wins; *match, when non-NULL, says which). Errors: CN_ERR_UNAUTHORIZED
 * without TXT records anywhere, CN_ERR_INCORRECT_RESPONSE (a record of this
 * CA that does not pass: the most specific one's reason), CN_ERR_DNS (a
 * lookup failed and no record of this CA was found), CN_ERR_MALFORMED.
 */
int ca_validate_dns_persist01(const struct ca_validate_cfg *cfg, struct ca_resolver *r,
    const char *domain, bool wildcard, const char *top, const char *issuers_csv,
    const char *account_uri, int64_t now, int timeout_ms,
    struct ca_dns_persist_match *match) CN_WUR;

#endif
