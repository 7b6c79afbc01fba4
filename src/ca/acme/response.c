/*
 * response.c - building HTTP responses for the ACME layer: JSON bodies,
 * RFC 8555 section 6.7 problem documents (RFC 7807), headers and links.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme/acme.h"
#include "buf.h"
#include "json.h"
#include "log.h"
#include "mem.h"

#define PROBLEM_PREFIX "urn:ietf:params:acme:error:"

void ca_resp_header(struct ca_resp *resp, const char *name, const char *fmt, ...)
{
	char value[2048];
	va_list ap;

	if (resp->n_headers >= CA_MAX_HEADERS) {
		CN_LOG(CN_LOG_ERR, "acme", "too many response headers, dropping %s", name);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	resp->header_names[resp->n_headers] = cn_xstrdup(name);
	resp->header_values[resp->n_headers] = cn_xstrdup(value);
	resp->n_headers++;
}

void ca_resp_link(struct ca_resp *resp, const char *url, const char *rel)
{
	ca_resp_header(resp, "Link", "<%s>;rel=\"%s\"", url, rel);
}

void ca_resp_retry_after(struct ca_resp *resp, int seconds)
{
	ca_resp_header(resp, "Retry-After", "%d", seconds);
}

static void resp_set_body(struct ca_resp *resp, char *body)
{
	free(resp->body);
	resp->body = body;
	resp->body_len = strlen(body);
}

void ca_resp_json(struct ca_resp *resp, int status, const json_t *j)
{
	resp->status = status;
	resp->content_type = "application/json";
	resp_set_body(resp, cn_json_dump(j));
}

json_t *ca_problem_json(int code, const char *detail, const json_t *identifier)
{
	char type[128];
	json_t *p;

	snprintf(type, sizeof(type), PROBLEM_PREFIX "%s", cn_err_problem(code));
	p = json_pack("{s:s, s:s, s:i}", "type", type, "detail",
	    detail && detail[0] ? detail : cn_err_str(code), "status", cn_err_http_status(code));
	if (p == NULL)
		abort();
	if (identifier)
		json_object_set(p, "identifier", (json_t *)identifier);
	return p;
}

void ca_resp_problem_sub(struct ca_resp *resp, int code, const char *detail, json_t *subproblems)
{
	json_t *p;

	if (detail == NULL)
		detail = cn_err_detail();
	p = ca_problem_json(code, detail, NULL);
	if (code == CN_ERR_BAD_SIG_ALG) {
		/* RFC 8555 section 6.2: list the algorithms we accept. */
		json_t *algs = json_array();
		char list[] = CN_JWS_ALGORITHMS;
		char *save = NULL, *tok;

		for (tok = strtok_r(list, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
			json_array_append_new(algs, json_string(tok));
		json_object_set_new(p, "algorithms", algs);
	}
	if (subproblems)
		json_object_set_new(p, "subproblems", subproblems);
	resp->status = cn_err_http_status(code);
	resp->content_type = "application/problem+json";
	resp_set_body(resp, cn_json_dump(p));
	json_decref(p);
	if (resp->status >= 500)
		CN_LOG(CN_LOG_ERR, "acme", "%s: %s", cn_err_str(code), detail);
}

void ca_resp_problem(struct ca_resp *resp, int code, const char *detail)
{
	ca_resp_problem_sub(resp, code, detail, NULL);
}

void ca_resp_tos_required(const struct ca_ctx *ctx, struct ca_resp *resp,
    const struct ca_account *a)
{
	char *acct = ca_url(ctx, "/acme/acct/%lld", (long long)a->id);
	json_t *p;

	p = ca_problem_json(CN_ERR_USER_ACTION, "the terms of service have changed: agree to "
	    "them again by POSTing {\"termsOfServiceAgreed\": true} to the account URL", NULL);
	json_object_set_new(p, "instance", json_string(ctx->cfg->tos_url));
	resp->status = cn_err_http_status(CN_ERR_USER_ACTION);
	resp->content_type = "application/problem+json";
	resp_set_body(resp, cn_json_dump(p));
	json_decref(p);
	ca_resp_header(resp, "Link", "<%s>;rel=\"terms-of-service\"", ctx->cfg->tos_url);
	CN_LOG(CN_LOG_INFO, "acme", "acct=%lld must agree to terms version %s (agreed: '%s'): %s",
	    (long long)a->id, ctx->cfg->tos_version, a->tos_version, acct);
	free(acct);
}

void ca_resp_cleanup(struct ca_resp *resp)
{
	size_t i;

	free(resp->body);
	for (i = 0; i < resp->n_headers; i++) {
		free(resp->header_names[i]);
		free(resp->header_values[i]);
	}
	memset(resp, 0, sizeof(*resp));
}

void ca_req_cleanup(struct ca_req *req)
{
	cn_jws_free(req->jws);
	req->jws = NULL;
	EVP_PKEY_free(req->key);
	req->key = NULL;
	if (req->has_account)
		ca_account_cleanup(&req->account);
	req->has_account = false;
	json_decref(req->payload);
	req->payload = NULL;
}
