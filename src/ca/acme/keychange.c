/*
 * keychange.c - account key rollover, RFC 8555 section 7.3.5. The outer JWS
 * is signed by the account's current key (kid); its payload is an inner JWS
 * signed by the new key (jwk) with the same url, whose payload names the
 * account and its old key. A new key already held by another account gets
 * 409 with that account's Location. The old key stops working at once. A
 * new key the operator blocked is badPublicKey.
 */
#include <stdlib.h>
#include <string.h>

#include "acme/acme.h"
#include "jose/jwk.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "x509/key.h"

void ca_handle_key_change(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp)
{
	struct cn_jws *inner = NULL;
	EVP_PKEY *new_key = NULL;
	json_t *inner_payload = NULL, *old_jwk = NULL;
	const char *acct_url = NULL;
	char thumb[CN_JWK_THUMBPRINT_LEN + 1], key_hash[48];
	char *old_canon = NULL, *stored_canon = NULL, *new_canon = NULL, *loc = NULL;
	struct ca_account other;
	bool blocked = false;
	int r;

	memset(&other, 0, sizeof(other));
	if (ca_acme_auth(ctx, req, resp, CA_AUTH_KID) != 0)
		return;
	if (req->jws->post_as_get) {
		r = cn_err_set(CN_ERR_MALFORMED, "keyChange needs an inner JWS as payload");
		goto fail;
	}
	r = cn_jws_parse(req->jws->payload, req->jws->payload_len, &inner);
	if (r != 0)
		goto fail_inner;
	if (inner->jwk == NULL) {
		r = cn_err_set(CN_ERR_MALFORMED, "the inner JWS must carry the new key as jwk");
		goto fail_inner;
	}
	if (inner->url == NULL || strcmp(inner->url, req->jws->url) != 0) {
		r = cn_err_set(CN_ERR_MALFORMED, "the inner JWS url must equal the outer url");
		goto fail_inner;
	}
	r = cn_jwk_to_pkey(inner->jwk, &new_key);
	if (r == 0)
		r = cn_jws_verify(inner, new_key);
	if (r != 0)
		goto fail_inner;
	if (inner->post_as_get) {
		r = cn_err_set(CN_ERR_MALFORMED, "the inner JWS payload must be an object");
		goto fail_inner;
	}
	r = cn_json_parse_object(inner->payload, inner->payload_len, &inner_payload);
	if (r == 0)
		r = cn_json_get_str(inner_payload, "account", &acct_url);
	if (r != 0)
		goto fail_inner;
	if (strcmp(acct_url, req->jws->kid) != 0) {
		r = cn_err_set(CN_ERR_UNAUTHORIZED, "the inner payload names another account");
		goto fail;
	}
	old_jwk = json_object_get(inner_payload, "oldKey");
	if (!json_is_object(old_jwk)) {
		r = cn_err_set(CN_ERR_MALFORMED, "the inner payload needs oldKey");
		goto fail;
	}
	r = cn_jwk_canonical(old_jwk, &old_canon);
	if (r != 0)
		goto fail;
	if (strcmp(old_canon, req->account.jwk_json) != 0) {
		r = cn_err_set(CN_ERR_UNAUTHORIZED, "oldKey is not the account's current key");
		goto fail;
	}
	r = cn_jwk_canonical(inner->jwk, &new_canon);
	if (r == 0)
		r = cn_jwk_thumbprint(inner->jwk, thumb);
	if (r == 0)
		r = cn_pubkey_sha256_b64url(new_key, key_hash);
	if (r == 0)
		r = ca_store_key_is_blocked(ctx->store, key_hash, &blocked);
	if (r == 0 && blocked)
		r = cn_err_set(CN_ERR_BAD_KEY, "the new key is blocked: it was reported compromised");
	if (r != 0)
		goto fail;
	r = ca_store_account_rekey(ctx->store, req->account.id, thumb, new_canon);
	if (r == CN_ERR_CONFLICT) {
		if (ca_store_account_by_thumbprint(ctx->store, thumb, &other) == 0) {
			loc = ca_url(ctx, "/acme/acct/%lld", (long long)other.id);
			ca_resp_header(resp, "Location", "%s", loc);
		}
		r = cn_err_set(CN_ERR_CONFLICT, "the new key is already in use by an account");
		goto fail;
	}
	if (r != 0)
		goto fail;
	free(req->account.jwk_json);
	req->account.jwk_json = new_canon;
	new_canon = NULL;
	snprintf(req->account.thumbprint, sizeof(req->account.thumbprint), "%s", thumb);
	CN_LOG(CN_LOG_INFO, "acme", "acct=%lld key rolled over", (long long)req->account.id);
	{
		json_t *j = ca_render_account(ctx, &req->account);

		ca_resp_json(resp, 200, j);
		json_decref(j);
	}
	goto out;
fail_inner:
	{
		char why[300];

		snprintf(why, sizeof(why), "inner JWS: %s", cn_err_detail());
		ca_resp_problem(resp, r == CN_ERR_BAD_SIG_ALG ? r : CN_ERR_MALFORMED, why);
	}
	goto out;
fail:
	ca_resp_problem(resp, r, NULL);
out:
	free(loc);
	free(old_canon);
	free(stored_canon);
	free(new_canon);
	ca_account_cleanup(&other);
	json_decref(inner_payload);
	EVP_PKEY_free(new_key);
	cn_jws_free(inner);
}
