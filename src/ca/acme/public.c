/*
 * public.c - the plain-HTTP listener's resources (--http-listen): what
 * relying parties fetch without ACME. GET /issuer-cert returns the
 * intermediate as DER (application/pkix-cert), the URL that every issued
 * certificate's AIA caIssuers names (RFC 5280 section 4.2.2.1, BR 7.1.2.7.7).
 * /ocsp (OCSP, AIA id-ad-ocsp) and /crl/N.crl (CRL DP) are answered by
 * revocation/responder.c.
 */
#include <string.h>

#include "acme/acme.h"
#include "mem.h"
#include "revocation/revocation.h"
#include "signer/signer.h"

#define CA_ISSUER_MAX_AGE_S 86400

static void not_found(struct ca_resp *resp)
{
	static const char msg[] = "not found\n";

	resp->status = 404;
	resp->content_type = "text/plain";
	resp->body = cn_xstrdup(msg);
	resp->body_len = strlen(msg);
}

void ca_public_handle(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp)
{
	const unsigned char *der;
	size_t len = 0;

	resp->no_nonce = true;
	if (ctx->revocation != NULL && (strcmp(req->path, "/ocsp") == 0 ||
	    strncmp(req->path, "/ocsp/", 6) == 0)) {
		ca_revocation_handle_ocsp(ctx->revocation, req, resp);
		return;
	}
	if (req->reject_code != 0) {
		resp->status = cn_err_http_status(req->reject_code);
		resp->content_type = "text/plain";
		resp->body = cn_xstrdup(req->reject_detail);
		resp->body_len = strlen(resp->body);
		return;
	}
	if (ctx->revocation != NULL && strncmp(req->path, "/crl/", 5) == 0) {
		ca_revocation_handle_crl(ctx->revocation, req, resp);
		return;
	}
	if (strcmp(req->path, "/issuer-cert") != 0) {
		not_found(resp);
		return;
	}
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
		resp->status = 405;
		resp->content_type = "text/plain";
		ca_resp_header(resp, "Allow", "GET, HEAD");
		return;
	}
	der = ca_signer_issuer_der(ctx->signer, &len);
	resp->status = 200;
	resp->content_type = "application/pkix-cert";
	resp->body = cn_xmemdup(der, len);
	resp->body_len = len;
	ca_resp_header(resp, "Cache-Control", "public, max-age=%d", CA_ISSUER_MAX_AGE_S);
}
