/*
 * load-flow.c - the simulated subscribers of bench/acme-load. Each driver
 * thread runs one libcurl multi handle (HTTP/1.1 keep-alive connections, one
 * easy handle per subscriber) and a state machine per subscriber through the
 * RFC 8555 flow:
 *   setup:  newNonce (7.2), newAccount with an embedded jwk (7.3)
 *   then, again and again: newOrder (7.4) -> POST-as-GET each authorization
 *   (7.5) -> register the http-01 key authorization (8.1, 8.3) with our
 *   responder -> POST {} to each challenge (7.5.1) -> poll the
 *   authorizations until valid -> finalize with a fresh CSR (7.4) -> poll the
 *   order until valid -> download the certificate chain (7.4.2).
 * Every request carries the last Replay-Nonce seen (6.5); badNonce is
 * retried with the nonce of the error response (6.5, at most 10 times). Any
 * other failure abandons the order and counts its problem type (6.7).
 * Latencies are recorded only inside the measured window.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "b64url.h"
#include "buf.h"
#include "jose/jwk.h"
#include "jose/jws.h"
#include "load.h"
#include "mem.h"
#include "x509/key.h"

#define FL_MAX_BODY (1024 * 1024)
#define FL_NONCE_RETRIES 10
#define FL_PROBLEM_PREFIX "urn:ietf:params:acme:error:"
#define FL_MAX_WAIT_MS 100

enum fl_op {
	OP_NONE,
	OP_NONCE,
	OP_ACCOUNT,
	OP_NEW_ORDER,
	OP_AUTHZ,
	OP_CHALLENGE,
	OP_POLL_AUTHZ,
	OP_FINALIZE,
	OP_POLL_ORDER,
	OP_CERT
};

struct fl_authz {
	char *url;
	char *chall_url;
	char *token;
	bool valid;            /* already valid (reused) or validated */
	double chall_posted;   /* when its challenge POST was sent */
};

struct fl_sub {
	struct bl_driver *drv;
	CURL *easy;
	struct curl_slist *jose_hdrs;
	EVP_PKEY *key;
	char thumbprint[CN_JWK_THUMBPRINT_LEN + 1];
	char *kid;
	char *nonce;
	uint64_t rng;
	/* the request in flight (or to send at `wake`) */
	enum fl_op op;
	char *url;
	char *payload;          /* NULL: POST-as-GET */
	char *jws;              /* the body sent */
	bool in_flight;
	bool waiting;           /* wake is set */
	double wake;
	double sent;
	int nonce_retries;
	bool resume_after_nonce;
	/* its response */
	struct cn_buf body;
	long status;
	char *location;
	char content_type[128];
	int retry_after_s;
	/* the order under way */
	double t_order;
	double t_finalize;
	char *order_url, *finalize_url, *cert_url;
	size_t n_authz, cur;
	struct fl_authz *authz;
	char names[BL_MAX_NAMES][96];
	int n_names;
};

/* ---- small helpers */

static bool in_window(const struct bl_shared *sh, double t)
{
	return t >= atomic_load(&sh->window_start_ms) && t <= atomic_load(&sh->window_end_ms);
}

static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s; /* xorshift64* */

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 2685821657736338717ULL;
}

static void set_str(char **dst, const char *src)
{
	free(*dst);
	*dst = src ? cn_xstrdup(src) : NULL;
}

static void record(struct fl_sub *s, enum bl_step step, double ms)
{
	if (in_window(s->drv->sh, bl_now_ms()))
		bl_samples_add(&s->drv->lat[step], ms);
}

static void count_error(struct fl_sub *s, const char *kind)
{
	if (s->drv->sh->opts->verbose)
		fprintf(stderr, "acme-load: error %s (op %d, url %s, status %ld): %.300s\n", kind,
		    (int)s->op, s->url ? s->url : "-", s->status, cn_buf_str(&s->body));
	if (in_window(s->drv->sh, bl_now_ms()))
		bl_errors_add(&s->drv->errors, kind);
}

static int poll_delay_ms(const struct fl_sub *s)
{
	const struct bl_opts *o = s->drv->sh->opts;
	int d = o->poll_ms;

	if (o->honor_retry_after && s->retry_after_s * 1000 > d)
		d = s->retry_after_s * 1000;
	return d;
}

/* ---- curl callbacks */

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct fl_sub *s = arg;

	if (cn_buf_add(&s->body, p, size * n) != 0)
		return 0; /* too big: curl fails the transfer */
	return size * n;
}

/* Copies the value of a header line "Name: value\r\n" if it is `name`. */
static bool header_value(const char *line, size_t len, const char *name, char *out,
    size_t out_size)
{
	size_t n = strlen(name), v;

	if (len <= n + 1 || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return false;
	line += n + 1;
	len -= n + 1;
	while (len && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n' || line[len - 1] == ' '))
		len--;
	v = len < out_size - 1 ? len : out_size - 1;
	memcpy(out, line, v);
	out[v] = '\0';
	return true;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct fl_sub *s = arg;
	size_t len = size * n;
	char v[2048];

	if (header_value(p, len, "Replay-Nonce", v, sizeof(v)))
		set_str(&s->nonce, v);
	else if (header_value(p, len, "Location", v, sizeof(v)))
		set_str(&s->location, v);
	else if (header_value(p, len, "Content-Type", s->content_type, sizeof(s->content_type)))
		;
	else if (header_value(p, len, "Retry-After", v, sizeof(v)))
		s->retry_after_s = (int)strtol(v, NULL, 10);
	return len;
}

/* ---- requests */

static void clear_order(struct fl_sub *s)
{
	size_t i;

	for (i = 0; i < s->n_authz; i++) {
		if (s->authz[i].token)
			bl_responder_del(s->drv->sh->responder, s->authz[i].token);
		free(s->authz[i].url);
		free(s->authz[i].chall_url);
		free(s->authz[i].token);
	}
	free(s->authz);
	s->authz = NULL;
	s->n_authz = s->cur = 0;
	set_str(&s->order_url, NULL);
	set_str(&s->finalize_url, NULL);
	set_str(&s->cert_url, NULL);
}

static void schedule(struct fl_sub *s, enum fl_op op, const char *url, const char *payload,
    int delay_ms)
{
	s->op = op;
	if (url != s->url)
		set_str(&s->url, url);
	if (payload != s->payload)
		set_str(&s->payload, payload);
	s->waiting = true;
	s->wake = bl_now_ms() + delay_ms;
	s->nonce_retries = 0;
}

static void new_order(struct fl_sub *s, int delay_ms)
{
	const struct bl_opts *o = s->drv->sh->opts;
	json_t *ids = json_array(), *pl;
	char *payload;
	int i;

	clear_order(s);
	if (o->rate > 0) {
		/* open loop: orders start at most `rate` a second in all */
		struct bl_shared *sh = s->drv->sh;
		double now = bl_now_ms(), slot;

		pthread_mutex_lock(&sh->rate_mu);
		slot = now + delay_ms > sh->next_start_ms ? now + delay_ms : sh->next_start_ms;
		sh->next_start_ms = slot + 1e3 / o->rate;
		pthread_mutex_unlock(&sh->rate_mu);
		delay_ms = (int)(slot - now);
	}
	s->n_names = o->names;
	for (i = 0; i < s->n_names; i++) {
		uint64_t a = rng_next(&s->rng), b = rng_next(&s->rng);

		snprintf(s->names[i], sizeof(s->names[i]), "l%012llx%08llx.%s",
		    (unsigned long long)(a & 0xffffffffffffULL), (unsigned long long)(b & 0xffffffffULL),
		    o->suffix);
		json_array_append_new(ids, json_pack("{s:s, s:s}", "type", "dns", "value", s->names[i]));
	}
	pl = json_pack("{s:o}", "identifiers", ids);
	payload = json_dumps(pl, JSON_COMPACT);
	json_decref(pl);
	schedule(s, OP_NEW_ORDER, s->drv->sh->dir.new_order, payload, delay_ms);
	free(payload);
}

/* Abandons the order after a failure and starts a new one shortly. */
static void fail(struct fl_sub *s, const char *kind)
{
	count_error(s, kind);
	if (atomic_load(&s->drv->sh->phase) == BL_PHASE_SETUP) {
		fprintf(stderr, "acme-load: account setup failed: %s (HTTP %ld) %.300s\n", kind,
		    s->status, cn_buf_str(&s->body));
		atomic_store(&s->drv->sh->setup_failed, 1);
	}
	if (s->kid == NULL) {
		/* no account: try again */
		s->nonce_retries = 0;
		schedule(s, OP_ACCOUNT, s->drv->sh->dir.new_account, "{\"termsOfServiceAgreed\":true}",
		    s->drv->sh->opts->poll_ms * 10);
		return;
	}
	new_order(s, s->drv->sh->opts->poll_ms);
}

static int send_request(struct fl_sub *s)
{
	int r;

	cn_buf_reset(&s->body);
	set_str(&s->location, NULL);
	s->content_type[0] = '\0';
	s->retry_after_s = 0;
	s->status = 0;
	if (s->op != OP_NONCE && s->nonce == NULL) {
		/* fetch a nonce first, then come back to this request */
		s->resume_after_nonce = true;
		curl_easy_setopt(s->easy, CURLOPT_URL, s->drv->sh->dir.new_nonce);
		curl_easy_setopt(s->easy, CURLOPT_NOBODY, 1L);
		curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, NULL);
		s->sent = bl_now_ms();
		return 0;
	}
	s->resume_after_nonce = false;
	free(s->jws);
	s->jws = NULL;
	r = cn_jws_sign(s->key, s->op == OP_ACCOUNT ? NULL : s->kid, s->nonce, s->url, s->payload,
	    &s->jws);
	if (r != 0)
		return r;
	/* a nonce is used once, whatever the answer */
	set_str(&s->nonce, NULL);
	curl_easy_setopt(s->easy, CURLOPT_URL, s->url);
	curl_easy_setopt(s->easy, CURLOPT_NOBODY, 0L);
	curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(s->jws));
	curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, s->jws);
	curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->jose_hdrs);
	s->sent = bl_now_ms();
	return 0;
}

/* ---- responses */

static json_t *body_json(struct fl_sub *s)
{
	json_error_t e;

	return json_loadb((const char *)s->body.data, s->body.len, 0, &e);
}

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* A problem document (RFC 7807) as an error kind: the ACME type without its
 * urn prefix. Returns true when the response is one. */
static bool problem_kind(struct fl_sub *s, char *kind, size_t size)
{
	json_t *j;
	const char *t;

	if (strncasecmp(s->content_type, "application/problem+json", 24) != 0)
		return false;
	j = body_json(s);
	t = j ? jstr(j, "type") : NULL;
	if (t && strncmp(t, FL_PROBLEM_PREFIX, strlen(FL_PROBLEM_PREFIX)) == 0)
		t += strlen(FL_PROBLEM_PREFIX);
	snprintf(kind, size, "%s", t ? t : "problem-without-type");
	json_decref(j);
	return true;
}

static void post_next_or_poll(struct fl_sub *s, bool posting);

static void next_authz_fetch(struct fl_sub *s)
{
	if (s->cur < s->n_authz) {
		schedule(s, OP_AUTHZ, s->authz[s->cur].url, NULL, 0);
		return;
	}
	s->cur = 0;
	post_next_or_poll(s, true);
}

static void finalize(struct fl_sub *s)
{
	struct bl_shared *sh = s->drv->sh;
	const char *names[BL_MAX_NAMES];
	unsigned char *der = NULL;
	size_t der_len = 0;
	char *b64 = NULL, *payload = NULL;
	json_t *pl;
	const struct bl_cert_key *k;
	int i, r;

	for (i = 0; i < s->n_names; i++)
		names[i] = s->names[i];
	k = &sh->cert_keys[atomic_fetch_add(&sh->key_next, 1) % (uint64_t)sh->opts->key_pool];
	r = bl_csr_der(k, names, (size_t)s->n_names, &der, &der_len);
	if (r != 0) {
		fail(s, "csr-build");
		return;
	}
	b64 = cn_b64url_encode(der, der_len);
	pl = json_pack("{s:s}", "csr", b64);
	payload = json_dumps(pl, JSON_COMPACT);
	json_decref(pl);
	s->t_finalize = bl_now_ms();
	schedule(s, OP_FINALIZE, s->finalize_url, payload, 0);
	free(payload);
	free(b64);
	free(der);
}

/* After the authorizations are fetched (s->cur = 0) and after each
 * challenge POST (s->cur advanced): post the next challenge of an
 * authorization not yet valid; once all are posted, poll the first
 * authorization not yet valid; when all are valid, finalize. */
static void post_next_or_poll(struct fl_sub *s, bool posting)
{
	while (posting && s->cur < s->n_authz && s->authz[s->cur].valid)
		s->cur++;
	if (posting && s->cur < s->n_authz) {
		s->authz[s->cur].chall_posted = bl_now_ms();
		schedule(s, OP_CHALLENGE, s->authz[s->cur].chall_url, "{}", 0);
		return;
	}
	s->cur = 0;
	while (s->cur < s->n_authz && s->authz[s->cur].valid)
		s->cur++;
	if (s->cur < s->n_authz) {
		schedule(s, OP_POLL_AUTHZ, s->authz[s->cur].url, NULL, poll_delay_ms(s));
		return;
	}
	finalize(s);
}

static void on_account(struct fl_sub *s)
{
	if ((s->status != 201 && s->status != 200) || s->location == NULL) {
		fail(s, "account-no-location");
		return;
	}
	set_str(&s->kid, s->location);
	atomic_fetch_add(&s->drv->sh->accounts_ready, 1);
	s->op = OP_NONE; /* waits for the run phase */
}

static void on_new_order(struct fl_sub *s, json_t *j)
{
	json_t *arr = json_object_get(j, "authorizations"), *v;
	size_t i;

	record(s, BL_NEW_ORDER, bl_now_ms() - s->sent);
	if (s->status != 201 || s->location == NULL || !json_is_array(arr) ||
	    json_array_size(arr) == 0 || jstr(j, "finalize") == NULL) {
		fail(s, "new-order-response");
		return;
	}
	set_str(&s->order_url, s->location);
	set_str(&s->finalize_url, jstr(j, "finalize"));
	s->n_authz = json_array_size(arr);
	s->authz = cn_xcalloc(s->n_authz, sizeof(*s->authz));
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v)) {
			fail(s, "new-order-response");
			return;
		}
		s->authz[i].url = cn_xstrdup(json_string_value(v));
	}
	s->cur = 0;
	next_authz_fetch(s);
}

static void on_authz(struct fl_sub *s, json_t *j)
{
	struct fl_authz *a = &s->authz[s->cur];
	json_t *ch = json_object_get(j, "challenges"), *v;
	const char *st = jstr(j, "status");
	char ka[256];
	size_t i;

	record(s, BL_AUTHZ, bl_now_ms() - s->sent);
	if (s->status != 200 || st == NULL) {
		fail(s, "authz-response");
		return;
	}
	if (strcmp(st, "valid") == 0) {
		a->valid = true;
	} else {
		json_array_foreach(ch, i, v) {
			const char *type = jstr(v, "type");

			if (type && strcmp(type, "http-01") == 0 && jstr(v, "url") && jstr(v, "token")) {
				set_str(&a->chall_url, jstr(v, "url"));
				set_str(&a->token, jstr(v, "token"));
			}
		}
		if (a->chall_url == NULL) {
			fail(s, "authz-without-http-01");
			return;
		}
		snprintf(ka, sizeof(ka), "%s.%s", a->token, s->thumbprint);
		bl_responder_put(s->drv->sh->responder, a->token, ka);
	}
	s->cur++;
	next_authz_fetch(s);
}

static void on_challenge(struct fl_sub *s)
{
	record(s, BL_CHALLENGE, bl_now_ms() - s->sent);
	if (s->status != 200) {
		fail(s, "challenge-response");
		return;
	}
	s->cur++;
	post_next_or_poll(s, true);
}

static void on_poll_authz(struct fl_sub *s, json_t *j)
{
	struct fl_authz *a = &s->authz[s->cur];
	const char *st = jstr(j, "status");

	s->drv->polls += in_window(s->drv->sh, bl_now_ms());
	if (s->status != 200 || st == NULL) {
		fail(s, "authz-response");
		return;
	}
	if (strcmp(st, "pending") == 0 || strcmp(st, "processing") == 0) {
		schedule(s, OP_POLL_AUTHZ, a->url, NULL, poll_delay_ms(s));
		return;
	}
	if (strcmp(st, "valid") != 0) {
		fail(s, "authz-invalid");
		return;
	}
	record(s, BL_VALIDATION, bl_now_ms() - a->chall_posted);
	a->valid = true;
	bl_responder_del(s->drv->sh->responder, a->token);
	free(a->token);
	a->token = NULL;
	while (s->cur < s->n_authz && s->authz[s->cur].valid)
		s->cur++;
	if (s->cur < s->n_authz)
		schedule(s, OP_POLL_AUTHZ, s->authz[s->cur].url, NULL, 0);
	else
		finalize(s);
}

static void on_order(struct fl_sub *s, json_t *j, bool finalize_response)
{
	const char *st = jstr(j, "status");

	if (finalize_response)
		record(s, BL_FINALIZE_POST, bl_now_ms() - s->sent);
	else
		s->drv->polls += in_window(s->drv->sh, bl_now_ms());
	if (s->status != 200 || st == NULL) {
		fail(s, "order-response");
		return;
	}
	if (strcmp(st, "valid") == 0) {
		if (jstr(j, "certificate") == NULL) {
			fail(s, "order-valid-without-certificate");
			return;
		}
		record(s, BL_FINALIZE, bl_now_ms() - s->t_finalize);
		set_str(&s->cert_url, jstr(j, "certificate"));
		schedule(s, OP_CERT, s->cert_url, NULL, 0);
		return;
	}
	if (strcmp(st, "processing") == 0 || (finalize_response && strcmp(st, "ready") == 0)) {
		schedule(s, OP_POLL_ORDER, s->order_url, NULL, poll_delay_ms(s));
		return;
	}
	fail(s, strcmp(st, "invalid") == 0 ? "order-invalid" : "order-unexpected-status");
}

static void on_cert(struct fl_sub *s)
{
	struct bl_shared *sh = s->drv->sh;
	double now = bl_now_ms();

	record(s, BL_CERT, now - s->sent);
	if (s->status != 200 || s->body.len == 0 ||
	    strstr(cn_buf_str(&s->body), "-----BEGIN CERTIFICATE-----") == NULL) {
		fail(s, "certificate-response");
		return;
	}
	record(s, BL_ISSUANCE, now - s->t_order);
	atomic_fetch_add(&sh->completed, 1);
	if (in_window(sh, now))
		s->drv->issued++;
	new_order(s, 0);
}

/* A transfer finished. */
static void on_done(struct fl_sub *s, CURLcode cc)
{
	struct bl_driver *d = s->drv;
	char kind[128];
	json_t *j = NULL;

	s->in_flight = false;
	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &s->status);
	if (in_window(d->sh, bl_now_ms())) {
		long connects = 0;

		curl_easy_getinfo(s->easy, CURLINFO_NUM_CONNECTS, &connects);
		bl_samples_add(&d->lat[BL_REQUEST], bl_now_ms() - s->sent);
		d->requests++;
		d->connects += (uint64_t)connects;
	}
	if (cc != CURLE_OK) {
		snprintf(kind, sizeof(kind), "curl: %s", curl_easy_strerror(cc));
		fail(s, kind);
		return;
	}
	if (s->resume_after_nonce) {
		if (s->nonce == NULL) {
			fail(s, "new-nonce-without-nonce");
			return;
		}
		s->waiting = true; /* send the request now, with the nonce */
		s->wake = 0;
		return;
	}
	if (problem_kind(s, kind, sizeof(kind))) {
		if (strcmp(kind, "badNonce") == 0 && s->nonce_retries < FL_NONCE_RETRIES) {
			int retries = s->nonce_retries + 1;

			count_error(s, kind);
			d->bad_nonce_retries++;
			schedule(s, s->op, s->url, s->payload, 0);
			s->nonce_retries = retries;
			return;
		}
		if (strcmp(kind, "orderNotReady") == 0 && s->op == OP_FINALIZE) {
			count_error(s, kind);
			schedule(s, OP_FINALIZE, s->url, s->payload, poll_delay_ms(s));
			return;
		}
		fail(s, kind);
		return;
	}
	if (s->status >= 300) {
		snprintf(kind, sizeof(kind), "http-%ld", s->status);
		fail(s, kind);
		return;
	}
	if (s->op != OP_ACCOUNT && s->op != OP_CERT) {
		j = body_json(s);
		if (j == NULL) {
			fail(s, "response-not-json");
			return;
		}
	}
	switch (s->op) {
	case OP_ACCOUNT:
		on_account(s);
		break;
	case OP_NEW_ORDER:
		on_new_order(s, j);
		break;
	case OP_AUTHZ:
		on_authz(s, j);
		break;
	case OP_CHALLENGE:
		on_challenge(s);
		break;
	case OP_POLL_AUTHZ:
		on_poll_authz(s, j);
		break;
	case OP_FINALIZE:
		on_order(s, j, true);
		break;
	case OP_POLL_ORDER:
		on_order(s, j, false);
		break;
	case OP_CERT:
		on_cert(s);
		break;
	default:
		break;
	}
	json_decref(j);
}

/* ---- the driver thread */

static int sub_init(struct fl_sub *s, struct bl_driver *d, int idx)
{
	const struct bl_opts *o = d->sh->opts;
	json_t *jwk = NULL;
	int r;

	s->drv = d;
	s->rng = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)(idx + 1) * 0xbf58476d1ce4e5b9ULL) ^
	    (uint64_t)bl_now_ms();
	cn_buf_init(&s->body, FL_MAX_BODY);
	r = cn_key_generate(CN_KEY_P256, &s->key);
	if (r != 0)
		return r;
	r = cn_jwk_from_pkey(s->key, &jwk);
	if (r == 0)
		r = cn_jwk_thumbprint(jwk, s->thumbprint);
	json_decref(jwk);
	if (r != 0)
		return r;
	s->easy = curl_easy_init();
	if (s->easy == NULL)
		return cn_err_set(CN_ERR_INTERNAL, "curl_easy_init failed");
	s->jose_hdrs = curl_slist_append(NULL, "Content-Type: application/jose+json");
	s->jose_hdrs = curl_slist_append(s->jose_hdrs, "Expect:");
	curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
	curl_easy_setopt(s->easy, CURLOPT_CAINFO, o->ca_bundle);
	curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->easy, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(s->easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(s->easy, CURLOPT_TIMEOUT_MS, (long)o->req_timeout_ms);
	curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(s->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(s->easy, CURLOPT_HEADERDATA, s);
	curl_easy_setopt(s->easy, CURLOPT_USERAGENT, "cairn-acme-load/1");
	schedule(s, OP_ACCOUNT, d->sh->dir.new_account, "{\"termsOfServiceAgreed\":true}", 0);
	return 0;
}

static void sub_cleanup(struct fl_sub *s)
{
	clear_order(s);
	if (s->easy)
		curl_easy_cleanup(s->easy);
	curl_slist_free_all(s->jose_hdrs);
	EVP_PKEY_free(s->key);
	free(s->kid);
	free(s->nonce);
	free(s->url);
	free(s->payload);
	free(s->jws);
	free(s->location);
	cn_buf_free(&s->body);
}

void *bl_driver_main(void *arg)
{
	struct bl_driver *d = arg;
	struct bl_shared *sh = d->sh;
	struct fl_sub *subs = cn_xcalloc((size_t)d->n_subs, sizeof(*subs));
	CURLM *multi = curl_multi_init();
	int i, still;
	bool running_seen = false;

	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)d->n_subs * 2 + 8);
	for (i = 0; i < d->n_subs; i++) {
		if (sub_init(&subs[i], d, d->first_sub + i) != 0) {
			fprintf(stderr, "acme-load: subscriber setup: %s\n", cn_err_detail());
			atomic_store(&sh->setup_failed, 1);
			goto out;
		}
	}
	for (;;) {
		int phase = atomic_load(&sh->phase);
		double now = bl_now_ms(), next = now + FL_MAX_WAIT_MS;
		CURLMsg *m;
		int left, wait_ms;

		if (phase == BL_PHASE_STOP)
			break;
		if (phase == BL_PHASE_RUN && !running_seen) {
			running_seen = true;
			for (i = 0; i < d->n_subs; i++)
				if (subs[i].kid && subs[i].op == OP_NONE)
					new_order(&subs[i], 0);
		}
		for (i = 0; i < d->n_subs; i++) {
			struct fl_sub *s = &subs[i];

			if (s->in_flight || !s->waiting)
				continue;
			if (s->wake > now) {
				if (s->wake < next)
					next = s->wake;
				continue;
			}
			s->waiting = false;
			if (s->op == OP_NEW_ORDER)
				s->t_order = now;
			if (send_request(s) != 0) {
				fail(s, "jws-sign");
				continue;
			}
			s->in_flight = true;
			curl_multi_add_handle(multi, s->easy);
		}
		curl_multi_perform(multi, &still);
		while ((m = curl_multi_info_read(multi, &left)) != NULL) {
			struct fl_sub *s = NULL;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
			curl_multi_remove_handle(multi, m->easy_handle);
			on_done(s, m->data.result);
			if (s->waiting && s->wake < next)
				next = s->wake;
		}
		wait_ms = (int)(next - bl_now_ms());
		if (wait_ms <= 0)
			continue; /* a subscriber is due now */
		curl_multi_poll(multi, NULL, 0, wait_ms, NULL);
	}
out:
	for (i = 0; i < d->n_subs; i++) {
		if (subs[i].in_flight && bl_now_ms() - subs[i].sent > d->oldest_request_ms)
			d->oldest_request_ms = bl_now_ms() - subs[i].sent;
		if (subs[i].in_flight)
			curl_multi_remove_handle(multi, subs[i].easy);
		sub_cleanup(&subs[i]);
	}
	curl_multi_cleanup(multi);
	free(subs);
	return NULL;
}

/* ---- the directory */

static size_t dir_body(char *p, size_t size, size_t n, void *arg)
{
	return cn_buf_add(arg, p, size * n) == 0 ? size * n : 0;
}

int bl_directory_fetch(const struct bl_opts *o, struct bl_directory *d)
{
	struct cn_buf b;
	CURL *e = curl_easy_init();
	json_t *j = NULL;
	json_error_t je;
	CURLcode cc;
	int r;

	cn_buf_init(&b, FL_MAX_BODY);
	if (e == NULL) {
		r = cn_err_set(CN_ERR_INTERNAL, "curl_easy_init failed");
		goto out;
	}
	curl_easy_setopt(e, CURLOPT_URL, o->directory);
	curl_easy_setopt(e, CURLOPT_CAINFO, o->ca_bundle);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, dir_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
	cc = curl_easy_perform(e);
	if (cc != CURLE_OK) {
		r = cn_err_set(CN_ERR_CONNECTION, "GET %s: %s", o->directory, curl_easy_strerror(cc));
		goto out;
	}
	j = json_loadb((const char *)b.data, b.len, 0, &je);
	if (j == NULL || !jstr(j, "newNonce") || !jstr(j, "newAccount") || !jstr(j, "newOrder")) {
		r = cn_err_set(CN_ERR_MALFORMED, "%s is not an ACME directory", o->directory);
		goto out;
	}
	d->new_nonce = cn_xstrdup(jstr(j, "newNonce"));
	d->new_account = cn_xstrdup(jstr(j, "newAccount"));
	d->new_order = cn_xstrdup(jstr(j, "newOrder"));
	r = 0;
out:
	json_decref(j);
	if (e)
		curl_easy_cleanup(e);
	cn_buf_free(&b);
	return r;
}

void bl_directory_cleanup(struct bl_directory *d)
{
	free(d->new_nonce);
	free(d->new_account);
	free(d->new_order);
	memset(d, 0, sizeof(*d));
}
