/*
 * store_sqlite_retry.c - challenge retries (RFC 8555 section 8.2) in the
 * SQLite store. A failed validation attempt below the configured limit puts
 * the challenge back to "pending" with the attempt's error (its
 * authorization and orders stay pending), counts the attempt and records
 * the time before which no new attempt starts; the attempt that reaches the
 * limit is left to ca_store_challenge_finish, which invalidates challenge,
 * authorization and orders as before.
 */
#include "store/store_sqlite_int.h"

#include <string.h>

/* attempts and retry_at of a challenge, 0 and 0 without a row. */
static int attempts_read(struct sq_conn *c, int64_t chall_id, int *attempts, int64_t *retry_at)
{
	sqlite3_stmt *s = NULL;
	int r;

	r = sq_stmt_int64(c, SQ_CHALL_ATTEMPTS_GET, chall_id, &s);
	if (r != 0)
		return r;
	r = sq_step(c, s);
	if (r < 0)
		return r;
	*attempts = r == 1 ? sqlite3_column_int(s, 0) : 0;
	*retry_at = r == 1 ? sqlite3_column_int64(s, 1) : 0;
	sqlite3_reset(s);
	return 0;
}

static int attempts_write(struct sq_conn *c, int64_t chall_id, int attempts, int64_t retry_at)
{
	sqlite3_stmt *s = NULL;
	int r;

	r = sq_stmt(c, SQ_CHALL_ATTEMPTS_SET, &s);
	if (r != 0)
		return r;
	if (sqlite3_bind_int64(s, 1, chall_id) != SQLITE_OK ||
	    sqlite3_bind_int(s, 2, attempts) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, retry_at) != SQLITE_OK)
		return sq_fail(c, "bind");
	return sq_exec(c, s);
}

/* CN_ERR_CONFLICT unless the challenge is PROCESSING (NOT_FOUND if missing). */
static int require_processing(struct sq_conn *c, int64_t chall_id)
{
	sqlite3_stmt *s = NULL;
	enum ca_status st;
	int r;

	r = sq_stmt_int64(c, SQ_CHALL_STATUS, chall_id, &s);
	if (r != 0)
		return r;
	r = sq_found(c, s, "no such challenge");
	if (r != 0)
		return r;
	r = sq_col_status(c, s, 0, &st);
	sqlite3_reset(s);
	if (r != 0)
		return r;
	if (st != CA_ST_PROCESSING)
		return cn_err_set(CN_ERR_CONFLICT, "the challenge is %s, not processing",
		    ca_status_str(st));
	return 0;
}

int ca_store_challenge_attempt_failed(struct ca_store *st, int64_t chall_id,
    const char *error_json, int max_attempts, int64_t retry_at, bool *final)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int64_t old_retry = 0;
	int attempts = 0, r;
	bool last;

	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = require_processing(c, chall_id);
	if (r == 0)
		r = attempts_read(c, chall_id, &attempts, &old_retry);
	if (r != 0)
		goto out;
	attempts++;
	last = attempts >= max_attempts;
	if (!last) {
		r = sq_stmt(c, SQ_CHALL_BACK_TO_PENDING, &s);
		if (r != 0)
			goto out;
		if (sqlite3_bind_int64(s, 1, chall_id) != SQLITE_OK ||
		    sqlite3_bind_text(s, 2, error_json, -1, SQLITE_STATIC) != SQLITE_OK) {
			r = sq_fail(c, "bind");
			goto out;
		}
		r = sq_exec(c, s);
		if (r != 0)
			goto out;
	}
	r = attempts_write(c, chall_id, attempts, last ? old_retry : retry_at);
	if (r != 0)
		goto out;
	r = sq_commit(c);
	if (r != 0)
		goto out;
	*final = last;
out:
	sq_release(st, c);
	return r;
}

int ca_store_challenge_attempts(struct ca_store *st, int64_t chall_id, int *attempts,
    int64_t *retry_at)
{
	struct sq_conn *c = NULL;
	int64_t when = 0;
	int n = 0, r;

	c = sq_acquire(st);
	r = attempts_read(c, chall_id, &n, &when);
	if (r == 0) {
		*attempts = n;
		*retry_at = when;
	}
	sq_release(st, c);
	return r;
}

int ca_store_challenge_start_retry(struct ca_store *st, int64_t chall_id, int64_t now,
    int64_t *run_at)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int64_t retry_at = 0, when;
	int attempts = 0, r;

	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = attempts_read(c, chall_id, &attempts, &retry_at);
	if (r != 0)
		goto out;
	r = sq_stmt_int64(c, SQ_CHALL_START, chall_id, &s);
	if (r != 0)
		goto out;
	r = sq_exec_cas(c, s, SQ_CHALL_EXISTS, chall_id, NULL, CN_ERR_CONFLICT, "challenge");
	if (r != 0)
		goto out;
	when = retry_at > now ? retry_at : now;
	r = sq_job_add(c, CA_JOB_VALIDATE, chall_id, when);
	if (r != 0)
		goto out;
	r = sq_commit(c);
	if (r != 0)
		goto out;
	*run_at = when;
out:
	sq_release(st, c);
	return r;
}
