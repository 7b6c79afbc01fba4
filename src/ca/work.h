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
int ca_work_finalize(const struct ca_ctx *ctx, int64_t order_id) CN_WUR;
/* Records a serverInternal failure on the job's target after the last retry. */
void ca_work_give_up(const struct ca_ctx *ctx, const struct ca_job *job);

#endif
