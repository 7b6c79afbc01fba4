/*
 * ari.c - ACME Renewal Information, RFC 9773: the renewalInfo resource
 * (section 4: an unauthenticated GET of /acme/renewal-info/CERTID returns
 * suggestedWindow, explanationURL when there is one, and Retry-After), the
 * certificate identifier of section 4.1 (base64url of the AKI keyIdentifier
 * "." base64url of the serial's DER content octets), and the order's
 * "replaces" field (section 5), which order.c checks.
 *
 * The window: the last third of the lifetime but its final sixth, [notBefore
 * + 2/3 L, notBefore + 5/6 L], like the schedule clients use without ARI. A
 * revoked certificate, or one an operator marked (`cairnd admin ari mark`),
 * gets a window that ended before the revocation or mark, so clients renew
 * at once (section 4.2: a window in the past).
 *
 * Left out: a Cache-Control header; the POST update of early ARI drafts
 * (RFC 9773 has none).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "acme/acme.h"
#include "b64url.h"
#include "log.h"
#include "mem.h"
#include "signer/signer.h"

#define CA_ARI_ID_MAX 256
/* A window in the past: it ended this long before the revocation or mark. */
#define CA_ARI_PAST_END_S 3600
#define CA_ARI_PAST_LEN_S 3600

int ca_ari_cert_id_parse(const struct ca_ctx *ctx, const char *cert_id, char serial[48])
{
	const ASN1_OCTET_STRING *ski;
	const char *dot;
	unsigned char *aki = NULL, *ser = NULL;
	size_t aki_len = 0, ser_len = 0, i;
	int r;

	dot = strchr(cert_id, '.');
	if (strlen(cert_id) > CA_ARI_ID_MAX || dot == NULL || dot == cert_id || dot[1] == '\0' ||
	    strchr(dot + 1, '.') != NULL) {
		r = cn_err_set(CN_ERR_MALFORMED,
		    "'%.100s' is not a certificate identifier (base64url(AKI) \".\" base64url(serial))",
		    cert_id);
		goto out;
	}
	r = cn_b64url_decode(cert_id, (size_t)(dot - cert_id), &aki, &aki_len);
	if (r == 0)
		r = cn_b64url_decode(dot + 1, strlen(dot + 1), &ser, &ser_len);
	if (r != 0 || ser_len == 0 || ser_len > CA_SERIAL_MAX_LEN + 1) {
		r = cn_err_set(CN_ERR_MALFORMED,
		    "certificate identifier '%.100s' is not two base64url parts", cert_id);
		goto out;
	}
	ski = X509_get0_subject_key_id(ca_signer_issuer_cert(ctx->signer));
	if (ski == NULL || (size_t)ASN1_STRING_length(ski) != aki_len ||
	    memcmp(ASN1_STRING_get0_data(ski), aki, aki_len) != 0) {
		r = cn_err_set(CN_ERR_NOT_FOUND,
		    "certificate identifier '%.100s' names another issuer", cert_id);
		goto out;
	}
	/* The serial's content octets are what ca_serial_hex encoded at issuance. */
	for (i = 0; i < ser_len; i++)
		snprintf(serial + 2 * i, 3, "%02x", ser[i]);
	serial[2 * ser_len] = '\0';
	r = 0;
out:
	free(aki);
	free(ser);
	return r;
}

void ca_ari_order_decorate(const struct ca_ctx *ctx, json_t *order, int64_t order_id)
{
	char *cert_id = NULL;

	if (ca_store_order_replaces_get(ctx->store, order_id, &cert_id) == 0)
		json_object_set_new(order, "replaces", json_string(cert_id));
	free(cert_id);
}

static void set_time(json_t *obj, const char *key, int64_t t)
{
	char buf[32];

	ca_time_fmt(t, buf);
	json_object_set_new(obj, key, json_string(buf));
}

void ca_handle_renewal_info(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp,
    const char *cert_id)
{
	struct ca_cert c;
	json_t *j = NULL, *win = NULL;
	char serial[48], *mark_url = NULL;
	const char *explanation = NULL;
	int64_t start, end, life, marked = 0, past = 0;
	int r;

	memset(&c, 0, sizeof(c));
	resp->no_nonce = true; /* a cacheable GET (section 6) */
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
		ca_resp_header(resp, "Allow", "GET, HEAD");
		ca_resp_problem(resp, CN_ERR_METHOD, "renewalInfo is fetched with GET");
		return;
	}
	r = ca_ari_cert_id_parse(ctx, cert_id, serial);
	if (r == 0)
		r = ca_store_cert_by_serial(ctx->store, serial, &c);
	if (r == CN_ERR_NOT_FOUND)
		r = cn_err_set(CN_ERR_NOT_FOUND, "no certificate of this CA has the identifier '%.100s'",
		    cert_id);
	if (r != 0)
		goto fail;
	life = c.not_after - c.not_before + 1;
	start = c.not_before + life / 3 * 2;
	end = c.not_before + life / 6 * 5;
	if (c.status == CA_ST_REVOKED)
		past = c.revoked_at;
	r = ca_store_ari_mark_get(ctx->store, serial, &marked, &mark_url);
	if (r == 0) {
		if (past == 0 || marked < past)
			past = marked;
		if (mark_url[0])
			explanation = mark_url;
	} else if (r != CN_ERR_NOT_FOUND) {
		goto fail;
	}
	if (past != 0) {
		end = past - CA_ARI_PAST_END_S;
		start = end - CA_ARI_PAST_LEN_S;
	}
	if (end <= start) /* section 4.2: never serve such a window */
		end = start + 1;
	if (explanation == NULL && ctx->cfg->ari_explanation_url[0])
		explanation = ctx->cfg->ari_explanation_url;
	win = json_object();
	set_time(win, "start", start);
	set_time(win, "end", end);
	j = json_object();
	json_object_set_new(j, "suggestedWindow", win);
	win = NULL;
	if (explanation)
		json_object_set_new(j, "explanationURL", json_string(explanation));
	ca_resp_json(resp, 200, j);
	ca_resp_header(resp, "Retry-After", "%lld", (long long)ctx->cfg->ari_retry_after_s);
	goto out;
fail:
	ca_resp_problem(resp, r, NULL);
out:
	free(mark_url);
	json_decref(win);
	json_decref(j);
	ca_cert_cleanup(&c);
}
