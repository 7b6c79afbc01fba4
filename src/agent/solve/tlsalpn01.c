/*
 * solve/tlsalpn01.c - tls-alpn-01 challenges (RFC 8737 section 3; IP
 * identifiers per RFC 8738 section 6): a TLS server that, when the client
 * offers ALPN "acme-tls/1" and names the identifier in SNI, presents a
 * self-signed certificate with a subjectAltName of just that identifier and
 * a critical id-pe-acmeIdentifier extension holding SHA-256(key
 * authorization). Handshakes for any other ALPN or an unknown SNI fail.
 *
 * One thread accepts connections and runs each handshake with socket
 * timeouts of TLSALPN_IO_TIMEOUT_S; the validator closes after the
 * handshake, so no application data is exchanged. The certificates share
 * one ephemeral P-256 key generated here (never the account or certificate
 * key).
 */
#include "solve/solve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "mem.h"
#include "x509/key.h"
#include "x509/san.h"

#define TLSALPN_PROTO "acme-tls/1"
#define TLSALPN_OID "1.3.6.1.5.5.7.1.31"
#define TLSALPN_IO_TIMEOUT_S 5

struct alpn_entry {
	char *token;
	char *sni;  /* lower-case host name the validator sends */
	X509 *cert;
};

struct tlsalpn {
	int lfd;
	int stop[2];
	pthread_t th;
	bool running;
	SSL_CTX *ctx;
	EVP_PKEY *key;
	pthread_mutex_t mu;
	struct alpn_entry *e;
	size_t n;
};

/* The reverse-mapping name of an IP address (RFC 8738 section 6). */
static int reverse_name(const char *ip, char *out, size_t out_len)
{
	unsigned char a[16];
	size_t o = 0;
	int i;

	if (inet_pton(AF_INET, ip, a) == 1) {
		snprintf(out, out_len, "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1], a[0]);
		return 0;
	}
	if (inet_pton(AF_INET6, ip, a) == 1) {
		static const char hex[] = "0123456789abcdef";

		if (out_len < 74)
			return cn_err_set(CN_ERR_INTERNAL, "buffer too small");
		for (i = 15; i >= 0; i--) {
			out[o++] = hex[a[i] & 15];
			out[o++] = '.';
			out[o++] = hex[a[i] >> 4];
			out[o++] = '.';
		}
		snprintf(out + o, out_len - o, "ip6.arpa");
		return 0;
	}
	return cn_err_set(CN_ERR_MALFORMED, "not an IP address: %s", ip);
}

static int acme_identifier_nid(void)
{
	int nid = OBJ_txt2nid(TLSALPN_OID);

	if (nid == NID_undef)
		nid = OBJ_create(TLSALPN_OID, "acmeIdentifier", "ACME Identifier");
	return nid;
}

/* Builds the challenge certificate for c. */
static int make_cert(EVP_PKEY *key, const struct agent_chall *c, X509 **out)
{
	unsigned char md[32], inner[34], serial[16];
	unsigned int md_len = 0;
	const char *names[1] = {c->ident};
	GENERAL_NAMES *san = NULL;
	ASN1_OCTET_STRING *os = NULL;
	X509_EXTENSION *ext = NULL;
	ASN1_OBJECT *obj = NULL;
	BIGNUM *bn = NULL;
	X509_NAME *nm = NULL;
	X509 *x = NULL;
	bool ip = strcmp(c->ident_type, "ip") == 0;
	int nid, r;

	if (EVP_Digest(c->key_authz, strlen(c->key_authz), md, &md_len, EVP_sha256(), NULL) != 1 ||
	    md_len != 32) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "SHA-256");
		goto out;
	}
	r = cn_san_new(ip ? NULL : names, ip ? 0 : 1, ip ? names : NULL, ip ? 1 : 0, &san);
	if (r != 0)
		goto out;
	x = X509_new();
	nm = X509_NAME_new();
	os = ASN1_OCTET_STRING_new();
	bn = BN_new();
	if (x == NULL || nm == NULL || os == NULL || bn == NULL) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "X509_new");
		goto out;
	}
	if (RAND_bytes(serial, sizeof(serial)) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "RAND_bytes");
		goto out;
	}
	serial[0] &= 0x7f;
	serial[0] |= 0x40;
	/* Authorization ::= OCTET STRING (SIZE (32)), DER inside extnValue */
	inner[0] = 0x04;
	inner[1] = 0x20;
	memcpy(inner + 2, md, 32);
	nid = acme_identifier_nid();
	obj = OBJ_nid2obj(nid);
	if (nid == NID_undef || obj == NULL ||
	    X509_set_version(x, X509_VERSION_3) != 1 ||
	    BN_bin2bn(serial, sizeof(serial), bn) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL ||
	    X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC,
		(const unsigned char *)"cairn tls-alpn-01", -1, -1, 0) != 1 ||
	    X509_set_subject_name(x, nm) != 1 || X509_set_issuer_name(x, nm) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 7 * 86400) == NULL ||
	    X509_set_pubkey(x, key) != 1 ||
	    X509_add1_ext_i2d(x, NID_subject_alt_name, san, 0, X509V3_ADD_DEFAULT) != 1 ||
	    ASN1_OCTET_STRING_set(os, inner, sizeof(inner)) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "building the tls-alpn-01 certificate");
		goto out;
	}
	ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 1, os);
	if (ext == NULL || X509_add_ext(x, ext, -1) != 1 || X509_sign(x, key, EVP_sha256()) <= 0) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "signing the tls-alpn-01 certificate");
		goto out;
	}
	*out = x;
	x = NULL;
	r = 0;
out:
	GENERAL_NAMES_free(san);
	ASN1_OCTET_STRING_free(os);
	X509_EXTENSION_free(ext);
	X509_NAME_free(nm);
	BN_free(bn);
	X509_free(x);
	return r;
}

static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	unsigned int i = 0;

	(void)ssl;
	(void)arg;
	while (i < inlen) {
		unsigned int l = in[i];

		if (i + 1 + l > inlen)
			break;
		if (l == strlen(TLSALPN_PROTO) && memcmp(in + i + 1, TLSALPN_PROTO, l) == 0) {
			*out = in + i + 1;
			*outlen = (unsigned char)l;
			return SSL_TLSEXT_ERR_OK;
		}
		i += 1 + l;
	}
	return SSL_TLSEXT_ERR_ALERT_FATAL;
}

/* Picks the certificate by SNI once the ClientHello is known. */
static int client_hello_cb(SSL *ssl, int *al, void *arg)
{
	struct tlsalpn *ta = arg;
	const unsigned char *ext;
	size_t ext_len, name_len, i;
	char sni[256];
	X509 *cert = NULL;

	/* server_name extension: list length(2) type(1) name length(2) name */
	if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &ext, &ext_len) != 1 ||
	    ext_len < 5 || ext[2] != TLSEXT_NAMETYPE_host_name) {
		*al = SSL_AD_UNRECOGNIZED_NAME;
		return SSL_CLIENT_HELLO_ERROR;
	}
	name_len = (size_t)ext[3] << 8 | ext[4];
	if (name_len == 0 || name_len >= sizeof(sni) || 5 + name_len > ext_len) {
		*al = SSL_AD_UNRECOGNIZED_NAME;
		return SSL_CLIENT_HELLO_ERROR;
	}
	memcpy(sni, ext + 5, name_len);
	sni[name_len] = '\0';
	pthread_mutex_lock(&ta->mu);
	for (i = 0; i < ta->n; i++) {
		if (strcasecmp(ta->e[i].sni, sni) == 0) {
			cert = ta->e[i].cert;
			X509_up_ref(cert);
			break;
		}
	}
	pthread_mutex_unlock(&ta->mu);
	if (cert == NULL) {
		*al = SSL_AD_UNRECOGNIZED_NAME;
		return SSL_CLIENT_HELLO_ERROR;
	}
	if (SSL_use_certificate(ssl, cert) != 1 || SSL_use_PrivateKey(ssl, ta->key) != 1) {
		X509_free(cert);
		*al = SSL_AD_INTERNAL_ERROR;
		return SSL_CLIENT_HELLO_ERROR;
	}
	X509_free(cert);
	return SSL_CLIENT_HELLO_SUCCESS;
}

static void serve_one(struct tlsalpn *ta, int fd)
{
	struct timeval tv = {TLSALPN_IO_TIMEOUT_S, 0};
	SSL *ssl = NULL;
	int flags;

	flags = fcntl(fd, F_GETFL);
	if (flags >= 0)
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ssl = SSL_new(ta->ctx);
	if (ssl == NULL || SSL_set_fd(ssl, fd) != 1)
		goto out;
	if (SSL_accept(ssl) == 1) {
		CN_LOG(CN_LOG_DEBUG, "tls-alpn-01", "handshake done");
		SSL_shutdown(ssl);
	} else {
		CN_LOG(CN_LOG_DEBUG, "tls-alpn-01", "handshake failed");
	}
out:
	ERR_clear_error();
	SSL_free(ssl);
}

static void *tlsalpn_main(void *arg)
{
	struct tlsalpn *ta = arg;
	struct pollfd pf[2];
	int fd;

	for (;;) {
		pf[0].fd = ta->stop[0];
		pf[0].events = POLLIN;
		pf[1].fd = ta->lfd;
		pf[1].events = POLLIN;
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[0].revents)
			break;
		fd = accept(ta->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		serve_one(ta, fd);
		close(fd);
	}
	return NULL;
}

static int tlsalpn_present(struct agent_solver *s, const struct agent_chall *c)
{
	struct tlsalpn *ta = s->impl;
	char sni[128];
	X509 *cert = NULL;
	int r;

	if (strcmp(c->ident_type, "ip") == 0) {
		r = reverse_name(c->ident, sni, sizeof(sni));
		if (r != 0)
			return r;
	} else {
		snprintf(sni, sizeof(sni), "%s", c->ident);
	}
	r = make_cert(ta->key, c, &cert);
	if (r != 0)
		return r;
	pthread_mutex_lock(&ta->mu);
	ta->e = cn_xrealloc(ta->e, (ta->n + 1) * sizeof(*ta->e));
	ta->e[ta->n].token = cn_xstrdup(c->token);
	ta->e[ta->n].sni = cn_xstrdup(sni);
	ta->e[ta->n].cert = cert;
	ta->n++;
	pthread_mutex_unlock(&ta->mu);
	return 0;
}

static int tlsalpn_cleanup(struct agent_solver *s, const struct agent_chall *c)
{
	struct tlsalpn *ta = s->impl;
	size_t i;

	pthread_mutex_lock(&ta->mu);
	for (i = 0; i < ta->n; i++) {
		if (strcmp(ta->e[i].token, c->token) == 0) {
			free(ta->e[i].token);
			free(ta->e[i].sni);
			X509_free(ta->e[i].cert);
			ta->e[i] = ta->e[--ta->n];
			break;
		}
	}
	pthread_mutex_unlock(&ta->mu);
	return 0;
}

static int tlsalpn_commit(struct agent_solver *s)
{
	(void)s;
	return 0;
}

static void tlsalpn_free(struct agent_solver *s)
{
	struct tlsalpn *ta = s->impl;
	size_t i;

	if (ta->running) {
		if (write(ta->stop[1], "x", 1) != 1)
			CN_LOG(CN_LOG_WARN, "tls-alpn-01", "cannot stop the responder: %s", strerror(errno));
		pthread_join(ta->th, NULL);
	}
	if (ta->stop[0] >= 0)
		close(ta->stop[0]);
	if (ta->stop[1] >= 0)
		close(ta->stop[1]);
	if (ta->lfd >= 0)
		close(ta->lfd);
	for (i = 0; i < ta->n; i++) {
		free(ta->e[i].token);
		free(ta->e[i].sni);
		X509_free(ta->e[i].cert);
	}
	free(ta->e);
	SSL_CTX_free(ta->ctx);
	EVP_PKEY_free(ta->key);
	pthread_mutex_destroy(&ta->mu);
	free(ta);
	free(s);
}

static const struct agent_solver_ops tlsalpn_ops = {
	"tls-alpn-01", tlsalpn_present, tlsalpn_cleanup, tlsalpn_commit, tlsalpn_free,
};

int agent_tlsalpn01_new(const char *hostport, struct agent_solver **out)
{
	struct agent_solver *s = NULL;
	struct tlsalpn *ta = NULL;
	char *addr = NULL;
	int port, r;

	r = agent_parse_hostport(hostport, &addr, &port);
	if (r != 0)
		return r;
	ta = cn_xcalloc(1, sizeof(*ta));
	ta->lfd = ta->stop[0] = ta->stop[1] = -1;
	pthread_mutex_init(&ta->mu, NULL);
	s = cn_xcalloc(1, sizeof(*s));
	s->ops = &tlsalpn_ops;
	s->impl = ta;
	r = cn_key_generate(CN_KEY_P256, &ta->key);
	if (r != 0)
		goto fail;
	ta->ctx = SSL_CTX_new(TLS_server_method());
	if (ta->ctx == NULL || SSL_CTX_set_min_proto_version(ta->ctx, TLS1_2_VERSION) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "SSL_CTX_new");
		goto fail;
	}
	SSL_CTX_set_alpn_select_cb(ta->ctx, alpn_select, ta);
	SSL_CTX_set_client_hello_cb(ta->ctx, client_hello_cb, ta);
	r = agent_listen_tcp(addr, port, &ta->lfd);
	if (r != 0)
		goto fail;
	if (pipe(ta->stop) != 0) {
		r = cn_err_set(CN_ERR_IO, "pipe: %s", strerror(errno));
		goto fail;
	}
	fcntl(ta->stop[0], F_SETFD, FD_CLOEXEC);
	fcntl(ta->stop[1], F_SETFD, FD_CLOEXEC);
	if (pthread_create(&ta->th, NULL, tlsalpn_main, ta) != 0) {
		r = cn_err_set(CN_ERR_INTERNAL, "pthread_create failed");
		goto fail;
	}
	ta->running = true;
	free(addr);
	*out = s;
	return 0;
fail:
	free(addr);
	tlsalpn_free(s);
	return r;
}
