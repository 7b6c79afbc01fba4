/*
 * auth.c - authentication of ACME POST requests, RFC 8555 sections 6.2-6.5:
 * Content-Type application/jose+json (415 otherwise), a flattened JWS with
 * an accepted algorithm, exactly one of jwk/kid as the resource requires, a
 * single-use nonce, a protected "url" equal to the request URL, a signature
 * that verifies with the account's (or embedded) key, and a payload that is
 * a JSON object or empty (POST-as-GET, section 6.3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "acme/acme.h"
#include "acme/keycache.h"
#include "jose/jwk.h"
#include "json.h"
#include "log.h"
#include "mem.h"

static bool content_type_is_jose(const char *ct)
{
	size_t n = strlen("application/jose+json");

	if (ct == NULL || strncasecmp(ct, "application/jose+json", n) != 0)
		return false;
	/* Parameters such as "; charset=utf-8" are tolerated. */
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

/* kid must be this server's account URL: BASE/acme/acct/ID. */
static int kid_to_id(const struct ca_ctx *ctx, const char *kid, int64_t *id)
{
	char *prefix = ca_url(ctx, "/acme/acct/");
	size_t n = strlen(prefix);
	const char *rest = NULL;
	int r = CN_ERR_MALFORMED;

	if (strncmp(kid, prefix, n) == 0 && ca_parse_id(kid + n, id, &rest) == 0 && *rest == '\0')
		r = 0;
	free(prefix);
	if (r != 0)
		return cn_err_set(CN_ERR_ACCOUNT_DNE, "kid '%.200s' is not an account URL of this server", kid);
	return 0;
}

static int auth_kid(const struct ca_ctx *ctx, struct ca_req *req)
{
	int64_t id = 0;
	int r;

	r = kid_to_id(ctx, req->jws->kid, &id);
	if (r != 0)
		return r;
	r = ca_store_account_get(ctx->store, id, &req->account);
	if (r == CN_ERR_NOT_FOUND)
		return cn_err_set(CN_ERR_ACCOUNT_DNE, "account %lld does not exist", (long long)id);
	if (r != 0)
		return r;
	req->has_account = true;
	if (req->account.status != CA_ST_VALID)
		return cn_err_set(CN_ERR_ACCOUNT_DEACTIVATED, "account is %s",
		    ca_status_str(req->account.status));
	return ca_keycache_get(ctx->keys, id, req->account.jwk_json, &req->key);
}

/*
 * RFC 8555 7.3.3: with --tos-version set, an account that agreed to
 * another version may only use its own account URL (to agree again, look
 * at itself, or deactivate) until it agrees.
 */
static bool tos_outdated(const struct ca_ctx *ctx, const struct ca_req *req)
{
	char own[64];

	if (ctx->cfg->tos_version == NULL || ctx->cfg->tos_version[0] == '\0' ||
	    strcmp(req->account.tos_version, ctx->cfg->tos_version) == 0)
		return false;
	snprintf(own, sizeof(own), "/acme/acct/%lld", (long long)req->account.id);
	return strcmp(req->path, own) != 0;
}

int ca_acme_auth(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp,
    enum ca_auth_mode mode)
{
	const struct cn_jws *jws;
	char *url = NULL;
	int r;

	cn_err_clear();
	if (strcmp(req->method, "POST") != 0) {
		r = cn_err_set(CN_ERR_METHOD, "%s is not allowed here; use POST (or POST-as-GET)",
		    req->method);
		ca_resp_header(resp, "Allow", "POST");
		goto out;
	}
	if (!content_type_is_jose(req->content_type)) {
		r = cn_err_set(CN_ERR_MEDIA_TYPE, "Content-Type must be application/jose+json");
		goto out;
	}
	r = cn_jws_parse(req->body, req->body_len, &req->jws);
	if (r != 0)
		goto out;
	jws = req->jws;
	/* The nonce is checked before the signature, as section 6.5 allows,
	 * and consumed whatever happens next. */
	if (jws->nonce == NULL) {
		r = cn_err_set(CN_ERR_BAD_NONCE, "the protected header has no nonce");
		goto out;
	}
	r = ca_store_nonce_take(ctx->store, jws->nonce, req->now);
	if (r != 0) {
		if (r == CN_ERR_BAD_NONCE)
			cn_err_set(r, "nonce is unknown, expired or already used");
		goto out;
	}
	if (jws->url == NULL) {
		r = cn_err_set(CN_ERR_UNAUTHORIZED, "the protected header has no url");
		goto out;
	}
	url = ca_url(ctx, "%s%s%s", req->path, req->query ? "?" : "", req->query ? req->query : "");
	if (strcmp(jws->url, url) != 0) {
		r = cn_err_set(CN_ERR_UNAUTHORIZED, "protected url '%.300s' is not the request URL '%s'",
		    jws->url, url);
		goto out;
	}
	if (jws->kid != NULL) {
		if (mode == CA_AUTH_JWK) {
			r = cn_err_set(CN_ERR_MALFORMED, "this resource requires a jwk, not a kid");
			goto out;
		}
		r = auth_kid(ctx, req);
	} else {
		if (mode == CA_AUTH_KID) {
			r = cn_err_set(CN_ERR_MALFORMED, "this resource requires a kid, not a jwk");
			goto out;
		}
		r = cn_jwk_to_pkey(jws->jwk, &req->key);
	}
	if (r != 0)
		goto out;
	r = cn_jws_verify(jws, req->key);
	if (r != 0)
		goto out;
	if (jws->kid != NULL && tos_outdated(ctx, req)) {
		free(url);
		ca_resp_tos_required(ctx, resp, &req->account);
		return CN_ERR_USER_ACTION;
	}
	/* cn_jws_parse parsed the payload (strictly) already: share its object */
	if (!jws->post_as_get) {
		if (jws->payload_json == NULL) {
			r = cn_err_set(CN_ERR_MALFORMED, "payload is not a JSON object");
			goto out;
		}
		req->payload = json_incref(jws->payload_json);
	}
	r = 0;
out:
	free(url);
	if (r != 0)
		ca_resp_problem(resp, r, NULL);
	return r;
}
