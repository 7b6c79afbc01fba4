/*
 * newauthz.c - pre-authorization, RFC 8555 section 7.4.1: an account asks
 * for an authorization of one identifier before any order names it; once
 * valid, orders of the account reuse it (order.c). Also the one place that
 * makes new authorizations with their challenges (for newOrder too): one
 * challenge of each type that fits the identifier (policy.c), plus
 * dns-account-01 and dns-persist-01 for DNS names when they are enabled,
 * each with a 256-bit token (section 11.3).
 *
 * With --dns-persist-01-jit, a new authorization of a DNS name whose
 * dns-persist-01 record qualifies already is created valid (draft-ietf-
 * acme-dns-persist section 4.2, work_persist.c): the client gets a valid
 * authorization in answer to newOrder or newAuthz.
 *
 * Wildcards cannot be pre-authorized (section 7.4.1: the identifier of a
 * pre-authorization is exactly the one in the authorization object); IP
 * addresses only when some profile allows them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "acme/acme.h"
#include "b64url.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "policy.h"
#include "profile.h"
#include "ratelimit.h"
#include "work.h"

#define CA_TOKEN_BYTES 32
#define CA_MAX_CHALLENGE_TYPES 8

static int token_new(char out[64])
{
	unsigned char raw[CA_TOKEN_BYTES];
	char *t;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return cn_err_openssl(CN_ERR_CRYPTO, "RAND_bytes");
	t = cn_b64url_encode(raw, sizeof(raw));
	snprintf(out, 64, "%s", t);
	free(t);
	return 0;
}

int ca_authz_fill_new(const struct ca_ctx *ctx, int64_t account_id, int64_t now,
    const struct ca_identifier *id, struct ca_authz *az)
{
	const char *const *base = ca_policy_challenges(id);
	const char *types[CA_MAX_CHALLENGE_TYPES];
	size_t k, n = 0;
	int r = 0;

	while (base[n] && n < CA_MAX_CHALLENGE_TYPES - 2) {
		types[n] = base[n];
		n++;
	}
	if (strcmp(id->type, "dns") == 0) {
		if (ctx->cfg->dns_account_01)
			types[n++] = "dns-account-01";
		if (ctx->cfg->dns_persist_01)
			types[n++] = "dns-persist-01";
	}
	memset(az, 0, sizeof(*az));
	az->account_id = account_id;
	az->status = CA_ST_PENDING;
	snprintf(az->id_type, sizeof(az->id_type), "%s", id->type);
	az->id_value = cn_xstrdup(id->value);
	az->wildcard = id->wildcard;
	az->created = now;
	az->expires = now + ctx->cfg->authz_lifetime_s;
	az->challenges = cn_xcalloc(n ? n : 1, sizeof(*az->challenges));
	az->n_challenges = n;
	for (k = 0; k < n && r == 0; k++) {
		struct ca_challenge *c = &az->challenges[k];

		snprintf(c->type, sizeof(c->type), "%s", types[k]);
		c->status = CA_ST_PENDING;
		r = token_new(c->token);
	}
	return r;
}

static bool some_profile_allows_ip(const struct ca_config *cfg)
{
	struct ca_profile p;
	size_t i;

	for (i = 0; i < CA_N_PROFILES; i++) {
		ca_profile_at(cfg, i, &p);
		if (p.allow_ip)
			return true;
	}
	return false;
}

void ca_handle_new_authz(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp)
{
	struct ca_identifier id;
	struct ca_authz az;
	const json_t *ident;
	const char *type = NULL, *value = NULL;
	json_t *j = NULL;
	char *loc = NULL, via[254] = "";
	bool jit = false;
	int r;

	memset(&id, 0, sizeof(id));
	memset(&az, 0, sizeof(az));
	if (ca_acme_auth(ctx, req, resp, CA_AUTH_KID) != 0)
		return;
	if (req->payload == NULL) {
		r = cn_err_set(CN_ERR_MALFORMED, "newAuthz needs a JSON object payload");
		goto fail;
	}
	ident = json_object_get(req->payload, "identifier");
	if (!json_is_object(ident) || cn_json_get_str(ident, "type", &type) != 0 ||
	    cn_json_get_str(ident, "value", &value) != 0) {
		r = cn_err_set(CN_ERR_MALFORMED,
		    "newAuthz needs an identifier object with string type and value");
		goto fail;
	}
	r = ca_policy_identifier(ctx->cfg, type, value, &id);
	if (r == 0)
		r = ca_ratelimit_new_authz(ctx, req, &id, resp);
	if (r != 0)
		goto fail;
	if (id.wildcard) {
		r = cn_err_set(CN_ERR_REJECTED_ID,
		    "wildcard identifiers cannot be pre-authorized (RFC 8555 section 7.4.1); "
		    "put '%.253s' in a newOrder", value);
		goto fail;
	}
	if (strcmp(id.type, "ip") == 0 && !some_profile_allows_ip(ctx->cfg)) {
		r = cn_err_set(CN_ERR_REJECTED_ID, "no profile of this CA allows IP addresses");
		goto fail;
	}
	r = ca_authz_fill_new(ctx, req->account.id, req->now, &id, &az);
	if (r == 0 && ctx->cfg->dns_persist_01_jit)
		jit = ca_work_persist_jit(ctx, &az, req->now, ca_work_persist_jit_deadline(ctx), via);
	if (r == 0)
		r = ca_store_authz_create(ctx->store, &az);
	if (r != 0)
		goto fail;
	if (jit)
		CN_LOG(CN_LOG_INFO, "acme", "acct=%lld authz=%lld %s pre-authorization created valid: "
		    "just-in-time dns-persist-01 by the record at _validation-persist.%s",
		    (long long)req->account.id, (long long)az.id, az.id_value, via);
	else
		CN_LOG(CN_LOG_INFO, "acme", "acct=%lld authz=%lld pre-authorization created",
		    (long long)req->account.id, (long long)az.id);
	j = ca_render_authz(ctx, &az, req->now);
	ca_resp_json(resp, 201, j);
	loc = ca_url(ctx, "/acme/authz/%lld", (long long)az.id);
	ca_resp_header(resp, "Location", "%s", loc);
	if (!jit)
		ca_resp_retry_after(resp, ctx->cfg->retry_after_s);
	goto out;
fail:
	ca_resp_problem(resp, r, NULL);
out:
	free(loc);
	json_decref(j);
	ca_authz_cleanup(&az);
	ca_identifier_cleanup(&id);
}
