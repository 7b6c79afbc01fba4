/*
 * acme.c - RFC 8555 client transport: directory (section 7.1.1), nonces
 * (sections 6.5 and 7.2), signed requests (section 6.2), POST-as-GET
 * (section 6.3), error handling (section 6.7) with the badNonce retry of
 * section 6.5, and Retry-After (RFC 9110 section 10.2.3) on 503 and 429.
 *
 * One curl handle carries every request, so the whole exchange runs over a
 * single kept-alive TLS connection. Signing happens in the signer process.
 */
#include "acme.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme/problem.h"
#include "json.h"
#include "log.h"
#include "mem.h"

volatile int agent_stop_requested;

void agent_sleep_ms(long ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (!agent_stop_requested && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static const char *dir_url_member(const json_t *dir, const char *k)
{
	const json_t *v = json_object_get(dir, k);

	if (!json_is_string(v))
		return NULL;
	return json_string_value(v);
}

int agent_acme_open(const char *dir_url, const char *ca_bundle, long timeout_ms,
    struct agent_signer *signer, struct agent_acme **out)
{
	struct cn_http_opts ho;
	struct cn_http_req q;
	struct cn_http_resp resp;
	struct agent_acme *a = NULL;
	const json_t *meta;
	bool have_resp = false;
	int r;

	memset(&ho, 0, sizeof(ho));
	memset(&q, 0, sizeof(q));
	memset(&resp, 0, sizeof(resp));
	ho.ca_bundle = ca_bundle;
	ho.timeout_ms = timeout_ms;
	ho.user_agent = "cairn/0.1";
	a = cn_xcalloc(1, sizeof(*a));
	a->signer = signer;
	a->slot = AGENT_SLOT_ACCOUNT;
	a->dir_url = cn_xstrdup(dir_url);
	r = cn_http_new(&ho, &a->http);
	if (r != 0)
		goto out;
	q.method = "GET";
	q.url = dir_url;
	r = cn_http_do(a->http, &q, &resp);
	if (r != 0)
		goto out;
	have_resp = true;
	if (resp.status != 200) {
		struct cn_acme_problem p;

		cn_acme_problem_parse(resp.body, resp.body_len, resp.status, &p);
		r = cn_err_set(CN_ERR_CONNECTION, "directory %s: %s", dir_url, p.line);
		cn_acme_problem_cleanup(&p);
		goto out;
	}
	r = cn_json_parse_object(resp.body, resp.body_len, &a->dir);
	if (r != 0) {
		r = cn_err_set(r, "directory %s: %s", dir_url, cn_err_detail());
		goto out;
	}
	a->u_new_nonce = dir_url_member(a->dir, "newNonce");
	a->u_new_account = dir_url_member(a->dir, "newAccount");
	a->u_new_order = dir_url_member(a->dir, "newOrder");
	a->u_revoke = dir_url_member(a->dir, "revokeCert");
	a->u_key_change = dir_url_member(a->dir, "keyChange");
	a->u_renewal_info = dir_url_member(a->dir, "renewalInfo");
	if (a->u_new_nonce == NULL || a->u_new_account == NULL || a->u_new_order == NULL) {
		r = cn_err_set(CN_ERR_MALFORMED, "directory %s lacks newNonce, newAccount or newOrder", dir_url);
		goto out;
	}
	meta = json_object_get(a->dir, "meta");
	if (json_is_object(meta)) {
		a->tos = dir_url_member(meta, "termsOfService");
		a->eab_required = json_is_true(json_object_get(meta, "externalAccountRequired"));
	}
	if (resp.replay_nonce != NULL)
		a->nonce = cn_xstrdup(resp.replay_nonce);
	*out = a;
	a = NULL;
out:
	if (have_resp)
		cn_http_resp_cleanup(&resp);
	agent_acme_free(a);
	return r;
}

void agent_acme_free(struct agent_acme *a)
{
	if (a == NULL)
		return;
	cn_http_free(a->http);
	json_decref(a->dir);
	json_decref(a->jwk);
	free(a->dir_url);
	free(a->nonce);
	free(a->kid);
	free(a->account_key_rel);
	free(a);
}

/* Takes the Replay-Nonce of any response (section 6.5: every response carries one). */
static void keep_nonce(struct agent_acme *a, const struct cn_http_resp *resp)
{
	if (resp->replay_nonce == NULL || resp->replay_nonce[0] == '\0')
		return;
	free(a->nonce);
	a->nonce = cn_xstrdup(resp->replay_nonce);
}

static int fetch_nonce(struct agent_acme *a)
{
	struct cn_http_req q;
	struct cn_http_resp resp;
	int r;

	memset(&q, 0, sizeof(q));
	q.method = "HEAD";
	q.url = a->u_new_nonce;
	r = cn_http_do(a->http, &q, &resp);
	if (r != 0)
		return r;
	if (resp.replay_nonce == NULL || resp.replay_nonce[0] == '\0')
		r = cn_err_set(CN_ERR_MALFORMED, "newNonce (HTTP %ld) sent no Replay-Nonce", resp.status);
	else
		keep_nonce(a, &resp);
	cn_http_resp_cleanup(&resp);
	return r;
}

int agent_acme_get(struct agent_acme *a, const char *url, struct cn_http_resp *resp)
{
	struct cn_http_req q;

	memset(&q, 0, sizeof(q));
	q.method = "GET";
	q.url = url;
	return cn_http_do(a->http, &q, resp);
}

int agent_acme_post_as(struct agent_acme *a, enum agent_key_slot slot, const char *kid,
    const char *url, const char *payload, unsigned flags, struct cn_http_resp *resp,
    json_t **obj)
{
	static const char *const hdr_json[] = {"Content-Type: application/jose+json", NULL};
	static const char *const hdr_pem[] = {"Content-Type: application/jose+json",
	    "Accept: application/pem-certificate-chain", NULL};
	struct cn_http_req q;
	struct cn_http_resp rs;
	struct cn_acme_problem prob;
	char *jws = NULL;
	json_t *j = NULL;
	int nonce_tries = 0, busy_tries = 0, r;
	bool have = false;

	memset(&rs, 0, sizeof(rs));
	for (;;) {
		if (agent_stop_requested) {
			r = cn_err_set(CN_ERR_TIMEOUT, "interrupted");
			goto out;
		}
		if (a->nonce == NULL) {
			r = fetch_nonce(a);
			if (r != 0)
				goto out;
		}
		free(jws);
		jws = NULL;
		r = agent_signer_jws(a->signer, slot, kid, a->nonce, url, payload, &jws);
		if (r != 0)
			goto out;
		free(a->nonce); /* each nonce is used once */
		a->nonce = NULL;
		memset(&q, 0, sizeof(q));
		q.method = "POST";
		q.url = url;
		q.headers = (flags & AGENT_POST_PEM) ? hdr_pem : hdr_json;
		q.body = jws;
		q.body_len = strlen(jws);
		if (have)
			cn_http_resp_cleanup(&rs);
		have = false;
		r = cn_http_do(a->http, &q, &rs);
		if (r != 0)
			goto out;
		have = true;
		keep_nonce(a, &rs);
		CN_LOG(CN_LOG_DEBUG, "acme", "POST %s -> %ld", url, rs.status);
		if (rs.status >= 200 && rs.status < 300)
			break;
		if (flags & AGENT_POST_RAWERR)
			break;
		cn_acme_problem_parse(rs.body, rs.body_len, rs.status, &prob);
		if (cn_acme_problem_is(&prob, "badNonce") && nonce_tries < AGENT_ACME_NONCE_RETRIES) {
			nonce_tries++;
			CN_LOG(CN_LOG_DEBUG, "acme", "badNonce, retrying (%d)", nonce_tries);
			cn_acme_problem_cleanup(&prob);
			continue;
		}
		if ((rs.status == 503 || rs.status == 429) && busy_tries < AGENT_ACME_BUSY_RETRIES &&
		    rs.retry_after >= 0 && rs.retry_after <= AGENT_ACME_MAX_BUSY_WAIT) {
			busy_tries++;
			CN_LOG(CN_LOG_INFO, "acme", "%s: HTTP %ld, retrying in %lds as the CA asks",
			    url, rs.status, rs.retry_after);
			cn_acme_problem_cleanup(&prob);
			agent_sleep_ms(rs.retry_after * 1000L);
			continue;
		}
		r = cn_acme_problem_err(&prob);
		if (rs.status >= 500 && r == CN_ERR_BAD_REQUEST)
			r = CN_ERR_INTERNAL;
		if (rs.retry_after > 0)
			cn_err_set(r, "%s (retry after %lds)", prob.line, rs.retry_after);
		cn_acme_problem_cleanup(&prob);
		goto out;
	}
	if (obj != NULL) {
		if (rs.body_len > 0 && (cn_http_is_type(&rs, "application/json") ||
		    cn_http_is_type(&rs, "application/problem+json"))) {
			r = cn_json_parse_object(rs.body, rs.body_len, &j);
			if (r != 0) {
				r = cn_err_set(r, "%s: %s", url, cn_err_detail());
				goto out;
			}
		}
		*obj = j;
		j = NULL;
	}
	*resp = rs;
	have = false;
	r = 0;
out:
	if (have)
		cn_http_resp_cleanup(&rs);
	json_decref(j);
	free(jws);
	return r;
}

int agent_acme_post(struct agent_acme *a, const char *url, const char *payload,
    unsigned flags, struct cn_http_resp *resp, json_t **obj)
{
	const char *kid = (flags & AGENT_POST_JWK) ? NULL : a->kid;

	if (kid == NULL && !(flags & AGENT_POST_JWK))
		return cn_err_set(CN_ERR_USAGE, "no account URL known for %s", url);
	return agent_acme_post_as(a, a->slot, kid, url, payload, flags, resp, obj);
}
