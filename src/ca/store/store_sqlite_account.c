/*
 * store_sqlite_account.c - ACME accounts (RFC 8555 section 7.1.2) in the
 * SQLite store, found by id (the kid URL) or by the RFC 7638 thumbprint of
 * their key (section 7.3.1, newAccount with onlyReturnExisting; the unique
 * index on thumbprint makes one key one account).
 */
#include "store/store_sqlite_int.h"

#include <stdlib.h>

static int account_row(struct sq_conn *c, sqlite3_stmt *s, struct ca_account *out)
{
	struct ca_account a = {0};
	int r;

	a.id = sqlite3_column_int64(s, 0);
	r = sq_col_status(c, s, 1, &a.status);
	if (r != 0)
		goto out;
	r = sq_col_arr(c, s, 2, a.thumbprint, sizeof(a.thumbprint));
	if (r != 0)
		goto out;
	a.jwk_json = sq_col_dup(s, 3);
	a.contact_json = sq_col_dup(s, 4);
	a.tos_agreed = sqlite3_column_int(s, 5) != 0;
	a.created = sqlite3_column_int64(s, 6);
	r = sq_col_arr(c, s, 7, a.tos_version, sizeof(a.tos_version));
	if (r != 0)
		goto out;
	*out = a;
	a = (struct ca_account){0};
out:
	ca_account_cleanup(&a);
	return r;
}

/* Runs a one-parameter account query (by id or thumbprint). */
static int account_query(struct ca_store *st, enum sq_stmt_id id, int64_t key_id,
    const char *key_text, struct ca_account *out)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	c = sq_acquire(st);
	r = sq_stmt_key(c, id, key_id, key_text, &s);
	if (r == 0)
		r = sq_found(c, s, "no such account");
	if (r != 0)
		goto out;
	r = account_row(c, s, out);
out:
	sq_release(st, c);
	return r;
}

int sq_account_insert_row(struct sq_conn *c, const struct ca_account *a, int64_t *id)
{
	sqlite3_stmt *s = NULL;
	int r;

	r = sq_stmt(c, SQ_ACCOUNT_INSERT, &s);
	if (r != 0)
		return r;
	if (sq_bind_status(s, 1, a->status) != SQLITE_OK ||
	    sq_bind_arr(s, 2, a->thumbprint, sizeof(a->thumbprint)) != SQLITE_OK ||
	    sqlite3_bind_text(s, 3, a->jwk_json, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(s, 4, a->contact_json, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int(s, 5, a->tos_agreed) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 6, a->created) != SQLITE_OK ||
	    sq_bind_arr(s, 7, a->tos_version, sizeof(a->tos_version)) != SQLITE_OK)
		return sq_fail(c, "bind");
	r = sq_exec(c, s);
	if (r != 0)
		return r;
	*id = sqlite3_last_insert_rowid(c->db);
	return 0;
}

int ca_store_account_insert(struct ca_store *st, struct ca_account *a)
{
	struct sq_conn *c = NULL;
	int64_t id = 0;
	int r;

	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = sq_account_insert_row(c, a, &id);
	if (r != 0)
		goto out;
	r = sq_commit(c);
	if (r != 0)
		goto out;
	a->id = id;
out:
	sq_release(st, c);
	return r;
}

int ca_store_account_get(struct ca_store *st, int64_t id, struct ca_account *out)
{
	return account_query(st, SQ_ACCOUNT_GET, id, NULL, out);
}

int ca_store_account_by_thumbprint(struct ca_store *st, const char *thumbprint,
    struct ca_account *out)
{
	return account_query(st, SQ_ACCOUNT_BY_THUMB, 0, thumbprint, out);
}

int ca_store_account_update(struct ca_store *st, const struct ca_account *a)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = sq_stmt(c, SQ_ACCOUNT_UPDATE, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_int64(s, 1, a->id) != SQLITE_OK ||
	    sqlite3_bind_text(s, 2, a->contact_json, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sq_bind_status(s, 3, a->status) != SQLITE_OK ||
	    sqlite3_bind_int(s, 4, a->tos_agreed) != SQLITE_OK ||
	    sq_bind_arr(s, 5, a->tos_version, sizeof(a->tos_version)) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	r = sq_exec(c, s);
	if (r != 0)
		goto out;
	if (sq_changes(c) == 0) {
		r = cn_err_set(CN_ERR_NOT_FOUND, "no such account");
		goto out;
	}
	r = sq_commit(c);
out:
	sq_release(st, c);
	return r;
}

int ca_store_account_rekey(struct ca_store *st, int64_t id, const char *thumbprint,
    const char *jwk_json)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = sq_stmt(c, SQ_ACCOUNT_REKEY, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_int64(s, 1, id) != SQLITE_OK ||
	    sqlite3_bind_text(s, 2, thumbprint, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(s, 3, jwk_json, -1, SQLITE_STATIC) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	/* The unique index on thumbprint turns a key in use into CN_ERR_CONFLICT. */
	r = sq_exec(c, s);
	if (r != 0)
		goto out;
	if (sq_changes(c) == 0) {
		r = cn_err_set(CN_ERR_NOT_FOUND, "no such account");
		goto out;
	}
	r = sq_commit(c);
out:
	sq_release(st, c);
	return r;
}
