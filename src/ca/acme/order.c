/*
 * order.c - newOrder and the order resource, RFC 8555 section 7.4 and
 * 7.1.3: identifiers checked by policy (rejectedIdentifier /
 * unsupportedIdentifier with one subproblem per identifier, section 6.7.1),
 * the profile (draft-ietf-acme-profiles section 4: invalidProfile for one
 * not offered or not fitting the identifiers, the default one when none is
 * asked), optional notBefore/notAfter within the profile's lifetime
 * (malformed outside it), "replaces" (RFC 9773 section 5: same account, a
 * shared identifier, not replaced already: alreadyReplaced), reuse of the
 * account's valid authorizations within the profile's reuse window (and,
 * for dns-persist-01, their record's TTL: store.h reuse_until), new
 * authorizations (newauthz.c), created valid by just-in-time dns-persist-01
 * when --dns-persist-01-jit is on (draft-ietf-acme-dns-persist section 4.2,
 * work_persist.c), 201 with Location.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme/acme.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "policy.h"
#include "profile.h"
#include "ratelimit.h"
#include "work.h"

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

/* notBefore / notAfter (section 7.4), bounded by the profile's lifetime. */
static int validity_parse(const struct ca_ctx *ctx, const struct ca_req *req,
    const struct ca_profile *prof, int64_t *nb_out, int64_t *na_out)
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
	if (na && na - start > prof->validity_s)
		return cn_err_set(CN_ERR_MALFORMED,
		    "notAfter - notBefore exceeds the lifetime of profile %s, %lld seconds",
		    prof->name, (long long)prof->validity_s);
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

/* Whether the identifiers fit prof: at most its max_names, IP addresses
 * only where allowed; a detail says why not. */
static int profile_fits(const struct ca_profile *prof, const struct ca_identifier *ids, size_t n,
    int code)
{
	size_t i;

	if (n > (size_t)prof->max_names)
		return cn_err_set(code, "profile %s allows at most %d identifiers per order",
		    prof->name, prof->max_names);
	for (i = 0; i < n && !prof->allow_ip; i++)
		if (strcmp(ids[i].type, "ip") == 0)
			return cn_err_set(code, "profile %s does not allow IP address identifiers "
			    "such as %s", prof->name, ids[i].value);
	return 0;
}

/*
 * The order's profile. One asked for must be offered and fit the
 * identifiers (invalidProfile otherwise, draft section 4). Without one, the
 * server selects (as the draft recommends): the default profile when the
 * identifiers fit it, else the first that they fit (so that a client that
 * knows no profiles still gets IP addresses under shortlived);
 * rejectedIdentifier when none does.
 */
static int profile_select(const struct ca_ctx *ctx, const json_t *payload,
    const struct ca_identifier *ids, size_t n, struct ca_profile *prof)
{
	const char *name = NULL;
	char why[256];
	size_t i;
	int r;

	r = cn_json_opt_str(payload, "profile", &name);
	if (r != 0)
		return r;
	if (name != NULL) {
		r = ca_profile_get(ctx->cfg, name, prof);
		if (r == 0)
			r = profile_fits(prof, ids, n, CN_ERR_INVALID_PROFILE);
		return r;
	}
	r = ca_profile_get(ctx->cfg, ctx->cfg->default_profile, prof);
	if (r == 0)
		r = profile_fits(prof, ids, n, CN_ERR_REJECTED_ID);
	if (r != CN_ERR_REJECTED_ID)
		return r;
	snprintf(why, sizeof(why), "%s", cn_err_detail());
	for (i = 0; i < CA_N_PROFILES; i++) {
		ca_profile_at(ctx->cfg, i, prof);
		if (profile_fits(prof, ids, n, CN_ERR_REJECTED_ID) == 0)
			return 0;
	}
	return cn_err_set(CN_ERR_REJECTED_ID, "no profile fits these identifiers (%s)", why);
}

/* Whether two orders share an identifier (identifiers_json as stored). */
static bool identifiers_overlap(const char *a_json, const json_t *b)
{
	json_t *a = NULL, *x, *y;
	size_t i, k;
	bool hit = false;

	if (cn_json_parse(a_json, strlen(a_json), &a) != 0)
		return false;
	json_array_foreach(a, i, x) {
		json_array_foreach(b, k, y) {
			if (json_equal(x, y))
				hit = true;
		}
	}
	json_decref(a);
	return hit;
}

/*
 * RFC 9773 section 5: the certificate "replaces" names must be this CA's,
 * the account's and share an identifier with the order, and not be
 * replaced already by another live order.
 */
static int replaces_check(const struct ca_ctx *ctx, const struct ca_req *req,
    const char *cert_id, const json_t *ids_json, char serial[48])
{
	struct ca_cert c;
	struct ca_order prev;
	int r;

	memset(&c, 0, sizeof(c));
	memset(&prev, 0, sizeof(prev));
	r = ca_ari_cert_id_parse(ctx, cert_id, serial);
	if (r == 0)
		r = ca_store_cert_by_serial(ctx->store, serial, &c);
	if (r == CN_ERR_NOT_FOUND) {
		r = cn_err_set(CN_ERR_MALFORMED, "replaces: '%.100s' names no certificate of this CA",
		    cert_id);
		goto out;
	}
	if (r != 0)
		goto out;
	if (c.account_id != req->account.id) {
		r = cn_err_set(CN_ERR_UNAUTHORIZED,
		    "replaces: certificate %s belongs to another account", serial);
		goto out;
	}
	r = ca_store_order_get(ctx->store, c.order_id, &prev);
	if (r != 0)
		goto out;
	if (!identifiers_overlap(prev.identifiers_json, ids_json)) {
		r = cn_err_set(CN_ERR_MALFORMED,
		    "replaces: certificate %s shares no identifier with this order", serial);
		goto out;
	}
	r = ca_store_cert_replaced(ctx->store, serial, 0, req->now);
out:
	ca_order_cleanup(&prev);
	ca_cert_cleanup(&c);
	return r;
}

/* A valid authorization of the account to reuse for id within the
 * profile's window (counted from its validation); 0 when none. */
static int authz_reusable(const struct ca_ctx *ctx, const struct ca_req *req,
    const struct ca_identifier *id, const struct ca_profile *prof, int64_t *authz_id)
{
	struct ca_authz found;
	int64_t validated = 0;
	size_t k;
	int r;

	memset(&found, 0, sizeof(found));
	*authz_id = 0;
	r = ca_store_authz_find_valid(ctx->store, req->account.id, id->type, id->value,
	    id->wildcard, req->now, &found);
	if (r == CN_ERR_NOT_FOUND)
		return 0;
	if (r != 0)
		return r;
	for (k = 0; k < found.n_challenges; k++)
		if (found.challenges[k].status == CA_ST_VALID)
			validated = found.challenges[k].validated;
	if (validated == 0)
		validated = found.created;
	if (validated + prof->authz_reuse_s > req->now)
		*authz_id = found.id;
	ca_authz_cleanup(&found);
	return 0;
}

void ca_handle_new_order(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp)
{
	struct ca_identifier *ids = NULL;
	struct ca_authz *authzs = NULL;
	struct ca_profile prof;
	struct ca_order o;
	size_t n = 0, n_new = 0, n_valid = 0, n_jit = 0, i;
	json_t *ids_json = NULL, *j = NULL;
	const char *replaces = NULL;
	char *loc = NULL, *err = NULL, serial[48];
	char (*via)[254] = NULL;     /* the FQDN that validated authzs[i] just in time */
	int64_t deadline = 0;
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
	r = profile_select(ctx, req->payload, ids, n, &prof);
	if (r == 0)
		r = validity_parse(ctx, req, &prof, &o.not_before, &o.not_after);
	if (r != 0)
		goto fail;
	ids_json = identifiers_json(ids, n);
	r = cn_json_opt_str(req->payload, "replaces", &replaces);
	if (r == 0 && replaces)
		r = replaces_check(ctx, req, replaces, ids_json, serial);
	if (r == 0)
		r = ca_ratelimit_new_order(ctx, req, ids, n, replaces != NULL, resp);
	if (r != 0)
		goto fail;
	o.authz_ids = cn_xcalloc(n, sizeof(*o.authz_ids));
	o.n_authz = n;
	authzs = cn_xcalloc(n, sizeof(*authzs));
	via = cn_xcalloc(n, sizeof(*via));
	if (ctx->cfg->dns_persist_01_jit)
		deadline = ca_work_persist_jit_deadline(ctx); /* one for the whole order */
	for (i = 0; i < n; i++) {
		r = authz_reusable(ctx, req, &ids[i], &prof, &o.authz_ids[i]);
		if (r != 0)
			goto fail;
		if (o.authz_ids[i] != 0) {
			n_valid++;
			continue;
		}
		r = ca_authz_fill_new(ctx, req->account.id, req->now, &ids[i], &authzs[n_new++]);
		if (r != 0)
			goto fail;
		if (ctx->cfg->dns_persist_01_jit &&
		    ca_work_persist_jit(ctx, &authzs[n_new - 1], req->now, deadline, via[n_new - 1])) {
			n_valid++;
			n_jit++;
		}
	}
	o.account_id = req->account.id;
	o.status = n_valid == n ? CA_ST_READY : CA_ST_PENDING;
	o.created = req->now;
	o.expires = req->now + ctx->cfg->order_lifetime_s;
	o.identifiers_json = cn_json_dump(ids_json);
	o.profile = cn_xstrdup(prof.name);
	r = ca_store_order_create(ctx->store, &o, authzs, n_new);
	if (r != 0)
		goto fail;
	if (replaces) {
		r = ca_store_order_replaces_set(ctx->store, o.id, replaces, serial, req->now);
		if (r != 0) {
			/* Lost a race with another order replacing the same
			 * certificate: this order must not live on. */
			json_t *p = ca_problem_json(r, cn_err_detail(), NULL);

			err = cn_json_dump(p);
			json_decref(p);
			if (ca_store_order_transition(ctx->store, o.id, o.status, CA_ST_INVALID,
			    err) != 0)
				CN_LOG(CN_LOG_ERR, "acme", "order=%lld: cannot invalidate", (long long)o.id);
			goto fail;
		}
	}
	CN_LOG(CN_LOG_INFO, "acme", "acct=%lld order=%lld created: profile %s, %zu identifiers, "
	    "%zu reused authz%s%s", (long long)o.account_id, (long long)o.id, prof.name, n,
	    n_valid - n_jit, replaces ? ", replaces " : "", replaces ? serial : "");
	for (i = 0; i < n_new; i++)
		if (authzs[i].status == CA_ST_VALID)
			CN_LOG(CN_LOG_INFO, "acme", "acct=%lld order=%lld authz=%lld %s%s created valid: "
			    "just-in-time dns-persist-01 by the record at _validation-persist.%s",
			    (long long)o.account_id, (long long)o.id, (long long)authzs[i].id,
			    authzs[i].wildcard ? "*." : "", authzs[i].id_value, via[i]);
	j = ca_render_order(ctx, &o, req->now);
	if (replaces)
		json_object_set_new(j, "replaces", json_string(replaces));
	ca_resp_json(resp, 201, j);
	loc = ca_url(ctx, "/acme/order/%lld", (long long)o.id);
	ca_resp_header(resp, "Location", "%s", loc);
	goto out;
fail:
	ca_resp_problem(resp, r, NULL);
out:
	free(loc);
	free(err);
	json_decref(j);
	json_decref(ids_json);
	for (i = 0; i < n; i++)
		ca_identifier_cleanup(&ids[i]);
	free(ids);
	for (i = 0; i < n_new; i++)
		ca_authz_cleanup(&authzs[i]);
	free(authzs);
	free(via);
	ca_order_cleanup(&o);
}

int ca_order_load_owned(const struct ca_ctx *ctx, const struct ca_req *req, int64_t id,
    struct ca_order *o)
{
	int r = ca_store_order_get(ctx->store, id, o);

	if (r == 0 && o->account_id != req->account.id) {
		ca_order_cleanup(o);
		r = CN_ERR_NOT_FOUND;
	}
	if (r == CN_ERR_NOT_FOUND)
		return cn_err_set(CN_ERR_NOT_FOUND, "order %lld does not exist for this account",
		    (long long)id);
	return r;
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
	r = ca_order_load_owned(ctx, req, id, &o);
	if (r != 0)
		goto fail;
	j = ca_render_order(ctx, &o, req->now);
	ca_ari_order_decorate(ctx, j, o.id);
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
