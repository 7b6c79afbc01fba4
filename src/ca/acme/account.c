/*
 * account.c - account resources, RFC 8555 section 7.3: newAccount (7.3,
 * onlyReturnExisting 7.3.1, the same key returns the existing account with
 * 200), account POST-as-GET and update of contact (7.3.2), agreement to
 * changed terms of service (7.3.3, with ca_acme_auth), deactivation
 * (7.3.6) and the orders list (7.1.2.1), paginated with Link rel="next".
 * Contacts must be mailto: URIs with one plain address (unsupportedContact
 * for other schemes, invalidContact for bad addresses).
 *
 * External Account Binding (7.3.4): an externalAccountBinding is verified
 * (cn_jws_eab_verify: HS256 over the account key, url of the request) with
 * a key from `cairnd admin eab create`, and the key is bound to the new
 * account in the transaction that creates it, so a key binds one account;
 * --eab-required makes it mandatory (externalAccountRequired). A
 * deactivated account's key gets 401 unauthorized here too, and its
 * pending orders and authorizations are cancelled on deactivation. A new
 * account's key must not be blocked (revoked for keyCompromise, or by
 * `cairnd admin block-key`: badPublicKey).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "acme/acme.h"
#include "jose/jwk.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "ratelimit.h"
#include "x509/key.h"

#define CA_MAX_CONTACTS 10
#define CA_MAX_CONTACT_LEN 320
#define CA_ORDERS_PAGE 100

static bool email_domain_ok(const char *d)
{
	size_t label = 0, labels = 0;
	const char *p;

	if (*d == '\0' || strlen(d) > 253)
		return false;
	for (p = d; *p; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!(isalnum((unsigned char)*p) || *p == '-'))
			return false;
		if (label == 0 && *p == '-')
			return false;
		if (++label == 1)
			labels++;
		if (label > 63)
			return false;
	}
	return label > 0 && labels >= 2;
}

/* RFC 8555 section 7.3: "mailto:" with exactly one address, no hfields. */
static int contact_check(const char *c)
{
	const char *addr, *at, *p;

	if (strncmp(c, "mailto:", 7) != 0)
		return cn_err_set(CN_ERR_UNSUPPORTED_CONTACT,
		    "contact '%.100s' is not a mailto: URI", c);
	addr = c + 7;
	if (strlen(c) > CA_MAX_CONTACT_LEN)
		return cn_err_set(CN_ERR_INVALID_CONTACT, "contact is longer than %d bytes",
		    CA_MAX_CONTACT_LEN);
	if (strchr(addr, '?') || strchr(addr, ','))
		return cn_err_set(CN_ERR_INVALID_CONTACT,
		    "contact '%.100s' must hold exactly one address and no hfields", c);
	at = strchr(addr, '@');
	if (at == NULL || at == addr || strchr(at + 1, '@'))
		return cn_err_set(CN_ERR_INVALID_CONTACT, "contact '%.100s' is not an email address", c);
	for (p = addr; p < at; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || strchr("<>()[]\\;:\"", *p))
			return cn_err_set(CN_ERR_INVALID_CONTACT,
			    "contact '%.100s' has an invalid local part", c);
	if (!email_domain_ok(at + 1))
		return cn_err_set(CN_ERR_INVALID_CONTACT, "contact '%.100s' has an invalid domain", c);
	return 0;
}

/* Validates payload.contact (absent: "[]") and renders it canonically. */
static int contacts_from_payload(const json_t *payload, char **out)
{
	json_t *contact = json_object_get(payload, "contact");
	json_t *v;
	size_t i;
	int r;

	if (contact == NULL) {
		*out = cn_xstrdup("[]");
		return 0;
	}
	if (!json_is_array(contact))
		return cn_err_set(CN_ERR_MALFORMED, "contact must be an array of strings");
	if (json_array_size(contact) > CA_MAX_CONTACTS)
		return cn_err_set(CN_ERR_INVALID_CONTACT, "at most %d contacts are allowed",
		    CA_MAX_CONTACTS);
	json_array_foreach(contact, i, v) {
		if (!json_is_string(v))
			return cn_err_set(CN_ERR_MALFORMED, "contact must be an array of strings");
		r = contact_check(json_string_value(v));
		if (r != 0)
			return r;
	}
	*out = cn_json_dump(contact);
	return 0;
}

static void account_reply(const struct ca_ctx *ctx, struct ca_resp *resp, int status,
    const struct ca_account *a)
{
	json_t *j = ca_render_account(ctx, a);
	char *loc = ca_url(ctx, "/acme/acct/%lld", (long long)a->id);

	ca_resp_json(resp, status, j);
	ca_resp_header(resp, "Location", "%s", loc);
	free(loc);
	json_decref(j);
}

/* cn_jws_eab_verify's key lookup: a usable key's MAC key, heap. */
static int eab_lookup(void *arg, const char *kid, unsigned char **key, size_t *key_len)
{
	const struct ca_ctx *ctx = arg;
	struct ca_eab_key k;
	int r;

	memset(&k, 0, sizeof(k));
	r = ca_store_eab_get(ctx->store, kid, &k);
	if (r == CN_ERR_NOT_FOUND)
		r = cn_err_set(CN_ERR_UNAUTHORIZED, "externalAccountBinding: unknown kid");
	else if (r == 0 && k.revoked != 0)
		r = cn_err_set(CN_ERR_UNAUTHORIZED, "externalAccountBinding: the key was revoked");
	else if (r == 0 && k.account_id != 0)
		r = cn_err_set(CN_ERR_UNAUTHORIZED,
		    "externalAccountBinding: the key is bound to another account already");
	if (r == 0) {
		*key = k.hmac_key;
		*key_len = k.hmac_key_len;
		k.hmac_key = NULL;
	}
	ca_eab_key_cleanup(&k);
	return r;
}

void ca_handle_new_account(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp)
{
	struct ca_account a;
	bool only_existing = false, tos = false, blocked = false;
	char thumb[CN_JWK_THUMBPRINT_LEN + 1], key_hash[48];
	char *contact = NULL, *jwk = NULL, *eab_kid = NULL;
	const json_t *eab;
	int r;

	memset(&a, 0, sizeof(a));
	if (ca_acme_auth(ctx, req, resp, CA_AUTH_JWK) != 0)
		return;
	if (req->payload == NULL) {
		ca_resp_problem(resp, CN_ERR_MALFORMED, "newAccount needs a JSON object payload");
		return;
	}
	r = cn_json_opt_bool(req->payload, "onlyReturnExisting", false, &only_existing);
	if (r == 0)
		r = cn_json_opt_bool(req->payload, "termsOfServiceAgreed", false, &tos);
	if (r == 0)
		r = cn_jwk_thumbprint(req->jws->jwk, thumb);
	if (r != 0)
		goto fail;
	r = ca_store_account_by_thumbprint(ctx->store, thumb, &a);
	if (r == 0 && a.status != CA_ST_VALID) {
		/* Section 7.3.6: no request with a deactivated account's key. */
		r = cn_err_set(CN_ERR_ACCOUNT_DEACTIVATED, "the account of this key is %s",
		    ca_status_str(a.status));
		goto fail;
	}
	if (r == 0) {
		/* Section 7.3.1: the same key finds the same account. */
		account_reply(ctx, resp, 200, &a);
		goto out;
	}
	if (r != CN_ERR_NOT_FOUND)
		goto fail;
	if (only_existing) {
		r = cn_err_set(CN_ERR_ACCOUNT_DNE, "no account exists with this key");
		goto fail;
	}
	/* A key blocked for compromise (revocation reason keyCompromise) is
	 * refused as an account key too (badPublicKey). */
	r = cn_pubkey_sha256_b64url(req->key, key_hash);
	if (r == 0)
		r = ca_store_key_is_blocked(ctx->store, key_hash, &blocked);
	if (r == 0 && blocked)
		r = cn_err_set(CN_ERR_BAD_KEY, "this key is blocked: it was reported compromised");
	if (r != 0)
		goto fail;
	if (!tos) {
		r = cn_err_set(CN_ERR_MALFORMED,
		    "the terms of service (%s) must be agreed to: termsOfServiceAgreed", ctx->cfg->tos_url);
		goto fail;
	}
	eab = json_object_get(req->payload, "externalAccountBinding");
	if (ctx->cfg->eab_required && eab == NULL) {
		r = cn_err_set(CN_ERR_EXTERNAL_ACCOUNT, "this CA requires an externalAccountBinding");
		goto fail;
	}
	if (eab != NULL) {
		r = cn_jws_eab_verify(eab, req->jws->url, req->jws->jwk, eab_lookup, (void *)ctx,
		    &eab_kid);
		if (r != 0)
			goto fail;
	}
	r = contacts_from_payload(req->payload, &contact);
	if (r == 0)
		r = ca_ratelimit_new_account(ctx, req, resp);
	if (r != 0)
		goto fail;
	r = cn_jwk_canonical(req->jws->jwk, &jwk);
	if (r != 0)
		goto fail;
	memset(&a, 0, sizeof(a));
	a.status = CA_ST_VALID;
	snprintf(a.thumbprint, sizeof(a.thumbprint), "%s", thumb);
	a.jwk_json = jwk;
	a.contact_json = contact;
	a.tos_agreed = true;
	snprintf(a.tos_version, sizeof(a.tos_version), "%s", ctx->cfg->tos_version);
	a.created = req->now;
	jwk = contact = NULL;
	if (eab_kid != NULL)
		r = ca_store_account_insert_eab(ctx->store, &a, eab_kid);
	else
		r = ca_store_account_insert(ctx->store, &a);
	if (r == CN_ERR_CONFLICT) {
		/* A concurrent request created it first: return that one. */
		ca_account_cleanup(&a);
		r = ca_store_account_by_thumbprint(ctx->store, thumb, &a);
		if (r != 0)
			goto fail;
		account_reply(ctx, resp, 200, &a);
		goto out;
	}
	if (r != 0)
		goto fail;
	CN_LOG(CN_LOG_INFO, "acme", "acct=%lld created%s%s", (long long)a.id,
	    eab_kid ? ", bound to EAB key " : "", eab_kid ? eab_kid : "");
	ca_ratelimit_account_created(ctx, req, a.id);
	account_reply(ctx, resp, 201, &a);
	goto out;
fail:
	ca_resp_problem(resp, r, NULL);
out:
	free(eab_kid);
	free(contact);
	free(jwk);
	ca_account_cleanup(&a);
}

/* Section 7.3.6: the server SHOULD cancel pending operations. A failure
 * is logged only: the account is deactivated already. */
static void cancel_pending(const struct ca_ctx *ctx, int64_t account_id)
{
	json_t *p = ca_problem_json(CN_ERR_ACCOUNT_DEACTIVATED, "the account was deactivated", NULL);
	char *err = cn_json_dump(p);

	if (ca_store_account_cancel_pending(ctx->store, account_id, err) != 0)
		CN_LOG(CN_LOG_ERR, "acme", "acct=%lld: cannot cancel pending orders: %s",
		    (long long)account_id, cn_err_detail());
	free(err);
	json_decref(p);
}

void ca_handle_account(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp,
    int64_t id)
{
	struct ca_account *a = &req->account;
	const char *status = NULL;
	char *contact = NULL;
	bool changed = false, agreed = false;
	int r;

	if (ca_acme_auth(ctx, req, resp, CA_AUTH_KID) != 0)
		return;
	if (a->id != id) {
		ca_resp_problem(resp, CN_ERR_UNAUTHORIZED, "the request is not signed by this account");
		return;
	}
	if (req->payload != NULL) {
		if (json_object_get(req->payload, "contact")) {
			r = contacts_from_payload(req->payload, &contact);
			if (r != 0)
				goto fail;
			free(a->contact_json);
			a->contact_json = contact;
			contact = NULL;
			changed = true;
		}
		/* RFC 8555 7.3.3: agreeing (again) to the current terms. */
		r = cn_json_opt_bool(req->payload, "termsOfServiceAgreed", false, &agreed);
		if (r != 0)
			goto fail;
		if (agreed) {
			a->tos_agreed = true;
			snprintf(a->tos_version, sizeof(a->tos_version), "%s",
			    ctx->cfg->tos_version);
			changed = true;
		}
		r = cn_json_opt_str(req->payload, "status", &status);
		if (r != 0)
			goto fail;
		if (status != NULL) {
			if (strcmp(status, "deactivated") != 0) {
				r = cn_err_set(CN_ERR_MALFORMED,
				    "status may only be changed to \"deactivated\"");
				goto fail;
			}
			a->status = CA_ST_DEACTIVATED;
			changed = true;
		}
		if (changed) {
			r = ca_store_account_update(ctx->store, a);
			if (r != 0)
				goto fail;
			CN_LOG(CN_LOG_INFO, "acme", "acct=%lld updated%s", (long long)a->id,
			    a->status == CA_ST_DEACTIVATED ? " (deactivated)" : "");
		}
		if (status != NULL)
			cancel_pending(ctx, a->id);
	}
	account_reply(ctx, resp, 200, a);
	return;
fail:
	free(contact);
	ca_resp_problem(resp, r, NULL);
}

void ca_handle_account_orders(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp,
    int64_t id)
{
	json_t *list = NULL, *orders = NULL;
	int64_t *ids = NULL, before = 0;
	size_t n = 0, i;
	char *next = NULL;
	const char *cursor = NULL;
	int r;

	if (ca_acme_auth(ctx, req, resp, CA_AUTH_KID) != 0)
		return;
	if (req->account.id != id) {
		ca_resp_problem(resp, CN_ERR_UNAUTHORIZED, "the request is not signed by this account");
		return;
	}
	/* Pagination (section 7.1.2.1): the "next" link carries ?before=ID. */
	if (req->query) {
		const char *rest = NULL;

		cursor = req->query;
		if (strncmp(cursor, "before=", 7) != 0 || ca_parse_id(cursor + 7, &before, &rest) != 0 ||
		    *rest) {
			r = cn_err_set(CN_ERR_MALFORMED, "invalid orders cursor");
			goto fail;
		}
	}
	r = ca_store_orders_by_account(ctx->store, id, before, CA_ORDERS_PAGE + 1, &ids, &n);
	if (r != 0)
		goto fail;
	orders = json_array();
	for (i = 0; i < n && i < CA_ORDERS_PAGE; i++) {
		char *u = ca_url(ctx, "/acme/order/%lld", (long long)ids[i]);

		json_array_append_new(orders, json_string(u));
		free(u);
	}
	list = json_pack("{s:O}", "orders", orders);
	ca_resp_json(resp, 200, list);
	if (n > CA_ORDERS_PAGE) {
		next = ca_url(ctx, "/acme/acct/%lld/orders?before=%lld", (long long)id,
		    (long long)ids[CA_ORDERS_PAGE - 1]);
		ca_resp_link(resp, next, "next");
	}
	goto out;
fail:
	ca_resp_problem(resp, r, NULL);
out:
	free(next);
	free(ids);
	json_decref(orders);
	json_decref(list);
}
