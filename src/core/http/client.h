/*
 * http/client.h - a small HTTP(S) client on libcurl, shared by the agent,
 * the benchmark tool and anything else in cairn that talks to a server.
 *
 * One struct cn_http wraps one curl easy handle that is reused for every
 * request, so connections are kept alive (and TLS sessions resumed) across
 * the many small requests of an ACME exchange. Every response is bounded
 * (body size, header count), every request has a connect and a total
 * timeout, and redirects are off unless asked for (RFC 8555 section 6.1:
 * ACME clients do not follow redirects for POSTs).
 *
 * Only the headers ACME needs are kept: Content-Type, Location,
 * Replay-Nonce (RFC 8555 section 6.5.1), Retry-After (RFC 9110 section
 * 10.2.3, both delta-seconds and HTTP-date) and Link (RFC 8288, the "up",
 * "index" and "alternate" relations of RFC 8555 sections 7.1 and 7.4.2).
 *
 * Not thread-safe: one struct cn_http per thread.
 */
#ifndef CN_HTTP_CLIENT_H
#define CN_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "err.h"

#define CN_HTTP_MAX_BODY (1024 * 1024)   /* default response body limit */
#define CN_HTTP_MAX_LINKS 16             /* Link values kept per response */
#define CN_HTTP_MAX_HEADER 8192          /* longest kept header value */

struct cn_http;

struct cn_http_opts {
	const char *ca_bundle;   /* PEM file to trust; NULL = system store */
	long connect_timeout_ms; /* 0 = 10000 */
	long timeout_ms;         /* whole request; 0 = 30000 */
	size_t max_body;         /* 0 = CN_HTTP_MAX_BODY */
	const char *user_agent;  /* NULL = "cairn" */
	long max_redirects;      /* 0 = never follow redirects */
	bool insecure;           /* do not verify the peer (never for ACME APIs) */
};

struct cn_http_req {
	const char *method;          /* "GET", "HEAD" or "POST" */
	const char *url;             /* http:// or https:// only */
	const char *const *headers;  /* NULL-terminated "Name: value" list, or NULL */
	const void *body;            /* POST body (may be NULL with body_len 0) */
	size_t body_len;
	const char *const *resolve;  /* NULL-terminated "host:port:addr" overrides */
};

struct cn_http_link {
	char *url; /* target, as sent (may be relative) */
	char *rel; /* relation type, e.g. "up" */
};

struct cn_http_resp {
	long status;
	unsigned char *body; /* NUL-terminated (not counted in body_len); never NULL after success */
	size_t body_len;
	char *content_type;  /* NULL when absent; parameters kept */
	char *location;
	char *replay_nonce;
	long retry_after;    /* seconds from now; -1 when absent or unparseable */
	struct cn_http_link links[CN_HTTP_MAX_LINKS];
	size_t n_links;
};

/*
 * Creates a client. Copies what it needs from o (strings included). The
 * first client of a process loads libcurl (http/curl_load.h).
 * Errors: CN_ERR_INTERNAL when libcurl cannot be loaded or initialised.
 */
int cn_http_new(const struct cn_http_opts *o, struct cn_http **out) CN_WUR;
void cn_http_free(struct cn_http *h);

/*
 * Performs one request. On success resp is filled (caller releases it with
 * cn_http_resp_cleanup) whatever the HTTP status; resp is untouched on
 * failure. Errors: CN_ERR_USAGE (bad method or URL scheme), CN_ERR_DNS,
 * CN_ERR_CONNECTION, CN_ERR_TLS, CN_ERR_TIMEOUT, CN_ERR_TOO_BIG (body over
 * the limit), CN_ERR_IO (anything else libcurl reports), each with a detail.
 */
int cn_http_do(struct cn_http *h, const struct cn_http_req *req,
    struct cn_http_resp *resp) CN_WUR;
void cn_http_resp_cleanup(struct cn_http_resp *r);

/* URL of the first Link with relation rel, or NULL (borrowed). */
const char *cn_http_link_find(const struct cn_http_resp *r, const char *rel);

/* True when the Content-Type's media type equals type (case-insensitive). */
bool cn_http_is_type(const struct cn_http_resp *r, const char *type);

/*
 * Parses a Retry-After value (delta-seconds or an HTTP-date) relative to
 * now into seconds (>= 0; a date in the past gives 0). CN_ERR_MALFORMED
 * otherwise (CN_ERR_INTERNAL when a date needs libcurl and it cannot be
 * loaded).
 */
int cn_http_retry_after_parse(const char *v, time_t now, long *secs) CN_WUR;

/*
 * Parses one Link header field value (possibly several comma-separated
 * link-values) and appends each (url, rel) to r->links, up to
 * CN_HTTP_MAX_LINKS. A link with several relation types is added once per
 * type. Malformed link-values are skipped.
 */
void cn_http_link_parse(const char *v, struct cn_http_resp *r);

#endif
