/*
 * store_sqlite_admin.c - what `cairnd admin list` reads from the SQLite
 * store: paged lists of accounts, orders and certificates, newest first.
 */
#include "store/store_sqlite_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

/* "Below before" with 0 meaning "from the newest". */
static int64_t before_bound(int64_t before)
{
	return before > 0 ? before : INT64_MAX;
}

static int bind_page(struct sq_conn *c, sqlite3_stmt *s, int64_t before, size_t limit)
{
	if (sqlite3_bind_int64(s, 1, before_bound(before)) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, limit > INT64_MAX ? INT64_MAX : (int64_t)limit) != SQLITE_OK)
		return sq_fail(c, "bind");
	return 0;
}

int ca_store_account_list(struct ca_store *st, int64_t before, size_t limit,
    struct ca_account **out, size_t *n_out)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	struct ca_account *list = NULL, a;
	size_t n = 0, cap = 0;
	int r;

	c = sq_acquire(st);
	r = sq_stmt(c, SQ_ACCOUNT_LIST, &s);
	if (r == 0)
		r = bind_page(c, s, before, limit);
	if (r != 0)
		goto out;
	for (;;) {
		r = sq_step(c, s);
		if (r <= 0)
			break;
		memset(&a, 0, sizeof(a));
		a.id = sqlite3_column_int64(s, 0);
		r = sq_col_status(c, s, 1, &a.status);
		if (r == 0)
			r = sq_col_arr(c, s, 2, a.thumbprint, sizeof(a.thumbprint));
		if (r != 0)
			goto out;
		a.jwk_json = sq_col_dup(s, 3);
		a.contact_json = sq_col_dup(s, 4);
		a.tos_agreed = sqlite3_column_int(s, 5) != 0;
		a.created = sqlite3_column_int64(s, 6);
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			list = cn_xrealloc(list, cap * sizeof(*list));
		}
		list[n++] = a;
	}
	if (r < 0)
		goto out;
	*out = list;
	*n_out = n;
	list = NULL;
	n = 0;
out:
	sq_release(st, c);
	ca_accounts_free(list, n);
	return r;
}

int ca_store_order_ids(struct ca_store *st, int64_t account_id, int64_t before, size_t limit,
    int64_t **ids_out, size_t *n_out)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int r;

	if (account_id > 0)
		return ca_store_orders_by_account(st, account_id, before, limit, ids_out, n_out);
	c = sq_acquire(st);
	r = sq_stmt(c, SQ_ORDER_IDS_ALL, &s);
	if (r == 0)
		r = bind_page(c, s, before, limit);
	if (r != 0)
		goto out;
	for (;;) {
		r = sq_step(c, s);
		if (r <= 0)
			break;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			ids = cn_xrealloc(ids, cap * sizeof(*ids));
		}
		ids[n++] = sqlite3_column_int64(s, 0);
	}
	if (r < 0)
		goto out;
	*ids_out = ids;
	*n_out = n;
	ids = NULL;
out:
	sq_release(st, c);
	free(ids);
	return r;
}

static int cert_row(struct sq_conn *c, sqlite3_stmt *s, struct ca_cert *out)
{
	struct ca_cert cert;
	const void *der;
	int r;

	memset(&cert, 0, sizeof(cert));
	cert.id = sqlite3_column_int64(s, 0);
	r = sq_col_arr(c, s, 1, cert.serial, sizeof(cert.serial));
	if (r != 0)
		goto out;
	cert.account_id = sqlite3_column_int64(s, 2);
	cert.order_id = sqlite3_column_int64(s, 3);
	der = sqlite3_column_blob(s, 4);
	cert.der_len = (size_t)sqlite3_column_bytes(s, 4);
	cert.der = cn_xmemdup(cert.der_len ? der : "", cert.der_len);
	r = sq_col_arr(c, s, 5, cert.key_sha256, sizeof(cert.key_sha256));
	if (r != 0)
		goto out;
	cert.not_before = sqlite3_column_int64(s, 6);
	cert.not_after = sqlite3_column_int64(s, 7);
	r = sq_col_status(c, s, 8, &cert.status);
	if (r != 0)
		goto out;
	cert.reason = sqlite3_column_int(s, 9);
	cert.revoked_at = sqlite3_column_int64(s, 10);
	*out = cert;
	memset(&cert, 0, sizeof(cert));
out:
	ca_cert_cleanup(&cert);
	return r;
}

int ca_store_cert_list(struct ca_store *st, int64_t account_id, int64_t before, size_t limit,
    struct ca_cert **out, size_t *n_out)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	struct ca_cert *list = NULL;
	size_t n = 0, cap = 0;
	int r;

	c = sq_acquire(st);
	r = sq_stmt(c, SQ_CERT_LIST, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_int64(s, 1, before_bound(before)) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, account_id > 0 ? account_id : 0) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, limit > INT64_MAX ? INT64_MAX : (int64_t)limit) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	for (;;) {
		r = sq_step(c, s);
		if (r <= 0)
			break;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			list = cn_xrealloc(list, cap * sizeof(*list));
		}
		r = cert_row(c, s, &list[n]);
		if (r != 0)
			goto out;
		n++;
	}
	if (r < 0)
		goto out;
	*out = list;
	*n_out = n;
	list = NULL;
	n = 0;
out:
	sq_release(st, c);
	ca_certs_free(list, n);
	return r;
}

void ca_accounts_free(struct ca_account *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ca_account_cleanup(&a[i]);
	free(a);
}

void ca_certs_free(struct ca_cert *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ca_cert_cleanup(&c[i]);
	free(c);
}
