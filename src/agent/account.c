/*
 * account.c - the ACME account of the agent at one CA (RFC 8555 section
 * 7.3): the key lives in the signer (STATE/accounts/ID/account.key), the
 * account URL in account.json. Finding an existing account uses
 * onlyReturnExisting (section 7.3.1); registering sends contact,
 * termsOfServiceAgreed and, when configured, an External Account Binding
 * (section 7.3.4) MACed here with the EAB key given on the command line.
 */
#include "agent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "b64url.h"
#include "certinfo.h"
#include "jose/jws.h"
#include "json.h"
#include "log.h"
#include "mem.h"

void agent_account_opts_from(const struct agent_opts *o, struct agent_account_opts *ao)
{
	memset(ao, 0, sizeof(*ao));
	ao->contact = o->contact;
	ao->n_contact = o->n_contact;
	ao->agree_tos = o->agree_tos;
	ao->eab_kid = o->eab_kid;
	ao->eab_hmac_key = o->eab_hmac_key;
	ao->key_type = o->account_key_type ? o->account_key_type : "p256";
}

/* contact list: an address without a scheme gets "mailto:" */
static json_t *contact_json(const struct agent_account_opts *ao)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < ao->n_contact; i++) {
		const char *c = ao->contact[i];

		if (strchr(c, ':') == NULL) {
			size_t n = strlen(c) + 8;
			char *m = cn_xmalloc(n);

			snprintf(m, n, "mailto:%s", c);
			json_array_append_new(arr, json_string(m));
			free(m);
		} else {
			json_array_append_new(arr, json_string(c));
		}
	}
	return arr;
}

static int eab_member(struct agent_acme *a, const struct agent_account_opts *ao, json_t **out)
{
	unsigned char *key = NULL;
	size_t key_len = 0;
	int r;

	if (ao->eab_kid == NULL && ao->eab_hmac_key == NULL) {
		if (a->eab_required)
			return cn_err_set(CN_ERR_EXTERNAL_ACCOUNT,
			    "the CA requires external account binding: give --eab-kid and --eab-hmac-key");
		*out = NULL;
		return 0;
	}
	if (ao->eab_kid == NULL || ao->eab_hmac_key == NULL)
		return cn_err_set(CN_ERR_USAGE, "--eab-kid and --eab-hmac-key go together");
	r = cn_b64url_decode(ao->eab_hmac_key, strlen(ao->eab_hmac_key), &key, &key_len);
	if (r != 0) {
		/* some CAs hand out the key with padding or in standard base64 */
		size_t n = strlen(ao->eab_hmac_key);

		while (n > 0 && ao->eab_hmac_key[n - 1] == '=')
			n--;
		r = cn_b64url_decode(ao->eab_hmac_key, n, &key, &key_len);
		if (r != 0)
			r = cn_b64_decode(ao->eab_hmac_key, strlen(ao->eab_hmac_key), &key, &key_len);
		if (r != 0)
			return cn_err_set(CN_ERR_USAGE, "--eab-hmac-key is not base64url");
	}
	r = cn_jws_eab_sign(key, key_len, ao->eab_kid, a->u_new_account, a->jwk, out);
	cn_free_secret(key, key_len);
	return r;
}

int agent_account_open(struct agent_ctx *ctx, struct agent_acme *a,
    const struct agent_account_opts *ao, bool may_register, bool *created)
{
	struct agent_account_opts none;
	struct cn_http_resp resp;
	json_t *acct = NULL, *payload = NULL, *obj = NULL, *eab = NULL;
	char *rel = NULL, *body = NULL;
	const char *url = NULL;
	bool have_resp = false;
	int r;

	if (ao == NULL) {
		memset(&none, 0, sizeof(none));
		none.key_type = "p256";
		ao = &none;
	}
	if (created != NULL)
		*created = false;
	r = agent_account_key_rel(&ctx->st, a->dir_url, &rel);
	if (r != 0)
		goto out;
	json_decref(a->jwk);
	a->jwk = NULL;
	r = agent_signer_load_key(ctx->signer, AGENT_SLOT_ACCOUNT, rel, may_register ? ao->key_type : NULL,
	    false, &a->jwk, a->thumbprint);
	if (r == CN_ERR_NOT_FOUND) {
		r = cn_err_set(CN_ERR_ACCOUNT_DNE, "no account for %s in %s (run `cairn account register`)",
		    a->dir_url, ctx->st.dir);
		goto out;
	}
	if (r != 0)
		goto out;
	free(a->account_key_rel);
	a->account_key_rel = cn_xstrdup(rel);
	ctx->key_loaded_for = a;
	r = agent_account_load(&ctx->st, a->dir_url, &acct);
	if (r == 0 && cn_json_opt_str(acct, "url", &url) == 0 && url != NULL &&
	    !json_is_true(json_object_get(acct, "deactivated"))) {
		free(a->kid);
		a->kid = cn_xstrdup(url);
		r = 0;
		goto out;
	}
	if (r != 0 && r != CN_ERR_NOT_FOUND)
		goto out;
	/* no recorded URL: look the key up, or register it */
	payload = json_object();
	if (may_register) {
		json_t *c = contact_json(ao);

		if (json_array_size(c) > 0)
			json_object_set_new(payload, "contact", c);
		else
			json_decref(c);
		if (ao->agree_tos)
			json_object_set_new(payload, "termsOfServiceAgreed", json_true());
		r = eab_member(a, ao, &eab);
		if (r != 0)
			goto out;
		if (eab != NULL)
			json_object_set(payload, "externalAccountBinding", eab);
	} else {
		json_object_set_new(payload, "onlyReturnExisting", json_true());
	}
	body = cn_json_dump(payload);
	r = agent_acme_post(a, a->u_new_account, body, AGENT_POST_JWK, &resp, &obj);
	if (r == CN_ERR_ACCOUNT_DNE && !may_register) {
		r = cn_err_set(CN_ERR_ACCOUNT_DNE, "%s has no account for this key (run `cairn account register`)",
		    a->dir_url);
		goto out;
	}
	if (r != 0)
		goto out;
	have_resp = true;
	if (resp.location == NULL) {
		r = cn_err_set(CN_ERR_MALFORMED, "newAccount response has no Location");
		goto out;
	}
	free(a->kid);
	a->kid = cn_xstrdup(resp.location);
	if (created != NULL)
		*created = resp.status == 201;
	CN_LOG(CN_LOG_INFO, "agent", "%s account %s", resp.status == 201 ? "registered" : "found", a->kid);
	json_decref(acct);
	acct = json_object();
	json_object_set_new(acct, "server", json_string(a->dir_url));
	json_object_set_new(acct, "url", json_string(a->kid));
	if (obj != NULL && json_object_get(obj, "contact") != NULL)
		json_object_set(acct, "contact", json_object_get(obj, "contact"));
	{
		char t[32];

		agent_fmt_time((int64_t)time(NULL), t);
		json_object_set_new(acct, "created", json_string(t));
	}
	r = agent_account_save(&ctx->st, a->dir_url, acct);
out:
	if (have_resp)
		cn_http_resp_cleanup(&resp);
	json_decref(acct);
	json_decref(payload);
	json_decref(obj);
	json_decref(eab);
	free(rel);
	free(body);
	return r;
}
