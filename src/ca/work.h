/*
 * work.h - what a job does: validate one challenge (RFC 8555 section 8) or
 * issue the certificate of one order (section 7.4). Each returns 0 when the
 * outcome (success or a subscriber-facing failure) is recorded in the store,
 * or a negative code for an internal failure that is worth retrying.
 */
#ifndef CA_WORK_H
#define CA_WORK_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

struct ca_ctx;
struct ca_validate_cfg;
struct ca_resolver;

int ca_work_validate(const struct ca_ctx *ctx, const struct ca_validate_cfg *vcfg,
    struct ca_resolver *resolver, int64_t challenge_id) CN_WUR;
int ca_work_finalize(const struct ca_ctx *ctx, const struct ca_validate_cfg *vcfg,
    struct ca_resolver *resolver, int64_t order_id) CN_WUR;
/*
 * CAA (work_caa.c): 0 when the CAA records of az's DNS name let this CA
 * issue for az's account after validation by method (ca_caa_check; IP
 * identifiers: always 0); else CN_ERR_CAA or CN_ERR_DNS with a detail.
 */
int ca_work_caa(const struct ca_ctx *ctx, const struct ca_validate_cfg *vcfg,
    struct ca_resolver *resolver, const struct ca_authz *az, const char *method) CN_WUR;
/*
 * ca_work_caa again for every DNS authorization of o validated at least
 * cfg->caa_recheck_age_s before now; the first failure, or a store error.
 */
int ca_work_caa_recheck(const struct ca_ctx *ctx, const struct ca_validate_cfg *vcfg,
    struct ca_resolver *resolver, const struct ca_order *o, int64_t now) CN_WUR;
/* Whether every CAA check of o's authorizations stays younger than
 * cfg->caa_recheck_age_s for margin_s more seconds, so that finalizing o
 * needs no DNS (false on a store error). */
bool ca_work_caa_fresh(const struct ca_ctx *ctx, const struct ca_order *o, int64_t now,
    int64_t margin_s);
/*
 * dns-persist-01 (work_persist.c) for az at time now: the lookup at its name
 * and, for policy=wildcard records, its parents up to its registrable
 * domain, within timeout_ms (<= 0: vcfg's). On success *reuse_until is the
 * end of its reuse period (now + the shorter of --valid-authz-lifetime and
 * the record's TTL, draft section 7.8) and via (when non-NULL) the
 * validated FQDN. Errors as ca_validate_dns_persist01, or CN_ERR_INTERNAL
 * when the public suffix list cannot be loaded.
 */
int ca_work_persist(const struct ca_ctx *ctx, const struct ca_validate_cfg *vcfg,
    struct ca_resolver *resolver, const struct ca_authz *az, int64_t now, int timeout_ms,
    int64_t *reuse_until, char via[254]) CN_WUR;
/* The deadline (CLOCK_MONOTONIC ms) shared by the just-in-time lookups of
 * one request: now plus ctx->vcfg's total timeout. */
int64_t ca_work_persist_jit_deadline(const struct ca_ctx *ctx);
/*
 * Just-in-time dns-persist-01 (draft section 4.2) for az, a new PENDING
 * authorization not stored yet, when --dns-persist-01-jit is on and az
 * offers dns-persist-01: if before deadline_ms a record meets every
 * requirement for az's account and CAA permits, az becomes VALID in place
 * (its dns-persist-01 challenge VALID, validated now; expires now +
 * --valid-authz-lifetime; reuse_until as ca_work_persist) and via names
 * the validated FQDN: true. Otherwise az is left as it was: false.
 */
bool ca_work_persist_jit(const struct ca_ctx *ctx, struct ca_authz *az, int64_t now,
    int64_t deadline_ms, char via[254]);
/* Records a serverInternal failure on the job's target after the last retry. */
void ca_work_give_up(const struct ca_ctx *ctx, const struct ca_job *job);

#endif
