/*
 * jobs.h - worker threads that run validation and finalization jobs from the
 * store's durable queue (DESIGN: nothing blocks an HTTP worker on the
 * network; a restart resumes queued jobs). Any instance sharing the store
 * may run any job; within one process, ca_jobs_wake() lets a worker pick a
 * job up at once instead of at its next poll.
 */
#ifndef CA_JOBS_H
#define CA_JOBS_H

#include <stdint.h>

#include "err.h"
#include "store/store.h"

struct ca_ctx;
struct ca_jobs;
struct ca_validate_cfg;
struct ca_resolver;

int ca_jobs_start(const struct ca_ctx *ctx, const struct ca_validate_cfg *vcfg,
    struct ca_resolver *resolver, int n_workers, struct ca_jobs **out) CN_WUR;
void ca_jobs_wake(struct ca_jobs *jobs);
/*
 * Runs the queued job of `kind` for target_id in the calling thread, as a
 * worker would (claimed with a lease, outcome recorded, retried by the
 * workers after an internal failure). For work that needs no network:
 * the finalization of an order whose CAA checks are fresh. 0 when it ran
 * (whatever the outcome), CN_ERR_NOT_FOUND when a worker has it already
 * or it is gone; jobs NULL: CN_ERR_NOT_FOUND.
 */
int ca_jobs_run_now(struct ca_jobs *jobs, enum ca_job_kind kind, int64_t target_id) CN_WUR;
/* Stops the workers (each finishes its current job) and frees. */
void ca_jobs_stop(struct ca_jobs *jobs);

#endif
