/*
 * finalize.c - order finalization, RFC 8555 section 7.4: the order must be
 * ready (else orderNotReady); the CSR (base64url DER) must be signed by its
 * key, name exactly the order's identifiers (CN among them) and carry a key
 * the policy accepts that is not the account key (section 11.1). Issuance
 * itself is a durable job, which the request runs itself when it needs no
 * network (the answer is then the "valid" order), else a worker does (the
 * answer is "processing" with Retry-After).
 * A key the operator blocked is badPublicKey; an order whose profile is no
 * longer offered is invalidProfile (draft-ietf-acme-profiles section 4).
 */
#include <stdlib.h>
#include <string.h>

#include "acme/acme.h"
#include "b64url.h"
#include "csrcache.h"
#include "jobs.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "profile.h"
#include "work.h"
#include "x509/csr.h"
#include "x509/key.h"

#define CA_MAX_CSR 16384
/* CAA checks this close to their recheck age are left to a worker. */
#define CA_FINALIZE_NOW_MARGIN_S 60
/* How long workers leave a job to the request that runs it itself. */
#define CA_FINALIZE_HOLD_S 5

int ca_order_identifiers(const struct ca_order *o, json_t **json_out, const char ***dns,
    size_t *n_dns, const char ***ips, size_t *n_ips)
{
	json_t *arr = NULL, *v;
	size_t i, nd = 0, ni = 0, n;
	int r;

	r = cn_json_parse(o->identifiers_json, strlen(o->identifiers_json), &arr);
	if (r != 0 || !json_is_array(arr)) {
		json_decref(arr);
		return cn_err_set(CN_ERR_STORE, "order %lld has unreadable identifiers", (long long)o->id);
	}
	n = json_array_size(arr);
	*dns = cn_xcalloc(n, sizeof(char *));
	*ips = cn_xcalloc(n, sizeof(char *));
	json_array_foreach(arr, i, v) {
		const char *type = json_string_value(json_object_get(v, "type"));
		const char *value = json_string_value(json_object_get(v, "value"));

		if (type == NULL || value == NULL)
			continue;
		if (strcmp(type, "ip") == 0)
			(*ips)[ni++] = value;
		else
			(*dns)[nd++] = value;
	}
	*n_dns = nd;
	*n_ips = ni;
	*json_out = arr;
	return 0;
}

/* Parses and checks the CSR; *out: the parsed CSR (caller frees). */
static int csr_check(const struct ca_ctx *ctx, const struct ca_req *req, const struct ca_order *o,
    const unsigned char *der, size_t der_len, struct cn_csr **out)
{
	char key_hash[48];
	bool blocked = false;
	struct cn_csr *csr = NULL;
	json_t *ids = NULL;
	const char **dns = NULL, **ips = NULL;
	size_t n_dns = 0, n_ips = 0;
	int r;

	r = cn_csr_parse_der(der, der_len, &csr);
	if (r != 0)
		goto out;
	r = ca_order_identifiers(o, &ids, &dns, &n_dns, &ips, &n_ips);
	if (r != 0)
		goto out;
	r = cn_csr_check_identifiers(csr, dns, n_dns, ips, n_ips);
	if (r != 0)
		goto out;
	r = cn_key_policy_check(csr->pubkey);
	if (r != 0)
		goto out;
	if (EVP_PKEY_eq(csr->pubkey, req->key) == 1) {
		r = cn_err_set(CN_ERR_BAD_CSR, "the CSR's key must not be the account key");
		goto out;
	}
	/* BR 4.9.1.1: keys revoked for keyCompromise are blocked. */
	r = cn_pubkey_sha256_b64url(csr->pubkey, key_hash);
	if (r == 0)
		r = ca_store_key_is_blocked(ctx->store, key_hash, &blocked);
	if (r == 0 && blocked)
		r = cn_err_set(CN_ERR_BAD_KEY, "the CSR's key is blocked: it was reported compromised");
	if (r != 0)
		goto out;
	*out = csr;
	csr = NULL;
out:
	free(dns);
	free(ips);
	json_decref(ids);
	cn_csr_free(csr);
	return r;
}

/*
 * Signing needs no network unless a CAA check must be repeated, so when
 * every CAA check is fresh the request runs the finalization job itself
 * (claimed from the store like a worker would, so a crash midway leaves it
 * to the workers) and answers with the order as it then is: "valid" with
 * its certificate URL, saving the client its polls (RFC 8555 section 7.4
 * allows either answer). The job is queued to run CA_FINALIZE_HOLD_S
 * later, so that workers leave it to the request unless the request dies.
 * Otherwise, or when a worker has the job already, the order is
 * "processing". On 0, *o is the order as stored after the job.
 */
static int finalize_now(const struct ca_ctx *ctx, struct ca_order *o)
{
	struct ca_order after;
	int r;

	r = ca_jobs_run_now(ctx->jobs, CA_JOB_FINALIZE, o->id);
	if (r != 0)
		return r;
	memset(&after, 0, sizeof(after));
	r = ca_store_order_get(ctx->store, o->id, &after);
	if (r != 0)
		return 0; /* the job ran; the client polls as for "processing" */
	ca_order_cleanup(o);
	*o = after;
	return 0;
}

void ca_handle_finalize(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp,
    int64_t id)
{
	struct ca_order o;
	struct cn_csr *csr = NULL;
	const char *csr_b64 = NULL;
	unsigned char *der = NULL;
	size_t der_len = 0;
	enum ca_status st;
	struct ca_profile prof;
	json_t *j = NULL;
	char *loc = NULL;
	bool run_here;
	int r;

	memset(&o, 0, sizeof(o));
	if (ca_acme_auth(ctx, req, resp, CA_AUTH_KID) != 0)
		return;
	r = ca_order_load_owned(ctx, req, id, &o);
	if (r != 0)
		goto fail;
	st = ca_order_effective_status(&o, req->now);
	if (st != CA_ST_READY) {
		r = cn_err_set(CN_ERR_ORDER_NOT_READY, "the order is %s, not ready", ca_status_str(st));
		goto fail;
	}
	if (req->payload == NULL) {
		r = cn_err_set(CN_ERR_MALFORMED, "finalize needs a payload with a csr");
		goto fail;
	}
	r = cn_json_get_str(req->payload, "csr", &csr_b64);
	if (r != 0)
		goto fail;
	if (strlen(csr_b64) > CA_MAX_CSR) {
		r = cn_err_set(CN_ERR_BAD_CSR, "the CSR is larger than %d bytes", CA_MAX_CSR);
		goto fail;
	}
	r = cn_b64url_decode(csr_b64, strlen(csr_b64), &der, &der_len);
	if (r != 0) {
		r = cn_err_set(CN_ERR_BAD_CSR, "csr is not base64url");
		goto fail;
	}
	r = ca_profile_get(ctx->cfg, o.profile ? o.profile : ctx->cfg->default_profile, &prof);
	if (r != 0)
		goto fail;
	r = csr_check(ctx, req, &o, der, der_len, &csr);
	if (r != 0)
		goto fail;
	/*
	 * The job finds the parsed CSR here instead of parsing it again. It is
	 * put before the job exists: a worker may claim the job as soon as
	 * finalize_start commits. If that fails, the entry is taken back.
	 */
	ca_csrcache_put(ctx->csrs, id, der, der_len, csr);
	csr = NULL;
	run_here = ctx->jobs != NULL && ca_work_caa_fresh(ctx, &o, req->now, CA_FINALIZE_NOW_MARGIN_S);
	r = ca_store_order_finalize_start(ctx->store, id, der, der_len,
	    run_here ? req->now + CA_FINALIZE_HOLD_S : req->now);
	if (r != 0)
		cn_csr_free(ca_csrcache_take(ctx->csrs, id, der, der_len));
	if (r == CN_ERR_CONFLICT) {
		r = cn_err_set(CN_ERR_ORDER_NOT_READY, "the order is already being finalized");
		goto fail;
	}
	if (r != 0)
		goto fail;
	o.status = CA_ST_PROCESSING;
	if (!run_here || finalize_now(ctx, &o) != 0) {
		ca_jobs_wake(ctx->jobs);
		CN_LOG(CN_LOG_INFO, "acme", "acct=%lld order=%lld finalization queued",
		    (long long)req->account.id, (long long)id);
	}
	j = ca_render_order(ctx, &o, req->now);
	ca_ari_order_decorate(ctx, j, id);
	ca_resp_json(resp, 200, j);
	loc = ca_url(ctx, "/acme/order/%lld", (long long)id);
	ca_resp_header(resp, "Location", "%s", loc);
	if (o.status == CA_ST_PROCESSING)
		ca_resp_retry_after(resp, ctx->cfg->retry_after_s);
	goto out;
fail:
	ca_resp_problem(resp, r, NULL);
out:
	free(loc);
	free(der);
	cn_csr_free(csr);
	json_decref(j);
	ca_order_cleanup(&o);
}
