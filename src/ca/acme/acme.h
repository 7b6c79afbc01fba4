/*
 * acme.h - the ACME request layer of cairnd (RFC 8555 sections 6 and 7).
 *
 * httpd.c turns an HTTP exchange into a struct ca_req and sends back the
 * struct ca_resp that ca_acme_handle() fills. One file per ACME resource
 * implements its handler; this header is what they share: the daemon
 * context, the authenticated request, response builders and renderers.
 *
 * Resource URLs (all under cfg->base_url):
 *   /directory /acme/new-nonce /acme/new-account /acme/new-order
 *   /acme/revoke-cert /acme/key-change /acme/acct/ID /acme/acct/ID/orders
 *   /acme/order/ID /acme/order/ID/finalize /acme/authz/ID /acme/chall/ID
 *   /acme/cert/SERIAL /terms
 * and the extensions: /acme/new-authz (RFC 8555 7.4.1),
 *   /acme/renewal-info/CERTID (RFC 9773), /acme/cert/SERIAL/alt (7.4.2)
 */
#ifndef CA_ACME_H
#define CA_ACME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "config.h"
#include "err.h"
#include "jose/jws.h"
#include "store/store.h"

struct ca_signer;
struct ca_jobs;
struct ca_revocation;
struct ca_keycache;
struct ca_csrcache;
struct ca_noncepool;
struct ca_validate_cfg;
struct ca_resolver;
struct sockaddr;

/* Everything a handler may use; built once in main(), shared read-only. */
struct ca_ctx {
	const struct ca_config *cfg;
	struct ca_store *store;
	struct ca_signer *signer;
	struct ca_jobs *jobs;
	struct ca_revocation *revocation; /* OCSP and CRL publishing (revocation/) */
	const char *alt_chain_pem;     /* the alternate chain after the leaf, or NULL */
	struct ca_keycache *keys;   /* decoded account keys, or NULL (keycache.h) */
	struct ca_csrcache *csrs;   /* finalize -> job handover, or NULL (csrcache.h) */
	struct ca_noncepool *nonces; /* nonces made ahead, or NULL: one at a time (nonce.c) */
	/* validation on an HTTP thread (just-in-time dns-persist-01), or NULL */
	const struct ca_validate_cfg *vcfg;
	struct ca_resolver *resolver;
};

#define CA_MAX_HEADERS 12

struct ca_req {
	const char *method;
	const char *path;              /* without the query string */
	const char *query;             /* after '?', or NULL */
	const char *content_type;      /* or NULL */
	const unsigned char *body;
	size_t body_len;
	int64_t now;
	int reject_code;               /* set by httpd for a request it could not read whole */
	const char *reject_detail;
	const struct sockaddr *peer;   /* the client's address (httpd), or NULL */
	/* Filled by ca_acme_auth() for POST requests: */
	struct cn_jws *jws;
	EVP_PKEY *key;                 /* the key that signed (account's or embedded jwk) */
	struct ca_account account;     /* valid when has_account */
	bool has_account;
	json_t *payload;               /* parsed payload object, NULL for POST-as-GET */
};

struct ca_resp {
	int status;
	const char *content_type;      /* static string */
	char *body;                    /* heap, owned */
	size_t body_len;
	size_t n_headers;
	char *header_names[CA_MAX_HEADERS];
	char *header_values[CA_MAX_HEADERS];
	bool no_nonce;                 /* do not add Replay-Nonce (e.g. /terms) */
};

/* Entry point of the HTTPS API: routes and handles one request. Always fills resp. */
void ca_acme_handle(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp);
/* Entry point of the plain-HTTP listener (public.c): issuer certificates
 * for AIA; OCSP and CRLs belong here too. */
void ca_public_handle(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp);
void ca_resp_cleanup(struct ca_resp *resp);
void ca_req_cleanup(struct ca_req *req);

/* ---- response builders (response.c) */
void ca_resp_header(struct ca_resp *resp, const char *name, const char *fmt, ...) CN_PRINTF(3, 4);
/* Serializes j as the body (does not steal j). */
void ca_resp_json(struct ca_resp *resp, int status, const json_t *j);
/* An RFC 8555 section 6.7 problem document for code, detail from
 * cn_err_detail() when detail is NULL. */
void ca_resp_problem(struct ca_resp *resp, int code, const char *detail);
/* userActionRequired (RFC 8555 7.3.3): the terms changed since account a
 * agreed; "instance" and Link rel="terms-of-service" name them. */
void ca_resp_tos_required(const struct ca_ctx *ctx, struct ca_resp *resp,
    const struct ca_account *a);
/* Problem with subproblems (array of problem objects, stolen). */
void ca_resp_problem_sub(struct ca_resp *resp, int code, const char *detail, json_t *subproblems);
/* A problem document object (new reference) for code and detail. */
json_t *ca_problem_json(int code, const char *detail, const json_t *identifier);
/* Sets Link: <url>;rel="rel". */
void ca_resp_link(struct ca_resp *resp, const char *url, const char *rel);
void ca_resp_retry_after(struct ca_resp *resp, int seconds);

/* ---- request authentication (auth.c), RFC 8555 section 6.2-6.5 */
enum ca_auth_mode {
	CA_AUTH_KID,           /* kid of an existing, valid account */
	CA_AUTH_JWK,           /* embedded jwk (newAccount) */
	CA_AUTH_KID_OR_JWK     /* revokeCert */
};
/*
 * Checks method, Content-Type, the JWS, nonce, url and signature; loads the
 * account for kid. On failure writes the problem into resp and returns its
 * code. POST-as-GET requests get req->payload NULL; otherwise the payload
 * must be a JSON object.
 */
int ca_acme_auth(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp,
    enum ca_auth_mode mode) CN_WUR;

/* ---- URLs and rendering (render.c) */
char *ca_url(const struct ca_ctx *ctx, const char *fmt, ...) CN_PRINTF(2, 3);
/* A URL on the plain-HTTP listener (http_base_url + path). Caller frees. */
char *ca_public_url(const struct ca_ctx *ctx, const char *path);
/* RFC 3339 UTC time, out has room for 32 bytes. */
void ca_time_fmt(int64_t t, char out[32]);
int ca_time_parse(const char *s, int64_t *out) CN_WUR;
json_t *ca_render_account(const struct ca_ctx *ctx, const struct ca_account *a);
/* The status an order shows now (expired pending/ready orders show invalid). */
enum ca_status ca_order_effective_status(const struct ca_order *o, int64_t now);
enum ca_status ca_authz_effective_status(const struct ca_authz *a, int64_t now);
json_t *ca_render_order(const struct ca_ctx *ctx, const struct ca_order *o, int64_t now);
json_t *ca_render_challenge(const struct ca_ctx *ctx, const struct ca_challenge *c);
json_t *ca_render_authz(const struct ca_ctx *ctx, const struct ca_authz *a, int64_t now);

/* Parses the decimal id at the start of s (stops at '/' or end); 0 on success. */
int ca_parse_id(const char *s, int64_t *id, const char **rest) CN_WUR;

/* Splits the order's identifiers into DNS names (with "*.") and IPs; the
 * arrays (caller frees) borrow strings from *json_out (caller decrefs). */
int ca_order_identifiers(const struct ca_order *o, json_t **json_out, const char ***dns,
    size_t *n_dns, const char ***ips, size_t *n_ips) CN_WUR;

/* Loads order id if it belongs to the requesting account; CN_ERR_NOT_FOUND
 * (with a detail) otherwise, so other accounts' orders are not revealed. */
int ca_order_load_owned(const struct ca_ctx *ctx, const struct ca_req *req, int64_t id,
    struct ca_order *o) CN_WUR;

/* ---- handlers, one file per resource */
void ca_handle_directory(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp);
void ca_handle_new_nonce(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp);
void ca_handle_new_account(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp);
void ca_handle_account(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp,
    int64_t id);
void ca_handle_account_orders(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp,
    int64_t id);
void ca_handle_key_change(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp);
void ca_handle_new_order(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp);
void ca_handle_order(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp,
    int64_t id);
void ca_handle_finalize(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp,
    int64_t id);
void ca_handle_authz(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp,
    int64_t id);
void ca_handle_challenge(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp,
    int64_t id);
void ca_handle_cert(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp,
    const char *serial);
void ca_handle_revoke(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp);

/* A fresh nonce value, stored (nonce.c). Caller frees. */
int ca_nonce_new(const struct ca_ctx *ctx, int64_t now, char **out) CN_WUR;
/* Nonces stored ahead, CA_NONCE_BATCH per store transaction (nonce.c). */
#define CA_NONCE_BATCH 32
struct ca_noncepool *ca_noncepool_new(void);
void ca_noncepool_free(struct ca_noncepool *p);

/* ---- protocol extensions (issue 4) */
struct ca_identifier;

/* Pre-authorization, RFC 8555 section 7.4.1 (newauthz.c). */
void ca_handle_new_authz(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp);
/* A new pending authorization of account_id for id, created now, with one
 * challenge (and a fresh 256-bit token) of each type that fits id and is
 * enabled. az is overwritten; release it with ca_authz_cleanup. */
int ca_authz_fill_new(const struct ca_ctx *ctx, int64_t account_id, int64_t now,
    const struct ca_identifier *id, struct ca_authz *az) CN_WUR;

/* ACME Renewal Information, RFC 9773 (ari.c). */
void ca_handle_renewal_info(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp,
    const char *cert_id);
/* Parses a section 4.1 certificate identifier (base64url AKI keyIdentifier
 * "." base64url serial) of a certificate this CA issued: the AKI must be
 * the intermediate's key identifier. serial gets the lower-case hex serial.
 * CN_ERR_MALFORMED for bad syntax, CN_ERR_NOT_FOUND for another issuer. */
int ca_ari_cert_id_parse(const struct ca_ctx *ctx, const char *cert_id, char serial[48]) CN_WUR;
/* Adds "replaces" (section 5) to a rendered order that replaces a certificate. */
void ca_ari_order_decorate(const struct ca_ctx *ctx, json_t *order, int64_t order_id);

#endif
