/*
 * http/client.c - bounded HTTP(S) requests on one reusable libcurl handle.
 *
 * Implements the transport needs of RFC 8555 section 6 (HTTPS only for the
 * ACME API, no redirects followed unless configured, Replay-Nonce and Link
 * headers kept) and RFC 9110 section 10.2.3 (Retry-After as delta-seconds or
 * HTTP-date) and RFC 8288 section 3 (Link header field values; only the
 * target and rel parameter are kept, title/anchor and extended parameters
 * are ignored).
 *
 * The handle is reset with curl_easy_reset() before each request, which
 * keeps the connection cache, DNS cache and TLS session cache, so the next
 * request to the same server reuses the kept-alive connection.
 *
 * libcurl is reached only through the table of http/curl_load.h: it is
 * loaded by the first cn_http_new() (or HTTP-date Retry-After), so a
 * program that makes no request never loads it.
 */
#include "http/client.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "http/curl_load.h"
#include "log.h"
#include "mem.h"

#define HTTP_DEFAULT_CONNECT_MS 10000L
#define HTTP_DEFAULT_TIMEOUT_MS 30000L
#define HTTP_MAX_RETRY_AFTER 86400L * 30L /* a month: larger values are clamped */

struct cn_http {
	const struct cn_curl *cl; /* libcurl's functions */
	CURL *curl;
	char *ca_bundle;
	char *user_agent;
	long connect_timeout_ms;
	long timeout_ms;
	size_t max_body;
	long max_redirects;
	bool insecure;
	char errbuf[CURL_ERROR_SIZE];
};

/* What the callbacks fill during one transfer. */
struct http_xfer {
	struct cn_buf body;
	bool too_big;
	struct cn_http_resp resp;
	char *retry_after_raw;
};

int cn_http_new(const struct cn_http_opts *o, struct cn_http **out)
{
	const struct cn_curl *cl = NULL;
	struct cn_http *h = NULL;
	int r;

	r = cn_curl_load(&cl);
	if (r != 0)
		return r;
	h = cn_xcalloc(1, sizeof(*h));
	h->cl = cl;
	h->curl = cl->easy_init();
	if (h->curl == NULL) {
		free(h);
		return cn_err_set(CN_ERR_INTERNAL, "curl_easy_init failed");
	}
	h->ca_bundle = o->ca_bundle ? cn_xstrdup(o->ca_bundle) : NULL;
	h->user_agent = cn_xstrdup(o->user_agent ? o->user_agent : "cairn");
	h->connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : HTTP_DEFAULT_CONNECT_MS;
	h->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : HTTP_DEFAULT_TIMEOUT_MS;
	h->max_body = o->max_body > 0 ? o->max_body : CN_HTTP_MAX_BODY;
	h->max_redirects = o->max_redirects;
	h->insecure = o->insecure;
	*out = h;
	return 0;
}

void cn_http_free(struct cn_http *h)
{
	if (h == NULL)
		return;
	h->cl->easy_cleanup(h->curl);
	free(h->ca_bundle);
	free(h->user_agent);
	free(h);
}

static void resp_reset_headers(struct cn_http_resp *r)
{
	size_t i;

	free(r->content_type);
	free(r->location);
	free(r->replay_nonce);
	r->content_type = r->location = r->replay_nonce = NULL;
	for (i = 0; i < r->n_links; i++) {
		free(r->links[i].url);
		free(r->links[i].rel);
	}
	r->n_links = 0;
	r->retry_after = -1;
}

void cn_http_resp_cleanup(struct cn_http_resp *r)
{
	if (r == NULL)
		return;
	resp_reset_headers(r);
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
	r->status = 0;
}

const char *cn_http_link_find(const struct cn_http_resp *r, const char *rel)
{
	size_t i;

	for (i = 0; i < r->n_links; i++)
		if (strcasecmp(r->links[i].rel, rel) == 0)
			return r->links[i].url;
	return NULL;
}

bool cn_http_is_type(const struct cn_http_resp *r, const char *type)
{
	size_t n = strlen(type);
	const char *ct = r->content_type;

	if (ct == NULL || strncasecmp(ct, type, n) != 0)
		return false;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' || ct[n] == '\t';
}

int cn_http_retry_after_parse(const char *v, time_t now, long *secs)
{
	const struct cn_curl *cl = NULL;
	const char *p;
	long n = 0;
	time_t t;

	while (*v == ' ' || *v == '\t')
		v++;
	if (*v == '\0')
		return cn_err_set(CN_ERR_MALFORMED, "empty Retry-After");
	if (isdigit((unsigned char)*v)) {
		for (p = v; isdigit((unsigned char)*p); p++) {
			if (n < HTTP_MAX_RETRY_AFTER)
				n = n * 10 + (*p - '0');
		}
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '\0')
			return cn_err_set(CN_ERR_MALFORMED, "bad Retry-After delta-seconds");
		*secs = n > HTTP_MAX_RETRY_AFTER ? HTTP_MAX_RETRY_AFTER : n;
		return 0;
	}
	if (cn_curl_load(&cl) != 0)
		return CN_ERR_INTERNAL;
	t = cl->getdate(v, NULL);
	if (t == (time_t)-1)
		return cn_err_set(CN_ERR_MALFORMED, "bad Retry-After date");
	if (t <= now)
		*secs = 0;
	else if (t - now > HTTP_MAX_RETRY_AFTER)
		*secs = HTTP_MAX_RETRY_AFTER;
	else
		*secs = (long)(t - now);
	return 0;
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Adds one (url, rel-list) pair; rel may hold several space-separated types. */
static void link_add(struct cn_http_resp *r, const char *url, size_t url_len,
    const char *rel, size_t rel_len)
{
	size_t i = 0, j;

	while (i < rel_len && r->n_links < CN_HTTP_MAX_LINKS) {
		while (i < rel_len && (rel[i] == ' ' || rel[i] == '\t'))
			i++;
		j = i;
		while (j < rel_len && rel[j] != ' ' && rel[j] != '\t')
			j++;
		if (j > i) {
			r->links[r->n_links].url = cn_xstrndup(url, url_len);
			r->links[r->n_links].rel = cn_xstrndup(rel + i, j - i);
			r->n_links++;
		}
		i = j;
	}
}

void cn_http_link_parse(const char *v, struct cn_http_resp *r)
{
	const char *p = v, *url, *rel, *name;
	size_t url_len, rel_len, name_len;

	for (;;) {
		p = skip_ws(p);
		if (*p == '\0')
			return;
		if (*p != '<')
			goto skip;
		url = ++p;
		while (*p != '\0' && *p != '>')
			p++;
		if (*p != '>')
			return;
		url_len = (size_t)(p - url);
		p++;
		rel = NULL;
		rel_len = 0;
		/* link-params: *( OWS ";" OWS link-param ) */
		for (;;) {
			p = skip_ws(p);
			if (*p != ';')
				break;
			p = skip_ws(p + 1);
			name = p;
			while (*p != '\0' && *p != '=' && *p != ';' && *p != ',' && *p != ' ' && *p != '\t')
				p++;
			name_len = (size_t)(p - name);
			p = skip_ws(p);
			if (*p != '=')
				continue;
			p = skip_ws(p + 1);
			if (*p == '"') {
				const char *vs = ++p;

				while (*p != '\0' && *p != '"') {
					if (*p == '\\' && p[1] != '\0')
						p++;
					p++;
				}
				if (*p != '"')
					return;
				if (name_len == 3 && strncasecmp(name, "rel", 3) == 0 && rel == NULL) {
					rel = vs;
					rel_len = (size_t)(p - vs);
				}
				p++;
			} else {
				const char *vs = p;

				while (*p != '\0' && *p != ';' && *p != ',' && *p != ' ' && *p != '\t')
					p++;
				if (name_len == 3 && strncasecmp(name, "rel", 3) == 0 && rel == NULL) {
					rel = vs;
					rel_len = (size_t)(p - vs);
				}
			}
		}
		if (rel != NULL && url_len > 0)
			link_add(r, url, url_len, rel, rel_len);
skip:
		/* to the next link-value */
		while (*p != '\0' && *p != ',') {
			if (*p == '"') {
				p++;
				while (*p != '\0' && *p != '"')
					p++;
				if (*p == '\0')
					return;
			}
			p++;
		}
		if (*p == ',')
			p++;
	}
}

static size_t http_write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct http_xfer *x = ud;
	size_t n = size * nmemb;

	if (cn_buf_add(&x->body, ptr, n) != 0) {
		x->too_big = true;
		return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
	}
	return n;
}

static char *header_dup_value(const char *v, size_t len)
{
	while (len > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	if (len > CN_HTTP_MAX_HEADER)
		return NULL;
	return cn_xstrndup(v, len);
}

static void header_set(char **slot, const char *v, size_t len)
{
	char *s = header_dup_value(v, len);

	if (s == NULL)
		return;
	free(*slot);
	*slot = s;
}

static size_t http_header_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct http_xfer *x = ud;
	size_t n = size * nmemb, nl;
	const char *colon;
	char *v;

	if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
		/* a new response (after 1xx or a followed redirect) */
		resp_reset_headers(&x->resp);
		free(x->retry_after_raw);
		x->retry_after_raw = NULL;
		return n;
	}
	colon = memchr(ptr, ':', n);
	if (colon == NULL)
		return n;
	nl = (size_t)(colon - ptr);
	colon++;
	if (nl == 12 && strncasecmp(ptr, "Content-Type", nl) == 0)
		header_set(&x->resp.content_type, colon, n - nl - 1);
	else if (nl == 8 && strncasecmp(ptr, "Location", nl) == 0)
		header_set(&x->resp.location, colon, n - nl - 1);
	else if (nl == 12 && strncasecmp(ptr, "Replay-Nonce", nl) == 0)
		header_set(&x->resp.replay_nonce, colon, n - nl - 1);
	else if (nl == 11 && strncasecmp(ptr, "Retry-After", nl) == 0)
		header_set(&x->retry_after_raw, colon, n - nl - 1);
	else if (nl == 4 && strncasecmp(ptr, "Link", nl) == 0) {
		v = header_dup_value(colon, n - nl - 1);
		if (v != NULL)
			cn_http_link_parse(v, &x->resp);
		free(v);
	}
	return n;
}

static int http_map_error(struct cn_http *h, CURLcode rc, const struct http_xfer *x,
    const char *url)
{
	const char *msg = h->errbuf[0] ? h->errbuf : h->cl->easy_strerror(rc);
	int code;

	if (x->too_big)
		return cn_err_set(CN_ERR_TOO_BIG, "%s: response body larger than %zu bytes",
		    url, h->max_body);
	switch (rc) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		code = CN_ERR_USAGE;
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		code = CN_ERR_DNS;
		break;
	case CURLE_OPERATION_TIMEDOUT:
		code = CN_ERR_TIMEOUT;
		break;
	case CURLE_COULDNT_CONNECT:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_TOO_MANY_REDIRECTS:
		code = CN_ERR_CONNECTION;
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_USE_SSL_FAILED:
		code = CN_ERR_TLS;
		break;
	default:
		code = CN_ERR_IO;
		break;
	}
	return cn_err_set(code, "%s: %s", url, msg);
}

/* curl_easy_setopt is variadic; collect failures in one flag. */
#define SETOPT(h, opt, val)                                                   \
	do {                                                                  \
		if ((h)->cl->easy_setopt((h)->curl, (opt), (val)) != CURLE_OK) \
			setopt_failed = true;                                 \
	} while (0)

int cn_http_do(struct cn_http *h, const struct cn_http_req *req,
    struct cn_http_resp *resp)
{
	struct http_xfer x;
	struct curl_slist *hdrs = NULL, *resolve = NULL, *tmp;
	bool setopt_failed = false;
	const char *const *p;
	CURLcode rc;
	long status = 0;
	int r;

	memset(&x, 0, sizeof(x));
	x.resp.retry_after = -1;
	cn_buf_init(&x.body, h->max_body);
	if (req->url == NULL || (strncasecmp(req->url, "https://", 8) != 0 &&
	    strncasecmp(req->url, "http://", 7) != 0)) {
		r = cn_err_set(CN_ERR_USAGE, "not an http(s) URL: %s", req->url ? req->url : "(null)");
		goto out;
	}
	h->cl->easy_reset(h->curl);
	h->errbuf[0] = '\0';
	SETOPT(h, CURLOPT_ERRORBUFFER, h->errbuf);
	SETOPT(h, CURLOPT_URL, req->url);
	SETOPT(h, CURLOPT_PROTOCOLS_STR, "http,https");
	SETOPT(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SETOPT(h, CURLOPT_NOSIGNAL, 1L);
	SETOPT(h, CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
	SETOPT(h, CURLOPT_TIMEOUT_MS, h->timeout_ms);
	SETOPT(h, CURLOPT_USERAGENT, h->user_agent);
	SETOPT(h, CURLOPT_TCP_NODELAY, 1L);
	SETOPT(h, CURLOPT_TCP_KEEPALIVE, 1L);
	SETOPT(h, CURLOPT_WRITEFUNCTION, http_write_cb);
	SETOPT(h, CURLOPT_WRITEDATA, &x);
	SETOPT(h, CURLOPT_HEADERFUNCTION, http_header_cb);
	SETOPT(h, CURLOPT_HEADERDATA, &x);
	SETOPT(h, CURLOPT_ACCEPT_ENCODING, NULL);
	if (h->max_redirects > 0) {
		SETOPT(h, CURLOPT_FOLLOWLOCATION, 1L);
		SETOPT(h, CURLOPT_MAXREDIRS, h->max_redirects);
	}
	if (h->ca_bundle != NULL)
		SETOPT(h, CURLOPT_CAINFO, h->ca_bundle);
	if (h->insecure) {
		SETOPT(h, CURLOPT_SSL_VERIFYPEER, 0L);
		SETOPT(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	for (p = req->headers; p != NULL && *p != NULL; p++) {
		tmp = h->cl->slist_append(hdrs, *p);
		if (tmp == NULL) {
			r = cn_err_set(CN_ERR_INTERNAL, "curl_slist_append failed");
			goto out;
		}
		hdrs = tmp;
	}
	/* libcurl adds "Expect: 100-continue" to large POSTs: one round trip less. */
	if (req->body_len > 0) {
		tmp = h->cl->slist_append(hdrs, "Expect:");
		if (tmp == NULL) {
			r = cn_err_set(CN_ERR_INTERNAL, "curl_slist_append failed");
			goto out;
		}
		hdrs = tmp;
	}
	if (hdrs != NULL)
		SETOPT(h, CURLOPT_HTTPHEADER, hdrs);
	for (p = req->resolve; p != NULL && *p != NULL; p++) {
		tmp = h->cl->slist_append(resolve, *p);
		if (tmp == NULL) {
			r = cn_err_set(CN_ERR_INTERNAL, "curl_slist_append failed");
			goto out;
		}
		resolve = tmp;
	}
	if (resolve != NULL)
		SETOPT(h, CURLOPT_RESOLVE, resolve);
	if (req->method == NULL || strcmp(req->method, "GET") == 0) {
		SETOPT(h, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(req->method, "HEAD") == 0) {
		SETOPT(h, CURLOPT_NOBODY, 1L);
	} else if (strcmp(req->method, "POST") == 0) {
		SETOPT(h, CURLOPT_POST, 1L);
		SETOPT(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		SETOPT(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	} else {
		r = cn_err_set(CN_ERR_USAGE, "unsupported HTTP method %s", req->method);
		goto out;
	}
	if (setopt_failed) {
		r = cn_err_set(CN_ERR_INTERNAL, "curl_easy_setopt failed");
		goto out;
	}
	rc = h->cl->easy_perform(h->curl);
	if (rc != CURLE_OK) {
		r = http_map_error(h, rc, &x, req->url);
		goto out;
	}
	h->cl->easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	x.resp.status = status;
	if (x.retry_after_raw != NULL &&
	    cn_http_retry_after_parse(x.retry_after_raw, time(NULL), &x.resp.retry_after) != 0)
		x.resp.retry_after = -1;
	x.resp.body = (unsigned char *)cn_buf_take(&x.body, &x.resp.body_len);
	*resp = x.resp;
	memset(&x.resp, 0, sizeof(x.resp));
	r = 0;
out:
	h->cl->slist_free_all(hdrs);
	h->cl->slist_free_all(resolve);
	cn_buf_free(&x.body);
	free(x.retry_after_raw);
	cn_http_resp_cleanup(&x.resp);
	return r;
}
