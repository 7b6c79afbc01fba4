/*
 * store_sqlite_authz.c - ACME authorizations and challenges (RFC 8555
 * sections 7.1.4, 7.1.5, 7.5.1 and 8) in the SQLite store.
 *
 * An authorization is read with its challenges in one statement (a join,
 * one row per challenge in id order), so the caller sees one consistent
 * snapshot. Starting a challenge queues its CA_JOB_VALIDATE job, and
 * finishing it moves the challenge, its authorization and every pending
 * order that includes it, each in one transaction: a client never sees a
 * valid authorization under an order that is still pending.
 *
 * An authorization may carry reuse_until (004_authz_reuse.sql): the reuse
 * lookup skips it afterwards, while it stays valid until expires for the
 * orders that hold it (draft-ietf-acme-dns-persist section 7.8).
 *
 * Left out: moving pending/valid authorizations to "expired" (the caller
 * compares expires with the clock, RFC 8555 section 7.1.6).
 */
#include "store/store_sqlite_int.h"

#include <stdlib.h>

#include "mem.h"

int sq_chall_row(struct sq_conn *c, sqlite3_stmt *s, int col,
    struct ca_challenge *out)
{
	struct ca_challenge ch = {0};
	int r;

	ch.id = sqlite3_column_int64(s, col);
	ch.authz_id = sqlite3_column_int64(s, col + 1);
	r = sq_col_arr(c, s, col + 2, ch.type, sizeof(ch.type));
	if (r != 0)
		return r;
	r = sq_col_arr(c, s, col + 3, ch.token, sizeof(ch.token));
	if (r != 0)
		return r;
	r = sq_col_status(c, s, col + 4, &ch.status);
	if (r != 0)
		return r;
	ch.validated = sqlite3_column_int64(s, col + 5);
	ch.error_json = sq_col_dup(s, col + 6);
	*out = ch;
	return 0;
}

int sq_authz_rows(struct sq_conn *c, sqlite3_stmt *s, struct ca_authz *out)
{
	struct ca_authz a = {0};
	size_t cap = 0;
	int r;

	a.id = sqlite3_column_int64(s, 0);
	a.account_id = sqlite3_column_int64(s, 1);
	r = sq_col_status(c, s, 2, &a.status);
	if (r != 0)
		goto out;
	r = sq_col_arr(c, s, 3, a.id_type, sizeof(a.id_type));
	if (r != 0)
		goto out;
	a.id_value = sq_col_dup(s, 4);
	a.wildcard = sqlite3_column_int(s, 5) != 0;
	a.expires = sqlite3_column_int64(s, 6);
	a.created = sqlite3_column_int64(s, 7);
	a.reuse_until = sqlite3_column_int64(s, 8); /* NULL reads as 0: no cap */
	for (;;) {
		if (sqlite3_column_type(s, 9) != SQLITE_NULL) {
			if (a.n_challenges == cap) {
				cap = cap ? cap * 2 : 4;
				a.challenges = cn_xrealloc(a.challenges,
				    cap * sizeof(*a.challenges));
			}
			r = sq_chall_row(c, s, 9, &a.challenges[a.n_challenges]);
			if (r != 0)
				goto out;
			a.n_challenges++;
		}
		r = sq_step(c, s);
		if (r < 0)
			goto out;
		if (r == 0)
			break;
	}
	*out = a;
	a = (struct ca_authz){0};
out:
	ca_authz_cleanup(&a);
	return r;
}

int ca_store_authz_get(struct ca_store *st, int64_t id, struct ca_authz *out)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	c = sq_acquire(st);
	r = sq_stmt_int64(c, SQ_AUTHZ_GET, id, &s);
	if (r != 0)
		goto out;
	r = sq_found(c, s, "no such authorization");
	if (r != 0)
		goto out;
	r = sq_authz_rows(c, s, out);
out:
	sq_release(st, c);
	return r;
}

int ca_store_authz_transition(struct ca_store *st, int64_t id, enum ca_status from,
    enum ca_status to)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = sq_stmt(c, SQ_AUTHZ_TRANSITION, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_int64(s, 1, id) != SQLITE_OK ||
	    sq_bind_status(s, 2, from) != SQLITE_OK ||
	    sq_bind_status(s, 3, to) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	r = sq_exec_cas(c, s, SQ_AUTHZ_EXISTS, id, NULL, CN_ERR_CONFLICT, "authorization");
	if (r != 0)
		goto out;
	r = sq_commit(c);
out:
	sq_release(st, c);
	return r;
}

int ca_store_authz_find_valid(struct ca_store *st, int64_t account_id, const char *id_type,
    const char *id_value, bool wildcard, int64_t now, struct ca_authz *out)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	c = sq_acquire(st);
	r = sq_stmt(c, SQ_AUTHZ_FIND_VALID, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_int64(s, 1, account_id) != SQLITE_OK ||
	    sqlite3_bind_text(s, 2, id_type, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(s, 3, id_value, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int(s, 4, wildcard) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 5, now) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	r = sq_found(c, s, "no valid authorization to reuse");
	if (r != 0)
		goto out;
	r = sq_authz_rows(c, s, out);
out:
	sq_release(st, c);
	return r;
}

int ca_store_challenge_get(struct ca_store *st, int64_t id, struct ca_challenge *out)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	c = sq_acquire(st);
	r = sq_stmt_int64(c, SQ_CHALL_GET, id, &s);
	if (r != 0)
		goto out;
	r = sq_found(c, s, "no such challenge");
	if (r != 0)
		goto out;
	r = sq_chall_row(c, s, 0, out);
out:
	sq_release(st, c);
	return r;
}

int ca_store_challenge_start(struct ca_store *st, int64_t chall_id, int64_t now)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = sq_stmt_int64(c, SQ_CHALL_START, chall_id, &s);
	if (r != 0)
		goto out;
	r = sq_exec_cas(c, s, SQ_CHALL_EXISTS, chall_id, NULL, CN_ERR_CONFLICT, "challenge");
	if (r != 0)
		goto out;
	r = sq_job_add(c, CA_JOB_VALIDATE, chall_id, now);
	if (r != 0)
		goto out;
	r = sq_commit(c);
out:
	sq_release(st, c);
	return r;
}

/* Runs a statement binding ?1 = id and, when non-NULL, ?2 = text. */
static int exec_id_text(struct sq_conn *c, enum sq_stmt_id id_stmt, int64_t id,
    const char *text)
{
	sqlite3_stmt *s = NULL;
	int r;

	r = sq_stmt(c, id_stmt, &s);
	if (r != 0)
		return r;
	if (sqlite3_bind_int64(s, 1, id) != SQLITE_OK ||
	    (text != NULL && sqlite3_bind_text(s, 2, text, -1,
	    SQLITE_STATIC) != SQLITE_OK))
		return sq_fail(c, "bind");
	return sq_exec(c, s);
}

/*
 * The challenge must be PROCESSING (started, RFC 8555 section 7.5.1): a
 * validation job that runs twice (its lease expired) cannot overwrite the
 * outcome of the first run; that run gets CN_ERR_CONFLICT. A valid outcome
 * with expires != 0 also sets the authorization's expires and reuse_until.
 */
static int finish(struct ca_store *st, int64_t chall_id, bool valid, const char *error_json,
    int64_t now, int64_t expires, int64_t reuse_until)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int64_t authz_id;
	int r;

	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = sq_stmt(c, valid ? SQ_CHALL_VALID : SQ_CHALL_INVALID, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_int64(s, 1, chall_id) != SQLITE_OK ||
	    (valid && sqlite3_bind_int64(s, 2, now) != SQLITE_OK) ||
	    (!valid && sqlite3_bind_text(s, 2, error_json, -1,
	    SQLITE_STATIC) != SQLITE_OK)) {
		r = sq_fail(c, "bind");
		goto out;
	}
	r = sq_step(c, s);
	if (r < 0)
		goto out;
	if (r == 0) {
		r = sq_missing_or(c, SQ_CHALL_EXISTS, chall_id, NULL,
		    CN_ERR_CONFLICT, "challenge");
		goto out;
	}
	authz_id = sqlite3_column_int64(s, 0);
	r = sq_exec(c, s);
	if (r != 0)
		goto out;
	if (valid && expires != 0) {
		r = sq_stmt(c, SQ_AUTHZ_SET_VALID, &s);
		if (r != 0)
			goto out;
		if (sqlite3_bind_int64(s, 1, authz_id) != SQLITE_OK ||
		    sqlite3_bind_int64(s, 2, expires) != SQLITE_OK ||
		    sqlite3_bind_int64(s, 3, reuse_until) != SQLITE_OK) {
			r = sq_fail(c, "bind");
			goto out;
		}
		r = sq_exec(c, s);
	} else {
		r = exec_id_text(c, SQ_AUTHZ_SET_FROM_PENDING, authz_id,
		    ca_status_str(valid ? CA_ST_VALID : CA_ST_INVALID));
	}
	if (r != 0)
		goto out;
	if (valid)
		r = exec_id_text(c, SQ_ORDERS_READY, authz_id, NULL);
	else
		r = exec_id_text(c, SQ_ORDERS_INVALID, authz_id, error_json);
	if (r != 0)
		goto out;
	r = sq_commit(c);
out:
	sq_release(st, c);
	return r;
}

int ca_store_challenge_finish(struct ca_store *st, int64_t chall_id, bool valid,
    const char *error_json, int64_t now)
{
	return finish(st, chall_id, valid, error_json, now, 0, 0);
}

int ca_store_challenge_valid(struct ca_store *st, int64_t chall_id, int64_t now,
    int64_t expires, int64_t reuse_until)
{
	if (expires == 0)
		return cn_err_set(CN_ERR_INTERNAL, "store: a valid authorization needs an expiry");
	return finish(st, chall_id, true, NULL, now, expires, reuse_until);
}

int ca_store_authz_set_expires(struct ca_store *st, int64_t id, int64_t expires)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = sq_stmt(c, SQ_AUTHZ_SET_EXPIRES, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_int64(s, 1, id) != SQLITE_OK || sqlite3_bind_int64(s, 2, expires) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	r = sq_exec(c, s);
	if (r != 0)
		goto out;
	if (sq_changes(c) == 0) {
		r = cn_err_set(CN_ERR_CONFLICT, "authorization %lld is not valid", (long long)id);
		goto out;
	}
	r = sq_commit(c);
out:
	sq_release(st, c);
	return r;
}
