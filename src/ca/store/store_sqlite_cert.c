/*
 * store_sqlite_cert.c - serials and issued certificates in the SQLite store.
 *
 * A serial is reserved (a row in serials, never deleted) before anything is
 * signed with it, so no two certificates or precertificates (RFC 6962
 * section 3.1) of this CA ever share one (RFC 5280 section 4.1.2.2). The
 * certificate row and the order's move to "valid" (RFC 8555 section 7.4)
 * are one transaction. Revocation (RFC 8555 section 7.6) records the RFC
 * 5280 section 5.3.1 reason for OCSP and CRLs.
 */
#include "store/store_sqlite_int.h"

#include <limits.h>
#include <string.h>

#include "mem.h"

int ca_store_serial_reserve(struct ca_store *st, const char *serial_hex,
    int64_t order_id, int64_t now)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	/* It must fit struct ca_cert.serial once issued. */
	if (strlen(serial_hex) >= sizeof(((struct ca_cert *)0)->serial))
		return cn_err_set(CN_ERR_TOO_BIG, "serial too long");
	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = sq_stmt(c, SQ_SERIAL_RESERVE, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_text(s, 1, serial_hex, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, order_id) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, now) != SQLITE_OK) {
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

int ca_store_cert_insert(struct ca_store *st, struct ca_cert *cert)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int64_t id;
	int r;

	if (cert->der_len > INT_MAX)
		return cn_err_set(CN_ERR_TOO_BIG, "certificate too large");
	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = sq_stmt(c, SQ_CERT_INSERT, &s);
	if (r != 0)
		goto out;
	if (sq_bind_arr(s, 1, cert->serial, sizeof(cert->serial)) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, cert->account_id) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, cert->order_id) != SQLITE_OK ||
	    sqlite3_bind_blob(s, 4, cert->der_len ? (const void *)cert->der : "",
	    (int)cert->der_len, SQLITE_STATIC) != SQLITE_OK ||
	    sq_bind_arr(s, 5, cert->key_sha256, sizeof(cert->key_sha256)) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 6, cert->not_before) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 7, cert->not_after) != SQLITE_OK ||
	    sq_bind_status(s, 8, cert->status) != SQLITE_OK ||
	    sqlite3_bind_int(s, 9, cert->reason) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 10, cert->revoked_at) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	r = sq_exec(c, s);
	if (r != 0)
		goto out;
	id = sqlite3_last_insert_rowid(c->db);
	r = sq_stmt(c, SQ_ORDER_ISSUED, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_int64(s, 1, cert->order_id) != SQLITE_OK ||
	    sq_bind_arr(s, 2, cert->serial, sizeof(cert->serial)) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	r = sq_exec_cas(c, s, SQ_ORDER_EXISTS, cert->order_id, NULL, CN_ERR_CONFLICT, "order");
	if (r != 0)
		goto out;
	r = sq_commit(c);
	if (r != 0)
		goto out;
	cert->id = id;
out:
	sq_release(st, c);
	return r;
}

int ca_store_cert_by_serial(struct ca_store *st, const char *serial_hex,
    struct ca_cert *out)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	struct ca_cert cert = {0};
	const void *der;
	int r;

	c = sq_acquire(st);
	r = sq_stmt_text(c, SQ_CERT_BY_SERIAL, serial_hex, &s);
	if (r != 0)
		goto out;
	r = sq_found(c, s, "no such certificate");
	if (r != 0)
		goto out;
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
	cert = (struct ca_cert){0};
out:
	sq_release(st, c);
	ca_cert_cleanup(&cert);
	return r;
}

int ca_store_cert_revoke(struct ca_store *st, const char *serial_hex, int reason,
    int64_t now)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = sq_stmt(c, SQ_CERT_REVOKE, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_text(s, 1, serial_hex, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int(s, 2, reason) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, now) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	r = sq_exec_cas(c, s, SQ_CERT_EXISTS, 0, serial_hex, CN_ERR_ALREADY_REVOKED, "certificate");
	if (r != 0)
		goto out;
	r = sq_commit(c);
out:
	sq_release(st, c);
	return r;
}

int ca_store_cert_count(struct ca_store *st, int64_t *out)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	c = sq_acquire(st);
	r = sq_stmt(c, SQ_CERT_COUNT, &s);
	if (r != 0)
		goto out;
	r = sq_step(c, s);
	if (r < 0)
		goto out;
	if (r == 0) {
		r = sq_fail(c, "count returned no row");
		goto out;
	}
	*out = sqlite3_column_int64(s, 0);
	r = 0;
out:
	sq_release(st, c);
	return r;
}
