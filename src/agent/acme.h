/*
 * acme.h - the client side of RFC 8555 as cairn speaks it: one session per
 * CA (directory, nonce pool of one, account URL), signed POSTs through the
 * signer, and the recovery rules of section 6.5 (badNonce: retry with the
 * nonce the error carried) and of RFC 9110 Retry-After on 429/503.
 *
 * Every failure leaves a one-line detail (cn_err_detail) naming the CA's
 * problem type and detail when the CA sent one.
 */
#ifndef AGENT_ACME_H
#define AGENT_ACME_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "err.h"
#include "http/client.h"
#include "signer.h"

#define AGENT_ACME_NONCE_RETRIES 10   /* badNonce retries per request (each costs one round trip) */
#define AGENT_ACME_BUSY_RETRIES 3     /* 503/429 retries per request */
#define AGENT_ACME_MAX_BUSY_WAIT 60   /* longest Retry-After honoured inline (s) */

struct agent_acme {
	struct cn_http *http;
	struct agent_signer *signer;
	char *dir_url;
	json_t *dir;
	const char *u_new_nonce, *u_new_account, *u_new_order, *u_revoke;
	const char *u_key_change, *u_renewal_info; /* NULL when not offered */
	const char *tos;                           /* meta.termsOfService or NULL */
	bool eab_required;
	char *nonce;
	char *kid;                   /* account URL once known */
	json_t *jwk;                 /* account public key */
	char thumbprint[44];
	enum agent_key_slot slot;    /* signing key: the account's */
	char *account_key_rel;       /* its file, relative to the state directory */
};

/* Fetches the directory. ca_bundle NULL = system store. */
int agent_acme_open(const char *dir_url, const char *ca_bundle, long timeout_ms,
    struct agent_signer *signer, struct agent_acme **out) CN_WUR;
void agent_acme_free(struct agent_acme *a);

/* Post flags */
#define AGENT_POST_JWK 1      /* sign with the JWK instead of the kid */
#define AGENT_POST_PEM 2      /* Accept: application/pem-certificate-chain */
#define AGENT_POST_RAWERR 4   /* return the HTTP error response instead of failing */

/*
 * Signed POST (payload NULL = POST-as-GET) with nonce handling and retries.
 * On success resp holds the 2xx response (caller cleans it up) and, if obj
 * is not NULL and the body is JSON, *obj the parsed object (caller
 * decrefs; NULL when the body is not JSON). A 4xx/5xx response becomes the
 * problem's CN_ERR_* code with its one-line detail (unless AGENT_POST_RAWERR).
 */
int agent_acme_post(struct agent_acme *a, const char *url, const char *payload,
    unsigned flags, struct cn_http_resp *resp, json_t **obj) CN_WUR;

/* Same, with an explicit signing slot and kid (NULL = embed JWK). */
int agent_acme_post_as(struct agent_acme *a, enum agent_key_slot slot, const char *kid,
    const char *url, const char *payload, unsigned flags, struct cn_http_resp *resp,
    json_t **obj) CN_WUR;

/* Unauthenticated GET (renewalInfo, issuer certificates). */
int agent_acme_get(struct agent_acme *a, const char *url, struct cn_http_resp *resp) CN_WUR;

/* Sleeps ms milliseconds (interrupted only by a termination request). */
void agent_sleep_ms(long ms);

/* Set by signal handlers: stop waiting and fail. */
extern volatile int agent_stop_requested;

#endif
