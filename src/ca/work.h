/*
 * work.h - what a job does: validate one challenge (RFC 8555 section 8) or
 * issue the certificate of one order (section 7.4). Each returns 0 when the
 * outcome (success or a subscriber-facing failure) is recorded in the store,
 * or a negative code for an internal failure that is worth retrying.
 */
#ifndef CA_WORK_H
#define CA_WORK_H

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
/* Records a serverInternal failure on the job's target after the last retry. */
void ca_work_give_up(const struct ca_ctx *ctx, const struct ca_job *job);

#endif
