/*
 * nonce.c - anti-replay nonces (RFC 8555 section 6.5) and the newNonce
 * resource (section 7.2): HEAD answers 200, GET 204, both with
 * Cache-Control: no-store. A nonce is 128 random bits, base64url, stored
 * with an expiry so that any instance on the same store accepts it once.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "acme/acme.h"
#include "b64url.h"

int ca_nonce_new(const struct ca_ctx *ctx, int64_t now, char **out)
{
	unsigned char raw[16];
	char *nonce;
	int r;

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
