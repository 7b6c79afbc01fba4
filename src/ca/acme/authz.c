/*
 * authz.c - authorization and challenge resources, RFC 8555 sections 7.5
 * and 7.5.1: POST-as-GET returns the object; a POST of {} to a pending
 * challenge starts its validation as a job (the response says "processing"
 * with Retry-After; section 8.2), {"status":"deactivated"} deactivates an
 * authorization (section 7.5.2). Challenges link "up" to their authz.
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
	if (az.status == CA_ST_PENDING)
		ca_resp_retry_after(resp, ctx->cfg->retry_after_s);
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
		r = ca_store_challenge_start(ctx->store, id, req->now);
		if (r == 0) {
			c.status = CA_ST_PROCESSING;
			ca_jobs_wake(ctx->jobs);
			CN_LOG(CN_LOG_INFO, "acme", "acct=%lld authz=%lld chall=%lld %s validation queued",
			    (long long)req->account.id, (long long)az.id, (long long)id, c.type);
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
		ca_resp_retry_after(resp, ctx->cfg->retry_after_s);
	goto out;
fail:
	ca_resp_problem(resp, r, NULL);
out:
	free(up);
	json_decref(j);
	ca_challenge_cleanup(&c);
	ca_authz_cleanup(&az);
}
