/*
 * solve/solve.c - what every challenge solver shares: choosing the solver
 * from the settings, key authorizations (RFC 8555 section 8.1) and the
 * dns-01 digest (section 8.4), token checks (section 8.3: base64url only,
 * so a token can never name a path outside the webroot), and listening
 * sockets for the standalone solvers.
 */
#include "solve/solve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "b64url.h"
#include "buf.h"
#include "mem.h"

int agent_solver_new(const struct agent_solver_cfg *cfg, struct agent_solver **out)
{
	const char *t = cfg->challenge;

	if (t == NULL)
		return cn_err_set(CN_ERR_USAGE, "no challenge type");
	if (strcmp(t, "http-01") == 0) {
		if (cfg->webroot != NULL)
			return agent_http01_webroot_new(cfg->webroot, out);
		if (cfg->standalone != NULL)
			return agent_http01_standalone_new(cfg->standalone, out);
		return cn_err_set(CN_ERR_USAGE, "http-01 needs --webroot or --standalone");
	}
	if (strcmp(t, "dns-01") == 0) {
		if (cfg->dns_hook != NULL)
			return agent_dns01_hook_new(cfg->dns_hook, cfg->dns_wait_s, out);
		if (cfg->dns_update != NULL) {
			if (cfg->tsig_key == NULL)
				return cn_err_set(CN_ERR_USAGE, "--dns-update needs --tsig-key");
			return agent_dns01_update_new(cfg->dns_update, cfg->tsig_key, cfg->dns_wait_s, out);
		}
		return cn_err_set(CN_ERR_USAGE, "dns-01 needs --dns-hook or --dns-update");
	}
	if (strcmp(t, "tls-alpn-01") == 0) {
		if (cfg->tls_alpn != NULL)
			return agent_tlsalpn01_new(cfg->tls_alpn, out);
		return cn_err_set(CN_ERR_USAGE, "tls-alpn-01 needs --tls-alpn");
	}
	return cn_err_set(CN_ERR_USAGE, "unknown challenge type '%s'", t);
}

void agent_solver_free(struct agent_solver *s)
{
	if (s == NULL)
		return;
	s->ops->free(s);
}

static bool token_ok(const char *t)
{
	size_t n = strlen(t), i;

	if (n < 16 || n > AGENT_TOKEN_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = t[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_'))
			return false;
	}
	return true;
}

int agent_chall_prepare(struct agent_chall *c, const char *thumbprint)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	struct cn_buf b;
	int r;

	if (c->token == NULL || !token_ok(c->token))
		return cn_err_set(CN_ERR_MALFORMED, "challenge %s: token is not base64url of 16..%d characters",
		    c->url ? c->url : "?", AGENT_TOKEN_MAX);
	cn_buf_init(&b, AGENT_TOKEN_MAX + 64);
	r = cn_buf_addf(&b, "%s.%s", c->token, thumbprint);
	if (r != 0)
		return r;
	free(c->key_authz);
	c->key_authz = cn_buf_take(&b, NULL);
	if (EVP_Digest(c->key_authz, strlen(c->key_authz), md, &md_len, EVP_sha256(), NULL) != 1)
		return cn_err_set(CN_ERR_CRYPTO, "SHA-256 failed");
	free(c->dns_value);
	c->dns_value = cn_b64url_encode(md, md_len);
	return 0;
}

void agent_chall_cleanup(struct agent_chall *c)
{
	free(c->type);
	free(c->ident_type);
	free(c->ident);
	free(c->token);
	if (c->key_authz != NULL)
		free(c->key_authz);
	free(c->dns_value);
	free(c->url);
	free(c->authz_url);
	memset(c, 0, sizeof(*c));
}

int agent_parse_hostport(const char *s, char **addr, int *port)
{
	const char *colon, *ps;
	char *end = NULL;
	long p;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			return cn_err_set(CN_ERR_USAGE, "bad address '%s' (want [ADDR]:PORT)", s);
		*addr = cn_xstrndup(s + 1, (size_t)(close - s - 1));
		ps = close + 2;
	} else {
		colon = strrchr(s, ':');
		if (colon != NULL && strchr(s, ':') != colon)
			return cn_err_set(CN_ERR_USAGE, "IPv6 address must be in brackets: '%s'", s);
		*addr = colon ? cn_xstrndup(s, (size_t)(colon - s)) : cn_xstrdup("0.0.0.0");
		ps = colon ? colon + 1 : s;
	}
	p = strtol(ps, &end, 10);
	if (*ps == '\0' || *end != '\0' || p < 1 || p > 65535) {
		free(*addr);
		*addr = NULL;
		return cn_err_set(CN_ERR_USAGE, "bad port in '%s'", s);
	}
	*port = (int)p;
	return 0;
}

int agent_listen_tcp(const char *addr, int port, int *out)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd = -1, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
		sl = sizeof(struct sockaddr_in6);
	} else {
		return cn_err_set(CN_ERR_USAGE, "not an IP address: '%s'", addr);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return cn_err_set(CN_ERR_IO, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 64) != 0) {
		int e = errno;

		close(fd);
		return cn_err_set(CN_ERR_IO, "listen on %s port %d: %s", addr, port, strerror(e));
	}
	*out = fd;
	return 0;
}
