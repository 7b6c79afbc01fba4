/*
 * tlsalpn01.c - the tls-alpn-01 challenge (RFC 8737 section 3; RFC 8738
 * section 6 for IP identifiers; CA/B BR 3.2.2.4.20), with OpenSSL.
 *
 * A TLS 1.2+ handshake with ADDR:cfg->tlsalpn01_port (443), ADDR resolved
 * by us and checked by the SSRF guard (IPv6 first, IPv4 when connecting
 * fails), offering the single ALPN protocol "acme-tls/1" and SNI = the name
 * (for an IP identifier its in-addr.arpa / ip6.arpa name). The server must
 * select acme-tls/1, and its certificate (whose chain and signature are not
 * checked: RFC 8737 section 4) must carry exactly one subjectAltName entry,
 * the identifier (dNSName compared case-insensitively, or iPAddress), and
 * one critical id-pe-acmeIdentifier extension (1.3.6.1.5.5.7.1.31) whose
 * value is the DER OCTET STRING of SHA-256(key authorization). No data is
 * exchanged after the handshake (section 4).
 *
 * Deadlines: the socket is non-blocking; connect and every handshake step
 * wait in poll() for what is left of cfg->connect_timeout_ms and
 * cfg->total_timeout_ms.
 *
 * Not here: multi-perspective corroboration (perspective.c).
 */
#include "validate/validate.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "validate/validate_int.h"

#define ACME_TLS_1 "acme-tls/1"
#define OID_ACME_IDENTIFIER "1.3.6.1.5.5.7.1.31"
#define SHA256_LEN 32
/* SNI: a host name, or "x.x. ... .ip6.arpa" (32 nibbles, 32 dots, "ip6.arpa") */
#define MAX_SNI (CA_V_MAX_NAME + 1)

/* RFC 8738 section 6: the reverse mapping name of an IP address for SNI. */
static void reverse_name(const char *ip, int family, char *out, size_t out_len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[16];
	size_t o = 0;
	int i;

	if (family == 4) {
		inet_pton(AF_INET, ip, b);
		snprintf(out, out_len, "%u.%u.%u.%u.in-addr.arpa", b[3], b[2], b[1], b[0]);
		return;
	}
	inet_pton(AF_INET6, ip, b);
	for (i = 15; i >= 0 && o + 4 < out_len; i--) {
		out[o++] = hex[b[i] & 15];
		out[o++] = '.';
		out[o++] = hex[b[i] >> 4];
		out[o++] = '.';
	}
	snprintf(out + o, out_len - o, "ip6.arpa");
}

/*
 * OpenSSL writes with write(2): a peer that resets the connection would
 * raise SIGPIPE and kill cairnd. As libpq does, SIGPIPE is blocked in this
 * thread around the TLS I/O and one raised meanwhile is consumed.
 */
struct sigpipe_guard {
	sigset_t old;
};

static void sigpipe_block(struct sigpipe_guard *g)
{
	sigset_t pipe;

	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, &g->old);
}

static void sigpipe_restore(struct sigpipe_guard *g)
{
	static const struct timespec zero = {0, 0};
	sigset_t pipe, pending;

	if (!sigismember(&g->old, SIGPIPE)) {
		sigemptyset(&pipe);
		sigaddset(&pipe, SIGPIPE);
		if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE))
			(void)sigtimedwait(&pipe, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

/* Waits for fd to become ready for events until ms passes: 1, 0 (timeout), -1 (errno). */
static int wait_fd(int fd, short events, int ms)
{
	struct pollfd p;
	int n;

	p.fd = fd;
	p.events = events;
	p.revents = 0;
	do
		n = poll(&p, 1, ms);
	while (n < 0 && errno == EINTR);
	return n;
}

/* A non-blocking TCP connection to addr:port. CN_ERR_CONNECTION on failure. */
static int tcp_connect(const char *addr, int port, int family, int timeout_ms, const char *where, int *out)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t slen, elen;
	int fd = -1, flags, err = 0, n, rc;

	memset(&ss, 0, sizeof(ss));
	if (family == 4) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)port);
		inet_pton(AF_INET, addr, &s4->sin_addr);
		slen = sizeof(*s4);
	} else {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)port);
		inet_pton(AF_INET6, addr, &s6->sin6_addr);
		slen = sizeof(*s6);
	}
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0) {
		rc = cn_err_set(CN_ERR_CONNECTION, "%s: socket: %s", where, strerror(errno));
		goto out;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		rc = cn_err_set(CN_ERR_INTERNAL, "%s: fcntl: %s", where, strerror(errno));
		goto out;
	}
	if (connect(fd, (struct sockaddr *)&ss, slen) != 0) {
		if (errno != EINPROGRESS) {
			rc = cn_err_set(CN_ERR_CONNECTION, "%s: cannot connect: %s", where, strerror(errno));
			goto out;
		}
		n = wait_fd(fd, POLLOUT, timeout_ms);
		if (n == 0) {
			rc = cn_err_set(CN_ERR_CONNECTION, "%s: timeout connecting", where);
			goto out;
		}
		elen = sizeof(err);
		if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
			err = errno;
		if (err != 0) {
			rc = cn_err_set(CN_ERR_CONNECTION, "%s: cannot connect: %s", where, strerror(err));
			goto out;
		}
	}
	*out = fd;
	fd = -1;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

static void hex_of(const unsigned char *p, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* RFC 8737 section 3 / RFC 8738 section 6: one SAN entry, the identifier. */
static int check_san(X509 *cert, const char *id_type, const char *id_value, const char *where)
{
	GENERAL_NAMES *gens = NULL;
	const GENERAL_NAME *g;
	unsigned char want[16];
	char quoted[256];
	const unsigned char *d;
	int crit = -1, n, len, wlen, rc;
	bool ip = strcmp(id_type, "ip") == 0;

	gens = X509_get_ext_d2i(cert, NID_subject_alt_name, &crit, NULL);
	if (gens == NULL) {
		rc = cn_err_set(CN_ERR_TLS, "%s: the acme-tls/1 certificate %s", where,
		    crit == -2 ? "has more than one subjectAltName extension" : "has no (valid) subjectAltName extension");
		goto out;
	}
	n = sk_GENERAL_NAME_num(gens);
	if (n != 1) {
		rc = cn_err_set(CN_ERR_TLS, "%s: the acme-tls/1 certificate has %d subjectAltName entries; it must have "
					    "exactly one, %s",
		    where, n, id_value);
		goto out;
	}
	g = sk_GENERAL_NAME_value(gens, 0);
	if (ip) {
		wlen = inet_pton(AF_INET, id_value, want) == 1 ? 4 : 16;
		if (wlen == 16)
			inet_pton(AF_INET6, id_value, want);
		if (g->type != GEN_IPADD || ASN1_STRING_length(g->d.iPAddress) != wlen ||
		    memcmp(ASN1_STRING_get0_data(g->d.iPAddress), want, (size_t)wlen) != 0) {
			rc = cn_err_set(CN_ERR_TLS, "%s: the acme-tls/1 certificate's subjectAltName is not the iPAddress %s",
			    where, id_value);
			goto out;
		}
		rc = 0;
		goto out;
	}
	if (g->type != GEN_DNS) {
		rc = cn_err_set(CN_ERR_TLS, "%s: the acme-tls/1 certificate's subjectAltName is not a dNSName", where);
		goto out;
	}
	d = ASN1_STRING_get0_data(g->d.dNSName);
	len = ASN1_STRING_length(g->d.dNSName);
	if (len < 0 || (size_t)len != strlen(id_value) || memchr(d, '\0', (size_t)len) != NULL ||
	    strncasecmp((const char *)d, id_value, (size_t)len) != 0) {
		cn_log_escape((const char *)d, len > 0 ? (size_t)(len < 64 ? len : 64) : 0, quoted, sizeof(quoted));
		rc = cn_err_set(CN_ERR_TLS, "%s: the acme-tls/1 certificate's subjectAltName is \"%s\", not %s", where,
		    quoted, id_value);
		goto out;
	}
	rc = 0;
out:
	GENERAL_NAMES_free(gens);
	return rc;
}

/* RFC 8737 section 3: one critical acmeIdentifier, OCTET STRING (SIZE (32)). */
static int check_acme_identifier(X509 *cert, const unsigned char *digest, const char *where)
{
	ASN1_OBJECT *oid = NULL;
	X509_EXTENSION *ext;
	const ASN1_OCTET_STRING *val;
	const unsigned char *p;
	char got_hex[2 * SHA256_LEN + 1], want_hex[2 * SHA256_LEN + 1];
	int loc, rc;

	oid = OBJ_txt2obj(OID_ACME_IDENTIFIER, 1);
	if (oid == NULL) {
		rc = cn_err_openssl(CN_ERR_CRYPTO, "OBJ_txt2obj");
		goto out;
	}
	loc = X509_get_ext_by_OBJ(cert, oid, -1);
	if (loc < 0) {
		rc = cn_err_set(CN_ERR_TLS,
		    "%s: the acme-tls/1 certificate lacks the acmeIdentifier extension (" OID_ACME_IDENTIFIER ")",
		    where);
		goto out;
	}
	if (X509_get_ext_by_OBJ(cert, oid, loc) >= 0) {
		rc = cn_err_set(CN_ERR_TLS, "%s: the acme-tls/1 certificate has more than one acmeIdentifier extension",
		    where);
		goto out;
	}
	ext = X509_get_ext(cert, loc);
	if (!X509_EXTENSION_get_critical(ext)) {
		rc = cn_err_set(CN_ERR_TLS, "%s: the acmeIdentifier extension of the acme-tls/1 certificate is not critical",
		    where);
		goto out;
	}
	val = X509_EXTENSION_get_data(ext);
	p = ASN1_STRING_get0_data(val);
	/* The only DER encoding of a 32-byte OCTET STRING: 04 20 <32 bytes>. */
	if (ASN1_STRING_length(val) != 2 + SHA256_LEN || p[0] != 0x04 || p[1] != SHA256_LEN) {
		rc = cn_err_set(CN_ERR_TLS,
		    "%s: the acmeIdentifier extension is not the DER OCTET STRING of a SHA-256 digest", where);
		goto out;
	}
	if (CRYPTO_memcmp(p + 2, digest, SHA256_LEN) != 0) {
		hex_of(p + 2, SHA256_LEN, got_hex);
		hex_of(digest, SHA256_LEN, want_hex);
		rc = cn_err_set(CN_ERR_INCORRECT_RESPONSE,
		    "%s: the acmeIdentifier extension holds %s; SHA-256 of the key authorization is %s", where,
		    got_hex, want_hex);
		goto out;
	}
	rc = 0;
out:
	ASN1_OBJECT_free(oid);
	return rc;
}

/* A handshake step by step, each wait bounded by the deadline. */
static int handshake(SSL *ssl, int fd, int64_t deadline, const char *where)
{
	int n, e, left;

	for (;;) {
		n = SSL_connect(ssl);
		if (n == 1)
			return 0;
		e = SSL_get_error(ssl, n);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
			char what[160];

			if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
				ERR_clear_error();
				return cn_err_set(CN_ERR_TLS, "%s: TLS handshake failed: %s", where,
				    errno ? strerror(errno) : "connection closed by the server");
			}
			snprintf(what, sizeof(what), "%s: TLS handshake (ALPN " ACME_TLS_1 ")", where);
			return cn_err_openssl(CN_ERR_TLS, what);
		}
		left = ca_v_left_ms(deadline);
		n = left ? wait_fd(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, left) : 0;
		if (n == 0) {
			ERR_clear_error();
			return cn_err_set(CN_ERR_CONNECTION, "%s: timeout during the TLS handshake", where);
		}
		if (n < 0) {
			ERR_clear_error();
			return cn_err_set(CN_ERR_CONNECTION, "%s: poll: %s", where, strerror(errno));
		}
	}
}

/* One attempt at one address; *conn_failed when TCP did not connect. */
static int try_addr(const struct ca_validate_cfg *cfg, const char *addr, const char *sni, const char *id_type,
    const char *id_value, const unsigned char *digest, int64_t deadline, bool *conn_failed)
{
	static const unsigned char alpn[] = "\x0a" ACME_TLS_1;
	char where[96];
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	X509 *cert;
	const unsigned char *proto = NULL;
	unsigned int plen = 0;
	int fd = -1, family = 4, left, rc;

	*conn_failed = false;
	ca_v_is_ip(addr, &family);
	snprintf(where, sizeof(where), "%s port %d", addr, cfg->tlsalpn01_port);
	left = ca_v_left_ms(deadline);
	if (left == 0) {
		rc = cn_err_set(CN_ERR_CONNECTION, "%s: timed out before connecting", where);
		goto out;
	}
	rc = tcp_connect(addr, cfg->tlsalpn01_port, family, left < cfg->connect_timeout_ms ? left : cfg->connect_timeout_ms,
	    where, &fd);
	if (rc != 0) {
		*conn_failed = true;
		goto out;
	}
	ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL) {
		rc = cn_err_openssl(CN_ERR_CRYPTO, "SSL_CTX_new");
		goto out;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_alpn_protos(ctx, alpn, sizeof(alpn) - 1) != 0) { /* 0 is success here */
		rc = cn_err_openssl(CN_ERR_CRYPTO, "SSL_CTX setup");
		goto out;
	}
	ssl = SSL_new(ctx);
	if (ssl == NULL || SSL_set_fd(ssl, fd) != 1 || SSL_set_tlsext_host_name(ssl, sni) != 1) {
		rc = cn_err_openssl(CN_ERR_CRYPTO, "SSL setup");
		goto out;
	}
	CN_LOG(CN_LOG_DEBUG, "validate", "tls-alpn-01 handshake with %s, SNI %s", where, sni);
	rc = handshake(ssl, fd, deadline, where);
	if (rc != 0)
		goto out;
	SSL_get0_alpn_selected(ssl, &proto, &plen);
	if (plen != sizeof(ACME_TLS_1) - 1 || memcmp(proto, ACME_TLS_1, plen) != 0) {
		rc = cn_err_set(CN_ERR_TLS, "%s: the server did not negotiate the ALPN protocol " ACME_TLS_1
					    " (SNI %s)",
		    where, sni);
		goto out;
	}
	cert = SSL_get0_peer_certificate(ssl);
	if (cert == NULL) {
		rc = cn_err_set(CN_ERR_TLS, "%s: the server sent no certificate", where);
		goto out;
	}
	rc = check_san(cert, id_type, id_value, where);
	if (rc == 0)
		rc = check_acme_identifier(cert, digest, where);
	if (rc == 0)
		CN_LOG(CN_LOG_DEBUG, "validate", "tls-alpn-01 %s valid via %s", id_value, where);
out:
	if (ssl != NULL)
		(void)SSL_shutdown(ssl); /* close_notify, best effort; nothing else is sent */
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	if (fd >= 0)
		close(fd);
	ERR_clear_error();
	return rc;
}

int ca_validate_tlsalpn01(const struct ca_validate_cfg *cfg_in, struct ca_resolver *r, const char *id_type,
    const char *id_value, const char *key_authz)
{
	struct ca_validate_cfg cfg;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	char sni[MAX_SNI];
	char **addrs = NULL;
	size_t n = 0, i;
	int64_t deadline;
	bool conn_failed = false;
	int family, rc;

	ca_v_cfg_fill(cfg_in, &cfg);
	deadline = ca_v_now_ms() + cfg.total_timeout_ms;
	if (strcmp(id_type, "dns") == 0 && strncmp(id_value, "*.", 2) == 0) {
		rc = cn_err_set(CN_ERR_MALFORMED, "tls-alpn-01 cannot validate the wildcard %.80s", id_value);
		goto out;
	}
	rc = ca_v_targets(&cfg, r, id_type, id_value, deadline, &addrs, &n);
	if (rc != 0)
		goto out;
	if (strcmp(id_type, "ip") == 0) {
		ca_v_is_ip(id_value, &family);
		reverse_name(id_value, family, sni, sizeof(sni));
	} else {
		snprintf(sni, sizeof(sni), "%s", id_value);
	}
	if (EVP_Digest(key_authz, strlen(key_authz), digest, &dlen, EVP_sha256(), NULL) != 1 ||
	    dlen != SHA256_LEN) {
		rc = cn_err_openssl(CN_ERR_CRYPTO, "EVP_Digest");
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct sigpipe_guard g;

		sigpipe_block(&g);
		rc = try_addr(&cfg, addrs[i], sni, id_type, id_value, digest, deadline, &conn_failed);
		sigpipe_restore(&g);
		if (rc == 0 || !conn_failed)
			break;
		if (i + 1 < n)
			CN_LOG(CN_LOG_DEBUG, "validate", "tls-alpn-01: %s, trying %s", cn_err_detail(), addrs[i + 1]);
	}
out:
	ca_addrs_free(addrs, n);
	return rc;
}
