/*
 * store_sqlite_job.c - the durable work queue (validation and finalization
 * jobs, DESIGN.md "Nothing blocks an HTTP worker on the network") in the
 * SQLite store.
 *
 * A claim is one BEGIN IMMEDIATE transaction that picks the oldest runnable
 * job (run_after <= now, lease expired) and leases it: writers serialize on
 * the database's write lock, so two claimers - threads or processes - never
 * get the same job while its lease holds. A worker that dies loses its lease
 * and the job runs again; workers must therefore be idempotent (see
 * ca_store_challenge_finish and ca_store_cert_insert, which refuse a second
 * outcome).
 *
 * Claims, completions and retries commit without fsync (sq_begin_light):
 * a crash may undo one, and then the job runs again, which it must survive
 * anyway. The job itself is queued durably, in the transaction of the
 * state change that needs it (challenge start, finalization start). This
 * takes four of the durable commits of an issuance off the disk.
 */
#include "store/store_sqlite_int.h"

#include <string.h>

#include "log.h"

static const char *const job_kinds[CA_JOB_MAX] = {
	[CA_JOB_VALIDATE] = "validate",
	[CA_JOB_FINALIZE] = "finalize",
};

int sq_job_add(struct sq_conn *c, enum ca_job_kind kind, int64_t target_id,
    int64_t run_after)
{
	sqlite3_stmt *s = NULL;
	int r;

	r = sq_stmt(c, SQ_JOB_ADD, &s);
	if (r != 0)
		return r;
	if (sqlite3_bind_text(s, 1, job_kinds[kind], -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, target_id) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, run_after) != SQLITE_OK)
		return sq_fail(c, "bind");
	return sq_exec(c, s);
}

static int job_kind_parse(struct sq_conn *c, const char *s, enum ca_job_kind *out)
{
	int i;

	for (i = 0; s != NULL && i < CA_JOB_MAX; i++) {
		if (strcmp(s, job_kinds[i]) == 0) {
			*out = (enum ca_job_kind)i;
			return 0;
		}
	}
	CN_LOG(CN_LOG_ERR, "store", "%s: unknown job kind",
	    sqlite3_db_filename(c->db, "main"));
	return cn_err_set(CN_ERR_STORE, "store: unknown job kind");
}

/* Claims with SQ_JOB_CLAIM (any runnable job) or SQ_JOB_CLAIM_TARGET (the
 * runnable job of kind for target_id). */
static int job_claim(struct ca_store *st, enum sq_stmt_id id, enum ca_job_kind kind,
    int64_t target_id, int64_t now, int lease_s, struct ca_job *out)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	struct ca_job job = {0};
	int r;

	c = sq_acquire(st);
	r = sq_begin_light(c);
	if (r != 0)
		goto out;
	r = sq_stmt(c, id, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_int64(s, 1, now) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, now + lease_s) != SQLITE_OK ||
	    (id == SQ_JOB_CLAIM_TARGET &&
	    (sqlite3_bind_text(s, 3, job_kinds[kind], -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 4, target_id) != SQLITE_OK))) {
		r = sq_fail(c, "bind");
		goto out;
	}
	r = sq_found(c, s, "no runnable job");
	if (r != 0)
		goto out;
	job.id = sqlite3_column_int64(s, 0);
	r = job_kind_parse(c, (const char *)sqlite3_column_text(s, 1), &job.kind);
	if (r != 0)
		goto out;
	job.target_id = sqlite3_column_int64(s, 2);
	job.attempts = sqlite3_column_int(s, 3);
	job.run_after = sqlite3_column_int64(s, 4);
	r = sq_exec(c, s);
	if (r != 0)
		goto out;
	r = sq_commit(c);
	if (r != 0)
		goto out;
	*out = job;
out:
	sq_release(st, c);
	return r;
}

int ca_store_job_claim(struct ca_store *st, int64_t now, int lease_s, struct ca_job *out)
{
	return job_claim(st, SQ_JOB_CLAIM, CA_JOB_MAX, 0, now, lease_s, out);
}

int ca_store_job_claim_target(struct ca_store *st, enum ca_job_kind kind, int64_t target_id,
    int64_t now, int lease_s, struct ca_job *out)
{
	if ((int)kind < 0 || kind >= CA_JOB_MAX)
		return cn_err_set(CN_ERR_USAGE, "store: bad job kind %d", (int)kind);
	return job_claim(st, SQ_JOB_CLAIM_TARGET, kind, target_id, now, lease_s, out);
}

/* Runs a one-row write on a job by id (?1, and ?2 = run_after when
 * has_run_after); CN_ERR_NOT_FOUND if the job is gone. */
static int job_write(struct ca_store *st, enum sq_stmt_id id, int64_t job_id,
    bool has_run_after, int64_t run_after)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	c = sq_acquire(st);
	r = sq_begin_light(c);
	if (r != 0)
		goto out;
	r = sq_stmt(c, id, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_int64(s, 1, job_id) != SQLITE_OK ||
	    (has_run_after && sqlite3_bind_int64(s, 2, run_after) != SQLITE_OK)) {
		r = sq_fail(c, "bind");
		goto out;
	}
	r = sq_exec(c, s);
	if (r != 0)
		goto out;
	if (sq_changes(c) == 0) {
		r = cn_err_set(CN_ERR_NOT_FOUND, "no such job");
		goto out;
	}
	r = sq_commit(c);
out:
	sq_release(st, c);
	return r;
}

int ca_store_job_done(struct ca_store *st, int64_t job_id)
{
	return job_write(st, SQ_JOB_DONE, job_id, false, 0);
}

int ca_store_job_retry(struct ca_store *st, int64_t job_id, int64_t run_after)
{
	return job_write(st, SQ_JOB_RETRY, job_id, true, run_after);
}
