/*
 * test_tlsalpn01.c - src/ca/validate/tlsalpn01.c end to end on loopback: an
 * in-test OpenSSL server presents certificates built here (good, wrong
 * digest, missing or non-critical acmeIdentifier, malformed value, wrong or
 * extra SAN, iPAddress SANs) and records the SNI and ALPN list it was
 * offered; pebble-challtestsrv answers DNS and, with its own tls-alpn-01
 * server, is an independent peer.
 *
 * Ports (22330-22339): 22330 DNS, 22331 management, 22332 test server on
 * 127.0.0.1 and ::1, 22333 challtestsrv tls-alpn-01, 22334 test server on
 * 127.0.0.1 only, 22337 nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "err.h"
#include "validate/validate.h"
#include "vtest.h"

#define DNS_PORT 22330
#define MGMT_PORT 22331
#define SRV_PORT 22332
#define CTS_TLSALPN_PORT 22333
#define SRV4_PORT 22334
#define NOTHING_PORT 22337
#define OID_ACME "1.3.6.1.5.5.7.1.31"
#define KA "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI"
#define NAME "alpn.validate.example"
#define REV6 "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa"

enum mode { M_NORMAL, M_NO_ALPN, M_STALL };

static struct vt_cts cts;
static struct vt_srv srv4, srv6, srv4only;
static struct ca_resolver *res;
static struct ca_validate_cfg base = {
    .resolver = "127.0.0.1:22330", .tlsalpn01_port = SRV_PORT, .allow_private = true};
static EVP_PKEY *key;

/* What the server presents, and what it saw; under lock. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static X509 *cur_cert;
static enum mode cur_mode;
static char seen_sni[300], seen_alpn[300];
static int seen_family;

static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
    unsigned int inlen, void *arg)
{
	static const unsigned char ours[] = "\x0a"
					    "acme-tls/1";
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	unsigned int i;
	size_t o = 0;
	enum mode m;

	/*
	 * Recorded here, while the ClientHello is handled: the validator may
	 * finish before SSL_accept returns on this side.
	 */
	(void)arg;
	getsockname(SSL_get_fd(ssl), (struct sockaddr *)&ss, &sl);
	pthread_mutex_lock(&lock);
	snprintf(seen_sni, sizeof(seen_sni), "%s", sni ? sni : "");
	seen_family = ss.ss_family;
	for (i = 0; i < inlen && o + 2 < sizeof(seen_alpn);) { /* "proto1,proto2" */
		unsigned int l = in[i++], k;

		if (o > 0)
			seen_alpn[o++] = ',';
		for (k = 0; k < l && i < inlen && o + 1 < sizeof(seen_alpn); k++)
			seen_alpn[o++] = (char)in[i++];
	}
	seen_alpn[o] = '\0';
	m = cur_mode;
	pthread_mutex_unlock(&lock);
	if (m == M_NO_ALPN)
		return SSL_TLSEXT_ERR_NOACK;
	if (SSL_select_next_proto((unsigned char **)out, outlen, ours, sizeof(ours) - 1, in, inlen) ==
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_OK;
	return SSL_TLSEXT_ERR_NOACK;
}

static void tls_handle(int fd, void *arg)
{
	struct timeval tv = {.tv_sec = 5};
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	X509 *cert;
	enum mode m;
	char buf[64];

	(void)arg;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	pthread_mutex_lock(&lock);
	cert = cur_cert;
	X509_up_ref(cert);
	m = cur_mode;
	pthread_mutex_unlock(&lock);
	if (m == M_STALL) {
		struct pollfd p = {.fd = fd, .events = POLLIN};

		while (poll(&p, 1, 10000) == 1 && recv(fd, buf, sizeof(buf), 0) > 0)
			;
		goto out;
	}
	ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL || SSL_CTX_use_certificate(ctx, cert) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1)
		goto out;
	SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
	ssl = SSL_new(ctx);
	if (ssl == NULL || SSL_set_fd(ssl, fd) != 1)
		goto out;
	if (SSL_accept(ssl) != 1)
		goto out; /* readiness probes and refused handshakes */
	while (SSL_read(ssl, buf, sizeof(buf)) > 0) /* until the validator closes */
		;
out:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	X509_free(cert);
	ERR_clear_error();
}

static void serve(X509 *cert, enum mode m)
{
	pthread_mutex_lock(&lock);
	X509_free(cur_cert);
	cur_cert = cert;
	cur_mode = m;
	seen_sni[0] = seen_alpn[0] = '\0';
	seen_family = 0;
	pthread_mutex_unlock(&lock);
}

/* The DER OCTET STRING of SHA-256(ka): what the extension must hold. */
static void ext_value(const char *ka, unsigned char der[34])
{
	unsigned int dl = 0;

	der[0] = 0x04;
	der[1] = 0x20;
	assert_int_equal(EVP_Digest(ka, strlen(ka), der + 2, &dl, EVP_sha256(), NULL), 1);
	assert_int_equal(dl, 32);
}

static void add_ext(X509 *x, const unsigned char *val, size_t len, int critical)
{
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	ASN1_OBJECT *o = OBJ_txt2obj(OID_ACME, 1);
	X509_EXTENSION *e;

	assert_non_null(os);
	assert_non_null(o);
	assert_int_equal(ASN1_OCTET_STRING_set(os, val, (int)len), 1);
	e = X509_EXTENSION_create_by_OBJ(NULL, o, critical, os);
	assert_non_null(e);
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
	ASN1_OBJECT_free(o);
	ASN1_OCTET_STRING_free(os);
}

/* A self-signed certificate with san ("DNS:a,IP:b" syntax, or NULL). */
static X509 *cert_new(const char *san)
{
	X509 *x = X509_new();
	X509_NAME *nm;
	X509V3_CTX v;
	X509_EXTENSION *e;

	assert_non_null(x);
	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1729);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	nm = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)"acme", -1, -1, 0);
	X509_set_issuer_name(x, nm);
	X509_set_pubkey(x, key);
	if (san != NULL) {
		X509V3_set_ctx_nodb(&v);
		X509V3_set_ctx(&v, x, x, NULL, NULL, 0);
		e = X509V3_EXT_nconf_nid(NULL, &v, NID_subject_alt_name, san);
		assert_non_null(e);
		assert_int_equal(X509_add_ext(x, e, -1), 1);
		X509_EXTENSION_free(e);
	}
	return x;
}

static X509 *cert_done(X509 *x)
{
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	return x;
}

/* The usual challenge certificate for san and key authorization ka. */
static X509 *challenge_cert(const char *san, const char *ka, int critical)
{
	unsigned char der[34];
	X509 *x = cert_new(san);

	ext_value(ka, der);
	add_ext(x, der, sizeof(der), critical);
	return cert_done(x);
}

static int run(const struct ca_validate_cfg *cfg, const char *type, const char *value, const char *ka)
{
	int rc = ca_validate_tlsalpn01(cfg, res, type, value, ka);

	if (getenv("VTEST_VERBOSE") != NULL)
		fprintf(stderr, "  %s %s -> %d %s\n", type, value, rc, rc ? cn_err_detail() : "");
	return rc;
}

static int setup(void **state)
{
	(void)state;
	key = EVP_EC_gen("P-256");
	if (key == NULL)
		return -1;
	cur_cert = cert_new("DNS:" NAME); /* never a valid challenge certificate */
	cert_done(cur_cert);
	if (vt_cts_start(&cts, DNS_PORT, MGMT_PORT, 0, 0, CTS_TLSALPN_PORT) != 0)
		return -1;
	if (vt_srv_start(&srv4, "127.0.0.1", SRV_PORT, tls_handle, NULL) != 0 ||
	    vt_srv_start(&srv6, "::1", SRV_PORT, tls_handle, NULL) != 0 ||
	    vt_srv_start(&srv4only, "127.0.0.1", SRV4_PORT, tls_handle, NULL) != 0)
		return -1;
	return ca_resolver_new(&base, &res);
}

static int teardown(void **state)
{
	(void)state;
	ca_resolver_free(res);
	vt_srv_stop(&srv4);
	vt_srv_stop(&srv6);
	vt_srv_stop(&srv4only);
	vt_cts_stop(&cts);
	X509_free(cur_cert);
	EVP_PKEY_free(key);
	return 0;
}

static void test_good(void **state)
{
	(void)state;
	serve(challenge_cert("DNS:" NAME, KA, 1), M_NORMAL);
	assert_int_equal(run(&base, "dns", NAME, KA), 0);
	assert_string_equal(seen_sni, NAME);
	assert_string_equal(seen_alpn, "acme-tls/1"); /* the single protocol offered */
	assert_int_equal(seen_family, AF_INET);
	/* dNSNames compare case-insensitively (RFC 8737 section 3) */
	serve(challenge_cert("DNS:ALPN.Validate.EXAMPLE", KA, 1), M_NORMAL);
	assert_int_equal(run(&base, "dns", NAME, KA), 0);
}

static void test_wrong_digest(void **state)
{
	(void)state;
	serve(challenge_cert("DNS:" NAME, KA "x", 1), M_NORMAL);
	assert_int_equal(run(&base, "dns", NAME, KA), CN_ERR_INCORRECT_RESPONSE);
	assert_non_null(strstr(cn_err_detail(), "acmeIdentifier extension holds"));
}

static void test_missing_extension(void **state)
{
	(void)state;
	serve(cert_done(cert_new("DNS:" NAME)), M_NORMAL);
	assert_int_equal(run(&base, "dns", NAME, KA), CN_ERR_TLS);
	assert_non_null(strstr(cn_err_detail(), "lacks the acmeIdentifier extension"));
}

static void test_noncritical_extension(void **state)
{
	(void)state;
	serve(challenge_cert("DNS:" NAME, KA, 0), M_NORMAL);
	assert_int_equal(run(&base, "dns", NAME, KA), CN_ERR_TLS);
	assert_non_null(strstr(cn_err_detail(), "not critical"));
}

static void test_malformed_extension(void **state)
{
	unsigned char der[34];
	X509 *x;

	(void)state;
	ext_value(KA, der);
	/* the bare digest, without the OCTET STRING wrapper */
	x = cert_new("DNS:" NAME);
	add_ext(x, der + 2, 32, 1);
	serve(cert_done(x), M_NORMAL);
	assert_int_equal(run(&base, "dns", NAME, KA), CN_ERR_TLS);
	assert_non_null(strstr(cn_err_detail(), "not the DER OCTET STRING"));
	/* an OCTET STRING of 31 bytes */
	x = cert_new("DNS:" NAME);
	der[1] = 31;
	add_ext(x, der, 33, 1);
	serve(cert_done(x), M_NORMAL);
	assert_int_equal(run(&base, "dns", NAME, KA), CN_ERR_TLS);
	/* the right value twice */
	ext_value(KA, der);
	x = cert_new("DNS:" NAME);
	add_ext(x, der, sizeof(der), 1);
	add_ext(x, der, sizeof(der), 1);
	serve(cert_done(x), M_NORMAL);
	assert_int_not_equal(run(&base, "dns", NAME, KA), 0);
}

static void test_wrong_san(void **state)
{
	(void)state;
	serve(challenge_cert("DNS:other.validate.example", KA, 1), M_NORMAL);
	assert_int_equal(run(&base, "dns", NAME, KA), CN_ERR_TLS);
	assert_non_null(strstr(cn_err_detail(), "\"other.validate.example\", not " NAME));
	/* the name plus another: exactly one entry is required */
	serve(challenge_cert("DNS:" NAME ",DNS:other.validate.example", KA, 1), M_NORMAL);
	assert_int_equal(run(&base, "dns", NAME, KA), CN_ERR_TLS);
	assert_non_null(strstr(cn_err_detail(), "2 subjectAltName entries"));
	/* a suffix is not the name */
	serve(challenge_cert("DNS:validate.example", KA, 1), M_NORMAL);
	assert_int_equal(run(&base, "dns", NAME, KA), CN_ERR_TLS);
	/* no SAN at all */
	serve(challenge_cert(NULL, KA, 1), M_NORMAL);
	assert_int_equal(run(&base, "dns", NAME, KA), CN_ERR_TLS);
	/* an iPAddress for a DNS identifier */
	serve(challenge_cert("IP:127.0.0.1", KA, 1), M_NORMAL);
	assert_int_equal(run(&base, "dns", NAME, KA), CN_ERR_TLS);
}

static void test_no_alpn(void **state)
{
	(void)state;
	serve(challenge_cert("DNS:" NAME, KA, 1), M_NO_ALPN);
	assert_int_equal(run(&base, "dns", NAME, KA), CN_ERR_TLS);
	assert_non_null(strstr(cn_err_detail(), "did not negotiate the ALPN protocol acme-tls/1"));
}

static void test_ip_identifiers(void **state)
{
	(void)state;
	serve(challenge_cert("IP:127.0.0.1", KA, 1), M_NORMAL);
	assert_int_equal(run(&base, "ip", "127.0.0.1", KA), 0);
	assert_string_equal(seen_sni, "1.0.0.127.in-addr.arpa"); /* RFC 8738 section 6 */
	serve(challenge_cert("IP:::1", KA, 1), M_NORMAL);
	assert_int_equal(run(&base, "ip", "::1", KA), 0);
	assert_string_equal(seen_sni, REV6);
	assert_int_equal(seen_family, AF_INET6);
	/* the wrong address, and a dNSName, for an IP identifier */
	serve(challenge_cert("IP:127.0.0.2", KA, 1), M_NORMAL);
	assert_int_equal(run(&base, "ip", "127.0.0.1", KA), CN_ERR_TLS);
	serve(challenge_cert("DNS:" NAME, KA, 1), M_NORMAL);
	assert_int_equal(run(&base, "ip", "127.0.0.1", KA), CN_ERR_TLS);
	serve(challenge_cert("IP:127.0.0.1", KA "x", 1), M_NORMAL);
	assert_int_equal(run(&base, "ip", "127.0.0.1", KA), CN_ERR_INCORRECT_RESPONSE);
}

static void test_ipv6_first_then_ipv4(void **state)
{
	struct ca_validate_cfg c = base;

	(void)state;
	assert_int_equal(vt_cts_post(&cts, "/add-aaaa", "{\"host\":\"" NAME ".\",\"addresses\":[\"::1\"]}"), 200);
	serve(challenge_cert("DNS:" NAME, KA, 1), M_NORMAL);
	assert_int_equal(run(&base, "dns", NAME, KA), 0);
	assert_int_equal(seen_family, AF_INET6);
	/* nothing on ::1 at SRV4_PORT: IPv4 next */
	c.tlsalpn01_port = SRV4_PORT;
	assert_int_equal(run(&c, "dns", NAME, KA), 0);
	assert_int_equal(seen_family, AF_INET);
	assert_int_equal(vt_cts_post(&cts, "/clear-aaaa", "{\"host\":\"" NAME ".\"}"), 200);
}

static void test_connection_problems(void **state)
{
	struct ca_validate_cfg c = base;
	int64_t t0, took;

	(void)state;
	c.tlsalpn01_port = NOTHING_PORT;
	assert_int_equal(run(&c, "dns", NAME, KA), CN_ERR_CONNECTION);
	assert_non_null(strstr(cn_err_detail(), "127.0.0.1 port 22337: cannot connect"));
	/* a server that takes the connection and never answers the ClientHello */
	serve(challenge_cert("DNS:" NAME, KA, 1), M_STALL);
	c = base;
	c.total_timeout_ms = 800;
	t0 = vt_now_ms();
	assert_int_equal(run(&c, "dns", NAME, KA), CN_ERR_CONNECTION);
	took = vt_now_ms() - t0;
	assert_non_null(strstr(cn_err_detail(), "timeout during the TLS handshake"));
	assert_true(took >= 700 && took < 2500);
	/* DNS and address policy */
	assert_int_equal(run(&base, "dns", "nx.validate.invalid", KA), CN_ERR_DNS);
	c = base;
	c.allow_private = false;
	assert_int_equal(run(&c, "dns", NAME, KA), CN_ERR_CONNECTION);
	assert_non_null(strstr(cn_err_detail(), "127.0.0.0/8"));
	assert_int_equal(run(&c, "ip", "::1", KA), CN_ERR_CONNECTION);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	assert_int_equal(run(&base, "dns", "*.validate.example", KA), CN_ERR_MALFORMED);
	assert_int_equal(run(&base, "dns", "no spaces.example", KA), CN_ERR_MALFORMED);
	assert_int_equal(run(&base, "ip", NAME, KA), CN_ERR_MALFORMED);
	assert_int_equal(run(&base, "email", NAME, KA), CN_ERR_MALFORMED);
}

/* challtestsrv's tls-alpn-01 server (Go crypto/tls): an independent peer. */
static void test_challtestsrv_peer(void **state)
{
	struct ca_validate_cfg c = base;

	(void)state;
	c.tlsalpn01_port = CTS_TLSALPN_PORT;
	assert_int_equal(vt_cts_post(&cts, "/add-tlsalpn01", "{\"host\":\"peer.validate.example\",\"content\":\"" KA "\"}"),
	    200);
	assert_int_equal(run(&c, "dns", "peer.validate.example", KA), 0);
	assert_int_equal(run(&c, "dns", "peer.validate.example", KA "x"), CN_ERR_INCORRECT_RESPONSE);
	/* no certificate for that SNI: the handshake fails */
	assert_int_equal(run(&c, "dns", "unknown.validate.example", KA), CN_ERR_TLS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),
	    cmocka_unit_test(test_wrong_digest),
	    cmocka_unit_test(test_missing_extension),
	    cmocka_unit_test(test_noncritical_extension),
	    cmocka_unit_test(test_malformed_extension),
	    cmocka_unit_test(test_wrong_san),
	    cmocka_unit_test(test_no_alpn),
	    cmocka_unit_test(test_ip_identifiers),
	    cmocka_unit_test(test_ipv6_first_then_ipv4),
	    cmocka_unit_test(test_connection_problems),
	    cmocka_unit_test(test_bad_arguments),
	    cmocka_unit_test(test_challtestsrv_peer),
	};

	if (ca_validate_global_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
