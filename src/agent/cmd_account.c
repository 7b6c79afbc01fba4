/*
 * cmd_account.c - `cairn account register|show|update|deactivate|rollover`
 * at --server (RFC 8555 sections 7.3, 7.3.2 update, 7.3.5 key rollover,
 * 7.3.6 deactivation). A deactivated account's directory is moved aside
 * (accounts/ID.deactivated-TIME) since its key can never be used again.
 */
#include "agent.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "log.h"
#include "mem.h"

static void print_json(const json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);

	if (s == NULL)
		abort();
	printf("%s\n", s);
	free(s);
}

static int post_account(struct agent_acme *a, const char *payload, json_t **obj)
{
	struct cn_http_resp resp;
	int r;

	r = agent_acme_post(a, a->kid, payload, 0, &resp, obj);
	if (r == 0)
		cn_http_resp_cleanup(&resp);
	return r;
}

static int account_show(struct agent_acme *a)
{
	json_t *obj = NULL;
	int r;

	r = post_account(a, NULL, &obj);
	if (r != 0)
		return r;
	if (obj != NULL) {
		json_object_set_new(obj, "url", json_string(a->kid));
		print_json(obj);
	}
	json_decref(obj);
	return 0;
}

static int account_update(struct agent_ctx *ctx, struct agent_acme *a)
{
	json_t *p = json_object(), *arr = json_array(), *obj = NULL, *acct = NULL;
	char *body;
	size_t i;
	int r;

	for (i = 0; i < ctx->o->n_contact; i++) {
		const char *c = ctx->o->contact[i];
		char buf[512];

		snprintf(buf, sizeof(buf), "%s%s", strchr(c, ':') ? "" : "mailto:", c);
		json_array_append_new(arr, json_string(buf));
	}
	json_object_set_new(p, "contact", arr);
	body = cn_json_dump(p);
	r = post_account(a, body, &obj);
	if (r == 0 && agent_account_load(&ctx->st, a->dir_url, &acct) == 0) {
		json_object_set(acct, "contact", json_object_get(p, "contact"));
		r = agent_account_save(&ctx->st, a->dir_url, acct);
	}
	if (r == 0 && obj != NULL) {
		json_object_set_new(obj, "url", json_string(a->kid));
		print_json(obj);
	}
	json_decref(p);
	json_decref(obj);
	json_decref(acct);
	free(body);
	return r;
}

static int account_deactivate(struct agent_ctx *ctx, struct agent_acme *a)
{
	json_t *obj = NULL;
	char *id = NULL, *from = NULL, *to = NULL;
	size_t n;
	int r;

	r = post_account(a, "{\"status\":\"deactivated\"}", &obj);
	json_decref(obj);
	if (r != 0)
		return r;
	id = agent_account_id(a->dir_url);
	n = strlen(ctx->st.dir) + strlen(id) + 64;
	from = cn_xmalloc(n);
	to = cn_xmalloc(n);
	snprintf(from, n, "%s/accounts/%s", ctx->st.dir, id);
	snprintf(to, n, "%s/accounts/%s.deactivated-%lld", ctx->st.dir, id, (long long)time(NULL));
	if (rename(from, to) != 0)
		r = cn_err_set(CN_ERR_IO, "rename %s: %s", from, strerror(errno));
	else
		printf("deactivated %s\n", a->kid);
	free(id);
	free(from);
	free(to);
	return r;
}

/* RFC 8555 7.3.5: inner JWS by the new key over {account, oldKey}, outer by the old. */
static int account_rollover(struct agent_ctx *ctx, struct agent_acme *a)
{
	struct cn_http_resp resp;
	json_t *new_jwk = NULL, *inner_p = NULL;
	char *dir = NULL, *new_rel = NULL, *new_abs = NULL, *cur_abs = NULL;
	char *inner_body = NULL, *inner = NULL, thumb[44];
	const char *kt = ctx->o->account_key_type ? ctx->o->account_key_type : "p256";
	size_t n;
	int r;

	if (a->u_key_change == NULL)
		return cn_err_set(CN_ERR_USAGE, "the CA's directory has no keyChange");
	dir = agent_account_id(a->dir_url);
	n = strlen(dir) + 64;
	new_rel = cn_xmalloc(n);
	snprintf(new_rel, n, "accounts/%s/account-new.key", dir);
	r = agent_signer_load_key(ctx->signer, AGENT_SLOT_NEW_ACCOUNT, new_rel, kt, true, &new_jwk, thumb);
	if (r != 0)
		goto out;
	inner_p = json_pack("{s:s,s:O}", "account", a->kid, "oldKey", a->jwk);
	inner_body = cn_json_dump(inner_p);
	r = agent_signer_jws(ctx->signer, AGENT_SLOT_NEW_ACCOUNT, NULL, NULL, a->u_key_change, inner_body, &inner);
	if (r != 0)
		goto out;
	r = agent_acme_post(a, a->u_key_change, inner, 0, &resp, NULL);
	if (r != 0)
		goto out;
	cn_http_resp_cleanup(&resp);
	/* the CA now knows the new key: make it the account key */
	new_abs = agent_state_path(&ctx->st, new_rel);
	n = strlen(ctx->st.dir) + strlen(dir) + 64;
	cur_abs = cn_xmalloc(n);
	snprintf(cur_abs, n, "%s/accounts/%s/account.key", ctx->st.dir, dir);
	if (rename(new_abs, cur_abs) != 0) {
		r = cn_err_set(CN_ERR_IO, "rename %s: %s (the CA has the new key: rename it by hand)", new_abs,
		    strerror(errno));
		goto out;
	}
	json_decref(a->jwk);
	a->jwk = NULL;
	r = agent_signer_load_key(ctx->signer, AGENT_SLOT_ACCOUNT, a->account_key_rel, NULL, false, &a->jwk,
	    a->thumbprint);
	if (r == 0)
		printf("rolled over the key of %s (new thumbprint %s)\n", a->kid, thumb);
out:
	json_decref(new_jwk);
	json_decref(inner_p);
	free(dir);
	free(new_rel);
	free(new_abs);
	free(cur_abs);
	free(inner_body);
	free(inner);
	return r;
}

int agent_cmd_account(struct agent_ctx *ctx)
{
	const struct agent_opts *o = ctx->o;
	struct agent_account_opts ao;
	struct agent_acme *a = NULL;
	bool reg = strcmp(o->sub, "register") == 0;
	bool created = false;
	int r;

	if (strcmp(o->sub, "update") == 0 && o->n_contact == 0) {
		fprintf(stderr, "cairn: account update: give --contact (repeatable)\n");
		return AGENT_EXIT_USAGE;
	}
	agent_account_opts_from(o, &ao);
	r = agent_state_lock(&ctx->st, true);
	if (r != 0)
		goto out;
	r = agent_session_get(ctx, o->server, o->ca_bundle, false, NULL, false, &a);
	if (r != 0)
		goto out;
	r = agent_account_open(ctx, a, &ao, reg, &created);
	if (r != 0)
		goto out;
	if (reg) {
		printf("%s %s\n", created ? "registered" : "already registered:", a->kid);
		if (o->json)
			r = account_show(a);
	} else if (strcmp(o->sub, "show") == 0) {
		r = account_show(a);
	} else if (strcmp(o->sub, "update") == 0) {
		r = account_update(ctx, a);
	} else if (strcmp(o->sub, "deactivate") == 0) {
		r = account_deactivate(ctx, a);
	} else {
		r = account_rollover(ctx, a);
	}
out:
	agent_state_unlock(&ctx->st);
	if (r != 0) {
		agent_report("account", r);
		return AGENT_EXIT_FAILED;
	}
	return AGENT_EXIT_CHANGED;
}
