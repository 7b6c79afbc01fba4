/*
 * nonce.c - anti-replay nonces (RFC 8555 section 6.5) and the newNonce
 * resource (section 7.2): HEAD answers 200, GET 204, both with
 * Cache-Control: no-store. A nonce is 128 random bits, base64url, stored
 * with an expiry so that any instance on the same store accepts it once.
 *
 * Every response carries a new nonce, so nonces are made ahead, a batch at
 * a time, in one transaction of the store (CA_NONCE_BATCH of them): a
 * response takes one from the batch without writing. A batch is discarded
 * once half of the nonce lifetime has passed since it was stored, so a
 * client is always given at least half of it. Nonces of a batch are in the
 * store before any is handed out: every instance accepts them.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "acme/acme.h"
#include "b64url.h"
#include "mem.h"

#define CA_NONCE_RAW 16
#define CA_NONCE_CHARS 22 /* base64url of 16 bytes, unpadded */

struct ca_noncepool {
	pthread_mutex_t mu;
	char values[CA_NONCE_BATCH][CA_NONCE_CHARS + 1];
	size_t left;      /* values[0 .. left-1] not handed out yet */
	int64_t stored;   /* when the batch was stored */
};

struct ca_noncepool *ca_noncepool_new(void)
{
	struct ca_noncepool *p = cn_xcalloc(1, sizeof(*p));

	pthread_mutex_init(&p->mu, NULL);
	return p;
}

void ca_noncepool_free(struct ca_noncepool *p)
{
	if (p == NULL)
		return;
	pthread_mutex_destroy(&p->mu);
	free(p);
}

/* Makes and stores a new batch; p->mu held. */
static int refill(const struct ca_ctx *ctx, struct ca_noncepool *p, int64_t now)
{
	unsigned char raw[CA_NONCE_BATCH][CA_NONCE_RAW];
	const char *vals[CA_NONCE_BATCH];
	char *enc;
	size_t i;
	int r;

	p->left = 0;
	if (RAND_bytes(&raw[0][0], sizeof(raw)) != 1)
		return cn_err_openssl(CN_ERR_CRYPTO, "RAND_bytes");
	for (i = 0; i < CA_NONCE_BATCH; i++) {
		enc = cn_b64url_encode(raw[i], CA_NONCE_RAW);
		memcpy(p->values[i], enc, CA_NONCE_CHARS + 1);
		free(enc);
		vals[i] = p->values[i];
	}
	r = ca_store_nonce_add_many(ctx->store, vals, CA_NONCE_BATCH,
	    now + ctx->cfg->nonce_lifetime_s);
	if (r != 0)
		return r;
	p->left = CA_NONCE_BATCH;
	p->stored = now;
	return 0;
}

static int pool_take(const struct ca_ctx *ctx, struct ca_noncepool *p, int64_t now,
    char **out)
{
	int r = 0;

	pthread_mutex_lock(&p->mu);
	if (p->left == 0 || now < p->stored ||
	    now - p->stored >= ctx->cfg->nonce_lifetime_s / 2)
		r = refill(ctx, p, now);
	if (r == 0)
		*out = cn_xstrdup(p->values[--p->left]);
	pthread_mutex_unlock(&p->mu);
	return r;
}

int ca_nonce_new(const struct ca_ctx *ctx, int64_t now, char **out)
{
	unsigned char raw[16];
	char *nonce;
	int r;

	if (ctx->nonces != NULL)
		return pool_take(ctx, ctx->nonces, now, out);
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return cn_err_openssl(CN_ERR_CRYPTO, "RAND_bytes");
	nonce = cn_b64url_encode(raw, sizeof(raw));
	r = ca_store_nonce_add(ctx->store, nonce, now + ctx->cfg->nonce_lifetime_s);
	if (r != 0) {
		free(nonce);
		return r;
	}
	*out = nonce;
	return 0;
}

void ca_handle_new_nonce(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp)
{
	(void)ctx;
	if (strcmp(req->method, "HEAD") == 0) {
		resp->status = 200;
	} else if (strcmp(req->method, "GET") == 0) {
		resp->status = 204;
	} else {
		ca_resp_header(resp, "Allow", "GET, HEAD");
		ca_resp_problem(resp, CN_ERR_METHOD, "use HEAD or GET for newNonce");
		return;
	}
	ca_resp_header(resp, "Cache-Control", "no-store");
}
