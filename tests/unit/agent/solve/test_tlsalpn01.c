/* test_tlsalpn01.c - unit tests for src/agent/solve/tlsalpn01.c: a TLS
 * client offering ALPN acme-tls/1 with the identifier in SNI gets a
 * certificate with exactly that subjectAltName and a critical
 * acmeIdentifier extension holding SHA-256 of the key authorization
 * (RFC 8737 section 3); other ALPN values and unknown names are refused;
 * IP identifiers use the reverse name in SNI (RFC 8738 section 6). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "solve/solve.h"

static void fill(struct agent_chall *c, const char *itype, const char *ident)
{
	memset(c, 0, sizeof(*c));
	c->type = strdup("tls-alpn-01");
	c->ident_type = strdup(itype);
	c->ident = strdup(ident);
	c->token = strdup("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA");
	c->url = strdup("https://ca/chall/1");
	assert_int_equal(agent_chall_prepare(c, "thumb"), 0);
}

/* Handshakes; returns the peer certificate or NULL. */
static X509 *handshake(int port, const char *sni, const char *alpn)
{
	struct sockaddr_in a;
	unsigned char proto[64];
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = NULL;
	X509 *peer = NULL;
	int fd;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	proto[0] = (unsigned char)strlen(alpn);
	memcpy(proto + 1, alpn, strlen(alpn));
	SSL_CTX_set_alpn_protos(ctx, proto, (unsigned)strlen(alpn) + 1);
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	SSL_set_tlsext_host_name(ssl, sni);
	if (SSL_connect(ssl) == 1) {
		const unsigned char *sel = NULL;
		unsigned int sel_len = 0;

		SSL_get0_alpn_selected(ssl, &sel, &sel_len);
		assert_int_equal(sel_len, 10);
		assert_memory_equal(sel, "acme-tls/1", 10);
		peer = SSL_get1_peer_certificate(ssl);
		SSL_shutdown(ssl);
	}
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	return peer;
}

static void check_cert(X509 *x, const struct agent_chall *c, int gen_type)
{
	int idx, nid = OBJ_txt2nid("1.3.6.1.5.5.7.1.31");
	X509_EXTENSION *ext;
	const ASN1_OCTET_STRING *v;
	unsigned char md[32];
	unsigned int md_len;
	GENERAL_NAMES *gens;

	assert_non_null(x);
	assert_true(nid != NID_undef);
	idx = X509_get_ext_by_NID(x, nid, -1);
	assert_true(idx >= 0);
	ext = X509_get_ext(x, idx);
	assert_int_equal(X509_EXTENSION_get_critical(ext), 1);
	v = X509_EXTENSION_get_data(ext);
	EVP_Digest(c->key_authz, strlen(c->key_authz), md, &md_len, EVP_sha256(), NULL);
	assert_int_equal(ASN1_STRING_length(v), 34);
	assert_int_equal(ASN1_STRING_get0_data(v)[0], 0x04);
	assert_int_equal(ASN1_STRING_get0_data(v)[1], 0x20);
	assert_memory_equal(ASN1_STRING_get0_data(v) + 2, md, 32);
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	assert_int_equal(sk_GENERAL_NAME_num(gens), 1);
	assert_int_equal(sk_GENERAL_NAME_value(gens, 0)->type, gen_type);
	GENERAL_NAMES_free(gens);
}

static void test_tlsalpn(void **state)
{
	struct agent_solver *s = NULL;
	struct agent_chall c, c6;
	char hp[32];
	X509 *x;
	int port = 0;

	(void)state;
	for (port = 23900; port < 23950; port++) {
		snprintf(hp, sizeof(hp), "127.0.0.1:%d", port);
		if (agent_tlsalpn01_new(hp, &s) == 0)
			break;
	}
	assert_non_null(s);
	fill(&c, "dns", "a.example");
	assert_int_equal(s->ops->present(s, &c), 0);
	fill(&c6, "ip", "2001:db8::1");
	assert_int_equal(s->ops->present(s, &c6), 0);
	x = handshake(port, "A.example", "acme-tls/1");
	check_cert(x, &c, GEN_DNS);
	X509_free(x);
	x = handshake(port, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", "acme-tls/1");
	check_cert(x, &c6, GEN_IPADD);
	X509_free(x);
	assert_null(handshake(port, "a.example", "http/1.1"));   /* wrong ALPN */
	assert_null(handshake(port, "b.example", "acme-tls/1")); /* unknown name */
	assert_int_equal(s->ops->cleanup(s, &c), 0);
	assert_null(handshake(port, "a.example", "acme-tls/1"));
	agent_chall_cleanup(&c);
	agent_chall_cleanup(&c6);
	agent_solver_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tlsalpn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
