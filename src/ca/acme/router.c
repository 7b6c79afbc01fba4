/*
 * router.c - maps a request path to its ACME resource handler and adds what
 * every response carries: a fresh Replay-Nonce (RFC 8555 section 6.5) and
 * the Link rel="index" to the directory (section 7.1).
 */
#include <stdlib.h>
#include <string.h>

#include "acme/acme.h"
#include "log.h"
#include "mem.h"

static bool path_is(const char *path, const char *want)
{
	return strcmp(path, want) == 0;
}

/* Matches PREFIX<id>[SUFFIX]; returns true with *id set. */
static bool path_id(const char *path, const char *prefix, const char *suffix, int64_t *id)
{
	size_t n = strlen(prefix);
	const char *rest = NULL;

	if (strncmp(path, prefix, n) != 0)
		return false;
	if (ca_parse_id(path + n, id, &rest) != 0)
		return false;
	return strcmp(rest, suffix) == 0;
}

static void handle_terms(struct ca_req *req, struct ca_resp *resp)
{
	static const char terms[] =
	    "cairn ACME CA: terms of service.\n\n"
	    "Certificates are issued to whoever proves control of the identifiers\n"
	    "in an order, as RFC 8555 describes. The operator of this instance may\n"
	    "revoke any certificate that was issued in error or whose key is\n"
	    "compromised. No warranty is given.\n";

	(void)req;
	resp->status = 200;
	resp->content_type = "text/plain; charset=utf-8";
	resp->body = cn_xstrdup(terms);
	resp->body_len = strlen(terms);
	resp->no_nonce = true;
}

static void route(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp)
{
	const char *p = req->path;
	int64_t id = 0;

	if (path_is(p, "/directory")) {
		ca_handle_directory(ctx, req, resp);
	} else if (path_is(p, "/acme/new-nonce")) {
		ca_handle_new_nonce(ctx, req, resp);
	} else if (path_is(p, "/acme/new-account")) {
		ca_handle_new_account(ctx, req, resp);
	} else if (path_is(p, "/acme/new-order")) {
		ca_handle_new_order(ctx, req, resp);
	} else if (path_is(p, "/acme/revoke-cert")) {
		ca_handle_revoke(ctx, req, resp);
	} else if (path_is(p, "/acme/key-change")) {
		ca_handle_key_change(ctx, req, resp);
	} else if (path_is(p, "/acme/new-authz")) {
		ca_handle_new_authz(ctx, req, resp);
	} else if (strncmp(p, "/acme/renewal-info/", 19) == 0) {
		ca_handle_renewal_info(ctx, req, resp, p + 19);
	} else if (path_id(p, "/acme/acct/", "", &id)) {
		ca_handle_account(ctx, req, resp, id);
	} else if (path_id(p, "/acme/acct/", "/orders", &id)) {
		ca_handle_account_orders(ctx, req, resp, id);
	} else if (path_id(p, "/acme/order/", "", &id)) {
		ca_handle_order(ctx, req, resp, id);
	} else if (path_id(p, "/acme/order/", "/finalize", &id)) {
		ca_handle_finalize(ctx, req, resp, id);
	} else if (path_id(p, "/acme/authz/", "", &id)) {
		ca_handle_authz(ctx, req, resp, id);
	} else if (path_id(p, "/acme/chall/", "", &id)) {
		ca_handle_challenge(ctx, req, resp, id);
	} else if (strncmp(p, "/acme/cert/", 11) == 0) {
		ca_handle_cert(ctx, req, resp, p + 11);
	} else if (path_is(p, "/terms")) {
		handle_terms(req, resp);
	} else {
		ca_resp_problem(resp, CN_ERR_NOT_FOUND, "no such resource");
	}
}

void ca_acme_handle(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp)
{
	char *nonce = NULL;
	char *index = NULL;
	int r;

	if (req->reject_code != 0)
		ca_resp_problem(resp, req->reject_code, req->reject_detail);
	else
		route(ctx, req, resp);
	if (resp->status == 0)
		ca_resp_problem(resp, CN_ERR_INTERNAL, "no response was produced");
	if (!resp->no_nonce) {
		r = ca_nonce_new(ctx, req->now, &nonce);
		if (r == 0)
			ca_resp_header(resp, "Replay-Nonce", "%s", nonce);
		else
			CN_LOG(CN_LOG_ERR, "acme", "cannot create a nonce: %s", cn_err_detail());
		free(nonce);
	}
	if (!path_is(req->path, "/directory") && !path_is(req->path, "/terms")) {
		index = ca_url(ctx, "/directory");
		ca_resp_link(resp, index, "index");
		free(index);
	}
}
