/*
 * test_responder.c - unit tests for src/ca/revocation/responder.c on a real
 * store and signer: malformed, unsupported-hash and other-issuer requests
 * (RFC 6960 2.3, RFC 9919 3.2.3); unknown for serials never issued (BR
 * 4.9.9), cached; a certificate whose stored response has not arrived is
 * answered by signing on demand without writing the store; the on-demand
 * budget ends in tryLater; the HTTP layer (GET with URL-decoded base64,
 * POST, methods, caching headers, no-cache on errors) and CRL paths; shard
 * choice and URLs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "acme/acme.h"
#include "b64url.h"
#include "rv_fixture.h"

#define SERIAL "5364825100bfe5f170186ad276b0ae29"
static const unsigned char malformed[] = {0x30, 0x03, 0x0a, 0x01, 0x01};
static const unsigned char unauthorized[] = {0x30, 0x03, 0x0a, 0x01, 0x06};

static void test_error_answers(void **state)
{
	struct rvfx *r = *state;
	int64_t now = (int64_t)time(NULL);
	struct ca_ocsp_answer a;
	unsigned char *der = NULL, junk[50];
	size_t len;
	X509 *api_ca = NULL;
	char path[200];

	memset(junk, 0x30, sizeof(junk));
	ca_revocation_ocsp_answer(r->rv, junk, sizeof(junk), now, &a);
	assert_int_equal(a.kind, CA_OCSP_ANSWER_MALFORMED);
	assert_int_equal(a.der_len, sizeof(malformed));
	assert_memory_equal(a.der, malformed, sizeof(malformed));
	ca_ocsp_answer_cleanup(&a);
	/* SHA-384 CertIDs are not answered */
	len = rvfx_request(r, NULL, EVP_sha384(), SERIAL, &der);
	ca_revocation_ocsp_answer(r->rv, der, len, now, &a);
	assert_int_equal(a.kind, CA_OCSP_ANSWER_MALFORMED);
	OPENSSL_free(der);
	ca_ocsp_answer_cleanup(&a);
	/* another issuer: unauthorized, with either hash */
	snprintf(path, sizeof(path), "%s/api-ca.pem", r->pki);
	assert_int_equal(cn_cert_load(path, &api_ca), 0);
	len = rvfx_request(r, api_ca, EVP_sha1(), SERIAL, &der);
	ca_revocation_ocsp_answer(r->rv, der, len, now, &a);
	assert_int_equal(a.kind, CA_OCSP_ANSWER_UNAUTHORIZED);
	assert_memory_equal(a.der, unauthorized, sizeof(unauthorized));
	OPENSSL_free(der);
	ca_ocsp_answer_cleanup(&a);
	len = rvfx_request(r, api_ca, EVP_sha256(), SERIAL, &der);
	ca_revocation_ocsp_answer(r->rv, der, len, now, &a);
	assert_int_equal(a.kind, CA_OCSP_ANSWER_UNAUTHORIZED);
	OPENSSL_free(der);
	ca_ocsp_answer_cleanup(&a);
	X509_free(api_ca);
}

static void test_unknown_never_good(void **state)
{
	struct rvfx *r = *state;
	int64_t now = (int64_t)time(NULL);
	struct ca_ocsp_answer a, b;
	static const char *const serials[] = {SERIAL, "ff01", "00ff", "01",
		"0102030405060708090a0b0c0d0e0f101112131415161718"};
	size_t i;

	for (i = 0; i < sizeof(serials) / sizeof(serials[0]); i++) {
		rvfx_ask(r, serials[i], now, &a);
		assert_int_equal(rvfx_status(r, &a, serials[i], NULL), V_OCSP_CERTSTATUS_UNKNOWN);
		/* cached: the same bytes again */
		rvfx_ask(r, serials[i], now, &b);
		assert_int_equal(b.der_len, a.der_len);
		assert_memory_equal(b.der, a.der, a.der_len);
		assert_true(a.max_age > 0 && a.max_age <= 3600);
		assert_true(a.next_update - a.this_update + 1 >= CA_OCSP_MIN_VALIDITY_S);
		ca_ocsp_answer_cleanup(&a);
		ca_ocsp_answer_cleanup(&b);
	}
}

static void test_miss_signs_on_demand(void **state)
{
	struct rvfx *r = *state;
	int64_t now = (int64_t)time(NULL);
	struct ca_ocsp_answer a;
	struct ca_ocsp_row row;
	int reason = -1;

	fx_cert(r->store, SERIAL, "k1", now + 86400, 0);
	rvfx_ask(r, SERIAL, now, &a);
	assert_int_equal(rvfx_status(r, &a, SERIAL, NULL), V_OCSP_CERTSTATUS_GOOD);
	ca_ocsp_answer_cleanup(&a);
	/* nothing written: that is the refresher's job */
	memset(&row, 0, sizeof(row));
	assert_int_equal(ca_store_ocsp_get(r->store->st, SERIAL, &row), CN_ERR_NOT_FOUND);
	/* the refresher's stored response replaces the on-demand one */
	assert_int_equal(ca_store_cert_revoke(r->store->st, SERIAL, 3, now), 0);
	assert_int_equal(ca_revocation_round(r->rv, now), 0);
	rvfx_ask(r, SERIAL, now, &a);
	assert_int_equal(rvfx_status(r, &a, SERIAL, &reason), V_OCSP_CERTSTATUS_REVOKED);
	assert_int_equal(reason, OCSP_REVOKED_STATUS_AFFILIATIONCHANGED);
	assert_int_equal(ca_store_ocsp_get(r->store->st, SERIAL, &row), 0);
	assert_memory_equal(a.der, row.der, row.der_len);
	ca_ocsp_row_cleanup(&row);
	ca_ocsp_answer_cleanup(&a);
}

static void test_on_demand_budget(void **state)
{
	struct rvfx *r = *state;
	/* one second for the whole test (the budget is per second of now) */
	int64_t now = (int64_t)time(NULL);
	struct ca_ocsp_answer a;
	char serial[16];
	int i, signed_n = 0, later = 0;

	for (i = 0; i < 600; i++) {
		snprintf(serial, sizeof(serial), "7a%06x", i);
		rvfx_ask(r, serial, now, &a);
		if (a.kind == CA_OCSP_ANSWER_SIGNED)
			signed_n++;
		else if (a.kind == CA_OCSP_ANSWER_TRY_LATER)
			later++;
		ca_ocsp_answer_cleanup(&a);
	}
	assert_int_equal(signed_n, 500);
	assert_int_equal(later, 100);
	/* cached answers need no budget */
	rvfx_ask(r, "7a000001", now, &a);
	assert_int_equal(a.kind, CA_OCSP_ANSWER_SIGNED);
	ca_ocsp_answer_cleanup(&a);
	/* the next second has a new budget */
	rvfx_ask(r, "7a0fffff", now + 1, &a);
	assert_int_equal(a.kind, CA_OCSP_ANSWER_SIGNED);
	ca_ocsp_answer_cleanup(&a);
}

static const char *header(const struct ca_resp *resp, const char *name)
{
	size_t i;

	for (i = 0; i < resp->n_headers; i++)
		if (strcmp(resp->header_names[i], name) == 0)
			return resp->header_values[i];
	return NULL;
}

static void http(struct rvfx *r, const char *method, const char *path, const unsigned char *body,
    size_t body_len, struct ca_resp *resp)
{
	struct ca_req req;

	memset(&req, 0, sizeof(req));
	memset(resp, 0, sizeof(*resp));
	req.method = method;
	req.path = path;
	req.body = body ? body : (const unsigned char *)"";
	req.body_len = body_len;
	req.now = (int64_t)time(NULL);
	if (strncmp(path, "/crl/", 5) == 0)
		ca_revocation_handle_crl(r->rv, &req, resp);
	else
		ca_revocation_handle_ocsp(r->rv, &req, resp);
}

static void test_http_ocsp(void **state)
{
	struct rvfx *r = *state;
	int64_t now = (int64_t)time(NULL);
	unsigned char *der = NULL;
	struct ca_resp resp;
	struct ca_ocsp_answer a;
	char *b64, path[512];
	const char *v;
	size_t len, i;

	fx_cert(r->store, SERIAL, "k1", now + 86400, 0);
	assert_int_equal(ca_revocation_round(r->rv, now), 0);
	len = rvfx_request(r, NULL, EVP_sha1(), SERIAL, &der);
	/* GET: base64 after URL decoding, '+' possibly form-decoded to ' ' */
	b64 = cn_b64_encode(der, len);
	for (i = 0; b64[i]; i++)
		if (b64[i] == '+')
			b64[i] = ' ';
	snprintf(path, sizeof(path), "/ocsp/%s", b64);
	http(r, "GET", path, NULL, 0, &resp);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.content_type, "application/ocsp-response");
	memset(&a, 0, sizeof(a));
	a.kind = CA_OCSP_ANSWER_SIGNED;
	a.der = (unsigned char *)resp.body;
	a.der_len = resp.body_len;
	assert_int_equal(rvfx_status(r, &a, SERIAL, NULL), V_OCSP_CERTSTATUS_GOOD);
	v = header(&resp, "Cache-Control");
	assert_non_null(v);
	assert_non_null(strstr(v, "max-age="));
	assert_non_null(strstr(v, "public, no-transform, must-revalidate"));
	assert_non_null(header(&resp, "ETag"));
	assert_int_equal(strlen(header(&resp, "ETag")), 66);
	assert_non_null(strstr(header(&resp, "Last-Modified"), " GMT"));
	assert_non_null(strstr(header(&resp, "Expires"), " GMT"));
	ca_resp_cleanup(&resp);
	/* HEAD like GET */
	http(r, "HEAD", path, NULL, 0, &resp);
	assert_int_equal(resp.status, 200);
	ca_resp_cleanup(&resp);
	/* POST */
	http(r, "POST", "/ocsp", der, len, &resp);
	assert_int_equal(resp.status, 200);
	assert_true(resp.body_len > sizeof(malformed));
	ca_resp_cleanup(&resp);
	/* errors: malformedRequest, not cacheable */
	http(r, "GET", "/ocsp/%%%not-base64", NULL, 0, &resp);
	assert_int_equal(resp.status, 200);
	assert_int_equal(resp.body_len, sizeof(malformed));
	assert_memory_equal(resp.body, malformed, sizeof(malformed));
	assert_string_equal(header(&resp, "Cache-Control"), "no-cache, no-store");
	ca_resp_cleanup(&resp);
	http(r, "POST", "/ocsp", (const unsigned char *)"garbage", 7, &resp);
	assert_memory_equal(resp.body, malformed, sizeof(malformed));
	ca_resp_cleanup(&resp);
	/* methods */
	http(r, "PUT", "/ocsp", der, len, &resp);
	assert_int_equal(resp.status, 405);
	assert_string_equal(header(&resp, "Allow"), "POST");
	ca_resp_cleanup(&resp);
	http(r, "POST", path, der, len, &resp);
	assert_int_equal(resp.status, 405);
	assert_string_equal(header(&resp, "Allow"), "GET, HEAD");
	ca_resp_cleanup(&resp);
	http(r, "GET", "/ocsp", NULL, 0, &resp);
	assert_int_equal(resp.status, 405);
	ca_resp_cleanup(&resp);
	free(b64);
	OPENSSL_free(der);
}

static void test_http_crl_paths(void **state)
{
	struct rvfx *r = *state;
	struct ca_resp resp;

	assert_int_equal(ca_store_crl_ensure(r->store->st, 2), 0);
	assert_int_equal(ca_revocation_round(r->rv, (int64_t)time(NULL)), 0);
	http(r, "GET", "/crl/1.crl", NULL, 0, &resp);
	assert_int_equal(resp.status, 200);
	assert_non_null(header(&resp, "ETag"));
	assert_non_null(strstr(header(&resp, "Cache-Control"), "max-age="));
	ca_resp_cleanup(&resp);
	http(r, "GET", "/crl/01.crl", NULL, 0, &resp);
	assert_int_equal(resp.status, 404);
	ca_resp_cleanup(&resp);
	http(r, "GET", "/crl/9.crl", NULL, 0, &resp);
	assert_int_equal(resp.status, 404);
	ca_resp_cleanup(&resp);
	http(r, "GET", "/crl/1.crlx", NULL, 0, &resp);
	assert_int_equal(resp.status, 404);
	ca_resp_cleanup(&resp);
	http(r, "GET", "/crl/", NULL, 0, &resp);
	assert_int_equal(resp.status, 404);
	ca_resp_cleanup(&resp);
	http(r, "POST", "/crl/1.crl", NULL, 0, &resp);
	assert_int_equal(resp.status, 405);
	ca_resp_cleanup(&resp);
}

static void test_shards_and_urls(void **state)
{
	struct rvfx *r = *state;
	unsigned char s[CA_SERIAL_LEN];
	int counts[8] = {0}, i;
	char *u;

	/* serials as ca_serial_new makes them spread evenly */
	for (i = 0; i < 8000; i++) {
		assert_int_equal(ca_serial_new(s), 0);
		counts[ca_crl_shard_of(s, sizeof(s), 8)]++;
	}
	for (i = 0; i < 8; i++)
		assert_true(counts[i] > 500);
	assert_int_equal(ca_crl_shard_of(s, sizeof(s), 1), 0);
	assert_int_equal(ca_crl_shard_of(s, 0, 8), 0);
	u = ca_ocsp_url(&r->cfg);
	assert_string_equal(u, "http://127.0.0.1:14080/ocsp");
	free(u);
	u = ca_crl_url(&r->cfg, 5);
	assert_string_equal(u, "http://127.0.0.1:14080/crl/5.crl");
	free(u);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, rvfx_setup, rvfx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_error_answers),
		T(test_unknown_never_good),
		T(test_miss_signs_on_demand),
		T(test_on_demand_budget),
		T(test_http_ocsp),
		T(test_http_crl_paths),
		T(test_shards_and_urls),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
