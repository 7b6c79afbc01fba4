/*
 * work_persist.c - dns-persist-01 in the life of an authorization
 * (draft-ietf-acme-dns-persist; CA/B BR 3.2.2.4.22): the lookup for an
 * authorization, walking up from its name to the registrable domain at most
 * (sections 5 and 6; the public suffix list of policy.c), the end of the
 * validation's reuse period, capped by the TTL of the record (section 7.8),
 * and just-in-time validation when newOrder or newAuthz creates an
 * authorization (section 4.2, behind --dns-persist-01-jit).
 *
 * Just-in-time validation runs on the HTTP thread of the request, so every
 * lookup of one request shares one deadline, the resolver's timeout
 * (--validation-timeout) from the first: an order of many names waits no
 * longer than one validation would, and the names left when the time is up
 * stay pending. Whatever goes wrong (no record, a record for another account
 * or past its persistUntil, a DNS failure, the deadline, CAA) leaves the
 * authorization pending: the client then gets the usual challenges (4.2).
 * CAA is checked as after any validation (BR 3.2.2.8, RFC 8657 with method
 * dns-persist-01).
 */
#include "work.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme/acme.h"
#include "log.h"
#include "policy.h"
#include "validate/validate.h"

#define PERSIST "dns-persist-01"

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ca_work_persist(const struct ca_ctx *ctx, const struct ca_validate_cfg *vcfg,
    struct ca_resolver *resolver, const struct ca_authz *az, int64_t now, int timeout_ms,
    int64_t *reuse_until, char via[254])
{
	struct ca_dns_persist_match m;
	const char *top = NULL;
	char *acct = NULL;
	int r;

	if (strcmp(az->id_type, "dns") != 0)
		return cn_err_set(CN_ERR_MALFORMED, PERSIST " validates DNS names only");
	/* Sections 5, 6: parents up to the registrable domain, never above. A
	 * public suffix itself (which the policy refuses anyway): no parent. */
	r = ca_policy_registrable_domain(ctx->cfg, az->id_value, &top);
	if (r == CN_ERR_REJECTED_ID) {
		top = NULL;
		r = 0;
	}
	if (r != 0)
		return r;
	acct = ca_url(ctx, "/acme/acct/%lld", (long long)az->account_id);
	memset(&m, 0, sizeof(m));
	r = ca_validate_dns_persist01(vcfg, resolver, az->id_value, az->wildcard, top,
	    ctx->cfg->caa_identities, acct, now, timeout_ms, &m);
	if (r == 0) {
		*reuse_until = ca_dns_persist_reuse_until(now, ctx->cfg->valid_authz_lifetime_s, m.ttl_s);
		if (via != NULL)
			snprintf(via, 254, "%s", m.fqdn);
		CN_LOG(CN_LOG_DEBUG, "validate", "acct=%lld authz=%lld %s%s by the record of %s, "
		    "TTL %lus: reusable until %lld", (long long)az->account_id, (long long)az->id,
		    az->wildcard ? "*." : "", az->id_value, m.fqdn, (unsigned long)m.ttl_s,
		    (long long)*reuse_until);
	}
	free(acct);
	return r;
}

int64_t ca_work_persist_jit_deadline(const struct ca_ctx *ctx)
{
	int t = ctx->vcfg != NULL && ctx->vcfg->total_timeout_ms > 0 ? ctx->vcfg->total_timeout_ms :
	    CA_VALIDATE_TOTAL_TIMEOUT_MS;

	return mono_ms() + t;
}

bool ca_work_persist_jit(const struct ca_ctx *ctx, struct ca_authz *az, int64_t now,
    int64_t deadline_ms, char via[254])
{
	struct ca_validate_cfg vcfg;
	struct ca_challenge *ch = NULL;
	int64_t reuse_until = 0, left;
	size_t i;
	int r;

	if (!ctx->cfg->dns_persist_01 || !ctx->cfg->dns_persist_01_jit || ctx->vcfg == NULL ||
	    ctx->resolver == NULL || az->status != CA_ST_PENDING || strcmp(az->id_type, "dns") != 0)
		return false;
	for (i = 0; i < az->n_challenges && ch == NULL; i++)
		if (strcmp(az->challenges[i].type, PERSIST) == 0)
			ch = &az->challenges[i];
	if (ch == NULL)
		return false;
	left = deadline_ms - mono_ms();
	if (left <= 0) {
		CN_LOG(CN_LOG_DEBUG, "validate", "acct=%lld %s: no time left for a just-in-time "
		    PERSIST " lookup", (long long)az->account_id, az->id_value);
		return false;
	}
	vcfg = *ctx->vcfg;
	vcfg.total_timeout_ms = (int)left;
	cn_err_clear();
	r = ca_work_persist(ctx, &vcfg, ctx->resolver, az, now, (int)left, &reuse_until, via);
	if (r == 0) {
		left = deadline_ms - mono_ms();
		if (left <= 0)
			r = cn_err_set(CN_ERR_TIMEOUT, "no time left for CAA");
		else {
			vcfg.total_timeout_ms = (int)left;
			r = ca_work_caa(ctx, &vcfg, ctx->resolver, az, PERSIST); /* BR 3.2.2.8 */
		}
	}
	if (r != 0) {
		CN_LOG(CN_LOG_DEBUG, "validate", "acct=%lld %s%s: no just-in-time " PERSIST
		    " (%s), pending", (long long)az->account_id, az->wildcard ? "*." : "",
		    az->id_value, cn_err_detail());
		return false;
	}
	/* Section 4.2: pending -> processing -> valid at once. */
	ch->status = CA_ST_VALID;
	ch->validated = now;
	az->status = CA_ST_VALID;
	az->expires = now + ctx->cfg->valid_authz_lifetime_s;
	az->reuse_until = reuse_until;
	return true;
}
