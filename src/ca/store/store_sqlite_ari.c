/*
 * store_sqlite_ari.c - ACME Renewal Information (RFC 9773) in the SQLite
 * store: the early-renewal marks an operator sets (`cairnd admin ari mark`),
 * resolved to certificates when they are set, so that a certificate issued
 * after the mark is not told to renew; and the order "replaces" relation
 * (section 5), whose check and insert share one transaction so that two
 * orders racing to replace one certificate cannot both succeed.
 */
#include "store/store_sqlite_int.h"

#include <string.h>

#include "mem.h"

int ca_store_ari_mark(struct ca_store *st, const char *serial, int64_t account_id, int64_t now,
    const char *explanation_url, size_t *n)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	enum sq_stmt_id id;
	int64_t changed;
	int rc, r;

	id = serial ? SQ_ARI_MARK_SERIAL : account_id > 0 ? SQ_ARI_MARK_ACCOUNT : SQ_ARI_MARK_ALL;
	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = sq_stmt(c, id, &s);
	if (r != 0)
		goto out;
	if (serial)
		rc = sqlite3_bind_text(s, 1, serial, -1, SQLITE_STATIC);
	else if (account_id > 0)
		rc = sqlite3_bind_int64(s, 1, account_id);
	else
		rc = sqlite3_bind_null(s, 1); /* ARI_MARK_ALL selects with ?1 IS NULL */
	if (rc != SQLITE_OK || sqlite3_bind_int64(s, 2, now) != SQLITE_OK ||
	    sqlite3_bind_text(s, 3, explanation_url ? explanation_url : "", -1,
	    SQLITE_STATIC) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	r = sq_exec(c, s);
	if (r != 0)
		goto out;
	changed = sq_changes(c);
	if (serial && changed == 0) {
		r = cn_err_set(CN_ERR_NOT_FOUND,
		    "no valid, unexpired certificate has serial %s", serial);
		goto out;
	}
	r = sq_commit(c);
	if (r != 0)
		goto out;
	*n = (size_t)changed;
out:
	sq_release(st, c);
	return r;
}

int ca_store_ari_mark_get(struct ca_store *st, const char *serial, int64_t *marked,
    char **explanation_url)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	char *url;
	int r;

	c = sq_acquire(st);
	r = sq_stmt_text(c, SQ_ARI_MARK_GET, serial, &s);
	if (r != 0)
		goto out;
	r = sq_found(c, s, "the certificate is not marked");
	if (r != 0)
		goto out;
	url = sq_col_dup(s, 1);
	*marked = sqlite3_column_int64(s, 0);
	*explanation_url = url ? url : cn_xstrdup("");
	r = 0;
out:
	sq_release(st, c);
	return r;
}

/* CN_ERR_ALREADY_REPLACED if a live order other than order_id replaces serial. */
static int replaced_check(struct sq_conn *c, const char *serial, int64_t order_id, int64_t now)
{
	sqlite3_stmt *s = NULL;
	int64_t other;
	int r;

	r = sq_stmt(c, SQ_CERT_REPLACED, &s);
	if (r != 0)
		return r;
	if (sqlite3_bind_text(s, 1, serial, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, order_id) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, now) != SQLITE_OK)
		return sq_fail(c, "bind");
	r = sq_step(c, s);
	if (r < 0)
		return r;
	if (r == 0)
		return 0;
	other = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return cn_err_set(CN_ERR_ALREADY_REPLACED,
	    "certificate %s is already being replaced by order %lld", serial, (long long)other);
}

int ca_store_cert_replaced(struct ca_store *st, const char *serial, int64_t order_id, int64_t now)
{
	struct sq_conn *c = NULL;
	int r;

	c = sq_acquire(st);
	r = replaced_check(c, serial, order_id, now);
	sq_release(st, c);
	return r;
}

int ca_store_order_replaces_set(struct ca_store *st, int64_t order_id, const char *cert_id,
    const char *serial, int64_t now)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = replaced_check(c, serial, order_id, now);
	if (r != 0)
		goto out;
	r = sq_stmt(c, SQ_ORDER_REPLACES_INSERT, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_int64(s, 1, order_id) != SQLITE_OK ||
	    sqlite3_bind_text(s, 2, cert_id, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(s, 3, serial, -1, SQLITE_STATIC) != SQLITE_OK) {
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

int ca_store_order_replaces_get(struct ca_store *st, int64_t order_id, char **cert_id)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	char *v;
	int r;

	c = sq_acquire(st);
	r = sq_stmt_int64(c, SQ_ORDER_REPLACES_GET, order_id, &s);
	if (r != 0)
		goto out;
	r = sq_step(c, s);
	if (r < 0)
		goto out;
	v = r == 1 ? sq_col_dup(s, 0) : NULL;
	if (v == NULL) {
		r = CN_ERR_NOT_FOUND; /* the common case: no detail needed */
		goto out;
	}
	*cert_id = v;
	r = 0;
out:
	sq_release(st, c);
	return r;
}
