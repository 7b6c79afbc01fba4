/*
 * cert.c - certificate download, RFC 8555 section 7.4.2: POST-as-GET by the
 * account that ordered it returns application/pem-certificate-chain, the
 * end-entity certificate followed by the intermediate. When the CA holds an
 * alternate chain (--alternate-chain: the intermediate cross-signed by a
 * second root), /acme/cert/SERIAL/alt serves the leaf followed by it, and
 * each of the two URLs names the other with Link rel="alternate".
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "acme/acme.h"
#include "buf.h"
#include "mem.h"
#include "signer/signer.h"

#define CA_MAX_CHAIN_PEM (64 * 1024)

static bool serial_ok(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!isxdigit((unsigned char)s[n]) || isupper((unsigned char)s[n]))
			return false;
	return n > 0 && n < 48;
}

/* PEM of the stored DER as is: the signer made it and the store keeps it,
 * so it is not parsed again (with OpenSSL 3.0 d2i_X509 decodes the subject
 * key through an OSSL_DECODER, more than an ECDSA verification's CPU). The
 * bytes are those PEM_write_bio_X509 writes. */
static int der_to_pem(const unsigned char *der, size_t len, struct cn_buf *out)
{
	BIO *bio = NULL;
	char *data = NULL;
	long n;
	int r;

	bio = BIO_new(BIO_s_mem());
	if (bio == NULL || len == 0 || len > CA_MAX_CHAIN_PEM ||
	    PEM_write_bio(bio, PEM_STRING_X509, "", der, (long)len) <= 0) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "PEM_write_bio");
		goto out;
	}
	n = BIO_get_mem_data(bio, &data);
	r = cn_buf_add(out, data, (size_t)n);
out:
	BIO_free(bio);
	return r;
}

void ca_handle_cert(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp,
    const char *path)
{
	struct ca_cert c;
	struct cn_buf pem;
	const char *slash = strchr(path, '/');
	char serial[48], *other = NULL;
	bool alt = false;
	int r;

	memset(&c, 0, sizeof(c));
	cn_buf_init(&pem, CA_MAX_CHAIN_PEM);
	if (ca_acme_auth(ctx, req, resp, CA_AUTH_KID) != 0)
		return;
	/* SERIAL, or SERIAL/alt when there is an alternate chain. */
	alt = slash != NULL && strcmp(slash, "/alt") == 0 && ctx->alt_chain_pem != NULL;
	if ((slash ? (size_t)(slash - path) : strlen(path)) >= sizeof(serial))
		slash = path; /* too long: refused below */
	snprintf(serial, sizeof(serial), "%.*s", (int)(slash ? (size_t)(slash - path) : strlen(path)),
	    path);
	if (!serial_ok(serial) || (slash != NULL && !alt)) {
		r = cn_err_set(CN_ERR_NOT_FOUND, "no such certificate");
		goto fail;
	}
	r = ca_store_cert_by_serial(ctx->store, serial, &c);
	if (r == CN_ERR_NOT_FOUND || (r == 0 && c.account_id != req->account.id)) {
		r = cn_err_set(CN_ERR_NOT_FOUND, "certificate %s does not exist for this account", serial);
		goto fail;
	}
	if (r != 0)
		goto fail;
	r = der_to_pem(c.der, c.der_len, &pem);
	if (r == 0)
		r = cn_buf_adds(&pem, alt ? ctx->alt_chain_pem : ca_signer_chain_pem(ctx->signer));
	if (r != 0)
		goto fail;
	resp->status = 200;
	resp->content_type = "application/pem-certificate-chain";
	resp->body = cn_buf_take(&pem, &resp->body_len);
	if (ctx->alt_chain_pem != NULL) {
		other = ca_url(ctx, "/acme/cert/%s%s", serial, alt ? "" : "/alt");
		ca_resp_link(resp, other, "alternate");
	}
	goto out;
fail:
	ca_resp_problem(resp, r, NULL);
out:
	free(other);
	cn_buf_free(&pem);
	ca_cert_cleanup(&c);
}
