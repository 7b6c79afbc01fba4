/*
 * order.c - newOrder and the order resource, RFC 8555 section 7.4 and
 * 7.1.3: identifiers checked by policy (rejectedIdentifier /
 * unsupportedIdentifier with one subproblem per identifier, section 6.7.1),
 * optional notBefore/notAfter within the configured validity, reuse of the
 * account's valid authorizations, new authorizations with one challenge of
 * each fitting type and 256-bit tokens (section 11.3), 201 with Location.
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

#define CA_TOKEN_BYTES 32

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

/* Parses payload.identifiers into ids (deduplicated). On policy failures
 * writes a problem with subproblems into resp and returns its code. */
static int identifiers_parse(const struct ca_ctx *ctx, const json_t *payload, struct ca_resp *resp,
    struct ca_identifier **ids_out, size_t *n_out)
{
	json_t *arr = json_object_get(payload, "identifiers");
	json_t *sub = NULL, *v;
	struct ca_identifier *ids = NULL;
	size_t n = 0, i, k;
	int r = 0, first_err = 0;

	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		r = cn_err_set(CN_ERR_MALFORMED, "identifiers must be a non-empty array");
		goto fail;
	}
	if (json_array_size(arr) > (size_t)ctx->cfg->max_names) {
		r = cn_err_set(CN_ERR_REJECTED_ID, "an order may hold at most %d identifiers",
		    ctx->cfg->max_names);
		goto fail;
	}
	ids = cn_xcalloc(json_array_size(arr), sizeof(*ids));
	sub = json_array();
	json_array_foreach(arr, i, v) {
		const char *type = NULL, *value = NULL;
		struct ca_identifier id;
		bool dup = false;

		if (!json_is_object(v) || cn_json_get_str(v, "type", &type) != 0 ||
		    cn_json_get_str(v, "value", &value) != 0) {
			r = cn_err_set(CN_ERR_MALFORMED,
			    "each identifier must be an object with string type and value");
			goto fail;
		}
		r = ca_policy_identifier(ctx->cfg, type, value, &id);
		if (r != 0) {
			json_t *ident = json_pack("{s:s, s:s}", "type", type, "value", value);

			json_array_append_new(sub, ca_problem_json(r, cn_err_detail(), ident));
			json_decref(ident);
			if (first_err == 0)
				first_err = r;
			continue;
		}
		for (k = 0; k < n; k++)
			if (strcmp(ids[k].type, id.type) == 0 && strcmp(ids[k].value, id.value) == 0 &&
			    ids[k].wildcard == id.wildcard)
				dup = true;
		if (dup) {
			ca_identifier_cleanup(&id);
			continue;
		}
		ids[n++] = id;
	}
	if (first_err != 0) {
		char detail[128];

		snprintf(detail, sizeof(detail), "%zu of the identifiers cannot be issued for",
		    json_array_size(sub));
		ca_resp_problem_sub(resp, first_err, detail, sub);
		sub = NULL;
		r = first_err;
		goto out;
	}
	*ids_out = ids;
	*n_out = n;
	ids = NULL;
	n = 0;
	r = 0;
	goto out;
fail:
	ca_resp_problem(resp, r, NULL);
out:
	for (i = 0; i < n; i++)
		ca_identifier_cleanup(&ids[i]);
	free(ids);
	json_decref(sub);
	return r;
}

/* notBefore / notAfter (section 7.4), bounded by the configured validity. */
static int validity_parse(const struct ca_ctx *ctx, const struct ca_req *req, int64_t *nb_out,
    int64_t *na_out)
{
	const char *nb_s = NULL, *na_s = NULL;
	int64_t nb = 0, na = 0, start;
	int r;

	r = cn_json_opt_str(req->payload, "notBefore", &nb_s);
	if (r == 0)
		r = cn_json_opt_str(req->payload, "notAfter", &na_s);
	if (r == 0 && nb_s)
		r = ca_time_parse(nb_s, &nb);
	if (r == 0 && na_s)
		r = ca_time_parse(na_s, &na);
	if (r != 0)
		return r;
	start = nb ? nb : req->now;
	if (nb && (nb < req->now - ctx->cfg->backdate_s || nb > req->now + ctx->cfg->order_lifetime_s))
		return cn_err_set(CN_ERR_MALFORMED,
		    "notBefore must lie between now and the order's expiry");
	if (na && na <= start)
		return cn_err_set(CN_ERR_MALFORMED, "notAfter must be later than notBefore and now");
	if (na && na - start > ctx->cfg->validity_s)
		return cn_err_set(CN_ERR_MALFORMED,
		    "notAfter - notBefore exceeds the maximum certificate lifetime of %lld seconds",
		    (long long)ctx->cfg->validity_s);
	*nb_out = nb;
	*na_out = na;
	return 0;
}

static json_t *identifiers_json(const struct ca_identifier *ids, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++) {
		char value[CA_MAX_DNS_NAME + 3];

		snprintf(value, sizeof(value), "%s%s", ids[i].wildcard ? "*." : "", ids[i].value);
		json_array_append_new(arr, json_pack("{s:s, s:s}", "type", ids[i].type, "value", value));
	}
	return arr;
}

static void authz_fill_new(const struct ca_ctx *ctx, const struct ca_req *req,
    const struct ca_identifier *id, struct ca_authz *az, int *r)
{
	const char *const *types = ca_policy_challenges(id);
	size_t k, n = 0;

	while (types[n])
		n++;
	memset(az, 0, sizeof(*az));
	az->account_id = req->account.id;
	az->status = CA_ST_PENDING;
	snprintf(az->id_type, sizeof(az->id_type), "%s", id->type);
	az->id_value = cn_xstrdup(id->value);
	az->wildcard = id->wildcard;
	az->created = req->now;
	az->expires = req->now + ctx->cfg->authz_lifetime_s;
	az->challenges = cn_xcalloc(n, sizeof(*az->challenges));
	az->n_challenges = n;
	for (k = 0; k < n && *r == 0; k++) {
		struct ca_challenge *c = &az->challenges[k];

		snprintf(c->type, sizeof(c->type), "%s", types[k]);
		c->status = CA_ST_PENDING;
		*r = token_new(c->token);
	}
}

void ca_handle_new_order(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp)
{
	struct ca_identifier *ids = NULL;
	struct ca_authz *authzs = NULL;
	struct ca_order o;
	size_t n = 0, n_new = 0, n_valid = 0, i;
	json_t *ids_json = NULL, *j = NULL;
	char *loc = NULL;
	int r;

	memset(&o, 0, sizeof(o));
	if (ca_acme_auth(ctx, req, resp, CA_AUTH_KID) != 0)
		return;
	if (req->payload == NULL) {
		ca_resp_problem(resp, CN_ERR_MALFORMED, "newOrder needs a JSON object payload");
		return;
	}
	if (identifiers_parse(ctx, req->payload, resp, &ids, &n) != 0)
		return;
	r = validity_parse(ctx, req, &o.not_before, &o.not_after);
	if (r != 0)
		goto fail;
	if (json_object_get(req->payload, "profile")) {
		r = cn_err_set(CN_ERR_MALFORMED, "this CA offers no certificate profiles");
		goto fail;
	}
	o.authz_ids = cn_xcalloc(n, sizeof(*o.authz_ids));
	o.n_authz = n;
	authzs = cn_xcalloc(n, sizeof(*authzs));
	for (i = 0; i < n; i++) {
		struct ca_authz found;

		memset(&found, 0, sizeof(found));
		r = ca_store_authz_find_valid(ctx->store, req->account.id, ids[i].type, ids[i].value,
		    ids[i].wildcard, req->now, &found);
		if (r == 0) {
			o.authz_ids[i] = found.id;
			ca_authz_cleanup(&found);
			n_valid++;
			continue;
		}
		if (r != CN_ERR_NOT_FOUND)
			goto fail;
		r = 0;
		authz_fill_new(ctx, req, &ids[i], &authzs[n_new++], &r);
		if (r != 0)
			goto fail;
	}
	ids_json = identifiers_json(ids, n);
	o.account_id = req->account.id;
	o.status = n_valid == n ? CA_ST_READY : CA_ST_PENDING;
	o.created = req->now;
	o.expires = req->now + ctx->cfg->order_lifetime_s;
	o.identifiers_json = cn_json_dump(ids_json);
	r = ca_store_order_create(ctx->store, &o, authzs, n_new);
	if (r != 0)
		goto fail;
	CN_LOG(CN_LOG_INFO, "acme", "acct=%lld order=%lld created: %zu identifiers, %zu reused authz",
	    (long long)o.account_id, (long long)o.id, n, n_valid);
	j = ca_render_order(ctx, &o, req->now);
	ca_resp_json(resp, 201, j);
	loc = ca_url(ctx, "/acme/order/%lld", (long long)o.id);
	ca_resp_header(resp, "Location", "%s", loc);
	goto out;
fail:
	ca_resp_problem(resp, r, NULL);
out:
	free(loc);
	json_decref(j);
	json_decref(ids_json);
	for (i = 0; i < n; i++)
		ca_identifier_cleanup(&ids[i]);
	free(ids);
	for (i = 0; i < n_new; i++)
		ca_authz_cleanup(&authzs[i]);
	free(authzs);
	ca_order_cleanup(&o);
}

void ca_handle_order(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp,
    int64_t id)
{
	struct ca_order o;
	json_t *j = NULL;
	int r;

	memset(&o, 0, sizeof(o));
	if (ca_acme_auth(ctx, req, resp, CA_AUTH_KID) != 0)
		return;
	r = ca_store_order_get(ctx->store, id, &o);
	if (r == CN_ERR_NOT_FOUND || (r == 0 && o.account_id != req->account.id)) {
		r = cn_err_set(CN_ERR_NOT_FOUND, "order %lld does not exist for this account", (long long)id);
		goto fail;
	}
	if (r != 0)
		goto fail;
	j = ca_render_order(ctx, &o, req->now);
	ca_resp_json(resp, 200, j);
	if (o.status == CA_ST_PROCESSING || o.status == CA_ST_PENDING)
		ca_resp_retry_after(resp, ctx->cfg->retry_after_s);
	goto out;
fail:
	ca_resp_problem(resp, r, NULL);
out:
	json_decref(j);
	ca_order_cleanup(&o);
}
