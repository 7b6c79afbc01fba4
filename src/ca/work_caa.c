/*
 * work_caa.c - CAA in the life of an authorization (CA/B BR 3.2.2.8, RFC
 * 8659, RFC 8657): checked when a challenge of a DNS identifier succeeds,
 * for the account that asked and the method that validated, and checked
 * again when an order is finalized with an authorization validated longer
 * ago than cfg->caa_recheck_age_s (RFC 8657 section 5.5: CAA may have
 * changed since; BR 3.2.2.8: issue within 8 hours of the CAA check). IP
 * identifiers have no CAA (BR 3.2.2.8 applies to dNSNames).
 *
 * The accounturi of RFC 8657 section 3.1 is the account's URL,
 * cfg->base_url + "/acme/acct/ID", as the Location of newAccount gives it.
 */
#include "work.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "acme/acme.h"
#include "log.h"
#include "validate/caa.h"
#include "validate/validate.h"

int ca_work_caa(const struct ca_ctx *ctx, const struct ca_validate_cfg *vcfg,
    struct ca_resolver *resolver, const struct ca_authz *az, const char *method)
{
	struct ca_caa_req req;
	char *acct = NULL;
	int r;

	if (strcmp(az->id_type, "dns") != 0)
		return 0;
	acct = ca_url(ctx, "/acme/acct/%lld", (long long)az->account_id);
	req.identities = ctx->cfg->caa_identities;
	req.account_uri = acct;
	req.method = method;
	req.wildcard = az->wildcard;
	r = ca_caa_check(vcfg, resolver, az->id_value, &req);
	free(acct);
	return r;
}

/* The challenge that made az valid, or NULL. */
static const struct ca_challenge *valid_challenge(const struct ca_authz *az)
{
	size_t i;

	for (i = 0; i < az->n_challenges; i++)
		if (az->challenges[i].status == CA_ST_VALID)
			return &az->challenges[i];
	return NULL;
}

/* Whether az's CAA check is older than `age` seconds at `now`. */
static bool caa_stale(const struct ca_authz *az, const struct ca_challenge *ch, int64_t now,
    int64_t age)
{
	return strcmp(az->id_type, "dns") == 0 && (ch == NULL || now - ch->validated >= age);
}

bool ca_work_caa_fresh(const struct ca_ctx *ctx, const struct ca_order *o, int64_t now,
    int64_t margin_s)
{
	struct ca_authz az;
	bool fresh = true;
	size_t i;

	for (i = 0; i < o->n_authz && fresh; i++) {
		memset(&az, 0, sizeof(az));
		if (ca_store_authz_get(ctx->store, o->authz_ids[i], &az) != 0)
			fresh = false;
		else if (caa_stale(&az, valid_challenge(&az), now,
		    ctx->cfg->caa_recheck_age_s - margin_s))
			fresh = false;
		ca_authz_cleanup(&az);
	}
	return fresh;
}

int ca_work_caa_recheck(const struct ca_ctx *ctx, const struct ca_validate_cfg *vcfg,
    struct ca_resolver *resolver, const struct ca_order *o, int64_t now)
{
	const struct ca_challenge *ch;
	struct ca_authz az;
	size_t i;
	int r = 0;

	for (i = 0; i < o->n_authz && r == 0; i++) {
		memset(&az, 0, sizeof(az));
		r = ca_store_authz_get(ctx->store, o->authz_ids[i], &az);
		if (r != 0)
			break;
		ch = valid_challenge(&az);
		if (caa_stale(&az, ch, now, ctx->cfg->caa_recheck_age_s)) {
			CN_LOG(CN_LOG_INFO, "caa", "acct=%lld order=%lld authz=%lld validated %llds ago: CAA again",
			    (long long)o->account_id, (long long)o->id, (long long)az.id,
			    ch ? (long long)(now - ch->validated) : -1LL);
			r = ca_work_caa(ctx, vcfg, resolver, &az, ch ? ch->type : NULL);
		}
		ca_authz_cleanup(&az);
	}
	return r;
}
