/*
 * store_sqlite_eab.c - External Account Binding MAC keys (RFC 8555 section
 * 7.3.4) in the SQLite store: created, listed and revoked by `cairnd admin
 * eab`, looked up when a newAccount carries an externalAccountBinding, and
 * bound to the account it creates in the transaction that inserts the
 * account, so one key never binds two accounts.
 */
#include "store/store_sqlite_int.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "mem.h"

static int eab_row(struct sq_conn *c, sqlite3_stmt *s, struct ca_eab_key *out)
{
	struct ca_eab_key k;
	const void *key;
	int r;

	memset(&k, 0, sizeof(k));
	r = sq_col_arr(c, s, 0, k.kid, sizeof(k.kid));
	if (r != 0)
		goto out;
	key = sqlite3_column_blob(s, 1);
	if (key != NULL) {
		k.hmac_key_len = (size_t)sqlite3_column_bytes(s, 1);
		k.hmac_key = cn_xmemdup(key, k.hmac_key_len);
	}
	k.created = sqlite3_column_int64(s, 2);
	k.revoked = sqlite3_column_int64(s, 3);
	k.account_id = sqlite3_column_int64(s, 4);
	k.comment = sq_col_dup(s, 5);
	if (k.comment == NULL)
		k.comment = cn_xstrdup("");
	*out = k;
	memset(&k, 0, sizeof(k));
out:
	ca_eab_key_cleanup(&k);
	return r;
}

int ca_store_eab_create(struct ca_store *st, const char *kid, const unsigned char *key,
    size_t key_len, const char *comment, int64_t now)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	if (strlen(kid) >= CA_EAB_KID_MAX || key_len == 0)
		return cn_err_set(CN_ERR_INTERNAL, "store: bad EAB key or kid");
	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = sq_stmt(c, SQ_EAB_INSERT, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_text(s, 1, kid, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_blob(s, 2, key, (int)key_len, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, now) != SQLITE_OK ||
	    sqlite3_bind_text(s, 4, comment ? comment : "", -1, SQLITE_STATIC) != SQLITE_OK) {
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

int ca_store_eab_get(struct ca_store *st, const char *kid, struct ca_eab_key *out)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	c = sq_acquire(st);
	r = sq_stmt_text(c, SQ_EAB_GET, kid, &s);
	if (r != 0)
		goto out;
	r = sq_found(c, s, "no EAB key with this kid");
	if (r != 0)
		goto out;
	r = eab_row(c, s, out);
out:
	sq_release(st, c);
	return r;
}

int ca_store_eab_list(struct ca_store *st, struct ca_eab_key **out, size_t *n_out)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	struct ca_eab_key *keys = NULL;
	size_t n = 0, cap = 0;
	int r;

	c = sq_acquire(st);
	r = sq_stmt(c, SQ_EAB_LIST, &s);
	if (r != 0)
		goto out;
	for (;;) {
		r = sq_step(c, s);
		if (r <= 0)
			break;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			keys = cn_xrealloc(keys, cap * sizeof(*keys));
		}
		r = eab_row(c, s, &keys[n]);
		if (r != 0)
			goto out;
		n++;
	}
	if (r < 0)
		goto out;
	*out = keys;
	*n_out = n;
	keys = NULL;
	n = 0;
out:
	sq_release(st, c);
	ca_eab_keys_free(keys, n);
	return r;
}

int ca_store_eab_revoke(struct ca_store *st, const char *kid, int64_t now)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = sq_stmt(c, SQ_EAB_REVOKE, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_text(s, 1, kid, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, now) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	r = sq_exec(c, s);
	if (r != 0)
		goto out;
	if (sq_changes(c) == 0) {
		r = sq_missing_or(c, SQ_EAB_EXISTS, 0, kid, CN_ERR_CONFLICT, "EAB key");
		if (r == CN_ERR_CONFLICT)
			cn_err_set(r, "the EAB key is revoked already");
		goto out;
	}
	r = sq_commit(c);
out:
	sq_release(st, c);
	return r;
}

/* Why the key kid cannot bind an account (inside the transaction). */
static int eab_unusable(struct sq_conn *c, const char *kid)
{
	sqlite3_stmt *s = NULL;
	int r;

	r = sq_stmt_text(c, SQ_EAB_GET, kid, &s);
	if (r != 0)
		return r;
	r = sq_step(c, s);
	if (r < 0)
		return r;
	if (r == 0)
		return cn_err_set(CN_ERR_UNAUTHORIZED, "externalAccountBinding: unknown kid");
	if (sqlite3_column_int64(s, 3) != 0)
		return cn_err_set(CN_ERR_UNAUTHORIZED, "externalAccountBinding: the key was revoked");
	return cn_err_set(CN_ERR_UNAUTHORIZED,
	    "externalAccountBinding: the key is bound to another account already");
}

int ca_store_account_insert_eab(struct ca_store *st, struct ca_account *a, const char *kid)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int64_t id = 0;
	int r;

	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = sq_account_insert_row(c, a, &id);
	if (r != 0)
		goto out;
	r = sq_stmt(c, SQ_EAB_BIND, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_text(s, 1, kid, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, id) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	r = sq_exec(c, s);
	if (r != 0)
		goto out;
	if (sq_changes(c) == 0) {
		r = eab_unusable(c, kid);
		goto out;
	}
	r = sq_commit(c);
	if (r != 0)
		goto out;
	a->id = id;
out:
	sq_release(st, c);
	return r;
}

void ca_eab_key_cleanup(struct ca_eab_key *k)
{
	if (k == NULL)
		return;
	if (k->hmac_key != NULL) {
		OPENSSL_cleanse(k->hmac_key, k->hmac_key_len);
		free(k->hmac_key);
	}
	free(k->comment);
	memset(k, 0, sizeof(*k));
}

void ca_eab_keys_free(struct ca_eab_key *keys, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ca_eab_key_cleanup(&keys[i]);
	free(keys);
}
