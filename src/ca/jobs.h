/*
 * jobs.h - worker threads that run validation and finalization jobs from the
 * store's durable queue (DESIGN: nothing blocks an HTTP worker on the
 * network; a restart resumes queued jobs). Any instance sharing the store
 * may run any job; within one process, ca_jobs_wake() lets a worker pick a
 * job up at once instead of at its next poll.
 */
#ifndef CA_JOBS_H
#define CA_JOBS_H

#include "err.h"

struct ca_ctx;
struct ca_jobs;
struct ca_validate_cfg;
struct ca_resolver;

int ca_jobs_start(const struct ca_ctx *ctx, const struct ca_validate_cfg *vcfg,
    struct ca_resolver *resolver, int n_workers, struct ca_jobs **out) CN_WUR;
void ca_jobs_wake(struct ca_jobs *jobs);
/* Stops the workers (each finishes its current job) and frees. */
void ca_jobs_stop(struct ca_jobs *jobs);

#endif
