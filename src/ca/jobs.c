/*
 * jobs.c - the worker pool. Each worker claims a job from the store (a lease,
 * so a crashed worker's job is taken again when the lease runs out), runs it
 * and records the outcome in the store. Idle workers sleep on a condition
 * variable that ca_jobs_wake() signals, with a short timeout so jobs queued
 * by another instance on the same store are found too.
 */
#include "jobs.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme/acme.h"
#include "log.h"
#include "mem.h"
#include "validate/validate.h"
#include "work.h"

#define CA_JOB_LEASE_S 60
#define CA_JOB_IDLE_POLL_MS 500
#define CA_JOB_MAX_ATTEMPTS 5

struct ca_jobs {
	const struct ca_ctx *ctx;
	const struct ca_validate_cfg *vcfg;
	struct ca_resolver *resolver;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned long wakeups;
	bool stopping;
	int n_threads;
	pthread_t *threads;
};

static void run_job(struct ca_jobs *jobs, const struct ca_job *job)
{
	const struct ca_ctx *ctx = jobs->ctx;
	int64_t now = (int64_t)time(NULL);
	int r;

	switch (job->kind) {
	case CA_JOB_VALIDATE:
		r = ca_work_validate(ctx, jobs->vcfg, jobs->resolver, job->target_id);
		break;
	case CA_JOB_FINALIZE:
		r = ca_work_finalize(ctx, jobs->vcfg, jobs->resolver, job->target_id);
		break;
	default:
		r = CN_ERR_INTERNAL;
		break;
	}
	if (r == 0) {
		if (ca_store_job_done(ctx->store, job->id) != 0)
			CN_LOG(CN_LOG_ERR, "jobs", "job %lld: cannot mark done", (long long)job->id);
		return;
	}
	/* The work functions record subscriber-facing failures themselves and
	 * return 0; a non-zero result is an internal failure worth a retry. */
	if (job->attempts + 1 >= CA_JOB_MAX_ATTEMPTS) {
		CN_LOG(CN_LOG_ERR, "jobs", "job %lld (%d) failed %d times, giving up: %s",
		    (long long)job->id, (int)job->kind, job->attempts + 1, cn_err_detail());
		ca_work_give_up(ctx, job);
		if (ca_store_job_done(ctx->store, job->id) != 0)
			CN_LOG(CN_LOG_ERR, "jobs", "job %lld: cannot mark done", (long long)job->id);
		return;
	}
	CN_LOG(CN_LOG_WARN, "jobs", "job %lld failed (attempt %d), retrying: %s", (long long)job->id,
	    job->attempts + 1, cn_err_detail());
	if (ca_store_job_retry(ctx->store, job->id, now + (1 << job->attempts)) != 0)
		CN_LOG(CN_LOG_ERR, "jobs", "job %lld: cannot reschedule", (long long)job->id);
}

static void *worker_main(void *arg)
{
	struct ca_jobs *jobs = arg;
	struct ca_job job;
	unsigned long seen;
	int r;

	for (;;) {
		pthread_mutex_lock(&jobs->mu);
		seen = jobs->wakeups;
		if (jobs->stopping) {
			pthread_mutex_unlock(&jobs->mu);
			break;
		}
		pthread_mutex_unlock(&jobs->mu);

		memset(&job, 0, sizeof(job));
		r = ca_store_job_claim(jobs->ctx->store, (int64_t)time(NULL), CA_JOB_LEASE_S, &job);
		if (r == 0) {
			run_job(jobs, &job);
			continue;
		}
		if (r != CN_ERR_NOT_FOUND)
			CN_LOG(CN_LOG_ERR, "jobs", "cannot claim a job: %s", cn_err_detail());

		pthread_mutex_lock(&jobs->mu);
		if (!jobs->stopping && jobs->wakeups == seen) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += (long)CA_JOB_IDLE_POLL_MS * 1000000L;
			ts.tv_sec += ts.tv_nsec / 1000000000L;
			ts.tv_nsec %= 1000000000L;
			pthread_cond_timedwait(&jobs->cv, &jobs->mu, &ts);
		}
		pthread_mutex_unlock(&jobs->mu);
	}
	return NULL;
}

int ca_jobs_start(const struct ca_ctx *ctx, const struct ca_validate_cfg *vcfg,
    struct ca_resolver *resolver, int n_workers, struct ca_jobs **out)
{
	struct ca_jobs *jobs = cn_xcalloc(1, sizeof(*jobs));
	int i, e;

	jobs->ctx = ctx;
	jobs->vcfg = vcfg;
	jobs->resolver = resolver;
	pthread_mutex_init(&jobs->mu, NULL);
	pthread_cond_init(&jobs->cv, NULL);
	jobs->threads = cn_xcalloc((size_t)n_workers, sizeof(pthread_t));
	for (i = 0; i < n_workers; i++) {
		e = pthread_create(&jobs->threads[i], NULL, worker_main, jobs);
		if (e != 0) {
			ca_jobs_stop(jobs);
			return cn_err_set(CN_ERR_INTERNAL, "pthread_create: %s", strerror(e));
		}
		jobs->n_threads++;
	}
	*out = jobs;
	return 0;
}

int ca_jobs_run_now(struct ca_jobs *jobs, enum ca_job_kind kind, int64_t target_id)
{
	struct ca_job job;
	int r;

	if (jobs == NULL)
		return cn_err_set(CN_ERR_NOT_FOUND, "no workers");
	memset(&job, 0, sizeof(job));
	r = ca_store_job_claim_target(jobs->ctx->store, kind, target_id, (int64_t)time(NULL),
	    CA_JOB_LEASE_S, &job);
	if (r != 0)
		return r;
	run_job(jobs, &job);
	return 0;
}

void ca_jobs_wake(struct ca_jobs *jobs)
{
	if (jobs == NULL)
		return;
	pthread_mutex_lock(&jobs->mu);
	jobs->wakeups++;
	pthread_cond_signal(&jobs->cv);
	pthread_mutex_unlock(&jobs->mu);
}

void ca_jobs_stop(struct ca_jobs *jobs)
{
	int i;

	if (jobs == NULL)
		return;
	pthread_mutex_lock(&jobs->mu);
	jobs->stopping = true;
	pthread_cond_broadcast(&jobs->cv);
	pthread_mutex_unlock(&jobs->mu);
	for (i = 0; i < jobs->n_threads; i++)
		pthread_join(jobs->threads[i], NULL);
	pthread_mutex_destroy(&jobs->mu);
	pthread_cond_destroy(&jobs->cv);
	free(jobs->threads);
	free(jobs);
}
