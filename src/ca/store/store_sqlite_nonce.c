/*
 * store_sqlite_nonce.c - RFC 8555 section 6.5 anti-replay nonces in the
 * SQLite store. Nonces live in the store, not in memory, so that any cairnd
 * instance accepts a nonce any other issued; each is single use: taking it
 * deletes it in the same statement that checks it.
 */
#include "store/store_sqlite_int.h"

int ca_store_nonce_add(struct ca_store *st, const char *nonce, int64_t expires)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = sq_stmt(c, SQ_NONCE_ADD, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_text(s, 1, nonce, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, expires) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	r = sq_exec(c, s);
	if (r != 0)
		goto out;
	r = sq_commit(c);
out:
	sq_release(st, c);
	return r;
}

int ca_store_nonce_take(struct ca_store *st, const char *nonce, int64_t now)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int64_t expires;
	int r;

	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = sq_stmt_text(c, SQ_NONCE_TAKE, nonce, &s);
	if (r != 0)
		goto out;
	r = sq_step(c, s);
	if (r < 0)
		goto out;
	if (r == 0) {
		r = cn_err_set(CN_ERR_BAD_NONCE, "unknown or used nonce");
		goto out;
	}
	expires = sqlite3_column_int64(s, 0);
	/* An expired nonce is deleted as well: it can never be good again. */
	r = sq_commit(c);
	if (r != 0)
		goto out;
	if (expires <= now)
		r = cn_err_set(CN_ERR_BAD_NONCE, "expired nonce");
out:
	sq_release(st, c);
	return r;
}

int ca_store_nonce_purge(struct ca_store *st, int64_t now)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = sq_stmt_int64(c, SQ_NONCE_PURGE, now, &s);
	if (r != 0)
		goto out;
	r = sq_exec(c, s);
	if (r != 0)
		goto out;
	r = sq_commit(c);
out:
	sq_release(st, c);
	return r;
}
