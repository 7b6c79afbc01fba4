/*
 * responder.c - the OCSP responder and CRL distribution point on the
 * plain-HTTP listener: RFC 6960 (section 2.3 error statuses, appendix A.1
 * HTTP GET and POST) with the RFC 9919 profile (section 3.2.3: unauthorized
 * for other issuers; section 6 and 7.2: HTTP header fields for caching) and
 * CA/B Forum BR 4.9.9 (never "good" for a serial this CA did not issue).
 *
 * The hot path - a GET or POST for a certificate whose response is in
 * memory - decodes and parses the request (ocsp_req.c), checks the issuer
 * hashes and copies the pre-signed response out of the table: no signing,
 * no store access. Misses read the store (never write it) and may sign, at
 * most CA_OCSP_ON_DEMAND_PER_S times a second.
 *
 * Left out: If-None-Match / If-Modified-Since (the listener does not pass
 * request headers through), nonces (RFC 9919 section 5).
 */
#include "revocation/revocation_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme/acme.h"
#include "config.h"
#include "log.h"
#include "mem.h"
#include "revocation/ocsp_req.h"
#include "store/store.h"

/* Responses signed on demand (unknown serials, certificates issued in the
 * last poll interval) per second before the responder answers tryLater. */
#define CA_OCSP_ON_DEMAND_PER_S 500
/* How long HTTP caches may keep an "unknown" response. */
#define CA_OCSP_UNKNOWN_MAX_AGE_S 3600
/* Longest CRL path we look at: "/crl/" + digits + ".crl". */
#define CA_CRL_PATH_MAX 32

/* RFC 6960 section 4.2.1: OCSPResponse ::= SEQUENCE { responseStatus
 * ENUMERATED } without responseBytes, for the error statuses. */
static const unsigned char resp_malformed[] = {0x30, 0x03, 0x0a, 0x01, 0x01};
static const unsigned char resp_internal[] = {0x30, 0x03, 0x0a, 0x01, 0x02};
static const unsigned char resp_try_later[] = {0x30, 0x03, 0x0a, 0x01, 0x03};
static const unsigned char resp_unauthorized[] = {0x30, 0x03, 0x0a, 0x01, 0x06};

int rv_hex_to_bytes(const char *hex, unsigned char *out, size_t max)
{
	size_t n = strlen(hex), i;
	int hi, lo;

	if (n == 0 || n % 2 != 0 || n / 2 > max)
		return -1;
	for (i = 0; i < n / 2; i++) {
		hi = hex[2 * i];
		lo = hex[2 * i + 1];
		hi = hi >= '0' && hi <= '9' ? hi - '0' : hi >= 'a' && hi <= 'f' ? hi - 'a' + 10 : -1;
		lo = lo >= '0' && lo <= '9' ? lo - '0' : lo >= 'a' && lo <= 'f' ? lo - 'a' + 10 : -1;
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return (int)(n / 2);
}

void rv_ocsp_times(const struct ca_revocation *rv, int64_t now, int64_t revoked_at,
    int64_t *this_update, int64_t *next_update)
{
	int64_t t = now - 60;

	if (revoked_at > t)
		t = revoked_at;
	if (t > now)
		t = now;
	*this_update = t;
	*next_update = t + rv->cfg->ocsp_validity_s - 1;
}

int ca_crl_shard_of(const unsigned char *serial, size_t len, int n_shards)
{
	unsigned v = 0;
	size_t i;

	if (n_shards <= 1 || len == 0)
		return 0;
	/* The last octets: random in every serial cairnd makes. */
	for (i = len > 4 ? len - 4 : 0; i < len; i++)
		v = v << 8 | serial[i];
	return (int)(v % (unsigned)n_shards);
}

static char *url_with(const struct ca_config *cfg, const char *path)
{
	size_t n = strlen(cfg->http_base_url), m = strlen(path);
	char *url = cn_xmalloc(n + m + 1);

	memcpy(url, cfg->http_base_url, n);
	memcpy(url + n, path, m + 1);
	return url;
}

char *ca_ocsp_url(const struct ca_config *cfg)
{
	return url_with(cfg, "/ocsp");
}

char *ca_crl_url(const struct ca_config *cfg, int shard)
{
	char path[32];

	snprintf(path, sizeof(path), "/crl/%d.crl", shard);
	return url_with(cfg, path);
}

void ca_ocsp_answer_cleanup(struct ca_ocsp_answer *a)
{
	if (a == NULL)
		return;
	free(a->der);
	memset(a, 0, sizeof(*a));
}

static void answer_error(struct ca_ocsp_answer *out, enum ca_ocsp_answer_kind kind)
{
	const unsigned char *der = resp_malformed;

	if (kind == CA_OCSP_ANSWER_INTERNAL)
		der = resp_internal;
	else if (kind == CA_OCSP_ANSWER_TRY_LATER)
		der = resp_try_later;
	else if (kind == CA_OCSP_ANSWER_UNAUTHORIZED)
		der = resp_unauthorized;
	memset(out, 0, sizeof(*out));
	out->kind = kind;
	out->der = cn_xmemdup(der, sizeof(resp_malformed));
	out->der_len = sizeof(resp_malformed);
}

/* How long HTTP caches may keep a response (RFC 9919 7.2: after thisUpdate,
 * before nextUpdate): until the refresher signs its successor. */
static int64_t max_age_of(const struct ca_revocation *rv, int64_t this_update,
    int64_t next_update, bool unknown, int64_t now)
{
	int64_t age = this_update + rv->cfg->ocsp_refresh_s - now;

	if (unknown && age > CA_OCSP_UNKNOWN_MAX_AGE_S)
		age = CA_OCSP_UNKNOWN_MAX_AGE_S;
	if (age > next_update - now)
		age = next_update - now;
	return age < 0 ? 0 : age;
}

static void answer_hit(const struct ca_revocation *rv, struct ca_ocsp_hit *hit, int64_t now,
    struct ca_ocsp_answer *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = CA_OCSP_ANSWER_SIGNED;
	out->der = hit->der;
	out->der_len = hit->der_len;
	hit->der = NULL;
	out->this_update = hit->this_update;
	out->next_update = hit->next_update;
	out->max_age = max_age_of(rv, hit->this_update, hit->next_update, hit->unknown, now);
	memcpy(out->etag, hit->etag, sizeof(out->etag));
	memcpy(out->last_modified, hit->last_modified, sizeof(out->last_modified));
	memcpy(out->expires, hit->expires, sizeof(out->expires));
}

/* Takes one unit of the on-demand signing budget of the current second. */
static bool budget_take(struct ca_revocation *rv, int64_t now)
{
	bool ok;

	pthread_mutex_lock(&rv->od_mu);
	if (rv->od_second != now) {
		rv->od_second = now;
		rv->od_count = 0;
	}
	ok = rv->od_count < CA_OCSP_ON_DEMAND_PER_S;
	if (ok)
		rv->od_count++;
	pthread_mutex_unlock(&rv->od_mu);
	return ok;
}

/*
 * A miss: the table has nothing fresh for serial. Looks in the store, signs
 * if needed, and puts the result in the table so the next request hits.
 */
static void answer_miss(struct ca_revocation *rv, const unsigned char *serial, size_t len,
    int64_t now, struct ca_ocsp_answer *out)
{
	struct ca_ocsp_sign_req sr;
	struct ca_ocsp_row row;
	struct ca_ocsp_hit hit;
	struct ca_cert cert;
	unsigned char *der = NULL;
	size_t der_len = 0;
	char hex[48];
	bool ours;
	int r;

	memset(&row, 0, sizeof(row));
	memset(&hit, 0, sizeof(hit));
	memset(&cert, 0, sizeof(cert));
	memset(&sr, 0, sizeof(sr));
	/* Serials we issue are positive and at most 20 octets. */
	ours = len <= CA_SERIAL_MAX_LEN + 1 && (serial[0] & 0x80) == 0;
	ca_serial_hex(serial, len, hex); /* cut at 23 octets: only for logs then */
	if (ours) {
		r = ca_store_ocsp_get(rv->store, hex, &row);
		if (r == 0 && row.next_update > now) {
			ca_ocsp_cache_put(rv->cache, serial, len, row.der, row.der_len,
			    row.this_update, row.next_update, row.id, false);
			goto lookup;
		}
		if (r != 0 && r != CN_ERR_NOT_FOUND)
			goto internal;
		r = ca_store_cert_by_serial(rv->store, hex, &cert);
		if (r != 0 && r != CN_ERR_NOT_FOUND)
			goto internal;
		ours = r == 0;
	}
	if (!budget_take(rv, now)) {
		answer_error(out, CA_OCSP_ANSWER_TRY_LATER);
		goto out;
	}
	sr.serial = serial;
	sr.serial_len = len;
	if (!ours) {
		sr.status = CA_OCSP_UNKNOWN;
		rv_ocsp_times(rv, now, 0, &sr.this_update, &sr.next_update);
		/* Short-lived: the shortest validity BR 4.9.9 allows. */
		sr.next_update = sr.this_update + CA_OCSP_MIN_VALIDITY_S - 1;
	} else if (cert.status == CA_ST_REVOKED) {
		sr.status = CA_OCSP_REVOKED;
		sr.reason = cert.reason;
		sr.revoked_at = cert.revoked_at;
		rv_ocsp_times(rv, now, cert.revoked_at, &sr.this_update, &sr.next_update);
	} else {
		sr.status = CA_OCSP_GOOD;
		rv_ocsp_times(rv, now, 0, &sr.this_update, &sr.next_update);
	}
	r = ca_signer_ocsp(rv->signer, &sr, &der, &der_len);
	if (r != 0)
		goto internal;
	ca_ocsp_cache_put(rv->cache, serial, len, der, der_len, sr.this_update, sr.next_update, 0,
	    !ours);
	if (!ours)
		CN_LOG(CN_LOG_DEBUG, "ocsp", "unknown serial %s", hex);
lookup:
	if (ca_ocsp_cache_get(rv->cache, serial, len, now, &hit)) {
		answer_hit(rv, &hit, now, out);
		goto out;
	}
	/* Replaced meanwhile by something already expired: cannot happen with
	 * a sane clock. */
internal:
	CN_LOG(CN_LOG_WARN, "ocsp", "cannot answer for a serial: %s", cn_err_detail());
	answer_error(out, CA_OCSP_ANSWER_INTERNAL);
out:
	free(der);
	ca_ocsp_hit_cleanup(&hit);
	ca_ocsp_row_cleanup(&row);
	ca_cert_cleanup(&cert);
}

void ca_revocation_ocsp_answer(struct ca_revocation *rv, const unsigned char *der,
    size_t len, int64_t now, struct ca_ocsp_answer *out)
{
	struct ca_ocsp_req req;
	struct ca_ocsp_hit hit;

	switch (ca_ocsp_req_parse(der, len, &req)) {
	case CA_OCSP_REQ_OK:
		break;
	case CA_OCSP_REQ_BAD_HASH:
	case CA_OCSP_REQ_MALFORMED:
	default:
		answer_error(out, CA_OCSP_ANSWER_MALFORMED);
		return;
	}
	/* RFC 9919 3.2.3: no authoritative records for other issuers. */
	if (req.hash_len != rv->hash_len[req.hash] ||
	    memcmp(req.name_hash, rv->name_hash[req.hash], req.hash_len) != 0 ||
	    memcmp(req.key_hash, rv->key_hash[req.hash], req.hash_len) != 0) {
		answer_error(out, CA_OCSP_ANSWER_UNAUTHORIZED);
		return;
	}
	if (ca_ocsp_cache_get(rv->cache, req.serial, req.serial_len, now, &hit)) {
		answer_hit(rv, &hit, now, out);
		return;
	}
	answer_miss(rv, req.serial, req.serial_len, now, out);
}

/* RFC 9110 section 5.6.7 IMF-fixdate. */
static void http_date(int64_t t, char out[40])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, 40, "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0)
		snprintf(out, 40, "Thu, 01 Jan 1970 00:00:00 GMT");
}

static void text_resp(struct ca_resp *resp, int status, const char *msg)
{
	resp->status = status;
	resp->content_type = "text/plain";
	resp->body = cn_xstrdup(msg);
	resp->body_len = strlen(msg);
}

void ca_revocation_handle_ocsp(struct ca_revocation *rv, const struct ca_req *req,
    struct ca_resp *resp)
{
	struct ca_ocsp_answer a;
	unsigned char *der = NULL;
	size_t len = 0;
	bool get = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;

	memset(&a, 0, sizeof(a));
	if (get && strncmp(req->path, "/ocsp/", 6) == 0) {
		if (ca_ocsp_req_b64_decode(req->path + 6, strlen(req->path + 6), &der, &len) != 0)
			answer_error(&a, CA_OCSP_ANSWER_MALFORMED);
		else
			ca_revocation_ocsp_answer(rv, der, len, req->now, &a);
	} else if (strcmp(req->method, "POST") == 0 && strcmp(req->path, "/ocsp") == 0) {
		/* A body over the listener's limit arrives as reject_code. */
		if (req->reject_code != 0 || req->body_len > CA_OCSP_REQ_MAX)
			answer_error(&a, CA_OCSP_ANSWER_MALFORMED);
		else
			ca_revocation_ocsp_answer(rv, req->body, req->body_len, req->now, &a);
	} else {
		text_resp(resp, 405, "use GET /ocsp/<base64 request> or POST /ocsp\n");
		ca_resp_header(resp, "Allow", "%s", strcmp(req->path, "/ocsp") == 0 ? "POST" :
		    "GET, HEAD");
		return;
	}
	free(der);
	resp->status = 200;
	resp->content_type = "application/ocsp-response";
	resp->body = (char *)a.der;
	resp->body_len = a.der_len;
	a.der = NULL;
	if (a.kind == CA_OCSP_ANSWER_SIGNED) {
		/* RFC 9919 sections 6 and 7.2 */
		ca_resp_header(resp, "Last-Modified", "%s", a.last_modified);
		ca_resp_header(resp, "Expires", "%s", a.expires);
		ca_resp_header(resp, "ETag", "%s", a.etag);
		ca_resp_header(resp, "Cache-Control", "max-age=%lld, public, no-transform, "
		    "must-revalidate", (long long)a.max_age);
	} else {
		ca_resp_header(resp, "Cache-Control", "no-cache, no-store");
	}
	ca_ocsp_answer_cleanup(&a);
}

void rv_crl_serve(struct ca_revocation *rv, int shard, int64_t number, int64_t this_update,
    int64_t next_update, const unsigned char *der, size_t der_len)
{
	struct rv_crl *c = NULL;
	size_t i;

	pthread_mutex_lock(&rv->crl_mu);
	for (i = 0; i < rv->n_crls; i++) {
		if (rv->crls[i].shard == shard) {
			c = &rv->crls[i];
			break;
		}
	}
	if (c != NULL && c->number >= number) {
		pthread_mutex_unlock(&rv->crl_mu);
		return;
	}
	if (c == NULL) {
		rv->crls = cn_xrealloc(rv->crls, (rv->n_crls + 1) * sizeof(*rv->crls));
		c = &rv->crls[rv->n_crls++];
		memset(c, 0, sizeof(*c));
		c->shard = shard;
	}
	free(c->der);
	c->der = cn_xmemdup(der, der_len);
	c->der_len = der_len;
	c->number = number;
	c->this_update = this_update;
	c->next_update = next_update;
	snprintf(c->etag, sizeof(c->etag), "\"%d-%lld\"", shard, (long long)number);
	pthread_mutex_unlock(&rv->crl_mu);
}

void ca_revocation_handle_crl(struct ca_revocation *rv, const struct ca_req *req,
    struct ca_resp *resp)
{
	const char *p = req->path + 5; /* after "/crl/" */
	char date[40], etag[68];
	int64_t this_update = 0, next_update = 0, age;
	long shard = 0;
	size_t i, digits = 0;
	bool found = false;

	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
		resp->status = 405;
		resp->content_type = "text/plain";
		ca_resp_header(resp, "Allow", "GET, HEAD");
		return;
	}
	/* "<shard>.crl", decimal without leading zeros. */
	while (p[digits] >= '0' && p[digits] <= '9' && digits < 6)
		shard = shard * 10 + (p[digits++] - '0');
	if (digits == 0 || (digits > 1 && p[0] == '0') || strcmp(p + digits, ".crl") != 0 ||
	    strlen(req->path) > CA_CRL_PATH_MAX) {
		text_resp(resp, 404, "not found\n");
		return;
	}
	pthread_mutex_lock(&rv->crl_mu);
	for (i = 0; i < rv->n_crls; i++) {
		if (rv->crls[i].shard == shard) {
			resp->body = cn_xmemdup(rv->crls[i].der, rv->crls[i].der_len);
			resp->body_len = rv->crls[i].der_len;
			this_update = rv->crls[i].this_update;
			next_update = rv->crls[i].next_update;
			memcpy(etag, rv->crls[i].etag, sizeof(etag));
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&rv->crl_mu);
	if (!found) {
		text_resp(resp, 404, "no such CRL shard\n");
		return;
	}
	resp->status = 200;
	resp->content_type = "application/pkix-crl";
	http_date(this_update, date);
	ca_resp_header(resp, "Last-Modified", "%s", date);
	http_date(next_update, date);
	ca_resp_header(resp, "Expires", "%s", date);
	ca_resp_header(resp, "ETag", "%s", etag);
	/* Until the next scheduled CRL at the latest; a revocation makes a new
	 * one sooner, so keep caches short. */
	age = this_update + rv->cfg->crl_interval_s - req->now;
	if (age > 3600)
		age = 3600;
	ca_resp_header(resp, "Cache-Control", "max-age=%lld, public, no-transform",
	    (long long)(age < 0 ? 0 : age));
}
