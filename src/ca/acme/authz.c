/*
 * authz.c - authorization and challenge resources, RFC 8555 sections 7.5
 * and 7.5.1: POST-as-GET returns the object; a POST of {} to a pending
 * challenge starts its validation as a job (the response says "processing"
 * with Retry-After; section 8.2), {"status":"deactivated"} deactivates an
 * authorization (section 7.5.2). Challenges link "up" to their authz.
 *
 * Retries (section 8.2, --challenge-attempts > 1): a failed attempt below
 * the limit leaves the challenge pending with its "error" and a time before
 * which no new attempt starts; the client retries by POSTing {} again (a
 * retry asked for too soon is queued for that time: the server's rate
 * limit), and Retry-After says how long to wait.
 */
#include <stdlib.h>
#include <string.h>

#include "acme/acme.h"
#include "jobs.h"
#include "json.h"
#include "log.h"

/* Loads the authorization if it belongs to the requesting account. */
static int authz_load(const struct ca_ctx *ctx, const struct ca_req *req, int64_t id,
    struct ca_authz *az)
{
	int r = ca_store_authz_get(ctx->store, id, az);

	if (r == 0 && az->account_id != req->account.id) {
		ca_authz_cleanup(az);
		r = CN_ERR_NOT_FOUND;
	}
	if (r == CN_ERR_NOT_FOUND)
		return cn_err_set(CN_ERR_NOT_FOUND, "authorization %lld does not exist for this account",
		    (long long)id);
	return r;
}

/* Seconds until a challenge may be looked at again: the time until its
 * next attempt (queued at run_at, or allowed from retry_at), at least the
 * configured poll interval. */
static int retry_wait(const struct ca_ctx *ctx, int64_t chall_id, int64_t now, int64_t run_at)
{
	int64_t retry_at = 0, wait = ctx->cfg->retry_after_s;
	int attempts = 0;

	if (run_at == 0 && ca_store_challenge_attempts(ctx->store, chall_id, &attempts,
	    &retry_at) == 0)
		run_at = retry_at;
	if (run_at - now > wait)
		wait = run_at - now;
	return wait > 86400 ? 86400 : (int)wait;
}

void ca_handle_authz(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp,
    int64_t id)
{
	struct ca_authz az;
	const char *status = NULL;
	json_t *j = NULL;
	int r;

	memset(&az, 0, sizeof(az));
	if (ca_acme_auth(ctx, req, resp, CA_AUTH_KID) != 0)
		return;
	r = authz_load(ctx, req, id, &az);
	if (r != 0)
		goto fail;
	if (req->payload) {
		r = cn_json_opt_str(req->payload, "status", &status);
		if (r != 0)
			goto fail;
		if (status && strcmp(status, "deactivated") != 0) {
			r = cn_err_set(CN_ERR_MALFORMED, "status may only be changed to \"deactivated\"");
			goto fail;
		}
		if (status) {
			enum ca_status from = ca_authz_effective_status(&az, req->now);

			if (from != CA_ST_PENDING && from != CA_ST_VALID) {
				r = cn_err_set(CN_ERR_MALFORMED, "a %s authorization cannot be deactivated",
				    ca_status_str(from));
				goto fail;
			}
			r = ca_store_authz_transition(ctx->store, id, az.status, CA_ST_DEACTIVATED);
			if (r != 0)
				goto fail;
			az.status = CA_ST_DEACTIVATED;
			CN_LOG(CN_LOG_INFO, "acme", "acct=%lld authz=%lld deactivated",
			    (long long)req->account.id, (long long)id);
		}
	}
	j = ca_render_authz(ctx, &az, req->now);
	ca_resp_json(resp, 200, j);
	if (az.status == CA_ST_PENDING) {
		int wait = ctx->cfg->retry_after_s, w;
		size_t k;

		for (k = 0; k < az.n_challenges; k++) {
			w = retry_wait(ctx, az.challenges[k].id, req->now, 0);
			if (w > wait)
				wait = w;
		}
		ca_resp_retry_after(resp, wait);
	}
	goto out;
fail:
	ca_resp_problem(resp, r, NULL);
out:
	json_decref(j);
	ca_authz_cleanup(&az);
}

void ca_handle_challenge(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp,
    int64_t id)
{
	struct ca_challenge c;
	struct ca_authz az;
	json_t *j = NULL;
	char *up = NULL;
	int64_t run_at = 0;
	int r;

	memset(&c, 0, sizeof(c));
	memset(&az, 0, sizeof(az));
	if (ca_acme_auth(ctx, req, resp, CA_AUTH_KID) != 0)
		return;
	r = ca_store_challenge_get(ctx->store, id, &c);
	if (r == 0)
		r = authz_load(ctx, req, c.authz_id, &az);
	if (r == CN_ERR_NOT_FOUND)
		r = cn_err_set(CN_ERR_NOT_FOUND, "challenge %lld does not exist for this account",
		    (long long)id);
	if (r != 0)
		goto fail;
	if (req->payload != NULL && c.status == CA_ST_PENDING) {
		/* Section 7.5.1: the client says it is ready. The payload is an
		 * object whose members (none defined for these types) we ignore. */
		if (ca_authz_effective_status(&az, req->now) != CA_ST_PENDING) {
			r = cn_err_set(CN_ERR_MALFORMED, "the authorization is %s, not pending",
			    ca_status_str(ca_authz_effective_status(&az, req->now)));
			goto fail;
		}
		r = ca_store_challenge_start_retry(ctx->store, id, req->now, &run_at);
		if (r == 0) {
			c.status = CA_ST_PROCESSING;
			ca_jobs_wake(ctx->jobs);
			CN_LOG(CN_LOG_INFO, "acme", "acct=%lld authz=%lld chall=%lld %s validation queued%s",
			    (long long)req->account.id, (long long)az.id, (long long)id, c.type,
			    run_at > req->now ? " (a retry, delayed)" : "");
		} else if (r == CN_ERR_CONFLICT) {
			/* Another challenge or a concurrent request got there first. */
			ca_challenge_cleanup(&c);
			r = ca_store_challenge_get(ctx->store, id, &c);
		}
		if (r != 0)
			goto fail;
	}
	j = ca_render_challenge(ctx, &c);
	ca_resp_json(resp, 200, j);
	up = ca_url(ctx, "/acme/authz/%lld", (long long)c.authz_id);
	ca_resp_link(resp, up, "up");
	if (c.status == CA_ST_PROCESSING || c.status == CA_ST_PENDING)
		ca_resp_retry_after(resp, retry_wait(ctx, id, req->now, run_at));
	goto out;
fail:
	ca_resp_problem(resp, r, NULL);
out:
	free(up);
	json_decref(j);
	ca_challenge_cleanup(&c);
	ca_authz_cleanup(&az);
}
