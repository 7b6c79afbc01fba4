/*
 * store_sqlite_preauth.c - authorizations outside orders and their end, in
 * the SQLite store: pre-authorization (RFC 8555 section 7.4.1, newAuthz)
 * inserts an authorization with its challenges that no order references
 * yet (a later order of the account reuses it once it is valid); account
 * deactivation (section 7.3.6) cancels the account's pending work.
 */
#include "store/store_sqlite_int.h"

#include <string.h>

int ca_store_authz_create(struct ca_store *st, struct ca_authz *az)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	struct ca_challenge *ch;
	int64_t id;
	size_t i;
	int r;

	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = sq_stmt(c, SQ_AUTHZ_INSERT, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_int64(s, 1, az->account_id) != SQLITE_OK ||
	    sq_bind_status(s, 2, az->status) != SQLITE_OK ||
	    sq_bind_arr(s, 3, az->id_type, sizeof(az->id_type)) != SQLITE_OK ||
	    sqlite3_bind_text(s, 4, az->id_value, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int(s, 5, az->wildcard) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 6, az->expires) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 7, az->created) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 8, az->reuse_until) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	r = sq_exec(c, s);
	if (r != 0)
		goto out;
	id = sqlite3_last_insert_rowid(c->db);
	for (i = 0; i < az->n_challenges; i++) {
		ch = &az->challenges[i];
		r = sq_stmt(c, SQ_CHALL_INSERT, &s);
		if (r != 0)
			goto out;
		if (sqlite3_bind_int64(s, 1, id) != SQLITE_OK ||
		    sq_bind_arr(s, 2, ch->type, sizeof(ch->type)) != SQLITE_OK ||
		    sq_bind_arr(s, 3, ch->token, sizeof(ch->token)) != SQLITE_OK ||
		    sq_bind_status(s, 4, ch->status) != SQLITE_OK ||
		    sqlite3_bind_int64(s, 5, ch->validated) != SQLITE_OK ||
		    sqlite3_bind_text(s, 6, ch->error_json, -1, SQLITE_STATIC) != SQLITE_OK) {
			r = sq_fail(c, "bind");
			goto out;
		}
		r = sq_exec(c, s);
		if (r != 0)
			goto out;
		ch->id = sqlite3_last_insert_rowid(c->db);
	}
	r = sq_commit(c);
	if (r != 0)
		goto out;
	az->id = id;
	for (i = 0; i < az->n_challenges; i++)
		az->challenges[i].authz_id = id;
out:
	if (r != 0)
		for (i = 0; i < az->n_challenges; i++)
			az->challenges[i].id = 0;
	sq_release(st, c);
	return r;
}

int ca_store_account_cancel_pending(struct ca_store *st, int64_t account_id,
    const char *error_json)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = sq_stmt(c, SQ_ACCOUNT_ORDERS_CANCEL, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_int64(s, 1, account_id) != SQLITE_OK ||
	    sqlite3_bind_text(s, 2, error_json, -1, SQLITE_STATIC) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	r = sq_exec(c, s);
	if (r != 0)
		goto out;
	r = sq_stmt_int64(c, SQ_ACCOUNT_AUTHZS_CANCEL, account_id, &s);
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
