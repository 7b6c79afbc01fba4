/*
 * directory.c - the directory resource (RFC 8555 section 7.1.1) with its
 * meta object (termsOfService, website, caaIdentities,
 * externalAccountRequired), plus newAuthz (section 7.4.1), renewalInfo
 * (RFC 9773 section 3) and meta.profiles (draft-ietf-acme-profiles
 * section 3).
 */
#include <stdlib.h>
#include <string.h>

#include "acme/acme.h"
#include "mem.h"
#include "profile.h"

static void set_url(json_t *obj, const char *key, char *url)
{
	json_object_set_new(obj, key, json_string(url));
	free(url);
}

void ca_handle_directory(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp)
{
	const struct ca_config *cfg = ctx->cfg;
	json_t *dir = json_object();
	json_t *meta = json_object();
	json_t *caa = json_array();
	char *ids = cn_xstrdup(cfg->caa_identities), *save = NULL, *tok;
	struct ca_profile p;
	json_t *profiles;
	size_t i;

	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0 &&
	    strcmp(req->method, "POST") != 0) {
		ca_resp_header(resp, "Allow", "GET, HEAD, POST");
		ca_resp_problem(resp, CN_ERR_METHOD, "use GET for the directory");
		goto out;
	}
	set_url(dir, "newNonce", ca_url(ctx, "/acme/new-nonce"));
	set_url(dir, "newAccount", ca_url(ctx, "/acme/new-account"));
	set_url(dir, "newOrder", ca_url(ctx, "/acme/new-order"));
	set_url(dir, "revokeCert", ca_url(ctx, "/acme/revoke-cert"));
	set_url(dir, "keyChange", ca_url(ctx, "/acme/key-change"));
	set_url(dir, "newAuthz", ca_url(ctx, "/acme/new-authz"));
	set_url(dir, "renewalInfo", ca_url(ctx, "/acme/renewal-info"));
	json_object_set_new(meta, "termsOfService", json_string(cfg->tos_url));
	if (cfg->website[0])
		json_object_set_new(meta, "website", json_string(cfg->website));
	for (tok = strtok_r(ids, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (*tok)
			json_array_append_new(caa, json_string(tok));
	json_object_set_new(meta, "caaIdentities", caa);
	caa = NULL;
	json_object_set_new(meta, "externalAccountRequired", json_boolean(cfg->eab_required));
	profiles = json_object();
	for (i = 0; i < CA_N_PROFILES; i++) {
		ca_profile_at(cfg, i, &p);
		json_object_set_new(profiles, p.name, json_string(p.description));
	}
	json_object_set_new(meta, "profiles", profiles);
	json_object_set_new(dir, "meta", meta);
	meta = NULL;
	ca_resp_json(resp, 200, dir);
	resp->no_nonce = true;
out:
	free(ids);
	json_decref(caa);
	json_decref(meta);
	json_decref(dir);
}
