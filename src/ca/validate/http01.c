/*
 * http01.c - the http-01 challenge (RFC 8555 section 8.3; RFC 8738 section
 * 5 for IP identifiers; CA/B BR 3.2.2.4.19), with libcurl.
 *
 * GET http://NAME/.well-known/acme-challenge/TOKEN, sent to cfg->http01_port
 * (80) of an address we resolved ourselves (resolver.c) and checked against
 * the SSRF guard (addrpolicy.c): libcurl never resolves anything, because
 * CURLOPT_CONNECT_TO pins every connection to that address. IPv6 is tried
 * first, IPv4 when connecting fails (as Boulder does). The body, with
 * trailing whitespace removed, must equal the key authorization and the
 * status must be 200 (BR: a 2xx; Boulder and we want exactly 200).
 *
 * Redirects (RFC 8555 section 10.2, BR 3.2.2.4.19) are followed by hand, at
 * most cfg->max_redirects: only 301, 302, 307 and 308; only to http on
 * cfg->http01_port or https on cfg->tlsalpn01_port (the BR's "Authorized
 * Ports" 80 and 443), a port left out meaning that port; no userinfo; a host
 * name or an IP address as host. Every hop is resolved and checked again.
 * https hops do not verify the certificate (the challenge proves control by
 * content, not by PKI; Boulder does the same).
 *
 * Limits: cfg->max_body bytes of body per response (the transfer is aborted
 * past it), connect and total deadlines shared by all hops, no proxy, no
 * cookies, no content decoding, only http and https, User-Agent "cairnd".
 *
 * Not here: multi-perspective corroboration (perspective.c).
 */
#include "validate/validate.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "validate/validate_int.h"

#define WELL_KNOWN "/.well-known/acme-challenge/"
/* A token is base64url of >= 128 bits; anything this long is not one. */
#define MAX_TOKEN 256
/* Bytes of a wrong body quoted back to the subscriber. */
#define QUOTE_BYTES 96

int ca_validate_global_init(void)
{
	CURLcode c = curl_global_init(CURL_GLOBAL_DEFAULT);

	if (c != CURLE_OK)
		return cn_err_set(CN_ERR_INTERNAL, "curl_global_init: %s", curl_easy_strerror(c));
	return 0;
}

/* Where one request goes. */
struct hop {
	char *url;      /* owned; absolute, what the Host header and path come from */
	char *host;     /* owned; a host name or an IP address (no brackets) */
	const char *id_type; /* "dns" or "ip" for host */
	int port;       /* the port to connect to */
};

/* What one request got. */
struct reply {
	long status;
	char *location; /* owned; absolute redirect target or NULL */
	char *raw_location; /* owned; the Location header as sent, or NULL */
	struct cn_buf body;
	bool too_big;
	char addr[64];  /* "ADDR port N" it came from */
};

static void hop_cleanup(struct hop *h)
{
	free(h->url);
	free(h->host);
	h->url = h->host = NULL;
}

static void reply_reset(struct reply *rp, size_t max_body)
{
	free(rp->location);
	free(rp->raw_location);
	cn_buf_free(&rp->body);
	memset(rp, 0, sizeof(*rp));
	cn_buf_init(&rp->body, max_body);
}

static const char *esc(const char *s, char *out, size_t out_len)
{
	return cn_log_escape(s, strlen(s), out, out_len);
}

static bool is_b64url(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return i > 0 && i <= MAX_TOKEN;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct reply *rp = arg;
	size_t n = size * nmemb;

	if (cn_buf_add(&rp->body, p, n) != 0) {
		rp->too_big = true;
		return 0; /* not n: libcurl aborts the transfer */
	}
	return n;
}

/*
 * One GET of h->url from addr. *conn_failed tells whether the connection
 * itself could not be made (so another address may be tried).
 */
static int fetch_one(const struct ca_validate_cfg *cfg, const struct hop *h, const char *addr,
    int64_t deadline, struct reply *rp, bool *conn_failed)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	char target[96], eurl[512];
	struct curl_slist *connect_to = NULL;
	struct curl_header *hdr = NULL;
	CURL *c = NULL;
	CURLcode cc;
	curl_off_t connect_us = 0;
	char *redir = NULL;
	int left, family = 4, rc;

	*conn_failed = false;
	esc(h->url, eurl, sizeof(eurl));
	ca_v_is_ip(addr, &family);
	snprintf(rp->addr, sizeof(rp->addr), "%s port %d", addr, h->port);
	left = ca_v_left_ms(deadline);
	if (left == 0) {
		rc = cn_err_set(CN_ERR_CONNECTION, "%s: timed out before connecting to %s", eurl, rp->addr);
		goto out;
	}
	c = curl_easy_init();
	if (c == NULL) {
		rc = cn_err_set(CN_ERR_INTERNAL, "curl_easy_init failed");
		goto out;
	}
	/* "::ADDR:PORT": every host and port of this handle goes to ADDR:PORT. */
	snprintf(target, sizeof(target), family == 6 ? "::[%s]:%d" : "::%s:%d", addr, h->port);
	connect_to = curl_slist_append(NULL, target);
	if (connect_to == NULL) {
		rc = cn_err_set(CN_ERR_INTERNAL, "curl_slist_append failed");
		goto out;
	}
	cc = curl_easy_setopt(c, CURLOPT_URL, h->url);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_CONNECT_TO, connect_to);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_PROXY, "");
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_USERAGENT, "cairnd");
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
		    (long)(left < cfg->connect_timeout_ms ? left : cfg->connect_timeout_ms));
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)left);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cfg->max_body);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_WRITEDATA, rp);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	if (cc != CURLE_OK) {
		rc = cn_err_set(CN_ERR_INTERNAL, "curl_easy_setopt: %s", curl_easy_strerror(cc));
		goto out;
	}
	CN_LOG(CN_LOG_DEBUG, "validate", "http-01 GET %s via %s", eurl, rp->addr);
	cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		const char *why = errbuf[0] ? errbuf : curl_easy_strerror(cc);

		(void)curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &connect_us);
		if (rp->too_big || cc == CURLE_FILESIZE_EXCEEDED) {
			rc = cn_err_set(CN_ERR_INCORRECT_RESPONSE,
			    "%s (%s): response body is larger than %zu bytes; it must be the key authorization",
			    eurl, rp->addr, cfg->max_body);
		} else if (cc == CURLE_COULDNT_CONNECT) {
			*conn_failed = true;
			rc = cn_err_set(CN_ERR_CONNECTION, "%s: cannot connect to %s: %s", eurl, rp->addr, why);
		} else if (cc == CURLE_OPERATION_TIMEDOUT) {
			*conn_failed = connect_us == 0;
			rc = cn_err_set(CN_ERR_CONNECTION, "%s: timeout %s %s: %s", eurl,
			    connect_us == 0 ? "connecting to" : "waiting for a response from", rp->addr, why);
		} else if (cc == CURLE_SSL_CONNECT_ERROR || cc == CURLE_PEER_FAILED_VERIFICATION ||
		    cc == CURLE_SSL_CERTPROBLEM || cc == CURLE_SSL_CIPHER || cc == CURLE_SSL_ISSUER_ERROR) {
			rc = cn_err_set(CN_ERR_TLS, "%s (%s): TLS error: %s", eurl, rp->addr, why);
		} else if (cc == CURLE_OUT_OF_MEMORY) {
			rc = cn_err_set(CN_ERR_INTERNAL, "%s: libcurl: %s", eurl, why);
		} else {
			rc = cn_err_set(CN_ERR_CONNECTION, "%s (%s): %s", eurl, rp->addr, why);
		}
		goto out;
	}
	(void)curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &rp->status);
	if (curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &redir) == CURLE_OK && redir != NULL)
		rp->location = cn_xstrdup(redir);
	if (curl_easy_header(c, "Location", 0, CURLH_HEADER, -1, &hdr) == CURLHE_OK && hdr != NULL)
		rp->raw_location = cn_xstrdup(hdr->value);
	rc = 0;
out:
	curl_easy_cleanup(c);
	curl_slist_free_all(connect_to);
	return rc;
}

/* GETs h->url from each address in turn until one connects. */
static int fetch(const struct ca_validate_cfg *cfg, struct ca_resolver *r, const struct hop *h,
    int64_t deadline, struct reply *rp)
{
	char **addrs = NULL;
	size_t n = 0, i;
	bool conn_failed = false;
	int rc;

	rc = ca_v_targets(cfg, r, h->id_type, h->host, deadline, &addrs, &n);
	if (rc != 0)
		goto out;
	for (i = 0; i < n; i++) {
		reply_reset(rp, cfg->max_body);
		rc = fetch_one(cfg, h, addrs[i], deadline, rp, &conn_failed);
		if (rc == 0 || !conn_failed)
			break;
		if (i + 1 < n)
			CN_LOG(CN_LOG_DEBUG, "validate", "http-01: %s, trying %s", cn_err_detail(), addrs[i + 1]);
	}
out:
	ca_addrs_free(addrs, n);
	return rc;
}

static int get_part(CURLU *u, CURLUPart what, char **out)
{
	CURLUcode uc = curl_url_get(u, what, out, 0);

	if (uc == CURLUE_OK)
		return 1;
	*out = NULL;
	return 0;
}

/*
 * The next hop from an absolute Location (BR 3.2.2.4.19: http or https, to
 * an authorized port). CN_ERR_CONNECTION when the target is not allowed.
 */
static int redirect_hop(const struct ca_validate_cfg *cfg, const char *location, struct hop *next)
{
	char eloc[512];
	CURLU *u = NULL;
	char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL, *pass = NULL, *zone = NULL;
	char *url = NULL, *end = NULL;
	size_t hl;
	long p;
	int want, family, rc;

	esc(location, eloc, sizeof(eloc));
	u = curl_url();
	if (u == NULL) {
		rc = cn_err_set(CN_ERR_INTERNAL, "curl_url failed");
		goto out;
	}
	if (curl_url_set(u, CURLUPART_URL, location, 0) != CURLUE_OK || !get_part(u, CURLUPART_SCHEME, &scheme) ||
	    !get_part(u, CURLUPART_HOST, &host) || !get_part(u, CURLUPART_URL, &url)) {
		rc = cn_err_set(CN_ERR_CONNECTION, "redirect to '%s': not a usable http or https URL", eloc);
		goto out;
	}
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		rc = cn_err_set(CN_ERR_CONNECTION, "redirect to '%s': only http and https may be redirected to",
		    eloc);
		goto out;
	}
	if (get_part(u, CURLUPART_USER, &user) || get_part(u, CURLUPART_PASSWORD, &pass)) {
		rc = cn_err_set(CN_ERR_CONNECTION, "redirect to '%s': a URL with userinfo is not allowed", eloc);
		goto out;
	}
	if (get_part(u, CURLUPART_ZONEID, &zone)) {
		rc = cn_err_set(CN_ERR_CONNECTION, "redirect to '%s': an IPv6 zone is not allowed", eloc);
		goto out;
	}
	want = strcmp(scheme, "http") == 0 ? cfg->http01_port : cfg->tlsalpn01_port;
	p = want;
	if (get_part(u, CURLUPART_PORT, &port)) {
		p = strtol(port, &end, 10);
		if (*end != '\0' || p != want) {
			rc = cn_err_set(CN_ERR_CONNECTION,
			    "redirect to '%s': port %s is not allowed; %s redirects may only go to port %d", eloc,
			    port, scheme, want);
			goto out;
		}
	}
	hl = strlen(host);
	if (hl > 2 && host[0] == '[' && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
		if (!ca_v_is_ip(host, &family) || family != 6) {
			rc = cn_err_set(CN_ERR_CONNECTION, "redirect to '%s': bad IPv6 address", eloc);
			goto out;
		}
		next->id_type = "ip";
	} else if (ca_v_is_ip(host, &family)) {
		next->id_type = "ip";
	} else {
		if (hl > 1 && host[hl - 1] == '.')
			host[hl - 1] = '\0'; /* an absolute name is the same name */
		if (!ca_v_is_hostname(host)) {
			rc = cn_err_set(CN_ERR_CONNECTION,
			    "redirect to '%s': the host must be a valid domain name or an IP address", eloc);
			goto out;
		}
		next->id_type = "dns";
	}
	next->url = cn_xstrdup(url);
	next->host = cn_xstrdup(host);
	next->port = (int)p;
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(user);
	curl_free(pass);
	curl_free(zone);
	curl_free(url);
	curl_url_cleanup(u);
	return rc;
}

static bool is_redirect(long status)
{
	return status == 301 || status == 302 || status == 307 || status == 308;
}

/* RFC 8555 section 8.3 step 4: "ignore whitespace characters at the end". */
static int check_body(const char *eurl, const struct reply *rp, const char *key_authz)
{
	char got[QUOTE_BYTES * 4 + 1], want[QUOTE_BYTES * 4 + 1];
	const unsigned char *b = rp->body.data;
	size_t len = rp->body.len, klen = strlen(key_authz);

	while (len > 0 && (b[len - 1] == ' ' || b[len - 1] == '\t' || b[len - 1] == '\r' ||
	    b[len - 1] == '\n' || b[len - 1] == '\v' || b[len - 1] == '\f'))
		len--;
	if (len == klen && (klen == 0 || memcmp(b, key_authz, klen) == 0))
		return 0;
	cn_log_escape((const char *)(b ? b : (const unsigned char *)""), len < QUOTE_BYTES ? len : QUOTE_BYTES,
	    got, sizeof(got));
	cn_log_escape(key_authz, klen < QUOTE_BYTES ? klen : QUOTE_BYTES, want, sizeof(want));
	return cn_err_set(CN_ERR_INCORRECT_RESPONSE,
	    "the key authorization file at %s (%s) does not match this challenge: expected \"%s%s\", got "
	    "\"%s%s\"",
	    eurl, rp->addr, want, klen > QUOTE_BYTES ? "..." : "", got, len > QUOTE_BYTES ? "..." : "");
}

int ca_validate_http01(const struct ca_validate_cfg *cfg_in, struct ca_resolver *r, const char *id_type,
    const char *id_value, const char *token, const char *key_authz)
{
	struct ca_validate_cfg cfg;
	struct hop h = {0};
	struct reply rp;
	struct cn_buf url;
	char eurl[512], eloc[512];
	int64_t deadline;
	int family, redirects = 0, rc;

	ca_v_cfg_fill(cfg_in, &cfg);
	deadline = ca_v_now_ms() + cfg.total_timeout_ms;
	memset(&rp, 0, sizeof(rp));
	cn_buf_init(&rp.body, cfg.max_body);
	cn_buf_init(&url, 2048);
	if (!is_b64url(token)) {
		rc = cn_err_set(CN_ERR_MALFORMED, "http-01 token is not base64url");
		goto out;
	}
	if (strcmp(id_type, "dns") == 0 && strncmp(id_value, "*.", 2) == 0) {
		rc = cn_err_set(CN_ERR_MALFORMED, "http-01 cannot validate the wildcard %.80s", id_value);
		goto out;
	}
	if (strcmp(id_type, "ip") == 0 && ca_v_is_ip(id_value, &family) && family == 6)
		rc = cn_buf_addf(&url, "http://[%s]" WELL_KNOWN "%s", id_value, token);
	else
		rc = cn_buf_addf(&url, "http://%s" WELL_KNOWN "%s", id_value, token);
	if (rc != 0)
		goto out;
	h.url = cn_buf_take(&url, NULL);
	h.host = cn_xstrdup(id_value);
	h.id_type = id_type;
	h.port = cfg.http01_port;
	for (;;) {
		rc = fetch(&cfg, r, &h, deadline, &rp);
		if (rc != 0)
			goto out;
		esc(h.url, eurl, sizeof(eurl));
		if (is_redirect(rp.status)) {
			struct hop next = {0};

			if (rp.location == NULL) {
				rc = cn_err_set(CN_ERR_CONNECTION, "%s (%s): HTTP %ld redirect without a usable Location%s%s",
				    eurl, rp.addr, rp.status, rp.raw_location ? ": " : "",
				    rp.raw_location ? esc(rp.raw_location, eloc, sizeof(eloc)) : "");
				goto out;
			}
			if (redirects >= cfg.max_redirects) {
				rc = cn_err_set(CN_ERR_CONNECTION, "%s (%s): too many redirects (more than %d)", eurl,
				    rp.addr, cfg.max_redirects);
				goto out;
			}
			rc = redirect_hop(&cfg, rp.location, &next);
			if (rc != 0) {
				char why[400];

				snprintf(why, sizeof(why), "%s", cn_err_detail());
				rc = cn_err_set(rc, "%s (%s): %s", eurl, rp.addr, why);
				goto out;
			}
			redirects++;
			CN_LOG(CN_LOG_DEBUG, "validate", "http-01: %s redirects (%ld) to %s", eurl, rp.status,
			    esc(next.url, eloc, sizeof(eloc)));
			hop_cleanup(&h);
			h = next;
			continue;
		}
		if (rp.status != 200) {
			rc = cn_err_set(CN_ERR_UNAUTHORIZED,
			    "%s (%s): HTTP %ld; expected 200 with the key authorization as the body%s", eurl, rp.addr,
			    rp.status,
			    rp.status >= 300 && rp.status < 400 ? " (only 301, 302, 307 and 308 redirects are followed)"
								: "");
			goto out;
		}
		rc = check_body(eurl, &rp, key_authz);
		if (rc == 0)
			CN_LOG(CN_LOG_DEBUG, "validate", "http-01 %s valid via %s", eurl, rp.addr);
		goto out;
	}
out:
	hop_cleanup(&h);
	reply_reset(&rp, 0);
	cn_buf_free(&rp.body);
	cn_buf_free(&url);
	return rc;
}
